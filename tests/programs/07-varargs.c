/* Varargs: va_list forwarding, va_copy, vsnprintf, mixed integer/double/pointer arguments. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static long sum_ints(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static double mixed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    double acc = 0;
    for (const char *p = fmt; *p; p++) {
        switch (*p) {
        case 'i': acc += va_arg(ap, int); break;
        case 'l': acc += (double)va_arg(ap, long long); break;
        case 'd': acc += va_arg(ap, double); break;
        case 's': acc += (double)strlen(va_arg(ap, const char *)); break;
        case 'f': acc *= va_arg(ap, double); break;
        }
    }
    va_end(ap);
    return acc;
}

static int vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int need = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    int got = vsnprintf(buf, n, fmt, ap);
    return need == got ? got : -1;
}

static int __attribute__((format(printf, 3, 4))) format(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vformat(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static void __attribute__((format(printf, 1, 2))) logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[log] ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
}

/* More arguments than fit in registers: both the integer and the FP registers overflow. */
static double many(int a, double b, int c, double d, int e, double f, int g, double h, int i, double j,
                   int k, double l, int m, double n, int o, double p, int q, double r, int s, double t, ...)
{
    va_list ap;
    va_start(ap, t);
    double extra = va_arg(ap, double) + va_arg(ap, int);
    va_end(ap);
    return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q + r + s + t + extra;
}

int main(void)
{
    printf("sum_ints: %ld %ld %ld\n", sum_ints(0), sum_ints(3, 1, 2, 3),
           sum_ints(12, 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, 100000));
    printf("mixed: %.6f\n", mixed("ildsfidl", 5, 1LL << 40, 2.5, "hello", 0.5, -3, 1e-3, -7LL));
    char buf[64];
    int r = format(buf, sizeof buf, "%s-%05d-%x-%.3f-%c-%lld", "abc", 42, 0xbeef, 3.14159, 'Z', -1LL << 50);
    printf("format: %d [%s]\n", r, buf);
    r = format(buf, 10, "%s", "this is longer than ten characters");
    printf("truncated: %d [%s]\n", r, buf);
    logf_("%d %s %g %p\n", 7, "seven", 7.0, (void *)0);
    printf("many: %.3f\n", many(1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5, 17,
                               18.5, 19, 20.5, 0.25, 100));
    return 0;
}
