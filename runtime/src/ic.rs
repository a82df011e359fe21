//! Inline caches of indirect calls (BLR) and of indirect jumps out of a function (BR to a
//! function start), docs/design.md "Inline caches".
//!
//! Each such site in AOT code has one slot ([`IcSlot`], section `aot_ic`, translator/src/llvm.rs
//! `ic_slot`): a pointer to an immutable `{guest_pc, host_fn}` record (an entry of the link
//! step's `aot_entry_table`, or [`aot_ic_empty`]) and a miss counter. The hot path loads the
//! pointer, compares the record's `guest_pc` with the target and calls the record's
//! `host_fn(state, target)`; a mismatch calls [`aot_ic_miss`] (or [`aot_ic_miss_start`] for a
//! jump), which looks the target up and points the slot at the target's record: at once when
//! the slot is empty, else on every [`REFILL_EVERY`]th miss, so a megamorphic site (several
//! targets in turn) costs little more than `aot_lookup` and a site whose target changes for
//! good is repointed soon.
//!
//! Why this is sound:
//! - One word: the pointer only ever changes from one record to another with one aligned
//!   8-byte store, and records never change, so a reader sees a whole record, whose `guest_pc`
//!   and `host_fn` belong together; racing fillers only decide which valid record stays. (The
//!   miss counter is a heuristic; lost updates do not matter.)
//! - Only AOT entries are cached: their host code is never freed, so a slot never refers to
//!   JIT'd code that crate::reclaim could free (JIT'd targets miss every time, as before).
//! - AOT entries can be invalidated (IC IVAU on the program's own code, crate::smc): every slot
//!   is then pointed back at the empty record ([`reset_all`]). A filler that raced with the
//!   invalidation checks `smc::aot_invalid` after its store (both sides fence), and undoes it.
//!   A thread that loaded a record just before the reset still reaches correct code: the
//!   invalidated host function's entry pad is patched to `jmp aot_jit_enter`, which runs the JIT
//!   translation of the same `(state, entry_pc)`, as for a direct call.
//! - The record's host function gets the target as `entry_pc`: a multi-entry host function
//!   switches on it, and the record is that of exactly this entry.

use crate::dispatch::{aot_lookup, cached_entry};
use crate::glue::{EntryRec, HostFn};
use crate::CpuState;
use std::sync::atomic::{fence, AtomicU64, Ordering};

/// What every slot points at first. Its `guest_pc` is no instruction address (not 4-aligned);
/// a branch to it anyway matches and runs [`generic`], which does what the miss path does
/// without filling the slot.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static aot_ic_empty: EntryRec = EntryRec { guest_pc: u64::MAX, host_fn: generic };

extern "C" fn generic(st: *mut CpuState, pc: u64) {
    aot_lookup(pc)(st, pc)
}

fn empty() -> u64 {
    &aot_ic_empty as *const EntryRec as u64
}

/// One site's cache, as translated code lays it out (`{ptr, i64}`, 8-aligned).
#[repr(C)]
pub struct IcSlot {
    rec: AtomicU64,
    misses: AtomicU64,
}

/// A filled slot is repointed on every this many misses (a power of two).
pub const REFILL_EVERY: u64 = 64;

/// Misses that could not fill the slot (the target was JIT'd or invalidated, or a jump went into
/// the middle of a function). Filling misses are not counted: a megamorphic site misses on
/// nearly every call, and the miss path stays free of counters, as `aot_lookup`'s hit path.
pub static MISSES: AtomicU64 = AtomicU64::new(0);

/// Point `slot` at `rec` (the lookup cache's record of `pc`); false, with the slot emptied
/// again, when `pc` was invalidated meanwhile.
#[inline(always)]
fn fill(slot: &IcSlot, pc: u64, rec: &'static EntryRec) -> bool {
    let r = rec as *const EntryRec as u64;
    slot.rec.store(r, Ordering::Relaxed);
    // Pairs with the fence in `reset`: either the invalidation's reset comes after this store,
    // or this check sees the entry invalid.
    fence(Ordering::SeqCst);
    if crate::smc::aot_invalid(pc) {
        let _ = slot.rec.compare_exchange(r, empty(), Ordering::Relaxed, Ordering::Relaxed);
        return false;
    }
    true
}

/// Miss path of an inline-cached indirect call to `pc`: the host function to call with
/// `(state, pc)`, as `aot_lookup` finds it; the slot now points at its record when it is an AOT
/// entry. The common miss (a megamorphic site, the target in `aot_lookup`'s cache) is kept as
/// small as `aot_lookup`'s hit path plus the store; the rest is out of line.
///
/// # Safety
/// `slot` must be an inline-cache slot of translated code.
#[no_mangle]
pub unsafe extern "C" fn aot_ic_miss(slot: *const IcSlot, pc: u64) -> HostFn {
    // SAFETY: per the contract, an 8-aligned slot that lives for the whole run.
    let slot = unsafe { &*slot };
    let Some(rec) = cached_entry(pc) else { return miss_slow(slot, pc) };
    if slot.rec.load(Ordering::Relaxed) != empty() {
        let m = slot.misses.load(Ordering::Relaxed).wrapping_add(1);
        slot.misses.store(m, Ordering::Relaxed);
        if m % REFILL_EVERY != 0 {
            return rec.host_fn;
        }
    }
    slot.rec.store(rec as *const EntryRec as u64, Ordering::Relaxed);
    // As in `fill`; the check of the invalid set is out of line (no frame here).
    fence(Ordering::SeqCst);
    if !crate::smc::any_aot_invalid() {
        return rec.host_fn;
    }
    recheck(slot, pc, rec)
}

/// `aot_ic_miss` after its store when some AOT entry was invalidated: undo the store if `pc` is.
#[cold]
#[inline(never)]
fn recheck(slot: &IcSlot, pc: u64, rec: &'static EntryRec) -> HostFn {
    if !crate::smc::aot_invalid(pc) {
        return rec.host_fn;
    }
    let _ = slot.rec.compare_exchange(rec as *const EntryRec as u64, empty(), Ordering::Relaxed, Ordering::Relaxed);
    MISSES.fetch_add(1, Ordering::Relaxed);
    aot_lookup(pc)
}

#[cold]
#[inline(never)]
fn miss_slow(slot: &IcSlot, pc: u64) -> HostFn {
    let f = aot_lookup(pc);
    // aot_lookup puts an AOT entry it returns in its cache.
    match cached_entry(pc) {
        Some(rec) if rec.guest_pc == pc && rec.host_fn as usize == f as usize && fill(slot, pc, rec) => {}
        _ => {
            MISSES.fetch_add(1, Ordering::Relaxed);
        }
    }
    f
}

/// Miss path of an inline-cached indirect jump out of a function: as `aot_lookup_start` (null
/// when `pc` starts no function: translated code then returns to the dispatcher), filling the
/// slot as [`aot_ic_miss`] does for function starts only, so a hit is always a tail call.
///
/// # Safety
/// As [`aot_ic_miss`].
#[no_mangle]
pub unsafe extern "C" fn aot_ic_miss_start(slot: *const IcSlot, pc: u64) -> Option<HostFn> {
    if crate::glue::fn_starts().binary_search(&pc).is_err() {
        return None;
    }
    // SAFETY: as in aot_ic_miss.
    Some(miss_slow(unsafe { &*slot }, pc))
}

/// Point every slot of `slots` back at the empty record.
fn reset(slots: &[IcSlot]) {
    // Pairs with the fence in `fill`: the caller has marked the entries invalid before.
    fence(Ordering::SeqCst);
    let e = empty();
    for s in slots {
        s.rec.store(e, Ordering::Relaxed);
    }
}

/// An AOT entry was invalidated (crate::smc, after marking it): empty every slot.
pub fn reset_all() {
    let w = crate::glue::ic_slots();
    // SAFETY: the section holds whole IcSlots (two words each, 8-aligned).
    reset(unsafe { core::slice::from_raw_parts(w.as_ptr() as *const IcSlot, w.len() / 2) });
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn empty_record_never_matches_an_instruction_and_reset_empties() {
        assert_ne!(aot_ic_empty.guest_pc & 3, 0);
        let slots: Vec<IcSlot> = (0..3).map(|i| IcSlot { rec: AtomicU64::new(0x1000 + i), misses: AtomicU64::new(7) }).collect();
        reset(&slots);
        assert!(slots.iter().all(|s| s.rec.load(Ordering::Relaxed) == empty()));
        // No entry is invalid here: a fill sticks.
        let s = IcSlot { rec: AtomicU64::new(empty()), misses: AtomicU64::new(0) };
        assert!(fill(&s, 0x40_0000, &aot_ic_empty));
        assert_eq!(s.rec.load(Ordering::Relaxed), &aot_ic_empty as *const EntryRec as u64);
        assert_eq!(core::mem::size_of::<IcSlot>(), 16);
    }
}
