/* RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK: set, read back and enforced (mmap, mremap, malloc and
 * sbrk beyond the limit fail with ENOMEM), inherited by a forked child, and threads can still be
 * created under a 1 GiB address-space limit.
 * qemu 7.2 cannot be the oracle: it silently ignores attempts to set these three limits (a
 * deviation from Linux), so reading them back and the ENOMEM failures differ. The expected output
 * (61-rlimit-as.expect) is what Linux gives: it is the output of this same program built for
 * x86-64 (-static) and run natively (the limits' semantics do not depend on the architecture). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if ((long)(x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)
#define MiB (1ul << 20)
#define GiB (1ul << 30)

static const char *merr(void *p) { return p == MAP_FAILED ? strerrorname_np(errno) : "ok"; }

static void *thread_fn(void *arg)
{
    char *p = malloc(1 << 20);
    memset(p, 7, 1 << 20);
    long s = p[12345] + (long)arg;
    free(p);
    return (void *)s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct rlimit r, orig;
    /* RLIMIT_DATA limits the brk heap (first, while the program has few other data mappings:
     * Linux counts all private writable mappings against it, the runtime only the brk heap) */
    CHECK(getrlimit(RLIMIT_DATA, &orig));
    r.rlim_cur = 16 * MiB;
    r.rlim_max = orig.rlim_max;
    CHECK(setrlimit(RLIMIT_DATA, &r));
    CHECK(getrlimit(RLIMIT_DATA, &r));
    printf("DATA soft %lu MiB\n", (unsigned long)(r.rlim_cur / MiB));
    void *b1 = sbrk(1 * MiB);
    printf("sbrk 1 MiB: %s\n", b1 == (void *)-1 ? strerrorname_np(errno) : "ok");
    void *b2 = sbrk(32 * MiB);
    printf("sbrk 32 MiB: %s\n", b2 == (void *)-1 ? strerrorname_np(errno) : "ok");
    CHECK(setrlimit(RLIMIT_DATA, &orig));
    b2 = sbrk(32 * MiB);
    printf("sbrk 32 MiB after restore: %s\n", b2 == (void *)-1 ? strerrorname_np(errno) : "ok");

    CHECK(getrlimit(RLIMIT_AS, &orig));
    printf("AS initially infinite %d\n", orig.rlim_cur == RLIM_INFINITY);
    r.rlim_cur = GiB;
    r.rlim_max = orig.rlim_max;
    CHECK(setrlimit(RLIMIT_AS, &r));
    CHECK(getrlimit(RLIMIT_AS, &r));
    printf("AS soft %lu MiB\n", (unsigned long)(r.rlim_cur / MiB));
    void *big = mmap(NULL, 2 * GiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("mmap 2 GiB: %s\n", merr(big));
    void *small = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 64 MiB: %s\n", merr(small));
    void *grown = mremap(small, 64 * MiB, 2 * GiB, MREMAP_MAYMOVE);
    printf("mremap to 2 GiB: %s\n", merr(grown));
    void *m = malloc(2 * GiB);
    printf("malloc 2 GiB: %s\n", m ? "ok" : strerrorname_np(errno));
    free(m);
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        CHECK(-pthread_create(&t[i], NULL, thread_fn, (void *)i));
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("4 threads under the limit: sum %ld\n", sum);
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        struct rlimit c;
        getrlimit(RLIMIT_AS, &c);
        void *p = mmap(NULL, 2 * GiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        printf("child: AS soft %lu MiB, mmap 2 GiB: %s\n", (unsigned long)(c.rlim_cur / MiB), merr(p));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(munmap(small, 64 * MiB));
    CHECK(setrlimit(RLIMIT_AS, &orig));
    CHECK(getrlimit(RLIMIT_AS, &r));
    printf("AS restored infinite %d\n", r.rlim_cur == RLIM_INFINITY);
    big = mmap(NULL, 2 * GiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("mmap 2 GiB now: %s\n", merr(big));
    if (big != MAP_FAILED)
        munmap(big, 2 * GiB);

    /* RLIMIT_STACK: the value is kept (it applies to new programs and the main stack's growth) */
    CHECK(getrlimit(RLIMIT_STACK, &orig));
    r.rlim_cur = 4 * MiB;
    r.rlim_max = orig.rlim_max;
    CHECK(setrlimit(RLIMIT_STACK, &r));
    CHECK(getrlimit(RLIMIT_STACK, &r));
    printf("STACK soft %lu MiB\n", (unsigned long)(r.rlim_cur / MiB));
    CHECK(setrlimit(RLIMIT_STACK, &orig));
    printf("done\n");
    return 0;
}
