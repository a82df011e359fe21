/* Filesystem operations in the run's working directory: mkdir/rename/renameat2, symlink/readlink,
 * link counts, getdents64 over 1,000 entries (names sorted before printing: directory order
 * depends on the filesystem), opendir/readdir (O_DIRECTORY conversion), utimensat/futimens with
 * exact timestamps read back by stat, O_TMPFILE + linkat, stat/lstat/fstat/statx of /dev/null and
 * of a regular file, truncate/ftruncate, fchmod/fchmodat, access/faccessat, O_NOFOLLOW and
 * O_DIRECTORY errors, readv/writev/pread/pwrite/preadv2, sendfile/copy_file_range/splice, memfd,
 * mknod of a FIFO. No inode numbers, times of "now" or pids are printed.
 * F_GETFL values are printed without O_LARGEFILE (aarch64 0x20000): Linux sets it on every open of
 * a 64-bit process and reports it, while qemu 7.2 drops it (its host O_LARGEFILE is 0); the
 * translated program reports it like Linux. */
#define GUEST_O_LARGEFILE 0x20000
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(x) do { if ((long)(x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static void put(const char *path, const char *s)
{
    int fd;
    CHECK(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    CHECK(write(fd, s, strlen(s)));
    close(fd);
}

static void basics(void)
{
    struct stat st;
    CHECK(mkdir("d1", 0755));
    printf("mkdir again: %s\n", err(mkdir("d1", 0755)));
    CHECK(stat("d1", &st));
    printf("d1: dir %d perm %o nlink %ld\n", S_ISDIR(st.st_mode), st.st_mode & 0777, (long)st.st_nlink);
    CHECK(mkdir("d1/sub", 0700));
    CHECK(stat("d1", &st));
    printf("d1 nlink after subdir %ld\n", (long)st.st_nlink);
    put("d1/a.txt", "alpha\n");
    CHECK(rename("d1/a.txt", "d1/b.txt"));
    printf("old name after rename: %s\n", err(access("d1/a.txt", F_OK)));
    put("d1/c.txt", "gamma\n");
    printf("renameat2 NOREPLACE onto existing: %s\n",
           err(renameat2(AT_FDCWD, "d1/b.txt", AT_FDCWD, "d1/c.txt", RENAME_NOREPLACE)));
    CHECK(renameat2(AT_FDCWD, "d1/b.txt", AT_FDCWD, "d1/c.txt", RENAME_EXCHANGE));
    char buf[64] = {0};
    int fd;
    CHECK(fd = open("d1/c.txt", O_RDONLY));
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("after exchange c.txt: %.*s", n, buf);

    CHECK(symlink("b.txt", "d1/link"));
    CHECK(symlink("nowhere", "d1/dangling"));
    n = readlink("d1/link", buf, sizeof buf);
    printf("readlink %d '%.*s'\n", n, n, buf);
    n = readlinkat(AT_FDCWD, "d1/link", buf, 3);
    printf("readlink truncated %d '%.*s'\n", n, n, buf);
    printf("readlink of a file: %s\n", err(readlink("d1/b.txt", buf, sizeof buf)));
    CHECK(lstat("d1/link", &st));
    printf("lstat link: islnk %d size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    CHECK(stat("d1/link", &st));
    printf("stat link: isreg %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    printf("stat dangling: %s\n", err(stat("d1/dangling", &st)));
    printf("open O_NOFOLLOW on link: %s\n", err(open("d1/link", O_RDONLY | O_NOFOLLOW)));
    printf("open O_DIRECTORY on file: %s\n", err(open("d1/b.txt", O_RDONLY | O_DIRECTORY)));
    fd = open("d1/link", O_PATH | O_NOFOLLOW);
    printf("O_PATH|O_NOFOLLOW on link: %s\n", err(fd));
    if (fd >= 0) {
        CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH));
        printf("  fstatat(AT_EMPTY_PATH): islnk %d\n", S_ISLNK(st.st_mode));
        close(fd);
    }
    CHECK(link("d1/b.txt", "d1/hard"));
    CHECK(stat("d1/b.txt", &st));
    struct stat st2;
    CHECK(stat("d1/hard", &st2));
    printf("hard link: nlink %ld same inode %d\n", (long)st.st_nlink, st.st_ino == st2.st_ino);
    CHECK(unlink("d1/hard"));
    CHECK(stat("d1/b.txt", &st));
    printf("after unlink nlink %ld\n", (long)st.st_nlink);
    printf("rmdir non-empty: %s\n", err(rmdir("d1")));
    printf("unlinkat dir without AT_REMOVEDIR: %s\n", err(unlinkat(AT_FDCWD, "d1/sub", 0)));
    CHECK(unlinkat(AT_FDCWD, "d1/sub", AT_REMOVEDIR));
    CHECK(mkfifo("d1/fifo", 0600));
    CHECK(lstat("d1/fifo", &st));
    printf("fifo: isfifo %d perm %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);

    /* getcwd/chdir/fchdir */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd));
    int dfd;
    CHECK(dfd = open("d1", O_RDONLY | O_DIRECTORY));
    CHECK(fchdir(dfd));
    char cwd2[4096];
    CHECK(getcwd(cwd2, sizeof cwd2));
    printf("fchdir: cwd gains /d1: %d\n", strlen(cwd2) == strlen(cwd) + 3 && strcmp(cwd2 + strlen(cwd), "/d1") == 0);
    CHECK(chdir(".."));
    int fl = fcntl(dfd, F_GETFL) & ~GUEST_O_LARGEFILE;
    printf("F_GETFL of directory fd: 0x%x (O_DIRECTORY %d)\n", fl, !!(fl & O_DIRECTORY));
    /* openat relative to a directory fd */
    CHECK(fd = openat(dfd, "c.txt", O_RDONLY));
    n = read(fd, buf, sizeof buf);
    printf("openat(dirfd): %.*s", n, buf);
    close(fd);
    close(dfd);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void dents(void)
{
    CHECK(mkdir("many", 0755));
    for (int i = 0; i < 1000; i++) {
        char p[64];
        snprintf(p, sizeof p, "many/entry-%04d%s", i, i % 3 == 0 ? "-long-name-to-vary-record-lengths" : "");
        if (i % 10 == 0)
            CHECK(mkdir(p, 0755));
        else if (i % 10 == 1)
            CHECK(symlink("target", p));
        else
            put(p, "x");
    }
    int fd;
    CHECK(fd = open("many", O_RDONLY | O_DIRECTORY));
    char *names[1100];
    int count = 0, calls = 0, bad_align = 0, types[16] = {0};
    char buf[1024]; /* small buffer: many getdents64 calls */
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        CHECK(n);
        if (n == 0)
            break;
        calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (d->d_reclen % 8)
                bad_align++;
            if (count < 1100)
                names[count++] = strdup(d->d_name);
            types[d->d_type & 15]++;
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(names, count, sizeof names[0], cmpstr);
    uint32_t h = 2166136261u;
    for (int i = 0; i < count; i++)
        for (const char *c = names[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
    printf("getdents64: %d entries, many calls %d, misaligned %d, sorted fnv 0x%08x\n", count, calls > 10, bad_align, h);
    printf("  first %s %s last %s\n", names[0], names[1], names[count - 1]);
    printf("  d_type: DT_DIR %d DT_REG %d DT_LNK %d\n", types[DT_DIR], types[DT_REG], types[DT_LNK]);
    /* the same through readdir (opendir passes O_DIRECTORY) */
    DIR *d = opendir("many");
    if (!d) {
        printf("opendir failed: %s\n", strerror(errno));
        exit(1);
    }
    int rc = 0;
    uint32_t h2 = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            rc++;
            for (const char *c = e->d_name; *c; c++)
                h2 += (unsigned char)*c;
        }
    closedir(d);
    printf("readdir: %d entries, byte sum %u\n", rc, h2);
    /* seekdir/telldir: rewind and count again */
    d = opendir("many");
    long pos = 0;
    for (int i = 0; i < 500 && (e = readdir(d)); i++)
        pos = telldir(d);
    seekdir(d, pos);
    int rest = 0;
    while (readdir(d))
        rest++;
    rewinddir(d);
    int all = 0;
    while (readdir(d))
        all++;
    closedir(d);
    printf("telldir/seekdir: rest %d, after rewind %d\n", rest, all);
    for (int i = 0; i < count; i++)
        free(names[i]);
}

static void times_and_attrs(void)
{
    struct stat st;
    put("t.txt", "0123456789");
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
    CHECK(utimensat(AT_FDCWD, "t.txt", ts, 0));
    CHECK(stat("t.txt", &st));
    printf("utimensat: atime %ld.%09ld mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec ts2[2] = {{0, UTIME_OMIT}, {1500000000, 5}};
    int fd;
    CHECK(fd = open("t.txt", O_RDWR));
    CHECK(futimens(fd, ts2));
    CHECK(fstat(fd, &st));
    printf("futimens OMIT atime: atime %ld.%09ld mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    CHECK(symlink("t.txt", "tlink"));
    CHECK(utimensat(AT_FDCWD, "tlink", ts, AT_SYMLINK_NOFOLLOW));
    CHECK(lstat("tlink", &st));
    printf("utimensat NOFOLLOW on link: mtime %ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    CHECK(stat("t.txt", &st));
    printf("  target mtime unchanged %ld\n", (long)st.st_mtim.tv_sec);

    printf("fstat: size %ld mode %o nlink %ld blksize>0 %d blocks %ld uid %d\n", (long)st.st_size, st.st_mode,
           (long)st.st_nlink, st.st_blksize > 0, (long)st.st_blocks, st.st_uid);
    CHECK(ftruncate(fd, 3));
    CHECK(fstat(fd, &st));
    printf("ftruncate 3: size %ld\n", (long)st.st_size);
    CHECK(truncate("t.txt", 100000));
    CHECK(fstat(fd, &st));
    printf("truncate 100000: size %ld\n", (long)st.st_size);
    CHECK(fchmod(fd, 0640));
    CHECK(fstat(fd, &st));
    printf("fchmod: %o\n", st.st_mode & 07777);
    CHECK(fchmodat(AT_FDCWD, "t.txt", 04711, 0));
    CHECK(stat("t.txt", &st));
    printf("fchmodat: %o\n", st.st_mode & 07777);
    CHECK(chmod("t.txt", 0600));
    printf("access R_OK %s, X_OK %s (root), missing %s\n", err(access("t.txt", R_OK)), err(access("t.txt", X_OK)),
           err(access("missing", F_OK)));
    printf("faccessat AT_EACCESS %s\n", err(faccessat(AT_FDCWD, "t.txt", W_OK, AT_EACCESS)));
    close(fd);

    /* /dev/null: character device 1:3 */
    CHECK(stat("/dev/null", &st));
    printf("/dev/null: chr %d perm %o rdev %u:%u size %ld\n", S_ISCHR(st.st_mode), st.st_mode & 0777,
           major(st.st_rdev), minor(st.st_rdev), (long)st.st_size);
    CHECK(fd = open("/dev/null", O_RDWR));
    struct stat fst;
    CHECK(fstat(fd, &fst));
    printf("fstat /dev/null same dev/ino/rdev %d\n", fst.st_dev == st.st_dev && fst.st_ino == st.st_ino && fst.st_rdev == st.st_rdev);
    close(fd);
    struct statx sx;
    CHECK(statx(AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS, &sx));
    printf("statx /dev/null: mask basic %d mode %o rdev %u:%u nlink %u\n", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS,
           sx.stx_mode, sx.stx_rdev_major, sx.stx_rdev_minor, sx.stx_nlink);
    put("sx.txt", "statx!");
    CHECK(statx(AT_FDCWD, "sx.txt", AT_SYMLINK_NOFOLLOW, STATX_ALL, &sx));
    CHECK(stat("sx.txt", &st));
    printf("statx file: size %llu mode %o same ino as stat %d same mtime %d blksize %d\n", (unsigned long long)sx.stx_size,
           sx.stx_mode, sx.stx_ino == st.st_ino,
           sx.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == (unsigned)st.st_mtim.tv_nsec,
           sx.stx_blksize == (unsigned)st.st_blksize);
    printf("statx missing: %s\n", err(statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx)));
}

static void tmpfile_and_io(void)
{
    int fd = open(".", O_TMPFILE | O_RDWR, 0600);
    printf("O_TMPFILE: %s\n", err(fd));
    if (fd >= 0) {
        CHECK(write(fd, "anonymous", 9));
        struct stat st;
        CHECK(fstat(fd, &st));
        printf("  nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
        int fl = fcntl(fd, F_GETFL);
        printf("  F_GETFL accmode %d\n", fl & O_ACCMODE);
        char p[64];
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        CHECK(linkat(AT_FDCWD, p, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
        CHECK(stat("named", &st));
        printf("  linkat: named size %ld nlink %ld\n", (long)st.st_size, (long)st.st_nlink);
        close(fd);
    }
    /* O_TMPFILE without write access is EINVAL */
    printf("O_TMPFILE|O_RDONLY: %s\n", err(open(".", O_TMPFILE | O_RDONLY, 0600)));

    CHECK(fd = open("io.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    struct iovec iov[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    printf("writev %ld\n", (long)writev(fd, iov, 3));
    CHECK(pwrite(fd, "XY", 2, 1));
    char a[4] = {0}, b[8] = {0};
    struct iovec r[2] = {{a, 3}, {b, 8}};
    printf("preadv %ld '%s' '%s'\n", (long)preadv(fd, r, 2, 0), a, b);
    memset(b, 0, sizeof b);
    printf("preadv2 %ld '%s'\n", (long)preadv2(fd, r + 1, 1, 4, 0), b);
    printf("pread past end %ld\n", (long)pread(fd, b, 8, 100));
    printf("lseek END %ld\n", (long)lseek(fd, 0, SEEK_END));
    printf("F_GETFD cloexec %d\n", fcntl(fd, F_GETFD));
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL 0x%x\n", fl & ~GUEST_O_LARGEFILE);
    CHECK(fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK));
    printf("F_GETFL after O_APPEND|O_NONBLOCK 0x%x\n", fcntl(fd, F_GETFL) & ~GUEST_O_LARGEFILE);
    CHECK(write(fd, "Z", 1));
    printf("append wrote at %ld\n", (long)lseek(fd, 0, SEEK_CUR));

    int out;
    CHECK(out = open("copy.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
    off_t off = 1;
    printf("sendfile %ld off now %ld\n", (long)sendfile(out, fd, &off, 4), (long)off);
    loff_t in_off = 0, out_off = 4;
    printf("copy_file_range %ld\n", (long)copy_file_range(fd, &in_off, out, &out_off, 3, 0));
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC));
    loff_t so = 5;
    printf("splice to pipe %ld\n", (long)splice(fd, &so, p[1], NULL, 4, 0));
    char sb[8] = {0};
    printf("read from pipe %ld '%s'\n", (long)read(p[0], sb, sizeof sb), sb);
    close(p[0]);
    close(p[1]);
    char cb[16] = {0};
    printf("copy.bin: %ld '%s'\n", (long)pread(out, cb, sizeof cb, 0), cb);
    close(out);
    close(fd);

    /* pipe2 with O_DIRECT: packet mode keeps write boundaries */
    if (pipe2(p, O_DIRECT) == 0) {
        CHECK(write(p[1], "12", 2));
        CHECK(write(p[1], "345", 3));
        char pb[8];
        long n1 = read(p[0], pb, sizeof pb), n2 = read(p[0], pb, sizeof pb);
        printf("pipe2 O_DIRECT: reads %ld %ld, F_GETFL has O_DIRECT %d\n", n1, n2, !!(fcntl(p[1], F_GETFL) & O_DIRECT));
        close(p[0]);
        close(p[1]);
    } else {
        printf("pipe2 O_DIRECT: %s\n", strerror(errno));
    }

    /* memfd */
    int m;
    CHECK(m = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    CHECK(write(m, "memfd data", 10));
    CHECK(fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    printf("memfd seals 0x%x, grow after seal: %s, cloexec %d\n", fcntl(m, F_GET_SEALS), err(ftruncate(m, 100)),
           fcntl(m, F_GETFD));
    close(m);
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
    fresh_dir("fsops.tmp");
    umask(022);
    basics();
    dents();
    times_and_attrs();
    tmpfile_and_io();
    printf("done\n");
    return 0;
}
