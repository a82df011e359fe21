//! Chaining (docs/jit.md "Chaining"): JIT'd direct calls and tail calls to a guest address go
//! through a per-target slot, a leaked 8-byte cell holding the host function to call. A slot
//! starts as `aot_chain_resolve`, which looks the target up (`aot_lookup`: AOT table, else the
//! JIT) and stores the result; invalidating the target (crate::smc) stores the resolver again.
//!
//! Threads: JIT'd code loads the cell atomically; every store is made under `SLOTS`' lock. The
//! resolver stores only if no invalidation happened since it started its lookup (`GEN`), so a
//! translation invalidated during a lookup is never written back into a slot.

use crate::glue::HostFn;
use crate::CpuState;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Guest address -> its slot. Slots are never freed (their addresses are baked into JIT'd code).
static SLOTS: Mutex<BTreeMap<u64, &'static AtomicU64>> = Mutex::new(BTreeMap::new());
/// Bumped (under SLOTS' lock) by every reset.
static GEN: AtomicU64 = AtomicU64::new(0);

fn resolver() -> u64 {
    aot_chain_resolve as *const () as u64
}

/// The slot of guest address `pc` (created on first use, holding the resolver).
pub fn slot(pc: u64) -> u64 {
    let mut m = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    let s = m.entry(pc).or_insert_with(|| Box::leak(Box::new(AtomicU64::new(resolver()))));
    *s as *const AtomicU64 as u64
}

/// Point the slots of guest addresses in `[lo, hi)` back at the resolver.
pub fn reset_range(lo: u64, hi: u64) {
    let m = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    GEN.fetch_add(1, Ordering::AcqRel);
    for (_, s) in m.range(lo..hi) {
        s.store(resolver(), Ordering::Release);
    }
}

/// Point the slots of these guest addresses back at the resolver.
pub fn reset(pcs: &[u64]) {
    let m = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    GEN.fetch_add(1, Ordering::AcqRel);
    for pc in pcs {
        if let Some(s) = m.get(pc) {
            s.store(resolver(), Ordering::Release);
        }
    }
}

/// The initial content of every slot: find the host function for `pc`, chain it, run it.
///
/// # Safety
/// Called by JIT'd code with the live state of the calling guest thread.
#[no_mangle]
pub unsafe extern "C" fn aot_chain_resolve(st: *mut CpuState, pc: u64) {
    let g = GEN.load(Ordering::Acquire);
    let f: HostFn = crate::dispatch::aot_lookup(pc);
    {
        let m = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        if GEN.load(Ordering::Acquire) == g {
            if let Some(s) = m.get(&pc) {
                s.store(f as usize as u64, Ordering::Release);
            }
        }
    }
    f(st, pc)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn slots_are_stable_and_reset() {
        let a = slot(0x1234_0000);
        assert_eq!(slot(0x1234_0000), a);
        assert_ne!(slot(0x1234_0004), a);
        // SAFETY: slot() returns the address of a leaked AtomicU64.
        let cell = unsafe { &*(a as *const AtomicU64) };
        assert_eq!(cell.load(Ordering::Relaxed), resolver());
        cell.store(42, Ordering::Relaxed);
        reset_range(0x1234_0004, 0x1234_0008);
        assert_eq!(cell.load(Ordering::Relaxed), 42);
        reset_range(0x1234_0000, 0x1234_0004);
        assert_eq!(cell.load(Ordering::Relaxed), resolver());
        cell.store(43, Ordering::Relaxed);
        reset(&[0x1234_0000]);
        assert_eq!(cell.load(Ordering::Relaxed), resolver());
    }
}
