//! Signals: the guest/host signal number table, guest dispositions, per-thread masks and pending
//! signals, delivery to guest handlers (aarch64 rt_sigframe) and the signal syscalls.
//!
//! docs/signals.md describes the design; in short:
//! - Guest signal numbers go through one table ([`host_sig`], [`guest_sig`]): the host glibc's own
//!   real-time signals (32 SIGCANCEL, 33 SIGSETXID) are never given to the guest, the guest's (the
//!   same numbers, used by the guest glibc for the same things) map to other host real-time
//!   signals, and host signal [`RUNTIME_SIG`] is kept free for the runtime.
//! - Each guest thread runs on its own host thread, and its host signal mask mirrors its guest mask,
//!   so the kernel chooses the receiving thread as it would for the guest (thread-directed signals
//!   go to that thread, process-directed ones to a thread not blocking them) and keeps everything
//!   else pending, real-time queues included.
//! - The host handler takes one signal into the thread's slot, sets `CpuState::sigpoll` and returns
//!   with every host signal blocked (the interrupted context's mask), as QEMU does: at most one
//!   signal per thread is held by the runtime, the rest stay queued in the kernel. The slot is
//!   delivered at the next safe point: a loop back edge or function entry in translated code, a
//!   syscall return, the dispatcher. Delivery unblocks again.
//! - Blocking syscalls go through [`safe_syscall`]: a signal that arrives between the pending
//!   check and the `syscall` instruction rewinds the host PC to a path that returns
//!   [`ERESTART_INTERNAL`], so it is never lost; the syscall is then restarted after delivery.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;
use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

// ---- the signal number table ----

/// The host signal the runtime keeps for itself (never given to the guest).
pub const RUNTIME_SIG: i32 = 59;

/// Host signal for each guest signal (index = guest number, 0 = none): 1..=31 and 34..=58 and
/// 62..=64 are the same numbers; guest 32 and 33 (the guest glibc's SIGCANCEL and SIGSETXID) are
/// host 60 and 61; guest 59..=61 have no host signal (sigaction records them, kill/tgkill and
/// sigqueue with them fail with EINVAL). Host 32/33 (host glibc) and 59 (runtime) are unused.
const GUEST_TO_HOST: [u8; 65] = {
    let mut t = [0u8; 65];
    let mut g = 1;
    while g <= 64 {
        t[g] = match g {
            32 => 60,
            33 => 61,
            59..=61 => 0,
            _ => g as u8,
        };
        g += 1;
    }
    t
};

/// Host signal number of guest signal `g`.
pub fn host_sig(g: u64) -> Option<i32> {
    match GUEST_TO_HOST.get(g as usize) {
        Some(&h) if h != 0 => Some(h as i32),
        _ => None,
    }
}

/// Guest signal number of host signal `h` (the inverse of [`host_sig`]).
pub fn guest_sig(h: i32) -> Option<u64> {
    if h <= 0 {
        return None;
    }
    (1..=64u64).find(|&g| GUEST_TO_HOST[g as usize] as i32 == h)
}

/// Host signal number of guest signal `g`, or the number itself when it is not a signal (0 for
/// kill's existence check; out-of-range numbers, which the kernel then rejects).
fn host_sig_or_invalid(g: u64) -> Result<u64, i64> {
    if g == 0 {
        return Ok(0);
    }
    host_sig(g).map(|h| h as u64).ok_or(EINVAL)
}

pub fn mask_to_host(g: u64) -> u64 {
    let mut h = 0;
    for s in 1..=64u64 {
        if g & bit(s) != 0 {
            if let Some(x) = host_sig(s) {
                h |= bit(x as u64);
            }
        }
    }
    h
}

pub fn mask_to_guest(h: u64) -> u64 {
    let mut g = 0;
    for s in 1..=64i32 {
        if h & bit(s as u64) != 0 {
            if let Some(x) = guest_sig(s) {
                g |= bit(x);
            }
        }
    }
    g
}

const fn bit(sig: u64) -> u64 {
    1u64 << (sig - 1)
}

/// Signals that cannot be blocked.
const UNBLOCKABLE: u64 = bit(9) | bit(19);
/// Synchronous faults: never blocked by the runtime on the host (a blocked fault kills).
const SYNC_SIGNALS: u64 = bit(4) | bit(5) | bit(7) | bit(8) | bit(11);

/// A wait status (wait4) or si_status (waitid, SIGCHLD) signal number, host -> guest.
pub fn wait_status_to_guest(status: i32) -> i32 {
    let low = status & 0x7f;
    if low == 0x7f {
        // stopped: signal in bits 8..15
        let s = (status >> 8) & 0xff;
        let g = guest_sig(s).unwrap_or(s as u64) as i32;
        (status & !0xff00) | (g << 8)
    } else if low != 0 {
        let g = guest_sig(low).unwrap_or(low as u64) as i32;
        (status & !0x7f) | g
    } else {
        status
    }
}

// ---- dispositions ----

/// Guest `struct sigaction` as the aarch64 kernel sees it: handler, flags, restorer, mask.
pub type GuestSigaction = [u64; 4];

pub static ACTIONS: Mutex<[Option<GuestSigaction>; 65]> = Mutex::new([None; 65]);

pub(crate) const SA_RESTORER: u64 = 0x0400_0000;
pub(crate) const SA_SIGINFO: u64 = 4;
pub(crate) const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTART: u64 = 0x1000_0000;
pub(crate) const SA_NODEFER: u64 = 0x4000_0000;
pub(crate) const SA_RESETHAND: u64 = 0x8000_0000;

fn read_words<const N: usize>(addr: u64) -> Result<[u64; N], i64> {
    let mut b = [0u8; 128];
    let b = b.get_mut(..8 * N).ok_or(EINVAL)?;
    guest::read(addr, b).map_err(|_| EFAULT)?;
    let mut w = [0u64; N];
    for (i, x) in w.iter_mut().enumerate() {
        *x = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
    }
    Ok(w)
}

pub fn rt_sigaction(_: &mut CpuState, a: &Args) -> i64 {
    let (sig, act, oact, size) = (a[0], a[1], a[2], a[3]);
    if size != 8 || !(1..=64).contains(&sig) {
        return EINVAL;
    }
    let new = if act != 0 {
        match read_words::<4>(act) {
            Ok(w) => Some(w),
            Err(e) => return e,
        }
    } else {
        None
    };
    if new.is_some() && (sig == libc::SIGKILL as u64 || sig == libc::SIGSTOP as u64) {
        return EINVAL;
    }
    let hsig = host_sig(sig);
    let mut tab = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    let old = match (tab[sig as usize], hsig) {
        (Some(o), _) => o,
        // Signals the runtime always handles itself (crate::fault): SIG_DFL until the guest says.
        (None, _) if crate::fault::owns(sig) => [0; 4],
        (None, None) => [0; 4],
        (None, Some(h)) => {
            let mut w = [0u64; 4];
            let r = sys(libc::SYS_rt_sigaction, &[h as u64, 0, w.as_mut_ptr() as u64, 8]);
            if r < 0 {
                return r;
            }
            // Dispositions inherited across exec are SIG_DFL or SIG_IGN.
            [w[0].min(1), w[1] & !SA_RESTORER, 0, mask_to_guest(w[3])]
        }
    };
    if let Some(n) = new {
        // Synchronous signals keep the runtime's host handler, which reads ACTIONS (crate::fault).
        if let Some(h) = hsig.filter(|_| !crate::fault::owns(sig)) {
            let r = if n[0] <= 1 {
                let hs = [n[0], n[1] & !(SA_RESTORER | SA_SIGINFO), 0, mask_to_host(n[3])];
                sys(libc::SYS_rt_sigaction, &[h as u64, hs.as_ptr() as u64, 0, 8])
            } else {
                install_host_handler(h)
            };
            if r < 0 {
                return r;
            }
        }
        tab[sig as usize] = Some(n);
    }
    drop(tab);
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

/// Install the runtime's host handler for host signal `hsig` (every host signal blocked while it
/// runs; no SA_RESTART: the runtime restarts interrupted syscalls itself, per the guest's flags).
fn install_host_handler(hsig: i32) -> i64 {
    // SAFETY: a plain sigaction call with a local struct; the handler is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction = host_handler as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigfillset(&mut sa.sa_mask);
        if libc::sigaction(hsig, &sa, core::ptr::null_mut()) != 0 {
            return -(*libc::__errno_location() as i64);
        }
    }
    0
}

// ---- per-thread state ----

/// The signal state of one guest thread (a host thread-local: the host handler reaches it without
/// locks).
pub struct ThreadSig {
    /// Host number of the signal taken by the host handler and not yet delivered, 0 = none.
    /// Non-zero implies every host signal is blocked on this thread (but synchronous faults).
    slot: AtomicU32,
    /// Its host siginfo.
    info: [AtomicU64; 16],
    /// This thread's guest state (its `sigpoll` is raised with the slot).
    state: AtomicPtr<CpuState>,
    /// The guest signal mask (guest numbering).
    mask: AtomicU64,
    /// A mask to restore after the next delivery (rt_sigsuspend, ppoll & co.); the first frame
    /// built saves it as uc_sigmask, as the kernel does with its saved_sigmask.
    saved_mask: Cell<Option<u64>>,
    /// sigaltstack: (ss_sp, ss_flags, ss_size).
    alt: Cell<(u64, u64, u64)>,
}

thread_local! {
    static T: ThreadSig = const {
        ThreadSig {
            slot: AtomicU32::new(0),
            info: [const { AtomicU64::new(0) }; 16],
            state: AtomicPtr::new(core::ptr::null_mut()),
            mask: AtomicU64::new(0),
            saved_mask: Cell::new(None),
            alt: Cell::new((0, SS_DISABLE, 0)),
        }
    };
}

/// Attach the guest state `st` to the calling host thread (the dispatcher does it first).
pub fn attach(st: *mut CpuState) {
    T.with(|t| t.state.store(st, Ordering::Relaxed));
    if pending() {
        // A signal taken before the state was known.
        raise_poll();
    }
}

/// The calling thread's guest signal mask (a new thread inherits it).
pub fn current_mask() -> u64 {
    T.with(|t| t.mask.load(Ordering::Relaxed))
}

/// Initialise the calling thread's guest mask: a new thread with its creator's, the first thread
/// with the host mask it inherited across exec.
pub fn init_thread_mask(mask: Option<u64>) {
    let m = match mask {
        Some(m) => m,
        None => {
            let mut h = 0u64;
            sys(libc::SYS_rt_sigprocmask, &[libc::SIG_BLOCK as u64, 0, &mut h as *mut u64 as u64, 8]);
            mask_to_guest(h)
        }
    };
    T.with(|t| t.mask.store(m & !UNBLOCKABLE, Ordering::Relaxed));
    sync_host_mask();
}

fn raise_poll() {
    T.with(|t| {
        let st = t.state.load(Ordering::Relaxed);
        if !st.is_null() {
            // SAFETY: `st` is this thread's live guest state; sigpoll is a 4-byte aligned word.
            unsafe { AtomicU32::from_ptr(core::ptr::addr_of_mut!((*st).sigpoll)).store(1, Ordering::Relaxed) };
        }
    });
}

fn clear_poll() {
    T.with(|t| {
        let st = t.state.load(Ordering::Relaxed);
        if !st.is_null() {
            // SAFETY: as in raise_poll.
            unsafe { AtomicU32::from_ptr(core::ptr::addr_of_mut!((*st).sigpoll)).store(0, Ordering::Relaxed) };
        }
    });
}

/// Is a signal waiting for delivery on this thread?
pub fn pending() -> bool {
    T.with(|t| t.slot.load(Ordering::Relaxed) != 0)
}

fn host_setmask(h: u64) {
    sys(libc::SYS_rt_sigprocmask, &[libc::SIG_SETMASK as u64, &h as *const u64 as u64, 0, 8]);
}

/// Host mask = the guest mask, unless a signal is held (then everything stays blocked).
fn sync_host_mask() {
    T.with(|t| {
        if t.slot.load(Ordering::Relaxed) == 0 {
            host_setmask(mask_to_host(t.mask.load(Ordering::Relaxed)));
        }
    });
}

/// Block every host signal but the synchronous faults (the state while a signal is held).
fn block_all_host() {
    host_setmask(!mask_to_host(SYNC_SIGNALS) & !bit(libc::SIGKILL as u64) & !bit(libc::SIGSTOP as u64));
}

pub(crate) fn set_guest_mask(m: u64) {
    T.with(|t| t.mask.store(m & !UNBLOCKABLE, Ordering::Relaxed));
    sync_host_mask();
}

/// The calling thread's sigaltstack: (ss_sp, ss_flags, ss_size).
pub(crate) fn altstack() -> (u64, u64, u64) {
    T.with(|t| t.alt.get())
}

/// The uc_stack words a frame saves for a handler entered with guest SP `sp`, and whether the
/// handler runs on the alternate stack (`onstack`: SA_ONSTACK given). The handler's stack top is
/// the second value. SS_AUTODISARM disarms the stack for the handler.
pub(crate) fn frame_stack(sp: u64, onstack: bool) -> ((u64, u64, u64), u64) {
    let alt = altstack();
    let was_on_alt = on_altstack(alt, sp);
    let use_alt = onstack && alt.1 & SS_DISABLE == 0 && alt.2 != 0 && !was_on_alt;
    let ss_flags = if alt.1 & SS_DISABLE != 0 || alt.2 == 0 {
        SS_DISABLE
    } else if was_on_alt {
        SS_ONSTACK | (alt.1 & SS_AUTODISARM)
    } else {
        alt.1 & SS_AUTODISARM
    };
    ((alt.0, ss_flags, alt.2), if use_alt { alt.0.saturating_add(alt.2) } else { sp })
}

/// rt_sigreturn's part outside the registers: the alternate stack comes back from uc_stack
/// (SS_AUTODISARM), unless the handler left it disabled, and the guest mask from uc_sigmask.
/// `sp` is the restored guest SP.
pub(crate) fn restore_stack_and_mask(ss: (u64, u64, u64), mask: u64, sp: u64) {
    let (ssp, sflags, ssize) = ss;
    if sflags & SS_DISABLE != 0 {
        T.with(|t| t.alt.set((0, SS_DISABLE, 0)));
    } else if ssize >= MINSIGSTKSZ && !on_altstack(altstack(), sp) {
        T.with(|t| t.alt.set((ssp, sflags & SS_AUTODISARM, ssize)));
    }
    set_guest_mask(mask);
}

/// The host mask that goes with the calling thread's guest mask `m` (what a host signal return
/// should install): every host signal but the synchronous faults while a signal is held.
pub(crate) fn host_mask_for(m: u64) -> u64 {
    if T.with(|t| t.slot.load(Ordering::Relaxed)) != 0 {
        !mask_to_host(SYNC_SIGNALS) & !bit(libc::SIGKILL as u64) & !bit(libc::SIGSTOP as u64)
    } else {
        mask_to_host(m & !UNBLOCKABLE)
    }
}

/// Take the held signal (host number and siginfo words), if any.
fn take_slot() -> Option<(i32, [u64; 16])> {
    T.with(|t| {
        let h = t.slot.load(Ordering::Acquire);
        if h == 0 {
            return None;
        }
        let mut info = [0u64; 16];
        for (i, w) in info.iter_mut().enumerate() {
            *w = t.info[i].load(Ordering::Relaxed);
        }
        clear_poll();
        t.slot.store(0, Ordering::Release);
        Some((h as i32, info))
    })
}

/// Give a signal back to the kernel, pending for this thread (the host mask blocks it until the
/// guest unblocks it). Queued with its own siginfo: allowed for our own process whatever si_code.
fn requeue(hsig: i32, info: &[u64; 16]) {
    let pid = sys(libc::SYS_getpid, &[]);
    let tid = sys(libc::SYS_gettid, &[]);
    sys(libc::SYS_rt_tgsigqueueinfo, &[pid as u64, tid as u64, hsig as u64, info.as_ptr() as u64]);
}

// ---- the host handler and the safe-syscall sequence ----

/// Internal "interrupted before it started" result of [`safe_syscall`] (the kernel's ERESTARTSYS,
/// which never reaches user space): the caller delivers and runs the syscall again.
pub const ERESTART_INTERNAL: i64 = -512;

// aot_safe_syscall(&slot: *const u32, args: *const [u64; 7] /* nr, a0..a5 */) -> i64.
// [aot_safe_syscall_start, aot_safe_syscall_end) is the window between the pending check and the
// completed `syscall`: a host handler that interrupts it (or a kernel restart that rewinds to the
// `syscall` instruction) moves the PC to aot_safe_syscall_interrupted, which returns
// ERESTART_INTERNAL. A signal after the window interrupts the syscall itself (EINTR: the host
// handlers have no SA_RESTART). The same idea as QEMU's safe_syscall, written for this runtime.
core::arch::global_asm!(
    ".text",
    ".globl aot_safe_syscall",
    ".globl aot_safe_syscall_start",
    ".globl aot_safe_syscall_end",
    ".globl aot_safe_syscall_interrupted",
    ".type aot_safe_syscall, @function",
    "aot_safe_syscall:",
    "mov r11, rdi",
    "mov rax, [rsi]",
    "mov rdi, [rsi + 8]",
    "mov rdx, [rsi + 24]",
    "mov r10, [rsi + 32]",
    "mov r8, [rsi + 40]",
    "mov r9, [rsi + 48]",
    "mov rsi, [rsi + 16]",
    "aot_safe_syscall_start:",
    "cmp dword ptr [r11], 0",
    "jne aot_safe_syscall_interrupted",
    "syscall",
    "aot_safe_syscall_end:",
    "ret",
    "aot_safe_syscall_interrupted:",
    "mov rax, -512",
    "ret",
    ".size aot_safe_syscall, . - aot_safe_syscall",
);

extern "C" {
    fn aot_safe_syscall(slot: *const AtomicU32, args: *const u64) -> i64;
    static aot_safe_syscall_start: u8;
    static aot_safe_syscall_end: u8;
    static aot_safe_syscall_interrupted: u8;
}

/// A host syscall that may block: a signal taken before it starts makes it return
/// [`ERESTART_INTERNAL`] without running it; one taken while it blocks interrupts it (EINTR).
pub fn safe_syscall(nr: i64, a: &[u64]) -> i64 {
    let g = |i: usize| a.get(i).copied().unwrap_or(0);
    let args = [nr as u64, g(0), g(1), g(2), g(3), g(4), g(5)];
    T.with(|t| {
        // SAFETY: the sequence reads the slot word (a live thread-local) and makes one syscall
        // whose memory effects are decided by its arguments, as for `sys`.
        unsafe { aot_safe_syscall(&t.slot, args.as_ptr()) }
    })
}

pub(crate) extern "C" fn host_handler(hsig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    if !(1..=64).contains(&hsig) || info.is_null() || uc.is_null() {
        return;
    }
    // SAFETY: the kernel passes a valid siginfo (SA_SIGINFO).
    let code = unsafe { (*info).si_code };
    let synchronous = SYNC_SIGNALS & bit(hsig as u64) != 0;
    if synchronous && code > 0 {
        // Raised by translated or runtime code itself: die as the guest would.
        // SAFETY: async-signal-safe calls only.
        unsafe {
            libc::signal(hsig, libc::SIG_DFL);
            libc::raise(hsig);
        }
        return;
    }
    // SAFETY: errno is thread-local; saved and restored around the syscalls below.
    let errno = unsafe { *libc::__errno_location() };
    // SAFETY: siginfo_t is 128 bytes, read as 16 words.
    let words: [u64; 16] = unsafe { core::ptr::read_unaligned(info as *const [u64; 16]) };
    T.with(|t| {
        if t.slot.load(Ordering::Relaxed) != 0 {
            // One is already held (the mask discipline makes this rare): back to the kernel.
            requeue(hsig, &words);
        } else {
            for (i, w) in words.iter().enumerate() {
                t.info[i].store(*w, Ordering::Relaxed);
            }
            t.slot.store(hsig as u32, Ordering::Release);
        }
    });
    raise_poll();
    // SAFETY: `uc` is the kernel's ucontext for this delivery (x86-64 layout): block every signal
    // but the synchronous faults in the interrupted context, and move its PC out of the
    // safe-syscall window.
    unsafe {
        let uc = &mut *(uc as *mut libc::ucontext_t);
        let keep = mask_to_host(SYNC_SIGNALS);
        *(&mut uc.uc_sigmask as *mut libc::sigset_t as *mut u64) = !keep;
        let rip = &mut uc.uc_mcontext.gregs[libc::REG_RIP as usize];
        let start = core::ptr::addr_of!(aot_safe_syscall_start) as i64;
        let end = core::ptr::addr_of!(aot_safe_syscall_end) as i64;
        if (start..end).contains(rip) {
            *rip = core::ptr::addr_of!(aot_safe_syscall_interrupted) as i64;
        }
        *libc::__errno_location() = errno;
    }
}

// ---- delivery ----

/// Return address given to guest handlers: the first guest page, mapped read-only with the
/// kernel vDSO's `__kernel_rt_sigreturn` code (`mov x8, #139; svc #0`). It never runs (the
/// dispatcher stops there and restores the frame), but unwinders recognise a signal frame by
/// those two instructions (libgcc's aarch64 fallback; glibc's pthread_cancel unwinds from the
/// SIGCANCEL handler through it).
pub const SIGRETURN_TRAMPOLINE: u64 = 0x1_0000;

/// Map the sigreturn page (start-up; the guest cannot unmap or change it).
pub fn map_sigreturn_page() -> Result<(), String> {
    let page = crate::mem::PAGE;
    let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
    if crate::mem::map_fixed_anon(SIGRETURN_TRAMPOLINE, page, rw) < 0 {
        return Err("cannot map the signal return page".into());
    }
    let code: [u32; 2] = [0xd280_1168, 0xd400_0001];
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&code[0].to_le_bytes());
    b[4..].copy_from_slice(&code[1].to_le_bytes());
    guest::write(SIGRETURN_TRAMPOLINE, &b).map_err(|e| format!("cannot write the signal return page ({e})"))?;
    sys(libc::SYS_mprotect, &[SIGRETURN_TRAMPOLINE, page, libc::PROT_READ as u64]);
    crate::mem::with_space(|s| s.add_host(SIGRETURN_TRAMPOLINE, SIGRETURN_TRAMPOLINE + page));
    Ok(())
}

/// What a delivery did.
#[derive(Copy, Clone, Debug, Default)]
pub struct Delivered {
    /// A guest handler ran.
    pub ran: bool,
    /// Every handler that ran had SA_RESTART (an interrupted syscall may be restarted).
    pub restart: bool,
}

/// Deliver the held signal (and any that arrive meanwhile) to the guest.
pub fn deliver_pending(st: &mut CpuState) -> Delivered {
    let mut d = Delivered { ran: false, restart: true };
    while let Some((hsig, info)) = take_slot() {
        let Some(gsig) = guest_sig(hsig) else {
            sync_host_mask();
            continue;
        };
        if current_mask() & bit(gsig) != 0 {
            // Blocked since it was taken: pending again, in the kernel.
            requeue(hsig, &info);
            sync_host_mask();
            continue;
        }
        let act = ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[gsig as usize].unwrap_or([0; 4]);
        match act[0] {
            0 => default_action(hsig),
            1 => {}
            _ => {
                if act[1] & SA_RESTART == 0 {
                    d.restart = false;
                }
                d.ran = true;
                run_guest_handler(st, gsig, &info, &act);
            }
        }
        sync_host_mask();
    }
    // A temporary mask (sigsuspend) that no frame took: restore it now.
    if let Some(m) = T.with(|t| t.saved_mask.take()) {
        set_guest_mask(m);
    }
    d
}

/// The default action of a signal that reached the runtime (its disposition changed to SIG_DFL
/// while it was held).
fn default_action(hsig: i32) {
    match hsig {
        libc::SIGCHLD | libc::SIGCONT | libc::SIGURG | libc::SIGWINCH => {}
        libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => {
            sys(libc::SYS_kill, &[0, libc::SIGSTOP as u64]);
        }
        _ => crate::trap::die_by_signal(hsig),
    }
}

pub(crate) const FRAME_INFO: u64 = 0;
pub(crate) const FRAME_UC: u64 = 128;
pub(crate) const UC_STACK: u64 = 16;
pub(crate) const UC_SIGMASK: u64 = 40;
pub(crate) const UC_MCONTEXT: u64 = 176;
pub(crate) const SC_REGS: u64 = 8;
pub(crate) const SC_SP: u64 = 256;
pub(crate) const SC_PC: u64 = 264;
pub(crate) const SC_PSTATE: u64 = 272;
pub(crate) const SC_RESERVED: u64 = 288;
pub(crate) const FRAME_SIZE: u64 = 128 + 176 + 288 + 4096; // rt_sigframe
pub(crate) const FPSIMD_MAGIC: u32 = 0x4650_8001;
const CLD_KILLED: i32 = 2;
const CLD_DUMPED: i32 = 3;
const CLD_TRAPPED: i32 = 4;
const CLD_STOPPED: i32 = 5;

/// A host siginfo as the guest sees it: guest signal numbers (si_signo; SIGCHLD's si_status).
/// The layout is the same on both architectures.
fn info_to_guest(info: &[u64; 16]) -> [u64; 16] {
    let mut g = *info;
    let signo = info[0] as u32 as i32;
    let code = info[1] as u32 as i32;
    let gs = guest_sig(signo).unwrap_or(signo as u64);
    g[0] = (info[0] & !0xffff_ffff) | gs as u32 as u64;
    if signo == libc::SIGCHLD && matches!(code, CLD_KILLED | CLD_DUMPED | CLD_TRAPPED | CLD_STOPPED) {
        // si_status at offset 24
        let s = (info[3] & 0xffff_ffff) as u32 as i32;
        let gst = guest_sig(s).unwrap_or(s as u64);
        g[3] = (info[3] & !0xffff_ffff) | gst as u32 as u64;
    }
    g
}

/// A guest siginfo for the host (rt_sigqueueinfo): si_signo mapped.
fn info_to_host(info: &[u64; 16]) -> Result<[u64; 16], i64> {
    let mut h = *info;
    let signo = info[0] as u32 as u64;
    let hs = host_sig_or_invalid(signo)?;
    h[0] = (info[0] & !0xffff_ffff) | hs;
    Ok(h)
}

pub(crate) fn on_altstack(alt: (u64, u64, u64), sp: u64) -> bool {
    alt.1 & SS_DISABLE == 0 && alt.2 != 0 && alt.0 < sp && sp <= alt.0.saturating_add(alt.2)
}

fn run_guest_handler(st: &mut CpuState, gsig: u64, hinfo: &[u64; 16], act: &GuestSigaction) {
    if act[1] & SA_RESETHAND != 0 {
        ACTIONS.lock().unwrap_or_else(|e| e.into_inner())[gsig as usize] = Some([0, 0, 0, 0]);
        if let Some(h) = host_sig(gsig) {
            let d = [0u64, 0, 0, 0];
            sys(libc::SYS_rt_sigaction, &[h as u64, d.as_ptr() as u64, 0, 8]);
        }
    }
    // sigsuspend and friends: the frame keeps the mask from before the temporary one.
    let mask = T.with(|t| t.saved_mask.take()).unwrap_or_else(current_mask);
    let spec = FrameSpec { gsig, info: info_to_guest(hinfo), pc: st.pc, mask, fault_address: 0, esr: None };
    let saved = st.clone();
    // A bad guest sp makes the frame write fail (SIGSEGV), never a host crash.
    let Some(frame) = push_frame(st, &spec, act) else { crate::trap::die_by_signal(libc::SIGSEGV) };
    let stp = st as *mut CpuState;
    loop {
        crate::reclaim::quiescent(stp);
        if pending() {
            // SAFETY: stp is this thread's live state.
            deliver_pending(unsafe { &mut *stp });
        }
        // SAFETY: stp is this thread's live state; translated code updates it through the pointer.
        let pc = unsafe { (*stp).pc };
        if pc == SIGRETURN_TRAMPOLINE {
            break;
        }
        let f = crate::dispatch::aot_lookup(pc);
        f(stp, pc);
    }
    // sigreturn: restore from the (possibly modified) frame; what the frame does not hold (TPIDR,
    // exclusive monitor...) comes back from before the handler.
    *st = saved;
    if !pop_frame(st, frame) {
        crate::trap::die_by_signal(libc::SIGSEGV);
    }
}

/// What an rt_sigframe holds besides the interrupted register state (`CpuState`).
pub(crate) struct FrameSpec {
    /// Guest signal number.
    pub gsig: u64,
    /// siginfo as the guest sees it.
    pub info: [u64; 16],
    /// The interrupted PC (a fault's PC is exact even where `st.pc` is stale).
    pub pc: u64,
    /// The guest signal mask to restore at sigreturn (uc_sigmask).
    pub mask: u64,
    /// mcontext.fault_address (0 for asynchronous signals).
    pub fault_address: u64,
    /// An esr_context record (data aborts, BRK).
    pub esr: Option<u64>,
}

pub(crate) const ESR_MAGIC: u32 = 0x4553_5201;

/// Build the aarch64 rt_sigframe for the guest handler `act` on the guest stack (or its
/// sigaltstack), block the handler's mask (the current mask | sa_mask | the signal unless
/// SA_NODEFER), and point `st` at the handler: X0-X2 its arguments, X29 the frame record, X30 the
/// sigreturn trampoline. The one frame builder of the runtime, for asynchronous signals and for
/// faults and traps alike. Returns the frame's address, or None if the guest stack cannot hold it.
pub(crate) fn push_frame(st: &mut CpuState, spec: &FrameSpec, act: &GuestSigaction) -> Option<u64> {
    let (ss, top) = frame_stack(st.sp, act[1] & SA_ONSTACK != 0);
    let frame = top.wrapping_sub(FRAME_SIZE + 16) & !15;
    let mut f = vec![0u8; (FRAME_SIZE + 16) as usize];
    let put = |f: &mut Vec<u8>, off: u64, v: &[u8]| f[off as usize..off as usize + v.len()].copy_from_slice(v);
    for (i, w) in spec.info.iter().enumerate() {
        put(&mut f, FRAME_INFO + 8 * i as u64, &w.to_le_bytes());
    }
    let uc = FRAME_UC;
    // uc_stack as the kernel saves it: the altstack, SS_ONSTACK if the interrupted code was on it
    put(&mut f, uc + UC_STACK, &ss.0.to_le_bytes());
    put(&mut f, uc + UC_STACK + 8, &(ss.1 as u32).to_le_bytes());
    put(&mut f, uc + UC_STACK + 16, &ss.2.to_le_bytes());
    put(&mut f, uc + UC_SIGMASK, &spec.mask.to_le_bytes());
    let sc = uc + UC_MCONTEXT;
    put(&mut f, sc, &spec.fault_address.to_le_bytes());
    for i in 0..31 {
        put(&mut f, sc + SC_REGS + 8 * i, &st.x[i as usize].to_le_bytes());
    }
    put(&mut f, sc + SC_SP, &st.sp.to_le_bytes());
    put(&mut f, sc + SC_PC, &spec.pc.to_le_bytes());
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
    if let Some(esr) = spec.esr {
        put(&mut f, r + 528, &ESR_MAGIC.to_le_bytes());
        put(&mut f, r + 532, &16u32.to_le_bytes());
        put(&mut f, r + 536, &esr.to_le_bytes());
    }
    // the null record that ends the chain is already zero; the frame record (fp, lr) lies above
    // the frame, as the kernel leaves it
    put(&mut f, FRAME_SIZE, &st.x[29].to_le_bytes());
    put(&mut f, FRAME_SIZE + 8, &st.x[30].to_le_bytes());
    guest::write(frame, &f).ok()?;
    let mut block = current_mask() | act[3];
    if act[1] & SA_NODEFER == 0 {
        block |= bit(spec.gsig);
    }
    set_guest_mask(block);
    st.x[0] = spec.gsig;
    st.x[1] = if act[1] & SA_SIGINFO != 0 { frame + FRAME_INFO } else { 0 };
    st.x[2] = if act[1] & SA_SIGINFO != 0 { frame + uc } else { 0 };
    st.x[29] = frame + FRAME_SIZE;
    st.x[30] = SIGRETURN_TRAMPOLINE;
    st.sp = frame;
    st.pc = act[0];
    Some(frame)
}

/// rt_sigreturn: restore `st` from the frame at `frame` (registers, FP/SIMD, signal mask,
/// sigaltstack) and make the host FP environment follow the restored FPCR; flags the handler
/// raised go with its FPSR. False if the frame is unreadable.
pub(crate) fn pop_frame(st: &mut CpuState, frame: u64) -> bool {
    let mut back = vec![0u8; (FRAME_SIZE + 16) as usize];
    if guest::read(frame, &mut back).is_err() {
        return false;
    }
    let w64 = |off: u64| u64::from_le_bytes(back[off as usize..off as usize + 8].try_into().unwrap_or([0; 8]));
    let uc = FRAME_UC;
    let sc = uc + UC_MCONTEXT;
    for i in 0..31 {
        st.x[i as usize] = w64(sc + SC_REGS + 8 * i);
    }
    st.sp = w64(sc + SC_SP);
    st.pc = w64(sc + SC_PC);
    st.set_nzcv(w64(sc + SC_PSTATE));
    let r = sc + SC_RESERVED;
    if w64(r) as u32 == FPSIMD_MAGIC {
        st.fpsr = w64(r + 8) as u32;
        st.fpcr = (w64(r + 8) >> 32) as u32;
        for i in 0..32 {
            let o = (r + 16 + 16 * i) as usize;
            st.v[i as usize] = u128::from_le_bytes(back[o..o + 16].try_into().unwrap_or([0; 16]));
        }
    }
    super::misc::set_host_fp_env(st.fpcr as u64);
    super::misc::take_host_fp_flags();
    let ss = (w64(uc + UC_STACK), w64(uc + UC_STACK + 8) as u32 as u64, w64(uc + UC_STACK + 16));
    restore_stack_and_mask(ss, w64(uc + UC_SIGMASK), st.sp);
    true
}

// ---- syscalls ----

/// sigaltstack (per thread): ss_flags reports SS_ONSTACK while running on it; changing it while on
/// it is EPERM.
pub(crate) const SS_ONSTACK: u64 = 1;
pub(crate) const SS_DISABLE: u64 = 2;
pub(crate) const SS_AUTODISARM: u64 = 1 << 31;
pub(crate) const MINSIGSTKSZ: u64 = 5120;

pub fn sigaltstack(st: &mut CpuState, a: &Args) -> i64 {
    let old = T.with(|t| t.alt.get());
    let on = on_altstack(old, st.sp);
    if a[0] != 0 {
        let mut b = [0u8; 24];
        if guest::read(a[0], &mut b).is_err() {
            return EFAULT;
        }
        if on {
            return -(libc::EPERM as i64);
        }
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4])) as u64;
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8]));
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return EINVAL;
        }
        if mode == SS_DISABLE {
            T.with(|t| t.alt.set((0, SS_DISABLE, 0)));
        } else {
            if size < MINSIGSTKSZ {
                return -(libc::ENOMEM as i64);
            }
            T.with(|t| t.alt.set((sp, flags & SS_AUTODISARM, size)));
        }
    }
    if a[1] != 0 {
        let flags = if old.1 & SS_DISABLE != 0 || old.2 == 0 {
            SS_DISABLE
        } else if on {
            SS_ONSTACK | (old.1 & SS_AUTODISARM)
        } else {
            old.1 & SS_AUTODISARM
        };
        let (sp, size) = if flags == SS_DISABLE { (0, 0) } else { (old.0, old.2) };
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&sp.to_le_bytes());
        b[8..12].copy_from_slice(&(flags as u32).to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        if guest::write(a[1], &b).is_err() {
            return EFAULT;
        }
    }
    0
}

pub fn rt_sigprocmask(_: &mut CpuState, a: &Args) -> i64 {
    let (how, set, oset, size) = (a[0], a[1], a[2], a[3]);
    if size != 8 {
        return EINVAL;
    }
    let old = current_mask();
    if set != 0 {
        let s = match guest::read_u64(set) {
            Ok(s) => s,
            Err(_) => return EFAULT,
        };
        let new = match how as i32 {
            libc::SIG_BLOCK => old | s,
            libc::SIG_UNBLOCK => old & !s,
            libc::SIG_SETMASK => s,
            _ => return EINVAL,
        };
        set_guest_mask(new);
    }
    if oset != 0 && guest::write(oset, &old.to_le_bytes()).is_err() {
        return EFAULT;
    }
    0
}

pub fn rt_sigpending(_: &mut CpuState, a: &Args) -> i64 {
    if a[1] != 8 {
        return EINVAL;
    }
    let mut h = 0u64;
    let r = sys(libc::SYS_rt_sigpending, &[&mut h as *mut u64 as u64, 8]);
    if r < 0 {
        return r;
    }
    let mut g = mask_to_guest(h);
    if let Some(s) = T.with(|t| guest_sig(t.slot.load(Ordering::Relaxed) as i32)) {
        g |= bit(s);
    }
    // Linux reports the pending signals that are blocked (the others are being delivered).
    g &= current_mask();
    if guest::write(a[0], &g.to_le_bytes()).is_err() {
        return EFAULT;
    }
    0
}

/// rt_sigsuspend(mask, size): wait with the guest mask replaced by `mask` until a signal runs a
/// handler; the delivery (after this returns -EINTR) saves the old mask in the frame.
pub fn rt_sigsuspend(_: &mut CpuState, a: &Args) -> i64 {
    if a[1] != 8 {
        return EINVAL;
    }
    let new = match guest::read_u64(a[0]) {
        Ok(m) => m & !UNBLOCKABLE,
        Err(_) => return EFAULT,
    };
    let old = current_mask();
    T.with(|t| t.mask.store(new, Ordering::Relaxed));
    // Block everything, then check and wait atomically: no signal can fall between the two.
    block_all_host();
    if !pending() {
        let h = mask_to_host(new);
        sys(libc::SYS_rt_sigsuspend, &[&h as *const u64 as u64, 8]);
    }
    T.with(|t| t.saved_mask.set(Some(old)));
    if !pending() {
        // Not possible with a handler run; keep the guest consistent anyway.
        T.with(|t| t.saved_mask.set(None));
        set_guest_mask(old);
    }
    -(libc::EINTR as i64)
}

/// rt_sigtimedwait(set, info, timeout, size).
pub fn rt_sigtimedwait(_: &mut CpuState, a: &Args) -> i64 {
    if a[3] != 8 {
        return EINVAL;
    }
    let gset = match guest::read_u64(a[0]) {
        Ok(m) => m & !UNBLOCKABLE,
        Err(_) => return EFAULT,
    };
    let put_info = |info: &[u64; 16]| -> Result<(), i64> {
        if a[1] != 0 {
            let g = info_to_guest(info);
            let mut b = [0u8; 128];
            for (i, w) in g.iter().enumerate() {
                b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
            }
            guest::write(a[1], &b).map_err(|_| EFAULT)?;
        }
        Ok(())
    };
    // The held signal first, if it is one of those waited for.
    let held = T.with(|t| guest_sig(t.slot.load(Ordering::Relaxed) as i32));
    if let Some(g) = held.filter(|&g| gset & bit(g) != 0) {
        if let Some((_, info)) = take_slot() {
            sync_host_mask();
            return put_info(&info).map(|_| g as i64).unwrap_or_else(|e| e);
        }
    }
    let h = mask_to_host(gset);
    let mut info = [0u64; 16];
    let r = safe_syscall(libc::SYS_rt_sigtimedwait, &[&h as *const u64 as u64, info.as_mut_ptr() as u64, a[2], 8]);
    if r <= 0 {
        return r;
    }
    if let Err(e) = put_info(&info) {
        return e;
    }
    guest_sig(r as i32).map(|g| g as i64).unwrap_or(r)
}

/// A blocking syscall whose argument `mask_arg` is a guest sigset pointer applied for its
/// duration (ppoll, epoll_pwait): the host gets the mapped mask; the guest mask follows it for
/// the delivery of what interrupts the call, and is restored after it.
pub fn with_temp_mask(nr: i64, a: &[u64], mask_arg: usize) -> i64 {
    let p = a[mask_arg];
    if p == 0 {
        return safe_syscall(nr, a);
    }
    let new = match guest::read_u64(p) {
        Ok(m) => m & !UNBLOCKABLE,
        Err(_) => return EFAULT,
    };
    let h = mask_to_host(new);
    let mut args = [0u64; 6];
    args[..a.len().min(6)].copy_from_slice(&a[..a.len().min(6)]);
    args[mask_arg] = &h as *const u64 as u64;
    let old = current_mask();
    T.with(|t| t.mask.store(new, Ordering::Relaxed));
    let r = safe_syscall(nr, &args);
    if pending() {
        T.with(|t| t.saved_mask.set(Some(old)));
    } else {
        set_guest_mask(old);
    }
    r
}

pub fn ppoll(_: &mut CpuState, a: &Args) -> i64 {
    if a[3] != 0 && a[4] != 8 {
        return EINVAL;
    }
    with_temp_mask(libc::SYS_ppoll, a, 3)
}

/// pselect6(n, in, out, ex, timeout, {sigset *, size}).
pub fn pselect6(_: &mut CpuState, a: &Args) -> i64 {
    if a[5] == 0 {
        return safe_syscall(libc::SYS_pselect6, a);
    }
    let Ok([p, size]) = read_words::<2>(a[5]) else { return EFAULT };
    if p == 0 {
        return safe_syscall(libc::SYS_pselect6, a);
    }
    if size != 8 {
        return EINVAL;
    }
    let Ok(m) = guest::read_u64(p) else { return EFAULT };
    let new = m & !UNBLOCKABLE;
    let h = mask_to_host(new);
    let pair = [&h as *const u64 as u64, 8u64];
    let old = current_mask();
    T.with(|t| t.mask.store(new, Ordering::Relaxed));
    let r = safe_syscall(libc::SYS_pselect6, &[a[0], a[1], a[2], a[3], a[4], pair.as_ptr() as u64]);
    if pending() {
        T.with(|t| t.saved_mask.set(Some(old)));
    } else {
        set_guest_mask(old);
    }
    r
}

pub fn signalfd4(_: &mut CpuState, a: &Args) -> i64 {
    if a[2] != 8 {
        return EINVAL;
    }
    let Ok(m) = guest::read_u64(a[1]) else { return EFAULT };
    let h = mask_to_host(m);
    sys(libc::SYS_signalfd4, &[a[0], &h as *const u64 as u64, 8, a[3]])
}

pub fn kill(_: &mut CpuState, a: &Args) -> i64 {
    match host_sig_or_invalid(a[1]) {
        Ok(h) => sys(libc::SYS_kill, &[a[0], h]),
        Err(e) => e,
    }
}

pub fn tkill(_: &mut CpuState, a: &Args) -> i64 {
    match host_sig_or_invalid(a[1]) {
        Ok(h) => sys(libc::SYS_tkill, &[a[0], h]),
        Err(e) => e,
    }
}

pub fn tgkill(_: &mut CpuState, a: &Args) -> i64 {
    match host_sig_or_invalid(a[2]) {
        Ok(h) => sys(libc::SYS_tgkill, &[a[0], a[1], h]),
        Err(e) => e,
    }
}

fn queueinfo(nr: i64, pre: &[u64], sig: u64, info: u64) -> i64 {
    let h = match host_sig_or_invalid(sig) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let Ok(gi) = read_words::<16>(info) else { return EFAULT };
    let hi = match info_to_host(&gi) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let mut args = pre.to_vec();
    args.extend([h, hi.as_ptr() as u64]);
    sys(nr, &args)
}

pub fn rt_sigqueueinfo(_: &mut CpuState, a: &Args) -> i64 {
    queueinfo(libc::SYS_rt_sigqueueinfo, &[a[0]], a[1], a[2])
}

pub fn rt_tgsigqueueinfo(_: &mut CpuState, a: &Args) -> i64 {
    queueinfo(libc::SYS_rt_tgsigqueueinfo, &[a[0], a[1]], a[2], a[3])
}

pub fn pidfd_send_signal(_: &mut CpuState, a: &Args) -> i64 {
    let h = match host_sig_or_invalid(a[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if a[2] == 0 {
        return sys(424, &[a[0], h, 0, a[3]]);
    }
    let Ok(gi) = read_words::<16>(a[2]) else { return EFAULT };
    match info_to_host(&gi) {
        Ok(hi) => sys(424, &[a[0], h, hi.as_ptr() as u64, a[3]]),
        Err(e) => e,
    }
}

/// wait4(pid, status, options, rusage): blocking, status signal numbers mapped.
pub fn wait4(_: &mut CpuState, a: &Args) -> i64 {
    let mut status = 0i32;
    let r = safe_syscall(libc::SYS_wait4, &[a[0], &mut status as *mut i32 as u64, a[2], a[3]]);
    if r > 0 && a[1] != 0 && guest::write(a[1], &wait_status_to_guest(status).to_le_bytes()).is_err() {
        return EFAULT;
    }
    r
}

/// waitid(idtype, id, infop, options, rusage): blocking, si_status mapped.
pub fn waitid(_: &mut CpuState, a: &Args) -> i64 {
    let mut info = [0u64; 16];
    let p = if a[2] != 0 { info.as_mut_ptr() as u64 } else { 0 };
    let r = safe_syscall(libc::SYS_waitid, &[a[0], a[1], p, a[3], a[4]]);
    if r >= 0 && a[2] != 0 {
        let g = info_to_guest(&info);
        let mut b = [0u8; 128];
        for (i, w) in g.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        if guest::write(a[2], &b).is_err() {
            return EFAULT;
        }
    }
    r
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

    #[test]
    fn number_table_is_a_bijection_that_spares_host_reserved_signals() {
        let mut seen = std::collections::HashSet::new();
        for g in 1..=64u64 {
            if let Some(h) = host_sig(g) {
                assert!(seen.insert(h), "host {h} used twice");
                assert!(h != 32 && h != 33 && h != RUNTIME_SIG, "guest {g} -> host {h}");
                assert_eq!(guest_sig(h), Some(g));
            }
        }
        for g in 1..=31 {
            assert_eq!(host_sig(g), Some(g as i32));
        }
        assert_eq!(host_sig(32), Some(60));
        assert_eq!(host_sig(33), Some(61));
        assert_eq!(host_sig(34), Some(34));
        assert_eq!(host_sig(64), Some(64));
        assert_eq!(host_sig(60), None);
        assert_eq!(host_sig(0), None);
        assert_eq!(host_sig(65), None);
        assert_eq!(guest_sig(32), None);
        assert_eq!(guest_sig(RUNTIME_SIG), None);
        assert_eq!(mask_to_guest(mask_to_host(bit(32) | bit(10) | bit(64))), bit(32) | bit(10) | bit(64));
        assert_eq!(mask_to_host(bit(60)), 0);
    }
    #[test]
    fn wait_status_maps_signals() {
        // killed by host 60 = guest 32; stopped by host 61 = guest 33; exit status unchanged
        assert_eq!(wait_status_to_guest(60), 32);
        assert_eq!(wait_status_to_guest(0x80 | 60), 0x80 | 32);
        assert_eq!(wait_status_to_guest((61 << 8) | 0x7f), (33 << 8) | 0x7f);
        assert_eq!(wait_status_to_guest(3 << 8), 3 << 8);
        assert_eq!(wait_status_to_guest(9), 9);
    }
    #[test]
    fn safe_syscall_runs_and_reports_a_held_signal() {
        assert_eq!(safe_syscall(libc::SYS_getpid, &[]), unsafe { libc::getpid() } as i64);
        T.with(|t| t.slot.store(10, Ordering::Relaxed));
        assert_eq!(safe_syscall(libc::SYS_getpid, &[]), ERESTART_INTERNAL);
        T.with(|t| t.slot.store(0, Ordering::Relaxed));
    }
}
