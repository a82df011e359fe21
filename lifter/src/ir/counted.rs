//! Counted loops and their induction registers (docs/signals.md "Counted loops",
//! docs/memory-model.md "Affine accesses in loops").
//!
//! [`loops`] finds the innermost loops of a function that are closed regions (one header, every
//! other block entered only from inside, a single exit: the branch of the latch, the one block
//! with the back edge) and, in each, the registers that step by a constant: written exactly
//! once, in the latch, as their own value plus a non-zero constant.
//!
//! Such a loop is *counted* when its latch continues only while one of those registers (taken
//! modulo 2^w, w the width of the compare) stands in a strict relation (`eq`, `ne`, `<`, `>`) to a
//! loop-invariant bound, and the step is odd. An odd step is invertible modulo 2^w, so the
//! register runs through every w-bit value within 2^w iterations; a strict relation is false
//! for at least one of them (the bound itself, or every other value for `eq`); so the loop
//! ends. [`super::safepoint::insert`] puts no poll at the header of a counted loop.
//!
//! [`relax_affine`] lowers the guest loads and stores of such loops (counted or not) whose
//! address is a loop-invariant base plus a non-zero multiple of a stepping register to plain
//! accesses: the address changes every iteration, so the access is not a spin-wait.

use super::safepoint::{back_edges, successors};
use super::*;

/// An innermost loop that is a closed region (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loop {
    pub header: usize,
    pub latch: usize,
    /// `body[b]`: block `b` is in the loop.
    pub body: Vec<bool>,
    /// Registers that step by a constant each iteration: (register, step modulo 2^bits, bits),
    /// bits 64, or 32 when only the low 32 bits step (a W register).
    pub steps: Vec<(u8, u64, u32)>,
    /// The latch ends the loop for sure (see the module documentation).
    pub counted: bool,
}

/// The value of register `r` just before position `pos` of block `b`: the value of its last
/// `setreg` in the block before `pos`, else `None` (the value at the block's start).
fn reg_before(f: &Function, b: usize, pos: usize, r: u64) -> Option<Value> {
    let insts = &f.blocks[b].insts;
    insts[..pos].iter().rev().find(|&&v| {
        let i = f.inst(v);
        i.op == Op::SetReg && i.imm == r
    }).map(|&v| f.inst(v).args[0])
}

/// Position of value `v` in block `b`.
fn pos_of(f: &Function, b: usize, v: Value) -> Option<usize> {
    f.blocks[b].insts.iter().position(|&x| x == v)
}

/// Integer ops without effects whose result depends only on their operands.
fn pure(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Const | Reloc | Add | Sub | Mul | UMulH | SMulH | UDiv | SDiv | And | Or | Xor | Shl | LShr | AShr | RotR | Not | Neg | Clz
            | Cls | Ctpop | Rbit | Bswap | ICmp | Select | Zext | Sext | Trunc | Bitcast | Extract
    )
}

/// Ops that may not appear in a loop this module handles: they call out, wait or order memory.
fn blocks_analysis(op: Op) -> bool {
    matches!(op, Op::Helper | Op::AtomicRmw | Op::CmpXchg | Op::ExclVer | Op::ExclClaim | Op::Fence | Op::SafePoint)
}

/// The innermost closed-region loops of `f` (see the module documentation).
pub fn loops(f: &Function) -> Vec<Loop> {
    let n = f.blocks.len();
    let back = back_edges(f);
    let mut preds: Vec<Vec<usize>> = vec![vec![]; n];
    for (b, blk) in f.blocks.iter().enumerate() {
        for s in successors(f, &blk.term) {
            if (s.0 as usize) < n {
                preds[s.0 as usize].push(b);
            }
        }
    }
    let mut out = vec![];
    for &(latch, header) in &back {
        if back.iter().filter(|&&(_, h)| h == header).count() != 1 {
            continue;
        }
        // The natural loop: blocks that reach the latch without passing the header.
        let mut body = vec![false; n];
        body[header] = true;
        let mut work = vec![latch];
        while let Some(b) = work.pop() {
            if body[b] {
                continue;
            }
            body[b] = true;
            work.extend(preds[b].iter().copied());
        }
        if let Some(l) = closed_loop(f, &back, &preds, header, latch, body) {
            out.push(l);
        }
    }
    out
}

fn closed_loop(f: &Function, back: &[(usize, usize)], preds: &[Vec<usize>], header: usize, latch: usize, body: Vec<bool>) -> Option<Loop> {
    let n = f.blocks.len();
    // Innermost: no other loop header inside.
    if back.iter().any(|&(_, h)| h != header && body[h]) {
        return None;
    }
    for b in (0..n).filter(|&b| body[b]) {
        // Entered only from inside (the header also from outside).
        if b != header && preds[b].iter().any(|&p| !body[p]) {
            return None;
        }
        // Only branches; the latch's is the only exit.
        match f.blocks[b].term {
            Term::Br(s) if body[s.0 as usize] => {}
            Term::BrIf { then_, else_, .. } if body[then_.0 as usize] && body[else_.0 as usize] && b != latch => {}
            Term::BrIf { then_, else_, .. } if b == latch && (then_.0 as usize == header) != (else_.0 as usize == header) => {}
            _ => return None,
        }
        if f.blocks[b].insts.iter().any(|&v| blocks_analysis(f.inst(v).op)) {
            return None;
        }
    }
    // Stepping registers: one setreg in the whole loop, in the latch, of `r + c`.
    let mut writes: std::collections::HashMap<u64, Vec<(usize, Value)>> = Default::default();
    for b in (0..n).filter(|&b| body[b]) {
        for &v in &f.blocks[b].insts {
            let i = f.inst(v);
            if i.op == Op::SetReg {
                writes.entry(i.imm).or_default().push((b, v));
            }
        }
    }
    let mut steps = vec![];
    for (&r, w) in &writes {
        let &[(b, v)] = w.as_slice() else { continue };
        if b != latch {
            continue;
        }
        let x = f.inst(v).args[0];
        if !f.inst(x).ty.is_int() {
            continue;
        }
        // A 64-bit step, else a step of the low 32 bits (`add w0, w0, #1`).
        for bits in [64, 32] {
            let ctx = Ctx { f, body: &body, writes: &writes, iv: r, block: latch, bits };
            if let Some((1, Some(c))) = ctx.affine(x, pos_of(f, latch, v)?) {
                if c != 0 {
                    steps.push((r as u8, c, bits));
                    break;
                }
            }
        }
    }
    steps.sort();
    let counted = latch_counts(f, &body, &writes, &steps, header, latch);
    Some(Loop { header, latch, body, steps, counted })
}

/// Does the latch continue only while a stepping register with an odd step stands in a strict
/// relation to a loop-invariant bound?
fn latch_counts(f: &Function, body: &[bool], writes: &std::collections::HashMap<u64, Vec<(usize, Value)>>, steps: &[(u8, u64, u32)], header: usize, latch: usize) -> bool {
    let Term::BrIf { cond, then_, .. } = f.blocks[latch].term else { return false };
    let Some(pos) = pos_of(f, latch, cond) else { return false };
    let ci = f.inst(cond);
    if ci.op != Op::ICmp {
        return false;
    }
    let Some(mut pred) = Cond::from_u64(ci.imm) else { return false };
    let bits = f.inst(ci.args[0]).ty.bits();
    if !(bits == 32 || bits == 64) {
        return false;
    }
    // Continue while `pred` holds.
    if then_.0 as usize != header {
        pred = negate(pred);
    }
    for &(r, c, w) in steps {
        if (c & 1) == 0 || w < bits {
            continue;
        }
        let ctx = Ctx { f, body, writes, iv: r as u64, block: latch, bits };
        let (a, b) = (ctx.affine(ci.args[0], pos), ctx.affine(ci.args[1], pos));
        let p = match (a, b) {
            (Some((k, _)), Some((0, _))) if k & ctx.mask() == 1 => pred,
            (Some((0, _)), Some((k, _))) if k & ctx.mask() == 1 => swap(pred),
            _ => continue,
        };
        if matches!(p, Cond::Eq | Cond::Ne | Cond::Ult | Cond::Ugt | Cond::Slt | Cond::Sgt) {
            return true;
        }
    }
    false
}

fn negate(c: Cond) -> Cond {
    match c {
        Cond::Eq => Cond::Ne,
        Cond::Ne => Cond::Eq,
        Cond::Ult => Cond::Uge,
        Cond::Ule => Cond::Ugt,
        Cond::Ugt => Cond::Ule,
        Cond::Uge => Cond::Ult,
        Cond::Slt => Cond::Sge,
        Cond::Sle => Cond::Sgt,
        Cond::Sgt => Cond::Sle,
        Cond::Sge => Cond::Slt,
    }
}

/// `a pred b` as `b swap(pred) a`.
fn swap(c: Cond) -> Cond {
    match c {
        Cond::Eq | Cond::Ne => c,
        Cond::Ult => Cond::Ugt,
        Cond::Ule => Cond::Uge,
        Cond::Ugt => Cond::Ult,
        Cond::Uge => Cond::Ule,
        Cond::Slt => Cond::Sgt,
        Cond::Sle => Cond::Sge,
        Cond::Sgt => Cond::Slt,
        Cond::Sge => Cond::Sle,
    }
}

/// Affine forms `k * iv + rest` modulo 2^bits, where `iv` is the value register `iv` had at the
/// start of the iteration and `rest` does not change within the loop.
struct Ctx<'a> {
    f: &'a Function,
    body: &'a [bool],
    writes: &'a std::collections::HashMap<u64, Vec<(usize, Value)>>,
    iv: u64,
    block: usize,
    bits: u32,
}

impl Ctx<'_> {
    fn mask(&self) -> u64 {
        if self.bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        }
    }

    /// `Some((k, c))`: value `v` (used at position `pos` of `self.block`) is `k * iv + x` modulo
    /// 2^bits, `x` loop-invariant; `c` is `Some(x)` when `x` is a known constant. `None`: not of
    /// that form (or not provably).
    fn affine(&self, v: Value, pos: usize) -> Option<(u64, Option<u64>)> {
        self.aff(v, pos, 0)
    }

    fn aff(&self, v: Value, pos: usize, depth: u32) -> Option<(u64, Option<u64>)> {
        if depth > 24 {
            return None;
        }
        let f = self.f;
        let i = f.inst(v);
        // Values are block-local: `v` is defined in `self.block` before `pos`.
        let vpos = pos_of(f, self.block, v)?;
        if vpos >= pos {
            return None;
        }
        let m = self.mask();
        if let Some(c) = const_value(f, v, 0) {
            return Some((0, Some(c & m)));
        }
        let arg = |k: usize| self.aff(i.args[k], vpos, depth + 1);
        // Operand widths below the modulus lose bits.
        let wide = |k: usize| f.inst(i.args[k]).ty.bits() >= self.bits;
        let r = match i.op {
            Op::Const => (0, Some(i.imm & m)),
            Op::GetReg => {
                if let Some(x) = reg_before(f, self.block, vpos, i.imm) {
                    if !f.inst(x).ty.is_int() || f.inst(x).ty.bits() < self.bits {
                        return None;
                    }
                    return self.aff(x, vpos, depth + 1);
                }
                if i.ty.bits() < self.bits {
                    return None;
                }
                if i.imm == self.iv {
                    (1, Some(0))
                } else if !self.writes.contains_key(&i.imm) && i.ty.is_int() {
                    (0, None)
                } else {
                    return None;
                }
            }
            Op::Add | Op::Sub if i.ty.bits() >= self.bits => {
                let (a, b) = (arg(0)?, arg(1)?);
                if i.op == Op::Add {
                    (a.0.wrapping_add(b.0) & m, a.1.zip(b.1).map(|(x, y)| x.wrapping_add(y) & m))
                } else {
                    (a.0.wrapping_sub(b.0) & m, a.1.zip(b.1).map(|(x, y)| x.wrapping_sub(y) & m))
                }
            }
            Op::Shl if i.ty.bits() >= self.bits => {
                let a = arg(0)?;
                let s = f.inst(i.args[1]);
                if s.op != Op::Const || s.imm >= 64 {
                    return if a.0 == 0 && arg(1)?.0 == 0 { Some((0, None)) } else { None };
                }
                ((a.0 << s.imm) & m, a.1.map(|x| (x << s.imm) & m))
            }
            Op::Mul if i.ty.bits() >= self.bits => {
                let (a, b) = (arg(0)?, arg(1)?);
                let (ca, cb) = (f.inst(i.args[0]), f.inst(i.args[1]));
                if a.0 == 0 && b.0 == 0 {
                    (0, None)
                } else if cb.op == Op::Const {
                    (a.0.wrapping_mul(cb.imm) & m, a.1.map(|x| x.wrapping_mul(cb.imm) & m))
                } else if ca.op == Op::Const {
                    (b.0.wrapping_mul(ca.imm) & m, b.1.map(|x| x.wrapping_mul(ca.imm) & m))
                } else {
                    return None;
                }
            }
            Op::Trunc | Op::Zext | Op::Sext if i.ty.is_int() && i.ty.bits() >= self.bits && wide(0) => arg(0)?,
            // Anything else pure is invariant when its operands are.
            op if i.ty.is_int() && pure(op) => {
                for k in 0..i.args.len() {
                    if self.aff(i.args[k], vpos, depth + 1)?.0 != 0 {
                        return None;
                    }
                }
                (0, None)
            }
            _ => return None,
        };
        let _ = self.body;
        Some(r)
    }
}

/// The value of `v` when it is computed from constants only (zero-extended to 64 bits).
fn const_value(f: &Function, v: Value, depth: u32) -> Option<u64> {
    if depth > 8 {
        return None;
    }
    let i = f.inst(v);
    if !i.ty.is_int() || i.ty.bits() > 64 {
        return None;
    }
    let m = i.ty.mask() as u64;
    let a = |k: usize| const_value(f, i.args[k], depth + 1);
    let r = match i.op {
        Op::Const => i.imm,
        Op::Not => !a(0)?,
        Op::Neg => a(0)?.wrapping_neg(),
        Op::Add => a(0)?.wrapping_add(a(1)?),
        Op::Sub => a(0)?.wrapping_sub(a(1)?),
        Op::Zext | Op::Trunc => a(0)?,
        Op::Sext => {
            let b = f.inst(i.args[0]).ty.bits();
            let x = a(0)?;
            if b == 0 || b >= 64 {
                x
            } else {
                (((x << (64 - b)) as i64) >> (64 - b)) as u64
            }
        }
        _ => return None,
    };
    Some(r & m)
}

/// Lower to plain accesses the loads and stores of every loop of [`loops`] whose address is a
/// loop-invariant base plus a multiple `k` of a stepping register (step `c`) with `k * c != 0`
/// modulo 2^64: an address that differs in consecutive iterations. Accesses of up to 8 bytes
/// only (wider ones are plain already). Returns how many it changed.
pub fn relax_affine(f: &mut Function) -> usize {
    let mut change = vec![];
    for l in loops(f) {
        let mut writes: std::collections::HashMap<u64, Vec<(usize, Value)>> = Default::default();
        for b in (0..f.blocks.len()).filter(|&b| l.body[b]) {
            for &v in &f.blocks[b].insts {
                let i = f.inst(v);
                if i.op == Op::SetReg {
                    writes.entry(i.imm).or_default().push((b, v));
                }
            }
        }
        for b in (0..f.blocks.len()).filter(|&b| l.body[b]) {
            for (pos, &v) in f.blocks[b].insts.iter().enumerate() {
                let i = f.inst(v);
                if !matches!(i.op, Op::Load | Op::Store) || i.imm != Ordering::Relaxed as u64 {
                    continue;
                }
                let moves = l.steps.iter().any(|&(r, c, w)| {
                    w == 64 && {
                    let ctx = Ctx { f, body: &l.body, writes: &writes, iv: r as u64, block: b, bits: 64 };
                    ctx.affine(i.args[0], pos).is_some_and(|(k, _)| k.wrapping_mul(c) != 0)
                    }
                });
                if moves {
                    change.push(v);
                }
            }
        }
    }
    for &v in &change {
        f.insts[v.0 as usize].imm = Ordering::Plain as u64;
    }
    change.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::aarch64::lift_snippet;

    fn polls(f: &Function) -> Vec<u64> {
        (0..f.blocks.len()).filter(|&b| super::super::safepoint::polled(f, b)).map(|b| f.blocks[b].off).collect()
    }

    /// Orderings of the loads and stores of `f`, in order.
    fn orderings(f: &Function) -> Vec<(Op, u64)> {
        f.blocks.iter().flat_map(|b| b.insts.iter()).map(|&v| f.inst(v)).filter(|i| matches!(i.op, Op::Load | Op::Store)).map(|i| (i.op, i.imm)).collect()
    }

    const PLAIN: u64 = Ordering::Plain as u64;
    const RELAXED: u64 = Ordering::Relaxed as u64;

    #[test]
    fn an_index_loop_is_counted_and_its_affine_accesses_become_plain() {
        // 0: mov x0, #0 ; 4: ldr d2, [x2, x0, lsl #3] ; 8: ldr x6, [x5] ; c: fadd d2, d2, d2
        // 10: str d2, [x1, x0, lsl #3] ; 14: add x0, x0, #1 ; 18: cmp x0, x19 ; 1c: b.ne 4 ; 20: ret
        let w = [0xd280_0000, 0xfc60_7842, 0xf940_00a6, 0x1e62_2842, 0xfc20_7822, 0x9100_0400, 0xeb13_001f, 0x54ff_ff41, 0xd65f_03c0];
        let mut f = lift_snippet(0x400000, &w);
        let ls = loops(&f);
        assert_eq!(ls.len(), 1);
        assert_eq!(ls[0].steps, vec![(0, 1, 64)], "x0 steps by 1");
        assert!(ls[0].counted);
        assert_eq!(relax_affine(&mut f), 2);
        // The load from [x5] (the same address every iteration: maybe a flag) stays atomic.
        assert_eq!(orderings(&f), vec![(Op::Load, PLAIN), (Op::Load, RELAXED), (Op::Store, PLAIN)]);
        super::super::safepoint::insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(polls(&f), Vec::<u64>::new(), "a counted leaf loop needs no poll");
    }

    #[test]
    fn a_spin_wait_keeps_its_poll_and_its_atomic_load() {
        // 0: ldr w7, [x5] ; 4: cbz w7, 0 ; 8: ret
        let mut f = lift_snippet(0x400000, &[0xb940_00a7, 0x34ff_ffe7, 0xd65f_03c0]);
        assert!(loops(&f).iter().all(|l| !l.counted));
        assert_eq!(relax_affine(&mut f), 0);
        assert_eq!(orderings(&f), vec![(Op::Load, RELAXED)]);
        super::super::safepoint::insert(&mut f);
        assert_eq!(polls(&f), vec![0]);
    }

    #[test]
    fn loops_that_may_not_end_keep_their_poll() {
        // An even step against `ne` may jump over the bound: 0: mov x0, #0 ; 4: add x0, x0, #2
        // 8: cmp x0, #9 ; c: b.ne 4 ; 10: ret
        let mut f = lift_snippet(0x400000, &[0xd280_0000, 0x9100_0800, 0xf100_241f, 0x54ff_ffc1, 0xd65f_03c0]);
        let ls = loops(&f);
        assert_eq!(ls.len(), 1);
        assert_eq!(ls[0].steps, vec![(0, 2, 64)]);
        assert!(!ls[0].counted);
        super::super::safepoint::insert(&mut f);
        assert_eq!(polls(&f), vec![4]);
        // `<=` holds for every value when the bound is the maximum: 0: add x0, x0, #1
        // 4: cmp x0, x19 ; 8: b.ls 0 ; c: ret
        let mut f = lift_snippet(0x400000, &[0x9100_0400, 0xeb13_001f, 0x54ff_ffc9, 0xd65f_03c0]);
        assert!(!loops(&f)[0].counted);
        super::super::safepoint::insert(&mut f);
        assert_eq!(polls(&f), vec![0]);
        // A step that is not a constant: 0: add x0, x0, x20 ; 4: cmp x0, x19 ; 8: b.ne 0 ; c: ret
        let f = lift_snippet(0x400000, &[0x8b14_0000, 0xeb13_001f, 0x54ff_ffc1, 0xd65f_03c0]);
        assert_eq!(loops(&f)[0].steps, vec![]);
        assert!(!loops(&f)[0].counted);
    }

    #[test]
    fn a_32_bit_countdown_is_counted() {
        // 0: sub w3, w3, #1 ; 4: cmp w3, #0 ; 8: b.ne 0 ; c: ret
        let mut f = lift_snippet(0x400000, &[0x5100_0463, 0x7100_007f, 0x54ff_ffc1, 0xd65f_03c0]);
        let ls = loops(&f);
        assert_eq!(ls[0].steps, vec![(3, 0xffff_ffff, 32)]);
        assert!(ls[0].counted);
        super::super::safepoint::insert(&mut f);
        assert_eq!(polls(&f), Vec::<u64>::new());
    }
}
