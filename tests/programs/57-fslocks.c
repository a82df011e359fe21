/* File locks and file-descriptor features: fcntl F_SETLK/F_SETLKW/F_GETLK (struct flock) between
 * a parent and a forked child, open file description locks (F_OFD_SETLK/F_OFD_GETLK, l_pid -1),
 * flock, F_DUPFD/F_DUPFD_CLOEXEC, F_SETPIPE_SZ/F_GETPIPE_SZ, F_SETOWN/F_GETOWN, F_NOTIFY-free
 * inotify basics (IN_NONBLOCK|IN_CLOEXEC, create/modify/move/delete events with names), eventfd,
 * timerfd and signalfd creation flags (O_NONBLOCK/O_CLOEXEC values), dup3, close_range. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if ((long)(x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static const char *ltype(int t) { return t == F_RDLCK ? "RDLCK" : t == F_WRLCK ? "WRLCK" : t == F_UNLCK ? "UNLCK" : "?"; }

static void posix_locks(void)
{
    int fd;
    CHECK(fd = open("lockfile", O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK(ftruncate(fd, 1000));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50};
    CHECK(fcntl(fd, F_SETLK, &fl));
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 300, .l_len = 10};
    CHECK(fcntl(fd, F_SETLK, &fl));
    int sync[2], back[2];
    CHECK(pipe(sync));
    CHECK(pipe(back));
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        int cfd = open("lockfile", O_RDWR);
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        CHECK(fcntl(cfd, F_GETLK, &q));
        printf("child F_GETLK whole file: %s start %ld len %ld pid is parent %d\n", ltype(q.l_type), (long)q.l_start,
               (long)q.l_len, q.l_pid == parent);
        q = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 300, .l_len = 10};
        CHECK(fcntl(cfd, F_GETLK, &q));
        printf("child F_GETLK read over read lock: %s\n", ltype(q.l_type));
        q = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 120, .l_len = 1};
        printf("child F_SETLK conflicting: %s\n", err(fcntl(cfd, F_SETLK, &q)));
        q.l_start = 200;
        printf("child F_SETLK free range: %s\n", err(fcntl(cfd, F_SETLK, &q)));
        /* blocks until the parent unlocks */
        CHECK(write(back[1], "r", 1));
        q = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50};
        int r = fcntl(cfd, F_SETLKW, &q);
        printf("child F_SETLKW after parent unlock: %s\n", err(r));
        CHECK(write(back[1], "k", 1)); /* printed and locked */
        char c;
        CHECK(read(sync[0], &c, 1));
        _exit(0);
    }
    char c;
    CHECK(read(back[0], &c, 1));
    usleep(100000);
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50};
    CHECK(fcntl(fd, F_SETLK, &fl));
    /* wait until the child holds it */
    CHECK(read(back[0], &c, 1));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1};
    CHECK(fcntl(fd, F_GETLK, &q));
    printf("parent sees child's lock: %s pid is child %d start %ld len %ld\n", ltype(q.l_type), q.l_pid == pid,
           (long)q.l_start, (long)q.l_len);
    CHECK(write(sync[1], "x", 1));
    int st;
    CHECK(waitpid(pid, &st, 0));
    printf("child exit %d\n", WEXITSTATUS(st));

    /* OFD locks: owned by the open file description, conflict within one process */
    int a, b;
    CHECK(a = open("lockfile", O_RDWR));
    CHECK(b = open("lockfile", O_RDWR));
    struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK(fcntl(a, F_OFD_SETLK, &o));
    o = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
    printf("OFD second description: %s\n", err(fcntl(b, F_OFD_SETLK, &o)));
    o = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    CHECK(fcntl(b, F_OFD_GETLK, &o));
    printf("OFD_GETLK: %s start %ld len %ld pid %d\n", ltype(o.l_type), (long)o.l_start, (long)o.l_len, o.l_pid);
    o = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1, .l_pid = 123};
    printf("OFD with nonzero l_pid: %s\n", err(fcntl(b, F_OFD_SETLK, &o)));
    close(a);
    o = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
    printf("OFD after close of holder: %s\n", err(fcntl(b, F_OFD_SETLKW, &o)));
    close(b);

    /* flock */
    CHECK(a = open("lockfile", O_RDONLY));
    CHECK(b = open("lockfile", O_RDONLY));
    CHECK(flock(a, LOCK_EX));
    printf("flock second EX NB: %s\n", err(flock(b, LOCK_EX | LOCK_NB)));
    printf("flock second SH NB: %s\n", err(flock(b, LOCK_SH | LOCK_NB)));
    CHECK(flock(a, LOCK_SH));
    printf("flock SH/SH: %s\n", err(flock(b, LOCK_SH | LOCK_NB)));
    CHECK(flock(a, LOCK_UN));
    CHECK(flock(b, LOCK_UN));
    printf("flock EX after unlock: %s\n", err(flock(b, LOCK_EX | LOCK_NB)));
    close(a);
    close(b);
    close(fd);
}

static void fcntl_misc(void)
{
    int p[2];
    CHECK(pipe(p));
    int d = fcntl(p[0], F_DUPFD, 50);
    printf("F_DUPFD >=50: %d cloexec %d\n", d, fcntl(d, F_GETFD));
    int d2 = fcntl(p[0], F_DUPFD_CLOEXEC, 60);
    printf("F_DUPFD_CLOEXEC >=60: %d cloexec %d\n", d2, fcntl(d2, F_GETFD));
    CHECK(fcntl(d2, F_SETFD, 0));
    printf("F_SETFD 0: %d\n", fcntl(d2, F_GETFD));
    int d3 = dup3(p[0], 70, O_CLOEXEC);
    printf("dup3 O_CLOEXEC: %d cloexec %d\n", d3, fcntl(d3, F_GETFD));
    printf("dup3 same fd: %s\n", err(dup3(70, 70, 0)));
    printf("F_GETPIPE_SZ %d\n", fcntl(p[1], F_GETPIPE_SZ));
    printf("F_SETPIPE_SZ 100000 -> %d, now %d\n", fcntl(p[1], F_SETPIPE_SZ, 100000), fcntl(p[1], F_GETPIPE_SZ));
    CHECK(fcntl(p[0], F_SETOWN, getpid()));
    printf("F_GETOWN is self %d\n", fcntl(p[0], F_GETOWN) == getpid());
    struct f_owner_ex ow;
    CHECK(fcntl(p[0], F_GETOWN_EX, &ow));
    printf("F_GETOWN_EX type %d self %d\n", ow.type, ow.pid == getpid());
    printf("F_GETSIG %d\n", fcntl(p[0], F_GETSIG));
    printf("bad fd: %s, bad cmd: %s\n", err(fcntl(999, F_GETFD)), err(fcntl(p[0], 12345)));
    int fl = fcntl(p[1], F_GETFL);
    printf("pipe F_GETFL 0x%x\n", fl);
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK));
    printf("pipe F_GETFL nonblock 0x%x\n", fcntl(p[1], F_GETFL));
    /* close_range: closes 50..70, p[] stays */
    printf("close_range: %s\n", err(syscall(SYS_close_range, 50, 70, 0)));
    printf("after close_range: 50 %s 60 %s 70 %s pipe %s\n", err(fcntl(d, F_GETFD)), err(fcntl(d2, F_GETFD)),
           err(fcntl(d3, F_GETFD)), err(fcntl(p[0], F_GETFD)));
    close(p[0]);
    close(p[1]);
}

static void inotify_test(void)
{
    CHECK(mkdir("watched", 0755));
    int in;
    CHECK(in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    printf("inotify flags: nonblock %d cloexec %d\n", !!(fcntl(in, F_GETFL) & O_NONBLOCK), fcntl(in, F_GETFD));
    int wd;
    CHECK(wd = inotify_add_watch(in, "watched", IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE));
    char buf[4096] __attribute__((aligned(8)));
    int n = read(in, buf, sizeof buf);
    printf("empty read: %d %s\n", n, err(n));
    int fd;
    CHECK(fd = open("watched/f1", O_WRONLY | O_CREAT, 0644));
    CHECK(write(fd, "x", 1));
    close(fd);
    CHECK(rename("watched/f1", "watched/f2"));
    CHECK(mkdir("watched/sub", 0755));
    CHECK(unlink("watched/f2"));
    n = read(in, buf, sizeof buf);
    uint32_t cookie = 0;
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)p;
        printf("event wd ok %d mask 0x%x len>0 %d name '%s' cookie %s\n", e->wd == wd, e->mask, e->len > 0, e->len ? e->name : "",
               e->cookie == 0 ? "0" : cookie == 0 ? (cookie = e->cookie, "set") : e->cookie == cookie ? "same" : "other");
        p += sizeof *e + e->len;
    }
    printf("rm_watch: %s\n", err(inotify_rm_watch(in, wd)));
    n = read(in, buf, sizeof buf);
    if (n > 0) {
        struct inotify_event *e = (struct inotify_event *)buf;
        printf("after rm_watch: mask 0x%x\n", e->mask);
    }
    printf("rm_watch again: %s\n", err(inotify_rm_watch(in, wd)));
    close(in);
}

static void anon_fds(void)
{
    int e;
    CHECK(e = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC | EFD_SEMAPHORE));
    printf("eventfd: F_GETFL 0x%x cloexec %d\n", fcntl(e, F_GETFL), fcntl(e, F_GETFD));
    uint64_t v;
    CHECK(read(e, &v, 8));
    printf("semaphore read %llu\n", (unsigned long long)v);
    v = 10;
    CHECK(write(e, &v, 8));
    int cnt = 0;
    while (read(e, &v, 8) == 8)
        cnt++;
    printf("reads until EAGAIN: %d (%s)\n", cnt, strerrorname_np(errno));
    close(e);
    int t;
    CHECK(t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    printf("timerfd: F_GETFL 0x%x cloexec %d\n", fcntl(t, F_GETFL), fcntl(t, F_GETFD));
    struct itimerspec its = {{0, 0}, {0, 20000000}}, cur;
    CHECK(timerfd_settime(t, 0, &its, NULL));
    CHECK(timerfd_gettime(t, &cur));
    printf("timerfd armed %d\n", cur.it_value.tv_sec != 0 || cur.it_value.tv_nsec != 0);
    usleep(60000);
    CHECK(read(t, &v, 8));
    printf("timerfd expirations %llu\n", (unsigned long long)v);
    close(t);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &m, NULL));
    int s;
    CHECK(s = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC));
    printf("signalfd: F_GETFL 0x%x cloexec %d\n", fcntl(s, F_GETFL), fcntl(s, F_GETFD));
    struct signalfd_siginfo si;
    printf("signalfd empty: %s, short buffer: %s\n", err(read(s, &si, sizeof si)), err(read(s, &v, 8)));
    close(s);
}

/* Start from an empty scratch directory even when a previous run left files behind. */
static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}
static void fresh_dir(const char *d)
{
    nftw(d, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(d, 0755) < 0 || chdir(d) < 0) {
        printf("cannot make %s: %s\n", d, strerror(errno));
        exit(1);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    fresh_dir("fslocks.tmp");
    posix_locks();
    fcntl_misc();
    inotify_test();
    anon_fds();
    printf("done\n");
    return 0;
}
