//! Reference interpreter for the IR. Tests use it as an oracle for lifted code: it defines the
//! meaning of every op (Arm-style division, shifts modulo the width, clz(0) = width ...), and the
//! backends must agree with it.

use super::*;
use crate::cpu::{read_slot, write_slot, CpuState, Reg};

/// Guest memory as the interpreter sees it.
pub trait Memory {
    /// Read `size` bytes (1..=16) little-endian.
    fn read(&mut self, addr: u64, size: usize) -> Result<u128, u64>;
    fn write(&mut self, addr: u64, size: usize, v: u128) -> Result<(), u64>;
}

/// A sparse byte-addressed memory for tests.
#[derive(Default, Clone, Debug)]
pub struct FlatMemory {
    pub bytes: std::collections::BTreeMap<u64, u8>,
    /// When set, reads of never-written bytes fail (fault) instead of returning 0.
    pub strict: bool,
}

impl Memory for FlatMemory {
    fn read(&mut self, addr: u64, size: usize) -> Result<u128, u64> {
        let mut v = 0u128;
        for k in 0..size {
            let a = addr.wrapping_add(k as u64);
            let b = match self.bytes.get(&a) {
                Some(b) => *b,
                None if self.strict => return Err(a),
                None => 0,
            };
            v |= (b as u128) << (8 * k);
        }
        Ok(v)
    }
    fn write(&mut self, addr: u64, size: usize, v: u128) -> Result<(), u64> {
        for k in 0..size {
            self.bytes
                .insert(addr.wrapping_add(k as u64), (v >> (8 * k)) as u8);
        }
        Ok(())
    }
}

/// How execution left the function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// A direct call: target address and the guest return address.
    Call {
        target: u64,
        ret: u64,
    },
    CallInd {
        target: u64,
        ret: u64,
    },
    Ret {
        target: u64,
    },
    Tail {
        target: u64,
    },
    JumpInd {
        target: u64,
    },
    Trap {
        kind: TrapKind,
        pc: u64,
    },
    /// A helper was reached; the interpreter stops there with the state written back.
    /// `resume` continues after it.
    Helper {
        helper: Helper,
        imm: u64,
        args: Vec<u64>,
        resume: Resume,
    },
    /// A memory access faulted at this address.
    Fault {
        addr: u64,
    },
    /// The step budget ran out (an infinite loop in a test).
    OutOfSteps,
}

/// Where to continue after a helper: block and instruction index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub block: BlockId,
    pub index: usize,
    pub result: Value,
}

pub struct Interp<'a> {
    pub f: &'a Function,
    vals: Vec<u128>,
    pub steps: u64,
}

fn sext(v: u128, bits: u32) -> i128 {
    if bits >= 128 {
        return v as i128;
    }
    let s = 128 - bits;
    ((v << s) as i128) >> s
}

/// Integer condition `c` of `x` and `y` (`sx`, `sy`: the same values sign-extended from their
/// width), for `icmp` and each lane of `vicmp`.
fn compare(c: Cond, x: u128, y: u128, sx: i128, sy: i128) -> bool {
    match c {
        Cond::Eq => x == y,
        Cond::Ne => x != y,
        Cond::Ult => x < y,
        Cond::Ule => x <= y,
        Cond::Ugt => x > y,
        Cond::Uge => x >= y,
        Cond::Slt => sx < sy,
        Cond::Sle => sx <= sy,
        Cond::Sgt => sx > sy,
        Cond::Sge => sx >= sy,
    }
}

/// Meaning of the lane-wise vector ops (`Rule::Lanes`): `imm`-bit lanes of I128 operands, lane i
/// of the result from lane i of each operand, wrapping to the lane width.
pub fn lanes(op: Op, esize: u32, imm2: u64, a: &[u128]) -> u128 {
    let e = esize;
    let m = Ty::int(e).mask();
    let mut r = 0u128;
    for k in 0..128 / e {
        let sh = k * e;
        let x = if op == Op::VDup { a[0] & m } else { (a[0] >> sh) & m };
        let y = a.get(1).map_or(0, |v| (v >> sh) & m);
        let (sx, sy) = (sext(x, e), sext(y, e));
        let v = match op {
            Op::VAdd => x.wrapping_add(y),
            Op::VDup => x,
            Op::VSub => x.wrapping_sub(y),
            Op::VMul => x.wrapping_mul(y),
            Op::VUMin => x.min(y),
            Op::VUMax => x.max(y),
            Op::VSMin => if sx <= sy { x } else { y },
            Op::VSMax => if sx >= sy { x } else { y },
            Op::VICmp => {
                let c = Cond::from_u64(imm2).expect("verified vicmp condition");
                if compare(c, x, y, sx, sy) { m } else { 0 }
            }
            Op::VShl => x << imm2,
            Op::VLShr => x >> imm2,
            Op::VAShr => (sx >> imm2) as u128,
            _ => panic!("{} is not a lane-wise vector op", op.text()),
        };
        r |= (v & m) << sh;
    }
    r
}

fn f_of(ty: Ty, v: u128) -> f64 {
    match ty {
        Ty::F32 => f32::from_bits(v as u32) as f64,
        _ => f64::from_bits(v as u64),
    }
}
fn bits_of(ty: Ty, x: f64) -> u128 {
    match ty {
        Ty::F32 => (x as f32).to_bits() as u128,
        _ => x.to_bits() as u128,
    }
}

/// `x` rounded to an integral value in `mode` (not `Current`) with exact steps only, so the
/// host's rounding mode does not matter (libm's rint/roundeven may follow it).
fn round_integral(x: f64, mode: RoundMode) -> f64 {
    if x.is_nan() || x.abs() >= (1u64 << 52) as f64 {
        return x;
    }
    let t = x.trunc();
    let frac = x - t;
    let away = t + 1f64.copysign(x);
    let up = match mode {
        RoundMode::NearestEven => frac.abs() > 0.5 || (frac.abs() == 0.5 && t % 2.0 != 0.0),
        RoundMode::NearestAway => frac.abs() >= 0.5,
        RoundMode::Ceil => frac > 0.0,
        RoundMode::Floor => frac < 0.0,
        RoundMode::Trunc | RoundMode::Current => false,
    };
    if up {
        away
    } else {
        t
    }
}

impl<'a> Interp<'a> {
    pub fn new(f: &'a Function) -> Self {
        Interp {
            f,
            vals: vec![0; f.insts.len()],
            steps: 0,
        }
    }

    fn reloc(&self, k: u64) -> u64 {
        self.f.relocs[k as usize].value()
    }

    /// Run from entry offset `entry_off` until control leaves the function.
    pub fn run(
        &mut self,
        st: &mut CpuState,
        mem: &mut dyn Memory,
        entry_off: u64,
        max_steps: u64,
    ) -> Exit {
        let b = match self.f.entries.iter().find(|(o, _)| *o == entry_off) {
            Some(&(_, b)) => b,
            None => {
                return Exit::Trap {
                    kind: TrapKind::NotCode,
                    pc: self.f.base().wrapping_add(entry_off),
                }
            }
        };
        self.run_from(st, mem, b, 0, max_steps)
    }

    /// Continue after a helper exit, with the helper's result.
    pub fn resume(
        &mut self,
        st: &mut CpuState,
        mem: &mut dyn Memory,
        r: Resume,
        result: u64,
        max_steps: u64,
    ) -> Exit {
        self.vals[r.result.0 as usize] = result as u128;
        self.run_from(st, mem, r.block, r.index + 1, max_steps)
    }

    fn run_from(
        &mut self,
        st: &mut CpuState,
        mem: &mut dyn Memory,
        mut b: BlockId,
        mut start: usize,
        max: u64,
    ) -> Exit {
        let f = self.f;
        loop {
            let blk = &f.blocks[b.0 as usize];
            for idx in start..blk.insts.len() {
                self.steps += 1;
                if self.steps > max {
                    return Exit::OutOfSteps;
                }
                let v = blk.insts[idx];
                let i = f.inst(v);
                match self.exec(st, mem, i) {
                    Ok(Some(r)) => self.vals[v.0 as usize] = r & i.ty.mask(),
                    Ok(None) => {
                        let h = Helper::from_u64(i.imm).expect("verified helper");
                        let args = i
                            .args
                            .iter()
                            .map(|a| self.vals[a.0 as usize] as u64)
                            .collect();
                        return Exit::Helper {
                            helper: h,
                            imm: i.imm2,
                            args,
                            resume: Resume {
                                block: b,
                                index: idx,
                                result: v,
                            },
                        };
                    }
                    Err(addr) => return Exit::Fault { addr },
                }
            }
            start = 0;
            let val = |x: &Value| self.vals[x.0 as usize] as u64;
            let base = f.base();
            match &blk.term {
                Term::None => panic!("interpreting unterminated block"),
                Term::Br(t) => b = *t,
                Term::BrIf { cond, then_, else_ } => {
                    b = if val(cond) & 1 != 0 { *then_ } else { *else_ }
                }
                Term::Call {
                    target, ret_off, ..
                } => {
                    return Exit::Call {
                        target: self.reloc(*target as u64),
                        ret: base.wrapping_add(*ret_off),
                    }
                }
                Term::CallInd { addr, ret_off, .. } => {
                    return Exit::CallInd {
                        target: val(addr),
                        ret: base.wrapping_add(*ret_off),
                    }
                }
                Term::Ret { addr } => {
                    st.pc = val(addr);
                    return Exit::Ret { target: val(addr) };
                }
                Term::Tail { target, .. } => {
                    st.pc = self.reloc(*target as u64);
                    return Exit::Tail { target: st.pc };
                }
                Term::JumpInd { addr, targets } => {
                    // One of the recovered table's targets: on inside the function, as the
                    // backends' switch goes (the entry reads its registers from the state, as
                    // after an exit and a new entry through the dispatcher).
                    let off = val(addr).wrapping_sub(base);
                    match targets.binary_search(&off).ok().and_then(|_| f.entries.iter().find(|e| e.0 == off)) {
                        Some(&(_, e)) => b = e,
                        None => {
                            st.pc = val(addr);
                            return Exit::JumpInd { target: val(addr) };
                        }
                    }
                }
                Term::Trap { kind, off } => {
                    st.pc = base.wrapping_add(*off);
                    return Exit::Trap {
                        kind: *kind,
                        pc: st.pc,
                    };
                }
            }
        }
    }

    /// Execute one instruction. Ok(None) means "stop at this helper".
    fn exec(
        &mut self,
        st: &mut CpuState,
        mem: &mut dyn Memory,
        i: &Inst,
    ) -> Result<Option<u128>, u64> {
        // FP ops follow the guest's FPCR rounding mode and flush-to-zero, as translated code does
        // (the runtime mirrors FPCR into MXCSR): run them under the same MXCSR here.
        // The exception flags the host raises are FPSR's cumulative bits (the translated code's
        // FPSR reads collect them from MXCSR the same way).
        #[cfg(target_arch = "x86_64")]
        let r = if fp_env_op(i.op) {
            let saved = host_fp::enter(st.fpcr);
            let r = std::hint::black_box(self.exec_inner(st, mem, i));
            let flags = host_fp::leave(saved);
            // fround and the float -> integer conversions raise nothing themselves: the lifter
            // raises their Arm exceptions explicitly (FRINTX, FCVT*), on operands sanitized so
            // that the LLVM backend's host instructions raise nothing either.
            if !matches!(i.op, Op::FRound | Op::FPToSISat | Op::FPToUISat) {
                let mut f = crate::cpu::fpsr_flags_from_mxcsr(flags);
                if st.fpcr as u64 & fpnan::FPCR_FZ != 0 {
                    f = self.fz_flags(i, f);
                }
                st.fpsr |= f;
            }
            r
        } else {
            self.exec_inner(st, mem, i)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let r = self.exec_inner(st, mem, i);
        // A signalling NaN operand raises Invalid Operation (IOC) even where the result was
        // picked without host arithmetic (ir::fpnan::process_nans).
        if fpnan::obeys_dn(i.op) {
            for &a in &i.args {
                let t = self.f.inst(a).ty;
                if matches!(t, Ty::F32 | Ty::F64) && fpnan::is_snan(t, self.vals[a.0 as usize]) {
                    st.fpsr |= 1;
                }
            }
        }
        // Arm detects tininess before rounding (ir::fptiny): UFC, and a zero under FZ, where
        // the host's result is an inexact +-smallest normal.
        if let (Some(op), Ok(Some(v))) = (super::fptiny::TinyOp::of(i.op), r) {
            let args: Vec<u128> = i.args.iter().map(|x| self.vals[x.0 as usize]).collect();
            if let Some(n) = super::fptiny::arm_tiny(op, i.ty, st.fpcr as u64, &args, v) {
                st.fpsr |= super::fptiny::FPSR_UFC as u32;
                return Ok(Some(n));
            }
        }
        // Default-NaN mode (FPCR.DN) replaces any NaN result of a NaN-processing op.
        if fpnan::obeys_dn(i.op) {
            if let Ok(Some(v)) = r {
                return Ok(Some(fpnan::with_dn(i.ty, st.fpcr as u64, v)));
            }
        }
        r
    }

    /// Under FPCR.FZ the interpreter runs under MXCSR.DAZ (`host_fp`), translated code under the
    /// runtime's traps (runtime fault::fztrap); this gives the FPSR flags those give for op `i`
    /// whose host flags are `f`: IDC for a denormal operand of an op whose host instruction
    /// checks its operands (the others state IDC in the IR: ir::fpexc), and UFC without IXC for
    /// a result flushed to zero (Arm's FPRoundBase; x86's FTZ raises Underflow and Precision).
    fn fz_flags(&self, i: &Inst, mut f: u32) -> u32 {
        if f & 0x8 != 0 {
            f &= !0x10;
        }
        if matches!(i.op, Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FMa | Op::FSqrt | Op::FCmp | Op::FCvt) {
            for &a in &i.args {
                let t = self.f.inst(a).ty;
                let x = self.vals[a.0 as usize];
                if matches!(t, Ty::F32 | Ty::F64) && fpnan::flush_denormal(t, fpnan::FPCR_FZ, x) != x {
                    f |= super::fpexc::FPSR_IDC as u32;
                }
            }
        }
        f
    }

    fn exec_inner(
        &mut self,
        st: &mut CpuState,
        mem: &mut dyn Memory,
        i: &Inst,
    ) -> Result<Option<u128>, u64> {
        let a = |k: usize| self.vals[i.args[k].0 as usize];
        let aty = |k: usize| self.f.inst(i.args[k]).ty;
        let t = i.ty;
        let w = t.bits();
        let m = t.mask();
        let r: u128 = match i.op {
            Op::Const => (i.imm as u128) | ((i.imm2 as u128) << 64),
            Op::Reloc => self.reloc(i.imm) as u128,
            Op::GetReg => read_slot(st, Reg(i.imm as u8)),
            Op::SetReg => {
                write_slot(st, Reg(i.imm as u8), a(0));
                0
            }
            Op::Add => a(0).wrapping_add(a(1)),
            Op::Sub => a(0).wrapping_sub(a(1)),
            Op::Mul => a(0).wrapping_mul(a(1)),
            Op::UMulH => {
                assert!(w <= 64, "umulh wider than 64 bits");
                (a(0) * a(1)) >> w
            }
            Op::SMulH => {
                assert!(w <= 64);
                ((sext(a(0), w) * sext(a(1), w)) >> w) as u128
            }
            Op::UDiv => {
                if a(1) == 0 {
                    0
                } else {
                    a(0) / a(1)
                }
            }
            Op::SDiv => {
                let (x, y) = (sext(a(0), w), sext(a(1), w));
                if y == 0 {
                    0
                } else if y == -1 {
                    x.wrapping_neg() as u128
                } else {
                    (x / y) as u128
                }
            }
            Op::And => a(0) & a(1),
            Op::Or => a(0) | a(1),
            Op::Xor => a(0) ^ a(1),
            Op::Shl => a(0) << (a(1) % w as u128),
            Op::LShr => a(0) >> (a(1) % w as u128),
            Op::AShr => (sext(a(0), w) >> (a(1) % w as u128)) as u128,
            Op::RotR => {
                let s = (a(1) % w as u128) as u32;
                if s == 0 {
                    a(0)
                } else {
                    (a(0) >> s) | (a(0) << (w - s))
                }
            }
            Op::Not => !a(0),
            Op::Neg => a(0).wrapping_neg(),
            Op::Clz => (a(0).leading_zeros() - (128 - w)) as u128,
            Op::Cls => {
                let x = a(0);
                let sign = (x >> (w - 1)) & 1;
                let y = if sign == 1 { !x & m } else { x };
                (y.leading_zeros() - (128 - w)) as u128 - 1
            }
            Op::Ctpop => a(0).count_ones() as u128,
            Op::Rbit => a(0).reverse_bits() >> (128 - w),
            Op::Bswap => a(0).swap_bytes() >> (128 - w),
            Op::ICmp => {
                let wa = aty(0).bits();
                let (x, y) = (a(0), a(1));
                let (sx, sy) = (sext(x, wa), sext(y, wa));
                compare(Cond::from_u64(i.imm).unwrap(), x, y, sx, sy) as u128
            }
            Op::Select => {
                if a(0) & 1 != 0 {
                    a(1)
                } else {
                    a(2)
                }
            }
            Op::Zext | Op::Trunc | Op::Bitcast => a(0),
            Op::Sext => sext(a(0), aty(0).bits()) as u128,
            Op::Extract => (a(0) >> (i.imm * i.imm2)) & Ty::int(i.imm as u32).mask(),
            Op::Insert => {
                let e = Ty::int(i.imm as u32).mask() << (i.imm * i.imm2);
                (a(0) & !e) | ((a(1) << (i.imm * i.imm2)) & e)
            }
            Op::FAdd
            | Op::FSub
            | Op::FMul
            | Op::FDiv
            | Op::FMin
            | Op::FMax
            | Op::FMinNm
            | Op::FMaxNm => {
                let (mut x, mut y) = (a(0), a(1));
                if matches!(i.op, Op::FMin | Op::FMax | Op::FMinNm | Op::FMaxNm) {
                    x = fpnan::flush_denormal(t, st.fpcr as u64, x);
                    y = fpnan::flush_denormal(t, st.fpcr as u64, y);
                }
                self.fbin(i.op, t, x, y)
            }
            Op::FMa => {
                let r = if t == Ty::F32 {
                    let (x, y, z) = (
                        f32::from_bits(a(0) as u32),
                        f32::from_bits(a(1) as u32),
                        f32::from_bits(a(2) as u32),
                    );
                    x.mul_add(y, z).to_bits() as u128
                } else {
                    let (x, y, z) = (
                        f64::from_bits(a(0) as u64),
                        f64::from_bits(a(1) as u64),
                        f64::from_bits(a(2) as u64),
                    );
                    x.mul_add(y, z).to_bits() as u128
                };
                fpnan::fma_result(t, a(0), a(1), a(2), r)
            }
            Op::FSqrt => {
                let r = if t == Ty::F32 {
                    f32::from_bits(a(0) as u32).sqrt().to_bits() as u128
                } else {
                    f64::from_bits(a(0) as u64).sqrt().to_bits() as u128
                };
                fpnan::arm_result(t, &[a(0)], r)
            }
            Op::FNeg => a(0) ^ (1u128 << (w - 1)),
            Op::FAbs => a(0) & !(1u128 << (w - 1)),
            Op::FRound => {
                let x = f_of(t, a(0));
                let mode = match RoundMode::from_u64(i.imm).unwrap() {
                    RoundMode::Current => match (st.fpcr >> 22) & 3 {
                        0 => RoundMode::NearestEven,
                        1 => RoundMode::Ceil,
                        2 => RoundMode::Floor,
                        _ => RoundMode::Trunc,
                    },
                    m => m,
                };
                fpnan::arm_result(t, &[a(0)], bits_of(t, round_integral(x, mode)))
            }
            Op::FCmp => {
                let (x, y) = (f_of(aty(0), a(0)), f_of(aty(0), a(1)));
                (match FCond::from_u64(i.imm).unwrap() {
                    FCond::Oeq => x == y,
                    FCond::Olt => x < y,
                    FCond::Ole => x <= y,
                    FCond::Ogt => x > y,
                    FCond::Oge => x >= y,
                    FCond::Uno => x.is_nan() || y.is_nan(),
                }) as u128
            }
            Op::FCvt => {
                if t == Ty::F64 {
                    (f32::from_bits(a(0) as u32) as f64).to_bits() as u128
                } else {
                    (f64::from_bits(a(0) as u64) as f32).to_bits() as u128
                }
            }
            // Through 64-bit integers: 128-bit conversions are software (compiler-rt) and would
            // ignore the rounding mode in MXCSR; CVTSI2SD and the u64 sequence follow it.
            Op::SIToFP => {
                let x = sext(a(0), aty(0).bits()) as i64;
                if t == Ty::F32 {
                    (x as f32).to_bits() as u128
                } else {
                    (x as f64).to_bits() as u128
                }
            }
            Op::UIToFP => {
                // Rust's u64 conversion subtracts a magic number (-0.0 for 0 when rounding
                // down); halve with a sticky bit instead, as the LLVM backend does.
                let x = a(0) as u64;
                let (v, twice) = if x >> 63 != 0 { (((x >> 1) | (x & 1)) as i64, true) } else { (x as i64, false) };
                if t == Ty::F32 {
                    let f = v as f32;
                    (if twice { f + f } else { f }).to_bits() as u128
                } else {
                    let f = v as f64;
                    (if twice { f + f } else { f }).to_bits() as u128
                }
            }
            Op::FPToSISat | Op::FPToUISat => {
                let x = f_of(aty(0), a(0));
                let signed = i.op == Op::FPToSISat;
                match (w, signed) {
                    (8, true) => (x as i8) as u128,
                    (16, true) => (x as i16) as u128,
                    (32, true) => (x as i32) as u128,
                    (64, true) => (x as i64) as u128,
                    (8, false) => (x as u8) as u128,
                    (16, false) => (x as u16) as u128,
                    (32, false) => (x as u32) as u128,
                    (64, false) => (x as u64) as u128,
                    _ => (x as i128) as u128,
                }
            }
            Op::Load => mem.read(a(0) as u64, (w / 8) as usize)?,
            Op::Store => {
                mem.write(a(0) as u64, (aty(1).bits() / 8) as usize, a(1))?;
                0
            }
            Op::Fence | Op::Insn => 0,
            // The interpreter has no asynchronous signals.
            Op::SafePoint => 0,
            Op::AtomicRmw => {
                let size = (w / 8) as usize;
                let old = mem.read(a(0) as u64, size)?;
                let v = a(1);
                let (so, sv) = (sext(old, w), sext(v, w));
                let new = match RmwOp::from_u64(i.imm).unwrap() {
                    RmwOp::Add => old.wrapping_add(v),
                    RmwOp::Clr => old & !v,
                    RmwOp::Eor => old ^ v,
                    RmwOp::Set => old | v,
                    RmwOp::SMax => (so.max(sv)) as u128,
                    RmwOp::SMin => (so.min(sv)) as u128,
                    RmwOp::UMax => old.max(v),
                    RmwOp::UMin => old.min(v),
                    RmwOp::Swp => v,
                };
                mem.write(a(0) as u64, size, new & m)?;
                old
            }
            Op::CmpXchg => {
                let size = (w / 8) as usize;
                let old = mem.read(a(0) as u64, size)?;
                if old == a(1) {
                    mem.write(a(0) as u64, size, a(2))?;
                }
                old
            }
            Op::VAdd | Op::VSub | Op::VMul | Op::VUMin | Op::VUMax | Op::VSMin | Op::VSMax | Op::VICmp
            | Op::VDup | Op::VShl | Op::VLShr | Op::VAShr => {
                let args: Vec<u128> = i.args.iter().map(|x| self.vals[x.0 as usize]).collect();
                lanes(i.op, i.imm as u32, i.imm2, &args)
            }
            Op::Crypto => {
                let args: Vec<u128> = i.args.iter().map(|x| self.vals[x.0 as usize]).collect();
                crypto::eval(CryptoOp::from_u64(i.imm).expect("verified crypto op"), &args)
            }
            Op::ExclVer => crate::excl::aot_excl_table.version(a(0) as u64) as u128,
            Op::ExclClaim => crate::excl::aot_excl_table.claim(a(0) as u64, a(1) as u64) as u128,
            Op::Helper => return Ok(None),
        };
        Ok(Some(r))
    }

    fn fbin(&self, op: Op, t: Ty, x: u128, y: u128) -> u128 {
        if matches!(op, Op::FMinNm | Op::FMaxNm) {
            if let Some(r) = fpnan::minmax_nm_operands(t, x, y) {
                return r;
            }
        }
        if let Some(n) = fpnan::process_nans(t, &[x, y]) {
            return n;
        }
        let r = self.fbin_numbers(op, t, x, y);
        fpnan::arm_result(t, &[x, y], r)
    }

    /// `fbin` when neither operand is a NaN.
    fn fbin_numbers(&self, op: Op, t: Ty, x: u128, y: u128) -> u128 {
        macro_rules! go {
            ($f:ty, $bits:ty) => {{
                let a = <$f>::from_bits(x as $bits);
                let b = <$f>::from_bits(y as $bits);
                let r: $f = match op {
                    Op::FAdd => a + b,
                    Op::FSub => a - b,
                    Op::FMul => a * b,
                    Op::FDiv => a / b,
                    Op::FMin | Op::FMax | Op::FMinNm | Op::FMaxNm => {
                        let min = matches!(op, Op::FMin | Op::FMinNm);
                        if a == b {
                            // Signed zeros: min(-0, +0) = -0, max(-0, +0) = +0.
                            let neg = a.is_sign_negative() || b.is_sign_negative();
                            let pos = a.is_sign_positive() || b.is_sign_positive();
                            if min && neg {
                                -(a.abs())
                            } else if !min && pos {
                                a.abs()
                            } else {
                                a
                            }
                        } else if min {
                            a.min(b)
                        } else {
                            a.max(b)
                        }
                    }
                    _ => unreachable!(),
                };
                r.to_bits() as u128
            }};
        }
        if t == Ty::F32 {
            go!(f32, u32)
        } else {
            go!(f64, u64)
        }
    }
}

/// Ops whose result depends on the rounding mode or on flushing denormals: the NaN-processing
/// ops (fpnan::obeys_dn), compares and conversions between integers and floats.
fn fp_env_op(op: Op) -> bool {
    fpnan::obeys_dn(op) || matches!(op, Op::FCmp | Op::SIToFP | Op::UIToFP | Op::FPToSISat | Op::FPToUISat)
}

#[cfg(target_arch = "x86_64")]
mod host_fp {
    /// Load the MXCSR for `fpcr`; returns the previous MXCSR. The op runs between `enter` and
    /// `leave` on values that come through memory after the asm (which clobbers memory) and its
    /// result goes through `black_box` before `leave`, so the compiler cannot move it outside.
    pub fn enter(fpcr: u32) -> u32 {
        let old = crate::cpu::host_mxcsr();
        crate::cpu::set_host_mxcsr(crate::cpu::mxcsr_for_fpcr(old, fpcr as u64) & !crate::cpu::MXCSR_FLAGS);
        old
    }
    /// Restore the MXCSR `enter` returned; returns the exception flags raised in between.
    pub fn leave(old: u32) -> u32 {
        let now = crate::cpu::host_mxcsr();
        crate::cpu::set_host_mxcsr(old);
        now & crate::cpu::MXCSR_FLAGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{verify, Builder};

    /// Run a one-block function that writes `build`'s I128 result to V0; V1 and V2 hold `x`, `y`.
    fn run_v0(x: u128, y: u128, build: impl FnOnce(&mut Builder, Value, Value) -> Value) -> u128 {
        let mut b = Builder::new("t", 0x1000);
        let b0 = b.new_block(0);
        b.add_entry(0, b0);
        b.switch_to(b0);
        let vx = b.getreg(Reg::vreg(1));
        let vy = b.getreg(Reg::vreg(2));
        let r = build(&mut b, vx, vy);
        b.setreg(Reg::vreg(0), r);
        let z = b.c64(0);
        b.terminate(Term::Ret { addr: z });
        let f = b.finish();
        verify::verify(&f).expect("test function verifies");
        let mut st = CpuState::default();
        st.v[1] = x;
        st.v[2] = y;
        let mut mem = FlatMemory::default();
        let exit = Interp::new(&f).run(&mut st, &mut mem, 0, 10_000);
        assert!(matches!(exit, Exit::Ret { .. }), "{exit:?}");
        st.v[0]
    }

    /// The lane loop of scalar IR ops that a lane-wise op stands for (what the lifter emitted
    /// before the vector ops): extract each lane, the scalar op (`icmp` + `sext` for a compare),
    /// insert into zero.
    fn lane_loop(b: &mut Builder, op: Op, e: u32, imm2: u64, x: Value, y: Value) -> Value {
        let ty = Ty::int(e);
        let mut acc = b.iconst(Ty::I128, 0);
        for k in 0..128 / e {
            let a = b.extract(x, e, k);
            let c = b.extract(y, e, k);
            let r = match op {
                Op::VAdd => b.add(a, c),
                Op::VSub => b.sub(a, c),
                Op::VMul => b.mul(a, c),
                Op::VUMin | Op::VUMax | Op::VSMin | Op::VSMax => {
                    let cond = match op {
                        Op::VUMin => Cond::Ult,
                        Op::VUMax => Cond::Ugt,
                        Op::VSMin => Cond::Slt,
                        _ => Cond::Sgt,
                    };
                    let t = b.icmp(cond, a, c);
                    b.select(t, a, c)
                }
                Op::VICmp => {
                    let t = b.icmp(Cond::from_u64(imm2).unwrap(), a, c);
                    b.sext(t, ty)
                }
                Op::VShl => b.shl_i(a, imm2 as u32),
                Op::VLShr => b.lshr_i(a, imm2 as u32),
                Op::VAShr => b.ashr_i(a, imm2 as u32),
                _ => unreachable!(),
            };
            acc = b.insert(acc, r, e, k);
        }
        acc
    }

    /// Operands whose lanes carry into their neighbours if an op forgot the lane boundary
    /// (all-ones + 1, MIN - 1, MAX + 1), plus mixed signs.
    fn operands(e: u32) -> Vec<(u128, u128)> {
        let rep = |lane: u128| (0..128 / e).fold(0u128, |a, k| a | (lane & Ty::int(e).mask()) << (k * e));
        let top = 1u128 << (e - 1);
        vec![
            (u128::MAX, rep(1)),
            (rep(top), rep(1)),
            (rep(top - 1), rep(1)),
            (0, rep(1)),
            (rep(top), rep(top - 1)),
            (0x0123_4567_89ab_cdef_fedc_ba98_7654_3210, 0xffee_ddcc_bbaa_9988_0011_2233_4455_6677),
            (0x8000_0001_7fff_ffff_0000_ffff_ff00_00ff, 0x8000_0001_8000_0000_ffff_0000_0100_ff01),
        ]
    }

    #[test]
    fn lane_ops_equal_their_scalar_lane_loops_for_every_element_size() {
        let ops = [
            (Op::VAdd, vec![0]),
            (Op::VSub, vec![0]),
            (Op::VMul, vec![0]),
            (Op::VUMin, vec![0]),
            (Op::VUMax, vec![0]),
            (Op::VSMin, vec![0]),
            (Op::VSMax, vec![0]),
            (Op::VICmp, Cond::ALL.iter().map(|&c| c as u64).collect()),
            (Op::VShl, vec![0, 1, 7]),
            (Op::VLShr, vec![0, 1, 7]),
            (Op::VAShr, vec![0, 1, 7]),
        ];
        for e in [8, 16, 32, 64] {
            for (op, imm2s) in &ops {
                for &imm2 in imm2s {
                    for (x, y) in operands(e) {
                        let args: &[u128] = if op.nargs() == 1 { &[x] } else { &[x, y] };
                        let got = run_v0(x, y, |b, vx, vy| {
                            let a: &[Value] = if op.nargs() == 1 { &[vx] } else { &[vx, vy] };
                            b.vlanes(*op, e, a, imm2)
                        });
                        let want = run_v0(x, y, |b, vx, vy| lane_loop(b, *op, e, imm2, vx, vy));
                        assert_eq!(got, want, "{} e{e} imm2 {imm2} on {x:#x}, {y:#x}", op.text());
                        assert_eq!(got, lanes(*op, e, imm2, args));
                    }
                }
            }
        }
    }

    #[test]
    fn lane_add_does_not_carry_across_lanes() {
        // All-ones lanes plus one: every lane wraps to zero on its own (a 128-bit add would give 0
        // too, so also check one lane's carry out: 0x..00ff + 1 must not touch the next lane).
        for e in [8, 16, 32, 64] {
            let ones = Ty::int(e).mask();
            let one_each = (0..128 / e).fold(0u128, |a, k| a | 1u128 << (k * e));
            assert_eq!(lanes(Op::VAdd, e, 0, &[u128::MAX, one_each]), 0, "e{e}");
            assert_eq!(lanes(Op::VAdd, e, 0, &[ones, 1]), 0, "e{e}: low lane carried out");
            assert_eq!(lanes(Op::VSub, e, 0, &[0, 1]), ones, "e{e}: low lane borrowed");
            assert_eq!(lanes(Op::VICmp, e, Cond::Eq as u64, &[ones, ones]), u128::MAX, "e{e}");
            assert_eq!(lanes(Op::VICmp, e, Cond::Sgt as u64, &[ones, 0]), 0, "e{e}: -1 > 0");
            assert_eq!(lanes(Op::VICmp, e, Cond::Ugt as u64, &[ones, 0]), ones, "e{e}");
            assert_eq!(lanes(Op::VAShr, e, e as u64 - 1, &[1u128 << (e - 1)]), ones, "e{e}");
            assert_eq!(lanes(Op::VShl, e, 1, &[ones]), ones - 1, "e{e}: shifted out of the lane");
        }
    }

    #[test]
    fn lane_dup_equals_inserting_the_scalar_into_every_lane() {
        for e in [8, 16, 32, 64] {
            for (x, _) in operands(e) {
                // The scalar is lane 1 of x (so that it is not simply x's low bits).
                let got = run_v0(x, 0, |b, vx, _| {
                    let s = b.extract(vx, e, 1);
                    b.vlanes(Op::VDup, e, &[s], 0)
                });
                let want = run_v0(x, 0, |b, vx, _| {
                    let s = b.extract(vx, e, 1);
                    let mut acc = b.iconst(Ty::I128, 0);
                    for k in 0..128 / e {
                        acc = b.insert(acc, s, e, k);
                    }
                    acc
                });
                assert_eq!(got, want, "vdup e{e} of lane 1 of {x:#x}");
            }
        }
    }

    #[test]
    fn verifier_rejects_malformed_lane_ops() {
        let bad = |esize: u32, op: Op, imm2: u64| {
            let mut b = Builder::new("t", 0x1000);
            let b0 = b.new_block(0);
            b.add_entry(0, b0);
            b.switch_to(b0);
            let v = b.getreg(Reg::vreg(1));
            let args = if op.nargs() == 1 { vec![v] } else { vec![v, v] };
            let r = b.vlanes(op, esize, &args, imm2);
            b.setreg(Reg::vreg(0), r);
            let z = b.c64(0);
            b.terminate(Term::Ret { addr: z });
            verify::verify(&b.finish()).is_err()
        };
        assert!(!bad(8, Op::VAdd, 0));
        assert!(bad(128, Op::VAdd, 0));
        assert!(bad(12, Op::VAdd, 0));
        assert!(bad(8, Op::VShl, 8));
        assert!(!bad(8, Op::VShl, 7));
        assert!(bad(16, Op::VICmp, 99));
        // vdup's operand is the lane's integer type, not a vector.
        assert!(bad(16, Op::VDup, 0));
    }
}
