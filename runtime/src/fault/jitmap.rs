//! Host PC -> guest PC for JIT-compiled code (the JIT's counterpart of `pcmap`).
//!
//! Each JIT'd function is published here once its code is in the code cache, with the rows of
//! `aot_jit::Compiled::srclocs` (Cranelift source locations = the IR's `insn` offsets), and
//! removed when its code is freed (crate::reclaim). The fault handler searches the table from a
//! signal handler, possibly while another thread publishes or removes, so the reading side takes
//! no lock and allocates nothing: the table is an immutable array sorted by host address behind
//! one atomic pointer. A writer (serialised by `WRITER`) builds a new array and swaps the pointer;
//! a reader announces itself in `READERS` before loading the pointer and leaves after its search,
//! and the writer frees replaced arrays (and the rows of removed functions) only when it sees no
//! reader after its swap. A reader that starts after that check loads the new pointer, so nobody
//! ever searches freed memory (a reader sees either the old or the new table).

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One JIT'd function.
#[derive(Clone)]
pub struct FnMap {
    /// Host code: [host, host + len).
    pub host: u64,
    pub len: u64,
    /// Guest address the `insn` offsets are relative to (the IR function's base).
    pub base: u64,
    /// (host offset, guest offset or `aot_jit::NO_GUEST`), sorted.
    pub rows: Arc<[(u32, u32)]>,
}

type Table = Vec<FnMap>;

static TABLE: AtomicPtr<Table> = AtomicPtr::new(core::ptr::null_mut());
static READERS: AtomicUsize = AtomicUsize::new(0);
/// Writers, and the tables replaced while a reader was searching (freed later).
static WRITER: Mutex<Vec<Box<Table>>> = Mutex::new(Vec::new());

/// Replace the table by `f(current)`.
fn update(f: impl FnOnce(&Table) -> Table) {
    let mut garbage = WRITER.lock().unwrap_or_else(|e| e.into_inner());
    let cur = TABLE.load(Ordering::SeqCst);
    let empty = Vec::new();
    // SAFETY: tables are freed only here, under WRITER.
    let next = Box::into_raw(Box::new(f(if cur.is_null() { &empty } else { unsafe { &*cur } })));
    TABLE.store(next, Ordering::SeqCst);
    if !cur.is_null() {
        // SAFETY: `cur` came from Box::into_raw and is no longer reachable from TABLE.
        garbage.push(unsafe { Box::from_raw(cur) });
    }
    if READERS.load(Ordering::SeqCst) == 0 {
        garbage.clear();
    }
}

/// Publish a JIT'd function (before its code becomes reachable). Returns false if it overlaps a
/// published one (a bug: the code cache gave the same bytes twice).
pub fn publish(host: u64, len: u64, base: u64, rows: Vec<(u32, u32)>) -> bool {
    let mut ok = true;
    let e = FnMap { host, len, base, rows: rows.into() };
    update(|t| {
        let i = t.partition_point(|x| x.host < host);
        ok = t.get(i).is_none_or(|n| host + len <= n.host) && (i == 0 || t[i - 1].host + t[i - 1].len <= host);
        let mut v = Vec::with_capacity(t.len() + 1);
        v.extend_from_slice(&t[..i]);
        v.push(e);
        v.extend_from_slice(&t[i..]);
        v
    });
    ok
}

/// Remove the function whose code starts at `host` (its code is being freed).
pub fn remove(host: u64) {
    update(|t| t.iter().filter(|e| e.host != host).cloned().collect());
}

/// Number of published functions.
pub fn len() -> usize {
    READERS.fetch_add(1, Ordering::SeqCst);
    let p = TABLE.load(Ordering::SeqCst);
    // SAFETY: not freed while READERS counts us (see `update`).
    let n = if p.is_null() { 0 } else { unsafe { (*p).len() } };
    READERS.fetch_sub(1, Ordering::SeqCst);
    n
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

/// In JIT'd code: Some(guest PC if known). Not JIT'd code: None. Lock- and allocation-free (the
/// fault handler calls it).
pub fn lookup(rip: u64) -> Option<Option<u64>> {
    READERS.fetch_add(1, Ordering::SeqCst);
    let p = TABLE.load(Ordering::SeqCst);
    let r = if p.is_null() {
        None
    } else {
        // SAFETY: the table is not freed while READERS counts us (see `update`).
        let t = unsafe { &*p };
        let i = t.partition_point(|e| e.host <= rip);
        i.checked_sub(1).map(|i| &t[i]).filter(|e| rip.wrapping_sub(e.host) < e.len).map(|e| e.guest_pc(rip))
    };
    READERS.fetch_sub(1, Ordering::SeqCst);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn publish_find_and_remove() {
        // Host addresses far from anything real; the table is process-global.
        let nog = aot_jit::NO_GUEST;
        let base = 0x7fff_0000_0000u64;
        assert!(publish(base + 0x40, 0x20, 0x500000, vec![(0, nog), (4, 8)]));
        // out of order: inserted before
        assert!(publish(base, 0x40, 0x400000, vec![(0, nog), (8, 0), (0x10, 4), (0x20, nog), (0x28, 12)]));
        assert!(!publish(base + 0x50, 0x10, 0, vec![]), "overlap is reported");
        remove(base + 0x50);
        assert_eq!(lookup(base - 1), None);
        assert_eq!(lookup(base), Some(None));
        assert_eq!(lookup(base + 8), Some(Some(0x400000)));
        assert_eq!(lookup(base + 0x1f), Some(Some(0x400004)));
        assert_eq!(lookup(base + 0x24), Some(Some(0x400004)));
        assert_eq!(lookup(base + 0x3f), Some(Some(0x40000c)));
        assert_eq!(lookup(base + 0x44), Some(Some(0x500008)));
        assert_eq!(lookup(base + 0x60), None);
        remove(base);
        assert_eq!(lookup(base + 8), None);
        assert_eq!(lookup(base + 0x44), Some(Some(0x500008)));
        // the freed bytes reused by another function
        assert!(publish(base, 0x10, 0x600000, vec![(0, 0)]));
        assert_eq!(lookup(base + 8), Some(Some(0x600000)));
        assert_eq!(lookup(base + 0x18), None);
        remove(base);
        remove(base + 0x40);
        assert_eq!(lookup(base + 0x44), None);
    }
    #[test]
    fn readers_never_see_freed_tables() {
        // One thread publishes and removes in a loop while others look up: every lookup sees a
        // consistent table (either with the function or without it).
        let base = 0x7ffe_0000_0000u64;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Lookups per reader: the writer goes on until each reader has done some (a reader
        // thread may start late on a loaded machine).
        let seen: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let readers: Vec<_> = (0..2)
            .map(|k| {
                let (stop, seen) = (stop.clone(), seen.clone());
                std::thread::spawn(move || {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        match lookup(base + 4) {
                            None | Some(Some(0x700004)) => n += 1,
                            other => panic!("torn lookup {other:?}"),
                        }
                        seen[k].fetch_add(1, Ordering::Relaxed);
                    }
                    n
                })
            })
            .collect();
        let t0 = std::time::Instant::now();
        let fewest = || seen.iter().map(|s| s.load(Ordering::Relaxed)).min().unwrap();
        let mut i = 0;
        while i < 2000 || (fewest() < 5_000 && t0.elapsed().as_secs() < 20) {
            assert!(publish(base, 0x10, 0x700000, vec![(0, 0), (4, 4)]));
            remove(base);
            i += 1;
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    }
}
