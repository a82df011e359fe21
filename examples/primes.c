/* Second demo: sieve of Eratosthenes, a checksum and some floating point. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { N = 2000000 };
    unsigned char *composite = calloc(N + 1, 1);
    if (!composite)
        return 1;
    for (long i = 2; i * i <= N; i++)
        if (!composite[i])
            for (long j = i * i; j <= N; j += i)
                composite[j] = 1;
    long count = 0, last = 0;
    unsigned long sum = 0;
    for (long i = 2; i <= N; i++)
        if (!composite[i]) {
            count++;
            last = i;
            sum = sum * 31 + (unsigned long)i;
        }
    printf("primes below %d: %ld (largest %ld, hash %016lx)\n", N, count, last, sum);
    printf("pi(N) / (N / ln N) = %.6f\n", count / (N / log((double)N)));
    free(composite);
    return 0;
}
