/* malloc-heavy: a pool of live blocks of random sizes (16 B .. 64 KiB), random frees and
   reallocs, touching each block. */
#include "common.h"
#include <string.h>

#define SLOTS 4096
static unsigned char *slot[SLOTS];
static size_t size[SLOTS];

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 2500000);
    uint64_t s = 11, h = 0;
    for (long i = 0; i < n; i++) {
        uint64_t r = xorshift(&s);
        unsigned k = r % SLOTS;
        if (slot[k]) {
            h += slot[k][0] + slot[k][size[k] - 1];
            if (r & 0x10000) {
                size_t ns = size[k] * 2 + 1;
                slot[k] = realloc(slot[k], ns);
                slot[k][ns - 1] = (unsigned char)r;
                size[k] = ns;
            } else {
                free(slot[k]);
                slot[k] = 0;
            }
        } else {
            size_t sz = (r >> 20) & 0x3f ? 16 + ((r >> 32) & 255) : 16 + ((r >> 32) & 0xffff);
            slot[k] = malloc(sz);
            slot[k][0] = (unsigned char)(r >> 8);
            slot[k][sz - 1] = (unsigned char)(r >> 16);
            size[k] = sz;
        }
    }
    for (int k = 0; k < SLOTS; k++) free(slot[k]);
    printf("malloc %llu\n", (unsigned long long)h);
    return 0;
}
