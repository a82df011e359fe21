/* Dense matrix multiply (double, i-k-j order, vectorizable inner loop) repeated a few times. */
#include "common.h"

int main(int argc, char **argv) {
    long pct = argc > 1 ? atol(argv[1]) : 100;
    long n = pct >= 100 ? 640 : pct >= 10 ? 300 : 160;
    long reps = bench_scale(argc, argv, 5);
    double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    uint64_t s = 5;
    for (long i = 0; i < n * n; i++) { a[i] = (double)(xorshift(&s) % 1000) / 100; b[i] = (double)(xorshift(&s) % 1000) / 100; }
    double tr = 0;
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n * n; i++) c[i] = 0;
        for (long i = 0; i < n; i++)
            for (long k = 0; k < n; k++) {
                double aik = a[i * n + k];
                for (long j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        for (long i = 0; i < n; i++) tr += c[i * n + i];
        a[r % (n * n)] += 1;
    }
    printf("matmul %.3f\n", tr);
    return 0;
}
