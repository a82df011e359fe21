/* Function-pointer heavy code: a table of small operations called through pointers, and objects
   with a hand-made vtable (C "virtual calls"), none of them inlinable. */
#include "common.h"

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
__attribute__((noinline)) static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
__attribute__((noinline)) static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b << 1); }
__attribute__((noinline)) static uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
__attribute__((noinline)) static uint64_t op_rot(uint64_t a, uint64_t b) { return (a << 7) | (a >> 57) ; }
__attribute__((noinline)) static uint64_t op_sub(uint64_t a, uint64_t b) { return a - b * 3; }
static op_fn ops[8] = {op_add, op_xor, op_mul, op_rot, op_sub, op_add, op_mul, op_xor};

struct shape;
struct vt { uint64_t (*area)(const struct shape *); uint64_t (*grow)(struct shape *, uint64_t); };
struct shape { const struct vt *vt; uint64_t w, h; };
__attribute__((noinline)) static uint64_t rect_area(const struct shape *s) { return s->w * s->h; }
__attribute__((noinline)) static uint64_t rect_grow(struct shape *s, uint64_t d) { s->w += d & 3; return s->w; }
__attribute__((noinline)) static uint64_t tri_area(const struct shape *s) { return s->w * s->h / 2; }
__attribute__((noinline)) static uint64_t tri_grow(struct shape *s, uint64_t d) { s->h += d & 1; return s->h; }
__attribute__((noinline)) static uint64_t sq_area(const struct shape *s) { return s->w * s->w; }
__attribute__((noinline)) static uint64_t sq_grow(struct shape *s, uint64_t d) { s->w ^= d & 7; return s->w; }
static const struct vt vts[3] = {{rect_area, rect_grow}, {tri_area, tri_grow}, {sq_area, sq_grow}};

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 60000000);
    uint64_t acc = 1, s = 99;
    for (long i = 0; i < n; i++) acc = ops[(acc ^ i) & 7](acc, (uint64_t)i);
    struct shape sh[64];
    for (int i = 0; i < 64; i++) { sh[i].vt = &vts[xorshift(&s) % 3]; sh[i].w = i + 1; sh[i].h = 2 * i + 1; }
    uint64_t tot = 0;
    for (long i = 0; i < n / 2; i++) {
        struct shape *p = &sh[i & 63];
        tot += p->vt->area(p);
        tot ^= p->vt->grow(p, (uint64_t)i);
    }
    printf("fnptr %llu %llu\n", (unsigned long long)acc, (unsigned long long)tot);
    return 0;
}
