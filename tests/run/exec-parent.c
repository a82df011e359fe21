/* `aot-translate run` phase (scripts/aottest.py phase_run): an AArch64 program that execs another
 * AArch64 program which has no translation. Argument: the path to exec. In the translated and
 * JIT-only runs it is exec-child itself (whose translation does not exist, so the runtime runs it
 * JIT-only); in the qemu oracle run it is a shell wrapper that runs exec-child under qemu (qemu
 * cannot exec an AArch64 file without binfmt_misc). Neither program prints the path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: exec-parent CHILD\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    char *cargv[] = {"child-argv0", "alpha", "beta gamma", NULL};
    char *cenv[] = {"CHILD_VAR=from parent", "PATH=/usr/bin:/bin", NULL};
    char *keep = getenv("AOT_XLAT_CACHE");
    char cache[4096];
    if (keep) { /* the harness's (empty) executable cache, so the child has no translation */
        snprintf(cache, sizeof cache, "AOT_XLAT_CACHE=%s", keep);
        cenv[1] = cache;
    }
    for (int round = 0; round < 2; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            execve(argv[1], cargv, cenv);
            perror("execve");
            _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("round %d: child %s %d\n", round, WIFEXITED(st) ? "exit" : "signal",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    /* and replace this process by it: the child's status becomes ours */
    execve(argv[1], cargv, cenv);
    perror("execve");
    return 126;
}
