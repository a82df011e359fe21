//! Which guest registers may differ from their `CpuState` slot ("dirty"), at every point of a
//! function, so a backend stores only those at its sync points.
//!
//! The convention of both backends: a function loads the registers it uses from `CpuState` at
//! entry, keeps them in host registers, and writes back the ones it writes wherever control or
//! the state may leave the function (calls, returns, tail calls, indirect jumps out, traps, helpers
//! that use the state, the cold path of a safe point), reloading them where control comes back
//! (after a call returns, after such a helper, after a safe point delivered signals). Writing back
//! every written register at every sync point is what the full-state convention does; a register
//! whose host value still equals its slot needs no store, and this pass tells which those are.
//!
//! A forward "may be dirty" dataflow, union at joins:
//! - at function entry nothing is dirty, except the registers a backend's entry takes in host
//!   registers (`analyse_from`: the LLVM tier's direct entry); after every reload (the return of
//!   a call, a helper that uses the state) nothing is dirty;
//! - `setreg r` makes `r` dirty, unless the backend writes `r` through to the state at once
//!   (`write_through`: the LLVM backend stores SP at every write, for exact SPs at faults);
//! - a safe point changes nothing: its hot path touches no register, its cold path stores the
//!   live dirty ones and reloads all (a register then equals its slot on that path, and the union
//!   with the hot path is the set before it);
//! - an indirect jump goes to its successors (`safepoint::successors`: its jump table's targets,
//!   else every entry) with its dirty set (the backend's internal switch);
//! - a `br`/`br_if` edge entering a loop from outside (to a header of a back edge, not itself a
//!   back edge) does not join into the header: the backend stores on that edge the registers dirty
//!   on it but not dirty at the header (`Dirty::flush`), so a register written before a loop is
//!   stored once there instead of at every call in the loop.
//!
//! At each sync point the state is exactly what the full-state convention makes it: a register
//! left out is one whose slot already holds its value. Between sync points the slots of registers
//! stored on a loop entry may be newer than the last sync point; a fault in the middle of a
//! function (docs/signals.md) reports the registers of the last sync point, those stored on loop
//! entries since, and SP (registers other than PC and SP are documented as possibly stale there).
//! Blocks the backend cannot reach (no predecessor, no entry) get the empty
//! set; they are never executed.
//!
//! The pass is ISA-neutral (registers are `Reg` bit numbers).

use super::safepoint::{back_edges, successors, RegSet};
use super::*;

/// The result of the analysis: the dirty set at the start of each block, and the registers a
/// backend stores on a branch edge into a loop header (`flush`), before the branch.
#[derive(Clone, Debug, Default)]
pub struct Dirty {
    pub block_in: Vec<RegSet>,
    /// `(from, to, set)` for `br`/`br_if` edges entering a loop from outside it: registers dirty on
    /// the edge but clean on every edge that comes round the loop. Stored once on entry, they stay
    /// clean in the loop (a register written before a loop that calls would otherwise be stored at
    /// every call in it, since the union at the header keeps it dirty).
    pub flush: Vec<(u32, u32, RegSet)>,
}

impl Dirty {
    /// The registers to store on the edge `from -> to` (none unless it enters a loop).
    pub fn flush_on(&self, from: usize, to: usize) -> RegSet {
        self.flush.iter().filter(|e| e.0 as usize == from && e.1 as usize == to).fold(0, |a, e| a | e.2)
    }
}

/// Registers possibly dirty at the start of each block (`write_through` as in the module doc),
/// and the stores on loop-entry edges. Loop headers take the union over the edges that come round
/// the loop (back edges: `safepoint::back_edges`, as for safe points) and over indirect
/// jumps; a `br`/`br_if` edge from outside stores what it has dirty beyond that set. Which edges
/// count as entering changes only what is stored where, never correctness: every edge either
/// contributes its set or stores the difference.
pub fn analyse(f: &Function, write_through: RegSet) -> Dirty {
    analyse_from(f, write_through, 0)
}

/// `analyse` for a backend whose function starts with the registers in `at_entry` dirty at
/// every entry (the LLVM backend's direct entry passes them in host registers: the caller did
/// not store them, so the callee stores them as it stores anything it wrote).
pub fn analyse_from(f: &Function, write_through: RegSet, at_entry: RegSet) -> Dirty {
    let n = f.blocks.len();
    let back = back_edges(f);
    let flushable = |from: usize, to: usize| -> bool {
        matches!(f.blocks[from].term, Term::Br(_) | Term::BrIf { .. }) && back.iter().any(|&(_, h)| h == to) && !back.contains(&(from, to))
    };
    let outs = |inn: &[RegSet], b: usize| -> RegSet {
        let blk = &f.blocks[b];
        let d = blk.insts.iter().fold(inn[b], |d, &v| step(f.inst(v), d, write_through));
        match blk.term {
            // The continuation is reached only through the reload after the return check.
            Term::Call { .. } | Term::CallInd { .. } => 0,
            _ => d,
        }
    };
    // With flags local to functions (ir::abi) calls and returns do not store the flags, so
    // storing them on a loop entry would only add stores: they join the header's set instead.
    let joins_always = if f.flags_local { super::abi::NZCV } else { 0 };
    let mut inn: Vec<RegSet> = vec![0; n];
    let at_entry = at_entry & !write_through;
    for &(_, b) in &f.entries {
        if let Some(x) = inn.get_mut(b.0 as usize) {
            *x |= at_entry;
        }
    }
    let mut changed = true;
    while changed {
        changed = false;
        for b in 0..n {
            let out = outs(&inn, b);
            for s in successors(f, &f.blocks[b].term) {
                let s = s.0 as usize;
                let joined = if flushable(b, s) { out & joins_always } else { out };
                if s < n && inn[s] | joined != inn[s] {
                    inn[s] |= joined;
                    changed = true;
                }
            }
        }
    }
    let mut flush = vec![];
    for b in 0..n {
        let out = outs(&inn, b);
        for s in successors(f, &f.blocks[b].term) {
            let s = s.0 as usize;
            let set = out & !inn.get(s).copied().unwrap_or(0) & !joins_always;
            if s < n && flushable(b, s) && set != 0 && !flush.contains(&(b as u32, s as u32, set)) {
                flush.push((b as u32, s as u32, set));
            }
        }
    }
    Dirty { block_in: inn, flush }
}

/// Registers possibly dirty at the start of each block (`analyse(..).block_in`).
pub fn dirty_in(f: &Function, write_through: RegSet) -> Vec<RegSet> {
    analyse(f, write_through).block_in
}

/// The dirty set after instruction `i`, given the set `d` before it. Backends use it while they
/// walk a block, to know the set at each helper and at the terminator.
pub fn step(i: &Inst, d: RegSet, write_through: RegSet) -> RegSet {
    match i.op {
        Op::SetReg => {
            let r = 1u128 << (i.imm & 127);
            if write_through & r != 0 {
                d & !r
            } else {
                d | r
            }
        }
        // Stored before the call, reloaded after it: clean.
        Op::Helper if Helper::from_u64(i.imm).is_none_or(|h| h.uses_state()) => 0,
        _ => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Reg;
    use crate::isa::aarch64::lift_snippet;

    fn bit(r: Reg) -> RegSet {
        1u128 << r.0
    }

    /// The dirty set at the terminator of the block at guest offset `off`.
    fn at_term(f: &Function, d_in: &[RegSet], off: u64) -> RegSet {
        let b = f.blocks.iter().position(|b| b.off == off && !matches!(b.term, Term::None)).unwrap();
        f.blocks[b].insts.iter().fold(d_in[b], |d, &v| step(f.inst(v), d, 0))
    }

    #[test]
    fn a_call_leaves_everything_clean() {
        // 0: mov x0, #1 ; 4: bl 0x10 ; 8: mov x1, #2 ; c: bl 0x10 ; 10: ret
        let mut f = lift_snippet(0x400000, &[0xd280_0020, 0x9400_0003, 0xd280_0041, 0x9400_0001, 0xd65f_03c0]);
        safepoint::insert(&mut f);
        let d = dirty_in(&f, 0);
        let first = at_term(&f, &d, 0);
        assert!(first & bit(Reg::x(0)) != 0, "x0 written before the first call");
        let second = at_term(&f, &d, 8);
        assert!(second & bit(Reg::x(1)) != 0, "x1 written before the second call");
        assert!(second & bit(Reg::x(0)) == 0, "x0 not written since the first call returned");
        // BL writes X30 (the link register) before each call.
        assert!(first & bit(Reg::x(30)) != 0 && second & bit(Reg::x(30)) != 0);
    }

    #[test]
    fn loops_union_their_back_edge() {
        // 0: bl 0x14 ; 4: add x0, x0, #1 ; 8: cmp x0, #10 ; c: b.ne 0 ; 10: ret ; 14: ret
        let mut f = lift_snippet(0x400000, &[0x9400_0005, 0x9100_0400, 0xf100_281f, 0x54ff_ffa1, 0xd65f_03c0, 0xd65f_03c0]);
        safepoint::insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        let d = dirty_in(&f, 0);
        // At the call at 0: x0 and the flags come dirty around the back edge.
        let at_call = at_term(&f, &d, 0);
        assert!(at_call & bit(Reg::x(0)) != 0, "x0 is written by the add on the back edge");
        assert!(at_call & bit(Reg::Z) != 0, "flags of the cmp reach the call");
        assert!(at_call & bit(Reg::x(5)) == 0, "never written");
    }

    #[test]
    fn registers_written_before_a_loop_are_stored_on_entry_not_per_iteration() {
        // 0: mov x19, #1 ; 4: bl 0x14 ; 8: add x0, x0, #1 ; c: cmp x0, #10 ; 10: b.ne 4 ; 14: ret
        let mut f = lift_snippet(0x400000, &[0xd280_0033, 0x9400_0004, 0x9100_0400, 0xf100_281f, 0x54ff_ffa1, 0xd65f_03c0]);
        safepoint::insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        let d = analyse(&f, 0);
        let pre = f.blocks.iter().position(|b| b.off == 0).unwrap();
        let header = f.blocks.iter().position(|b| b.off == 4).unwrap();
        assert!(d.flush_on(pre, header) & bit(Reg::x(19)) != 0, "x19 stored once, on the loop entry: {:?}", d.flush);
        let at_call = at_term(&f, &d.block_in, 4);
        assert!(at_call & bit(Reg::x(19)) == 0, "x19 clean at the call in the loop");
        assert!(at_call & bit(Reg::x(0)) != 0 && at_call & bit(Reg::x(30)) != 0);
        // Without the flush (every edge contributing), x19 would be dirty at the call.
        let latch = f.blocks.iter().position(|b| b.off == 8).unwrap();
        assert_eq!(d.flush_on(latch, header), 0, "the back edge stores nothing");
    }

    #[test]
    fn local_flags_are_not_stored_on_loop_entry() {
        // 0: cmp x1, #0 ; 4: bl 0x14 ; 8: sub x0, x0, #1 ; c: cbnz x0, 4 ; 10: ret ; 14: ret
        let mut f = lift_snippet(0x400000, &[0xf100_003f, 0x9400_0004, 0xd100_0400, 0xb5ff_ffc0, 0xd65f_03c0, 0xd65f_03c0]);
        safepoint::insert(&mut f);
        let pre = f.blocks.iter().position(|b| b.off == 0).unwrap();
        let header = f.blocks.iter().position(|b| b.off == 4).unwrap();
        assert!(analyse(&f, 0).flush_on(pre, header) & bit(Reg::Z) != 0, "full convention: the flags are stored once on entry");
        f.flags_local = true;
        let d = analyse(&f, 0);
        assert_eq!(d.flush_on(pre, header) & crate::ir::abi::NZCV, 0, "{:?}", d.flush);
        assert!(d.block_in[header] & bit(Reg::Z) != 0, "the flags stay dirty in the loop instead");
    }

    #[test]
    fn write_through_registers_are_never_dirty() {
        // 0: sub sp, sp, #16 ; 4: bl 0xc ; 8: ret ; c: ret
        let mut f = lift_snippet(0x400000, &[0xd100_43ff, 0x9400_0002, 0xd65f_03c0, 0xd65f_03c0]);
        safepoint::insert(&mut f);
        let d = dirty_in(&f, bit(Reg::SP));
        let b = f.blocks.iter().position(|b| b.off == 0).unwrap();
        let end = f.blocks[b].insts.iter().fold(d[b], |d, &v| step(f.inst(v), d, bit(Reg::SP)));
        assert_eq!(end & bit(Reg::SP), 0);
        let end_full = f.blocks[b].insts.iter().fold(d[b], |d, &v| step(f.inst(v), d, 0));
        assert_ne!(end_full & bit(Reg::SP), 0);
    }

    #[test]
    fn state_helpers_clean_everything() {
        // 0: mov x8, #93 ; 4: svc #0 ; 8: ret
        let f = lift_snippet(0x400000, &[0xd280_0ba8, 0xd400_0001, 0xd65f_03c0]);
        let d = dirty_in(&f, 0);
        // Somewhere a helper that uses the state: after it the set is empty, until the next setreg.
        let mut seen = false;
        for (b, blk) in f.blocks.iter().enumerate() {
            let mut x = d[b];
            for &v in &blk.insts {
                let i = f.inst(v);
                if i.op == Op::Helper && Helper::from_u64(i.imm).unwrap().uses_state() {
                    assert!(x & bit(Reg::x(8)) != 0, "x8 dirty at the svc");
                    seen = true;
                }
                x = step(i, x, 0);
                if i.op == Op::Helper && Helper::from_u64(i.imm).unwrap().uses_state() {
                    assert_eq!(x, 0);
                }
            }
        }
        assert!(seen, "the svc is a state helper");
    }
}
