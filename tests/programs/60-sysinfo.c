/* Process resources and system information: getrlimit/setrlimit/prlimit of RLIMIT_NOFILE (the
 * new soft limit is enforced: dup2 above it fails), RLIMIT_CORE and RLIMIT_CPU round trips,
 * RLIM_INFINITY, prlimit's old value, EINVAL for soft > hard; getrandom (lengths and flags, not
 * the bytes); uname (machine "aarch64", fields NUL-terminated); sysinfo (sane, not printed);
 * getrusage of self and children (after a child burns CPU). Limits that qemu 7.2 refuses to set
 * (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK) are in 61-rlimit-as. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if ((long)(x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static void limits(void)
{
    printf("RLIM_INFINITY 0x%llx sizeof(rlim_t) %zu\n", (unsigned long long)RLIM_INFINITY, sizeof(rlim_t));
    struct rlimit r, orig;
    CHECK(getrlimit(RLIMIT_NOFILE, &orig));
    printf("NOFILE soft <= hard %d, soft >= 64 %d\n", orig.rlim_cur <= orig.rlim_max, orig.rlim_cur >= 64);
    r.rlim_cur = 64;
    r.rlim_max = orig.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &r));
    CHECK(getrlimit(RLIMIT_NOFILE, &r));
    printf("NOFILE soft now %llu\n", (unsigned long long)r.rlim_cur);
    printf("dup2 to 63: %s, to 64: %s, F_DUPFD from 64: %s\n", err(dup2(0, 63)), err(dup2(0, 64)), err(fcntl(0, F_DUPFD, 64)));
    close(63);
    struct rlimit bad = {100, 50};
    printf("soft > hard: %s\n", err(setrlimit(RLIMIT_NOFILE, &bad)));
    struct rlimit old;
    r.rlim_cur = 100;
    CHECK(prlimit(0, RLIMIT_NOFILE, &r, &old));
    printf("prlimit old soft %llu\n", (unsigned long long)old.rlim_cur);
    CHECK(prlimit(getpid(), RLIMIT_NOFILE, NULL, &old));
    printf("prlimit(getpid()) soft %llu\n", (unsigned long long)old.rlim_cur);
    CHECK(setrlimit(RLIMIT_NOFILE, &orig));
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        struct rlimit c = {32, orig.rlim_max};
        CHECK(setrlimit(RLIMIT_NOFILE, &c));
        _exit(dup2(0, 40) < 0 && errno == EBADF ? 3 : 4);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child's own limit enforced: exit %d\n", WEXITSTATUS(st));
    CHECK(getrlimit(RLIMIT_NOFILE, &r));
    printf("parent limit restored %d\n", r.rlim_cur == orig.rlim_cur);

    r.rlim_cur = 0;
    r.rlim_max = RLIM_INFINITY;
    CHECK(getrlimit(RLIMIT_CORE, &orig));
    struct rlimit core0 = {0, orig.rlim_max};
    CHECK(setrlimit(RLIMIT_CORE, &core0));
    CHECK(getrlimit(RLIMIT_CORE, &r));
    printf("CORE soft %llu hard unchanged %d\n", (unsigned long long)r.rlim_cur, r.rlim_max == orig.rlim_max);
    CHECK(getrlimit(RLIMIT_CPU, &r));
    printf("CPU infinite %d\n", r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY);
    struct rlimit cpu = {3600, RLIM_INFINITY};
    CHECK(setrlimit(RLIMIT_CPU, &cpu));
    CHECK(getrlimit(RLIMIT_CPU, &r));
    printf("CPU soft %llu hard infinite %d\n", (unsigned long long)r.rlim_cur, r.rlim_max == RLIM_INFINITY);
    CHECK(getrlimit(RLIMIT_FSIZE, &r));
    printf("FSIZE infinite %d\n", r.rlim_cur == RLIM_INFINITY);
    printf("bad resource: %s\n", err(getrlimit(99, &r)));
    printf("bad pointer: %s\n", err(getrlimit(RLIMIT_NOFILE, (struct rlimit *)8)));
}

static void random_and_uname(void)
{
    unsigned char buf[300];
    long n = getrandom(buf, sizeof buf, 0);
    int nonzero = 0;
    for (int i = 0; i < n; i++)
        nonzero |= buf[i];
    printf("getrandom %ld nonzero %d\n", n, nonzero != 0);
    unsigned char a[32], b[32];
    CHECK(getrandom(a, 32, GRND_NONBLOCK));
    CHECK(getrandom(b, 32, GRND_INSECURE));
    printf("two draws differ %d\n", memcmp(a, b, 32) != 0);
    printf("getrandom 0 bytes %ld, bad flags %s\n", (long)getrandom(a, 0, 0), err(getrandom(a, 1, 0x100)));
    printf("getrandom bad pointer %s\n", err(getrandom((void *)8, 16, 0)));

    struct utsname u;
    CHECK(uname(&u));
    printf("uname machine '%s' sysname '%s'\n", u.machine, u.sysname);
    printf("nodename nonempty %d release nonempty %d version nonempty %d\n", u.nodename[0] != 0, u.release[0] != 0,
           u.version[0] != 0);
    char host[256];
    CHECK(gethostname(host, sizeof host));
    printf("gethostname == nodename %d\n", strcmp(host, u.nodename) == 0);
}

static void info_and_usage(void)
{
    struct sysinfo si;
    CHECK(sysinfo(&si));
    printf("sysinfo: uptime>0 %d totalram>0 %d freeram<=totalram %d procs>0 %d mem_unit %u loads sane %d\n", si.uptime > 0,
           si.totalram > 0, si.freeram <= si.totalram, si.procs > 0, si.mem_unit, si.loads[0] < (1ul << 30));
    long pages = sysconf(_SC_PHYS_PAGES), nprocs = sysconf(_SC_NPROCESSORS_ONLN);
    printf("sysconf phys pages>0 %d nprocs>0 %d\n", pages > 0, nprocs > 0);

    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 200000000ul; i++)
            x += i;
        volatile char *p = mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < 32 << 20; i += 4096)
            p[i] = 1;
        _exit(0);
    }
    int st;
    struct rusage ru;
    CHECK(wait4(pid, &st, 0, &ru));
    printf("wait4 rusage: utime>0 %d maxrss>32MiB %d\n", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, ru.ru_maxrss > 32768);
    CHECK(getrusage(RUSAGE_CHILDREN, &ru));
    printf("RUSAGE_CHILDREN: utime>0 %d\n", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
    CHECK(getrusage(RUSAGE_SELF, &ru));
    printf("RUSAGE_SELF: maxrss>0 %d\n", ru.ru_maxrss > 0);
    CHECK(getrusage(RUSAGE_THREAD, &ru));
    printf("RUSAGE_THREAD ok, bad who: %s\n", err(getrusage(5, &ru)));
    struct rlimit r;
    (void)r;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    limits();
    random_and_uname();
    info_and_usage();
    printf("done\n");
    return 0;
}
