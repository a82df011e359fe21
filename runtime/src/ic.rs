//! Inline caches of indirect calls (BLR) and of indirect jumps out of a function (BR to a
//! function start), docs/design.md "Inline caches".
//!
//! Each such site in AOT code has one 8-byte slot (section `aot_ic`, translator/src/llvm.rs
//! `ic_slot`) holding a pointer to an immutable `{guest_pc, host_fn}` record: an entry of the
//! link step's `aot_entry_table`, or [`aot_ic_empty`]. The hot path loads the slot, compares
//! the record's `guest_pc` with the target and calls the record's `host_fn(state, target)`; a
//! mismatch calls [`aot_ic_miss`] (or [`aot_ic_miss_start`] for a jump), which looks the
//! target up and points the slot at the target's record.
//!
//! Why this is sound:
//! - One word: a slot only ever changes from one record pointer to another with one aligned
//!   8-byte store, and records never change, so a reader sees a whole record, whose `guest_pc`
//!   and `host_fn` belong together; racing fillers only decide which valid record stays.
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

/// Slot fills (misses whose target was an AOT entry) and misses that could not fill (JIT'd or
/// invalidated targets, jumps into the middle of a function).
pub static FILLS: AtomicU64 = AtomicU64::new(0);
pub static MISSES: AtomicU64 = AtomicU64::new(0);

/// Point `slot` at the AOT record of `pc` if `f` (what `aot_lookup(pc)` returned) is that
/// record's host function.
fn fill(slot: &AtomicU64, pc: u64, f: HostFn) {
    let Some(rec) = cached_entry(pc) else {
        MISSES.fetch_add(1, Ordering::Relaxed);
        return;
    };
    if rec.guest_pc != pc || rec.host_fn as usize != f as usize {
        MISSES.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let r = rec as *const EntryRec as u64;
    slot.store(r, Ordering::Relaxed);
    // Pairs with the fence in reset_all: either the invalidation's reset comes after this store,
    // or this check sees the entry invalid.
    fence(Ordering::SeqCst);
    if crate::smc::aot_invalid(pc) {
        let _ = slot.compare_exchange(r, empty(), Ordering::Relaxed, Ordering::Relaxed);
        return;
    }
    FILLS.fetch_add(1, Ordering::Relaxed);
}

/// Miss path of an inline-cached indirect call to `pc`: the host function to call with
/// `(state, pc)`, as `aot_lookup` finds it; the slot now points at its record when it is an AOT
/// entry.
///
/// # Safety
/// `slot` must be an inline-cache slot of translated code.
#[no_mangle]
pub unsafe extern "C" fn aot_ic_miss(slot: *const AtomicU64, pc: u64) -> HostFn {
    let f = aot_lookup(pc);
    // SAFETY: per the contract, an 8-aligned slot that lives for the whole run.
    fill(unsafe { &*slot }, pc, f);
    f
}

/// Miss path of an inline-cached indirect jump out of a function: as `aot_lookup_start` (null
/// when `pc` starts no function: translated code then returns to the dispatcher), filling the
/// slot as [`aot_ic_miss`] does for function starts only, so a hit is always a tail call.
///
/// # Safety
/// As [`aot_ic_miss`].
#[no_mangle]
pub unsafe extern "C" fn aot_ic_miss_start(slot: *const AtomicU64, pc: u64) -> Option<HostFn> {
    if crate::glue::fn_starts().binary_search(&pc).is_err() {
        return None;
    }
    let f = aot_lookup(pc);
    // SAFETY: as in aot_ic_miss.
    fill(unsafe { &*slot }, pc, f);
    Some(f)
}

/// Point every slot of `slots` back at the empty record.
fn reset(slots: &[AtomicU64]) {
    // Pairs with the fence in fill: the caller has marked the entries invalid before.
    fence(Ordering::SeqCst);
    let e = empty();
    for s in slots {
        s.store(e, Ordering::Relaxed);
    }
}

/// An AOT entry was invalidated (crate::smc, after marking it): empty every slot.
pub fn reset_all() {
    reset(crate::glue::ic_slots());
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn empty_record_never_matches_an_instruction_and_reset_empties() {
        assert_ne!(aot_ic_empty.guest_pc & 3, 0);
        let slots: Vec<AtomicU64> = (0..3).map(|i| AtomicU64::new(0x1000 + i)).collect();
        reset(&slots);
        assert!(slots.iter().all(|s| s.load(Ordering::Relaxed) == empty()));
        // The unit-test build has no entry table: a miss fills nothing.
        let s = AtomicU64::new(empty());
        fill(&s, 0x40_0000, generic);
        assert_eq!(s.load(Ordering::Relaxed), empty());
    }
}
