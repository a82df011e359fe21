/* Two-thread litmus tests of the memory-ordering mapping (docs/memory-model.md), with inline A64:
 *   SB+dmb     t0: STR x; DMB ISH; LDR y    t1: STR y; DMB ISH; LDR x    forbidden: r0 = r1 = 0
 *   MP+rel/acq t0: STR data; STLR flag      t1: LDAR flag; LDR data      forbidden: flag = 1, data = 0
 *   MP+dmb     t0: STR data; DMB ISHST; STR flag
 *              t1: LDR flag; DMB ISHLD; LDR data                          forbidden: flag = 1, data = 0
 * The output is the count of forbidden outcomes (0 under a correct model), so qemu and the
 * translated program agree. SB with STLR/LDAR is in 29-litmus-sc.c (qemu 7.2 gets it wrong).
 * Manual runs: `27-litmus stats` prints every outcome count; `27-litmus plain` also runs SB with
 * plain STR/LDR, where r0 = r1 = 0 is allowed and does show up on x86-64 (that is what shows the SB
 * test can fail: see docs/memory-model.md for the numbers). */
#include "litmus.h"

SB_BODY(sb_dmb, "str", "dmb ish", "ldr")
SB_BODY(sb_plain, "str", "", "ldr")

static void mp_rel_0(int *x, int *y, int *r)
{
    __asm__ volatile("str %w[one], [%[x]]\n\tstlr %w[one], [%[y]]" ::[one] "r"(1), [x] "r"(x), [y] "r"(y) : "memory");
    *r = 0;
}
static void mp_acq_1(int *x, int *y, int *r)
{
    int f, d;
    __asm__ volatile("ldar %w[f], [%[y]]\n\tldr %w[d], [%[x]]" : [f] "=&r"(f), [d] "=&r"(d) : [x] "r"(x), [y] "r"(y) : "memory");
    *r = f * 2 + d;
}
static void mp_dmbst_0(int *x, int *y, int *r)
{
    __asm__ volatile("str %w[one], [%[x]]\n\tdmb ishst\n\tstr %w[one], [%[y]]" ::[one] "r"(1), [x] "r"(x), [y] "r"(y) : "memory");
    *r = 0;
}
static void mp_dmbld_1(int *x, int *y, int *r)
{
    int f, d;
    __asm__ volatile("ldr %w[f], [%[y]]\n\tdmb ishld\n\tldr %w[d], [%[x]]" : [f] "=&r"(f), [d] "=&r"(d) : [x] "r"(x), [y] "r"(y) : "memory");
    *r = f * 2 + d;
}

/* MP: t1's result is flag * 2 + data; forbidden is 2 (flag seen, data not). */
static int report_mp(const struct litmus *t, int stats)
{
    long h[4];
    run_litmus(t, h);
    long c[4] = {0, 0, 0, 0};
    for (int i = 0; i < ITERS; i++)
        c[r1s[i] & 3]++;
    printf("%s: %d rounds, forbidden flag=1 data=0 seen %ld times\n", t->name, ITERS, c[2]);
    if (stats)
        printf("  outcomes (flag,data): 00=%ld 01=%ld 10=%ld 11=%ld\n", c[0], c[1], c[2], c[3]);
    return c[2] != 0;
}

int main(int argc, char **argv)
{
    int stats = 0, plain = 0;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "stats"))
            stats = 1;
        if (!strcmp(argv[k], "plain"))
            plain = stats = 1;
    }
    int bad = 0;
    struct litmus sb = {"SB+dmb", sb_dmb_0, sb_dmb_1};
    bad |= report(&sb, 0, "r0=r1=0", stats);
    struct litmus mp = {"MP+rel/acq", mp_rel_0, mp_acq_1};
    bad |= report_mp(&mp, stats);
    struct litmus mp2 = {"MP+dmb", mp_dmbst_0, mp_dmbld_1};
    bad |= report_mp(&mp2, stats);
    if (plain) {
        struct litmus sp = {"SB plain (allowed)", sb_plain_0, sb_plain_1};
        report(&sp, 0, "r0=r1=0", stats);
    }
    return bad;
}
