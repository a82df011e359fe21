/* Exclusives under real concurrency: THREADS threads each add 1 ROUNDS times to shared counters
 * with load-exclusive/store-exclusive retry loops of every size and both orderings, and to pair
 * counters with LDXP/STXP (W and X pairs) and CASP; the final totals must be exact, and a pair's
 * halves (always updated together) must never be seen differing. See docs/memory-model.md. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS 200000

static struct {
    uint8_t b;
    uint16_t h;
    uint32_t w;
    uint64_t x;
    uint32_t wpair[2] __attribute__((aligned(8)));
    uint64_t xpair[2] __attribute__((aligned(16)));
    uint64_t cpair[2] __attribute__((aligned(16)));
    uint64_t aw; /* acquire/release word */
} c __attribute__((aligned(64)));
static long torn[THREADS];
static pthread_barrier_t start;

#define INC(ld, st, reg, ptr)                                                                      \
    do {                                                                                           \
        uint32_t st_, v_;                                                                          \
        __asm__ volatile("1: " ld " %" reg "[v], [%[p]]\n\t"                                       \
                         "add %" reg "[v], %" reg "[v], #1\n\t" st " %w[s], %" reg "[v], [%[p]]\n\t" \
                         "cbnz %w[s], 1b"                                                          \
                         : [v] "=&r"(v_), [s] "=&r"(st_)                                           \
                         : [p] "r"(ptr)                                                            \
                         : "memory");                                                              \
    } while (0)

static void *worker(void *arg)
{
    long me = (long)arg;
    pthread_barrier_wait(&start); /* all start together: more contention */
    for (int i = 0; i < ROUNDS; i++) {
        INC("ldxrb", "stxrb", "w", &c.b);
        INC("ldaxrh", "stlxrh", "w", &c.h);
        INC("ldxr", "stxr", "w", &c.w);
        {
            uint64_t v, s;
            __asm__ volatile("1: ldaxr %[v], [%[p]]\n\tadd %[v], %[v], #1\n\tstlxr %w[s], %[v], [%[p]]\n\tcbnz %w[s], 1b"
                             : [v] "=&r"(v), [s] "=&r"(s) : [p] "r"(&c.x) : "memory");
        }
        {
            uint32_t a, b, s, bad;
            __asm__ volatile("1: ldxp %w[a], %w[b], [%[p]]\n\t"
                             "cmp %w[a], %w[b]\n\tcset %w[bad], ne\n\t"
                             "add %w[a], %w[a], #1\n\tadd %w[b], %w[b], #1\n\t"
                             "stxp %w[s], %w[a], %w[b], [%[p]]\n\tcbnz %w[s], 1b"
                             : [a] "=&r"(a), [b] "=&r"(b), [s] "=&r"(s), [bad] "=&r"(bad) : [p] "r"(c.wpair) : "memory", "cc");
            torn[me] += bad;
        }
        {
            uint64_t a, b, bad;
            uint32_t s;
            __asm__ volatile("1: ldaxp %[a], %[b], [%[p]]\n\t"
                             "cmp %[a], %[b]\n\tcset %[bad], ne\n\t"
                             "add %[a], %[a], #1\n\tadd %[b], %[b], #1\n\t"
                             "stlxp %w[s], %[a], %[b], [%[p]]\n\tcbnz %w[s], 1b"
                             : [a] "=&r"(a), [b] "=&r"(b), [s] "=&r"(s), [bad] "=&r"(bad) : [p] "r"(c.xpair) : "memory", "cc");
            torn[me] += bad;
        }
        {
            /* CASP (128-bit compare-and-swap): expected in x0:x1, new in x2:x3. */
            register uint64_t e0 __asm__("x0"), e1 __asm__("x1"), n0 __asm__("x2"), n1 __asm__("x3");
            e0 = c.cpair[0];
            e1 = c.cpair[1];
            for (;;) {
                uint64_t o0 = e0, o1 = e1;
                n0 = e0 + 1;
                n1 = e1 + 1;
                __asm__ volatile(".arch_extension lse\n\tcaspal %[e0], %[e1], %[n0], %[n1], [%[p]]"
                                 : [e0] "+r"(e0), [e1] "+r"(e1) : [n0] "r"(n0), [n1] "r"(n1), [p] "r"(c.cpair) : "memory");
                if (e0 == o0 && e1 == o1)
                    break;
            }
        }
        /* The monitor must not be left armed by a plain access: a lone STXR after CLREX fails. */
        if (i == 0) {
            uint32_t s;
            __asm__ volatile("ldxr wzr, [%[p]]\n\tclrex\n\tstxr %w[s], wzr, [%[p]]" : [s] "=&r"(s) : [p] "r"(&c.aw) : "memory");
            torn[me] += s != 1;
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (long k = 1; k < THREADS; k++)
        pthread_create(&t[k], NULL, worker, (void *)k);
    worker((void *)0L);
    for (int k = 1; k < THREADS; k++)
        pthread_join(t[k], NULL);
    long bad = 0;
    for (int k = 0; k < THREADS; k++)
        bad += torn[k];
    long n = (long)THREADS * ROUNDS;
    printf("%d threads x %d rounds = %ld increments each\n", THREADS, ROUNDS, n);
    printf("ldxrb/stxrb   %u (expected %ld)\n", c.b, n & 0xff);
    printf("ldaxrh/stlxrh %u (expected %ld)\n", c.h, n & 0xffff);
    printf("ldxr/stxr w   %u\n", c.w);
    printf("ldaxr/stlxr x %lu\n", (unsigned long)c.x);
    printf("ldxp/stxp w   %u %u\n", c.wpair[0], c.wpair[1]);
    printf("ldaxp/stlxp x %lu %lu\n", (unsigned long)c.xpair[0], (unsigned long)c.xpair[1]);
    printf("caspal        %lu %lu\n", (unsigned long)c.cpair[0], (unsigned long)c.cpair[1]);
    printf("torn pairs / bad clrex: %ld\n", bad);
    return bad != 0 || c.w != n || c.x != n || c.wpair[0] != n || c.xpair[1] != n || c.cpair[1] != n;
}
