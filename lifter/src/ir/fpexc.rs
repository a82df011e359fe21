//! Arm FP exceptions the host does not raise, stated in the IR.
//!
//! Input Denormal (FPSR.IDC): under FPCR.FZ Arm flushes a denormal operand of an arithmetic op,
//! compare, conversion or round-to-integral to zero and sets IDC. In the runtime, FZ code runs
//! with the host's Denormal exception unmasked and DAZ clear: a denormal operand traps, the
//! runtime reruns the instruction flushed and the Denormal flag becomes IDC (runtime
//! fault::fztrap; the interpreter states the same flags itself: interp `fz_flags`). That covers
//! every op whose host instruction checks its operands (add, sub, mul, div, fma, sqrt, compares,
//! float <-> double), at no cost in code. It does not cover:
//!
//! - `fround` (FRINT*, and FCVT* to integer or fixed point, which round first): ROUNDSD raises
//!   no Denormal exception, and without DAZ it rounds a denormal away from zero (ceil gives 1.0);
//! - FMIN/FMAX/FMINNM/FMAXNM: their operands are flushed before the host op (they return an
//!   operand's bits), so the host never sees the denormal.
//!
//! So every function gets, for those ops only, a test in the IR: `FPSR |= IDC` when FPCR.FZ is
//! set and an operand is a denormal, and `fround` gets its operand flushed (a zero of its sign).
//! The test is IR (getreg FPCR, integer compares, an `or` into FPSR), so the interpreter, the
//! LLVM backend and the JIT all run the same one.

use super::*;
use crate::cpu::Reg;

/// FPSR.IDC.
pub const FPSR_IDC: u64 = 0x80;

/// Ops whose float operands Arm unpacks (FPUnpack) but whose host instruction never sees or
/// never checks a denormal operand: they need the IDC test in the IR (module doc).
fn needs_ir_test(op: Op) -> bool {
    matches!(op, Op::FRound | Op::FMin | Op::FMax | Op::FMinNm | Op::FMaxNm)
}

/// Add the IDC test after every op of `needs_ir_test`, and flush the operand of every `fround`
/// under FZ. Returns whether it changed `f`.
pub fn add_input_denormal(f: &mut Function) -> bool {
    let mut changed = false;
    for bi in 0..f.blocks.len() {
        let old = std::mem::take(&mut f.blocks[bi].insts);
        let mut out = Vec::with_capacity(old.len());
        for v in old {
            let i = f.inst(v).clone();
            if !needs_ir_test(i.op) {
                out.push(v);
                continue;
            }
            let mut args: Vec<(Value, Ty)> = vec![];
            for &a in &i.args {
                let t = f.inst(a).ty;
                if t.is_float() && !args.iter().any(|&(x, _)| x == a) {
                    args.push((a, t));
                }
            }
            if args.is_empty() {
                out.push(v);
                continue;
            }
            changed = true;
            let mut push = |op: Op, ty: Ty, a: &[Value], imm: u64, imm2: u64| {
                let n = Value(f.insts.len() as u32);
                f.insts.push(Inst { op, ty, args: a.to_vec(), imm, imm2 });
                out.push(n);
                n
            };
            let fpcr = push(Op::GetReg, reg_ty(Reg::FPCR), &[], Reg::FPCR.0 as u64, 0);
            let fzm = push(Op::Const, Ty::I32, &[], fpnan::FPCR_FZ, 0);
            let fzb = push(Op::And, Ty::I32, &[fpcr, fzm], 0, 0);
            let zero32 = push(Op::Const, Ty::I32, &[], 0, 0);
            let fz = push(Op::ICmp, Ty::I1, &[fzb, zero32], Cond::Ne as u64, 0);
            let mut den: Option<Value> = None;
            let mut flushed = vec![];
            for &(a, ft) in &args {
                let it = Ty::int(ft.bits());
                let mant = if ft == Ty::F32 { 23 } else { 52 };
                let bits = push(Op::Bitcast, it, &[a], 0, 0);
                let absm = push(Op::Const, it, &[], (it.mask() >> 1) as u64, 0);
                let abs = push(Op::And, it, &[bits, absm], 0, 0);
                let one = push(Op::Const, it, &[], 1, 0);
                let m1 = push(Op::Sub, it, &[abs, one], 0, 0);
                let lim = push(Op::Const, it, &[], (1u64 << mant) - 1, 0);
                // 0 < |x| < min normal: |x| - 1 (wrapping) below min normal - 1.
                let d = push(Op::ICmp, Ty::I1, &[m1, lim], Cond::Ult as u64, 0);
                if i.op == Op::FRound {
                    // Under FZ the host rounds the zero of the denormal's sign.
                    let signm = push(Op::Const, it, &[], !(it.mask() >> 1) as u64 & it.mask() as u64, 0);
                    let sign = push(Op::And, it, &[bits, signm], 0, 0);
                    let z = push(Op::Bitcast, ft, &[sign], 0, 0);
                    let c = push(Op::And, Ty::I1, &[fz, d], 0, 0);
                    flushed.push((a, push(Op::Select, ft, &[c, z, a], 0, 0)));
                }
                den = Some(match den {
                    None => d,
                    Some(p) => push(Op::Or, Ty::I1, &[p, d], 0, 0),
                });
            }
            let c = push(Op::And, Ty::I1, &[fz, den.unwrap()], 0, 0);
            let fpsr = push(Op::GetReg, reg_ty(Reg::FPSR), &[], Reg::FPSR.0 as u64, 0);
            let idc = push(Op::Const, Ty::I32, &[], FPSR_IDC, 0);
            let m = push(Op::Select, Ty::I32, &[c, idc, zero32], 0, 0);
            let n = push(Op::Or, Ty::I32, &[fpsr, m], 0, 0);
            push(Op::SetReg, Ty::Void, &[n], Reg::FPSR.0 as u64, 0);
            for (a, fl) in flushed {
                for x in f.insts[v.0 as usize].args.iter_mut().filter(|x| **x == a) {
                    *x = fl;
                }
            }
            out.push(v);
        }
        f.blocks[bi].insts = out;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::CpuState;
    use crate::ir::interp::{Exit, FlatMemory, Interp};

    const FZ: u32 = 1 << 24;
    const MRS_X3_FPSR: u32 = 0xd53b4423;

    /// Run `insn` (then `mrs x3, fpsr` when `read`) on the interpreter from FPSR = 0 with the
    /// given FPCR and V1, V2; returns FPSR as the function has it when the read starts (or at
    /// the end of the snippet).
    fn fpsr_after(insn: u32, read: bool, fpcr: u32, v1: u64, v2: u64) -> u32 {
        let words: Vec<u32> = if read { vec![insn, MRS_X3_FPSR] } else { vec![insn] };
        let f = crate::isa::aarch64::lift_snippet(0x1000, &words);
        crate::ir::verify::verify(&f).unwrap();
        let mut st = CpuState::default();
        st.fpcr = fpcr;
        st.v[1] = v1 as u128;
        st.v[2] = v2 as u128;
        let e = Interp::new(&f).run(&mut st, &mut FlatMemory::default(), 0, 10_000);
        if read {
            assert!(matches!(e, Exit::Helper { helper: Helper::SyncFpsr, .. }), "{e:?}");
        } else {
            assert!(matches!(e, Exit::Trap { .. }), "{e:?}");
        }
        st.fpsr
    }

    const FMUL_D: u32 = 0x1e620820; // fmul d0, d1, d2
    const FMUL_S: u32 = 0x1e220820; // fmul s0, s1, s2
    const FCMP_D: u32 = 0x1e622020; // fcmp d1, d2
    const FSQRT_D: u32 = 0x1e61c020; // fsqrt d0, d1
    const FABS_D: u32 = 0x1e60c020; // fabs d0, d1 (no FPUnpack: never IDC)
    const FRINTN_D: u32 = 0x1e644020; // frintn d0, d1
    const FRINTP_D: u32 = 0x1e64c020; // frintp d0, d1
    const FMAX_D: u32 = 0x1e624820; // fmax d0, d1, d2

    #[test]
    fn denormal_operand_under_fz_sets_idc() {
        let one = 1.0f64.to_bits();
        let den = 1u64; // 2^-1074
        let nden = (1u64 << 63) | 0x000f_ffff_ffff_ffff; // the largest negative denormal
        for insn in [FMUL_D, FCMP_D, FSQRT_D, FRINTN_D] {
            let v = if insn == FSQRT_D { nden & !(1 << 63) } else { nden };
            assert_eq!(fpsr_after(insn, true, FZ, v, one) & 0x80, 0x80, "{insn:08x}");
            // V2 is an operand of the two-operand ops only.
            let two = insn == FMUL_D || insn == FCMP_D;
            assert_eq!(fpsr_after(insn, true, FZ, one, den) & 0x80, if two { 0x80 } else { 0 }, "{insn:08x}");
        }
        // Single precision: the F32 exponent field, not the double one.
        assert_eq!(fpsr_after(FMUL_S, true, FZ, 0x0040_0000, 1.0f32.to_bits() as u64) & 0x80, 0x80);
        assert_eq!(fpsr_after(FMUL_S, true, FZ, 0x0080_0000, 1.0f32.to_bits() as u64) & 0x80, 0);
    }

    #[test]
    fn no_idc_without_fz_or_denormal() {
        let one = 1.0f64.to_bits();
        let min_normal = f64::MIN_POSITIVE.to_bits();
        // FZ clear: a denormal operand is used as it is, no IDC (2^-1074 * 1 is exact).
        assert_eq!(fpsr_after(FMUL_D, true, 0, 1, one), 0);
        // Zeros, the smallest normal, infinities and NaNs are not denormals.
        for v in [0u64, 1 << 63, min_normal, f64::INFINITY.to_bits(), f64::NAN.to_bits()] {
            assert_eq!(fpsr_after(FMUL_D, true, FZ, v, one) & 0x80, 0, "{v:016x}");
        }
        // FABS does not unpack its operand.
        assert_eq!(fpsr_after(FABS_D, true, FZ, 1, one), 0);
    }

    #[test]
    fn every_function_gets_the_test_for_ops_the_host_does_not_check() {
        // Without an FPSR access in the function too (a caller reads FPSR).
        assert_eq!(fpsr_after(FRINTN_D, false, FZ, 1, 0) & 0x80, 0x80);
        assert_eq!(fpsr_after(FMAX_D, false, FZ, 1.0f64.to_bits(), 1) & 0x80, 0x80);
        assert_eq!(fpsr_after(FMAX_D, false, 0, 1.0f64.to_bits(), 1) & 0x80, 0);
        // FMUL: the host's Denormal trap (runtime) or the interpreter's own test, not IR.
        let f = crate::isa::aarch64::lift_snippet(0x1000, &[FMUL_D]);
        assert!(!f.insts.iter().any(|i| i.op == Op::GetReg && i.imm == Reg::FPSR.0 as u64));
        let f = crate::isa::aarch64::lift_snippet(0x1000, &[FRINTN_D]);
        assert!(f.insts.iter().any(|i| i.op == Op::GetReg && i.imm == Reg::FPSR.0 as u64));
        assert_eq!(fpsr_after(FMUL_D, false, FZ, 1, 1.0f64.to_bits()) & 0x80, 0x80);
    }

    #[test]
    fn fround_rounds_a_flushed_denormal() {
        // frintp d0, d1 of +2^-1074 under FZ: +0.0 (the host without DAZ would give 1.0). The
        // fround's operand is the flush's select (the interpreter alone would flush under DAZ).
        let f = crate::isa::aarch64::lift_snippet(0x1000, &[FRINTP_D]);
        let r = f.insts.iter().find(|i| i.op == Op::FRound).unwrap();
        assert_eq!(f.inst(r.args[0]).op, Op::Select);
        for (fpcr, want) in [(FZ, 0u64), (0, 1.0f64.to_bits())] {
            let f = crate::isa::aarch64::lift_snippet(0x1000, &[FRINTP_D]);
            let mut st = CpuState::default();
            st.fpcr = fpcr;
            st.v[1] = 1;
            Interp::new(&f).run(&mut st, &mut FlatMemory::default(), 0, 10_000);
            assert_eq!(st.v[0] as u64, want, "fpcr {fpcr:x}");
        }
    }
}
