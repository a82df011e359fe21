/* retdepth.c: host CPU time per call of a plain recursion as a function of its depth, to show
   what returns past the host's return stack buffer cost and what returning with `pop; jmp *`
   instead of `ret` changes (docs/performance.md, "Where recursion's time goes"). Native x86-64
   code, no guest involved.
     gcc -O2 -o /tmp/retdepth scripts/retdepth.c
     for d in 8 16 20 32 4000; do /tmp/retdepth $d 0; done
   Second argument (VARIANT):
     0  plain recursion (C);
     1  20 NOPs on the return path (between the return site and the next ret);
     2  six stores and three loads of a global array on that path (like state stores, reloads);
     3  the recursion in assembly, returning with `ret`;
     4  the same returning with `pop %rcx; jmp *%rcx` (translated code's return thunk).
   `retdepth sites N R` (N = 1, 2 or 4, R = 0 for ret, 1 for pop/jmp) instead calls a leaf from
   N call sites picked at random, 1e8 times, to show what the jump costs shallow returns.
   Prints CPU time (CLOCK_PROCESS_CPUTIME_ID, so other load on the machine counts less than in
   wall time) per call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile long st[8];
#define NOP4 "nop\n nop\n nop\n nop\n"

long rd_down_ret(long n);
long rd_down_jmp(long n);
long rd_leaf_ret(long n);
long rd_leaf_jmp(long n);
__asm__(".text\n"
        "rd_down_ret:\n test %rdi,%rdi\n jne 1f\n mov $1,%eax\n ret\n"
        "1: sub $8,%rsp\n dec %rdi\n call rd_down_ret\n inc %rax\n add $8,%rsp\n ret\n"
        "rd_down_jmp:\n test %rdi,%rdi\n jne 1f\n mov $1,%eax\n pop %rcx\n jmp *%rcx\n"
        "1: sub $8,%rsp\n dec %rdi\n call rd_down_jmp\n inc %rax\n add $8,%rsp\n pop %rcx\n jmp *%rcx\n"
        "rd_leaf_ret:\n lea 1(%rdi),%rax\n ret\n"
        "rd_leaf_jmp:\n lea 1(%rdi),%rax\n pop %rcx\n jmp *%rcx\n");

__attribute__((noinline)) static long plain(long n) {
    if (n == 0) return 1;
    long r = plain(n - 1);
    __asm__ volatile("" : "+r"(r));
    return r + 1;
}
__attribute__((noinline)) static long nops(long n) {
    if (n == 0) return 1;
    long r = nops(n - 1);
    __asm__ volatile(NOP4 NOP4 NOP4 NOP4 NOP4 : "+r"(r));
    return r + 1;
}
__attribute__((noinline)) static long state(long n) {
    if (n == 0) { st[0] = 1; return 1; }
    st[1] = n;
    long r = state(n - 1);
    r += st[0] + st[2] + st[3];
    st[0] = r; st[2] = n; st[3] = r; st[4] = n; st[5] = r; st[6] = n;
    return r + 1;
}

typedef long (*fn)(long);
__attribute__((noinline)) static long sites(fn f, long n, int k) {
    uint64_t x = 88172645463325252ull;
    long s = 0;
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        switch ((x >> 20) & (k - 1)) {
        case 0: s += f(s); break;
        case 1: s ^= f(s + 1); break;
        case 2: s -= f(s + 2); break;
        default: s += 3 * f(s + 3); break;
        }
    }
    return s;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "sites")) {
        int k = atoi(argv[2]), r = atoi(argv[3]);
        if ((k != 1 && k != 2 && k != 4) || (r != 0 && r != 1)) { fprintf(stderr, "retdepth sites: N 1, 2 or 4; R 0 or 1\n"); return 2; }
        long n = 100000000;
        double a = now();
        long s = sites(r ? rd_leaf_jmp : rd_leaf_ret, n, k);
        double b = now();
        printf("sites %d %s: %.2f ns/call (checksum %ld)\n", k, r ? "pop/jmp" : "ret", (b - a) / n, s);
        return 0;
    }
    if (argc != 3) { fprintf(stderr, "usage: retdepth DEPTH VARIANT(0-4) | retdepth sites N R\n"); return 2; }
    long depth = atol(argv[1]), v = atol(argv[2]), total = 200000000;
    if (depth < 1 || v < 0 || v > 4) { fprintf(stderr, "retdepth: DEPTH >= 1, VARIANT 0 to 4\n"); return 2; }
    long reps = total / depth, s = 0;
    fn f = v == 0 ? plain : v == 1 ? nops : v == 2 ? state : v == 3 ? rd_down_ret : rd_down_jmp;
    double a = now();
    for (long i = 0; i < reps; i++) s += f(depth);
    double b = now();
    printf("variant %ld depth %ld: %.2f ns/call (checksum %ld)\n", v, depth, (b - a) / ((double)reps * (depth + 1)), s);
    return 0;
}
