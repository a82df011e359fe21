/* File I/O in a directory given as argv[1]: fopen/fwrite/fprintf, fread/fgets/fseek/ftell,
 * stat/fstat, rename, opendir/readdir, unlink, low-level open/read/write/lseek, error paths. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    char path[4096], path2[4096];
    snprintf(path, sizeof path, "%s/aot-fileio-test.txt", argv[1]);
    snprintf(path2, sizeof path2, "%s/aot-fileio-renamed.txt", argv[1]);
    unlink(path);
    unlink(path2);

    FILE *f = fopen(path, "w");
    if (!f) { perror("fopen w"); return 1; }
    for (int i = 0; i < 500; i++)
        fprintf(f, "line %04d: %s %x\n", i, i % 3 ? "foo" : "barbaz", i * 2654435761u);
    unsigned char bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (unsigned char)i;
    fwrite(bin, 1, sizeof bin, f);
    long pos = ftell(f);
    fclose(f);
    printf("written, ftell=%ld\n", pos);

    struct stat st;
    if (stat(path, &st) != 0) { perror("stat"); return 1; }
    printf("stat: size=%lld regular=%d mode=%o nlink=%lu\n", (long long)st.st_size, S_ISREG(st.st_mode),
           (unsigned)(st.st_mode & 0777) & ~0022u & 0644u, (unsigned long)st.st_nlink);

    f = fopen(path, "r");
    if (!f) { perror("fopen r"); return 1; }
    char line[128];
    int lines = 0;
    unsigned long sum = 0;
    while (lines < 500 && fgets(line, sizeof line, f)) {
        lines++;
        for (char *p = line; *p; p++)
            sum = sum * 33 + (unsigned char)*p;
    }
    printf("fgets: %d lines, hash %lx, ftell=%ld\n", lines, sum, ftell(f));
    unsigned char back[256];
    size_t got = fread(back, 1, sizeof back, f);
    printf("fread binary: %zu bytes, equal=%d, feof-after-extra-read=", got, memcmp(back, bin, 256) == 0);
    int c = fgetc(f);
    printf("%d (c=%d)\n", feof(f) != 0, c);
    fseek(f, 5, SEEK_SET);
    char four[5] = { 0 };
    for (int k = 0; k < 4; k++)
        four[k] = (char)fgetc(f);
    printf("fseek 5: '%s' ", four);
    fseek(f, -10, SEEK_END);
    long at = ftell(f);
    int ch = fgetc(f);
    printf("end-10 at %ld: %d\n", at, ch);
    rewind(f);
    printf("rewind: %s", fgets(line, sizeof line, f));
    fclose(f);

    /* low-level */
    int fd = open(path, O_RDWR);
    if (fd < 0) { perror("open"); return 1; }
    struct stat fst;
    fstat(fd, &fst);
    off_t end = lseek(fd, 0, SEEK_END);
    ssize_t w = write(fd, "appended\n", 9);
    lseek(fd, end, SEEK_SET);
    char buf[16] = { 0 };
    ssize_t r = read(fd, buf, sizeof buf - 1);
    printf("fstat size=%lld lseek end=%lld write=%zd read=%zd '%s'", (long long)fst.st_size, (long long)end, w,
           r, buf);
    pread(fd, buf, 4, 0);
    buf[4] = 0;
    printf("pread: '%s'\n", buf);
    close(fd);

    if (rename(path, path2) != 0) { perror("rename"); return 1; }
    printf("stat old after rename: %d errno=%s\n", stat(path, &st), strerror(errno));

    /* directory listing (sorted) */
    snprintf(path, sizeof path, "%s/subdir", argv[1]);
    mkdir(path, 0755);
    for (int i = 0; i < 5; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/file%d", path, (i * 3) % 5);
        FILE *g = fopen(p, "w");
        fprintf(g, "%d\n", i);
        fclose(g);
    }
    DIR *d = opendir(path);
    if (!d) { perror("opendir"); return 1; }
    char *names[16];
    int nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 16)
        if (de->d_name[0] != '.')
            names[nn++] = strdup(de->d_name);
    closedir(d);
    qsort(names, nn, sizeof names[0], cmpstr);
    printf("readdir:");
    for (int i = 0; i < nn; i++) {
        char p[4200];
        printf(" %s", names[i]);
        snprintf(p, sizeof p, "%s/%s", path, names[i]);
        unlink(p);
        free(names[i]);
    }
    int rd = rmdir(path);
    int u1 = unlink(path2);
    int u2 = unlink(path2);
    printf("\nrmdir=%d unlink=%d unlink-again=%d (%s)\n", rd, u1, u2, strerror(errno));
    FILE *none = fopen("/nonexistent/dir/file", "r");
    printf("fopen missing: %p errno=%s\n", (void *)none, strerror(errno));
    return 0;
}
