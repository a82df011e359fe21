/* A pseudo-terminal with termios: posix_openpt/grantpt/unlockpt/ptsname (only the /dev/pts/
 * prefix is printed), TIOCGPTN agrees with ptsname, canonical mode (line editing with VERASE,
 * echo back to the master, ONLCR), raw mode via cfmakeraw + tcsetattr (the termios flags read back
 * exactly), VMIN/VTIME reads, TIOCSWINSZ/TIOCGWINSZ, FIONREAD, tcflush, tcdrain, tcflow,
 * cfsetspeed, TIOCGPTPEER, and a child that makes the slave its controlling terminal (setsid +
 * TIOCSCTTY, tcgetpgrp, TIOCNOTTY). The translated program passes the kernel's struct termios
 * (asm-generic, NCCS 19, same on both) straight through.
 * Not compared here because qemu 7.2 deviates from Linux: TIOCGSID (and so tcgetsid) returns 0
 * without writing the session id, and an unknown tty ioctl gives ENOSYS instead of ENOTTY. The
 * translated program gives the session id and ENOTTY, as Linux does (checked by hand against the
 * same program built for x86-64; the runtime's unit tests cover the ENOTTY answer). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CHECK(x) do { if ((long)(x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

/* read until `want` bytes arrived (the tty layer passes data on asynchronously), then whatever
 * else comes within a short time */
static int drain(int fd, char *buf, int cap, int want)
{
    int n = 0;
    struct pollfd p = {fd, POLLIN, 0};
    while (n < cap && poll(&p, 1, n < want ? 5000 : 100) > 0 && (p.revents & POLLIN)) {
        int k = read(fd, buf + n, cap - n);
        if (k <= 0)
            break;
        n += k;
    }
    return n;
}

static void show(const char *what, const char *b, int n)
{
    printf("%s (%d):", what, n);
    for (int i = 0; i < n; i++)
        printf(b[i] >= 32 && b[i] < 127 ? " %c" : " \\x%02x", (unsigned char)b[i]);
    printf("\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int m;
    CHECK(m = posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    char *name = ptsname(m);
    printf("ptsname prefix ok %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
    unsigned ptn = 0;
    CHECK(ioctl(m, TIOCGPTN, &ptn));
    printf("TIOCGPTN matches ptsname %d\n", atoi(name + 9) == (int)ptn);
    int s;
    CHECK(s = open(name, O_RDWR | O_NOCTTY));
    printf("isatty master %d slave %d, file %d\n", isatty(m), isatty(s), isatty(1) && 0);

    struct termios t;
    CHECK(tcgetattr(s, &t));
    printf("default: ICANON %d ECHO %d ISIG %d ONLCR %d ICRNL %d CS8 %d VMIN %d VEOF %d VERASE %d VINTR %d\n",
           !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO), !!(t.c_lflag & ISIG), !!(t.c_oflag & ONLCR),
           !!(t.c_iflag & ICRNL), (t.c_cflag & CSIZE) == CS8, t.c_cc[VMIN], t.c_cc[VEOF], t.c_cc[VERASE], t.c_cc[VINTR]);

    /* canonical mode with echo: line editing happens in the kernel */
    CHECK(write(m, "helpo\x7fo world\n", 14));
    char buf[256];
    int n = read(s, buf, sizeof buf);
    show("canonical read", buf, n);
    n = drain(m, buf, sizeof buf, 17);
    show("echo on master", buf, n);
    /* output processing: ONLCR turns \n into \r\n */
    CHECK(write(s, "out\n", 4));
    n = drain(m, buf, sizeof buf, 5);
    show("slave output", buf, n);

    /* raw mode */
    struct termios raw = t;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    CHECK(tcsetattr(s, TCSANOW, &raw));
    struct termios back;
    CHECK(tcgetattr(s, &back));
    printf("raw read back: iflag 0x%x oflag 0x%x cflag-csize 0x%x lflag 0x%x same %d\n", back.c_iflag, back.c_oflag,
           back.c_cflag & CSIZE, back.c_lflag,
           back.c_iflag == raw.c_iflag && back.c_oflag == raw.c_oflag && back.c_lflag == raw.c_lflag &&
               memcmp(back.c_cc, raw.c_cc, NCCS) == 0);
    CHECK(write(m, "a\x7f\n\x03z", 5));
    n = drain(s, buf, sizeof buf, 5);
    show("raw read", buf, n);
    CHECK(write(s, "x\ny", 3));
    n = drain(m, buf, sizeof buf, 3);
    show("raw output", buf, n);

    /* VMIN 0 / VTIME 1: a read with nothing returns 0 after 0.1 s */
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 1;
    CHECK(tcsetattr(s, TCSAFLUSH, &raw));
    n = read(s, buf, sizeof buf);
    printf("VMIN 0 VTIME 1 empty read %d\n", n);

    /* FIONREAD and tcflush */
    CHECK(write(m, "12345", 5));
    struct pollfd pf = {s, POLLIN, 0};
    CHECK(poll(&pf, 1, 5000));
    int avail = -1;
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("FIONREAD %d\n", avail);
    CHECK(tcflush(s, TCIFLUSH));
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("after tcflush %d\n", avail);
    CHECK(tcdrain(s));
    printf("tcflow off/on: %s %s\n", err(tcflow(s, TCOOFF)), err(tcflow(s, TCOON)));

    /* window size */
    struct winsize ws = {.ws_row = 42, .ws_col = 132, .ws_xpixel = 8, .ws_ypixel = 16}, got;
    CHECK(ioctl(m, TIOCSWINSZ, &ws));
    CHECK(ioctl(s, TIOCGWINSZ, &got));
    printf("winsize %dx%d pixels %dx%d\n", got.ws_row, got.ws_col, got.ws_xpixel, got.ws_ypixel);

    /* speeds */
    CHECK(cfsetspeed(&raw, B38400));
    CHECK(tcsetattr(s, TCSANOW, &raw));
    CHECK(tcgetattr(s, &back));
    printf("speed B38400: out %d in %d\n", cfgetospeed(&back) == B38400, cfgetispeed(&back) == B38400);

    /* TIOCGPTPEER: open the slave from the master */
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    printf("TIOCGPTPEER: %s", err(peer));
    if (peer >= 0) {
        printf(" isatty %d cloexec %d", isatty(peer), fcntl(peer, F_GETFD));
        close(peer);
    }
    printf("\n");
    printf("TIOCGPGRP without controlling tty: %s\n", err(tcgetpgrp(s)));

    /* controlling terminal in a new session */
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        CHECK(setsid());
        int r = ioctl(s, TIOCSCTTY, 0);
        printf("child TIOCSCTTY: %s\n", err(r));
        printf("child tcgetpgrp is self %d\n", tcgetpgrp(s) == getpid());
        CHECK(tcsetpgrp(s, getpid()));
        printf("child TIOCNOTTY: %s\n", err(ioctl(s, TIOCNOTTY)));
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0));
    printf("child status %d\n", WEXITSTATUS(st));

    /* hangup: closing the slave gives the master EIO on read */
    close(s);
    n = read(m, buf, sizeof buf);
    printf("master read after slave close: %d %s\n", n, err(n));
    close(m);
    printf("done\n");
    return 0;
}
