/* exit(3) from a nested call, with an atexit handler and buffered stdout that must be flushed. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler ran\n"); }
static void __attribute__((noinline)) leave(int code)
{
    printf("leaving with %d (buffered)", code);
    exit(code);
}

int main(void)
{
    atexit(bye);
    leave(3);
    return 0;
}
