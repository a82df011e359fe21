//! Entry lookup and the dispatcher loop.

use crate::glue::{entries, EntryRec, HostFn};
use crate::CpuState;
use std::sync::atomic::{AtomicU64, Ordering};

/// Binary search of a sorted entry table.
pub fn find(table: &[EntryRec], pc: u64) -> Option<HostFn> {
    table.binary_search_by_key(&pc, |e| e.guest_pc).ok().map(|i| table[i].host_fn)
}

/// Direct-mapped lookup cache: slot = (pc >> 2) % CACHE_SLOTS, value = (pc >> 2) << 20 | index + 1
/// packed in one word so concurrent readers never see a torn pair. 0 = empty.
const CACHE_SLOTS: usize = 4096;
const IDX_BITS: u32 = 20;
static CACHE: [AtomicU64; CACHE_SLOTS] = [const { AtomicU64::new(0) }; CACHE_SLOTS];

fn find_cached(table: &[EntryRec], pc: u64) -> Option<HostFn> {
    let key = pc >> 2;
    let slot = &CACHE[key as usize % CACHE_SLOTS];
    let v = slot.load(Ordering::Relaxed);
    if v != 0 && v >> IDX_BITS == key && pc & 3 == 0 {
        if let Some(e) = table.get(((v & ((1 << IDX_BITS) - 1)) - 1) as usize) {
            return Some(e.host_fn);
        }
    }
    let i = table.binary_search_by_key(&pc, |e| e.guest_pc).ok()?;
    if pc & 3 == 0 && key < 1 << (64 - IDX_BITS) && i + 1 < 1 << IDX_BITS {
        slot.store(key << IDX_BITS | (i as u64 + 1), Ordering::Relaxed);
        // An invalidation (crate::smc) between the caller's check and this store has emptied
        // the cache already: undo the store.
        if crate::smc::aot_invalid(pc) {
            slot.store(0, Ordering::Relaxed);
        }
    }
    Some(table[i].host_fn)
}

/// Empty the lookup cache (an AOT entry was invalidated: crate::smc).
pub fn clear_cache() {
    for s in &CACHE {
        s.store(0, Ordering::Relaxed);
    }
}

thread_local! {
    /// The guest state of this host thread (for diagnostics).
    static CURRENT: std::cell::Cell<*const CpuState> = const { std::cell::Cell::new(core::ptr::null()) };
}

/// This thread's guest state (null before its dispatcher starts).
pub fn current() -> *mut CpuState {
    CURRENT.with(|c| c.get()) as *mut CpuState
}

/// The translated function for guest address `pc`: the AOT translation, else a JIT
/// translation (crate::jit, compiled on first use). With no code at `pc` (or a JIT failure) the
/// run ends with status 70; with AOT_DEBUG=1 the guest registers are printed too.
#[no_mangle]
pub extern "C" fn aot_lookup(pc: u64) -> HostFn {
    // The hit path is kept small (no frame, no spills): every indirect call and every return to
    // a dispatcher comes here. Misses, the JIT and the fatal diagnostics are out of line. Only
    // AOT entries that `find_cached` returned are in CACHE, so AOT_JIT_ONLY_ABOVE still holds.
    let key = pc >> 2;
    let v = CACHE[key as usize % CACHE_SLOTS].load(Ordering::Relaxed);
    if v >> IDX_BITS == key && v != 0 && pc & 3 == 0 {
        if let Some(e) = entries().get(((v & ((1 << IDX_BITS) - 1)) - 1) as usize) {
            return e.host_fn;
        }
    }
    lookup_slow(pc)
}

/// The AOT entry record of `pc` when the lookup cache holds it. Only entries `find_cached`
/// returned are there (not disabled by AOT_JIT_ONLY_ABOVE, not invalidated when stored;
/// an invalidation empties the cache), so the record is one `aot_lookup` would use now.
#[inline(always)]
pub fn cached_entry(pc: u64) -> Option<&'static EntryRec> {
    let key = pc >> 2;
    let v = CACHE[key as usize % CACHE_SLOTS].load(Ordering::Relaxed);
    if v >> IDX_BITS == key && v != 0 && pc & 3 == 0 {
        return entries().get(((v & ((1 << IDX_BITS) - 1)) - 1) as usize);
    }
    None
}

#[cold]
#[inline(never)]
fn lookup_slow(pc: u64) -> HostFn {
    if !crate::jit::aot_disabled(pc) && !crate::smc::aot_invalid(pc) {
        if let Some(f) = find_cached(entries(), pc) {
            return f;
        }
    }
    if let Some(f) = crate::jit::lookup_or_compile(pc) {
        crate::jit::JIT_LOOKUPS.fetch_add(1, Ordering::Relaxed);
        return f;
    }
    let mut msg = format!("no translation for guest address 0x{pc:x} ({})", crate::trap::symbolize(pc));
    let cur = CURRENT.with(|c| c.get());
    if crate::trap::debug() && !cur.is_null() {
        // SAFETY: CURRENT is set by this thread's dispatcher to its live state.
        let st = unsafe { &*cur };
        msg += &format!("\nguest state (registers as last written back):\n{}", crate::trap::dump_state(st));
    }
    crate::trap::fatal(crate::trap::EXIT_NO_TRANSLATION, msg.trim_end())
}

/// The translated function for an indirect jump (BR) to `pc`, if `pc` starts a function: the
/// jump is then a tail call. Otherwise null: the jump goes into the middle of some function
/// (longjmp to a return site, a computed goto into another function), so translated code returns
/// instead, unwinding host frames the guest has abandoned, and the dispatcher enters `pc`.
#[no_mangle]
pub extern "C" fn aot_lookup_start(pc: u64) -> Option<HostFn> {
    if crate::glue::fn_starts().binary_search(&pc).is_ok() {
        Some(aot_lookup(pc))
    } else {
        None
    }
}

/// Called by translated code at a safe point (ir::safepoint) when `st.sigpoll` is set: the state
/// is written back and `st.pc` is the instruction about to run. Delivers the pending signals; the
/// caller reloads the state and continues if `st.pc` is unchanged, else returns to the dispatcher.
///
/// # Safety
/// `st` must be the live state of the calling guest thread.
#[no_mangle]
pub unsafe extern "C" fn aot_safepoint(st: *mut CpuState) {
    // A scan request of crate::reclaim may be what raised sigpoll.
    crate::reclaim::quiescent(st);
    // SAFETY: translated code passes the live state of the current guest thread.
    crate::syscall::signal::deliver_pending(unsafe { &mut *st });
}

/// [`aot_safepoint`] that also answers the caller's question: true (1) if `st.pc` is unchanged,
/// so the caller reloads the state and continues; false if a handler moved it. The LLVM tier
/// calls this one: it then needs no copy of the PC it set kept across the call (a callee-saved
/// host register, saved and restored by every call of the function).
///
/// # Safety
/// As [`aot_safepoint`].
#[no_mangle]
pub unsafe extern "C" fn aot_safepoint_same(st: *mut CpuState) -> bool {
    // SAFETY: as aot_safepoint; the caller passes its live state.
    let pc = unsafe { (*st).pc };
    unsafe { aot_safepoint(st) };
    unsafe { (*st).pc == pc }
}

/// Run guest code forever (the guest leaves through exit/exit_group).
///
/// # Safety
/// `st` must point to a guest state owned by this thread for the rest of the process.
pub unsafe extern "C" fn dispatcher(st: *mut CpuState) -> ! {
    CURRENT.with(|c| c.set(st));
    crate::syscall::signal::attach(st);
    crate::reclaim::enter_dispatcher(st);
    loop {
        crate::reclaim::quiescent(st);
        if crate::syscall::signal::pending() {
            // SAFETY: as below.
            crate::syscall::signal::deliver_pending(unsafe { &mut *st });
        }
        // SAFETY: `st` is the guest thread's state, owned by this loop for the thread's lifetime;
        // translated functions only access it through the pointer while they run.
        let pc = unsafe { (*st).pc };
        if pc == crate::syscall::signal::SIGRETURN_TRAMPOLINE {
            // A guest handler returned to a dispatcher that did not start it (its host frames
            // were dropped: crate::fault): rt_sigreturn from the frame at SP.
            // SAFETY: as below.
            crate::fault::sigreturn(unsafe { &mut *st });
            continue;
        }
        crate::jit::DISPATCHES.fetch_add(1, Ordering::Relaxed);
        let f = aot_lookup(pc);
        let (lo, hi) = crate::glue::code_range();
        if (f as usize as u64).wrapping_sub(lo) < hi.wrapping_sub(lo) {
            crate::jit::AOT_DISPATCHES.fetch_add(1, Ordering::Relaxed);
        }
        f(st, pc);
    }
}

/// Switch to the stack whose (16-byte aligned) top is `top` and run `f(arg)` there.
///
/// # Safety
/// `top` must be the top of a mapped, writable region large enough for everything `f` does.
pub unsafe fn run_on_stack(top: u64, f: unsafe extern "C" fn(*mut CpuState) -> !, arg: *mut CpuState) -> ! {
    debug_assert!(top.is_multiple_of(16));
    // SAFETY: per the function contract; `call` pushes the return address so `f` starts with the
    // stack aligned as the SysV ABI requires; `f` never returns.
    unsafe {
        core::arch::asm!(
            "mov rsp, {top}",
            "xor ebp, ebp",
            "call {f}",
            "ud2",
            top = in(reg) top,
            f = in(reg) f,
            in("rdi") arg,
            options(noreturn)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Function pointers are compared with the table's own entries: Rust does not promise one
    // address per function (a fn item coerced in two places may give two copies in release).
    // Different bodies, so that they cannot be merged into one function either.
    static HITS: AtomicU64 = AtomicU64::new(0);
    extern "C" fn f1(_: *mut CpuState, _: u64) {
        HITS.fetch_add(1, Ordering::Relaxed);
    }
    extern "C" fn f2(_: *mut CpuState, _: u64) {
        HITS.fetch_add(2, Ordering::Relaxed);
    }
    extern "C" fn d(_: *mut CpuState, _: u64, _: u64, _: u64, _: u64) {}
    #[test]
    fn lookup_table() {
        let t = [EntryRec { guest_pc: 0x400000, host_fn: f1, host_d: d }, EntryRec { guest_pc: 0x400010, host_fn: f2, host_d: d }];
        assert_ne!(t[0].host_fn as usize, t[1].host_fn as usize);
        assert!(find(&t, 0x400010).is_some_and(|f| f as usize == t[1].host_fn as usize));
        assert!(find(&t, 0x400000).is_some_and(|f| f as usize == t[0].host_fn as usize));
        assert!(find(&t, 0x400008).is_none());
        assert!(find(&[], 0).is_none());
    }
    #[test]
    fn cached_lookup() {
        let t: Vec<EntryRec> = (0..100u64).map(|i| EntryRec { guest_pc: 0x7700_0000 + 8 * i, host_fn: if i % 2 == 0 { f1 } else { f2 }, host_d: d }).collect();
        let at = |t: &[EntryRec], i: usize| t[i].host_fn as usize;
        for _ in 0..2 {
            for i in 0..100u64 {
                assert_eq!(find_cached(&t, 0x7700_0000 + 8 * i).map(|f| f as usize), Some(at(&t, i as usize)));
                assert!(find_cached(&t, 0x7700_0004 + 8 * i).is_none());
            }
        }
        // colliding slot (4096 words apart) does not confuse entries
        let u = [EntryRec { guest_pc: 0x7700_0000 + 4 * 4096, host_fn: f2, host_d: d }];
        assert_ne!(at(&u, 0), at(&t, 0));
        assert_eq!(find_cached(&u, 0x7700_0000 + 4 * 4096).map(|f| f as usize), Some(at(&u, 0)));
        assert_eq!(find_cached(&t, 0x7700_0000).map(|f| f as usize), Some(at(&t, 0)));
    }
}
