/* syscall-heavy: small writes to /dev/null and small write/read pairs through a pipe. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 600000);
    int fd = open("/dev/null", O_WRONLY);
    int p[2];
    if (fd < 0 || pipe(p) != 0) { perror("open/pipe"); return 1; }
    char buf[64];
    uint64_t h = 0;
    for (long i = 0; i < n; i++) {
        int len = 1 + (int)(i % 60);
        for (int j = 0; j < len; j++) buf[j] = (char)(i + j);
        if (write(fd, buf, len) != len) return 2;
        if (write(p[1], buf, len) != len) return 3;
        char in[64];
        ssize_t got = read(p[0], in, sizeof in);
        if (got != len) return 4;
        h = h * 33 + (unsigned char)in[got - 1];
    }
    printf("syscall %llu\n", (unsigned long long)h);
    return 0;
}
