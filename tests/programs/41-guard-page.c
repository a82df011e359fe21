/* A guard-page fault whose handler mprotects the page and returns: the faulting access is
 * retried and completes (loads and stores, a page at a time through a region that starts
 * PROT_NONE). The handler sees SEGV_ACCERR and the page's address; the values written and read
 * around the faults must be intact (registers live across the fault are preserved). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 64
static char *region;
static volatile int faults, bad;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char *a = si->si_addr;
    if (sig != SIGSEGV || si->si_code != SEGV_ACCERR || a < region || a >= region + PAGES * 4096) {
        bad++;
        _exit(3);
    }
    faults++;
    mprotect((void *)((uintptr_t)a & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    region = mmap(NULL, PAGES * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* stores: each first touch of a page faults once */
    unsigned long sum = 0;
    for (int i = 0; i < PAGES * 4096; i += 512) {
        region[i] = (char)(i / 512);
        sum += (unsigned long)i * 3;
    }
    printf("store faults %d, sum %lu\n", faults, sum);
    /* loads after re-protecting: PROT_NONE again, each first load of a page faults once */
    mprotect(region, PAGES * 4096, PROT_NONE);
    faults = 0;
    unsigned long total = 0;
    for (int i = 0; i < PAGES * 4096; i += 512)
        total += (unsigned char)region[i];
    printf("load faults %d, total %lu\n", faults, total);
    /* a 64-bit load spanning into a protected page */
    mprotect(region, PAGES * 4096, PROT_READ | PROT_WRITE);
    memset(region, 0x11, 8192);
    mprotect(region + 4096, 4096, PROT_NONE);
    faults = 0;
    uint64_t v;
    memcpy(&v, region + 4092, 8);
    printf("spanning load faults %d value %llx\n", faults, (unsigned long long)v);
    return bad;
}
