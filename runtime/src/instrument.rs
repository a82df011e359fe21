//! Per-block execution counters for translations made with `aot-translate --instrument`
//! (docs/jit.md, "Statistics"). Each translated block calls `aot_helper_count` with its guest
//! address; with `AOT_STATS=1` the hottest blocks are printed at exit.
//!
//! The counters are an open-addressing table of atomics (no lock, no allocation: guest threads
//! and signal handlers may count concurrently). A block that finds the table full is added to one
//! overflow counter, so the total stays exact.

use crate::CpuState;
use std::sync::atomic::{AtomicU64, Ordering};

const SLOTS: usize = 1 << 16;
/// Guest address + 1 (0 = free slot).
static KEYS: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];
static COUNTS: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];
static OVERFLOW: AtomicU64 = AtomicU64::new(0);
/// How many slots to probe before counting an execution as overflow.
const PROBES: usize = 64;

fn slot_of(pc: u64) -> usize {
    // Fibonacci hashing of the instruction index.
    ((pc >> 2).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize % SLOTS
}

/// Count one execution of the block at `pc`.
pub fn count(pc: u64) {
    let key = pc.wrapping_add(1);
    let mut s = slot_of(pc);
    for _ in 0..PROBES {
        let k = KEYS[s].load(Ordering::Relaxed);
        if k == key {
            COUNTS[s].fetch_add(1, Ordering::Relaxed);
            return;
        }
        if k == 0 {
            match KEYS[s].compare_exchange(0, key, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    COUNTS[s].fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(other) if other == key => {
                    COUNTS[s].fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(_) => {}
            }
        }
        s = (s + 1) % SLOTS;
    }
    OVERFLOW.fetch_add(1, Ordering::Relaxed);
}

/// Called by instrumented translated code at the start of every block.
///
/// # Safety
/// Called by translated code; `_st` is not touched.
#[no_mangle]
pub unsafe extern "C" fn aot_helper_count(_st: *mut CpuState, pc: u64, _a1: u64, _a2: u64) -> u64 {
    count(pc);
    0
}

/// (guest address, executions) of every counted block, hottest first, and the overflow count.
pub fn snapshot() -> (Vec<(u64, u64)>, u64) {
    let mut v: Vec<(u64, u64)> = (0..SLOTS)
        .filter_map(|s| {
            let k = KEYS[s].load(Ordering::Relaxed);
            (k != 0).then(|| (k - 1, COUNTS[s].load(Ordering::Relaxed)))
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (v, OVERFLOW.load(Ordering::Relaxed))
}

/// The report printed at exit with AOT_STATS=1 (nothing if the program was not instrumented).
pub fn report(top: usize) -> Option<String> {
    let (v, overflow) = snapshot();
    if v.is_empty() && overflow == 0 {
        return None;
    }
    let total: u64 = v.iter().map(|x| x.1).sum::<u64>() + overflow;
    let mut s = format!(
        "aot-translate stats: instrumented blocks: {} distinct, {} executions{}\n",
        v.len(),
        total,
        if overflow > 0 { format!(" ({overflow} in blocks the table had no room for)") } else { String::new() }
    );
    for (pc, n) in v.iter().take(top) {
        s += &format!("  {n:>14} {:5.1}%  0x{pc:x} {}\n", 100.0 * *n as f64 / total.max(1) as f64, crate::trap::symbolize(*pc));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_are_exact_across_threads() {
        // 70 addresses that all hash to one slot (more than PROBES: some overflow), plus two more.
        let s0 = slot_of(0x40_0000);
        let mut pcs: Vec<u64> = (0..1u64 << 24).map(|i| 0x40_0000 + 4 * i).filter(|&pc| slot_of(pc) == s0).take(70).collect();
        assert_eq!(pcs.len(), 70);
        pcs.extend([0x7000_0000, 0x7000_0004]);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let pcs = &pcs;
                s.spawn(move || {
                    for (i, &pc) in pcs.iter().enumerate() {
                        for _ in 0..(i as u64 + t) {
                            count(pc);
                        }
                    }
                });
            }
        });
        let (v, overflow) = snapshot();
        let got: std::collections::HashMap<u64, u64> = v.into_iter().collect();
        let mut lost = overflow;
        for (i, &pc) in pcs.iter().enumerate() {
            let want = 4 * i as u64 + 6; // sum over t of (i + t)
            match got.get(&pc) {
                Some(&n) => assert_eq!(n, want, "block 0x{pc:x}"),
                None => lost = lost.checked_sub(want).expect("a block's executions vanished"),
            }
        }
        assert_eq!(lost, 0, "overflow count does not add up");
        assert!(overflow > 0, "70 colliding blocks should overflow {PROBES} probes");
    }
}
