/* Floating point and libm: sqrt, floor, ceil, trunc, round, fabs, fmin/fmax, fused multiply-add,
 * pow/exp/log/sin/cos/atan2, conversions with saturation, float and double. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static volatile double vals[] = { 0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 1e-310, 3.7, -3.7, 1e10, 123.456,
                                  -1e300, 1e300, 0.1, 2.0 / 3 };
#define NV (sizeof vals / sizeof vals[0])

/* Saturating conversions via Arm instructions (defined for all inputs, unlike C casts). */
static int64_t fcvtzs(double d) { int64_t r; __asm__ volatile("fcvtzs %0, %d1" : "=r"(r) : "w"(d)); return r; }
static uint64_t fcvtzu(double d) { uint64_t r; __asm__ volatile("fcvtzu %0, %d1" : "=r"(r) : "w"(d)); return r; }
static int32_t fcvtzs32(double d) { int32_t r; __asm__ volatile("fcvtzs %w0, %d1" : "=r"(r) : "w"(d)); return r; }

int main(void)
{
    uint64_t h = 0;
    for (unsigned i = 0; i < NV; i++) {
        double x = vals[i];
        printf("x=%-12g sqrt=%-14.10g floor=%g ceil=%g trunc=%g round=%g rint=%g fabs=%g\n", x, sqrt(fabs(x)),
               floor(x), ceil(x), trunc(x), round(x), rint(x), fabs(x));
        for (unsigned j = 0; j < NV; j++) {
            double y = vals[j];
            h = h * 31 + bits(fmin(x, y)) + 3 * bits(fmax(x, y)) + 5 * bits(x * y) + 7 * bits(x / (y + 1.25));
            h ^= bits(fma(x, y, 0.1)) + bits(x - y) + bits(copysign(x, y));
        }
    }
    printf("binary op hash %016" PRIx64 "\n", h);
    for (double x = -3; x <= 3; x += 0.75) {
        printf("%5.2f exp=%.15g log=%.15g sin=%.15g cos=%.15g atan2=%.15g pow=%.15g tanh=%.15g cbrt=%.15g\n", x,
               exp(x), log(fabs(x) + 0.5), sin(x), cos(x), atan2(x, 0.7), pow(fabs(x) + 0.1, x), tanh(x), cbrt(x));
    }
    printf("pow(2,0.5)=%.17g pow(-8,1/3.)=%g hypot=%.17g log10=%.17g log2=%.17g expm1=%.17g log1p=%.17g\n",
           pow(2, 0.5), pow(-8, 1 / 3.), hypot(3e200, 4e200), log10(12345.0), log2(1e-5), expm1(1e-10), log1p(-0.5));
    printf("fmod=%g remainder=%g ldexp=%g frexp=", fmod(10.5, 3), remainder(10.5, 3), ldexp(0.75, -1070));
    int ex;
    double m = frexp(1e-310, &ex);
    printf("%g*2^%d modf=", m, ex);
    double ip;
    double fp = modf(-7.25, &ip);
    printf("%g,%g nextafter=%a\n", ip, fp, nextafter(1.0, 2.0));
    printf("sqrt(-1)=%f isnan=%d 0/0 signbit=%d 1/-0=%f\n", sqrt(-1.0), isnan(sqrt(-1.0)), 0,
           1.0 / vals[1]);

    /* float */
    float fs = 0;
    for (int i = 1; i <= 1000; i++)
        fs += 1.0f / (float)i;
    printf("float harmonic(1000)=%.9g sqrtf=%.9g sinf=%.9g\n", fs, sqrtf(2.0f), sinf(1.0f));

    /* a dependent multiply-add loop (FMADD when fused) */
    double acc = 0.5;
    for (int i = 0; i < 100000; i++)
        acc = acc * 0.9999 + 1e-5;
    printf("madd loop %.17g\n", acc);

    /* Arm saturating conversions */
    static const double cv[] = { 1e20, -1e20, 3.99, -3.99, 4294967296.5, -0.9, 1e-300 };
    for (unsigned i = 0; i < sizeof cv / sizeof cv[0]; i++)
        printf("fcvtzs(%g)=%" PRId64 " fcvtzu=%" PRIu64 " w=%d\n", cv[i], fcvtzs(cv[i]), fcvtzu(cv[i]),
               fcvtzs32(cv[i]));
    printf("fcvtzs(nan)=%" PRId64 " fcvtzu(inf)=%" PRIu64 " fcvtzu(-inf)=%" PRIu64 "\n", fcvtzs(NAN),
           fcvtzu(INFINITY), fcvtzu(-INFINITY));
    /* int -> fp */
    volatile int64_t big = INT64_MAX;
    volatile uint64_t ubig = UINT64_MAX;
    printf("i2d %.17g u2d %.17g i2f %.9g u2f %.9g\n", (double)big, (double)ubig, (float)big, (float)ubig);
    return 0;
}
