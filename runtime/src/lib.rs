//! aot-runtime: the static library linked into every translated program.
//!
//! Start-up (`entry`): reserve the guest address range (`mem`), map the embedded guest ELF
//! (`loader`), build the initial guest stack, then run the dispatcher (`dispatch`) on a large host
//! stack. Translated code calls back into the runtime through the `aot_helper_*` functions, `aot_trap`
//! (`trap`) and `aot_lookup` (`dispatch`). Guest Linux system calls are translated by `syscall`
//! (one table, see docs/syscalls.md).
//!
//! Exit statuses chosen by the runtime itself (the guest's own statuses pass through unchanged):
//! - 70: no translation for a guest address reached by an indirect branch (`aot_lookup` miss);
//! - 71: start-up failure (bad embedded image, address-space reservation or mapping failed);
//! - 128+N: the guest died by signal N (traps re-raise SIGILL/SIGTRAP with the default action).

pub mod dispatch;
pub mod elf;
pub mod entry;
pub mod glue;
pub mod guest;
pub mod loader;
pub mod mem;
pub mod syscall;
pub mod trap;

pub use aot_lifter::cpu::CpuState;
