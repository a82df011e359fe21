/* Shared harness of the two-thread litmus programs (27-litmus.c, 29-litmus-sc.c; included, not a
 * test itself). Each test runs ITERS rounds; in every round both threads meet at a barrier, wait a
 * pseudo-random delay (log-uniform from 0 to ~500 loop iterations, so that at whatever scale the
 * barrier's exit lag is, some rounds start both sides together), run their few instructions on fresh
 * locations xs[i], ys[i] (no reset races) and keep what they loaded; the outcomes are counted after
 * both threads are joined. The barrier spins and parks on a futex after a while, as in
 * 18-atomics.c: the suite runs on 2 busy cores, where a pure spin whose partner is descheduled burns
 * a whole time slice. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef ITERS
#define ITERS 15000
#endif

static _Atomic int bar;
static _Atomic int sleepers;

static void barrier(int target)
{
    if (atomic_fetch_add(&bar, 1) + 1 == target) {
        if (atomic_load(&sleepers))
            syscall(SYS_futex, (int *)&bar, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        return;
    }
    unsigned spins = 0;
    int b;
    while ((b = atomic_load_explicit(&bar, memory_order_relaxed)) < target) {
        if ((++spins & 4095) == 0) {
            struct timespec ts = {0, 1000000};
            atomic_fetch_add(&sleepers, 1);
            syscall(SYS_futex, (int *)&bar, FUTEX_WAIT_PRIVATE, b, &ts, NULL, 0);
            atomic_fetch_sub(&sleepers, 1);
        }
    }
}

static void delay(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    unsigned r = *seed >> 8;
    for (unsigned k = r & ((1u << (r >> 20) % 10) - 1); k; k--)
        __asm__ volatile("" ::: "memory");
}

/* Locations and results, one slot per round, in separate arrays (so x and y of one round are on
 * different cache lines). */
static int xs[ITERS], ys[ITERS], r0s[ITERS], r1s[ITERS];

typedef void (*body_fn)(int *x, int *y, int *r);
struct litmus {
    const char *name;
    body_fn t0, t1;
};

struct targ {
    body_fn f;
    int me;
};

static void *runner(void *p)
{
    struct targ *a = p;
    unsigned seed = 1 + a->me * 7919;
    for (int i = 0; i < ITERS; i++) {
        barrier(2 * (i + 1));
        delay(&seed);
        if (a->me == 0)
            a->f(&xs[i], &ys[i], &r0s[i]);
        else
            a->f(&xs[i], &ys[i], &r1s[i]);
    }
    return NULL;
}

/* Runs the test; hist[r0 * 2 + r1] counts the outcomes (each result is 0 or 1). */
static void run_litmus(const struct litmus *t, long hist[4])
{
    memset(xs, 0, sizeof xs);
    memset(ys, 0, sizeof ys);
    atomic_store(&bar, 0);
    struct targ a0 = {t->t0, 0}, a1 = {t->t1, 1};
    pthread_t th;
    pthread_create(&th, NULL, runner, &a1);
    runner(&a0);
    pthread_join(th, NULL);
    memset(hist, 0, 4 * sizeof *hist);
    for (int i = 0; i < ITERS; i++)
        hist[(r0s[i] & 1) * 2 + (r1s[i] & 1)]++;
}

/* SB (store buffering): t0: x = 1; r0 = y.  t1: y = 1; r1 = x.  Forbidden with a full barrier (or
 * STLR then LDAR) between the store and the load: r0 = r1 = 0. */
#define SB_BODY(name, st, mid, ld)                                                                  \
    static void name##_0(int *x, int *y, int *r)                                                    \
    {                                                                                               \
        __asm__ volatile(st " %w[one], [%[x]]\n\t" mid "\n\t" ld " %w[r], [%[y]]"                   \
                         : [r] "=&r"(*r)                                                            \
                         : [one] "r"(1), [x] "r"(x), [y] "r"(y)                                     \
                         : "memory");                                                               \
    }                                                                                               \
    static void name##_1(int *x, int *y, int *r)                                                    \
    {                                                                                               \
        __asm__ volatile(st " %w[one], [%[y]]\n\t" mid "\n\t" ld " %w[r], [%[x]]"                   \
                         : [r] "=&r"(*r)                                                            \
                         : [one] "r"(1), [x] "r"(x), [y] "r"(y)                                     \
                         : "memory");                                                               \
    }

/* Prints the forbidden-outcome count (deterministic when the model is right) and, with `stats`,
 * the whole histogram (timing dependent: not for the differential comparison). */
static int report(const struct litmus *t, int forbidden_idx, const char *forbidden, int stats)
{
    long h[4];
    run_litmus(t, h);
    printf("%s: %d rounds, forbidden %s seen %ld times\n", t->name, ITERS, forbidden, h[forbidden_idx]);
    if (stats)
        printf("  outcomes (r0,r1): 00=%ld 01=%ld 10=%ld 11=%ld\n", h[0], h[1], h[2], h[3]);
    return h[forbidden_idx] != 0;
}
