/* Signal information: si_signo, si_code (SI_USER, SI_TKILL, SI_QUEUE with its value), si_pid,
 * masks (sigprocmask, sigpending), real-time signals queued in order, and the death of a child
 * by a signal seen through wait4/waitid. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got_sig, got_code, got_pid_ok, got_val, got_count;
static int order[16];

static const char *code_name(int c) {
  switch (c) {
  case SI_USER: return "SI_USER";
  case SI_TKILL: return "SI_TKILL";
  case SI_QUEUE: return "SI_QUEUE";
  case CLD_EXITED: return "CLD_EXITED";
  default: return "other";
  }
}

static void handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_sig = si->si_signo == sig ? sig : -1;
  got_code = si->si_code;
  got_pid_ok = si->si_pid == getpid();
  got_val = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
  if (got_count < 16) order[got_count] = sig * 1000 + (si->si_code == SI_QUEUE ? si->si_value.sival_int : 0);
  got_count++;
}

static void show(const char *what) {
  printf("%-28s signo=%d code=%s pid_ok=%d value=%d\n", what, got_sig, code_name(got_code), got_pid_ok, got_val);
  got_sig = got_code = got_pid_ok = got_val = 0;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 5, SIGRTMAX};
  for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
    if (sigaction(sigs[i], &sa, 0) != 0) printf("sigaction %d failed\n", i);

  kill(getpid(), SIGUSR1);
  show("kill SIGUSR1");
  raise(SIGUSR2);
  show("raise SIGUSR2");
  syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
  show("tgkill SIGUSR1");
  union sigval v = {.sival_int = 4242};
  sigqueue(getpid(), SIGUSR2, v);
  show("sigqueue SIGUSR2");
  v.sival_int = 77;
  sigqueue(getpid(), SIGRTMIN + 1, v);
  printf("SIGRTMIN+1 relative: %d\n", got_sig - SIGRTMIN);
  show("sigqueue SIGRTMIN+1");

  /* Blocked signals stay pending: standard ones merge, real-time ones queue in order (lowest
   * number first). */
  sigset_t block, old, pend;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGRTMIN);
  sigaddset(&block, SIGRTMIN + 5);
  sigprocmask(SIG_BLOCK, &block, &old);
  got_count = 0;
  for (int i = 0; i < 3; i++) kill(getpid(), SIGUSR1);
  for (int i = 1; i <= 3; i++) {
    v.sival_int = i;
    sigqueue(getpid(), SIGRTMIN + 5, v);
    v.sival_int = 10 + i;
    sigqueue(getpid(), SIGRTMIN, v);
  }
  sigpending(&pend);
  printf("pending: USR1=%d RTMIN=%d RTMIN+5=%d USR2=%d count_before=%d\n", sigismember(&pend, SIGUSR1),
         sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 5), sigismember(&pend, SIGUSR2), got_count);
  sigprocmask(SIG_SETMASK, &old, 0);
  printf("delivered %d:", got_count);
  for (int i = 0; i < got_count && i < 16; i++) {
    int s = order[i] / 1000, val = order[i] % 1000;
    if (s == SIGUSR1) printf(" USR1");
    else printf(" RTMIN+%d/%d", s - SIGRTMIN, val);
  }
  printf("\n");
  sigprocmask(SIG_BLOCK, 0, &old);
  printf("mask restored: USR1 blocked=%d\n", sigismember(&old, SIGUSR1));

  /* sigprocmask cannot block SIGKILL/SIGSTOP */
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  sigset_t now;
  sigprocmask(SIG_SETMASK, &old, &now);
  printf("SIGKILL blockable=%d SIGSTOP blockable=%d SIGTERM blocked=%d\n", sigismember(&now, SIGKILL),
         sigismember(&now, SIGSTOP), sigismember(&now, SIGTERM));

  /* A child killed by a signal, seen by wait4 and by SIGCHLD's siginfo through waitid. */
  for (int k = 0; k < 2; k++) {
    int sig = k == 0 ? SIGTERM : SIGRTMIN + 2;
    pid_t p = fork();
    if (p == 0) {
      signal(sig, SIG_DFL);
      kill(getpid(), sig);
      _exit(99);
    }
    if (k == 0) {
      int st;
      waitpid(p, &st, 0);
      printf("child: signaled=%d sig=%s\n", WIFSIGNALED(st), WTERMSIG(st) == sig ? "right" : "wrong");
    } else {
      siginfo_t si;
      memset(&si, 0, sizeof si);
      waitid(P_PID, p, &si, WEXITED);
      printf("waitid: signo=%s code=%s status=%s\n", si.si_signo == SIGCHLD ? "SIGCHLD" : "?",
             si.si_code == CLD_KILLED ? "CLD_KILLED" : "?", si.si_status == sig ? "SIGRTMIN+2" : "wrong");
    }
  }
  /* Bad signal numbers */
  errno = 0;
  printf("kill(sig 65) = %d errno=%s\n", kill(getpid(), 65), errno == EINVAL ? "EINVAL" : "other");
  printf("sigaction(SIGKILL) = %d\n", sigaction(SIGKILL, &sa, 0));
  return 0;
}
