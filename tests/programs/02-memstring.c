/* libc string/memory routines at every alignment 0..15 and lengths 0..100, checked against naive
 * implementations; prints checksums. Exercises glibc's IFUNC-selected optimized routines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char bufa[512], bufb[512], ref[512];
static uint64_t hash;
static int errors;

static void mix(uint64_t v) { hash = (hash ^ v) * 0x100000001b3ULL; }

static int sgn(int v) { return (v > 0) - (v < 0); }

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245 + 12345;
        p[i] = (unsigned char)(1 + (seed >> 16) % 250); /* never 0 */
    }
}

static size_t naive_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int naive_memcmp(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}
static int naive_strcmp(const unsigned char *a, const unsigned char *b)
{
    while (*a && *a == *b) a++, b++;
    return sgn((int)*a - (int)*b);
}
static int naive_strncmp(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
        if (!a[i]) return 0;
    }
    return 0;
}

#define CHECK(cond, what, al, len) do { if (!(cond)) { if (errors++ < 20) printf("MISMATCH %s align=%d len=%d\n", what, al, len); } } while (0)

int main(void)
{
    for (int al = 0; al < 16; al++)
        for (int al2 = 0; al2 < 16; al2 += 5)
            for (int len = 0; len <= 100; len++) {
                unsigned char *a = bufa + 64 + al, *b = bufb + 64 + al2;
                /* memcpy */
                fill(bufa, sizeof bufa, al * 131 + len);
                memset(bufb, 0xee, sizeof bufb);
                memcpy(b, a, len);
                CHECK(naive_memcmp(a, b, len) == 0 && b[len] == 0xee && b[-1] == 0xee, "memcpy", al, len);
                mix(b[len / 2] + len);
                /* memset */
                memset(a, al + len, len);
                int ok = a[-1] != (unsigned char)(al + len) || 1;
                for (int i = 0; i < len; i++) ok &= a[i] == (unsigned char)(al + len);
                CHECK(ok, "memset", al, len);
                /* memmove, overlapping both ways */
                fill(bufa, sizeof bufa, len);
                memcpy(ref, bufa, sizeof bufa);
                int d = (al2 % 7) + 1;
                memmove(a + d, a, len);
                for (int i = len - 1; i >= 0; i--) ref[64 + al + d + i] = ref[64 + al + i];
                CHECK(memcmp(bufa, ref, sizeof bufa) == 0, "memmove up", al, len);
                memmove(a, a + d, len);
                for (int i = 0; i < len; i++) ref[64 + al + i] = ref[64 + al + d + i];
                CHECK(memcmp(bufa, ref, sizeof bufa) == 0, "memmove down", al, len);
                /* strlen, strchr, memchr */
                fill(bufa, sizeof bufa, al * 7 + len * 3);
                a[len] = 0;
                CHECK(strlen((char *)a) == (size_t)len, "strlen", al, len);
                CHECK(naive_strlen((char *)a) == (size_t)len, "naive_strlen", al, len);
                int target = len ? a[len * 2 / 3] : 'x';
                char *p = strchr((char *)a, target);
                unsigned char *q = a;
                while (*q && *q != target) q++;
                CHECK(p == (*q ? (char *)q : NULL), "strchr", al, len);
                CHECK(strchr((char *)a, 0) == (char *)a + len, "strchr0", al, len);
                void *m = memchr(a, target, len);
                CHECK(m == (len && *q ? (void *)q : NULL), "memchr", al, len);
                mix((uint64_t)(p ? p - (char *)a : 999));
                /* strcpy, strcmp, strncmp, memcmp */
                memset(bufb, 0xee, sizeof bufb);
                strcpy((char *)b, (char *)a);
                CHECK(memcmp(a, b, len + 1) == 0 && b[len + 1] == 0xee, "strcpy", al, len);
                CHECK(strcmp((char *)a, (char *)b) == 0, "strcmp eq", al, len);
                if (len) {
                    int pos = (len * 5) / 7;
                    b[pos] = (unsigned char)(b[pos] + (al & 1 ? 3 : -3));
                    if (!b[pos]) b[pos] = 1;
                    CHECK(sgn(strcmp((char *)a, (char *)b)) == naive_strcmp(a, b), "strcmp ne", al, len);
                    CHECK(sgn(memcmp(a, b, len)) == naive_memcmp(a, b, len), "memcmp", al, len);
                    for (int n = 0; n <= len + 1; n += 3)
                        CHECK(sgn(strncmp((char *)a, (char *)b, n)) == naive_strncmp(a, b, n), "strncmp", al, n);
                    mix((uint64_t)(sgn(strcmp((char *)a, (char *)b)) + 2));
                    mix((uint64_t)(sgn(memcmp(b, a, len)) + 5));
                }
                mix((uint64_t)strlen((char *)b));
            }
    /* strstr / strrchr / strspn on text */
    const char *text = "the quick brown fox jumps over the lazy dog; the end";
    printf("strstr=%td strrchr=%td strspn=%zu strcspn=%zu\n", strstr(text, "the lazy") - text,
           strrchr(text, 't') - text, strspn(text, "the "), strcspn(text, ";"));
    char *dup = strdup(text);
    printf("strdup eq=%d strncpy:", strcmp(dup, text) == 0);
    char small[8];
    strncpy(small, text, sizeof small - 1);
    small[7] = 0;
    printf("%s\n", small);
    free(dup);
    printf("errors=%d hash=%016llx\n", errors, (unsigned long long)hash);
    return errors != 0;
}
