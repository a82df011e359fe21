/* BRK and UDF reach guest handlers: SIGTRAP (TRAP_BRKPT) and SIGILL (ILL_ILLOPC) with si_addr and
 * the context's PC at the instruction; the handlers advance PC by 4 and execution continues after
 * it with the registers the handler left. Then a BRK with the default action kills by SIGTRAP.
 * Linux gives UDF and HLT si_code ILL_ILLOPC (arch/arm64/kernel/traps.c); qemu 7.2 says
 * ILL_ILLOPN, so only "one of the two" is printed. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int traps, ills;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uint32_t insn = *(uint32_t *)uc->uc_mcontext.pc;
    printf("SIGTRAP %d code %d addr==pc %d insn %08x x0 %llu\n", sig, si->si_code,
           (uintptr_t)si->si_addr == uc->uc_mcontext.pc, insn, (unsigned long long)uc->uc_mcontext.regs[0]);
    uc->uc_mcontext.regs[0] += 100;
    uc->uc_mcontext.pc += 4;
    traps++;
}

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uint32_t insn = *(uint32_t *)uc->uc_mcontext.pc;
    printf("SIGILL %d code ILLOPC/ILLOPN %d addr==pc %d insn %08x\n", sig, si->si_code == ILL_ILLOPC || si->si_code == ILL_ILLOPN,
           (uintptr_t)si->si_addr == uc->uc_mcontext.pc, insn);
    uc->uc_mcontext.pc += 4;
    ills++;
}

static __attribute__((noinline)) uint64_t with_brk(uint64_t x)
{
    uint64_t pc;
    __asm__ volatile("mov x0, %1\n adr %0, 1f\n1: brk #0x7b\n mov %1, x0" : "=&r"(pc), "+r"(x) : : "x0", "memory");
    return x;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTRAP, &sa, NULL);
    sa.sa_sigaction = on_ill;
    sigaction(SIGILL, &sa, NULL);

    uint64_t r = 0;
    for (int i = 0; i < 3; i++)
        r += with_brk(i);
    printf("after brk: traps %d, result %llu\n", traps, (unsigned long long)r);
    __asm__ volatile(".inst 0x0000abcd" ::: "memory"); /* udf #0xabcd */
    printf("after udf: ills %d\n", ills);
    __asm__ volatile(".inst 0xd4400000" ::: "memory"); /* hlt #0: UNDEFINED at EL0 */
    printf("after hlt: ills %d\n", ills);
    fflush(stdout);
    signal(SIGTRAP, SIG_DFL);
    __asm__ volatile("brk #1" ::: "memory");
    puts("not reached");
    return 0;
}
