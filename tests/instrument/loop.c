/* Guest for the --instrument test (scripts/aottest.py phase cli): the loop body of main is
 * one block that runs exactly argv[1] times; the harness checks that the block counters say so. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000, s = 0;
    for (long i = 0; i < n; i++)
        s += i * i % 7;
    printf("%ld\n", s);
    return 0;
}
