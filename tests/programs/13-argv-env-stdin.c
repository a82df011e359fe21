/* argv, selected environment variables (never the whole environ: qemu reverses its order), and
 * stdin transformed to stdout (rot13, upper case, line and word counts). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc]=%p\n", (void *)argv[argc]);
    static const char *names[] = { "AOT_TEST_VAR1", "AOT_TEST_VAR2", "LC_ALL", "NOT_SET_ANYWHERE" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("%s=%s\n", names[i], v ? v : "(unset)");
    }
    int has_var1 = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "AOT_TEST_VAR1=", 14) == 0)
            has_var1++;
    printf("AOT_TEST_VAR1 in environ: %d time(s)\n", has_var1);
    setenv("AOT_NEW", "set-by-program", 1);
    printf("after setenv: %s\n", getenv("AOT_NEW"));

    char line[1024];
    long lines = 0, words = 0, chars = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        int inword = 0;
        for (char *p = line; *p; p++) {
            chars++;
            if (isspace((unsigned char)*p))
                inword = 0;
            else if (!inword) {
                inword = 1;
                words++;
            }
            if (isalpha((unsigned char)*p)) {
                char base = islower((unsigned char)*p) ? 'a' : 'A';
                *p = (char)(base + (*p - base + 13) % 26);
            }
        }
        printf("%3ld: %s", lines, line);
    }
    printf("lines=%ld words=%ld chars=%ld\n", lines, words, chars);
    fprintf(stderr, "stderr: done with %ld lines\n", lines);
    return 0;
}
