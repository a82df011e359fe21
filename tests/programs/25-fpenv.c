/* The guest FP environment: FPCR rounding modes (fesetround), flush-to-zero (FPCR.FZ),
 * default-NaN mode (FPCR.DN), and FPCR across a signal handler (sigreturn restores the
 * interrupted FPCR). Prints bit patterns, so any difference in rounding, flushing or NaN choice
 * shows up against qemu. */
#include <fenv.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double dfrom(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static float ffrom(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static uint64_t get_fpcr(void) { uint64_t v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return v; }
static void set_fpcr(uint64_t v) { __asm__ volatile("msr fpcr, %0" :: "r"(v)); }

/* volatile inputs so that gcc cannot fold the arithmetic at compile time */
static volatile double one = 1.0, three = 3.0, two = 2.0, tiny = 2.2250738585072014e-308;
static volatile float fone = 1.0f, fthree = 3.0f;
static volatile uint64_t big = 0xfffffffffffff801ull, zero_u = 0;
static volatile int64_t negbig = -0x7ffffffffffffc01ll;
static volatile uint32_t fden1 = 0x00012345u, fden2 = 0x00000001u, fnan = 0xffc01234u, fnan2 = 0x7fc05678u;
static volatile uint64_t dnan = 0xfff8000000012345ull, dden = 0x0000000000000123ull;

static void arith(const char *what) {
    double q = one / three, nq = -one / three, r = sqrt(two), f = fma(one / three, three, -one);
    float fq = fone / fthree;
    printf("%-10s 1/3 %016llx -1/3 %016llx sqrt2 %016llx fma %016llx f1/3 %08x\n", what,
           (unsigned long long)dbits(q), (unsigned long long)dbits(nq), (unsigned long long)dbits(r),
           (unsigned long long)dbits(f), fbits(fq));
    printf("%-10s rint(2.5) %g nearbyint(-2.5) %g llrint(2.5) %lld lrint(-3.5) %ld\n", what,
           rint(2.5 * one), nearbyint(-2.5 * one), llrint(2.5 * one), lrint(-3.5 * one));
    printf("%-10s u64 %016llx %08x  0 -> %016llx  i64 %016llx  d->f %08x\n", what,
           (unsigned long long)dbits((double)big), fbits((float)big),
           (unsigned long long)dbits((double)zero_u), (unsigned long long)dbits((double)negbig),
           fbits((float)(one / three)));
}

static volatile sig_atomic_t in_handler_mode;
static void on_usr1(int sig) {
    (void)sig;
    fesetround(FE_UPWARD);
    in_handler_mode = fegetround() == FE_UPWARD;
    printf("handler    1/3 %016llx\n", (unsigned long long)dbits(one / three));
}

int main(void) {
    static const struct { int mode; const char *name; } modes[] = {
        {FE_TONEAREST, "nearest"}, {FE_UPWARD, "upward"}, {FE_DOWNWARD, "downward"},
        {FE_TOWARDZERO, "towardzero"},
    };
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        fesetround(modes[i].mode);
        arith(modes[i].name);
    }
    fesetround(FE_TONEAREST);

    /* Flush-to-zero: denormal results and operands count as zero. */
    uint64_t base = get_fpcr();
    for (int fz = 0; fz < 2; fz++) {
        set_fpcr(fz ? base | (1u << 24) : base);
        double d = tiny / three;              /* denormal result */
        double e = dfrom(dden) * one; /* denormal operand */
        float g = ffrom(fden1) + ffrom(fden2);
        int eqz = dfrom(0x0000000000000001ull) * one == 0.0;
        printf("fz=%d  %016llx %016llx %08x denormal==0: %d fmax %016llx\n", fz,
               (unsigned long long)dbits(d), (unsigned long long)dbits(e), fbits(g), eqz,
               (unsigned long long)dbits(fmax(dfrom(0x8000000000000005ull), -0.0 * one)));
    }
    set_fpcr(base);

    /* Default-NaN mode: NaN results lose their payload and sign. */
    for (int dn = 0; dn < 2; dn++) {
        set_fpcr(dn ? base | (1u << 25) : base);
        double n = dfrom(dnan) + one;
        float m = ffrom(fnan) * fone;
        double c = (double)ffrom(fnan2);
        double s = sqrt(-one);
        printf("dn=%d  %016llx %08x %016llx %016llx\n", dn, (unsigned long long)dbits(n), fbits(m),
               (unsigned long long)dbits(c), (unsigned long long)dbits(s));
    }
    set_fpcr(base);

    /* Cumulative exception flags (FPSR) after scalar arithmetic. */
    static const struct { int flag; const char *name; } ex[] = {
        {FE_INVALID, "invalid"}, {FE_DIVBYZERO, "divbyzero"}, {FE_OVERFLOW, "overflow"},
        {FE_UNDERFLOW, "underflow"}, {FE_INEXACT, "inexact"},
    };
    volatile double zero = 0.0, huge = 1e308, r;
    for (int k = 0; k < 6; k++) {
        feclearexcept(FE_ALL_EXCEPT);
        switch (k) {
        case 0: r = one / three; break;
        case 1: r = one / zero; break;
        case 2: r = huge * 10.0; break;
        case 3: r = tiny * tiny; break;
        case 4: r = zero / zero; break;
        default: r = one + one; break;
        }
        (void)r;
        printf("case %d raised:", k);
        for (unsigned e = 0; e < sizeof ex / sizeof ex[0]; e++)
            if (fetestexcept(ex[e].flag)) printf(" %s", ex[e].name);
        printf("\n");
    }

    /* A handler that changes the rounding mode: sigreturn restores the interrupted FPCR. */
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("after      1/3 %016llx mode nearest: %d handler saw upward: %d\n",
           (unsigned long long)dbits(one / three), fegetround() == FE_TONEAREST, (int)in_handler_mode);
    return 0;
}
