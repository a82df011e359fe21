/* Function pointers: callback tables, qsort/bsearch comparators, pointers returned from functions,
 * a tiny bytecode interpreter dispatching through a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*binop)(long, long);
static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_mod(long a, long b) { return b ? a % b : 0; }
static long op_xor(long a, long b) { return a ^ b; }
static long op_shl(long a, long b) { return (long)((unsigned long)a << (b & 31)); }
static long op_min(long a, long b) { return a < b ? a : b; }

static const struct { const char *name; binop fn; } table[] = {
    { "add", op_add }, { "sub", op_sub }, { "mul", op_mul }, { "div", op_div },
    { "mod", op_mod }, { "xor", op_xor }, { "shl", op_shl }, { "min", op_min },
};

static binop lookup(const char *name)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].fn;
    return NULL;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_int_desc(const void *a, const void *b) { return -cmp_int(a, b); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void apply(int *v, int n, void (*f)(int *, void *), void *ctx)
{
    for (int i = 0; i < n; i++)
        f(&v[i], ctx);
}
static void add_ctx(int *x, void *ctx) { *x += *(int *)ctx; }
static void square(int *x, void *ctx) { (void)ctx; *x = *x * *x; }

typedef int (*pred)(int);
static int is_even(int x) { return x % 2 == 0; }
static int is_big(int x) { return x > 1000; }
static pred choose(int which) { return which ? is_big : is_even; }

enum { PUSH, ADD, MUL, DUP, SWAP, JNZ, DEC, HALT };
struct vm { long stack[64]; int sp, pc; long acc; };
typedef void (*handler)(struct vm *, const long *);
static void h_push(struct vm *m, const long *c) { m->stack[m->sp++] = c[m->pc + 1]; m->pc += 2; }
static void h_add(struct vm *m, const long *c) { (void)c; m->sp--; m->stack[m->sp - 1] += m->stack[m->sp]; m->pc++; }
static void h_mul(struct vm *m, const long *c) { (void)c; m->sp--; m->stack[m->sp - 1] *= m->stack[m->sp]; m->pc++; }
static void h_dup(struct vm *m, const long *c) { (void)c; m->stack[m->sp] = m->stack[m->sp - 1]; m->sp++; m->pc++; }
static void h_swap(struct vm *m, const long *c) { (void)c; long t = m->stack[m->sp - 1]; m->stack[m->sp - 1] = m->stack[m->sp - 2]; m->stack[m->sp - 2] = t; m->pc++; }
static void h_jnz(struct vm *m, const long *c) { long v = m->stack[--m->sp]; m->pc = v ? (int)c[m->pc + 1] : m->pc + 2; }
static void h_dec(struct vm *m, const long *c) { (void)c; m->stack[m->sp - 1]--; m->pc++; }
static const handler handlers[] = { h_push, h_add, h_mul, h_dup, h_swap, h_jnz, h_dec };

int main(void)
{
    const char *names[] = { "add", "sub", "mul", "div", "mod", "xor", "shl", "min", "nop" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        binop f = lookup(names[i]);
        if (!f) {
            printf("%s: not found\n", names[i]);
            continue;
        }
        long acc = 7;
        for (long k = -5; k <= 5; k++)
            acc = f(acc, k) + k;
        printf("%s: %ld\n", names[i], acc);
    }
    int v[200];
    for (int i = 0; i < 200; i++)
        v[i] = (i * 7919) % 1013 - 500;
    qsort(v, 200, sizeof v[0], cmp_int);
    printf("sorted: %d %d %d ... %d\n", v[0], v[1], v[2], v[199]);
    int key = v[123];
    int *hit = bsearch(&key, v, 200, sizeof v[0], cmp_int);
    printf("bsearch %d at %td\n", key, hit ? hit - v : -1);
    qsort(v, 200, sizeof v[0], cmp_int_desc);
    int ctx = 3;
    apply(v, 200, add_ctx, &ctx);
    apply(v, 200, square, NULL);
    long s = 0;
    for (int i = 0; i < 200; i++)
        s = s * 31 + v[i];
    printf("apply checksum %ld\n", s);
    char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "apricot" };
    qsort(words, 7, sizeof words[0], cmp_str);
    for (int i = 0; i < 7; i++)
        printf("%s%c", words[i], i == 6 ? '\n' : ' ');
    int cnt[2] = { 0, 0 };
    for (int w = 0; w < 2; w++)
        for (int i = 0; i < 200; i++)
            cnt[w] += choose(w)(v[i]);
    printf("even=%d big=%d\n", cnt[0], cnt[1]);
    struct vm m = { .sp = 0, .pc = 0 };
    long steps = 0;
    const long loop[] = { PUSH, 5, /* 2 */ DEC, DUP, JNZ, 2, PUSH, 7, MUL, HALT };
    while (loop[m.pc] != HALT && steps < 1000) {
        handlers[loop[m.pc]](&m, loop);
        steps++;
    }
    printf("vm: top=%ld sp=%d steps=%ld\n", m.stack[m.sp - 1], m.sp, steps);
    return 0;
}
