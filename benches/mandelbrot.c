/* Mandelbrot set: escape-time iteration over a grid, counting points inside (bit output hashed). */
#include "common.h"

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 3000);
    uint64_t h = 0, inside = 0;
    for (long y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        for (long x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5, zr = 0, zi = 0, tr = 0, ti = 0;
            int i = 0;
            for (; i < 50 && tr + ti <= 4.0; i++) { zi = 2.0 * zr * zi + ci; zr = tr - ti + cr; tr = zr * zr; ti = zi * zi; }
            inside += i == 50;
            h = h * 1099511628211ULL ^ (uint64_t)i;
        }
    }
    printf("mandelbrot %llu %llu\n", (unsigned long long)inside, (unsigned long long)h);
    return 0;
}
