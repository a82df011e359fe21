/* Processes: fork, vfork, pipes, wait4/waitid, exit statuses and deaths by signal seen by the
 * parent, exec of native x86-64 tools (/bin/echo, /bin/sh -c, system, popen: the kernel runs
 * them; qemu does the same), an exec that fails, MAP_SHARED anonymous memory shared across fork
 * (and MAP_PRIVATE not shared). Differential against qemu-aarch64. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d (%s)\n", what, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        printf("%s: status 0x%x\n", what, status);
}

static int waitfor(pid_t pid) {
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    if (r != pid)
        printf("waitpid returned %d errno %d\n", (int)r, errno);
    return st;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* pipe from child to parent, exit status */
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        const char msg[] = "hello through the pipe";
        write(p[1], msg, sizeof msg);
        _exit(3);
    }
    close(p[1]);
    char buf[64] = {0};
    ssize_t n = read(p[0], buf, sizeof buf);
    close(p[0]);
    printf("parent read %zd: %s\n", n, buf);
    show("fork child", waitfor(pid));

    /* deaths by signal */
    int sigs[] = {SIGKILL, SIGTERM, SIGUSR1, SIGINT};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid = fork();
        if (pid == 0) {
            raise(sigs[i]);
            _exit(99);
        }
        show("raise child", waitfor(pid));
    }
    /* killed by the parent while blocked */
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(98);
    }
    kill(pid, SIGHUP);
    show("killed child", waitfor(pid));

    /* wait4 with rusage, waitid with siginfo */
    pid = fork();
    if (pid == 0)
        exit(17);
    struct rusage ru;
    int st;
    pid_t r = wait4(pid, &st, 0, &ru);
    printf("wait4 same pid %d, utime sane %d\n", r == pid, ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec < 1000000);
    show("wait4 child", st);
    pid = fork();
    if (pid == 0)
        _exit(21);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int w = waitid(P_PID, pid, &si, WEXITED);
    printf("waitid %d: signo %d code %d (CLD_EXITED %d) status %d pid ok %d\n", w, si.si_signo, si.si_code, CLD_EXITED,
           si.si_status, si.si_pid == pid);
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(1);
    }
    kill(pid, SIGTERM);
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WEXITED);
    printf("waitid killed: code %d (CLD_KILLED %d) status %d\n", si.si_code, CLD_KILLED, si.si_status);
    printf("no more children: %d errno ECHILD %d\n", (int)wait(NULL), errno == ECHILD);

    /* vfork */
    pid = vfork();
    if (pid == 0)
        _exit(5);
    show("vfork child", waitfor(pid));

    /* exec of native programs */
    pid = fork();
    if (pid == 0) {
        execl("/bin/echo", "echo", "hello from /bin/echo", (char *)NULL);
        _exit(127);
    }
    show("echo", waitfor(pid));
    pid = fork();
    if (pid == 0) {
        char *env[] = {"GREETING=from the environment", NULL};
        execle("/bin/sh", "sh", "-c", "echo \"sh: $0 $1 $GREETING\"; exit 7", "zero", "one", (char *)NULL, env);
        _exit(127);
    }
    show("sh -c", waitfor(pid));
    pid = fork();
    if (pid == 0) {
        execlp("true", "true", (char *)NULL); /* PATH search */
        _exit(127);
    }
    show("execlp true", waitfor(pid));
    pid = fork();
    if (pid == 0) {
        execl("/nonexistent/program", "x", (char *)NULL);
        _exit(errno == ENOENT ? 40 : 41);
    }
    show("exec of a missing file", waitfor(pid));
    show("system", system("echo from system; exit 4"));
    FILE *f = popen("echo popen line; echo second", "r");
    char line[80];
    while (f && fgets(line, sizeof line, f))
        printf("popen read: %s", line);
    show("pclose", f ? pclose(f) : -1);
    /* sh killed by a signal */
    show("system kill", system("kill -TERM $$"));

    /* MAP_SHARED anonymous memory is shared with the child, MAP_PRIVATE is not */
    volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sh[0] = 1;
    pr[0] = 1;
    pid = fork();
    if (pid == 0) {
        sh[0] = 42;
        pr[0] = 42;
        for (int i = 1; i < 1000; i++)
            sh[i] = i * 3;
        _exit(0);
    }
    waitfor(pid);
    long sum = 0;
    for (int i = 1; i < 1000; i++)
        sum += sh[i];
    printf("shared %d (sum %ld), private %d\n", sh[0], sum, pr[0]);
    /* and the other way: parent writes, child sees */
    pid = fork();
    if (pid == 0) {
        while (sh[0] != 7)
            usleep(1000);
        _exit(sh[1] == 3 ? 0 : 1);
    }
    sh[0] = 7;
    show("child saw the parent's store", waitfor(pid));
    fflush(stdout);
    return 0;
}
