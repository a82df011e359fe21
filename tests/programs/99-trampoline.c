/* A GCC nested function whose address escapes: GCC builds a trampoline on the stack (code
 * written at run time, which no AOT translation can cover), so calls through the pointer run
 * JIT-compiled code (docs/jit.md). */
#include <stdio.h>

static int apply(int (*f)(int), int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += f(i);
    return s;
}

int main(void) {
    int scale = 3, calls = 0;
    int nested(int x) {
        calls++;
        return x * scale;
    }
    int total = 0;
    for (int round = 1; round <= 4; round++) {
        scale = round;
        total += apply(nested, 10);
    }
    printf("total %d calls %d\n", total, calls);
    return 0;
}
