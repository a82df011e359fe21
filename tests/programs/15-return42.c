/* return 42 from main; stderr output unbuffered before stdout. */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "to stderr\n");
    printf("returning 42\n");
    return 42;
}
