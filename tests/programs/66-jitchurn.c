/* A guest that keeps generating code (docs/jit.md "Reclaiming retired code"): it writes AArch64
 * functions of varying sizes into executable memory, makes them visible with
 * __builtin___clear_cache, calls them, rewrites them and calls again, many more times than a small
 * JIT code cache holds (the test runs it with AOT_JIT_CACHE_MB=1, 66-jitchurn.env), so the
 * translations of the old code must be freed and their memory reused.
 *
 * Part 1, one thread: four functions at four places of one RWX mapping, rewritten in turn with
 * new sizes and constants. Part 2, threads: three threads call the current version of a generated
 * function concurrently (under a read lock) while the main thread writes the next version into
 * the other of two buffers, then switches (write lock); each caller checks every result against
 * the same computation in C. A 1 ms timer signal interrupts all of it during part 2 (handlers
 * run at safe points and inside blocking syscalls while the reclaimer scans). Compared with
 * qemu. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

typedef uint32_t (*fn1)(uint32_t);

static uint32_t movz_w(int rd, uint32_t imm16) { return 0x52800000u | (imm16 & 0xffff) << 5 | rd; }
static uint32_t add_w_imm(int rd, int rn, uint32_t imm12) { return 0x11000000u | (imm12 & 0xfff) << 10 | rn << 5 | rd; }
static uint32_t eor_w(int rd, int rn, int rm) { return 0x4a000000u | rm << 16 | rn << 5 | rd; }
#define RET 0xd65f03c0u

/* The parameters of version v: number of (add, eor) pairs and the constants. */
static int pairs_of(unsigned v) { return 20 + (v * 37u) % 160; }
static uint32_t k_of(unsigned v, int i) { return (v * 2654435761u + (unsigned)i * 40503u) & 0xfff; }
static uint32_t key_of(unsigned v) { return (v * 7919u) & 0xffff; }

/* f_v(x): w1 = key; then per pair: w0 += k_i; w0 ^= w1. */
static int emit(uint32_t *p, unsigned v) {
    int n = 0;
    p[n++] = movz_w(1, key_of(v));
    for (int i = 0; i < pairs_of(v); i++) {
        p[n++] = add_w_imm(0, 0, k_of(v, i));
        p[n++] = eor_w(0, 0, 1);
    }
    p[n++] = RET;
    return n;
}
static uint32_t expect(unsigned v, uint32_t x) {
    for (int i = 0; i < pairs_of(v); i++) {
        x += k_of(v, i);
        x ^= key_of(v);
    }
    return x;
}

#define SLOT_WORDS 1024 /* 4 KiB per function place */
static uint32_t *code;
static unsigned long failures;

static void check(const char *what, unsigned v, uint32_t x, uint32_t got) {
    if (got != expect(v, x)) {
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        if (failures < 20)
            printf("MISMATCH %s v%u x%u: got %u want %u\n", what, v, x, got, expect(v, x));
    }
}

static void write_version(uint32_t *at, unsigned v) {
    int n = emit(at, v);
    __builtin___clear_cache((char *)at, (char *)(at + n));
}

static volatile sig_atomic_t ticks;
static void on_tick(int s) { (void)s; ticks++; }

/* ---- part 2 */
static pthread_rwlock_t lock;
static unsigned cur; /* version in buffer cur % 2 (written under the write lock) */
static int done;
#define THREADS 3
#define MIN_CALLS 2000

static void *caller(void *arg) {
    unsigned id = (unsigned)(uintptr_t)arg;
    unsigned long calls = 0;
    for (;;) {
        pthread_rwlock_rdlock(&lock);
        unsigned v = cur;
        fn1 f = (fn1)(void *)(code + (v % 2) * SLOT_WORDS);
        uint32_t x = id * 1000003u + (uint32_t)calls;
        uint32_t r = f(x);
        int stop = __atomic_load_n(&done, __ATOMIC_ACQUIRE);
        pthread_rwlock_unlock(&lock);
        check("thread", v, x, r);
        calls++;
        if (stop && calls >= MIN_CALLS)
            break;
    }
    return 0;
}

int main(void) {
    code = mmap(0, 8 * SLOT_WORDS * 4, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    /* Part 1: 700 rewrites over four places (about 0.3-2 KiB of host code each: with part 2
     * about 1.6 MiB in all). */
    unsigned long sum = 0;
    for (unsigned v = 0; v < 700; v++) {
        uint32_t *at = code + (v % 4) * SLOT_WORDS;
        write_version(at, v);
        for (uint32_t x = 0; x < 3; x++) {
            uint32_t r = ((fn1)(void *)at)(x * 77u + v);
            check("single", v, x * 77u + v, r);
            sum += r;
        }
        /* an older function, still in place, is called again too */
        if (v >= 3) {
            unsigned w = v - 3;
            uint32_t r = ((fn1)(void *)(code + (w % 4) * SLOT_WORDS))(w);
            check("older", w, w, r);
        }
    }
    printf("single thread: 700 versions, checksum %lu, %lu mismatches\n", sum, failures);

    /* Part 2. */
    pthread_rwlockattr_t at;
    pthread_rwlockattr_init(&at);
    pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock, &at);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, 0);
    uint32_t *buf = code + 4 * SLOT_WORDS;
    code = buf;
    cur = 5000;
    write_version(buf + (cur % 2) * SLOT_WORDS, cur);
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, caller, (void *)(uintptr_t)i);
    unsigned long before = failures;
    for (unsigned v = cur + 1; v < 5000 + 500; v++) {
        /* nobody runs the other buffer: its version is two behind */
        write_version(buf + (v % 2) * SLOT_WORDS, v);
        uint32_t r = ((fn1)(void *)(buf + (v % 2) * SLOT_WORDS))(v);
        check("writer", v, v, r);
        pthread_rwlock_wrlock(&lock);
        cur = v;
        pthread_rwlock_unlock(&lock);
    }
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("threads: 500 versions, %d callers, %lu mismatches, timer signals seen: %d\n", THREADS, failures - before, ticks > 0);
    return failures != 0;
}
