/* Sorting: a hand-written quicksort on ints, libc qsort with a comparator, and a merge sort. */
#include "common.h"
#include <string.h>

#define N 1000000
static int a[N], tmp[N];

static void quick(int *v, long lo, long hi) {
    while (hi - lo > 16) {
        int p = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { int t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick(v, lo, j); lo = i; } else { quick(v, i, hi); hi = j; }
    }
    for (long i = lo + 1; i <= hi; i++) {
        int x = v[i]; long k = i - 1;
        while (k >= lo && v[k] > x) { v[k + 1] = v[k]; k--; }
        v[k + 1] = x;
    }
}
static void merge(int *v, long n) {
    if (n < 2) return;
    long h = n / 2;
    merge(v, h); merge(v + h, n - h);
    long i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = v[i] <= v[j] ? v[i++] : v[j++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}
static int cmp(const void *x, const void *y) {
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}
static uint64_t fill(uint64_t seed) {
    for (long i = 0; i < N; i++) a[i] = (int)(xorshift(&seed) >> 33);
    return seed;
}
static uint64_t check(void) {
    uint64_t h = 0;
    for (long i = 0; i < N; i += 97) h = h * 31 + (uint32_t)a[i];
    for (long i = 1; i < N; i++) if (a[i - 1] > a[i]) return 0;
    return h;
}

int main(int argc, char **argv) {
    long rounds = bench_scale(argc, argv, 2);
    uint64_t sum = 0, seed = 12345;
    for (long r = 0; r < rounds; r++) {
        seed = fill(seed); quick(a, 0, N - 1); sum += check();
        seed = fill(seed); qsort(a, N, sizeof *a, cmp); sum += check();
        seed = fill(seed); merge(a, N); sum += check();
    }
    printf("sort %llu\n", (unsigned long long)sum);
    return 0;
}
