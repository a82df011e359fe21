/* Integer hashing and an open-addressing hash table: inserts, lookups, deletes. */
#include "common.h"
#include <string.h>

#define CAP (1u << 20)
static uint64_t keys[CAP];
static uint32_t vals[CAP];

static uint32_t slot_of(uint64_t k) { return (uint32_t)(mix64(k) & (CAP - 1)); }

static void put(uint64_t k, uint32_t v) {
    uint32_t i = slot_of(k);
    while (keys[i] && keys[i] != k) i = (i + 1) & (CAP - 1);
    keys[i] = k; vals[i] = v;
}
static int get(uint64_t k, uint32_t *v) {
    uint32_t i = slot_of(k);
    while (keys[i]) {
        if (keys[i] == k) { *v = vals[i]; return 1; }
        i = (i + 1) & (CAP - 1);
    }
    return 0;
}

int main(int argc, char **argv) {
    long rounds = bench_scale(argc, argv, 8);
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        memset(keys, 0, sizeof keys);
        uint64_t s = 88172645463325252ULL + r;
        for (uint32_t i = 0; i < CAP / 2; i++) put((xorshift(&s) | 1), i);
        s = 88172645463325252ULL + r;
        for (uint32_t i = 0; i < CAP / 2; i++) {
            uint32_t v;
            uint64_t k = xorshift(&s) | 1;
            if (get(k, &v)) sum += v;
            if (get(k + 2, &v)) sum += 7 * v;
        }
    }
    printf("hash %llu\n", (unsigned long long)sum);
    return 0;
}
