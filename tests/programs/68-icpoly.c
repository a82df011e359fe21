/* Polymorphic indirect call sites (docs/design.md "Inline caches": level 1 and the level-2 ways
 * of a site's slot). (a) Four threads run one BLR site that rotates among five functions, each
 * thread in its own order, so the slot's entries are filled and repointed by several threads at
 * once; every result is checked against the same computation without the pointer. (b) One BLR
 * site rotates among three functions, one of them the program's own code rewritten in place
 * (IC IVAU, as 64-jitguest (d)) between rounds: the site must call the new code, not a record
 * left in one of its ways. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

typedef uint64_t (*op)(uint64_t);
__attribute__((noipa)) static uint64_t f0(uint64_t x) { return x + 11; }
__attribute__((noipa)) static uint64_t f1(uint64_t x) { return x * 5; }
__attribute__((noipa)) static uint64_t f2(uint64_t x) { return x ^ (x >> 3); }
__attribute__((noipa)) static uint64_t f3(uint64_t x) { return (x << 9) | (x >> 55); }
__attribute__((noipa)) static uint64_t f4(uint64_t x) { return x - 0x1234; }
static op ops[5] = {f0, f1, f2, f3, f4};

/* The one call site of (a). */
__attribute__((noipa)) static uint64_t apply(op f, uint64_t x) { return f(x); }

static uint64_t direct(int k, uint64_t x) {
    switch (k) {
    case 0: return x + 11;
    case 1: return x * 5;
    case 2: return x ^ (x >> 3);
    case 3: return (x << 9) | (x >> 55);
    default: return x - 0x1234;
    }
}

static int failures;

struct job { int t; uint64_t got, want; };

static void *worker(void *arg) {
    struct job *j = arg;
    uint64_t x = 1 + j->t, y = x;
    for (int i = 0; i < 200000; i++) {
        int k = (i * (j->t + 1) + (i >> 4)) % 5;
        x = apply(ops[k], x);
        y = direct(k, y);
    }
    j->got = x;
    j->want = y;
    return 0;
}

/* (b): the victim has 64-byte lines of its own; its new code is `movz w0, #c; ret`. */
__attribute__((noipa, aligned(64))) static uint64_t victim(uint64_t x) { return x * 3 + 1; }
__attribute__((noipa, aligned(64))) static uint64_t other1(uint64_t x) { return x + 100; }
__attribute__((noipa)) static uint64_t other2(uint64_t x) { return x + 200; }
static op rot[3] = {other1, victim, other2};

/* The one call site of (b). */
__attribute__((noipa)) static uint64_t call_rot(int k, uint64_t x) { return rot[k](x); }

static uint64_t own_code(int rounds) {
    uint64_t sum = 0;
    for (int i = 0; i < 30; i++)
        sum += call_rot(i % 3, i);
    uint32_t *p = (uint32_t *)(uintptr_t)victim;
    uintptr_t pg = (uintptr_t)p & ~(uintptr_t)4095;
    if (mprotect((void *)pg, 8192, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        perror("mprotect own text");
        return 0;
    }
    for (int r = 0; r < rounds; r++) {
        uint32_t c = 700 + r;
        p[0] = 0x52800000u | c << 5; /* movz w0, #c */
        p[1] = 0xd65f03c0u;          /* ret */
        __builtin___clear_cache((char *)p, (char *)(p + 2));
        for (int i = 0; i < 9; i++) {
            int k = (i + r) % 3;
            uint64_t got = call_rot(k, i), want = k == 1 ? c : k == 0 ? i + 100u : i + 200u;
            if (got != want) {
                printf("own code round %d call %d: got %llu, want %llu\n", r, i, (unsigned long long)got, (unsigned long long)want);
                failures++;
            }
            sum += got;
        }
    }
    return sum;
}

int main(void) {
    pthread_t th[4];
    struct job jobs[4];
    for (int t = 0; t < 4; t++) {
        jobs[t].t = t;
        if (pthread_create(&th[t], 0, worker, &jobs[t]) != 0) {
            puts("pthread_create failed");
            return 1;
        }
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], 0);
        printf("thread %d: %llu %s\n", t, (unsigned long long)jobs[t].got, jobs[t].got == jobs[t].want ? "ok" : "WRONG");
        failures += jobs[t].got != jobs[t].want;
    }
    printf("own code: %llu\n", (unsigned long long)own_code(20));
    printf("failures: %d\n", failures);
    return failures != 0;
}
