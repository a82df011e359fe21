//! AArch64 (A64) frontend.
//!
//! Decoding is table-driven, in the spirit of QEMU's decodetree: every encoding is one [`Pattern`]
//! line (its fixed bits written out, `.` or a letter for a field bit) naming one `trans_*` function.
//! The tables live beside the code that lifts them, one file per instruction class:
//! - `branch.rs`: branches, calls, returns, exception generation
//! - `system.rs`: hints, barriers, MRS/MSR, cache maintenance
//! - `int.rs`: integer data processing (immediate and register)
//! - `ldst.rs`: loads and stores, exclusives, LSE atomics
//! - `fp.rs`: scalar floating point
//! - `simd.rs`: AdvSIMD
//! - `crypto.rs`: the Cryptographic Extension (AES, SHA-1, SHA-256) and 64-bit PMULL
//!
//! Shared helpers for operand access and flags are methods of [`Lift`].

pub mod branch;
pub mod crypto;
pub mod decode;
pub mod fp;
pub mod int;
pub mod ldst;
pub mod simd;
pub mod system;

use super::{Flow, FunctionSpec};
use crate::cpu::Reg;
use crate::ir::{BlockId, Builder, Cond, Function, Op, Reloc, Term, TrapKind, Ty, Value};
use std::collections::BTreeMap;

pub use decode::{decode, Pattern};

/// State of lifting one function.
pub struct Lift<'a> {
    pub b: Builder,
    /// Guest address of the instruction being lifted.
    pub pc: u64,
    pub spec: &'a FunctionSpec,
    blocks: BTreeMap<u64, BlockId>,
    /// Registers that may hold an ADRP page before each instruction (bit n = Xn).
    pages: BTreeMap<u64, u32>,
    /// The operands of the last SUBS/CMP, while its flags are the current ones (see
    /// [`Lift::cond_holds`]).
    last_sub: Option<SubFlags>,
}

/// A SUBS whose NZCV can be read back as a direct compare of its operands: valid while the
/// current block is `block` and none of its instructions after index `at` writes a flag or
/// calls a helper. A CCMP's flags are `guard ? flags(a - b) : nzcv`: `guard` holds its
/// condition and its immediate flags.
#[derive(Clone, Copy)]
struct SubFlags {
    block: BlockId,
    at: usize,
    a: Value,
    b: Value,
    guard: Option<(Value, u32)>,
}

/// Whether condition `cc` (Arm encoding) holds for the flags `nzcv` (N in bit 3).
pub fn cond_of_nzcv(cc: u32, nzcv: u32) -> bool {
    let (n, z, c, v) = (nzcv & 8 != 0, nzcv & 4 != 0, nzcv & 2 != 0, nzcv & 1 != 0);
    let base = match cc >> 1 {
        0 => z,
        1 => c,
        2 => n,
        3 => v,
        4 => c && !z,
        5 => n == v,
        6 => !z && n == v,
        _ => true,
    };
    if cc & 1 == 1 && cc != 15 {
        !base
    } else {
        base
    }
}

impl<'a> Lift<'a> {
    /// Offset of the current instruction from the function base.
    pub fn off(&self) -> u64 {
        self.pc.wrapping_sub(self.spec.start)
    }

    /// An immediate added to register `base` (ADD, LDR/STR offsets). When `base` holds an ADRP
    /// page, the immediate is the low bits of a data address, which differ between programs:
    /// it becomes a relocated constant so the function's code (and its cache key) does not
    /// depend on data layout. The value is the same either way; only the form differs.
    pub fn base_imm(&mut self, base: u32, imm: u64, ty: Ty) -> Value {
        let page = base < 31
            && self
                .pages
                .get(&self.pc)
                .is_some_and(|m| m & (1 << base) != 0);
        if page {
            self.b.reloc_imm(ty, imm)
        } else {
            self.b.iconst(ty, imm as u128)
        }
    }

    // ---- general-purpose registers ----

    /// Read X`r` (or W`r` when `!sf`), with r = 31 reading as zero.
    pub fn xr(&mut self, r: u32, sf: bool) -> Value {
        let ty = if sf { Ty::I64 } else { Ty::I32 };
        if r == 31 {
            return self.b.iconst(ty, 0);
        }
        let v = self.b.getreg(Reg::x(r));
        self.b.trunc(v, ty)
    }
    /// Read X`r`/W`r` with r = 31 meaning SP.
    pub fn xr_sp(&mut self, r: u32, sf: bool) -> Value {
        let v = if r == 31 {
            self.b.getreg(Reg::SP)
        } else {
            self.b.getreg(Reg::x(r))
        };
        let ty = if sf { Ty::I64 } else { Ty::I32 };
        self.b.trunc(v, ty)
    }
    /// Write X`r` (a 32-bit value is zero-extended); r = 31 discards.
    pub fn set_xr(&mut self, r: u32, v: Value) {
        if r == 31 {
            return;
        }
        let v = self.b.zext(v, Ty::I64);
        self.b.setreg(Reg::x(r), v);
    }
    /// Write X`r` with r = 31 meaning SP.
    pub fn set_xr_sp(&mut self, r: u32, v: Value) {
        let v = self.b.zext(v, Ty::I64);
        if r == 31 {
            self.b.setreg(Reg::SP, v);
        } else {
            self.b.setreg(Reg::x(r), v);
        }
    }

    // ---- SIMD&FP registers ----

    /// The whole 128-bit V`r`.
    pub fn vreg(&mut self, r: u32) -> Value {
        self.b.getreg(Reg::vreg(r))
    }
    pub fn set_vreg(&mut self, r: u32, v: Value) {
        self.b.setreg(Reg::vreg(r), v);
    }
    /// The low `bits` (8, 16, 32, 64 or 128) of V`r` as an integer (B/H/S/D/Q view).
    pub fn vreg_low(&mut self, r: u32, bits: u32) -> Value {
        let v = self.vreg(r);
        self.b.trunc(v, Ty::int(bits))
    }
    /// Write a scalar (integer of 8..128 bits) to V`r`, zeroing the rest, as every scalar write does.
    pub fn set_vreg_low(&mut self, r: u32, v: Value) {
        let w = self.b.zext(v, Ty::I128);
        self.set_vreg(r, w);
    }
    /// Read S`r`/D`r` as F32/F64.
    pub fn freg(&mut self, r: u32, ty: Ty) -> Value {
        let i = self.vreg_low(r, ty.bits());
        self.b.bitcast(i, ty)
    }
    /// Write an F32/F64 to S`r`/D`r` (upper bits zeroed).
    pub fn set_freg(&mut self, r: u32, v: Value) {
        let ty = self.b.ty(v);
        let i = self.b.bitcast(v, Ty::int(ty.bits()));
        self.set_vreg_low(r, i);
    }

    // ---- flags ----

    pub fn set_nzcv(&mut self, n: Value, z: Value, c: Value, v: Value) {
        self.b.setreg(Reg::N, n);
        self.b.setreg(Reg::Z, z);
        self.b.setreg(Reg::C, c);
        self.b.setreg(Reg::V, v);
    }
    /// N and Z from a result; C and V given.
    pub fn set_flags_nz(&mut self, r: Value, c: Value, v: Value) {
        let zero = {
            let t = self.b.ty(r);
            self.b.iconst(t, 0)
        };
        let n = self.b.icmp(Cond::Slt, r, zero);
        let z = self.b.icmp(Cond::Eq, r, zero);
        self.set_nzcv(n, z, c, v);
    }
    /// Flags of `a + b + carry_in` (ADDS/ADCS/SUBS/CMP/CMN via `b = !b, carry = 1`), returns the sum.
    pub fn add_with_flags(
        &mut self,
        a: Value,
        b: Value,
        carry_in: Value,
        set_flags: bool,
    ) -> Value {
        let ty = self.b.ty(a);
        let cin = self.b.zext(carry_in, ty);
        let s0 = self.b.add(a, b);
        let r = self.b.add(s0, cin);
        if set_flags {
            // Unsigned carry: computed in double width.
            let wide = Ty::int(ty.bits() * 2);
            let wa = self.b.zext(a, wide);
            let wb = self.b.zext(b, wide);
            let wc = self.b.zext(carry_in, wide);
            let ws0 = self.b.add(wa, wb);
            let ws = self.b.add(ws0, wc);
            let hi = self.b.lshr_i(ws, ty.bits());
            let c = self.b.trunc(hi, Ty::I1);
            // Signed overflow: operands of equal sign and the result's sign differs.
            let x1 = self.b.xor(a, r);
            let x2 = self.b.xor(b, r);
            let both = self.b.and(x1, x2);
            let zero = self.b.iconst(ty, 0);
            let v = self.b.icmp(Cond::Slt, both, zero);
            self.set_flags_nz(r, c, v);
        }
        r
    }
    /// Record that the flags just set are those of `a - b` (SUBS/CMP), so that a condition read
    /// in the same block can compare `a` and `b` directly.
    pub fn note_sub_flags(&mut self, a: Value, b: Value) {
        self.last_sub = self.b.current().map(|block| SubFlags {
            block,
            at: self.b.func.blocks[block.0 as usize].insts.len(),
            a,
            b,
            guard: None,
        });
    }
    /// Record that the flags just set are a CCMP's: those of `a - b` when `cond` holds, else
    /// `nzcv`. A condition read in the same block is then `cond ? a <cc> b : constant`, one
    /// compare and an AND or OR with `cond`, instead of flag formulas through selects (gcc's
    /// `cmp; ccmp; b.le` for `i < h && j < n`).
    pub fn note_ccmp_flags(&mut self, a: Value, b: Value, cond: Value, nzcv: u32) {
        self.note_sub_flags(a, b);
        if let Some(s) = self.last_sub.as_mut() {
            s.guard = Some((cond, nzcv));
        }
    }

    /// Condition `cc` as one compare of the operands of the SUBS that set the flags, when that
    /// SUBS is in the current block and nothing after it can have changed NZCV. The flags are
    /// still written (they may be read elsewhere), but the condition no longer goes through
    /// them: GT = !Z && N == V is `a >s b`, which LLVM does not rebuild from the flag formulas.
    /// N (MI/PL) and V (VS/VC) have no such form and return None.
    fn sub_compare(&mut self, cc: u32) -> Option<Value> {
        let s = self.last_sub?;
        if self.b.current() != Some(s.block) {
            return None;
        }
        let changed = self.b.func.blocks[s.block.0 as usize].insts[s.at..]
            .iter()
            .any(|&v| {
                let i = &self.b.func.insts[v.0 as usize];
                i.op == Op::Helper || (i.op == Op::SetReg && crate::ir::abi::NZCV >> i.imm & 1 != 0)
            });
        if changed {
            self.last_sub = None;
            return None;
        }
        let cond = match cc {
            0 => Cond::Eq,
            1 => Cond::Ne,
            2 => Cond::Uge, // CS: no borrow
            3 => Cond::Ult,
            8 => Cond::Ugt, // HI: C && !Z
            9 => Cond::Ule,
            10 => Cond::Sge, // GE: N == V
            11 => Cond::Slt,
            12 => Cond::Sgt, // GT: !Z && N == V
            13 => Cond::Sle,
            _ => return None,
        };
        let cmp = self.b.icmp(cond, s.a, s.b);
        Some(match s.guard {
            None => cmp,
            Some((g, nzcv)) if cond_of_nzcv(cc, nzcv) => {
                let ng = self.b.not(g);
                self.b.or(ng, cmp)
            }
            Some((g, _)) => self.b.and(g, cmp),
        })
    }

    /// Condition code `cc` (Arm encoding 0..15) evaluated from NZCV, as an I1.
    pub fn cond_holds(&mut self, cc: u32) -> Value {
        if let Some(c) = self.sub_compare(cc) {
            return c;
        }
        let base = match cc >> 1 {
            0 => self.b.getreg(Reg::Z),
            1 => self.b.getreg(Reg::C),
            2 => self.b.getreg(Reg::N),
            3 => self.b.getreg(Reg::V),
            4 => {
                // HI: C && !Z
                let c = self.b.getreg(Reg::C);
                let z = self.b.getreg(Reg::Z);
                let nz = self.b.not(z);
                self.b.and(c, nz)
            }
            5 => {
                // GE: N == V
                let n = self.b.getreg(Reg::N);
                let v = self.b.getreg(Reg::V);
                let x = self.b.xor(n, v);
                self.b.not(x)
            }
            6 => {
                // GT: !Z && N == V
                let n = self.b.getreg(Reg::N);
                let v = self.b.getreg(Reg::V);
                let z = self.b.getreg(Reg::Z);
                let x = self.b.xor(n, v);
                let o = self.b.or(x, z);
                self.b.not(o)
            }
            _ => return self.b.bool(true), // AL / NV
        };
        if cc & 1 == 1 && cc != 15 {
            self.b.not(base)
        } else {
            base
        }
    }

    // ---- control flow ----

    /// Block of an internal branch target, if the target belongs to this function.
    pub fn block_at(&self, target: u64) -> Option<BlockId> {
        self.blocks.get(&target).copied()
    }
    /// Terminate the current block with a jump to `target` (internal block or tail call).
    pub fn jump_to(&mut self, target: u64) {
        match self.block_at(target) {
            Some(b) => self.b.terminate(Term::Br(b)),
            None => {
                let s = self.b.reloc_slot(Reloc::Func(target));
                self.b.terminate(Term::Tail { target: s, to_start: false });
            }
        }
    }
    /// A block that jumps to `target` (for conditional branches leaving the function).
    pub fn target_block(&mut self, target: u64) -> BlockId {
        if let Some(b) = self.block_at(target) {
            return b;
        }
        let cur = self.b.current().expect("current block");
        let nb = self.b.new_block(self.off());
        self.b.switch_to(nb);
        self.jump_to(target);
        self.b.switch_to(cur);
        nb
    }
    /// Conditional branch: to `target` if `cond`, else the next instruction.
    pub fn branch_if(&mut self, cond: Value, target: u64) {
        let t = self.target_block(target);
        let e = self.next_block();
        self.b.terminate(Term::BrIf {
            cond,
            then_: t,
            else_: e,
        });
    }
    /// The block of the next instruction (a leader whenever something needs it).
    pub fn next_block(&mut self) -> BlockId {
        let next = self.pc.wrapping_add(4);
        match self.block_at(next) {
            Some(b) => b,
            None => {
                // Falls off the recovered code: trap there.
                let cur = self.b.current().expect("current block");
                let off = next.wrapping_sub(self.spec.start);
                let nb = self.b.new_block(off);
                self.b.switch_to(nb);
                self.b.terminate(Term::Trap {
                    kind: TrapKind::NotCode,
                    off,
                });
                self.b.switch_to(cur);
                nb
            }
        }
    }
    /// Raise a trap at the current instruction.
    pub fn trap(&mut self, kind: TrapKind) {
        let off = self.off();
        self.b.terminate(Term::Trap { kind, off });
    }
    /// Guest address of the current instruction + `delta` as a value.
    pub fn pc_plus(&mut self, delta: i64) -> Value {
        let off = self.off().wrapping_add(delta as u64);
        self.b.pc_rel(off)
    }
}

/// Sign-extend the low `bits` of `v`.
pub fn sext(v: u64, bits: u32) -> i64 {
    let s = 64 - bits;
    ((v << s) as i64) >> s
}
/// Bits `hi..=lo` of `insn`.
#[inline]
pub fn bits(insn: u32, hi: u32, lo: u32) -> u32 {
    (insn >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}
#[inline]
pub fn bit(insn: u32, n: u32) -> bool {
    (insn >> n) & 1 == 1
}

/// Control-flow effect of one instruction at `pc` (for recovery).
pub fn flow(pc: u64, insn: u32) -> Flow {
    let off26 = || pc.wrapping_add((sext(bits(insn, 25, 0) as u64, 26) << 2) as u64);
    let off19 = || pc.wrapping_add((sext(bits(insn, 23, 5) as u64, 19) << 2) as u64);
    let off14 = || pc.wrapping_add((sext(bits(insn, 18, 5) as u64, 14) << 2) as u64);
    if insn & 0xfc00_0000 == 0x1400_0000 {
        return Flow::Jump(off26()); // B
    }
    if insn & 0xfc00_0000 == 0x9400_0000 {
        return Flow::Call(off26()); // BL
    }
    if insn & 0xff00_0010 == 0x5400_0000 {
        // B.cond (BC.cond has bit 4 set and is also conditional)
        return if bits(insn, 3, 0) >= 14 {
            Flow::Jump(off19())
        } else {
            Flow::CondJump(off19())
        };
    }
    if insn & 0xff00_0010 == 0x5400_0010 {
        return Flow::CondJump(off19()); // BC.cond
    }
    if insn & 0x7e00_0000 == 0x3400_0000 {
        return Flow::CondJump(off19()); // CBZ/CBNZ
    }
    if insn & 0x7e00_0000 == 0x3600_0000 {
        return Flow::CondJump(off14()); // TBZ/TBNZ
    }
    // Unconditional branch (register): BR, BLR, RET (and their PAC forms).
    if insn & 0xfe00_0000 == 0xd600_0000 {
        let opc = bits(insn, 24, 21);
        return match opc {
            0 => Flow::JumpInd,
            1 => Flow::CallInd,
            2 => Flow::Ret,
            8 => Flow::JumpInd,
            9 => Flow::CallInd,
            4 | 5 => Flow::Stop, // ERET/DRPS: not at EL0
            _ => Flow::Stop,
        };
    }
    // BRK, HLT, UDF and friends (HLT is UNDEFINED at EL0: SIGILL).
    if insn & 0xffe0_0000 == 0xd420_0000 || insn & 0xffe0_0000 == 0xd440_0000 || insn & 0xffff_0000 == 0 {
        return Flow::Stop;
    }
    Flow::Next
}

/// Lift one function. Undecodable or unsupported instructions become guest SIGILL traps.
pub fn lift_function(spec: &FunctionSpec) -> Function {
    let mut b = Builder::new(spec.name.clone(), spec.start);
    // Leaders: entries, internal branch targets, and the instruction after any block end.
    let mut leaders: std::collections::BTreeSet<u64> = spec.entries.iter().copied().collect();
    leaders.insert(spec.start);
    for (&pc, &insn) in &spec.insns {
        match flow(pc, insn) {
            Flow::Jump(t) | Flow::CondJump(t) => {
                if spec.insns.contains_key(&t) {
                    leaders.insert(t);
                }
                leaders.insert(pc + 4);
            }
            Flow::Next => {}
            _ => {
                leaders.insert(pc + 4);
            }
        }
    }
    // Blocks only where there is code (the entries must be code; others are dropped).
    let mut blocks = BTreeMap::new();
    for &l in &leaders {
        if spec.insns.contains_key(&l) {
            let id = b.new_block(l.wrapping_sub(spec.start));
            blocks.insert(l, id);
        }
    }
    let pages = page_registers(spec);
    let mut lift = Lift {
        b,
        pc: spec.start,
        spec,
        blocks,
        pages,
        last_sub: None,
    };
    // The start first, then other entries.
    let mut entries = vec![spec.start];
    entries.extend(spec.entries.iter().copied().filter(|&e| e != spec.start));
    for e in entries {
        match lift.blocks.get(&e).copied() {
            Some(id) => lift.b.add_entry(e.wrapping_sub(spec.start), id),
            None => {
                // An entry with no code: trap when entered.
                let off = e.wrapping_sub(spec.start);
                let id = lift.b.new_block(off);
                lift.b.switch_to(id);
                lift.b.terminate(Term::Trap {
                    kind: TrapKind::NotCode,
                    off,
                });
                lift.b.add_entry(off, id);
            }
        }
    }
    let block_list: Vec<(u64, BlockId)> = lift.blocks.iter().map(|(&a, &b)| (a, b)).collect();
    for (k, &(start, id)) in block_list.iter().enumerate() {
        let end = block_list.get(k + 1).map(|x| x.0).unwrap_or(u64::MAX);
        lift.b.switch_to(id);
        let mut pc = start;
        loop {
            let Some(&insn) = spec.insns.get(&pc) else {
                let off = pc.wrapping_sub(spec.start);
                lift.b.terminate(Term::Trap {
                    kind: TrapKind::NotCode,
                    off,
                });
                break;
            };
            lift.pc = pc;
            lift.b.insn_mark(pc.wrapping_sub(spec.start));
            lift_insn(&mut lift, insn);
            if !lift.b.is_open() {
                break;
            }
            pc += 4;
            if pc >= end {
                match lift.block_at(pc) {
                    Some(nb) => lift.b.terminate(Term::Br(nb)),
                    None => {
                        let off = pc.wrapping_sub(spec.start);
                        lift.b.terminate(Term::Trap {
                            kind: TrapKind::NotCode,
                            off,
                        });
                    }
                }
                break;
            }
        }
    }
    let mut f = lift.b.finish();
    crate::ir::fpexc::add_input_denormal(&mut f);
    f
}

/// Which registers may hold an ADRP page before each instruction: a forward "may" dataflow
/// over the function (meet = union: a register that is a page on some path counts, so the form of
/// an immediate does not depend on the values that differ between programs). Definitions are approximated (the Rd/Rt field of any
/// other instruction is taken as written, calls clobber X0-X18 and X30); an imprecise answer only
/// changes whether an immediate is emitted as a relocated constant, never the computed value, so
/// it can cost cache hits but not correctness. It depends only on the function's code, so it is
/// the same for the same function in every program.
pub fn page_registers(spec: &FunctionSpec) -> BTreeMap<u64, u32> {
    // State: [0] bits 0..31 = X registers, bits 32.. = 64-bit stack slots [sp + 8k] (spilled
    // pages); [1] bit k = the frame slot [x29 + 8k] (gcc spills through the frame pointer too).
    let mut inn: BTreeMap<u64, [u128; 2]> = BTreeMap::new();
    let mut work: Vec<u64> = Vec::new();
    // Start from the function start; entries that the flow does not reach (landing pads, code
    // found through data) start afterwards with nothing known. Return sites are reached through
    // their call, which is what makes them agree between programs.
    let mut seeds: Vec<u64> = std::iter::once(spec.start)
        .chain(spec.entries.iter().copied())
        .collect();
    seeds.reverse();
    // What holds at the function's own indirect jumps: an entry the flow does not reach is most
    // likely a computed-goto or jump-table target of one of them.
    let mut jump_out: Option<[u128; 2]> = None;
    let union = |a: [u128; 2], b: [u128; 2]| [a[0] | b[0], a[1] | b[1]];
    loop {
        while let Some(e) = seeds.pop() {
            if spec.insns.contains_key(&e) && !inn.contains_key(&e) {
                inn.insert(e, if e == spec.start { [0, 0] } else { jump_out.unwrap_or([0, 0]) });
                work.push(e);
                break;
            }
        }
        if work.is_empty() {
            break;
        }
        while let Some(pc) = work.pop() {
            let Some(&insn) = spec.insns.get(&pc) else {
                continue;
            };
            let mut out = page_transfer(insn, inn[&pc]);
            let fl = flow(pc, insn);
            if fl == Flow::JumpInd {
                jump_out = Some(jump_out.map_or(out, |j| union(j, out)));
            }
            if matches!(fl, Flow::Call(_) | Flow::CallInd) {
                out[0] &= !0x4007_ffff; // X0..X18, X30
            }
            let mut succ = [None, None];
            match fl {
                Flow::Next | Flow::Call(_) | Flow::CallInd => succ[0] = Some(pc + 4),
                Flow::CondJump(t) => succ = [Some(pc + 4), Some(t)],
                Flow::Jump(t) => succ[0] = Some(t),
                _ => {}
            }
            for s in succ.into_iter().flatten() {
                if !spec.insns.contains_key(&s) {
                    continue;
                }
                let changed = match inn.get(&s) {
                    None => {
                        inn.insert(s, out);
                        true
                    }
                    Some(&old) => {
                        let new = union(old, out);
                        if new != old {
                            inn.insert(s, new);
                        }
                        new != old
                    }
                };
                if changed {
                    work.push(s);
                }
            }
        }
    }
    inn.into_iter().map(|(pc, st)| (pc, st[0] as u32)).collect()
}

/// `page_registers`' transfer function for one instruction: ADRP makes a page; STR/STP of X
/// registers to [sp + 8k] or [x29 + 8k] (unsigned or signed offset, no writeback) spill it and
/// LDR/LDP from there reload it; MOV copies it; any other write of a register forgets it.
fn page_transfer(insn: u32, cur: [u128; 2]) -> [u128; 2] {
    let rd = insn & 31;
    let rn = (insn >> 5) & 31;
    let rt2 = (insn >> 10) & 31;
    let is_page = |st: &[u128; 2], r: u32| r != 31 && st[0] & (1 << r) != 0;
    // The bit of slot k of base register `rn` (sp: word 0 from bit 32, k < 96; x29: word 1).
    let slot = |k: u64| -> Option<(usize, u32)> {
        match rn {
            31 if k < 96 => Some((0, 32 + k as u32)),
            29 if k < 128 => Some((1, k as u32)),
            _ => None,
        }
    };
    let set = |st: &mut [u128; 2], (w, b): (usize, u32), v: bool| {
        st[w] = (st[w] & !(1u128 << b)) | ((v as u128) << b);
    };
    let get = |st: &[u128; 2], (w, b): (usize, u32)| st[w] & (1u128 << b) != 0;
    let mut out = cur;
    if insn & 0x9f00_0000 == 0x9000_0000 {
        // ADRP
        if rd != 31 {
            out[0] |= 1 << rd;
        }
    } else if insn & 0xffc0_0000 == 0xf900_0000 && (rn == 31 || rn == 29) {
        // STR Xt, [sp|x29, #8k]
        if let Some(s) = slot((insn >> 10 & 0xfff) as u64) {
            set(&mut out, s, is_page(&cur, rd));
        }
    } else if insn & 0xffc0_0000 == 0xf940_0000 && (rn == 31 || rn == 29) && rd != 31 {
        // LDR Xt, [sp|x29, #8k]
        let page = slot((insn >> 10 & 0xfff) as u64).is_some_and(|s| get(&cur, s));
        set(&mut out, (0, rd), page);
    } else if insn & 0xffc0_0000 == 0xa900_0000 && (rn == 31 || rn == 29) {
        // STP Xt, Xt2, [sp|x29, #8k] (signed offset)
        let k = ((insn >> 15 & 0x7f) as i64) << 57 >> 57;
        if k >= 0 {
            for (i, r) in [(0, rd), (1, rt2)] {
                if let Some(s) = slot(k as u64 + i) {
                    set(&mut out, s, is_page(&cur, r));
                }
            }
        }
    } else if insn & 0xffc0_0000 == 0xa940_0000 && (rn == 31 || rn == 29) {
        // LDP Xt, Xt2, [sp|x29, #8k] (signed offset)
        let k = ((insn >> 15 & 0x7f) as i64) << 57 >> 57;
        for (i, r) in [(0, rd), (1, rt2)] {
            if r != 31 {
                let page = k >= 0 && slot(k as u64 + i).is_some_and(|s| get(&cur, s));
                set(&mut out, (0, r), page);
            }
        }
    } else if insn & 0xffe0_ffe0 == 0xaa00_03e0 && rd != 31 {
        // MOV Xd, Xm copies the page.
        let rm = (insn >> 16) & 31;
        set(&mut out, (0, rd), is_page(&cur, rm));
    } else {
        out[0] &= !(x_defs(insn) as u128);
    }
    out
}

/// The X registers an instruction may write, approximately (see `page_registers`): Rd/Rt by
/// default; nothing for stores, SIMD&FP loads, branches and hints; Rt and Rt2 for load pairs.
fn x_defs(insn: u32) -> u32 {
    let rd = insn & 31;
    let rt2 = (insn >> 10) & 31;
    let bit = |r: u32| if r == 31 { 0 } else { 1u32 << r };
    if insn & 0x0a00_0000 == 0x0800_0000 {
        // Loads and stores.
        if insn & (1 << 26) != 0 || insn & (1 << 22) == 0 {
            return 0; // SIMD&FP register, or a store
        }
        if insn & 0x3a00_0000 == 0x2800_0000 {
            return bit(rd) | bit(rt2); // load pair
        }
        return bit(rd);
    }
    if insn & 0x1c00_0000 == 0x1400_0000 {
        // Branches, exception generation and system: only MRS/SYSL write a register.
        return if insn & 0xffe0_0000 == 0xd520_0000 { bit(rd) } else { 0 };
    }
    bit(rd)
}

/// Lift one instruction at `lift.pc`, or a SIGILL trap if it is not supported.
pub fn lift_insn(lift: &mut Lift, insn: u32) {
    let handled = match decode(insn) {
        // A trans function checks its fields before it emits anything, so one that refuses
        // (returns false) leaves no trace but the trap.
        Some(p) => (p.trans)(lift, insn),
        None => false,
    };
    if !handled && lift.b.is_open() {
        lift.trap(TrapKind::Undefined);
    }
}

/// Does `f` refuse an instruction (an unallocated or unsupported encoding: SIGILL)? Only
/// `lift_insn` raises `TrapKind::Undefined`, so this is exact where looking for an empty block is
/// not (NOP, B, RET, BRK lift to no instructions).
pub fn raises_undefined(f: &Function) -> bool {
    f.blocks.iter().any(|b| matches!(b.term, Term::Trap { kind: TrapKind::Undefined, .. }))
}

/// Lift a straight-line sequence of instructions at `base` into a one-entry function whose end
/// jumps to `base + 4 * n` (a tail call). Used by tests and the instruction tester.
pub fn lift_snippet(base: u64, words: &[u32]) -> Function {
    let mut spec = FunctionSpec {
        name: "snippet".into(),
        start: base,
        entries: vec![base],
        ..Default::default()
    };
    for (k, &w) in words.iter().enumerate() {
        spec.insns.insert(base + 4 * k as u64, w);
    }
    lift_function(&spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adrp(rd: u32, pc: u64, target: u64) -> u32 {
        let pages = ((target >> 12) as i64 - (pc >> 12) as i64) as u32;
        0x9000_0000 | (pages & 3) << 29 | (pages >> 2 & 0x7ffff) << 5 | rd
    }
    fn add_imm(rd: u32, rn: u32, imm: u32) -> u32 {
        0x9100_0000 | imm << 10 | rn << 5 | rd
    }
    fn str_x(rt: u32, rn: u32, off: u32) -> u32 {
        0xf900_0000 | (off / 8) << 10 | rn << 5 | rt
    }
    fn ldr_x(rt: u32, rn: u32, off: u32) -> u32 {
        0xf940_0000 | (off / 8) << 10 | rn << 5 | rt
    }
    fn stp_x(rt: u32, rt2: u32, rn: u32, off: u32) -> u32 {
        0xa900_0000 | (off / 8) << 15 | rt2 << 10 | rn << 5 | rt
    }
    fn ldp_x(rt: u32, rt2: u32, rn: u32, off: u32) -> u32 {
        0xa940_0000 | (off / 8) << 15 | rt2 << 10 | rn << 5 | rt
    }
    const MOV_X0_5: u32 = 0xd280_00a0;
    const MOV_X1_7: u32 = 0xd280_00e1;
    const RET: u32 = 0xd65f_03c0;

    /// The cache key (IR text without slot values) of `adrp x1, PAGE; spill; clobber x0 and x1;
    /// reload into x0; add x0, x0, #LO; ret` for data at `data` (page and low bits both vary
    /// between programs).
    fn key(spill: &[u32], reload: &[u32], data: u64) -> String {
        let base = 0x400000u64;
        let mut w = vec![adrp(1, base, data)];
        w.extend_from_slice(spill);
        w.extend([MOV_X0_5, MOV_X1_7]);
        w.extend_from_slice(reload);
        w.extend([add_imm(0, 0, (data & 0xfff) as u32), RET]);
        crate::ir::print::print_function(&lift_snippet(base, &w), false)
    }

    /// A page spilled to the stack and reloaded keeps its low-12-bit offsets out of the cache
    /// key, through SP or the frame pointer, with STR/LDR or STP/LDP: otherwise a function such
    /// as glibc's `_dl_close_worker` (gcc spills the page through x29) is a cache miss in every
    /// program whose data layout differs.
    #[test]
    fn spilled_pages_keep_data_offsets_out_of_the_key() {
        let (a, b) = (0x4aa1d8, 0x4a8488);
        for rn in [31, 29] {
            let forms: [(&str, Vec<u32>, Vec<u32>); 3] = [
                ("str/ldr", vec![str_x(1, rn, 168)], vec![ldr_x(0, rn, 168)]),
                ("stp/ldp first", vec![stp_x(1, 2, rn, 160)], vec![ldp_x(0, 3, rn, 160)]),
                ("stp/ldp second", vec![stp_x(2, 1, rn, 160)], vec![ldp_x(3, 0, rn, 160)]),
            ];
            for (what, spill, reload) in forms {
                assert_eq!(key(&spill, &reload, a), key(&spill, &reload, b), "{what} through x{rn}");
            }
            // Control: a reload from another slot is not a page, so the offset is a plain constant.
            let (spill, reload) = (vec![str_x(1, rn, 168)], vec![ldr_x(0, rn, 176)]);
            assert_ne!(key(&spill, &reload, a), key(&spill, &reload, b), "other slot through x{rn}");
        }
    }

    /// `subs` then a condition in the same block: every condition code gives Arm's answer
    /// (from NZCV as the Arm ARM defines them) on edge operands, in both widths, and the
    /// signed/unsigned ones are a single compare of the operands rather than flag formulas.
    #[test]
    fn conditions_after_subs_compare_the_operands() {
        use crate::cpu::CpuState;
        let vals: [u64; 10] = [
            0,
            1,
            2,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) - 1,
            0x8000_0000,
            0x7fff_ffff,
            0xffff_ffff,
        ];
        for sf in [true, false] {
            let bits = if sf { 64 } else { 32 };
            let mask = if sf { u64::MAX } else { 0xffff_ffff };
            for cc in 0..14u32 {
                // subs x2, x0, x1; cset x3, cc (csinc x3, xzr, xzr, invert(cc)); the W forms
                // when !sf.
                let subs = 0x6b00_0002 | 1 << 16 | (sf as u32) << 31;
                let cset = 0x1a9f_07e3 | (cc ^ 1) << 12 | (sf as u32) << 31;
                let f = lift_snippet(0x1000, &[subs, cset]);
                if ![4, 5, 6, 7, 14, 15].contains(&cc) {
                    // The cset's select condition is an icmp of the two register reads.
                    let ins = |v: Value| &f.insts[v.0 as usize];
                    // A register read, through the truncation of a W operand.
                    let reg_read = |v: Value| {
                        let i = if ins(v).op == Op::Trunc {
                            ins(ins(v).args[0])
                        } else {
                            ins(v)
                        };
                        (i.op, i.imm)
                    };
                    let sel = f
                        .insts
                        .iter()
                        .find(|i| i.op == Op::Select)
                        .expect("cset is a select");
                    let c = ins(sel.args[0]);
                    assert!(
                        c.op == Op::ICmp
                            && c.args.iter().map(|&v| reg_read(v)).eq([
                                (Op::GetReg, Reg::x(0).0 as u64),
                                (Op::GetReg, Reg::x(1).0 as u64)
                            ]),
                        "cc {cc} sf {sf}: one compare of x0 and x1:\n{}",
                        crate::ir::print::print_function(&f, false)
                    );
                }
                for &a in &vals {
                    for &b in &vals {
                        let (a, b) = (a & mask, b & mask);
                        let mut st = CpuState::default();
                        st.x[0] = a;
                        st.x[1] = b;
                        fp::tests::run1(&[subs, cset], &mut st);
                        let r = a.wrapping_sub(b) & mask;
                        let n = r >> (bits - 1) & 1 == 1;
                        let z = r == 0;
                        let c = a >= b;
                        let sext = |x: u64| ((x << (64 - bits)) as i64 >> (64 - bits)) as i128;
                        let exact = sext(a) - sext(b);
                        let v = exact != sext(r);
                        let base = match cc >> 1 {
                            0 => z,
                            1 => c,
                            2 => n,
                            3 => v,
                            4 => c && !z,
                            5 => n == v,
                            6 => !z && n == v,
                            _ => true,
                        };
                        let want = if cc & 1 == 1 && cc != 15 { !base } else { base };
                        assert_eq!(st.x[3], want as u64, "cc {cc} a {a:#x} b {b:#x} sf {sf}");
                        assert_eq!(
                            st.nzcv() >> 28,
                            (n as u64) << 3 | (z as u64) << 2 | (c as u64) << 1 | v as u64,
                            "flags a {a:#x} b {b:#x}"
                        );
                    }
                }
            }
        }
    }

    /// `cmp; ccmp; cset`: every condition after a CCMP gives Arm's answer (its flags are the
    /// compare's when its condition holds, else the immediate NZCV), and the signed/unsigned
    /// conditions are a compare of the CCMP's operands combined with the CCMP's condition, not
    /// flag formulas through the selects of the flags (gcc's `cmp x20, x5; ccmp x21, x6, #4,
    /// gt; b.le` in benches/sort.c's merge loop).
    #[test]
    fn conditions_after_ccmp_compare_the_operands() {
        use crate::cpu::CpuState;
        // Arm's NZCV of a - b (64-bit) and condition `cc` on NZCV, as the Arm ARM defines them.
        let flags = |a: u64, b: u64| -> u32 {
            let r = a.wrapping_sub(b);
            let n = r >> 63 == 1;
            let v = (a as i64 as i128 - b as i64 as i128) != r as i64 as i128;
            (n as u32) << 3 | ((r == 0) as u32) << 2 | ((a >= b) as u32) << 1 | v as u32
        };
        let holds = |cc: u32, f: u32| -> bool {
            let (n, z, c, v) = (f & 8 != 0, f & 4 != 0, f & 2 != 0, f & 1 != 0);
            let base = [z, c, n, v, c && !z, n == v, !z && n == v, true][(cc >> 1) as usize];
            if cc & 1 == 1 && cc != 15 { !base } else { base }
        };
        let vals: [u64; 5] = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1];
        for gcc in [0u32, 1, 2, 3, 8, 9, 10, 11, 12, 13] {
            for nzcv in [0u32, 1, 2, 4, 6, 8, 9, 15] {
                for cc in 0..14u32 {
                    // cmp x0, x4 ; ccmp x1, x2, #nzcv, gcc ; cset x3, cc
                    let cmp = 0xeb04_001f;
                    let ccmp = 0xfa42_0020 | gcc << 12 | nzcv;
                    let cset = 0x9a9f_07e3 | (cc ^ 1) << 12;
                    let words = [cmp, ccmp, cset];
                    let f = lift_snippet(0x1000, &words);
                    if ![4, 5, 6, 7].contains(&cc) {
                        // The cset's condition reads no flag select: it is made of compares,
                        // NOT, AND and OR only.
                        let ins = |v: Value| &f.insts[v.0 as usize];
                        let sel = f.insts.iter().rev().find(|i| i.op == Op::Select).expect("cset is a select");
                        let mut todo = vec![sel.args[0]];
                        let mut compares = 0;
                        while let Some(v) = todo.pop() {
                            let i = ins(v);
                            match i.op {
                                Op::ICmp => compares += 1,
                                Op::Not | Op::And | Op::Or => todo.extend(i.args.iter().copied()),
                                Op::Const => {}
                                op => panic!(
                                    "gcc {gcc} nzcv {nzcv} cc {cc}: {op:?} in the condition:\n{}",
                                    crate::ir::print::print_function(&f, false)
                                ),
                            }
                        }
                        assert!(compares <= 2, "gcc {gcc} cc {cc}: {compares} compares");
                    }
                    for &g in &[0u64, 1, 2] {
                        for &a in &vals {
                            for &b in &vals {
                                let mut st = CpuState::default();
                                st.x[0] = g;
                                st.x[4] = 1;
                                st.x[1] = a;
                                st.x[2] = b;
                                fp::tests::run1(&words, &mut st);
                                let fl = if holds(gcc, flags(g, 1)) { flags(a, b) } else { nzcv };
                                let want = holds(cc, fl);
                                let at = format!("gcc {gcc} nzcv {nzcv} cc {cc} g {g} a {a:#x} b {b:#x}");
                                assert_eq!(st.x[3], want as u64, "{at}");
                                assert_eq!(st.nzcv() >> 28, fl as u64, "flags {at}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// `br x0` at 0x1000 with recovery's table [0x1004, 0x100c, 0x1008] (0x1008 is no entry):
    /// the `jump.ind` keeps the targets that are entries, prints them, the verifier accepts only
    /// entries, and the IR interpreter stays in the function for a target and leaves for any
    /// other address.
    #[test]
    fn jump_tables_carry_their_entry_targets() {
        use crate::ir::interp::{Exit, FlatMemory, Interp};
        // 1000: br x0 ; 1004: add x2, x2, #1 ; 1008: ret ; 100c: add x2, x2, #2 ; 1010: ret
        let words = [0xd61f_0000u32, add_imm(2, 2, 1), 0xd65f_03c0, add_imm(2, 2, 2), 0xd65f_03c0];
        let spec = |table: bool| FunctionSpec {
            name: "jt".into(),
            start: 0x1000,
            entries: vec![0x1000, 0x1004, 0x100c],
            insns: words.iter().enumerate().map(|(k, &w)| (0x1000 + 4 * k as u64, w)).collect(),
            tables: if table { [(0x1000, vec![0x100c, 0x1004, 0x1008, 0x1004])].into_iter().collect() } else { Default::default() },
        };
        let f = lift_function(&spec(true));
        crate::ir::verify::verify(&f).unwrap();
        let text = crate::ir::print::print_function(&f, false);
        assert!(text.contains(", table +0x4 +0xc\n"), "{text}");
        let run = |f: &Function, x0: u64| {
            let mut st = crate::cpu::CpuState::default();
            st.x[0] = x0;
            st.x[30] = 0x2000;
            let exit = Interp::new(f).run(&mut st, &mut FlatMemory::default(), 0, 1000);
            (exit, st.x[2])
        };
        assert!(matches!(run(&f, 0x100c), (Exit::Ret { target: 0x2000 }, 2)), "{:?}", run(&f, 0x100c));
        assert!(matches!(run(&f, 0x1004), (Exit::Ret { target: 0x2000 }, 1)), "{:?}", run(&f, 0x1004));
        assert!(matches!(run(&f, 0x1008), (Exit::JumpInd { target: 0x1008 }, 0)), "{:?}", run(&f, 0x1008));
        let plain = lift_function(&spec(false));
        assert!(matches!(run(&plain, 0x100c), (Exit::JumpInd { target: 0x100c }, 0)), "{:?}", run(&plain, 0x100c));
        assert!(!crate::ir::print::print_function(&plain, false).contains("table"));
        // A target that is no entry does not verify.
        let mut bad = f.clone();
        for b in &mut bad.blocks {
            if let Term::JumpInd { targets, .. } = &mut b.term {
                targets.push(0x8);
            }
        }
        assert!(crate::ir::verify::verify(&bad).is_err());
    }
}
