//! Signals: dispositions, the guest's sigaltstack and delivery of asynchronous signals (synchronous
//! ones: crate::fault). Signal numbers are identical on aarch64 and x86-64.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;
use std::sync::Mutex;

/// Guest `struct sigaction` as the aarch64 kernel sees it: handler, flags, restorer, mask.
pub type GuestSigaction = [u64; 4];

pub static ACTIONS: Mutex<[Option<GuestSigaction>; 65]> = Mutex::new([None; 65]);

pub(crate) const SA_RESTORER: u64 = 0x0400_0000;

/// Signals host glibc reserves for itself (SIGCANCEL, SIGSETXID): recorded, never touched on the host.
fn host_reserved(sig: u64) -> bool {
    sig == 32 || sig == 33
}

pub fn rt_sigaction(_: &mut CpuState, a: &Args) -> i64 {
    let (sig, act, oact, size) = (a[0], a[1], a[2], a[3]);
    if size != 8 || !(1..=64).contains(&sig) {
        return EINVAL;
    }
    let new = if act != 0 {
        let mut b = [0u8; 32];
        if guest::read(act, &mut b).is_err() {
            return EFAULT;
        }
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        Some([w(0), w(1), w(2), w(3)])
    } else {
        None
    };
    if new.is_some() && (sig == libc::SIGKILL as u64 || sig == libc::SIGSTOP as u64) {
        return EINVAL;
    }
    let mut tab = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    let old = match tab[sig as usize] {
        Some(o) => o,
        // Signals the runtime always handles itself (crate::fault): SIG_DFL until the guest says.
        None if crate::fault::owns(sig) => [0; 4],
        None => {
            let mut h = [0u64; 4];
            let r = sys(libc::SYS_rt_sigaction, &[sig, 0, h.as_mut_ptr() as u64, 8]);
            if r < 0 {
                return r;
            }
            [h[0], h[1] & !SA_RESTORER, 0, h[3]]
        }
    };
    if let Some(n) = new {
        // Synchronous signals keep the runtime's host handler, which reads ACTIONS (crate::fault).
        if !host_reserved(sig) && !crate::fault::owns(sig) {
            let r = if n[0] <= 1 {
                let h = [n[0], n[1] & !SA_RESTORER, 0, n[3]];
                sys(libc::SYS_rt_sigaction, &[sig, h.as_ptr() as u64, 0, 8])
            } else {
                install_host_handler(sig, n[3])
            };
            if r < 0 {
                return r;
            }
        }
        tab[sig as usize] = Some(n);
    }
    if oact != 0 {
        let mut b = [0u8; 32];
        for (i, w) in old.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        if guest::write(oact, &b).is_err() {
            return EFAULT;
        }
    }
    0
}

/// The guest's alternate signal stack: (ss_sp, ss_flags, ss_size).
pub static ALTSTACK: Mutex<(u64, u64, u64)> = Mutex::new((0, SS_DISABLE, 0));
pub(crate) const SS_DISABLE: u64 = 2;
const SS_AUTODISARM: u64 = 1 << 31;
const MINSIGSTKSZ: u64 = 5120;

pub fn sigaltstack(_: &mut CpuState, a: &Args) -> i64 {
    let mut alt = ALTSTACK.lock().unwrap_or_else(|e| e.into_inner());
    let old = *alt;
    if a[0] != 0 {
        let mut b = [0u8; 24];
        if guest::read(a[0], &mut b).is_err() {
            return EFAULT;
        }
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4])) as u64;
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8]));
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE {
            return EINVAL;
        }
        if mode == SS_DISABLE {
            *alt = (0, SS_DISABLE, 0);
        } else {
            if size < MINSIGSTKSZ {
                return -(libc::ENOMEM as i64);
            }
            *alt = (sp, flags, size);
        }
    }
    if a[1] != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&old.0.to_le_bytes());
        b[8..12].copy_from_slice(&(old.1 as u32).to_le_bytes());
        b[16..24].copy_from_slice(&old.2.to_le_bytes());
        if guest::write(a[1], &b).is_err() {
            return EFAULT;
        }
    }
    0
}

// ---- delivery of asynchronous signals to guest handlers ----
//
// A host handler records the signal; it is delivered to the guest at the next safe point: after a
// guest syscall (blocking syscalls are interrupted: host handlers are installed without SA_RESTART
// and the runtime restarts the syscall itself when the guest asked for SA_RESTART) or when the
// dispatcher is reached. The guest handler runs on an aarch64 rt_sigframe built on the guest stack,
// in a nested dispatcher loop, and returns to `SIGRETURN_TRAMPOLINE`, an address that is not guest
// code: the loop stops there and the runtime restores the state from the frame (a dispatcher that
// did not start the handler does the same: crate::fault::sigreturn). Synchronous signals raised by
// translated code itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP with a kernel si_code) are
// crate::fault's: it always owns the host handlers of those five.

use std::sync::atomic::{AtomicU64, Ordering};

/// Return address given to guest handlers (inside the reserved, never-mapped first guest page).
pub const SIGRETURN_TRAMPOLINE: u64 = 0x1_0000;

static PENDING: AtomicU64 = AtomicU64::new(0);
static INFO: [[AtomicU64; 16]; 65] = [const { [const { AtomicU64::new(0) }; 16] }; 65];

pub(crate) const SA_SIGINFO: u64 = 4;
pub(crate) const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTART: u64 = 0x1000_0000;
pub(crate) const SA_NODEFER: u64 = 0x4000_0000;
pub(crate) const SA_RESETHAND: u64 = 0x8000_0000;

pub(crate) extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, _uc: *mut libc::c_void) {
    if !(1..=64).contains(&sig) {
        return;
    }
    let synchronous = matches!(sig, libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL | libc::SIGTRAP);
    // SAFETY: the kernel passes a valid siginfo (SA_SIGINFO).
    let code = unsafe { (*info).si_code };
    if synchronous && code > 0 {
        // Raised by the host code itself: die as the guest would.
        // SAFETY: async-signal-safe calls only.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
        return;
    }
    // SAFETY: siginfo_t is 128 bytes, read as 16 words.
    let words = unsafe { core::slice::from_raw_parts(info as *const u64, 16) };
    for (i, w) in words.iter().enumerate() {
        INFO[sig as usize][i].store(*w, Ordering::Relaxed);
    }
    PENDING.fetch_or(1 << (sig - 1), Ordering::Release);
}

/// Install the host side of a guest handler for `sig`.
fn install_host_handler(sig: u64, guest_mask: u64) -> i64 {
    // SAFETY: a plain sigaction call with a local struct; the handler only touches atomics.
    unsafe {
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction = host_handler as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        *(&mut sa.sa_mask as *mut libc::sigset_t as *mut u64) = guest_mask;
        if libc::sigaction(sig as i32, &sa, core::ptr::null_mut()) != 0 {
            return -(*libc::__errno_location() as i64);
        }
    }
    0
}

pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed) != 0
}

pub(crate) const FRAME_INFO: u64 = 0;
pub(crate) const FRAME_UC: u64 = 128;
pub(crate) const UC_SIGMASK: u64 = 40;
pub(crate) const UC_MCONTEXT: u64 = 176;
pub(crate) const SC_REGS: u64 = 8;
pub(crate) const SC_SP: u64 = 256;
pub(crate) const SC_PC: u64 = 264;
pub(crate) const SC_PSTATE: u64 = 272;
pub(crate) const SC_RESERVED: u64 = 288;
pub(crate) const FRAME_SIZE: u64 = 128 + 176 + 288 + 4096; // rt_sigframe
pub(crate) const FPSIMD_MAGIC: u32 = 0x4650_8001;

pub(crate) fn host_sigmask(how: i32, set: u64) -> u64 {
    let mut old = 0u64;
    sys(libc::SYS_rt_sigprocmask, &[how as u64, &set as *const u64 as u64, &mut old as *mut u64 as u64, 8]);
    old
}

/// Deliver pending signals to the guest. Returns true if the guest asked to restart an interrupted
/// syscall (SA_RESTART on every handler run).
pub fn deliver_pending(st: &mut CpuState) -> bool {
    let mut restart = true;
    loop {
        let p = PENDING.load(Ordering::Acquire);
        if p == 0 {
            return restart;
        }
        let sig = p.trailing_zeros() as u64 + 1;
        PENDING.fetch_and(!(1 << (sig - 1)), Ordering::AcqRel);
        let act = ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[sig as usize];
        let Some(act) = act else { continue };
        match act[0] {
            0 => crate::trap::die_by_signal(sig as i32),
            1 => continue,
            _ => {}
        }
        if act[1] & SA_RESTART == 0 {
            restart = false;
        }
        run_guest_handler(st, sig, &act);
    }
}

fn run_guest_handler(st: &mut CpuState, sig: u64, act: &GuestSigaction) {
    if act[1] & SA_RESETHAND != 0 {
        ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[sig as usize] = Some([0, 0, 0, 0]);
        let h = [0u64, 0, 0, 0];
        sys(libc::SYS_rt_sigaction, &[sig, h.as_ptr() as u64, 0, 8]);
    }
    let mut top = st.sp;
    let alt = *ALTSTACK.lock().unwrap_or_else(|e| e.into_inner());
    let alt_top = alt.0.saturating_add(alt.2);
    if act[1] & SA_ONSTACK != 0 && alt.1 & SS_DISABLE == 0 && !(alt.0 < st.sp && st.sp <= alt_top) {
        top = alt_top;
    }
    // A bad guest sp makes the frame write fail below (SIGSEGV), never a host crash.
    let frame = top.wrapping_sub(FRAME_SIZE + 16) & !15;
    let mut f = vec![0u8; (FRAME_SIZE + 16) as usize];
    let put = |f: &mut Vec<u8>, off: u64, v: &[u8]| f[off as usize..off as usize + v.len()].copy_from_slice(v);
    for i in 0..16 {
        put(&mut f, FRAME_INFO + 8 * i, &INFO[sig as usize][i as usize].load(Ordering::Relaxed).to_le_bytes());
    }
    let mut block = act[3];
    if act[1] & SA_NODEFER == 0 {
        block |= 1 << (sig - 1);
    }
    let old_mask = host_sigmask(libc::SIG_BLOCK, block);
    let uc = FRAME_UC;
    put(&mut f, uc + 16, &alt.0.to_le_bytes());
    put(&mut f, uc + 24, &(alt.1 as u32).to_le_bytes());
    put(&mut f, uc + 32, &alt.2.to_le_bytes());
    put(&mut f, uc + UC_SIGMASK, &old_mask.to_le_bytes());
    let sc = uc + UC_MCONTEXT;
    for i in 0..31 {
        put(&mut f, sc + SC_REGS + 8 * i, &st.x[i as usize].to_le_bytes());
    }
    put(&mut f, sc + SC_SP, &st.sp.to_le_bytes());
    put(&mut f, sc + SC_PC, &st.pc.to_le_bytes());
    put(&mut f, sc + SC_PSTATE, &st.nzcv().to_le_bytes());
    let r = sc + SC_RESERVED;
    // FP exception flags raised so far belong to the interrupted code's FPSR.
    st.fpsr |= super::misc::take_host_fp_flags();
    put(&mut f, r, &FPSIMD_MAGIC.to_le_bytes());
    put(&mut f, r + 4, &528u32.to_le_bytes());
    put(&mut f, r + 8, &st.fpsr.to_le_bytes());
    put(&mut f, r + 12, &st.fpcr.to_le_bytes());
    for i in 0..32 {
        put(&mut f, r + 16 + 16 * i, &st.v[i as usize].to_le_bytes());
    }
    // frame record (fp, lr) above the frame, as the kernel leaves it
    put(&mut f, FRAME_SIZE, &st.x[29].to_le_bytes());
    put(&mut f, FRAME_SIZE + 8, &st.x[30].to_le_bytes());
    if guest::write(frame, &f).is_err() {
        host_sigmask(libc::SIG_SETMASK, old_mask);
        crate::trap::die_by_signal(libc::SIGSEGV);
    }
    let saved = st.clone();
    st.x[0] = sig;
    st.x[1] = if act[1] & SA_SIGINFO != 0 { frame + FRAME_INFO } else { 0 };
    st.x[2] = if act[1] & SA_SIGINFO != 0 { frame + uc } else { 0 };
    st.x[29] = frame + FRAME_SIZE;
    st.x[30] = SIGRETURN_TRAMPOLINE;
    st.sp = frame;
    st.pc = act[0];
    let stp = st as *mut CpuState;
    loop {
        // SAFETY: stp is this thread's live state; translated code updates it through the pointer.
        let pc = unsafe { (*stp).pc };
        if pc == SIGRETURN_TRAMPOLINE {
            break;
        }
        let f = crate::dispatch::aot_lookup(pc);
        f(stp, pc);
    }
    // sigreturn: restore from the (possibly modified) frame
    let mut back = vec![0u8; (FRAME_SIZE + 16) as usize];
    if guest::read(frame, &mut back).is_err() {
        crate::trap::die_by_signal(libc::SIGSEGV);
    }
    let w64 = |off: u64| u64::from_le_bytes(back[off as usize..off as usize + 8].try_into().unwrap_or([0; 8]));
    *st = saved;
    for i in 0..31 {
        st.x[i as usize] = w64(sc + SC_REGS + 8 * i);
    }
    st.sp = w64(sc + SC_SP);
    st.pc = w64(sc + SC_PC);
    st.set_nzcv(w64(sc + SC_PSTATE));
    if u32::from_le_bytes(back[r as usize..r as usize + 4].try_into().unwrap_or([0; 4])) == FPSIMD_MAGIC {
        st.fpsr = w64(r + 8) as u32;
        st.fpcr = (w64(r + 8) >> 32) as u32;
        for i in 0..32 {
            let o = (r + 16 + 16 * i) as usize;
            st.v[i as usize] = u128::from_le_bytes(back[o..o + 16].try_into().unwrap_or([0; 16]));
        }
    }
    // The handler may have changed FPCR; the restored one must rule the host FP environment again.
    // FPSR comes back from the frame: flags the handler raised are dropped with its FPSR.
    super::misc::set_host_fp_env(st.fpcr as u64);
    super::misc::take_host_fp_flags();
    host_sigmask(libc::SIG_SETMASK, w64(uc + UC_SIGMASK));
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sigaction_records_guest_handler() {
        let mut st = CpuState::default();
        let act: [u64; 4] = [0x401234, 0x4000000, 0, 1 << 9];
        let mut old = [7u64; 4];
        // SIGUSR2 with a guest handler: recorded, host untouched
        assert_eq!(rt_sigaction(&mut st, &[12, act.as_ptr() as u64, old.as_mut_ptr() as u64, 8, 0, 0]), 0);
        assert_eq!(old[0], 0);
        assert_eq!(rt_sigaction(&mut st, &[12, 0, old.as_mut_ptr() as u64, 8, 0, 0]), 0);
        assert_eq!(old, act);
        assert_eq!(rt_sigaction(&mut st, &[9, act.as_ptr() as u64, 0, 8, 0, 0]), EINVAL);
        assert_eq!(rt_sigaction(&mut st, &[12, 0, 0, 16, 0, 0]), EINVAL);
        assert_eq!(rt_sigaction(&mut st, &[12, 8, 0, 8, 0, 0]), EFAULT);
    }
}
