/* AOT_STRACE=1 and the reports of unsupported syscalls and ioctls. The program re-runs itself
 * through /proc/self/exe with its stderr in a pipe, once with AOT_STRACE=1 and once without, and
 * checks the lines; a .expect file holds the result (qemu knows nothing of AOT_STRACE). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char *run_child(int trace) {
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        char *argv[] = {"strace-child", "child", NULL};
        char *env[] = {trace ? "AOT_STRACE=1" : "AOT_STRACE=0", NULL};
        execve("/proc/self/exe", argv, env);
        _exit(127);
    }
    close(p[1]);
    static char buf[2][1 << 16];
    char *b = buf[trace];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], b + n, sizeof buf[0] - 1 - n)) > 0)
        n += r;
    b[n] = 0;
    int st;
    waitpid(pid, &st, 0);
    printf("child (AOT_STRACE=%d) exit %d\n", trace, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return b;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        open("/nonexistent/strace-probe", O_RDONLY | O_CLOEXEC);
        mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < 2; i++) {
            syscall(117, 0, 0, 0, 0); /* ptrace: ENOSYS */
            syscall(1000, 0);          /* no such syscall */
            ioctl(0, 0xc0de4201ul, 0); /* an unknown ioctl */
        }
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    char *t = run_child(1);
    printf("openat line: %d\n",
           count(t, " openat(AT_FDCWD,\"/nonexistent/strace-probe\",O_RDONLY|O_CLOEXEC,00) = -1 errno=2 (No such file or directory)\n"));
    printf("mmap line: %d\n", count(t, " mmap(0x0,0x2000,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0x0) = 0x"));
    printf("exit_group line: %d\n", count(t, " exit_group(0) = ?\n"));
    printf("ptrace traced twice: %d, reported once: %d\n", count(t, " ptrace(") == 2, count(t, "unsupported syscall 117 (ptrace)"));
    char *q = run_child(0);
    printf("without AOT_STRACE: syscall 117 reported %d, syscall 1000 reported %d, ioctl reported %d (%s), lines %d\n",
           count(q, "aot-runtime: unsupported syscall 117 (ptrace): -ENOSYS\n"),
           count(q, "aot-runtime: unsupported syscall 1000 (unknown): -ENOSYS\n"),
           count(q, "aot-runtime: unsupported ioctl 0xc0de4201 (_IOWR('B', 0x1, 222)): -ENOTTY\n"),
           count(q, "_IOWR('B', 0x1, 222)") ? "named" : "unnamed", count(q, "\n"));
    return 0;
}
