/* String <-> number round trips: snprintf, strtod, strtol/strtoul/strtoll with bases and errno,
 * atoi, sscanf. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

int main(void)
{
    uint32_t s = 2463534242u;
    int mismatches = 0, n = 0;
    uint64_t h = 0;
    for (int i = 0; i < 8000; i++) {
        s ^= s << 13; s ^= s >> 17; s ^= s << 5;
        uint64_t u = ((uint64_t)s << 32) | (s * 2654435761u);
        double d;
        memcpy(&d, &u, 8);
        if (isnan(d) || isinf(d))
            continue;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        if (bits(back) != bits(d))
            mismatches++;
        snprintf(buf, sizeof buf, "%a", d);
        back = strtod(buf, NULL);
        if (bits(back) != bits(d))
            mismatches++;
        h = h * 131 + strlen(buf);
        n++;
    }
    printf("double round trips: %d values, %d mismatches, hash %016" PRIx64 "\n", n, mismatches, h);

    static const char *dstr[] = { "0", "-0", "1e-400", "1e400", "-1e400", "0x1p-1074", "0x1.fffffffffffffp1023",
                                  "2.2250738585072011e-308", "3.14159265358979323846264338327950288", "inf",
                                  "-Infinity", "nan", "  42.5xyz", "1e", ".5", "5.", "1_000", "0x10", "" };
    for (unsigned i = 0; i < sizeof dstr / sizeof dstr[0]; i++) {
        char *end;
        errno = 0;
        double d = strtod(dstr[i], &end);
        printf("strtod(\"%s\") = %.17g bits=%016" PRIx64 " consumed=%td erange=%d\n", dstr[i], d,
               isnan(d) ? (uint64_t)0 : bits(d), end - dstr[i], errno == ERANGE);
    }
    static const struct { const char *s; int base; } lstr[] = {
        { "12345", 10 }, { "-12345", 10 }, { "0x7fffffffffffffff", 16 }, { "0x8000000000000000", 16 },
        { "-9223372036854775808", 10 }, { "-9223372036854775809", 10 }, { "777", 8 }, { "0777", 0 },
        { "0x1F", 0 }, { "zz", 36 }, { "101010", 2 }, { "  +99 bottles", 10 }, { "junk", 10 },
        { "18446744073709551615", 10 }, { "18446744073709551616", 10 }, { "-1", 10 } };
    for (unsigned i = 0; i < sizeof lstr / sizeof lstr[0]; i++) {
        char *end;
        errno = 0;
        long l = strtol(lstr[i].s, &end, lstr[i].base);
        int e1 = errno;
        errno = 0;
        unsigned long ul = strtoul(lstr[i].s, NULL, lstr[i].base);
        int e2 = errno;
        long long ll = strtoll(lstr[i].s, NULL, lstr[i].base);
        printf("\"%s\" base %d: strtol=%ld (used %td, erange %d) strtoul=%lu (erange %d) strtoll=%lld\n",
               lstr[i].s, lstr[i].base, l, end - lstr[i].s, e1 == ERANGE, ul, e2 == ERANGE, ll);
    }
    long bad = 0;
    for (long v = -100000; v <= 100000; v += 7) {
        char buf[32];
        snprintf(buf, sizeof buf, "%ld", v * 1000003);
        if (strtol(buf, NULL, 10) != v * 1000003 || atol(buf) != v * 1000003)
            bad++;
        snprintf(buf, sizeof buf, "%lx", (unsigned long)v);
        if (strtoul(buf, NULL, 16) != (unsigned long)v)
            bad++;
    }
    printf("integer round trips bad=%ld\n", bad);
    int a, b;
    double x;
    char word[16];
    int got = sscanf("17 -4 2.75e3 word rest", "%d %d %lf %15s", &a, &b, &x, word);
    printf("sscanf got %d: %d %d %g %s\n", got, a, b, x, word);
    printf("atoi=%d atof=%g\n", atoi(" -2147483648"), atof("6.02214076e23"));
    return mismatches != 0;
}
