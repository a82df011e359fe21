/* A NULL dereference: the process dies by SIGSEGV (exit status 139 as the shell sees it). */
#include <stdio.h>

static int *volatile null_ptr;

int main(void)
{
    printf("dereferencing NULL\n");
    fflush(stdout);
    return *null_ptr;
}
