//! Synchronous signals: host faults of translated code (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE)
//! and the guest traps of `aot_trap` (BRK, UDF, unallocated encodings), delivered to guest
//! handlers with the exact guest PC. Design and limits: docs/signals.md.
//!
//! - The runtime always has a host handler for these signals (on a per-thread host sigaltstack,
//!   `stack`), whatever the guest's disposition; the guest's is in `syscall::signal::ACTIONS`.
//! - A fault whose host PC is in translated code (`aot_text`) is the guest's: its guest PC comes
//!   from the line table (`pcmap`); in JIT-compiled code from the JIT's map (`jitmap`). A fault
//!   in the guard of the thread's host stack is a host stack overflow and becomes a guest SIGSEGV
//!   too. Any other fault is a runtime bug: it dies loudly.
//! - The guest handler runs on the host signal stack, in a nested dispatcher loop, while the
//!   faulting translated frames wait below. If it returns with the register context unchanged the
//!   host handler returns and the faulting host instruction runs again (the access is retried, as
//!   on Linux). If it changed the context, or left non-locally (siglongjmp), the state it left is
//!   complete in `CpuState` and the thread continues in its dispatcher with all those host frames
//!   dropped (`stack::resume_dispatcher`), so the host stack does not grow per fault.

pub mod fztrap;
pub mod jitmap;
pub mod pcmap;
pub mod stack;

use crate::guest::{self, write_stderr};
use crate::syscall::signal::{self as sig, ACTIONS};
use crate::trap::{debug, die_by_signal, dump_state, symbolize};
use crate::CpuState;
use aot_lifter::ir::TrapKind;

/// The signals the runtime handles itself (faults and traps).
pub fn owns(s: u64) -> bool {
    [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGTRAP, libc::SIGFPE].contains(&(s as i32))
}

/// Install the host handlers (process start).
pub fn install() -> Result<(), String> {
    for s in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGTRAP, libc::SIGFPE] {
        // SAFETY: a plain sigaction call with a local struct.
        unsafe {
            let mut sa: libc::sigaction = core::mem::zeroed();
            sa.sa_sigaction = host_fault as *const () as usize;
            // NODEFER: the guest's mask decides what is blocked while its handler runs (it is the
            // host mask); a fault of a blocked signal then kills, as on Linux.
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            if libc::sigaction(s, &sa, core::ptr::null_mut()) != 0 {
                return Err(format!("cannot install the handler of signal {s}"));
            }
        }
    }
    Ok(())
}

// siginfo codes
const SEGV_MAPERR: i32 = 1;
const SEGV_ACCERR: i32 = 2;
const TRAP_BRKPT: i32 = 1;
const ILL_ILLOPC: i32 = 1;

/// What the guest is told about a synchronous signal.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub sig: i32,
    pub code: i32,
    /// si_addr (the data address of a memory fault, the PC of a trap).
    pub addr: u64,
    /// sigcontext.fault_address
    pub fault_address: u64,
    /// ESR_EL1 as Linux reports it in an esr_context record (None: no record).
    pub esr: Option<u64>,
    /// Guest PC of the faulting instruction.
    pub pc: u64,
}

/// ESR of a data abort from EL0 (EC 0x24, IL): WnR from the host's page-fault error code, DFSC a
/// level-3 translation fault (unmapped) or permission fault (mapped but not allowed). Linux reports
/// the hardware's value, which may also carry ISV/SAS/SRT; those are not reconstructed.
pub fn data_abort_esr(write: bool, accerr: bool) -> u64 {
    let dfsc = if accerr { 0x0f } else { 0x07 };
    (0x24 << 26) | (1 << 25) | ((write as u64) << 6) | dfsc
}

/// ESR of BRK #imm (EC 0x3c, IL).
pub fn brk_esr(imm: u64) -> u64 {
    (0x3c << 26) | (1 << 25) | (imm & 0xffff)
}

thread_local! {
    static IN_FAULT: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

fn runtime_fault(s: i32, addr: u64, rip: u64) -> ! {
    write_stderr(&format!(
        "aot-translate runtime: fatal signal {s} in the runtime at host pc 0x{rip:x} (address 0x{addr:x})\n"
    ));
    let cur = crate::dispatch::current();
    if debug() && !cur.is_null() {
        // SAFETY: the dispatcher's state of this thread.
        write_stderr(&format!("guest state (registers as last written back):\n{}", dump_state(unsafe { &*cur })));
    }
    die_by_signal(s)
}

/// The host handler of the signals in `owns`.
extern "C" fn host_fault(s: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo and ucontext (SA_SIGINFO).
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as u64) };
    // SAFETY: the ucontext of this host signal.
    if unsafe { fztrap::handle(s, code, uc as *mut libc::ucontext_t) } {
        return;
    }
    if code <= 0 {
        // Sent by kill/tgkill/sigqueue: asynchronous. The lock may be held by this very thread
        // (interrupted in rt_sigaction): then the pending-signal path decides later.
        let act = ACTIONS.try_lock().ok().map(|t| t[s as usize].unwrap_or([0; 4]));
        match act.map(|a| a[0]) {
            Some(0) => die_by_signal(s),
            Some(1) => {}
            _ => sig::host_handler(s, info, uc),
        }
        return;
    }
    let ucx = uc as *mut libc::ucontext_t;
    // SAFETY: as above.
    let (rip, err) = unsafe {
        let g = &(*ucx).uc_mcontext.gregs;
        (g[libc::REG_RIP as usize] as u64, g[libc::REG_ERR as usize] as u64)
    };
    let (lo, hi) = crate::glue::code_range();
    let overflow = stack::in_guard(addr);
    // JIT'd code: its own map (lock- and allocation-free, like everything before the lock below).
    let jit_pc = if (lo..hi).contains(&rip) { None } else { jitmap::lookup(rip) };
    let in_code = (lo..hi).contains(&rip) || jit_pc.is_some();
    let st = crate::dispatch::current();
    if st.is_null() || IN_FAULT.with(|f| f.get()) || !(in_code || overflow) {
        runtime_fault(s, addr, rip);
    }
    if !in_code {
        // A host stack overflow inside the runtime: not resumable, the guest dies of it.
        die_by_signal(libc::SIGSEGV);
    }
    // Translated code holds no runtime lock: taking this one cannot deadlock.
    let act = ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[s as usize].unwrap_or([0; 4]);
    // SAFETY: this thread's live guest state (set by its dispatcher).
    let st = unsafe { &mut *st };
    let pc = match jit_pc {
        Some(pc) => pc,
        None => {
            IN_FAULT.with(|f| f.set(true));
            let pc = pcmap::get().and_then(|m| m.lookup(rip));
            IN_FAULT.with(|f| f.set(false));
            pc
        }
    };
    let pc = pc.unwrap_or(st.pc);
    let f = if overflow {
        // Host stack exhausted by deep guest recursion: what the guest would see is a fault on
        // its own stack; the address reported is the guest SP as last written back.
        Fault { sig: libc::SIGSEGV, code: SEGV_MAPERR, addr: st.sp, fault_address: st.sp, esr: Some(data_abort_esr(true, false)), pc }
    } else {
        // The whole guest range is a PROT_NONE reservation on the host, so an access to a guest
        // address nothing is mapped at is SEGV_ACCERR there: it is SEGV_MAPERR for the guest.
        let unmapped = || {
            let p = crate::mem::page_down(addr);
            !crate::mem::in_guest(p, crate::mem::PAGE) || !crate::mem::with_space(|sp| sp.is_covered(p, p + crate::mem::PAGE))
        };
        let gcode = if s == libc::SIGSEGV && (code > 3 || (code == SEGV_ACCERR && unmapped())) { SEGV_MAPERR } else { code };
        let accerr = s == libc::SIGSEGV && gcode == SEGV_ACCERR;
        let esr = matches!(s, libc::SIGSEGV | libc::SIGBUS).then(|| data_abort_esr(err & 2 != 0, accerr));
        Fault { sig: s, code: gcode, addr, fault_address: addr, esr, pc }
    };
    let guest_mask = sig::current_mask();
    if act[0] <= 1 || guest_mask & (1 << (f.sig - 1)) != 0 {
        // SIG_DFL, or SIG_IGN / blocked (Linux kills for a synchronous fault then too).
        if debug() {
            write_stderr(&format!(
                "aot-translate runtime: guest signal {} at pc 0x{:x} ({}), address 0x{:x}\nguest state (registers as last written back):\n{}",
                f.sig,
                f.pc,
                symbolize(f.pc),
                f.addr,
                dump_state(st)
            ));
        }
        die_by_signal(f.sig);
    }
    let saved = st.clone();
    let Some(frame) = enter_handler(st, &f, &act, guest_mask) else { die_by_signal(libc::SIGSEGV) };
    let written = read_frame(frame);
    let handler = st.pc;
    let handler_fpcr = st.fpcr;
    let stp = st as *mut CpuState;
    // The faulting frames wait on the stack the fault interrupted: the reclaimer's scans from
    // the signal stack must cover them too.
    // SAFETY: the kernel's saved context of this host signal.
    let rsp = unsafe { (*ucx).uc_mcontext.gregs[libc::REG_RSP as usize] as u64 };
    let prev = crate::reclaim::enter_fault(rsp);
    // The host handler runs under the kernel's default MXCSR; the guest handler runs under its
    // FPCR, as on Arm (the interrupted code's MXCSR comes back with this handler's return).
    crate::syscall::misc::set_host_fp_env(handler_fpcr as u64);
    crate::dispatch::aot_lookup(handler)(stp, handler);
    crate::reclaim::leave_fault(prev);
    // SAFETY: `stp` is this thread's live state; translated code has returned.
    let st = unsafe { &mut *stp };
    if st.pc != sig::SIGRETURN_TRAMPOLINE {
        // Left the handler non-locally (siglongjmp): continue there.
        stack::resume_dispatcher(stp);
    }
    let back = read_frame(frame);
    match (written, back) {
        (Some(w), Some(b)) if same_context(&w, &b) => {
            // Unchanged: run the faulting host instruction again, with the mask (and alternate
            // stack) the frame holds.
            *st = saved;
            sig::restore_stack_and_mask(frame_stack(&b), frame_mask(&b), st.sp);
            // SAFETY: the kernel's saved context of this host signal.
            unsafe { *(&mut (*ucx).uc_sigmask as *mut libc::sigset_t as *mut u64) = sig::host_mask_for(frame_mask(&b)) };
        }
        _ => {
            *st = saved;
            if !restore(st, frame) {
                die_by_signal(libc::SIGSEGV);
            }
            stack::resume_dispatcher(stp);
        }
    }
}

fn frame_mask(b: &[u8]) -> u64 {
    let o = (sig::FRAME_UC + sig::UC_SIGMASK) as usize;
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]))
}

/// The frame's uc_stack: (ss_sp, ss_flags, ss_size).
fn frame_stack(b: &[u8]) -> (u64, u64, u64) {
    let o = (sig::FRAME_UC + sig::UC_STACK) as usize;
    let w = |i: usize| u64::from_le_bytes(b[o + i..o + i + 8].try_into().unwrap_or([0; 8]));
    (w(0), w(8) as u32 as u64, w(16))
}

/// Are the register context (X0-X30, SP, PC, PSTATE) and the FP/SIMD record of two frames equal?
fn same_context(a: &[u8], b: &[u8]) -> bool {
    let sc = (sig::FRAME_UC + sig::UC_MCONTEXT) as usize;
    let regs = sc + sig::SC_REGS as usize..sc + sig::SC_PSTATE as usize + 8;
    let fp = sc + sig::SC_RESERVED as usize..sc + sig::SC_RESERVED as usize + 528;
    a.get(regs.clone()) == b.get(regs) && a.get(fp.clone()) == b.get(fp)
}

fn read_frame(frame: u64) -> Option<Vec<u8>> {
    let mut b = vec![0u8; (sig::FRAME_SIZE + 16) as usize];
    guest::read(frame, &mut b).ok()?;
    Some(b)
}

/// Build the rt_sigframe of `f` for the guest handler `act` and point `st` at the handler
/// (`sig::push_frame`). `mask` is the guest's signal mask before the signal. Returns the frame's
/// address, or None if the guest stack cannot hold it.
pub fn enter_handler(st: &mut CpuState, f: &Fault, act: &sig::GuestSigaction, mask: u64) -> Option<u64> {
    let s = f.sig as u64;
    if act[1] & sig::SA_RESETHAND != 0 {
        ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[s as usize] = Some([0; 4]);
    }
    // siginfo: si_signo, si_errno = 0, si_code, then si_addr at 16
    let mut info = [0u64; 16];
    info[0] = f.sig as u32 as u64;
    info[1] = f.code as u32 as u64;
    info[2] = f.addr;
    let spec = sig::FrameSpec { gsig: s, info, pc: f.pc, mask, fault_address: f.fault_address, esr: f.esr };
    sig::push_frame(st, &spec, act)
}

/// rt_sigreturn from the frame at `frame` (`sig::pop_frame`). False if the frame is unreadable.
pub fn restore(st: &mut CpuState, frame: u64) -> bool {
    sig::pop_frame(st, frame)
}

/// The dispatcher reached the signal-return trampoline: a guest handler returned (the frame is at
/// SP, as for the kernel's rt_sigreturn).
pub fn sigreturn(st: &mut CpuState) {
    let frame = st.sp;
    if !restore(st, frame) {
        die_by_signal(libc::SIGSEGV);
    }
}

/// A guest trap (`aot_trap`; the state is exact, `st.pc` is the instruction): deliver SIGTRAP /
/// SIGILL to the guest's handler and continue in the dispatcher, or die by it.
pub fn trap(st: &mut CpuState, kind: Option<TrapKind>) -> ! {
    let (s, code) = match kind {
        Some(TrapKind::Breakpoint) => (libc::SIGTRAP, TRAP_BRKPT),
        _ => (libc::SIGILL, ILL_ILLOPC),
    };
    let act = ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[s as usize].unwrap_or([0; 4]);
    let mask = sig::current_mask();
    // NotCode is the translator's limit (no translation there), not a guest exception.
    let deliverable = act[0] > 1 && mask & (1 << (s - 1)) == 0 && kind != Some(TrapKind::NotCode);
    if debug() || !deliverable {
        if debug() {
            let what = kind.map(|k| k.name()).unwrap_or("unknown");
            write_stderr(&format!(
                "aot-translate runtime: guest trap ({what}) at 0x{:x} ({}), signal {s}\n{}",
                st.pc,
                symbolize(st.pc),
                dump_state(st)
            ));
        }
        if !deliverable {
            die_by_signal(s);
        }
    }
    let esr = if s == libc::SIGTRAP {
        let mut w = [0u8; 4];
        let insn = guest::read(st.pc, &mut w).map(|_| u32::from_le_bytes(w)).unwrap_or(0);
        Some(brk_esr(((insn >> 5) & 0xffff) as u64))
    } else {
        None
    };
    let f = Fault { sig: s, code, addr: st.pc, fault_address: 0, esr, pc: st.pc };
    if enter_handler(st, &f, &act, mask).is_none() {
        die_by_signal(libc::SIGSEGV);
    }
    stack::resume_dispatcher(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn esr_values() {
        // data abort from EL0, translation fault level 3, read / write; permission fault
        assert_eq!(data_abort_esr(false, false), 0x9200_0007);
        assert_eq!(data_abort_esr(true, false), 0x9200_0047);
        assert_eq!(data_abort_esr(true, true), 0x9200_004f);
        // brk #0x7b
        assert_eq!(brk_esr(0x7b), 0xf200_007b);
    }

    #[test]
    fn frame_round_trip() {
        // A frame built on a local buffer standing in for the guest stack, read back by restore.
        let mut stack = vec![0u8; 16 << 10];
        let top = (stack.as_mut_ptr() as u64 + stack.len() as u64) & !15;
        let mut st = CpuState::default();
        st.sp = top;
        for i in 0..31 {
            st.x[i] = 0x1000 + i as u64;
        }
        st.v[3] = 0x1234;
        st.set_nzcv(0x6000_0000);
        let f = Fault { sig: 11, code: 2, addr: 0xdead, fault_address: 0xdead, esr: Some(data_abort_esr(true, true)), pc: 0x400123 };
        let act = [0x401000, sig::SA_SIGINFO, 0, 0];
        let before = sig::current_mask();
        let frame = enter_handler(&mut st, &f, &act, before).unwrap();
        assert_eq!((st.pc, st.x[0], st.x[1], st.sp, st.x[30]), (0x401000, 11, frame, frame, sig::SIGRETURN_TRAMPOLINE));
        let b = read_frame(frame).unwrap();
        let w32 = |o: u64| u32::from_le_bytes(b[o as usize..o as usize + 4].try_into().unwrap());
        let w64 = |o: u64| u64::from_le_bytes(b[o as usize..o as usize + 8].try_into().unwrap());
        assert_eq!((w32(0), w32(8), w64(16)), (11, 2, 0xdead));
        let sc = sig::FRAME_UC + sig::UC_MCONTEXT;
        assert_eq!(w64(sc), 0xdead);
        assert_eq!(w64(sc + sig::SC_PC), 0x400123);
        let r = sc + sig::SC_RESERVED;
        assert_eq!((w32(r), w32(r + 4)), (sig::FPSIMD_MAGIC, 528));
        assert_eq!((w32(r + 528), w32(r + 532), w64(r + 536)), (sig::ESR_MAGIC, 16, 0x9200_004f));
        assert_eq!((w32(r + 544), w32(r + 548)), (0, 0));
        // SIGSEGV is blocked while the handler runs
        assert_ne!(sig::current_mask() & (1 << 10), 0);
        let mut back = st.clone();
        back.sp = frame;
        assert!(restore(&mut back, frame));
        assert_eq!((back.pc, back.x[5], back.sp, back.v[3], back.nzcv()), (0x400123, 0x1005, top, 0x1234, 0x6000_0000));
        assert_eq!(sig::current_mask(), before);
        drop(stack);
    }
}
