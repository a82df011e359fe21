/* Control flow: loops, gotos, nested breaks, dense switches (jump tables), sparse switches. */
#include <stdio.h>

static int dense(int x)
{
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 59;
    case 5: return 61;
    case 6: return 73;
    case 7: return 89;
    case 8: return 97;
    case 9: return 101;
    case 10: return 113;
    case 11: return 127;
    case 12: return 131;
    case 13: return 149;
    case 14: return 151;
    case 15: return 163;
    default: return -1;
    }
}

static int dense_fallthrough(int x)
{
    int r = 0;
    switch (x & 7) {
    case 0: r += 1; /* fall through */
    case 1: r += 2; /* fall through */
    case 2: r += 4; break;
    case 3: r += 8; /* fall through */
    case 4: r += 16; break;
    case 5: r -= 3; break;
    case 6: r *= 7; r += 5; break;
    case 7: r = x; break;
    }
    return r;
}

static long sparse(long x)
{
    switch (x) {
    case -1000000: return 1;
    case -7: return 2;
    case 3: return 3;
    case 100: return 4;
    case 4096: return 5;
    case 65537: return 6;
    case 1L << 40: return 7;
    case 999999937: return 8;
    default: return 0;
    }
}

static const char *name_of(char c)
{
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return "vowel";
    case '0' ... '9': return "digit";
    case ' ': return "space";
    default: return "other";
    }
}

int main(void)
{
    long sum = 0;
    for (int i = -3; i < 20; i++)
        sum = sum * 3 + dense(i) + dense_fallthrough(i * 5);
    printf("dense sum %ld\n", sum);
    static const long probes[] = { -1000000, -7, 3, 100, 4096, 65537, 1L << 40, 999999937, 0, 5, -8, 4097 };
    for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++)
        printf("sparse(%ld)=%ld\n", probes[i], sparse(probes[i]));
    const char *s = "hello 2 you 42";
    for (const char *p = s; *p; p++)
        printf("%c:%s ", *p, name_of(*p));
    printf("\n");

    /* nested loops with breaks/continues */
    int found = 0, iters = 0;
    for (int a = 1; a < 100 && !found; a++) {
        for (int b = a; b < 100; b++) {
            iters++;
            if ((a * b) % 17 == 0 && a + b > 60) {
                printf("found a=%d b=%d\n", a, b);
                found = 1;
                break;
            }
            if (b % 10 == 3)
                continue;
        }
    }
    printf("iters=%d\n", iters);

    /* goto-based state machine */
    int state_count = 0, n = 27;
    long steps = 0;
top:
    if (n == 1)
        goto done;
    steps++;
    if (n & 1)
        goto odd;
    n /= 2;
    goto top;
odd:
    n = 3 * n + 1;
    state_count++;
    goto top;
done:
    printf("collatz(27): %ld steps, %d odd\n", steps, state_count);

    /* goto out of nested loops */
    int i, j, k;
    for (i = 0; i < 10; i++)
        for (j = 0; j < 10; j++)
            for (k = 0; k < 10; k++)
                if (i * 100 + j * 10 + k == 487)
                    goto out;
out:
    printf("escaped at %d %d %d\n", i, j, k);

    /* do-while and while with complex conditions */
    unsigned x = 0x12345678, count = 0;
    do {
        x = (x >> 1) ^ (-(x & 1) & 0xedb88320u);
        count++;
    } while ((x & 0xff) != 0x42 && count < 100000);
    printf("lfsr count=%u x=%08x\n", count, x);
    unsigned long long acc = 1;
    int w = 0;
    while (w < 64 && (acc < (1ULL << 60) || w % 3 != 0)) {
        acc = acc * 3 / 2 + (unsigned)w;
        w++;
    }
    printf("while: w=%d acc=%llu\n", w, acc);

    /* computed goto */
    static void *labels[] = { &&l0, &&l1, &&l2, &&l3 };
    int prog[] = { 1, 2, 1, 3, 0, 2, 2, 3 }, pc = 0, accum = 0;
    goto *labels[prog[pc]];
l0: accum += 1; if (++pc < 8) goto *labels[prog[pc]]; goto fin;
l1: accum *= 3; if (++pc < 8) goto *labels[prog[pc]]; goto fin;
l2: accum -= 2; if (++pc < 8) goto *labels[prog[pc]]; goto fin;
l3: accum ^= 0x55; if (++pc < 8) goto *labels[prog[pc]]; goto fin;
fin:
    printf("computed goto accum=%d\n", accum);
    return 0;
}
