/* A signal storm from another thread: 100,000 real-time signals queued with sigqueue (each with
 * its value: none lost, none duplicated, per-sender order kept) while the receiver spins in a loop
 * without syscalls; then standard signals, which merge: 10,000 kills of a blocked SIGUSR1 give one
 * delivery, and 10,000 SIGUSR2 each acknowledged by the handler (sem_post) before the next is sent
 * give exactly 10,000, taken by a receiver waiting in sigsuspend. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N_RT 100000
#define N_STD 10000

static volatile long rt_count, rt_sum, rt_order_errors, last_value = -1;
static volatile long usr1_count, usr2_count;
static pid_t main_pid;

static void on_rt(int s, siginfo_t *si, void *uc) {
  (void)s;
  (void)uc;
  long v = si->si_value.sival_int;
  if (v != last_value + 1) rt_order_errors++;
  last_value = v;
  rt_count++;
  rt_sum += v;
}
static void on_usr1(int s) { (void)s; usr1_count++; }
static sem_t ack;
static void on_usr2(int s) {
  (void)s;
  usr2_count++;
  sem_post(&ack);
}

static void *rt_sender(void *arg) {
  (void)arg;
  long again = 0;
  for (int i = 0; i < N_RT; i++) {
    union sigval v = {.sival_int = i};
    while (sigqueue(main_pid, SIGRTMIN + 3, v) != 0) {
      if (errno != EAGAIN) return (void *)1;
      again++; /* queue full (RLIMIT_SIGPENDING): retry */
      sched_yield();
    }
  }
  return 0;
}

static void *std_sender(void *arg) {
  pthread_t target = *(pthread_t *)arg;
  for (int i = 0; i < N_STD; i++) {
    pthread_kill(target, SIGUSR2);
    while (sem_wait(&ack) != 0) {
    }
  }
  return 0;
}

int main(void) {
  main_pid = getpid();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_rt;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGRTMIN + 3, &sa, 0);
  sa.sa_flags = 0;
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, 0);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, 0);

  /* only the main thread takes the real-time signals */
  sigset_t rt;
  sigemptyset(&rt);
  sigaddset(&rt, SIGRTMIN + 3);
  pthread_sigmask(SIG_BLOCK, &rt, 0);
  pthread_t t;
  pthread_create(&t, 0, rt_sender, 0);
  pthread_sigmask(SIG_UNBLOCK, &rt, 0);
  while (rt_count < N_RT) {
  }
  void *r;
  pthread_join(t, &r);
  printf("real-time: sent ok=%d received=%ld sum ok=%d order errors=%ld\n", r == 0, rt_count,
         rt_sum == (long)N_RT * (N_RT - 1) / 2, rt_order_errors);

  sigset_t u1;
  sigemptyset(&u1);
  sigaddset(&u1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &u1, 0);
  for (int i = 0; i < N_STD; i++) kill(main_pid, SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &u1, 0);
  printf("SIGUSR1 x %d while blocked: delivered %ld\n", N_STD, usr1_count);

  sem_init(&ack, 0, 0);
  sigset_t u2, during;
  sigemptyset(&u2);
  sigaddset(&u2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &u2, &during);
  pthread_t self = pthread_self();
  pthread_create(&t, 0, std_sender, &self);
  while (usr2_count < N_STD) sigsuspend(&during);
  pthread_join(t, 0);
  printf("SIGUSR2 x %d acknowledged: delivered %ld\n", N_STD, usr2_count);
  return 0;
}
