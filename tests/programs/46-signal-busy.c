/* Asynchronous signals reach code that makes no syscalls: a flag loop stopped by SIGALRM
 * (setitimer), a periodic timer counted by a loop that only reads memory, recursion without loops
 * ended by a handler that longjmps out, and a CPU-bound loop whose handler exits the process. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t stop, ticks;
static sigjmp_buf env;
static volatile unsigned long calls;

static void on_alarm(int s) { (void)s; stop = 1; }
static void on_tick(int s) { (void)s; ticks++; }
static void on_jump(int s) { (void)s; siglongjmp(env, 1); }
static void on_exit_alarm(int s) {
  (void)s;
  static const char msg[] = "timer handler: exiting from the CPU-bound loop\n";
  write(1, msg, sizeof msg - 1);
  _exit(3);
}

static void set_handler(int sig, void (*h)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigaction(sig, &sa, 0);
}

static void timer(long first_us, long interval_us) {
  struct itimerval it = {{0, interval_us}, {0, first_us}};
  setitimer(ITIMER_REAL, &it, 0);
}

/* Recursion without loops at -O0 (gcc -O2 turns one of the calls into a loop): only function
 * entries are safe points. Bounded depth, unbounded time. */
__attribute__((noinline)) static unsigned long fib(unsigned long n) {
  calls++;
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

int main(void) {
  set_handler(SIGALRM, on_alarm);
  timer(20000, 0);
  unsigned long n = 0;
  while (!stop) n++;
  printf("1. flag loop stopped (iterations > 0: %d)\n", n > 0);

  set_handler(SIGALRM, on_tick);
  timer(5000, 5000);
  while (ticks < 5) {
  }
  timer(0, 0);
  printf("2. periodic timer: ticks >= 5: %d\n", ticks >= 5);

  set_handler(SIGALRM, on_jump);
  if (sigsetjmp(env, 1) == 0) {
    timer(20000, 0);
    fib(90);
    printf("recursion returned?\n");
  } else {
    printf("3. recursion interrupted by siglongjmp (calls > 0: %d)\n", calls > 0);
  }
  sigset_t m;
  sigprocmask(SIG_BLOCK, 0, &m);
  printf("   SIGALRM blocked after siglongjmp: %d\n", sigismember(&m, SIGALRM));

  set_handler(SIGALRM, on_exit_alarm);
  timer(20000, 0);
  fflush(stdout);
  volatile double x = 1.0;
  for (;;) x = x * 1.0000001 + 1e-9;
}
