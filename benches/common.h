/* Shared helpers of the benchmark programs: a scale argument and a checksum printer.
   argv[1] (optional) is the work size in percent of the full run (100 = 1-3 s natively). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline long bench_scale(int argc, char **argv, long full) {
    long pct = argc > 1 ? atol(argv[1]) : 100;
    if (pct <= 0) pct = 100;
    long n = full * pct / 100;
    return n > 0 ? n : 1;
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return *s = x;
}
#endif
