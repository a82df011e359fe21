/* Signals and threads: pthread_kill to a thread blocked in pthread_cond_wait (a futex) runs the
 * handler on that thread, which then keeps waiting; pthread_kill between two threads; per-thread
 * masks decide which thread gets a process-directed signal; sigaltstack (per thread, SS_ONSTACK
 * inside the handler, SS_AUTODISARM); pthread_cancel of a thread blocked in read (the guest
 * glibc's SIGCANCEL, guest signal 32, unwinds through the signal frame) and setuid in a threaded
 * program (SIGSETXID, guest 33, sent to every thread). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, go;
static volatile pid_t handler_tid;
static volatile int handled;
static pid_t waiter_tid;

static void on_usr1(int s) {
  (void)s;
  handler_tid = gettid();
  handled++;
}

static void *waiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  waiter_tid = gettid();
  ready = 1;
  pthread_cond_broadcast(&cv);
  while (!go) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return (void *)(intptr_t)(handled == 1 && handler_tid == waiter_tid);
}

static void *unblocked_waiter(void *arg) {
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &m, 0);
  return waiter(arg);
}

/* ping-pong: two threads signal each other N times */
static pthread_t pa, pb;
static pthread_barrier_t start_bar;
static volatile int pings;
static void on_usr2(int s) { (void)s; pings++; }
static void *pinger(void *arg) {
  pthread_t *other = arg;
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &m, 0);
  pthread_barrier_wait(&start_bar);
  for (int i = 0; i < 1000; i++) {
    pthread_kill(*other, SIGUSR2);
    int sig;
    sigwait(&m, &sig);
  }
  return 0;
}
static void *ponger(void *arg) {
  (void)arg;
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &m, 0);
  pthread_barrier_wait(&start_bar);
  int n = 0;
  for (int i = 0; i < 1000; i++) {
    int sig;
    sigwait(&m, &sig);
    n++;
    pthread_kill(pa, SIGUSR2);
  }
  return (void *)(intptr_t)n;
}

/* alternate stacks */
static char *alt_lo, *alt_hi;
static volatile int on_alt, onstack_flag, disarmed_inside;
static void on_alt_sig(int s) {
  (void)s;
  char here;
  on_alt = &here >= alt_lo && &here < alt_hi;
  stack_t cur;
  sigaltstack(0, &cur);
  onstack_flag = (cur.ss_flags & SS_ONSTACK) != 0;
  disarmed_inside = (cur.ss_flags & SS_DISABLE) != 0;
}
static void *alt_thread(void *arg) {
  (void)arg;
  stack_t cur;
  sigaltstack(0, &cur);
  return (void *)(intptr_t)((cur.ss_flags & SS_DISABLE) != 0);
}

static int cancel_fds[2];
static void cancel_cleanup(void *a) { *(int *)a = 1; }
static int cleaned;
static void *cancel_me(void *a) {
  (void)a;
  char c;
  pthread_cleanup_push(cancel_cleanup, &cleaned);
  read(cancel_fds[0], &c, 1);
  pthread_cleanup_pop(0);
  return 0;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, 0);

  pthread_t t;
  pthread_create(&t, 0, waiter, 0);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  usleep(20000); /* let it block in the futex */
  pthread_kill(t, SIGUSR1);
  while (!handled) usleep(1000);
  usleep(10000);
  pthread_mutex_lock(&mu);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  void *ok;
  pthread_join(t, &ok);
  printf("cond_wait thread: handler ran on it once and it kept waiting: %d\n", (int)(intptr_t)ok);

  /* a process-directed signal goes to the one thread that does not block it */
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &m, 0);
  handled = 0;
  ready = go = 0;
  pthread_create(&t, 0, unblocked_waiter, 0);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  kill(getpid(), SIGUSR1);
  while (!handled) usleep(1000);
  pthread_mutex_lock(&mu);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(t, &ok);
  printf("kill() went to the thread not blocking it: %d (handled=%d)\n", (int)(intptr_t)ok, handled);
  pthread_sigmask(SIG_UNBLOCK, &m, 0);

  /* ping-pong between two threads */
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, 0);
  sigset_t m2;
  sigemptyset(&m2);
  sigaddset(&m2, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &m2, 0);
  pthread_barrier_init(&start_bar, 0, 3);
  pthread_create(&pa, 0, pinger, &pb);
  pthread_create(&pb, 0, ponger, 0);
  pthread_barrier_wait(&start_bar);
  pthread_join(pa, 0);
  void *n;
  pthread_join(pb, &n);
  printf("pthread_kill ping-pong: %d round trips\n", (int)(intptr_t)n);

  /* sigaltstack */
  size_t sz = 64 * 1024;
  alt_lo = malloc(sz);
  alt_hi = alt_lo + sz;
  stack_t ss = {.ss_sp = alt_lo, .ss_size = sz, .ss_flags = 0};
  sigaltstack(&ss, 0);
  sa.sa_handler = on_alt_sig;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("altstack: handler on it=%d SS_ONSTACK inside=%d\n", on_alt, onstack_flag);
  stack_t cur;
  sigaltstack(0, &cur);
  printf("altstack outside: SS_ONSTACK=%d size ok=%d\n", (cur.ss_flags & SS_ONSTACK) != 0, cur.ss_size == sz);
  ss.ss_flags = SS_AUTODISARM;
  sigaltstack(&ss, 0);
  on_alt = 0;
  raise(SIGUSR1);
  sigaltstack(0, &cur);
  /* (inside the handler Linux reports SS_DISABLE; qemu 7.2 does not disarm, so that is not printed) */
  printf("SS_AUTODISARM: handler on it=%d re-armed after=%d\n", on_alt, (cur.ss_flags & SS_DISABLE) == 0);
  sa.sa_flags = 0;
  sigaction(SIGUSR1, &sa, 0);
  on_alt = 1;
  raise(SIGUSR1);
  printf("without SA_ONSTACK: on it=%d\n", on_alt);
  pthread_create(&t, 0, alt_thread, 0);
  pthread_join(t, &ok);
  printf("a new thread has no altstack: %d\n", (int)(intptr_t)ok);
  pipe(cancel_fds);
  pthread_create(&t, 0, cancel_me, 0);
  usleep(20000);
  pthread_cancel(t);
  pthread_join(t, &ok);
  printf("pthread_cancel in read: canceled=%d cleanup ran=%d\n", ok == PTHREAD_CANCELED, cleaned);

  ready = go = 0;
  handled = 1;
  pthread_create(&t, 0, waiter, 0);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  printf("setuid/setgid with two threads: %d %d\n", setuid(getuid()), setgid(getgid()));
  pthread_mutex_lock(&mu);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(t, 0);
  return 0;
}
