/* A SIGSEGV handler that changes the context instead of jumping: it sets PC to a recovery
 * function and X0 to an argument (what Go's runtime does to turn a fault into a panic), 10000
 * times (the .xenv run has a small host stack: nothing may pile up per fault). Then faults in
 * four threads at once, each recovered with siglongjmp on its own thread. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static jmp_buf back;
static volatile unsigned long recovered, sum;

static __attribute__((noinline, noreturn)) void recovery(unsigned long arg)
{
    recovered++;
    sum += arg;
    longjmp(back, 1);
}

static void redirect(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    uc->uc_mcontext.regs[0] = (uintptr_t)si->si_addr;
    uc->uc_mcontext.pc = (uintptr_t)recovery;
}

static __thread sigjmp_buf tenv;
static void jump(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    siglongjmp(tenv, sig);
}

static void *worker(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        if (sigsetjmp(tenv, 1) == 0) {
            volatile int *p = (int *)(8 * id);
            caught += *p;
        } else {
            caught++;
        }
    }
    return (void *)(uintptr_t)caught;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = redirect;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    for (unsigned long i = 0; i < 10000; i++) {
        if (setjmp(back) == 0) {
            volatile char *p = (char *)(i % 4000 + 16);
            *p = 1;
            puts("store did not fault");
        }
    }
    printf("redirected %lu faults, sum of addresses %lu\n", recovered, sum);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV blocked: %d\n", sigismember(&cur, SIGSEGV));

    sa.sa_sigaction = jump;
    sigaction(SIGSEGV, &sa, NULL);
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d caught %lu\n", i, (unsigned long)(uintptr_t)r);
    }
    return 0;
}
