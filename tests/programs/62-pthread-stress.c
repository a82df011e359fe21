/* pthread stress: 8 threads x 1,000,000 increments with C11 atomics (seq_cst and relaxed), __sync
 * builtins and a mutex; a mutex + condvar ping-pong of 20,000 round trips; pthread barriers over
 * 200 phases; __thread variables per thread (initialised copies, addresses distinct); rwlocks with
 * concurrent readers and exclusive writers; pthread_detach; pthread_cancel of threads blocked in
 * read() and in pthread_cond_wait (cleanup handlers run, PTHREAD_CANCELED is returned); a
 * semaphore-based producer/consumer; pthread_once; thread-specific data destructors. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT 8
#define ITERS 1000000

static atomic_long a_seq;
static atomic_long a_relaxed;
static long sync_counter;
static long mutex_counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *incrementer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        atomic_fetch_add(&a_seq, 1);
        atomic_fetch_add_explicit(&a_relaxed, 1, memory_order_relaxed);
        __sync_fetch_and_add(&sync_counter, 1);
        if ((i & 15) == 0) {
            pthread_mutex_lock(&mu);
            mutex_counter++;
            pthread_mutex_unlock(&mu);
        }
    }
    return NULL;
}

/* CAS loop with __sync_bool_compare_and_swap */
static long cas_counter;
static void *cas_incrementer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS / 4; i++) {
        long old;
        do
            old = cas_counter;
        while (!__sync_bool_compare_and_swap(&cas_counter, old, old + 1));
    }
    return NULL;
}

static pthread_mutex_t pp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done;
#define ROUNDS 20000

static void *ponger(void *arg)
{
    int me = (int)(long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_mutex_lock(&pp_mu);
        while (turn != me)
            pthread_cond_wait(&pp_cv, &pp_mu);
        turn = 1 - me;
        rounds_done++;
        pthread_cond_signal(&pp_cv);
        pthread_mutex_unlock(&pp_mu);
    }
    return NULL;
}

static pthread_barrier_t bar;
static int phase_value[NT];
static atomic_int barrier_errors;
#define PHASES 200

static void *barrier_worker(void *arg)
{
    int id = (int)(long)arg;
    for (int p = 0; p < PHASES; p++) {
        phase_value[id] = p;
        int r = pthread_barrier_wait(&bar);
        if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&barrier_errors, 1);
        for (int j = 0; j < NT; j++)
            if (phase_value[j] != p)
                atomic_fetch_add(&barrier_errors, 1);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

static __thread int tls_value = 1234;
static __thread char tls_buf[32] = "initial";
static __thread long tls_big[64];

static void *tls_worker(void *arg)
{
    long id = (long)arg;
    int ok = tls_value == 1234 && strcmp(tls_buf, "initial") == 0 && tls_big[10] == 0;
    tls_value = (int)id * 10;
    snprintf(tls_buf, sizeof tls_buf, "thread %ld", id);
    for (int i = 0; i < 64; i++)
        tls_big[i] = id * 1000 + i;
    usleep(10000); /* others write their copies meanwhile */
    long sum = 0;
    for (int i = 0; i < 64; i++)
        sum += tls_big[i];
    ok = ok && tls_value == id * 10 && sum == id * 64000 + 2016;
    char expect[32];
    snprintf(expect, sizeof expect, "thread %ld", id);
    ok = ok && strcmp(tls_buf, expect) == 0;
    return (void *)(intptr_t)(ok ? (intptr_t)&tls_value : 0);
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_data[16];
static atomic_int readers_inside, max_readers, rw_errors;

static void *rw_reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        pthread_rwlock_rdlock(&rw);
        int n = atomic_fetch_add(&readers_inside, 1) + 1;
        int m = atomic_load(&max_readers);
        while (n > m && !atomic_compare_exchange_weak(&max_readers, &m, n))
            ;
        long v = rw_data[0];
        for (int j = 1; j < 16; j++)
            if (rw_data[j] != v)
                atomic_fetch_add(&rw_errors, 1);
        atomic_fetch_sub(&readers_inside, 1);
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *rw_writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        pthread_rwlock_wrlock(&rw);
        if (atomic_load(&readers_inside) != 0)
            atomic_fetch_add(&rw_errors, 1);
        for (int j = 0; j < 16; j++)
            rw_data[j]++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static atomic_int detached_done;
static void *detached(void *arg)
{
    (void)arg;
    atomic_fetch_add(&detached_done, 1);
    return NULL;
}

static atomic_int cleanups;
static void cleanup(void *arg)
{
    (void)arg;
    atomic_fetch_add(&cleanups, 1);
}

static int cancel_pipe[2];
static atomic_int reader_started;
static void *blocked_reader(void *arg)
{
    (void)arg;
    char c;
    pthread_cleanup_push(cleanup, NULL);
    atomic_store(&reader_started, 1);
    read(cancel_pipe[0], &c, 1); /* a cancellation point; never returns */
    pthread_cleanup_pop(0);
    return (void *)1;
}

static pthread_mutex_t cw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cw_cv = PTHREAD_COND_INITIALIZER;
static atomic_int waiter_started;
static void *cond_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cw_mu);
    pthread_cleanup_push((void (*)(void *))pthread_mutex_unlock, &cw_mu);
    pthread_cleanup_push(cleanup, NULL);
    atomic_store(&waiter_started, 1);
    for (;;)
        pthread_cond_wait(&cw_cv, &cw_mu);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return (void *)1;
}

static sem_t items, slots;
static int ring[8], head, tail;
static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 10000; i++) {
        sem_wait(&slots);
        pthread_mutex_lock(&ring_mu);
        ring[head++ % 8] = i;
        pthread_mutex_unlock(&ring_mu);
        sem_post(&items);
    }
    return NULL;
}
static void *consumer(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        sem_wait(&items);
        pthread_mutex_lock(&ring_mu);
        sum += ring[tail++ % 8];
        pthread_mutex_unlock(&ring_mu);
        sem_post(&slots);
    }
    return (void *)sum;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_calls;
static void once_fn(void) { atomic_fetch_add(&once_calls, 1); }
static pthread_key_t key;
static atomic_int dtor_calls;
static void dtor(void *p)
{
    free(p);
    atomic_fetch_add(&dtor_calls, 1);
}
static void *key_worker(void *arg)
{
    pthread_once(&once, once_fn);
    pthread_setspecific(key, malloc(16));
    return arg;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t[NT];
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, incrementer, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    printf("atomics: seq_cst %ld relaxed %ld __sync %ld mutex %ld\n", (long)a_seq, (long)a_relaxed, sync_counter, mutex_counter);
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, cas_incrementer, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    printf("CAS loop: %ld\n", cas_counter);

    pthread_create(&t[0], NULL, ponger, (void *)0);
    pthread_create(&t[1], NULL, ponger, (void *)1);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("ping-pong rounds %d\n", rounds_done);

    pthread_barrier_init(&bar, NULL, NT);
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, barrier_worker, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    printf("barrier phases %d errors %d\n", PHASES, (int)barrier_errors);

    void *addrs[NT];
    int tls_ok = 1;
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, tls_worker, (void *)(i + 1));
    for (int i = 0; i < NT; i++) {
        pthread_join(t[i], &addrs[i]);
        if (!addrs[i] || addrs[i] == (void *)&tls_value)
            tls_ok = 0;
        for (int j = 0; j < i; j++)
            if (addrs[j] == addrs[i])
                tls_ok = 0;
    }
    printf("TLS: per-thread copies ok %d, main's copy %d '%s'\n", tls_ok, tls_value, tls_buf);

    for (long i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, rw_reader, NULL);
    for (long i = 6; i < 8; i++)
        pthread_create(&t[i], NULL, rw_writer, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    printf("rwlock: data %ld errors %d readers overlapped %d\n", rw_data[0], (int)rw_errors, max_readers >= 1);

    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], &at, detached, NULL);
    pthread_t d;
    pthread_create(&d, NULL, detached, NULL);
    printf("pthread_detach: %d\n", pthread_detach(d));
    for (int i = 0; i < 10000 && atomic_load(&detached_done) < 5; i++)
        usleep(1000);
    printf("detached threads finished %d\n", (int)detached_done);
    int js = 0;
    /* joining a thread twice / a detached one is undefined; join a fresh self-check instead */
    printf("join self: %s\n", (js = pthread_join(pthread_self(), NULL)) == EDEADLK ? "EDEADLK" : strerror(js));

#ifndef NO_CANCEL
    pipe(cancel_pipe);
    pthread_t r, w;
    pthread_create(&r, NULL, blocked_reader, NULL);
    pthread_create(&w, NULL, cond_waiter, NULL);
    while (!atomic_load(&reader_started) || !atomic_load(&waiter_started))
        usleep(1000);
    usleep(50000); /* let both block */
    pthread_cancel(r);
    pthread_cancel(w);
    void *rr, *wr;
    pthread_join(r, &rr);
    pthread_join(w, &wr);
    printf("cancel: reader %s, waiter %s, cleanups %d\n", rr == PTHREAD_CANCELED ? "canceled" : "returned",
           wr == PTHREAD_CANCELED ? "canceled" : "returned", (int)cleanups);
    printf("mutex free after cancel: %d\n", pthread_mutex_trylock(&cw_mu) == 0);
    pthread_mutex_unlock(&cw_mu);
#endif

    sem_init(&items, 0, 0);
    sem_init(&slots, 0, 8);
    pthread_t pr, c1, c2;
    pthread_create(&pr, NULL, producer, NULL);
    pthread_create(&c1, NULL, consumer, NULL);
    pthread_create(&c2, NULL, consumer, NULL);
    void *s1, *s2;
    pthread_join(pr, NULL);
    pthread_join(c1, &s1);
    pthread_join(c2, &s2);
    printf("producer/consumer sum %ld\n", (long)s1 + (long)s2);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    printf("sem_timedwait empty: %s\n", sem_timedwait(&items, &ts) == 0 ? "ok" : strerrorname_np(errno));

    pthread_key_create(&key, dtor);
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, key_worker, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    printf("once calls %d, key destructors %d\n", (int)once_calls, (int)dtor_calls);
    printf("done\n");
    return 0;
}
