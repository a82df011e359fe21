/* ABA and the exclusive monitor, with two real threads. In each trial thread A does LDXR on a word
 * holding X, then waits (LDXR and STXR stay armed around the wait) while thread B does two
 * successful LDXR/STXR updates X -> Y -> X, then A does STXR. On Arm, B's store-exclusives to the
 * granule clear A's reservation, so A's STXR must fail (status 1) although the value is X again
 * (Arm ARM B2.9, "Synchronization and semaphores"). Controls: B works on another granule (A must
 * succeed: the wait itself does not disarm the monitor, so the first line is not vacuous), and B
 * changes the value with a plain store and leaves it changed (A must fail).
 *
 * qemu-aarch64 is not the oracle: its monitor is value-based, like ours was, and it reports success
 * for the ABA case (checked by hand with qemu 7.2: 0 of 300 STXRs failed in the ABA case, 300 of 300 with a plain store). The expected output is in
 * 30-aba.expect, derived from the architecture; see docs/memory-model.md.
 *
 * A makes no system call between its LDXR and its STXR (an exception return clears the monitor on
 * Arm and in qemu, which would make the test vacuous): it spins without parking, and its post does
 * not wake B, whose wait has a 1 ms time-out instead. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TRIALS 200

static uint64_t word __attribute__((aligned(64)));
static uint64_t other __attribute__((aligned(64)));
static _Atomic int a_loaded, b_done;
static int mode; /* 0 ABA on word, 1 ABA on another granule, 2 plain store of a new value */

/* Wait until *p == v: spin, then (if park) park on a futex with a 1 ms time-out, as 18-atomics.c
 * explains. */
static void wait_for(_Atomic int *p, int v, int park)
{
    unsigned spins = 0;
    int t;
    while ((t = atomic_load_explicit(p, memory_order_acquire)) != v)
        if (park && (++spins & 4095) == 0) {
            struct timespec ts = {0, 1000000};
            syscall(SYS_futex, (int *)p, FUTEX_WAIT_PRIVATE, t, &ts, NULL, 0);
        }
}
static void post(_Atomic int *p, int v, int wake)
{
    atomic_store_explicit(p, v, memory_order_release);
    if (wake)
        syscall(SYS_futex, (int *)p, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* One successful LDXR/STXR update of *p to v (retried on spurious failure); returns the old value. */
static uint64_t exchange(uint64_t *p, uint64_t v)
{
    uint64_t old;
    uint32_t s;
    __asm__ volatile("1: ldxr %[o], [%[p]]\n\tstxr %w[s], %[v], [%[p]]\n\tcbnz %w[s], 1b"
                     : [o] "=&r"(old), [s] "=&r"(s) : [p] "r"(p), [v] "r"(v) : "memory");
    return old;
}

static void *thread_b(void *arg)
{
    (void)arg;
    for (int i = 1; i <= TRIALS; i++) {
        wait_for(&a_loaded, i, 1);
        uint64_t *p = mode == 1 ? &other : &word;
        uint64_t x = *p;
        if (mode == 2)
            *(volatile uint64_t *)p = x + 1;
        else {
            exchange(p, x + 1);
            exchange(p, x);
        }
        post(&b_done, i, 0);
    }
    return NULL;
}

int main(void)
{
    static const char *what[] = {
        "ABA by B's LDXR/STXR (X->Y->X)  ", "B's LDXR/STXR on another granule", "B's plain store of a new value  "};
    static const char *expect[] = {"must fail", "must succeed", "must fail"};
    for (mode = 0; mode < 3; mode++) {
        atomic_store(&a_loaded, 0);
        atomic_store(&b_done, 0);
        pthread_t t;
        pthread_create(&t, NULL, thread_b, NULL);
        int failed = 0;
        for (int i = 1; i <= TRIALS; i++) {
            uint64_t x;
            uint32_t s;
            __asm__ volatile("ldxr %[x], [%[p]]" : [x] "=r"(x) : [p] "r"(&word) : "memory");
            post(&a_loaded, i, 0);
            wait_for(&b_done, i, 0);
            __asm__ volatile("stxr %w[s], %[v], [%[p]]" : [s] "=&r"(s) : [p] "r"(&word), [v] "r"(x + 100) : "memory");
            failed += s;
        }
        pthread_join(t, NULL);
        printf("%s: A's STXR failed %d of %d times (%s)\n", what[mode], failed, TRIALS, expect[mode]);
    }
    return 0;
}
