/* FPCR.FZ and the FPSR flags it gives (docs/isa-tester.md, runtime fault::fztrap): a denormal
 * operand loaded from memory sets IDC (input denormal) and is flushed; a tiny result is flushed
 * with UFC alone (no IXC). Each operation runs in its own function and FPSR is read in another,
 * as a program calling a function that does `mrs fpsr` would. Also: a guest SIGFPE handler never
 * sees the runtime's own traps, and a second thread gets the same flags. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FZ (1u << 24)

static volatile uint64_t dden = 0x000000000000a5a5ull;   /* a double denormal */
static volatile uint32_t sden = 0x80012345u;             /* a negative float denormal */
static volatile double dtiny = 1e-200, donep5 = 1.5, dthird = 0.3333333333333333;
static volatile float sone = 1.0f;

static void set_fpcr(uint64_t v) { __asm__ volatile("msr fpcr, %0" :: "r"(v)); }
static void clear_fpsr(void) { __asm__ volatile("msr fpsr, xzr"); }
__attribute__((noinline)) static uint64_t read_fpsr(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, fpsr" : "=r"(v));
    return v;
}

/* Each returns the result's bits; the operands come from memory. */
__attribute__((noinline)) static uint64_t op_fmul_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n ldr d2, [%2]\n fmul d0, d1, d2\n fmov %0, d0"
                     : "=r"(r) : "r"(&dden), "r"(&donep5) : "v0", "v1", "v2");
    return r;
}
__attribute__((noinline)) static uint64_t op_fadd_s(void) {
    uint64_t r;
    __asm__ volatile("ldr s1, [%1]\n ldr s2, [%2]\n fadd s0, s2, s1\n fmov %w0, s0"
                     : "=r"(r) : "r"(&sden), "r"(&sone) : "v0", "v1", "v2");
    return r;
}
__attribute__((noinline)) static uint64_t op_fcmp_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n fcmp d1, #0.0\n cset %0, eq"
                     : "=r"(r) : "r"(&dden) : "v1", "cc");
    return r;
}
__attribute__((noinline)) static uint64_t op_frintp_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n frintp d0, d1\n fmov %0, d0"
                     : "=r"(r) : "r"(&dden) : "v0", "v1");
    return r;
}
__attribute__((noinline)) static uint64_t op_fcvtps_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n fcvtps %0, d1" : "=r"(r) : "r"(&dden) : "v1");
    return r;
}
__attribute__((noinline)) static uint64_t op_fmaxnm_s(void) {
    uint64_t r;
    __asm__ volatile("ldr s1, [%1]\n movi v2.2s, #0\n fmaxnm s0, s1, s2\n fmov %w0, s0"
                     : "=r"(r) : "r"(&sden) : "v0", "v1", "v2");
    return r;
}
__attribute__((noinline)) static uint64_t op_fsqrt_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n fsqrt d0, d1\n fmov %0, d0"
                     : "=r"(r) : "r"(&dden) : "v0", "v1");
    return r;
}
/* sqrt of a negative denormal: -0.0 and IDC under FZ (x86 checks Invalid first), NaN and IOC
 * without. */
__attribute__((noinline)) static uint64_t op_fsqrt_neg_s(void) {
    uint64_t r;
    __asm__ volatile("ldr s1, [%1]\n fsqrt s0, s1\n fmov %w0, s0"
                     : "=r"(r) : "r"(&sden) : "v0", "v1");
    return r;
}
/* A tiny result: flushed under FZ (UFC alone), a denormal and UFC+IXC without. */
__attribute__((noinline)) static uint64_t op_tiny_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n fmul d0, d1, d1\n fmov %0, d0"
                     : "=r"(r) : "r"(&dtiny) : "v0", "v1");
    return r;
}
/* An inexact result, then a flushed one: IXC stays. */
__attribute__((noinline)) static uint64_t op_inexact_then_tiny_d(void) {
    uint64_t r;
    __asm__ volatile("ldr d1, [%1]\n ldr d2, [%2]\n fmul d3, d2, d2\n fmul d0, d1, d1\n fmov %0, d0"
                     : "=r"(r) : "r"(&dtiny), "r"(&dthird) : "v0", "v1", "v2", "v3");
    return r;
}

static const struct { const char *name; uint64_t (*f)(void); } ops[] = {
    {"fmul.d", op_fmul_d}, {"fadd.s", op_fadd_s}, {"fcmp.d", op_fcmp_d},
    {"frintp.d", op_frintp_d}, {"fcvtps.d", op_fcvtps_d}, {"fmaxnm.s", op_fmaxnm_s},
    {"fsqrt.d", op_fsqrt_d}, {"fsqrt-.s", op_fsqrt_neg_s}, {"tiny.d", op_tiny_d}, {"ixc+tiny.d", op_inexact_then_tiny_d},
};

static volatile int sigfpe_seen;
static void on_fpe(int s) { (void)s; sigfpe_seen++; }

static void run_all(const char *who) {
    for (int fz = 0; fz < 2; fz++) {
        for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            set_fpcr(fz ? FZ : 0);
            clear_fpsr();
            uint64_t r = ops[i].f();
            uint64_t f = read_fpsr();
            set_fpcr(0);
            printf("%s fz=%d %-11s result %016llx fpsr %02llx\n", who, fz, ops[i].name,
                   (unsigned long long)r, (unsigned long long)(f & 0x9f));
        }
    }
}

static void *thread_main(void *arg) {
    if (arg) {
        /* FPCR (FZ) inherited from the creating thread. */
        clear_fpsr();
        uint64_t r = op_fmul_d();
        printf("thread inherited FZ: fmul.d result %016llx fpsr %02llx\n", (unsigned long long)r,
               (unsigned long long)(read_fpsr() & 0x9f));
    }
    run_all("thread");
    return 0;
}

int main(void) {
    signal(SIGFPE, on_fpe);
    run_all("main  ");
    pthread_t t;
    if (pthread_create(&t, 0, thread_main, 0) != 0) return 2;
    pthread_join(t, 0);
    /* FZ set across thread creation: the new thread inherits FPCR. */
    set_fpcr(FZ);
    if (pthread_create(&t, 0, thread_main, (void *)1) != 0) return 2;
    pthread_join(t, 0);
    set_fpcr(0);
    printf("guest SIGFPE handler calls: %d\n", sigfpe_seen);
    return 0;
}
