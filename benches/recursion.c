/* Deep and call-heavy recursion: naive Fibonacci, Ackermann(2,n) and a deep linear recursion. */
#include "common.h"

__attribute__((noinline)) static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
__attribute__((noinline)) static long ack(long m, long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
__attribute__((noinline)) static long deep(long n, long acc) {
    if (n == 0) return acc;
    long r = deep(n - 1, acc * 3 + n);
    return r ^ (n & 0xff);
}

int main(int argc, char **argv) {
    long pct = argc > 1 ? atol(argv[1]) : 100;
    long fn = pct >= 100 ? 35 : pct >= 10 ? 30 : 26;
    long reps = bench_scale(argc, argv, 60);
    long r = fib(fn);
    for (long i = 0; i < reps; i++) r += ack(2, 2000 + i) + deep(100000, i);
    printf("recursion %ld\n", r);
    return 0;
}
