//! Builder: appends instructions to the current block of a [`Function`].

use super::*;
use crate::cpu::Reg;

pub struct Builder {
    pub func: Function,
    cur: Option<BlockId>,
}

impl Builder {
    /// A new function whose slot 0 is its own base address.
    pub fn new(name: impl Into<String>, base: u64) -> Builder {
        Builder {
            func: Function {
                name: name.into(),
                relocs: vec![Reloc::FnBase(base)],
                ..Default::default()
            },
            cur: None,
        }
    }

    pub fn finish(self) -> Function {
        self.func
    }

    pub fn base(&self) -> u64 {
        self.func.base()
    }

    /// A new empty block for guest offset `off`.
    pub fn new_block(&mut self, off: u64) -> BlockId {
        let id = BlockId(self.func.blocks.len() as u32);
        self.func.blocks.push(Block {
            off,
            insts: vec![],
            term: Term::None,
        });
        id
    }

    pub fn switch_to(&mut self, b: BlockId) {
        self.cur = Some(b);
    }

    pub fn current(&self) -> Option<BlockId> {
        self.cur
    }

    /// Is the current block still open (not terminated)?
    pub fn is_open(&self) -> bool {
        self.cur
            .map(|b| self.func.blocks[b.0 as usize].term == Term::None)
            .unwrap_or(false)
    }

    pub fn add_entry(&mut self, off: u64, b: BlockId) {
        if !self.func.entries.iter().any(|&(o, _)| o == off) {
            self.func.entries.push((off, b));
        }
    }

    /// A new relocation slot for `r`. Slots are never shared between two uses, even of the same
    /// value: whether two addresses coincide depends on the program's layout, and sharing would
    /// make the numbering (and so the function's cache key) depend on it too.
    pub fn reloc_slot(&mut self, r: Reloc) -> u32 {
        if let Reloc::FnBase(_) = r {
            return 0;
        }
        self.func.relocs.push(r);
        (self.func.relocs.len() - 1) as u32
    }

    pub fn terminate(&mut self, t: Term) {
        let b = self.cur.expect("terminate with no current block");
        let blk = &mut self.func.blocks[b.0 as usize];
        assert!(blk.term == Term::None, "block terminated twice");
        blk.term = t;
    }

    pub fn push(&mut self, op: Op, ty: Ty, args: &[Value], imm: u64, imm2: u64) -> Value {
        let b = self.cur.expect("no current block");
        let v = Value(self.func.insts.len() as u32);
        self.func.insts.push(Inst {
            op,
            ty,
            args: args.to_vec(),
            imm,
            imm2,
        });
        self.func.blocks[b.0 as usize].insts.push(v);
        v
    }

    pub fn ty(&self, v: Value) -> Ty {
        self.func.insts[v.0 as usize].ty
    }

    // ---- constants and registers ----
    pub fn iconst(&mut self, ty: Ty, v: u128) -> Value {
        let v = v & ty.mask();
        self.push(Op::Const, ty, &[], v as u64, (v >> 64) as u64)
    }
    pub fn c64(&mut self, v: u64) -> Value {
        self.iconst(Ty::I64, v as u128)
    }
    pub fn c32(&mut self, v: u32) -> Value {
        self.iconst(Ty::I32, v as u128)
    }
    pub fn bool(&mut self, v: bool) -> Value {
        self.iconst(Ty::I1, v as u128)
    }
    /// A guest address as a value (relocated).
    pub fn addr(&mut self, a: u64) -> Value {
        let s = self.reloc_slot(Reloc::Addr(a));
        self.push(Op::Reloc, Ty::I64, &[], s as u64, 0)
    }
    /// A program-dependent constant (see `Reloc::Imm`), as a value of type `ty`.
    pub fn reloc_imm(&mut self, ty: Ty, v: u64) -> Value {
        let s = self.reloc_slot(Reloc::Imm(v));
        let r = self.push(Op::Reloc, Ty::I64, &[], s as u64, 0);
        self.trunc(r, ty)
    }
    /// base + `off`: the guest address of an instruction of this function.
    pub fn pc_rel(&mut self, off: u64) -> Value {
        let b = self.push(Op::Reloc, Ty::I64, &[], 0, 0);
        if off == 0 {
            return b;
        }
        let o = self.c64(off);
        self.add(b, o)
    }
    pub fn getreg(&mut self, r: Reg) -> Value {
        self.push(Op::GetReg, reg_ty(r), &[], r.0 as u64, 0)
    }
    pub fn setreg(&mut self, r: Reg, v: Value) {
        self.push(Op::SetReg, Ty::Void, &[v], r.0 as u64, 0);
    }

    // ---- integer ----
    fn bin(&mut self, op: Op, a: Value, b: Value) -> Value {
        let t = self.ty(a);
        self.push(op, t, &[a, b], 0, 0)
    }
    fn un(&mut self, op: Op, a: Value) -> Value {
        let t = self.ty(a);
        self.push(op, t, &[a], 0, 0)
    }
    pub fn add(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Add, a, b)
    }
    pub fn sub(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Sub, a, b)
    }
    pub fn mul(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Mul, a, b)
    }
    pub fn umulh(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::UMulH, a, b)
    }
    pub fn smulh(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::SMulH, a, b)
    }
    pub fn udiv(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::UDiv, a, b)
    }
    pub fn sdiv(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::SDiv, a, b)
    }
    pub fn and(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::And, a, b)
    }
    pub fn or(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Or, a, b)
    }
    pub fn xor(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Xor, a, b)
    }
    pub fn shl(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::Shl, a, b)
    }
    pub fn lshr(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::LShr, a, b)
    }
    pub fn ashr(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::AShr, a, b)
    }
    pub fn rotr(&mut self, a: Value, b: Value) -> Value {
        self.bin(Op::RotR, a, b)
    }
    pub fn not(&mut self, a: Value) -> Value {
        self.un(Op::Not, a)
    }
    pub fn neg(&mut self, a: Value) -> Value {
        self.un(Op::Neg, a)
    }
    pub fn clz(&mut self, a: Value) -> Value {
        self.un(Op::Clz, a)
    }
    pub fn cls(&mut self, a: Value) -> Value {
        self.un(Op::Cls, a)
    }
    pub fn ctpop(&mut self, a: Value) -> Value {
        self.un(Op::Ctpop, a)
    }
    pub fn rbit(&mut self, a: Value) -> Value {
        self.un(Op::Rbit, a)
    }
    pub fn bswap(&mut self, a: Value) -> Value {
        self.un(Op::Bswap, a)
    }
    /// Shift/rotate by a constant amount.
    pub fn shl_i(&mut self, a: Value, n: u32) -> Value {
        let t = self.ty(a);
        let c = self.iconst(t, n as u128);
        self.shl(a, c)
    }
    pub fn lshr_i(&mut self, a: Value, n: u32) -> Value {
        let t = self.ty(a);
        let c = self.iconst(t, n as u128);
        self.lshr(a, c)
    }
    pub fn ashr_i(&mut self, a: Value, n: u32) -> Value {
        let t = self.ty(a);
        let c = self.iconst(t, n as u128);
        self.ashr(a, c)
    }
    pub fn and_i(&mut self, a: Value, m: u128) -> Value {
        let t = self.ty(a);
        let c = self.iconst(t, m);
        self.and(a, c)
    }
    pub fn add_i(&mut self, a: Value, n: u128) -> Value {
        let t = self.ty(a);
        let c = self.iconst(t, n);
        self.add(a, c)
    }
    pub fn icmp(&mut self, c: Cond, a: Value, b: Value) -> Value {
        self.push(Op::ICmp, Ty::I1, &[a, b], c as u64, 0)
    }
    pub fn icmp_i(&mut self, c: Cond, a: Value, n: u128) -> Value {
        let t = self.ty(a);
        let k = self.iconst(t, n);
        self.icmp(c, a, k)
    }
    pub fn select(&mut self, c: Value, a: Value, b: Value) -> Value {
        let t = self.ty(a);
        self.push(Op::Select, t, &[c, a, b], 0, 0)
    }
    /// Zero-extend, or return `a` unchanged if it already has type `ty`.
    pub fn zext(&mut self, a: Value, ty: Ty) -> Value {
        if self.ty(a) == ty {
            return a;
        }
        self.push(Op::Zext, ty, &[a], 0, 0)
    }
    pub fn sext(&mut self, a: Value, ty: Ty) -> Value {
        if self.ty(a) == ty {
            return a;
        }
        self.push(Op::Sext, ty, &[a], 0, 0)
    }
    pub fn trunc(&mut self, a: Value, ty: Ty) -> Value {
        if self.ty(a) == ty {
            return a;
        }
        self.push(Op::Trunc, ty, &[a], 0, 0)
    }
    /// Zero-extend or truncate to `ty`.
    pub fn resize(&mut self, a: Value, ty: Ty) -> Value {
        let from = self.ty(a).bits();
        if from < ty.bits() {
            self.zext(a, ty)
        } else {
            self.trunc(a, ty)
        }
    }
    pub fn bitcast(&mut self, a: Value, ty: Ty) -> Value {
        if self.ty(a) == ty {
            return a;
        }
        self.push(Op::Bitcast, ty, &[a], 0, 0)
    }
    pub fn extract(&mut self, v: Value, esize: u32, idx: u32) -> Value {
        self.push(Op::Extract, Ty::int(esize), &[v], esize as u64, idx as u64)
    }
    /// A lane-wise vector op (`Rule::Lanes`) on I128 operands with `esize`-bit lanes.
    pub fn vlanes(&mut self, op: Op, esize: u32, args: &[Value], imm2: u64) -> Value {
        self.push(op, Ty::I128, args, esize as u64, imm2)
    }
    /// Lane compare: all-ones lanes where `c` holds.
    pub fn vicmp(&mut self, c: Cond, esize: u32, x: Value, y: Value) -> Value {
        self.push(Op::VICmp, Ty::I128, &[x, y], esize as u64, c as u64)
    }
    pub fn insert(&mut self, v: Value, x: Value, esize: u32, idx: u32) -> Value {
        self.push(Op::Insert, Ty::I128, &[v, x], esize as u64, idx as u64)
    }

    // ---- floating point ----
    pub fn fbin(&mut self, op: Op, a: Value, b: Value) -> Value {
        let t = self.ty(a);
        self.push(op, t, &[a, b], 0, 0)
    }
    pub fn fun(&mut self, op: Op, a: Value) -> Value {
        let t = self.ty(a);
        self.push(op, t, &[a], 0, 0)
    }
    pub fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        let t = self.ty(a);
        self.push(Op::FMa, t, &[a, b, c], 0, 0)
    }
    pub fn fround(&mut self, a: Value, m: RoundMode) -> Value {
        let t = self.ty(a);
        self.push(Op::FRound, t, &[a], m as u64, 0)
    }
    pub fn fcmp(&mut self, c: FCond, a: Value, b: Value) -> Value {
        self.push(Op::FCmp, Ty::I1, &[a, b], c as u64, 0)
    }
    pub fn convert(&mut self, op: Op, a: Value, ty: Ty) -> Value {
        self.push(op, ty, &[a], 0, 0)
    }

    // ---- memory ----
    pub fn load(&mut self, ty: Ty, addr: Value, ord: Ordering) -> Value {
        self.push(Op::Load, ty, &[addr], ord as u64, 0)
    }
    pub fn store(&mut self, addr: Value, v: Value, ord: Ordering) {
        self.push(Op::Store, Ty::Void, &[addr, v], ord as u64, 0);
    }
    /// Mark the start of the guest instruction at `off` (see `Op::Insn`).
    pub fn insn_mark(&mut self, off: u64) {
        self.push(Op::Insn, Ty::Void, &[], off, 0);
    }
    pub fn fence(&mut self, k: FenceKind) {
        self.push(Op::Fence, Ty::Void, &[], k as u64, 0);
    }
    pub fn atomic_rmw(&mut self, op: RmwOp, addr: Value, v: Value, ord: Ordering) -> Value {
        let t = self.ty(v);
        self.push(Op::AtomicRmw, t, &[addr, v], op as u64, ord as u64)
    }
    pub fn cmpxchg(&mut self, addr: Value, expected: Value, new: Value, ord: Ordering) -> Value {
        let t = self.ty(expected);
        self.push(Op::CmpXchg, t, &[addr, expected, new], ord as u64, 0)
    }
    pub fn excl_ver(&mut self, addr: Value) -> Value {
        self.push(Op::ExclVer, Ty::I64, &[addr], 0, 0)
    }
    pub fn excl_claim(&mut self, addr: Value, ver: Value) -> Value {
        self.push(Op::ExclClaim, Ty::I1, &[addr, ver], 0, 0)
    }
    /// Insert, at the start of every block, a trace helper call with the PC of the block
    /// (debugging: compare the trace with qemu's `-d cpu` log).
    pub fn instrument_trace(f: &mut Function) {
        Self::at_block_starts(f, |b, pc| {
            b.setreg(Reg::PC, pc);
            b.helper(Helper::Trace, &[], 0);
        });
    }

    /// `--instrument`: insert, at the start of every block, a call that counts one execution of
    /// the block (by its guest address). The call touches no guest state, so the registers stay
    /// in SSA values around it.
    pub fn instrument_count(f: &mut Function) {
        Self::at_block_starts(f, |b, pc| {
            b.helper(Helper::Count, &[pc], 0);
        });
    }

    /// Run `emit` at the start of every block of `f`, before the block's own instructions, with
    /// the block's guest PC as a value.
    fn at_block_starts(f: &mut Function, mut emit: impl FnMut(&mut Builder, Value)) {
        for k in 0..f.blocks.len() {
            let off = f.blocks[k].off;
            let mut b = Builder {
                func: std::mem::take(f),
                cur: None,
            };
            let saved = std::mem::take(&mut b.func.blocks[k].insts);
            b.cur = Some(BlockId(k as u32));
            let pc = b.pc_rel(off);
            emit(&mut b, pc);
            b.func.blocks[k].insts.extend(saved);
            *f = b.func;
        }
    }

    /// A Cryptographic Extension step on I128 operands (`CryptoOp::nargs` of them).
    pub fn crypto(&mut self, c: CryptoOp, args: &[Value]) -> Value {
        self.push(Op::Crypto, Ty::I128, args, c as u64, 0)
    }
    pub fn helper(&mut self, h: Helper, args: &[Value], imm2: u64) -> Value {
        let ty = if h.returns() { Ty::I64 } else { Ty::Void };
        self.push(Op::Helper, ty, args, h as u64, imm2)
    }
}
