//! Inline caches of indirect calls (BLR) and of indirect jumps out of a function (BR to a
//! function start), docs/design.md "Inline caches".
//!
//! Each such site has one slot ([`IcSlot`], layout aot_lifter::ic): in AOT code from either
//! backend in section `aot_ic` (translator/src/llvm.rs `ic_slot`, translator/src/clif.rs), in
//! JIT'd code one of [`jit_slot`]'s. A slot has two levels, each entry a pointer to an immutable
//! `{guest_pc, host_fn, host_d}` record (`host_d`: the direct entry, which LLVM code calls)
//! (an entry of the link step's `aot_entry_table`, or [`aot_ic_empty`]):
//! - level 1, `rec`: the hot path loads it, compares the record's `guest_pc` with the target
//!   and calls the record's `host_fn(state, target)` (a monomorphic site stops here);
//! - level 2, `ways`: [`WAYS`] entries indexed by [`way`]`(target)` (a multiplicative hash of
//!   the target's address / 16), probed inline after a level-1 mismatch the same way, so a site
//!   with a few targets in turn (function-pointer tables, virtual calls) runs without the runtime.
//!
//! A mismatch of both calls [`aot_ic_miss`] (or [`aot_ic_miss_start`] for a jump), which looks the
//! target up and writes the target's record into the target's way and into level 1 when either
//! is empty; a full one is rewritten only on every [`REFILL_EVERY`]th miss (both then), so a site
//! with more targets than its ways hold, or two targets sharing a way, does not store and fence on
//! every call, and a site whose target changes for good is repointed soon.
//!
//! Why this is sound:
//! - One word per entry: an entry only ever changes from one record to another with one aligned
//!   8-byte store, and records never change, so a reader (one load of the entry) sees a whole
//!   record, whose `guest_pc` and `host_fn` belong together; racing fillers only decide which
//!   valid record stays. (The miss counter is a heuristic; lost updates do not matter.) Which
//!   way holds a record does not matter for correctness either: a hit compares `guest_pc`.
//! - Only AOT entries are cached: their host code is never freed, so a slot never refers to
//!   JIT'd code that crate::reclaim could free (JIT'd targets miss every time, as before; JIT'd
//!   callers of AOT targets hit).
//! - AOT entries can be invalidated (IC IVAU on the program's own code, crate::smc): every entry
//!   of every slot is then pointed back at the empty record ([`reset_all`]). A filler that raced
//!   with the invalidation checks `smc::aot_invalid` after its stores (both sides fence), and
//!   undoes them. A thread that loaded a record just before the reset still reaches correct code:
//!   the invalidated host function's entry pad is patched to `jmp aot_jit_enter`, which runs the
//!   JIT translation of the same `(state, entry_pc)`, as for a direct call.
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
pub static aot_ic_empty: EntryRec = EntryRec { guest_pc: u64::MAX, host_fn: generic, host_d: generic_d };

extern "C" fn generic(st: *mut CpuState, pc: u64) {
    aot_lookup(pc)(st, pc)
}

extern "C" fn generic_d(st: *mut CpuState, pc: u64, x0: u64, x1: u64, x30: u64) {
    // SAFETY: translated code passes its live state.
    unsafe { crate::jit::aot_jit_enter_d(st, pc, x0, x1, x30) }
}

fn empty() -> u64 {
    &aot_ic_empty as *const EntryRec as u64
}

/// Level-2 entries per slot; the layout and the way hash are aot_lifter::ic's, which the
/// backends that probe slots use too.
pub use aot_lifter::ic::{way, HASH, WAYS};

/// One site's cache, as translated code lays it out (`{ptr, i64, [WAYS x ptr]}`, 8-aligned).
#[repr(C)]
pub struct IcSlot {
    rec: AtomicU64,
    misses: AtomicU64,
    ways: [AtomicU64; WAYS],
}

// The layout the backends probe (aot_lifter::ic) is this struct's and EntryRec's.
const _: () = {
    use aot_lifter::ic as l;
    assert!(core::mem::offset_of!(IcSlot, rec) == l::REC_OFFSET as usize);
    assert!(core::mem::offset_of!(IcSlot, misses) == l::MISSES_OFFSET as usize);
    assert!(core::mem::offset_of!(IcSlot, ways) == l::WAYS_OFFSET as usize);
    assert!(core::mem::size_of::<IcSlot>() == l::SLOT_BYTES);
    assert!(core::mem::offset_of!(EntryRec, guest_pc) == l::RECORD_PC_OFFSET as usize);
    assert!(core::mem::offset_of!(EntryRec, host_fn) == l::RECORD_FN_OFFSET as usize);
    assert!(core::mem::offset_of!(EntryRec, host_d) == l::RECORD_DIRECT_OFFSET as usize);
};

/// A full entry is repointed on every this many misses of its site (a power of two).
pub const REFILL_EVERY: u64 = 64;

/// Misses that could not fill the slot (the target was JIT'd or invalidated, or a jump went into
/// the middle of a function).
pub static MISSES: AtomicU64 = AtomicU64::new(0);

/// Every call of [`aot_ic_miss`]/[`aot_ic_miss_start`] (AOT_STATS): both levels missed. Counted
/// with a plain load and store, not a locked add (this path is hot at sites with more targets
/// than ways), so threads missing at once may lose counts.
pub static RUNTIME_CALLS: AtomicU64 = AtomicU64::new(0);

#[inline(always)]
fn count_call() {
    RUNTIME_CALLS.store(RUNTIME_CALLS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// Point `slot`'s way of `pc`, and level 1, at `rec` (the lookup cache's record of `pc`); false,
/// with the stores undone, when `pc` was invalidated meanwhile.
#[inline(always)]
fn fill(slot: &IcSlot, pc: u64, rec: &'static EntryRec) -> bool {
    let r = rec as *const EntryRec as u64;
    slot.ways[way(pc)].store(r, Ordering::Relaxed);
    slot.rec.store(r, Ordering::Relaxed);
    // Pairs with the fence in `reset`: either the invalidation's reset comes after these stores,
    // or this check sees the entry invalid.
    fence(Ordering::SeqCst);
    if crate::smc::aot_invalid(pc) {
        undo(slot, pc, r);
        return false;
    }
    true
}

/// Empty the entries of `slot` that still hold record `r` of `pc`.
fn undo(slot: &IcSlot, pc: u64, r: u64) {
    let _ = slot.rec.compare_exchange(r, empty(), Ordering::Relaxed, Ordering::Relaxed);
    let _ = slot.ways[way(pc)].compare_exchange(r, empty(), Ordering::Relaxed, Ordering::Relaxed);
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
    count_call();
    // SAFETY: per the contract, an 8-aligned slot that lives for the whole run.
    miss(unsafe { &*slot }, pc)
}

/// Both levels of `slot` missed target `pc`: [`aot_ic_miss`] without the counter.
#[inline(always)]
fn miss(slot: &IcSlot, pc: u64) -> HostFn {
    let Some(rec) = cached_entry(pc) else { return miss_slow(slot, pc) };
    let (r, e) = (rec as *const EntryRec as u64, empty());
    let w = &slot.ways[way(pc)];
    let mut stored = false;
    if w.load(Ordering::Relaxed) == e {
        w.store(r, Ordering::Relaxed);
        stored = true;
    }
    if slot.rec.load(Ordering::Relaxed) == e {
        slot.rec.store(r, Ordering::Relaxed);
        stored = true;
    }
    if !stored {
        let m = slot.misses.load(Ordering::Relaxed).wrapping_add(1);
        slot.misses.store(m, Ordering::Relaxed);
        if m % REFILL_EVERY != 0 {
            return rec.host_fn;
        }
        w.store(r, Ordering::Relaxed);
        slot.rec.store(r, Ordering::Relaxed);
    }
    // As in `fill`; the check of the invalid set is out of line (no frame here).
    fence(Ordering::SeqCst);
    if !crate::smc::any_aot_invalid() {
        return rec.host_fn;
    }
    recheck(slot, pc, rec)
}

/// `aot_ic_miss` after its stores when some AOT entry was invalidated: undo them if `pc` is.
#[cold]
#[inline(never)]
fn recheck(slot: &IcSlot, pc: u64, rec: &'static EntryRec) -> HostFn {
    if !crate::smc::aot_invalid(pc) {
        return rec.host_fn;
    }
    undo(slot, pc, rec as *const EntryRec as u64);
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
/// slot as [`aot_ic_miss`] does (same refill policy) for function starts only, so a hit is
/// always a tail call.
///
/// # Safety
/// As [`aot_ic_miss`].
#[no_mangle]
pub unsafe extern "C" fn aot_ic_miss_start(slot: *const IcSlot, pc: u64) -> Option<HostFn> {
    count_call();
    if crate::glue::fn_starts().binary_search(&pc).is_err() {
        return None;
    }
    // SAFETY: as in aot_ic_miss.
    Some(miss(unsafe { &*slot }, pc))
}

/// Point every entry of every slot of `slots` back at the empty record.
fn reset(slots: &[IcSlot]) {
    // Pairs with the fence in `fill`: the caller has marked the entries invalid before.
    fence(Ordering::SeqCst);
    let e = empty();
    for s in slots {
        s.rec.store(e, Ordering::Relaxed);
        for w in &s.ways {
            w.store(e, Ordering::Relaxed);
        }
    }
}

/// An AOT entry was invalidated (crate::smc, after marking it): empty every slot, the AOT code's
/// and the JIT'd code's.
pub fn reset_all() {
    let w = crate::glue::ic_slots();
    // SAFETY: the section holds whole IcSlots (8-aligned).
    reset(unsafe { core::slice::from_raw_parts(w.as_ptr() as *const IcSlot, w.len() * 8 / core::mem::size_of::<IcSlot>()) });
    let m = JIT_SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    for s in m.values() {
        reset(core::slice::from_ref(*s));
    }
}

/// Slots of JIT'd code, by (guest function, site number): leaked, so that code compiled again
/// for the same function (after reclamation or invalidation) gets the same slots and the number
/// of slots stays bounded by the sites of the guest's code. Reusing a slot is sound: it holds
/// only AOT records, and a hit compares the target.
static JIT_SLOTS: std::sync::Mutex<std::collections::BTreeMap<(u64, u32), &'static IcSlot>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The slot of the `site`th inline-cached site of the JIT'd function at guest address `base`
/// (created empty on first use; aot_jit::lower::Symbols::ic_slot).
pub fn jit_slot(base: u64, site: u32) -> u64 {
    let mut m = JIT_SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    let s = m.entry((base, site)).or_insert_with(|| {
        let e = empty();
        Box::leak(Box::new(IcSlot { rec: AtomicU64::new(e), misses: AtomicU64::new(0), ways: core::array::from_fn(|_| AtomicU64::new(e)) }))
    });
    // A slot made after an invalidation started is empty; one that a racing filler wrote
    // follows `fill`'s protocol.
    *s as *const IcSlot as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    fn slot(r: u64) -> IcSlot {
        IcSlot { rec: AtomicU64::new(r), misses: AtomicU64::new(7), ways: core::array::from_fn(|i| AtomicU64::new(r + 8 * i as u64)) }
    }

    #[test]
    fn empty_record_never_matches_an_instruction_and_reset_empties() {
        assert_ne!(aot_ic_empty.guest_pc & 3, 0);
        let slots: Vec<IcSlot> = (0..3).map(|i| slot(0x1000 + 0x100 * i)).collect();
        reset(&slots);
        assert!(slots.iter().all(|s| s.rec.load(Ordering::Relaxed) == empty()));
        assert!(slots.iter().all(|s| s.ways.iter().all(|w| w.load(Ordering::Relaxed) == empty())));
        // No entry is invalid here: a fill sticks, in level 1 and in the target's way only.
        let s = slot(empty());
        for w in &s.ways {
            w.store(empty(), Ordering::Relaxed);
        }
        assert!(fill(&s, 0x40_0000, &aot_ic_empty));
        let r = &aot_ic_empty as *const EntryRec as u64;
        assert_eq!(s.rec.load(Ordering::Relaxed), r);
        assert_eq!(s.ways[way(0x40_0000)].load(Ordering::Relaxed), r);
        assert_eq!(core::mem::size_of::<IcSlot>(), 16 + 8 * WAYS);
    }

    /// The way hash spreads neighbouring function starts (16 bytes apart, as gcc aligns small
    /// functions): any five in a row get five different ways (multiples of the golden ratio
    /// mod 1: neighbours up to four apart are more than 1/8 apart on the circle).
    #[test]
    fn neighbouring_functions_get_different_ways() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let base = if i < 4 { [0x1000_0860, 0x40_0000, 0x1000_1a00, 0x40_0980][i as usize] } else { x & 0xffff_ffff_fff0 };
            let mut seen: Vec<usize> = (0..5).map(|k| way(base + 16 * k)).collect();
            assert!(seen.iter().all(|&w| w < WAYS));
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 5, "{base:#x}");
        }
    }
}
