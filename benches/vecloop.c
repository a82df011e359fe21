/* Vectorizable integer and float loops over arrays: saxpy-like, sum of products, min/max, byte
   histogram-free transforms (gcc -O2 vectorizes them with its cheap cost model). */
#include "common.h"

#define N 4096
static int32_t xi[N], yi[N];
static float xf[N], yf[N];
static uint8_t bytes[N];

int main(int argc, char **argv) {
    long reps = bench_scale(argc, argv, 300000);
    uint64_t s = 3;
    for (int i = 0; i < N; i++) { xi[i] = (int32_t)(xorshift(&s) % 1000); yi[i] = i; xf[i] = (float)(i % 17); yf[i] = 1.0f; bytes[i] = (uint8_t)i; }
    int64_t acc = 0; float facc = 0;
    for (long r = 0; r < reps; r++) {
        int32_t k = (int32_t)(r & 7) + 1;
        for (int i = 0; i < N; i++) yi[i] = (yi[i] + k * xi[i]) & 0xffff;
        int32_t dot = 0;
        for (int i = 0; i < N; i++) dot += xi[i] ^ yi[i];
        acc += dot;
        for (int i = 0; i < N; i++) bytes[i] = (uint8_t)(bytes[i] + (uint8_t)k);
        if ((r & 63) == 0) {
            float f = 0;
            for (int i = 0; i < N; i++) { yf[i] = yf[i] * 0.5f + xf[i]; f += yf[i]; }
            facc += f;
        }
    }
    uint32_t bh = 0;
    for (int i = 0; i < N; i++) bh = bh * 31 + bytes[i];
    printf("vecloop %lld %u %.1f\n", (long long)acc, bh, (double)facc);
    return 0;
}
