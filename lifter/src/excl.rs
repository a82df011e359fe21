//! The global half of the exclusive monitor: a version counter per reservation granule, shared by
//! every guest thread. The per-thread half (address, value(s), recorded version, armed) lives in
//! `CpuState`; the protocol is described in the header of `isa/aarch64/ldst.rs`, the memory-model
//! reasoning in docs/memory-model.md.
//!
//! One definition serves the translated code (the LLVM backend addresses the exported symbol
//! [`TABLE_SYMBOL`] and hashes with [`GRANULE_SHIFT`] and [`TABLE_LEN`]), the runtime (which links
//! this crate, so the symbol is in every translated program) and the IR interpreter (which uses the
//! same static, so an interpreter running inside the runtime would share the monitor with
//! translated code).

use core::sync::atomic::{AtomicU64, Ordering};

/// Granule size: 16 bytes (log2). A 16-byte aligned LDXP/STXP pair is one granule. Arm's
/// reservation granule is 16..2048 bytes; a smaller one only means fewer false conflicts.
pub const GRANULE_SHIFT: u32 = 4;
/// Counters in the table (a power of two). Granules that collide share a counter: that can only
/// make a store-exclusive fail spuriously, which the architecture allows (guest loops retry).
pub const TABLE_LEN: usize = 1 << 16;
/// The exported name of the table (`[u64; TABLE_LEN]`, 64-byte aligned).
pub const TABLE_SYMBOL: &str = "aot_excl_table";
/// A recorded version that never matches: what a store-exclusive claims with when the monitor is
/// not armed (a counter would need 2^64 - 1 claims to reach it).
pub const NEVER: u64 = u64::MAX;

/// Index of the counter of guest address `addr`.
pub fn index(addr: u64) -> usize {
    ((addr >> GRANULE_SHIFT) as usize) & (TABLE_LEN - 1)
}

#[repr(C, align(64))]
pub struct Table(pub [AtomicU64; TABLE_LEN]);

impl Table {
    /// The granule's version, acquire (later loads are not moved before it).
    pub fn version(&self, addr: u64) -> u64 {
        self.0[index(addr)].load(Ordering::Acquire)
    }
    /// Claim the granule for a store-exclusive that recorded version `ver`: succeeds (and moves
    /// the version on) iff no other claim happened since. Sequentially consistent, as the
    /// `lock cmpxchg` translated code uses.
    pub fn claim(&self, addr: u64, ver: u64) -> bool {
        ver != NEVER
            && self.0[index(addr)]
                .compare_exchange(ver, ver.wrapping_add(1), Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
    }
}

/// The table. Zero-initialised, so it costs only the pages that guest exclusives touch.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static aot_excl_table: Table = Table([const { AtomicU64::new(0) }; TABLE_LEN]);

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn claim_once_per_version() {
        let a = 0x1234_5670;
        let v = aot_excl_table.version(a);
        assert!(aot_excl_table.claim(a + 8, v), "same granule");
        assert!(!aot_excl_table.claim(a, v), "second claim of one version");
        assert!(!aot_excl_table.claim(a, NEVER));
        assert_eq!(aot_excl_table.version(a), v + 1);
        assert_eq!(index(a), index(a + 15));
        assert_ne!(index(a), index(a + 16));
    }
}
