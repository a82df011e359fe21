/* /proc and identity as the guest sees them, differential against qemu-aarch64 (which emulates
 * the same files): /proc/self/maps lists the guest's own mappings with the stack labelled [stack]
 * (and pthread_getattr_np, which reads it for the main thread, works), /proc/<pid>/maps is the same
 * file, /proc/self/auxv holds the auxiliary vector getauxval sees, readlink of /proc/self/exe and
 * /proc/<pid>/exe names the program and opening it gives an AArch64 ELF, uname says aarch64. */
#define _GNU_SOURCE
#include <elf.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

static int data_var = 1;

struct map {
    uintptr_t lo, hi;
    char perms[5];
    char name[256];
};

static int read_maps(const char *path, struct map *m, int max) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off, ino;
        char dev[16];
        int pos = 0;
        if (sscanf(line, "%lx-%lx %4s %lx %15s %lu %n", &lo, &hi, m[n].perms, &off, dev, &ino, &pos) < 6)
            return -2;
        m[n].lo = lo;
        m[n].hi = hi;
        snprintf(m[n].name, sizeof m[n].name, "%s", line + pos);
        m[n].name[strcspn(m[n].name, "\n")] = 0;
        n++;
    }
    fclose(f);
    return n;
}

static struct map *find(struct map *m, int n, uintptr_t a) {
    for (int i = 0; i < n; i++)
        if (m[i].lo <= a && a < m[i].hi)
            return &m[i];
    return NULL;
}

int main(int argc, char **argv) {
    (void)argc;
    static struct map m[4096];
    int local = 0;
    int n = read_maps("/proc/self/maps", m, 4096);
    printf("maps parsed: %d\n", n > 3);
    int sorted = 1;
    for (int i = 1; i < n; i++)
        sorted &= m[i - 1].hi <= m[i].lo;
    printf("sorted and disjoint: %d\n", sorted);
    struct map *s = find(m, n, (uintptr_t)&local);
    printf("local variable in [stack]: %d (%s)\n", s && strcmp(s->name, "[stack]") == 0, s ? s->perms : "none");
    struct map *t = find(m, n, (uintptr_t)&main);
    printf("main in an executable mapping: %d\n", t && t->perms[2] == 'x' && t->perms[0] == 'r');
    struct map *d = find(m, n, (uintptr_t)&data_var);
    printf("data in a writable mapping: %d\n", d && d->perms[1] == 'w');
    void *mm = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    n = read_maps("/proc/self/maps", m, 4096);
    struct map *a = find(m, n, (uintptr_t)mm);
    printf("new mmap listed: %d perms %s size %lu\n", a != NULL, a ? a->perms : "-",
           a ? (unsigned long)(a->hi - (uintptr_t)mm) : 0ul);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)getpid());
    static struct map m2[4096];
    int n2 = read_maps(path, m2, 4096);
    printf("/proc/<pid>/maps: same number of lines %d\n", n2 == n);

    /* pthread_getattr_np on the main thread reads /proc/self/maps for the stack */
    pthread_attr_t at;
    void *sa;
    size_t ss;
    int r = pthread_getattr_np(pthread_self(), &at);
    pthread_attr_getstack(&at, &sa, &ss);
    printf("pthread_getattr_np %d: stack holds a local %d, size >= 64 KiB %d\n", r,
           (uintptr_t)sa <= (uintptr_t)&local && (uintptr_t)&local < (uintptr_t)sa + ss, ss >= 65536);

    /* auxv */
    FILE *f = fopen("/proc/self/auxv", "rb");
    unsigned long kv[2];
    int pairs = 0, match = 0, ended = 0;
    unsigned long check[] = {AT_PAGESZ, AT_HWCAP, AT_HWCAP2, AT_ENTRY, AT_PHDR, AT_PHNUM, AT_RANDOM, AT_UID, AT_EXECFN};
    int seen = 0;
    while (f && fread(kv, sizeof kv, 1, f) == 1) {
        pairs++;
        if (kv[0] == AT_NULL) {
            ended = 1;
            break;
        }
        for (unsigned i = 0; i < sizeof check / sizeof check[0]; i++)
            if (kv[0] == check[i]) {
                seen++;
                match += getauxval(kv[0]) == kv[1];
            }
    }
    printf("auxv: ends with AT_NULL %d, checked %d of %d, all equal to getauxval %d\n", ended, seen,
           (int)(sizeof check / sizeof check[0]), match == seen);
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));

    /* exe */
    char exe[PATH_MAX] = {0}, exe2[PATH_MAX] = {0}, real[PATH_MAX];
    readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(path, sizeof path, "/proc/%d/exe", (int)getpid());
    readlink(path, exe2, sizeof exe2 - 1);
    printf("readlink /proc/self/exe is argv[0]: %d, /proc/<pid>/exe the same: %d\n",
           realpath(argv[0], real) && strcmp(real, exe) == 0, strcmp(exe, exe2) == 0);
    f = fopen("/proc/self/exe", "rb");
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    if (f)
        fread(&eh, sizeof eh, 1, f);
    printf("/proc/self/exe is an ELF %d for machine %d (EM_AARCH64 %d)\n", memcmp(eh.e_ident, ELFMAG, 4) == 0, eh.e_machine,
           EM_AARCH64);
    struct utsname u;
    uname(&u);
    printf("uname machine %s, sysname %s\n", u.machine, u.sysname);
    return 0;
}
