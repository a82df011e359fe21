//! Guest traps, fatal runtime errors and AOT_DEBUG diagnostics.

use crate::guest::{sys, write_stderr};
use crate::CpuState;
use aot_lifter::ir::TrapKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Exit status for a guest address without translation (`aot_lookup` miss).
pub const EXIT_NO_TRANSLATION: i32 = 70;
/// Exit status for start-up failures.
pub const EXIT_STARTUP: i32 = 71;

pub static DEBUG: AtomicBool = AtomicBool::new(false);

pub fn debug() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

static SYMS: OnceLock<Vec<(u64, u64, String)>> = OnceLock::new();

/// `symbol+0xoff` for a guest address, from the embedded image's .symtab.
pub fn symbolize(addr: u64) -> String {
    let syms = SYMS.get_or_init(|| match crate::elf::Elf::parse(crate::glue::image()) {
        Ok(e) => e.symbols(),
        Err(_) => Vec::new(),
    });
    crate::elf::describe(syms, addr)
}

pub fn exit_group(code: i32) -> ! {
    crate::jit::print_stats();
    loop {
        sys(libc::SYS_exit_group, &[code as u64]);
    }
}

/// Print `aot-translate runtime: msg` and exit with `code`.
pub fn fatal(code: i32, msg: &str) -> ! {
    write_stderr(&format!("aot-translate runtime: {msg}\n"));
    exit_group(code)
}

pub fn dump_state(st: &CpuState) -> String {
    let mut s = format!("  pc  {:016x} ({})\n", st.pc, symbolize(st.pc));
    for i in 0..31 {
        s += &format!("  x{:<2} {:016x}{}", i, st.x[i], if i % 4 == 3 { "\n" } else { " " });
    }
    s += &format!(" sp  {:016x}\n", st.sp);
    s += &format!("  nzcv {}{}{}{}  fpcr {:08x} fpsr {:08x} tpidr {:016x}\n", st.n, st.z, st.c, st.vf, st.fpcr, st.fpsr, st.tpidr);
    for i in 0..32 {
        s += &format!("  q{:<2} {:032x}{}", i, st.v[i], if i % 2 == 1 { "\n" } else { " " });
    }
    s
}

/// Die by `sig` with its default action, as an uncaught signal would kill the real program.
pub fn die_by_signal(sig: i32) -> ! {
    // SAFETY: plain libc calls on the current process; no memory is passed except a local struct.
    unsafe {
        // The host process' core would be the translator's, not the guest's: suppress it.
        let rl = libc::rlimit { rlim_cur: 0, rlim_max: libc::RLIM_INFINITY };
        let mut old = rl;
        libc::getrlimit(libc::RLIMIT_CORE, &mut old);
        let new = libc::rlimit { rlim_cur: 0, rlim_max: old.rlim_max };
        libc::setrlimit(libc::RLIMIT_CORE, &new);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, core::ptr::null_mut());
        libc::raise(sig);
    }
    exit_group(128 + sig)
}

/// Called by translated code for an instruction that traps. `st.pc` is the faulting instruction
/// and the state is complete: SIGTRAP/SIGILL go to a guest handler or kill (crate::fault::trap).
///
/// # Safety
/// `st` must be the live state of the calling guest thread.
#[no_mangle]
pub unsafe extern "C" fn aot_trap(st: *mut CpuState, kind: u32) -> ! {
    // SAFETY: translated code passes the live state of the current guest thread.
    let st = unsafe { &mut *st };
    crate::fault::trap(st, TrapKind::from_u32(kind))
}
