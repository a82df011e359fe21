/* setjmp/longjmp: simple, across several frames, from nested calls, with sigsetjmp, and a loop of
 * 1,000,000 longjmps through several frames (the host stack of a translation must stay constant:
 * this program is also run with AOT_HOST_STACK_MB=8, see 06-setjmp.xenv). */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf env;
static sigjmp_buf senv;
static volatile long depth_reached;

static void __attribute__((noinline)) dive(int n, int target)
{
    volatile char pad[64];
    pad[n & 63] = (char)n;
    depth_reached = n + pad[n & 63] * 0;
    if (n == target)
        longjmp(env, n + 1);
    dive(n + 1, target);
    pad[0]++; /* not a tail call */
}

static int __attribute__((noinline)) level3(long i)
{
    if ((i & 3) != 3)
        longjmp(env, (int)(i & 0xff) + 1);
    return (int)i;
}
static int __attribute__((noinline)) level2(long i) { return level3(i) + 1; }
static int __attribute__((noinline)) level1(long i) { return level2(i * 1) + 1; }

int main(void)
{
    volatile int count = 0;
    int r = setjmp(env);
    if (r == 0) {
        count++;
        longjmp(env, 0); /* longjmp with 0 returns 1 */
    }
    printf("first setjmp returned %d after %d calls\n", r, count);

    for (int target = 0; target <= 2000; target += 500) {
        int v = setjmp(env);
        if (v == 0)
            dive(0, target);
        printf("dive target %d: setjmp=%d depth=%ld\n", target, v, depth_reached);
    }

    /* 1,000,000 longjmps through three frames. */
    volatile long i = 0, jumps = 0, sum = 0, returns = 0;
    for (i = 0; i < 1000000; i++) {
        int v = setjmp(env);
        if (v == 0) {
            sum += level1(i);
            returns++;
        } else {
            jumps++;
            sum += v;
        }
    }
    printf("loop: jumps=%ld returns=%ld sum=%ld\n", jumps, returns, sum);

    /* Loop that longjmps back to the same setjmp many times (the jmp_buf is reused). */
    volatile long n = 0;
    if (setjmp(env) < 200000) {
        n++;
        if (n < 200000)
            longjmp(env, (int)n);
    }
    printf("repeated longjmp to one setjmp: %ld\n", n);

    /* sigsetjmp with the signal mask saved. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int s = sigsetjmp(senv, 1);
    if (s == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(senv, 7);
    }
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("sigsetjmp returned %d, SIGUSR1 blocked after siglongjmp: %d\n", s, sigismember(&cur, SIGUSR1));
    return 0;
}
