/* The smallest demo: a static AArch64 hello world. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello, world from a translated AArch64 program (argc=%d)\n", argc);
    return 0;
}
