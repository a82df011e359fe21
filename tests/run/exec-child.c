/* Exec'd by exec-parent.c (see there): prints what it was given and computes a little. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    char exe[4096] = {0};
    readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    printf("child: argc %d", argc);
    for (int i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf(" CHILD_VAR=%s exe %s\n", getenv("CHILD_VAR") ? getenv("CHILD_VAR") : "-", base);
    char *words[] = {"pear", "apple", "fig", "banana", "cherry"};
    qsort(words, 5, sizeof *words, cmp);
    double s = 0;
    for (int i = 1; i <= 1000; i++)
        s += 1.0 / ((double)i * i);
    printf("sorted %s %s %s %s %s, sum %.12f\n", words[0], words[1], words[2], words[3], words[4], s);
    fflush(stdout);
    return 7;
}
