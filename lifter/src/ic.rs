//! The layout of an inline-cache slot of an indirect call or jump (docs/design.md "Inline
//! caches"): one definition for the code that probes slots (the LLVM backend,
//! translator/src/llvm.rs; the Cranelift lowering, jit/src/lower.rs, for the AOT Cranelift tier
//! and the JIT) and the runtime that fills and empties them (runtime/src/ic.rs).
//!
//! A slot is `{ rec: *const Record, misses: u64, ways: [*const Record; WAYS] }`, 8-aligned, every
//! pointer first at the runtime's `aot_ic_empty` record. A record is `{ guest_pc: u64, host_fn,
//! host_d }` and never changes: `host_fn(state, target)` is the full-state entry, `host_d(state,
//! target, x0, x1, x30)` the register-passing direct entry of the same code (docs/design.md
//! "Direct calls"). A hit is: load an entry, compare the record's `guest_pc` with the target,
//! call one of the record's entries; level 1 first, then the target's way. The LLVM backend
//! calls `host_d` (a `BLR` passes X0, X1, X30 in host registers, as a `BL` does); the
//! Cranelift lowering calls `host_fn`.

/// Level-2 entries ("ways") per slot (a power of two).
pub const WAYS: usize = 8;
/// The multiplier of [`way`]: 2^32 / golden ratio (Fibonacci hashing).
pub const HASH: u32 = 0x9E37_79B9;
/// Byte offset of level 1 (`rec`) in a slot.
pub const REC_OFFSET: i32 = 0;
/// Byte offset of the miss counter in a slot.
pub const MISSES_OFFSET: i32 = 8;
/// Byte offset of the first way in a slot.
pub const WAYS_OFFSET: i32 = 16;
/// Bytes of one slot.
pub const SLOT_BYTES: usize = WAYS_OFFSET as usize + 8 * WAYS;
/// Byte offset of `guest_pc` in a record.
pub const RECORD_PC_OFFSET: i32 = 0;
/// Byte offset of `host_fn` in a record.
pub const RECORD_FN_OFFSET: i32 = 8;
/// Byte offset of `host_d` (the direct entry) in a record.
pub const RECORD_DIRECT_OFFSET: i32 = 16;
/// The right shift of the way hash: the top log2([`WAYS`]) bits of the 32-bit product.
pub const WAY_SHIFT: u32 = 32 - WAYS.trailing_zeros();
/// The record every entry of a new slot points at (a runtime symbol).
pub const EMPTY_RECORD: &str = "aot_ic_empty";
/// Runtime miss path of an indirect call: `fn(slot, target) -> host fn`.
pub const MISS_CALL: &str = "aot_ic_miss";
/// Runtime miss path of an indirect jump out of a function: `fn(slot, target) -> host fn or
/// null` (null: the target starts no function).
pub const MISS_JUMP: &str = "aot_ic_miss_start";

/// The way of target `pc`: the top log2([`WAYS`]) bits of `low32(pc >> 4) * HASH`, as translated
/// code computes it (`shr`, `imul`, `shr`). gcc aligns functions to 16 bytes, and Fibonacci
/// hashing spreads keys that differ by one best: neighbouring functions get different ways.
#[inline(always)]
pub fn way(pc: u64) -> usize {
    (((pc >> 4) as u32).wrapping_mul(HASH) >> WAY_SHIFT) as usize
}
