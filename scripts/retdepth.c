/* retdepth.c: host CPU time per call of a plain recursion as a function of its depth, to show
   what returns past the host's return stack buffer cost (docs/performance.md, "Where recursion's
   time goes"). Native x86-64 code, no guest involved.
     gcc -O2 -o /tmp/retdepth scripts/retdepth.c
     for d in 8 16 20 32 4000; do /tmp/retdepth $d 0; done
   Second argument: 0 = plain recursion; 1 = 20 NOPs on the return path (between the return site
   and the next ret); 2 = six stores and three loads of a global array on that path (like state
   stores and reloads). Prints CPU time (CLOCK_PROCESS_CPUTIME_ID, so other load on the machine
   counts less than in wall time) per call over 2e8 calls. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile long st[8];
#define NOP4 "nop\n nop\n nop\n nop\n"

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

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: retdepth DEPTH VARIANT(0|1|2)\n"); return 2; }
    long depth = atol(argv[1]), v = atol(argv[2]), total = 200000000;
    if (depth < 1 || v < 0 || v > 2) { fprintf(stderr, "retdepth: DEPTH >= 1, VARIANT 0, 1 or 2\n"); return 2; }
    long reps = total / depth, s = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    for (long i = 0; i < reps; i++) s += v == 0 ? plain(depth) : v == 1 ? nops(depth) : state(depth);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("variant %ld depth %ld: %.2f ns/call (checksum %ld)\n", v, depth, ns / ((double)reps * (depth + 1)), s);
    return 0;
}
