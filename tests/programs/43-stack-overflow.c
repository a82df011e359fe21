/* Unbounded recursion. First with a SIGSEGV handler on an alternate signal stack that recovers
 * with siglongjmp (three times: the stack is usable again each time), then with the default
 * action: the process dies by SIGSEGV and nothing else is printed. The .xenv runs make the
 * translated program's host stack small, so the host stack overflows before the guest's: that
 * must look the same to the guest. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf env;
static volatile unsigned long depth;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    siglongjmp(env, sig);
}

static __attribute__((noinline)) unsigned long recurse(unsigned long n)
{
    volatile char pad[32];
    pad[n % 32] = (char)n;
    depth = n;
    return recurse(n + 1) + pad[(n + 1) % 32];
}

int main(void)
{
    stack_t ss;
    ss.ss_sp = malloc(1 << 16);
    ss.ss_size = 1 << 16;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    for (int i = 0; i < 3; i++) {
        int s = sigsetjmp(env, 1);
        if (s == 0) {
            recurse(0);
        } else {
            printf("recovered from overflow %d by signal %d (deep: %d)\n", i, s, depth > 10000);
        }
    }
    fflush(stdout);
    signal(SIGSEGV, SIG_DFL);
    recurse(0);
    puts("not reached");
    return 0;
}
