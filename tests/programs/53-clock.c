/* Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep and the process CPU clock.
 * The translated program must serve CLOCK_MONOTONIC and CLOCK_REALTIME from the host vDSO: the
 * .nosyscall sidecar makes the harness run it under strace and fail on any clock_gettime or
 * gettimeofday host syscall (1,000 clock_gettime(CLOCK_MONOTONIC) calls below, plus realtime
 * reads). Differential against qemu-aarch64. */
#include <errno.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
    struct timespec prev, now;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    int backwards = 0;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
            backwards++;
        if (now.tv_nsec < 0 || now.tv_nsec >= 1000000000)
            backwards += 1000;
        prev = now;
    }
    printf("1000 monotonic reads, going backwards: %d\n", backwards);
    struct timespec rt, res;
    clock_gettime(CLOCK_REALTIME, &rt);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    long d1 = (long)(tv.tv_sec - rt.tv_sec), d2 = (long)(t - rt.tv_sec);
    printf("realtime after 2020: %d, gettimeofday and time agree with it: %d %d\n", rt.tv_sec > 1577836800,
           d1 >= 0 && d1 <= 2, d2 >= 0 && d2 <= 2);
    printf("getres monotonic: %d %ld.%09ld\n", clock_getres(CLOCK_MONOTONIC, &res), (long)res.tv_sec, res.tv_nsec);
    printf("getres realtime: %d %ld.%09ld\n", clock_getres(CLOCK_REALTIME, &res), (long)res.tv_sec, res.tv_nsec);
    printf("coarse monotonic: %d\n", clock_gettime(CLOCK_MONOTONIC_COARSE, &now));
    printf("boottime: %d\n", clock_gettime(CLOCK_BOOTTIME, &now));
    errno = 0;
    int bad = clock_gettime((clockid_t)12345, &now);
    printf("invalid clock: %d EINVAL %d\n", bad, errno == EINVAL);
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cpu clock advanced: %d\n", c1.tv_sec > c0.tv_sec || c1.tv_nsec > c0.tv_nsec);
    struct timespec a, b, ten = {0, 10000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&ten, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    printf("nanosleep 10 ms took >= 10 ms: %d, < 2 s: %d\n", ns >= 10000000, ns < 2000000000L);
    return 0;
}
