//! aot-runtime: the static library linked into every translated program.
//!
//! Start-up (`entry`): reserve the guest address range (`mem`), map the embedded guest ELF
//! (`loader`), build the initial guest stack, then run the dispatcher (`dispatch`) on a large host
//! stack. Translated code calls back into the runtime through the `aot_helper_*` functions, `aot_trap`
//! (`trap`) and `aot_lookup` (`dispatch`). Guest Linux system calls are translated by `syscall`
//! (one table, see docs/syscalls.md).
//!
//! Guest threads run on host threads (one CpuState each). Asynchronous signals are delivered to guest
//! handlers at safe points: syscall returns, the dispatcher, and loop headers and function entries
//! of translated code (`aot_safepoint`); aarch64 rt_sigframe on the guest stack, handlers return
//! through a runtime trampoline. Synchronous faults of translated code and guest traps reach guest
//! handlers with the exact guest PC (`fault`); docs/signals.md. The link step must make the address after every `svc` an entry of `aot_entry_table`
//! (a new thread starts there, in the dispatcher).
//!
//! Exit statuses chosen by the runtime itself (the guest's own statuses pass through unchanged):
//! - 70: no translation for a guest address reached by an indirect branch (`aot_lookup` miss),
//!   or the JIT code cache full of code still in use (`reclaim`);
//! - 71: start-up failure (bad embedded image, address-space reservation or mapping failed);
//! - 128+N: the guest died by signal N (traps re-raise SIGILL/SIGTRAP with the default action).
//!
//! Environment: `AOT_DEBUG=1` (trap diagnostics: guest PC, nearest symbol, registers),
//! `AOT_STRACE=1` (log every guest syscall to stderr), `AOT_PORTABLE_CRYPTO=1` (no AES-NI/PCLMULQDQ
//! for the Cryptographic Extension, see `crypto`), `AOT_XLAT_CACHE` (the executable cache execve
//! looks in, `syscall::exec`), `AOT_GUEST_EXE` (set by a translated parent's execve: the guest path
//! of this program; removed from the guest's environment, as is `AOT_RUNTIME_XLAT_CACHE`, the cache
//! folder the parent used); `AOT_JIT_CACHE_MB`, `AOT_JIT_RECLAIM=0` and `AOT_JIT_RECLAIM_WAIT_MS` size the JIT
//! code cache and control the reclamation of retired JIT code (docs/jit.md).
//!
//! Linking: the output must be linked with `cc -static-pie` (no `-Ttext-segment`). A non-PIE
//! `cc -static -Wl,-Ttext-segment=0x7e0000000000` does not link with Debian's glibc 2.36 libc.a:
//! crtbeginT.o has R_X86_64_32 relocations, crt1.o needs `--no-relax` for its GOTPCREL to `main`,
//! and libc.a calls weak undefined functions (`__pthread_initialize_minimal`, `__call_tls_dtors`,
//! ...) with R_X86_64_PLT32, which cannot reach address 0 from above 2 GiB. A static PIE linked at 0
//! is placed by the kernel at ELF_ET_DYN_BASE / the mmap base (0x55.. / 0x7f..), above the reserved
//! guest range, so the address map of docs/design.md still holds. Translated objects must therefore
//! be PIC (LLVM relocation model pic); guest addresses are absolute symbols used through 64-bit
//! relocations. `interp-harness/` links this way and runs real guest programs end to end.

pub mod chain;
pub mod crypto;
pub mod dispatch;
pub mod elf;
pub mod entry;
pub mod fp;
pub mod fault;
pub mod glue;
pub mod guest;
pub mod ic;
pub mod instrument;
pub mod jit;
pub mod loader;
pub mod mem;
pub mod reclaim;
pub mod smc;
pub mod syscall;
pub mod trace;
pub mod trap;

pub use aot_lifter::cpu::CpuState;
