/* A guest that JIT-compiles: it writes AArch64 instructions into executable memory, makes them
 * visible with __builtin___clear_cache (DC CVAU + IC IVAU per line, since CTR_EL0 says IDC=DIC=0),
 * calls them, rewrites the same bytes and calls again, many times at the same address
 * (docs/jit.md "Self-modifying code"). Memory: (a) one RWX mapping, (b) RW -> mprotect RX ->
 * RW -> RX, (d) its own AOT-translated code made writable and rewritten, (c) a W^X double mapping of one memfd (written through the RW view, called through
 * the RX view), with the cache cleared on the RX view as V8 does, or only on the RW view (IC IVAU
 * acts on the physical line, so that must work too). Each result is also checked against the same
 * computation in C. (a) and (b) are compared with qemu; (c) is 65-jitguest-dual.c (this file with
 * DUAL defined), checked against its .expect: qemu 7.2 keeps running its stale translation when
 * the code is written through another mapping of the same memory (it detects self-modifying code
 * by write-protecting the executed view only and ignores IC IVAU), so it cannot be the oracle. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef uint32_t (*fn1)(uint32_t);

static uint32_t movz_w(int rd, uint32_t imm16) { return 0x52800000u | (imm16 & 0xffff) << 5 | rd; }
static uint32_t add_w_imm(int rd, int rn, uint32_t imm12) { return 0x11000000u | (imm12 & 0xfff) << 10 | rn << 5 | rd; }
static uint32_t sub_w_imm(int rd, int rn, uint32_t imm12) { return 0x51000000u | (imm12 & 0xfff) << 10 | rn << 5 | rd; }
static uint32_t add_w(int rd, int rn, int rm) { return 0x0b000000u | rm << 16 | rn << 5 | rd; }
static uint32_t mov_w(int rd, int rm) { return 0x2a0003e0u | rm << 16 | rd; }
static uint32_t cbz_w(int rt, int words) { return 0x34000000u | ((uint32_t)words & 0x7ffff) << 5 | rt; }
static uint32_t b_rel(int words) { return 0x14000000u | ((uint32_t)words & 0x3ffffff); }
static uint32_t bl_rel(int words) { return 0x94000000u | ((uint32_t)words & 0x3ffffff); }
#define NOP 0xd503201fu
#define RET 0xd65f03c0u
#define STP_FP_LR 0xa9bf7bfdu /* stp x29, x30, [sp, #-16]! */
#define LDP_FP_LR 0xa8c17bfdu /* ldp x29, x30, [sp], #16 */

/* Number of leading NOPs of the loop function: its loop lies in a later 64-byte line than the
 * entry, so rewriting only the loop's constant tests that a line in the middle of a translated
 * function invalidates it. */
#define PAD 20
/* Word index of the `add w1, w1, #c` in the loop function. */
#define K_ADD (PAD + 3)

/* f(n) = sum over i = n..1 of (i + c): movz w1,#0; loop: cbz w0,done; add w1,w1,w0;
 * add w1,w1,#c; sub w0,w0,#1; b loop; done: mov w0,w1; ret. */
static int emit_loop(uint32_t *p, uint32_t c) {
    int k = 0;
    for (int i = 0; i < PAD; i++)
        p[k++] = NOP;
    p[k++] = movz_w(1, 0);
    p[k++] = cbz_w(0, 5);
    p[k++] = add_w(1, 1, 0);
    p[k++] = add_w_imm(1, 1, c);
    p[k++] = sub_w_imm(0, 0, 1);
    p[k++] = b_rel(-4);
    p[k++] = mov_w(0, 1);
    p[k++] = RET;
    return k;
}
static uint32_t c_loop(uint32_t n, uint32_t c) {
    uint32_t s = 0;
    for (; n; n--)
        s += n + c;
    return s;
}

/* g(x) = imm (two words). */
static int emit_const(uint32_t *p, uint32_t imm) {
    p[0] = movz_w(0, imm);
    p[1] = RET;
    return 2;
}

static void clear(void *rx, int words) { __builtin___clear_cache((char *)rx, (char *)rx + 4 * words); }

static unsigned long failures;
static void check(const char *what, int i, uint32_t got, uint32_t want) {
    if (got != want) {
        failures++;
        if (failures < 20)
            printf("MISMATCH %s #%d: got %u want %u\n", what, i, got, want);
    }
}

/* The scenario shared by all memory kinds: `w` is where code is written, `x` where it is called
 * (the same address except for the double mapping), `clear_at` the view whose cache lines are
 * cleaned and invalidated. `before`/`after` switch protections around each rewrite (or NULL). */
struct view {
    const char *name;
    uint32_t *w, *x, *clear_at;
    void (*before)(struct view *);
    void (*after)(struct view *);
};
static void wr(struct view *v) { if (v->before) v->before(v); }
static void rx(struct view *v, int words) {
    if (v->after) v->after(v);
    clear(v->clear_at, words);
}

static uint64_t run(struct view *v, int rounds) {
    uint64_t sum = 0;
    for (int i = 0; i < rounds; i++) {
        /* 1. the whole function rewritten: alternately a loop and a constant, same address */
        uint32_t c = (uint32_t)(i * 7 + 1) & 0xfff;
        wr(v);
        int n = (i & 1) ? emit_const(v->w, 1000 + i) : emit_loop(v->w, c);
        rx(v, n);
        uint32_t want = (i & 1) ? 1000u + i : c_loop(10 + i % 5, c);
        uint32_t got = ((fn1)v->x)(10 + i % 5);
        check(v->name, i, got, want);
        sum += got;
        if (i & 1)
            continue;
        /* 2. only the loop's constant rewritten (a later line than the entry), only that
         *    word's line cleared */
        uint32_t c2 = (c + 3) & 0xfff;
        wr(v);
        v->w[K_ADD] = add_w_imm(1, 1, c2);
        if (v->after)
            v->after(v);
        clear(v->clear_at + K_ADD, 1);
        got = ((fn1)v->x)(7);
        check(v->name, i, got, c_loop(7, c2));
        sum += got;
    }
    /* 3. a generated function that calls another generated function (BL), the callee rewritten
     *    while the caller stays: the call must reach the new callee each time. */
    const int CALLEE = 64; /* words: its own lines */
    wr(v);
    v->w[0] = STP_FP_LR;
    v->w[1] = bl_rel(CALLEE - 1);
    v->w[2] = add_w_imm(0, 0, 5);
    v->w[3] = LDP_FP_LR;
    v->w[4] = RET;
    emit_const(v->w + CALLEE, 1);
    rx(v, CALLEE + 2);
    for (int i = 0; i < rounds; i++) {
        uint32_t got = ((fn1)v->x)(0);
        check("caller", i, got, 5u + (i == 0 ? 1u : 100u + i - 1));
        sum += got;
        wr(v);
        emit_const(v->w + CALLEE, 100 + i);
        if (v->after)
            v->after(v);
        clear(v->clear_at + CALLEE, 2);
    }
    return sum;
}

#ifndef DUAL
/* (d) the program's own code, translated ahead of time, rewritten in place and called through a
 * pointer and directly. */
__attribute__((noipa, aligned(64))) static uint32_t victim(uint32_t x) { return x * 3 + 1; }
static uint32_t (*volatile victim_p)(uint32_t) = victim;
/* One indirect call site (BLR) and one indirect tail call site (BR) that reach the victim both
 * before and after each rewrite: an inline cache at the site must not keep the old code. */
__attribute__((noipa)) static uint32_t via_blr(uint32_t x) { return victim_p(x) * 2 + 1; }
__attribute__((noipa)) static uint32_t via_br(uint32_t x) { return victim_p(x); }

static uint64_t own_code(int rounds) {
    uint64_t sum = 0;
    uint32_t *p = (uint32_t *)(uintptr_t)victim;
    uintptr_t pg = (uintptr_t)p & ~(uintptr_t)4095;
    uint32_t got = victim_p(5);
    check("own", -1, got, 16);
    sum += got;
    for (int k = 0; k < 3; k++) {
        got = via_blr(5);
        check("own-blr", -1, got, 33);
        got = via_br(5);
        check("own-br", -1, got, 16);
    }
    if (mprotect((void *)pg, 8192, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        perror("mprotect own text");
        return 0;
    }
    for (int i = 0; i < rounds; i++) {
        emit_const(p, 500 + i);
        clear(p, 2);
        got = victim_p(0);
        check("own", i, got, 500u + i);
        sum += got;
        got = victim(0);
        check("own-direct", i, got, 500u + i);
        sum += got;
        got = via_blr(0);
        check("own-blr", i, got, 2 * (500u + i) + 1);
        sum += got;
        got = via_br(0);
        check("own-br", i, got, 500u + i);
        sum += got;
    }
    return sum;
}
#endif

static void prot_rw(struct view *v) { mprotect(v->w, 4096, PROT_READ | PROT_WRITE); }
static void prot_rx(struct view *v) { mprotect(v->w, 4096, PROT_READ | PROT_EXEC); }

int main(void) {
    const int rounds = 100;
    uint64_t total = 0;
    uint64_t s;
#ifndef DUAL

    /* (a) RWX */
    void *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        perror("mmap rwx");
        return 1;
    }
    struct view va = {"rwx", a, a, a, NULL, NULL};
    s = run(&va, rounds);
    printf("rwx: %llu\n", (unsigned long long)s);
    total += s;

    /* (b) RW <-> RX with mprotect */
    void *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        perror("mmap rw");
        return 1;
    }
    struct view vb = {"mprotect", b, b, b, prot_rw, prot_rx};
    s = run(&vb, rounds);
    printf("mprotect: %llu\n", (unsigned long long)s);
    total += s;

    s = own_code(20);
    printf("own code: %llu\n", (unsigned long long)s);
    total += s;
#else
    /* (c) double mapping of one memfd: RW view and RX view */
    int fd = memfd_create("jitguest", 0);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
        perror("memfd");
        return 1;
    }
    uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint32_t *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED || x == MAP_FAILED) {
        perror("mmap memfd");
        return 1;
    }
    struct view vc1 = {"dual-clear-rx", w, x, x, NULL, NULL};
    s = run(&vc1, rounds);
    printf("dual, cleared on the RX view: %llu\n", (unsigned long long)s);
    total += s;
    struct view vc2 = {"dual-clear-rw", w, x, w, NULL, NULL};
    s = run(&vc2, rounds);
    printf("dual, cleared on the RW view: %llu\n", (unsigned long long)s);
    total += s;
#endif
    printf("total %llu, %lu mismatches\n", (unsigned long long)total, failures);
    return failures != 0;
}
