/* Threads and thread-local storage: __thread variables (TPIDR_EL0-relative), pthread keys with
 * destructors, pthread_once, barriers, joins with return values, a mutex-protected shared sum. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NT 4
static __thread long tls_counter = 100;
static __thread char tls_name[16] = "main";
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_barrier_t barrier;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long shared_sum;
static int once_calls, destructor_calls;

static void init_once(void) { once_calls++; }
static void key_destructor(void *p)
{
    pthread_mutex_lock(&mu);
    destructor_calls++;
    pthread_mutex_unlock(&mu);
    free(p);
}

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_once(&once, init_once);
    snprintf(tls_name, sizeof tls_name, "worker%ld", id);
    long *slot = malloc(sizeof *slot);
    *slot = id * 1000;
    pthread_setspecific(key, slot);
    for (long i = 0; i < 100000; i++)
        tls_counter += (i ^ id) & 7;
    pthread_barrier_wait(&barrier);
    long mine = tls_counter + *(long *)pthread_getspecific(key);
    pthread_mutex_lock(&mu);
    shared_sum += mine;
    pthread_mutex_unlock(&mu);
    pthread_barrier_wait(&barrier);
    char *res = malloc(64);
    snprintf(res, 64, "%s counter=%ld", tls_name, tls_counter);
    return res;
}

int main(void)
{
    pthread_t t[NT];
    pthread_key_create(&key, key_destructor);
    pthread_barrier_init(&barrier, NULL, NT);
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < NT; i++) {
        char *res;
        pthread_join(t[i], (void **)&res);
        printf("thread %d: %s\n", i, res);
        free(res);
    }
    printf("main: %s counter=%ld (untouched by workers)\n", tls_name, tls_counter);
    printf("shared_sum=%ld once_calls=%d destructor_calls=%d\n", shared_sum, once_calls, destructor_calls);
    pthread_barrier_destroy(&barrier);
    return 0;
}
