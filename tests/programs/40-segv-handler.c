/* SIGSEGV handlers that recover with siglongjmp: NULL loads, a load near NULL, a store to a
 * read-only page and a store through a wild pointer, each reporting si_signo, si_code, si_addr
 * and whether the context's PC is exactly the faulting instruction. Then 20000 faults in a loop
 * (the host stack must not grow per fault) and the signal mask restored by siglongjmp. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, got_pc;

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    got_pc = uc->uc_mcontext.pc;
    siglongjmp(env, 1);
}

/* Load from p; *where = address of the load instruction. */
static __attribute__((noinline)) int load_at(uintptr_t p, uintptr_t *where)
{
    int v;
    uintptr_t pc;
    __asm__ volatile("adr %0, 1f\n1: ldr %w1, [%2]" : "=&r"(pc), "=r"(v) : "r"(p) : "memory");
    *where = pc;
    return v;
}

static __attribute__((noinline)) void store_at(uintptr_t p, uintptr_t *where)
{
    uintptr_t pc;
    __asm__ volatile("adr %0, 1f\n1: str %0, [%1]" : "=&r"(pc) : "r"(p) : "memory");
    *where = pc;
}

static void report(const char *what, uintptr_t expect_addr, volatile uintptr_t *where)
{
    printf("%s: sig %d code %d addr %s pc %s\n", what, got_sig, got_code,
           got_addr == expect_addr ? "exact" : "WRONG", got_pc == *where ? "exact" : "WRONG");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    static volatile uintptr_t where;
    uintptr_t w;
    /* load_at computes its pc after the load, so take it from a first harmless call */
    int x = 7;
    load_at((uintptr_t)&x, &w);
    where = w;
    if (sigsetjmp(env, 1) == 0) {
        printf("%d\n", load_at(0, &w));
    } else {
        report("NULL load", 0, &where);
    }
    if (sigsetjmp(env, 1) == 0) {
        printf("%d\n", load_at(0x18, &w));
    } else {
        report("load near NULL", 0x18, &where);
    }

    /* gcc compiles a literal NULL dereference to "ldr w0, [x0]; brk #1000": the load must fault */
    if (sigsetjmp(env, 1) == 0) {
        printf("%d\n", *(volatile int *)0);
    } else {
        printf("literal NULL load: sig %d code %d addr %s\n", got_sig, got_code, got_addr == 0 ? "exact" : "WRONG");
    }

    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t scratch;
    store_at((uintptr_t)&scratch, &w);
    where = w;
    if (sigsetjmp(env, 1) == 0) {
        store_at((uintptr_t)ro + 64, &w);
        puts("store to read-only page did not fault");
    } else {
        report("store to read-only page", (uintptr_t)ro + 64, &where);
    }
    if (sigsetjmp(env, 1) == 0) {
        store_at(0x123456789000, &w);
        puts("wild store did not fault");
    } else {
        report("wild store", 0x123456789000, &where);
    }

    volatile int n = 0;
    sigsetjmp(env, 1);
    if (n < 20000) {
        n++;
        load_at(0x8, &w);
    }
    printf("%d faults recovered\n", n);

    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV blocked after siglongjmp: %d\n", sigismember(&cur, SIGSEGV));

    /* sigsetjmp without saving the mask + longjmp: SIGSEGV stays blocked, as on Linux */
    if (sigsetjmp(env, 0) == 0) {
        load_at(0, &w);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV blocked after a jump that keeps the mask: %d\n", sigismember(&cur, SIGSEGV));
    return 0;
}
