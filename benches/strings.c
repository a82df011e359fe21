/* Short-string processing with libc: strlen, strcmp, strchr, memcpy, memcmp, strcpy/strcat,
   memset, and a hand-written tokenizer. */
#include "common.h"
#include <string.h>

static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon"};
#define NW (sizeof words / sizeof *words)

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 7000000);
    char buf[256], line[256];
    uint64_t h = 0, s = 7;
    for (long i = 0; i < n; i++) {
        const char *a = words[xorshift(&s) % NW], *b = words[xorshift(&s) % NW];
        strcpy(buf, a);
        strcat(buf, "-");
        strcat(buf, b);
        size_t l = strlen(buf);
        h += l;
        h += strcmp(a, b) < 0;
        const char *d = strchr(buf, '-');
        h += d ? (uint64_t)(d - buf) : 0;
        memcpy(line, buf, l + 1);
        h = h * 131 + (memcmp(line, buf, l) == 0);
        memset(line + l, 'x', 16);
        line[l + 16] = 0;
        h ^= strlen(line);
        if (strstr(buf, "ta")) h += 3;
        /* tokenizer: count vowels per token */
        for (char *p = line; *p; p++) h += (*p == 'a' || *p == 'e' || *p == 'i' || *p == 'o' || *p == 'u');
    }
    printf("strings %llu\n", (unsigned long long)h);
    return 0;
}
