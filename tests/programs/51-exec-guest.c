/* execve of AArch64 programs, which qemu-aarch64 7.2 cannot do without binfmt_misc (it hands the
 * guest file to the host kernel: ENOEXEC), so this test has a .expect file with what an arm64 Linux
 * machine prints (plus our documented AOT_EXEC_JIT=0 behaviour). The harness translates the
 * program first, which puts the translation in the executable cache where the runtime finds it by
 * the file's SHA-256. Checked here:
 * - exec of the guest file by path (argv[0] as given, a new environment without the runtime's
 *   AOT_GUEST_EXE, /proc/self/exe naming the guest file and opening to its bytes);
 * - fexecve (execveat with AT_EMPTY_PATH) and exec of /proc/self/exe (re-runs the same program);
 * - a #! script whose interpreter is this AArch64 program (Linux's argv: interpreter, the optional
 *   argument, the script path, the remaining arguments);
 * - an AArch64 program without a translation: it runs JIT-only (our own executable in run mode),
 *   with its own /proc/self/exe; with AOT_EXEC_JIT=0: -ENOEXEC and one line on stderr naming the
 *   file;
 * - set_robust_list with Linux semantics (qemu returns ENOSYS): a robust mutex whose owner thread
 *   exits is handed to the next locker with EOWNERDEAD;
 * - /proc/cpuinfo lists exactly the AT_HWCAP features, uname says aarch64.
 * Arguments: the guest program's path, a scratch directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap);
    size_t r;
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

/* What a child run reports about itself. */
static int child(int argc, char **argv, const char *mode) {
    char exe[PATH_MAX] = {0};
    readlink("/proc/self/exe", exe, sizeof exe - 1);
    /* /proc/self/exe re-runs keep the parent's /proc/self/exe */
    const char *want = getenv(strcmp(mode, "child-self") == 0 ? "WANT_SELF" : "WANT_EXE");
    size_t a, b;
    char *img = slurp("/proc/self/exe", &a), *file = getenv("WANT_EXE") ? slurp(getenv("WANT_EXE"), &b) : NULL;
    printf("%s: argc %d argv0 %s", mode, argc, strchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
    for (int i = 1; i < argc; i++) {
        const char *s = strrchr(argv[i], '/');
        printf(" [%s]", s ? s + 1 : argv[i]);
    }
    printf(" exe-ok %d image-ok %d env %s runtime-var %s\n", want && strcmp(exe, want) == 0,
           img && file && a == b && memcmp(img, file, a) == 0, getenv("CHILD_VAR") ? getenv("CHILD_VAR") : "-",
           getenv("AOT_GUEST_EXE") || getenv("AOT_RUN_GUEST") ? "visible" : "hidden");
    return 0;
}

static int run(const char *what, char *const argv[], char *const envp[], int (*how)(char *const[], char *const[])) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        how(argv, envp);
        printf("%s: exec failed: %s\n", what, strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%s: exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return st;
}

static const char *g_prog;
static int by_path(char *const argv[], char *const envp[]) { return execve(g_prog, argv, envp); }
static int by_fd(char *const argv[], char *const envp[]) {
    int fd = open(g_prog, O_RDONLY);
    return fexecve(fd, argv, envp);
}
static int by_self(char *const argv[], char *const envp[]) { return execve("/proc/self/exe", argv, envp); }
static const char *g_script;
static int by_script(char *const argv[], char *const envp[]) { return execve(g_script, argv, envp); }

static pthread_mutex_t robust;
static void *owner(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* dies holding it */
}

int main(int argc, char **argv) {
    if (argc >= 2 && strncmp(argv[1], "child", 5) == 0)
        return child(argc, argv, argv[1]);
    if (argc >= 3 && strcmp(argv[1], "from-script") == 0)
        return child(argc, argv, "script");
    if (argc < 3) {
        fprintf(stderr, "usage: %s GUEST WORKDIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    char prog[PATH_MAX];
    if (!realpath(argv[1], prog))
        return 3;
    g_prog = prog;
    const char *work = argv[2];
    char want[PATH_MAX + 16];
    snprintf(want, sizeof want, "WANT_EXE=%s", prog);
    char self[PATH_MAX] = {0}, want_self[PATH_MAX + 16];
    readlink("/proc/self/exe", self, sizeof self - 1);
    snprintf(want_self, sizeof want_self, "WANT_SELF=%s", self);
    const char *cache = getenv("AOT_XLAT_CACHE");
    char cache_var[PATH_MAX + 32];
    snprintf(cache_var, sizeof cache_var, "AOT_XLAT_CACHE=%s", cache ? cache : "");
    char *env[] = {want, want_self, "CHILD_VAR=kept", cache ? cache_var : NULL, NULL};

    char *a1[] = {"custom-argv0", "child-path", "x y", NULL};
    run("exec by path", a1, env, by_path);
    char *a2[] = {"fexecve-argv0", "child-fd", NULL};
    run("fexecve", a2, env, by_fd);
    char *a3[] = {"self", "child-self", NULL};
    run("exec /proc/self/exe", a3, env, by_self);

    /* a script run by this program */
    char script[PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/script.sh", work);
    FILE *f = fopen(script, "w");
    fprintf(f, "#! %s   from-script  \nthis line is not read\n", prog);
    fclose(f);
    chmod(script, 0755);
    g_script = script;
    char *a4[] = {"ignored-argv0", "s1", "s2", NULL};
    run("script", a4, env, by_script);

    /* no translation: a copy with one more byte has another hash */
    char copy[PATH_MAX + 32];
    snprintf(copy, sizeof copy, "%s/untranslated", work);
    size_t n;
    char *img = slurp(prog, &n);
    f = fopen(copy, "wb");
    fwrite(img, 1, n, f);
    fputc(0, f);
    fclose(f);
    chmod(copy, 0755);
    char want_copy[PATH_MAX + 48];
    snprintf(want_copy, sizeof want_copy, "WANT_EXE=%s", copy);
    char *env_jit[] = {want_copy, "CHILD_VAR=kept", cache ? cache_var : NULL, NULL};
    char *a6[] = {"untranslated-argv0", "child-jit", "z", NULL};
    g_prog = copy;
    run("untranslated (JIT)", a6, env_jit, by_path);
    g_prog = prog;
    /* the old behaviour on request */
    char *env_nojit[] = {want, "AOT_EXEC_JIT=0", cache ? cache_var : NULL, NULL};
    int p[2];
    pipe(p);
    int saved = dup(2);
    dup2(p[1], 2);
    char *a5[] = {"untranslated", NULL};
    int r = execve(copy, a5, env_nojit);
    int e = errno;
    dup2(saved, 2);
    close(p[1]);
    char msg[4096] = {0};
    read(p[0], msg, sizeof msg - 1);
    printf("untranslated, AOT_EXEC_JIT=0: %d %s, message names the file %d, says how to translate %d, one line %d\n", r,
           e == ENOEXEC ? "ENOEXEC" : strerror(e), strstr(msg, copy) != NULL, strstr(msg, "aot-translate ") != NULL,
           strchr(msg, '\n') == msg + strlen(msg) - 1);
    /* not executable: EACCES as for any file */
    chmod(copy, 0644);
    r = execve(copy, a5, env_nojit);
    printf("not executable: %d %s\n", r, errno == EACCES ? "EACCES" : strerror(errno));

    /* robust mutex: the kernel walks the robust list of a dying thread */
    struct { void *next; long off; void *pending; } head;
    size_t len = 0;
    void *got = NULL;
    long rs = syscall(SYS_get_robust_list, 0, &got, &len);
    printf("get_robust_list %ld, registered by glibc %d, len %zu\n", rs, got != NULL, len);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &ma);
    pthread_t t;
    pthread_create(&t, NULL, owner, NULL);
    pthread_join(t, NULL);
    r = pthread_mutex_lock(&robust);
    printf("robust lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    if (r == EOWNERDEAD)
        printf("consistent %d unlock %d\n", pthread_mutex_consistent(&robust), pthread_mutex_unlock(&robust));
    (void)head;

    /* identity */
    struct utsname u;
    uname(&u);
    printf("uname machine %s\n", u.machine);
    char *ci = slurp("/proc/cpuinfo", &n);
    int implementer = ci && strstr(ci, "CPU implementer\t: ") != NULL;
    char *feat = ci ? strstr(ci, "Features\t: ") : NULL;
    if (feat) {
        feat += 11;
        *strchr(feat, '\n') = 0;
    }
    unsigned long hw = getauxval(AT_HWCAP);
    static const char *names[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics"};
    char expect[256] = "";
    for (int i = 0; i < 9; i++)
        if (hw & (1ul << i)) {
            if (expect[0])
                strcat(expect, " ");
            strcat(expect, names[i]);
        }
    printf("cpuinfo features match AT_HWCAP: %d (%s)\n", feat && strcmp(feat, expect) == 0, feat ? feat : "none");
    printf("cpuinfo has processor 0: %d, implementer line %d\n", ci && strncmp(ci, "processor\t: 0\n", 14) == 0,
           implementer);
    return 0;
}
