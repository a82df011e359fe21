/* Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), power method. */
#include "common.h"
#include <math.h>

static double A(long i, long j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }
static void mulAv(long n, const double *v, double *av) {
    for (long i = 0; i < n; i++) { double s = 0; for (long j = 0; j < n; j++) s += A(i, j) * v[j]; av[i] = s; }
}
static void mulAtv(long n, const double *v, double *atv) {
    for (long i = 0; i < n; i++) { double s = 0; for (long j = 0; j < n; j++) s += A(j, i) * v[j]; atv[i] = s; }
}
static void mulAtAv(long n, const double *v, double *out, double *tmp) { mulAv(n, v, tmp); mulAtv(n, tmp, out); }

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 3000);
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *t = malloc(n * sizeof *t);
    for (long i = 0; i < n; i++) u[i] = 1;
    for (int i = 0; i < 10; i++) { mulAtAv(n, u, v, t); mulAtAv(n, v, u, t); }
    double vbv = 0, vv = 0;
    for (long i = 0; i < n; i++) { vbv += u[i] * v[i]; vv += v[i] * v[i]; }
    printf("spectral %.9f\n", sqrt(vbv / vv));
    return 0;
}
