/* printf of integers and doubles: conversions, flags, widths, precisions, special values. */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    static const long long ints[] = { 0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 1000000007 };
    for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        long long v = ints[i];
        printf("[%d] [%ld] [%lld] [%x] [%o] [%u] [%llx] [%#llo] [%+d] [% d]\n", (int)v, (long)v, v,
               (unsigned)v, (unsigned)v, (unsigned)v, (unsigned long long)v, (unsigned long long)v, (int)v, (int)v);
        printf("[%8d] [%-8d] [%08d] [%.5d] [%8.3d] [%-+8d] [%#10x] [%#o] [%hhd] [%hd] [%zu] [%jd]\n", (int)v,
               (int)v, (int)v, (int)v, (int)v, (int)v, (unsigned)v, (unsigned)v, (signed char)v, (short)v,
               (size_t)v, (intmax_t)v);
    }
    printf("[%*d] [%-*d] [%.*d] [%c] [%5c] [%s] [%.3s] [%10s] [%-10s]|\n", 6, 12, 6, 12, 4, 7, 'q', 'r',
           "string", "string", "right", "left");
    printf("[%" PRIu64 "] [%" PRIx32 "] [%%] [%p] [%p]\n", UINT64_MAX, UINT32_MAX, (void *)0x1234, (void *)0);

    static const double dbls[] = { 0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, 2.0 / 3, 123456789.125, 1e-300, 1e300,
                                   DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 2.2250738585072009e-308,
                                   M_PI, -M_E, 0.5, 1.5, 2.5, 1e15 + 0.3, 9.999999, 100, 1e21, 1e22,
                                   123e-20, 0.000123456 };
    for (unsigned i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
        double d = dbls[i];
        printf("%e | %f | %g | %a | %.17g\n", d, d, d, d, d);
        printf("%12.4e | %-12.2f| %+.0f | %#.0f | %010.3f | %.0e | %G | %E | %.3g | %#g | %.10g\n", d, d, d, d, d,
               d, d, d, d, d, d);
    }
    double inf = INFINITY, nan_ = NAN;
    printf("%f %e %g %a %F %E %G %10f %-10f| %+f\n", inf, inf, inf, inf, inf, inf, inf, inf, inf, inf);
    printf("%f %e %g %F %8f %-8f| %f\n", -inf, -inf, -inf, -inf, -inf, -inf, -inf);
    printf("%f %e %g %F %8.3f %+f\n", nan_, nan_, nan_, nan_, nan_, fabs(nan_));
    float f = 1.1f;
    printf("%f %.10f %a %g\n", f, f, f, (double)f * 3);
    long double ld = 1.0L / 3;
    printf("%Lf %.30Lg %La\n", ld, ld, ld);
    /* return value and %n */
    int n1 = 0;
    int r = printf("abc%ndef %s\n", &n1, "xyz");
    printf("printf returned %d, %%n=%d\n", r, n1);
    /* many denormals and powers of ten */
    for (int e = -320; e <= 308; e += 37)
        printf("1e%d=%.6e %g\n", e, pow(10, e), pow(10, e));
    for (int k = 0; k < 10; k++)
        printf("%.*f ", k, 2.0 / 3.0);
    printf("\n");
    return 0;
}
