//! Host stacks of guest threads: the stack translated code runs on (with a PROT_NONE guard below
//! it, so that exhausting it is a recognisable fault), the per-thread host sigaltstack the fault
//! handler runs on, and the way back into a thread's dispatcher with its host frames dropped.

use crate::guest::sys;
use crate::CpuState;
use std::cell::Cell;

/// Guard below every host stack: larger than any host frame of translated code or the runtime, so
/// that an overflow always lands in it.
pub const GUARD: u64 = 1 << 20;
/// Host signal stack of each thread: the fault handler runs there, and so does a guest handler for
/// a synchronous fault (its translated frames included).
pub const ALT_SIZE: u64 = 8 << 20;

/// A mapped host stack: `[guard_lo, guard_hi)` is PROT_NONE, `[guard_hi, top)` read-write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HostStack {
    pub guard_lo: u64,
    pub guard_hi: u64,
    pub top: u64,
}

/// Map a stack of `size` bytes (reserved lazily) with a guard below it.
pub fn map(size: u64) -> Result<HostStack, i64> {
    let total = size.checked_add(GUARD).ok_or(crate::guest::ENOMEM)?;
    let f = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE) as u64;
    let r = sys(libc::SYS_mmap, &[0, total, libc::PROT_NONE as u64, f, u64::MAX, 0]);
    if r < 0 {
        return Err(r);
    }
    let lo = r as u64;
    let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
    let m = sys(libc::SYS_mprotect, &[lo + GUARD, size, rw]);
    if m < 0 {
        sys(libc::SYS_munmap, &[lo, total]);
        return Err(m);
    }
    Ok(HostStack { guard_lo: lo, guard_hi: lo + GUARD, top: lo + total })
}

thread_local! {
    /// This thread's dispatcher stack (all zero before `enter_thread`).
    static STACK: Cell<HostStack> = const { Cell::new(HostStack { guard_lo: 0, guard_hi: 0, top: 0 }) };
    /// This thread's host sigaltstack mapping (guard included): (base, length).
    static ALT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Record `stack` as the calling thread's dispatcher stack and give the thread a host sigaltstack.
pub fn enter_thread(stack: HostStack) -> Result<(), i64> {
    STACK.with(|s| s.set(stack));
    let alt = map(ALT_SIZE)?;
    let ss = libc::stack_t { ss_sp: alt.guard_hi as *mut libc::c_void, ss_flags: 0, ss_size: ALT_SIZE as usize };
    let r = sys(libc::SYS_sigaltstack, &[&ss as *const libc::stack_t as u64, 0]);
    if r < 0 {
        sys(libc::SYS_munmap, &[alt.guard_lo, ALT_SIZE + GUARD]);
        return Err(r);
    }
    ALT.with(|a| a.set((alt.guard_lo, ALT_SIZE + GUARD)));
    Ok(())
}

/// Release the calling thread's host sigaltstack (thread exit), unless the thread is running on it.
pub fn leave_thread() {
    let (base, len) = ALT.with(|a| a.get());
    let here = &base as *const u64 as u64;
    if len == 0 || (base..base + len).contains(&here) {
        return;
    }
    let ss = libc::stack_t { ss_sp: core::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
    sys(libc::SYS_sigaltstack, &[&ss as *const libc::stack_t as u64, 0]);
    sys(libc::SYS_munmap, &[base, len]);
    ALT.with(|a| a.set((0, 0)));
}

/// The calling thread's dispatcher stack [lo, top) and host signal stack [lo, top) (zeros when
/// it has none).
pub fn bounds() -> ((u64, u64), (u64, u64)) {
    let s = STACK.with(|s| s.get());
    let (base, len) = ALT.with(|a| a.get());
    let alt = if len > GUARD { (base + GUARD, base + len) } else { (0, 0) };
    ((s.guard_hi, s.top), alt)
}

/// Is `addr` in the guard of this thread's dispatcher stack (a host stack overflow)?
pub fn in_guard(addr: u64) -> bool {
    let s = STACK.with(|s| s.get());
    s.guard_lo != 0 && (s.guard_lo..s.guard_hi).contains(&addr)
}

/// Continue the guest from `st` in this thread's dispatcher, dropping every host frame on the
/// dispatcher stack (translated frames the guest left, nested handler loops) and whatever runs on
/// the signal stack. The state must be complete in `st` (a safe point).
pub fn resume_dispatcher(st: *mut CpuState) -> ! {
    let top = STACK.with(|s| s.get()).top;
    if top == 0 {
        crate::trap::fatal(crate::trap::EXIT_STARTUP, "no dispatcher stack to resume on");
    }
    // SAFETY: `top` is the top of this thread's mapped dispatcher stack; nothing on it is used
    // again (the dispatcher never returns, and the frames dropped belong to guest code the guest
    // has left). `st` is this thread's live state.
    unsafe { crate::dispatch::run_on_stack(top, crate::dispatch::dispatcher, st) }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn stack_has_a_guard() {
        let s = map(1 << 20).unwrap();
        assert_eq!(s.guard_hi - s.guard_lo, GUARD);
        assert_eq!(s.top - s.guard_hi, 1 << 20);
        // the usable part is writable, the guard is not mapped accessible
        // SAFETY: inside the mapping just made read-write.
        unsafe { *((s.top - 8) as *mut u64) = 5 };
        let mut v = [0u8; 1];
        let r = sys(libc::SYS_mincore, &[s.guard_lo, 4096, v.as_mut_ptr() as u64]);
        assert_eq!(r, 0);
        assert_eq!(sys(libc::SYS_munmap, &[s.guard_lo, s.top - s.guard_lo]), 0);
    }
}
