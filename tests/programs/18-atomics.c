/* Two threads spinning on each other: a relaxed-atomic ping-pong (20,000 round trips; a relaxed
 * spin-wait must not be hoisted out of its loop), a Dekker-style mutual exclusion test with
 * seq_cst atomics (store-load ordering), atomic read-modify-write counters, compare-exchange,
 * and a pthread mutex/condvar handoff. Dekker: see raise_flag. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Spin-waits park on a futex after a thousand idle spins, as real locks do. The suite runs on 2
 * busy cores: a pure spin whose partner thread is descheduled burns a whole time slice per handoff
 * (a native x86-64 build of this file took 10-20 s instead of 0.2 s that way), sched_yield() is no
 * cure (under EEVDF a task that keeps yielding starves behind CPU hogs) and a fixed sleep makes the
 * two threads take turns sleeping. The loads still re-execute on every iteration, so a load hoisted
 * out of its loop still hangs the test. The wait has a 1 ms time-out, so a store without a wake
 * (Dekker's retreat) only delays. */
static void relax(unsigned *spins, _Atomic int *addr, int seen)
{
    if ((++*spins & 1023) == 0) {
        struct timespec ts = {0, 1000000};
        syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
    }
}

static void wake(_Atomic int *addr)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

#define ROUNDS 20000

static _Atomic int turn;
static long pong_sum;

static void *ponger(void *arg)
{
    (void)arg;
    unsigned spins = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int t;
        while ((t = atomic_load_explicit(&turn, memory_order_relaxed)) != 1)
            relax(&spins, &turn, t);
        pong_sum += i;
        atomic_store_explicit(&turn, 0, memory_order_relaxed);
        wake(&turn);
    }
    return NULL;
}

/* Dekker: flags + turn, seq_cst. The critical section does a non-atomic read-modify-write. */
static _Atomic int want[2];
static _Atomic int dturn;
static volatile long shared_counter;
static _Atomic int inside;
static _Atomic int violations;
#define DEKKER_ITERS 5000

/* Raising a flag and then reading the other thread's flag needs store->load ordering. Two ways
 * that qemu 7.2 also gets right: a seq_cst exchange (SWPAL or an LDAXR/STLXR loop) and a plain
 * seq_cst store followed by a full fence (DMB ISH). A seq_cst store + seq_cst load alone (STLR then
 * LDAR) is not ordered by qemu 7.2 on an x86-64 host (violations appear), so it cannot be checked
 * against that oracle. */
static int mode;
static void raise_flag(int me)
{
    if (mode == 0)
        atomic_exchange(&want[me], 1);
    else {
        atomic_store_explicit(&want[me], 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
    }
}

static void lock(int me)
{
    int other = 1 - me;
    unsigned spins = 0;
    int t;
    raise_flag(me);
    while ((t = atomic_load(&want[other]))) {
        relax(&spins, &want[other], t);
        if (atomic_load(&dturn) != me) {
            atomic_store(&want[me], 0);
            while ((t = atomic_load(&dturn)) != me)
                relax(&spins, &dturn, t);
            raise_flag(me);
        }
    }
}

static void unlock(int me)
{
    atomic_store(&dturn, 1 - me);
    wake(&dturn);
    atomic_store(&want[me], 0);
    wake(&want[me]);
}

static void *dekker(void *arg)
{
    int me = (int)(long)arg;
    for (int i = 0; i < DEKKER_ITERS; i++) {
        lock(me);
        if (atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed) != 0)
            atomic_fetch_add(&violations, 1);
        long v = shared_counter;
        shared_counter = v + 1;
        atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
        unlock(me);
    }
    return NULL;
}

static _Atomic long counter;
static _Atomic unsigned long cas_counter;
static _Atomic unsigned char bytes[4];
static void *rmw(void *arg)
{
    long k = (long)arg;
    for (int i = 0; i < 20000; i++) {
        atomic_fetch_add(&counter, k);
        unsigned long old = atomic_load_explicit(&cas_counter, memory_order_relaxed);
        while (!atomic_compare_exchange_weak(&cas_counter, &old, old + 3))
            ;
        atomic_fetch_add_explicit(&bytes[i & 3], 1, memory_order_relaxed);
        atomic_fetch_or(&counter, 0);
    }
    return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int slot, have;
static void *consumer(void *arg)
{
    long *total = arg;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&mu);
        while (!have)
            pthread_cond_wait(&cv, &mu);
        *total += slot;
        have = 0;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(void)
{
    pthread_t t, t2;
    pthread_create(&t, NULL, ponger, NULL);
    long ping_sum = 0;
    unsigned spins = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int t;
        while ((t = atomic_load_explicit(&turn, memory_order_relaxed)) != 0)
            relax(&spins, &turn, t);
        ping_sum += i;
        atomic_store_explicit(&turn, 1, memory_order_relaxed);
        wake(&turn);
    }
    pthread_join(t, NULL);
    printf("ping-pong: %d rounds, sums %ld %ld\n", ROUNDS, ping_sum, pong_sum);

    for (mode = 0; mode < 2; mode++) {
        shared_counter = 0;
        atomic_store(&violations, 0);
        pthread_create(&t, NULL, dekker, (void *)0L);
        pthread_create(&t2, NULL, dekker, (void *)1L);
        pthread_join(t, NULL);
        pthread_join(t2, NULL);
        printf("dekker (%s): counter=%ld (expected %d) violations=%d\n", mode ? "store+fence" : "exchange",
               shared_counter, 2 * DEKKER_ITERS, atomic_load(&violations));
    }

    pthread_create(&t, NULL, rmw, (void *)3L);
    pthread_create(&t2, NULL, rmw, (void *)5L);
    pthread_join(t, NULL);
    pthread_join(t2, NULL);
    printf("rmw: counter=%ld cas=%lu bytes=%d,%d,%d,%d\n", atomic_load(&counter), atomic_load(&cas_counter),
           bytes[0], bytes[1], bytes[2], bytes[3]);

    long total = 0;
    pthread_create(&t, NULL, consumer, &total);
    for (int i = 1; i <= 2000; i++) {
        pthread_mutex_lock(&mu);
        while (have)
            pthread_cond_wait(&cv, &mu);
        slot = i;
        have = 1;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_join(t, NULL);
    printf("condvar handoff total=%ld\n", total);
    return 0;
}
