/* Recursion: ackermann, fibonacci, mutual recursion, tree building. */
#include <stdio.h>

static unsigned long ack(unsigned long m, unsigned long n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static unsigned long fib(int n) { return n < 2 ? (unsigned long)n : fib(n - 1) + fib(n - 2); }

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static long hanoi_moves;
static void hanoi(int n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    hanoi_moves += from * 3 + to;
    hanoi(n - 1, via, to, from);
}

static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2)
{
    if (row == n)
        return 1;
    int count = 0;
    for (int c = 0; c < n; c++) {
        if ((cols >> c) & 1 || (d1 >> (row + c)) & 1 || (d2 >> (row - c + n)) & 1)
            continue;
        count += queens(n, row + 1, cols | 1u << c, d1 | 1u << (row + c), d2 | 1u << (row - c + n));
    }
    return count;
}

static long deep(long n) { return n == 0 ? 0 : 1 + deep(n - 1) * 1; }

int main(void)
{
    for (unsigned long m = 0; m <= 3; m++)
        for (unsigned long n = 0; n <= 4; n++)
            printf("ack(%lu,%lu)=%lu%c", m, n, ack(m, n), n == 4 ? '\n' : ' ');
    printf("fib(27)=%lu\n", fib(27));
    printf("is_even(10001)=%d is_odd(7777)=%d\n", is_even(10001), is_odd(7777));
    hanoi(16, 1, 3, 2);
    printf("hanoi(16) checksum %ld\n", hanoi_moves);
    for (int n = 1; n <= 9; n++)
        printf("queens(%d)=%d\n", n, queens(n, 0, 0, 0, 0));
    printf("deep(100000)=%ld\n", deep(100000));
    return 0;
}
