//! Host PC -> guest PC for JIT-compiled code (the JIT's counterpart of `pcmap`).
//!
//! Each JIT'd function is published here once its code is in the code cache, with the rows of
//! `aot_jit::Compiled::srclocs` (Cranelift source locations = the IR's `insn` offsets). The fault
//! handler searches the table from a signal handler, possibly while another thread is
//! compiling, so it must not allocate or take locks: the table is append-only, made of chunks
//! that are never freed or moved, and an entry becomes visible only when the count that covers
//! it is stored (Release) after the entry was written. There is one writer at a time (the JIT's
//! compilation mutex). The code cache is bump-allocated, so entries arrive sorted by host
//! address and the search is a binary search (an out-of-order entry switches to a linear scan).

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// One JIT'd function.
pub struct FnMap {
    /// Host code: [host, host + len).
    pub host: u64,
    pub len: u64,
    /// Guest address the `insn` offsets are relative to (the IR function's base).
    pub base: u64,
    /// (host offset, guest offset or `aot_jit::NO_GUEST`), sorted (never freed).
    pub rows: &'static [(u32, u32)],
}

const CHUNK_BITS: usize = 12;
const CHUNK: usize = 1 << CHUNK_BITS;
const NCHUNKS: usize = 4096;

static CHUNKS: [AtomicPtr<FnMap>; NCHUNKS] = [const { AtomicPtr::new(core::ptr::null_mut()) }; NCHUNKS];
static COUNT: AtomicUsize = AtomicUsize::new(0);
static UNSORTED: AtomicBool = AtomicBool::new(false);

fn entry(i: usize) -> &'static FnMap {
    let c = CHUNKS[i >> CHUNK_BITS].load(Ordering::Acquire);
    // SAFETY: i < COUNT (callers), so its chunk exists and the entry was written before COUNT
    // was published; chunks are never freed.
    unsafe { &*c.add(i & (CHUNK - 1)) }
}

/// Publish a JIT'd function. Callers must be serialised (the JIT's compilation mutex). Returns
/// false when the table is full (the function then has no precise fault PCs).
pub fn publish(host: u64, len: u64, base: u64, rows: Vec<(u32, u32)>) -> bool {
    let n = COUNT.load(Ordering::Relaxed);
    let ci = n >> CHUNK_BITS;
    if ci >= NCHUNKS {
        return false;
    }
    let mut c = CHUNKS[ci].load(Ordering::Relaxed);
    if c.is_null() {
        let v: Vec<FnMap> = Vec::with_capacity(CHUNK);
        c = std::mem::ManuallyDrop::new(v).as_mut_ptr();
        CHUNKS[ci].store(c, Ordering::Release);
    }
    if n > 0 && entry(n - 1).host > host {
        UNSORTED.store(true, Ordering::Release);
    }
    let rows: &'static [(u32, u32)] = Box::leak(rows.into_boxed_slice());
    // SAFETY: slot n of a chunk with capacity CHUNK, not yet visible to readers.
    unsafe { c.add(n & (CHUNK - 1)).write(FnMap { host, len, base, rows }) };
    COUNT.store(n + 1, Ordering::Release);
    true
}

/// The JIT'd function whose code holds `rip`.
pub fn find(rip: u64) -> Option<&'static FnMap> {
    let n = COUNT.load(Ordering::Acquire);
    let hit = |e: &FnMap| rip.wrapping_sub(e.host) < e.len;
    if UNSORTED.load(Ordering::Acquire) {
        return (0..n).map(entry).find(|e| hit(e));
    }
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if entry(mid).host <= rip {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let e = entry(lo.checked_sub(1)?);
    hit(e).then_some(e)
}

impl FnMap {
    /// The guest PC of the host instruction at `rip` (inside this function): the row covering
    /// it, or for code of no guest instruction the closest earlier row that has one (as
    /// `pcmap` does for line 0). None: no guest instruction before it (prologue).
    pub fn guest_pc(&self, rip: u64) -> Option<u64> {
        let off = rip.wrapping_sub(self.host);
        let i = self.rows.partition_point(|r| r.0 as u64 <= off).checked_sub(1)?;
        self.rows[..=i].iter().rev().find(|r| r.1 != aot_jit::NO_GUEST).map(|r| self.base.wrapping_add(r.1 as u64))
    }
}

/// In JIT'd code: Some(guest PC if known). Not JIT'd code: None.
pub fn lookup(rip: u64) -> Option<Option<u64>> {
    find(rip).map(|e| e.guest_pc(rip))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn publish_and_find() {
        // Host addresses far from anything real; the table is process-global and only grows.
        let nog = aot_jit::NO_GUEST;
        let base = 0x7fff_0000_0000u64;
        assert!(publish(base, 0x40, 0x400000, vec![(0, nog), (8, 0), (0x10, 4), (0x20, nog), (0x28, 12)]));
        assert!(publish(base + 0x40, 0x20, 0x500000, vec![(0, nog), (4, 8)]));
        assert_eq!(lookup(base - 1), None);
        assert_eq!(lookup(base), Some(None));
        assert_eq!(lookup(base + 8), Some(Some(0x400000)));
        assert_eq!(lookup(base + 0x1f), Some(Some(0x400004)));
        assert_eq!(lookup(base + 0x24), Some(Some(0x400004)));
        assert_eq!(lookup(base + 0x3f), Some(Some(0x40000c)));
        assert_eq!(lookup(base + 0x44), Some(Some(0x500008)));
        assert_eq!(lookup(base + 0x60), None);
    }
}
