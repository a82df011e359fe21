/* abort(): the process dies by SIGABRT (exit status 134 as the shell sees it). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("about to abort\n");
    fflush(stdout);
    fprintf(stderr, "abort now\n");
    abort();
}
