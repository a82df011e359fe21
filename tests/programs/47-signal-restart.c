/* Signals around blocking syscalls: a read on an empty pipe interrupted by SIGALRM is restarted
 * with SA_RESTART and fails with EINTR without it; sigsuspend, sigtimedwait, sigwaitinfo and
 * pselect with a signal mask; nanosleep reports EINTR even with SA_RESTART. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t handled;

static void on_alarm(int s) {
  (void)s;
  handled++;
  write(fds[1], "x", 1);
}
static void on_usr(int s) { (void)s; handled++; }

static void set_handler(int sig, void (*h)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigaction(sig, &sa, 0);
}

static void alarm_in(long us) {
  struct itimerval it = {{0, 0}, {0, us}};
  setitimer(ITIMER_REAL, &it, 0);
}

int main(void) {
  char c = 0;
  pipe(fds);
  for (int restart = 1; restart >= 0; restart--) {
    set_handler(SIGALRM, on_alarm, restart ? SA_RESTART : 0);
    handled = 0;
    alarm_in(30000);
    errno = 0;
    ssize_t r = read(fds[0], &c, 1);
    printf("read %s SA_RESTART: r=%zd errno=%s handled=%d", restart ? "with" : "without", r,
           r < 0 && errno == EINTR ? "EINTR" : "0", handled);
    if (r < 0) r = read(fds[0], &c, 1);
    printf(" then byte=%c\n", r == 1 ? c : '?');
  }

  /* nanosleep is never restarted: EINTR even with SA_RESTART */
  set_handler(SIGALRM, on_alarm, SA_RESTART);
  alarm_in(20000);
  struct timespec ts = {5, 0};
  int r = nanosleep(&ts, &ts);
  printf("nanosleep: r=%d errno=%s remaining<5s=%d\n", r, errno == EINTR ? "EINTR" : "?", ts.tv_sec < 5);
  read(fds[0], &c, 1);

  /* sigsuspend: wait for a signal that is blocked outside it */
  set_handler(SIGUSR1, on_usr, 0);
  sigset_t b, old, susp, now;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR1);
  sigprocmask(SIG_BLOCK, &b, &old);
  handled = 0;
  kill(getpid(), SIGUSR1);
  printf("blocked: handled=%d\n", handled);
  sigemptyset(&susp);
  r = sigsuspend(&susp);
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("sigsuspend: r=%d errno=%s handled=%d USR1 blocked again=%d\n", r, errno == EINTR ? "EINTR" : "?", handled,
         sigismember(&now, SIGUSR1));

  /* sigsuspend woken by a timer while the mask inside it blocks other signals */
  set_handler(SIGALRM, on_alarm, 0);
  sigaddset(&b, SIGALRM);
  sigprocmask(SIG_BLOCK, &b, 0);
  sigfillset(&susp);
  sigdelset(&susp, SIGALRM);
  handled = 0;
  alarm_in(20000);
  r = sigsuspend(&susp);
  printf("sigsuspend(ALRM): handled=%d\n", handled);
  read(fds[0], &c, 1);

  /* sigtimedwait / sigwaitinfo take blocked signals without running handlers */
  handled = 0;
  union sigval v = {.sival_int = 31337};
  sigqueue(getpid(), SIGUSR1, v);
  siginfo_t si;
  int s = sigwaitinfo(&b, &si);
  printf("sigwaitinfo: sig=%s value=%d code=%s handled=%d\n", s == SIGUSR1 ? "USR1" : "?", si.si_value.sival_int,
         si.si_code == SI_QUEUE ? "SI_QUEUE" : "?", handled);
  struct timespec short_ts = {0, 10000000};
  s = sigtimedwait(&b, &si, &short_ts);
  printf("sigtimedwait (nothing pending): r=%d errno=%s\n", s, errno == EAGAIN ? "EAGAIN" : "?");
  alarm_in(10000);
  struct timespec long_ts = {5, 0};
  s = sigtimedwait(&b, &si, &long_ts);
  printf("sigtimedwait (timer): sig=%s code=%s\n", s == SIGALRM ? "ALRM" : "?", si.si_code == SI_KERNEL ? "SI_KERNEL" : "other");

  /* pselect with a mask that unblocks SIGUSR1 for the wait only */
  handled = 0;
  kill(getpid(), SIGUSR1);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(fds[0], &rd);
  sigset_t during;
  sigprocmask(SIG_BLOCK, 0, &during);
  sigdelset(&during, SIGUSR1);
  struct timespec pts = {5, 0};
  r = pselect(fds[0] + 1, &rd, 0, 0, &pts, &during);
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("pselect: r=%d errno=%s handled=%d USR1 blocked after=%d\n", r, errno == EINTR ? "EINTR" : "?", handled,
         sigismember(&now, SIGUSR1));

  /* ppoll the same way */
  handled = 0;
  kill(getpid(), SIGUSR1);
  struct pollfd pfd = {fds[0], POLLIN, 0};
  r = ppoll(&pfd, 1, &pts, &during);
  printf("ppoll: r=%d errno=%s handled=%d\n", r, errno == EINTR ? "EINTR" : "?", handled);
  sigprocmask(SIG_SETMASK, &old, 0);
  return 0;
}
