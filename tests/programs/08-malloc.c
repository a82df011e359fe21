/* malloc/realloc/calloc/free stress with a deterministic pseudo-random pattern and checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
static unsigned char *ptr[SLOTS];
static size_t len[SLOTS];
static unsigned char tag[SLOTS];

static uint32_t rng = 12345;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static int check(int i)
{
    for (size_t k = 0; k < len[i]; k++)
        if (ptr[i][k] != (unsigned char)(tag[i] + k))
            return 0;
    return 1;
}

int main(void)
{
    uint64_t sum = 0;
    int bad = 0;
    long ops = 0, bytes = 0;
    for (int round = 0; round < 20000; round++) {
        int i = next() % SLOTS;
        uint32_t r = next();
        size_t n;
        switch (r % 128) {
        case 0: case 1: case 2: case 3: case 4: case 5: n = r >> 20; break; /* up to 4 KiB */
        case 6: n = (r >> 8) % (160 * 1024); break;                      /* large: mmap threshold */
        default: n = (r >> 8) % 200; break;                              /* small */
        }
        if (ptr[i] && !check(i))
            bad++;
        if (ptr[i] && (r & 0x300) == 0x100) {
            /* realloc keeps the prefix */
            unsigned char *p = realloc(ptr[i], n + 1);
            if (!p) { bad++; continue; }
            size_t keep = len[i] < n ? len[i] : n;
            for (size_t k = 0; k < keep; k++)
                if (p[k] != (unsigned char)(tag[i] + k))
                    bad++;
            ptr[i] = p;
        } else {
            free(ptr[i]);
            ptr[i] = (r & 0x400) ? calloc(n + 1, 1) : malloc(n + 1);
            if (!ptr[i]) { bad++; continue; }
            if (r & 0x400)
                for (size_t k = 0; k <= n; k++)
                    if (ptr[i][k]) { bad++; break; }
        }
        len[i] = n;
        tag[i] = (unsigned char)r;
        for (size_t k = 0; k < n; k++)
            ptr[i][k] = (unsigned char)(tag[i] + k);
        if (((uintptr_t)ptr[i] & 15) != 0)
            bad++;
        sum = sum * 33 + n + tag[i];
        ops++;
        bytes += (long)n;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (ptr[i] && !check(i))
            bad++;
        free(ptr[i]);
    }
    /* posix_memalign / aligned_alloc */
    for (size_t a = 16; a <= 65536; a *= 4) {
        void *p = NULL;
        int e = posix_memalign(&p, a, 1000);
        printf("posix_memalign(%zu): %d aligned=%d\n", a, e, p && ((uintptr_t)p % a) == 0);
        free(p);
    }
    printf("ops=%ld bytes=%ld bad=%d checksum=%016llx\n", ops, bytes, bad, (unsigned long long)sum);
    return bad != 0;
}
