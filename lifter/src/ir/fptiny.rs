//! Arm underflow: tininess is detected *before* rounding (Arm ARM FPRoundBase), x86 detects it
//! after rounding. The two differ only when the host's rounded result of a multiply, divide or
//! fused multiply-add (`FMul`, `FDiv`, `FMa`) is exactly +-the smallest normal (2^-126, 2^-1022)
//! and inexact: FADD/FSUB cannot give such a result inexactly (a sum that small is exact) and
//! FSQRT's results are never that small. Then:
//!
//! - FPCR.FZ clear: Arm raises Underflow (FPSR.UFC) when the exact result was below the smallest
//!   normal; x86 raises nothing but Inexact. The value is the same.
//! - FPCR.FZ set: Arm flushes on the unrounded exponent, so the result is a zero of the same sign
//!   with UFC (and no IXC); x86's FTZ keeps the smallest normal.
//!
//! [`arm_tiny`] decides it from the operands and the host result, in integer arithmetic (exact,
//! independent of the host rounding mode). The interpreter calls it after those ops; the LLVM
//! backend and the JIT reach it through the runtime's `aot_fp_tiny` on a branch, marked
//! unlikely, on `|r| == smallest normal` (the LLVM backend shares the branch with its NaN test).
//! Not reproduced: the IXC that x86 raises for the FZ case (a value computed, then flushed by
//! Arm, is inexact on x86, and an earlier IXC cannot be told apart in MXCSR).

use super::{fpnan, Ty};

/// FPSR.UFC.
pub const FPSR_UFC: u64 = 0x08;

/// The ops that can give a result of +-the smallest normal inexactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TinyOp {
    Mul = 0,
    Div = 1,
    Fma = 2,
}

impl TinyOp {
    pub fn of(op: super::Op) -> Option<TinyOp> {
        match op {
            super::Op::FMul => Some(TinyOp::Mul),
            super::Op::FDiv => Some(TinyOp::Div),
            super::Op::FMa => Some(TinyOp::Fma),
            _ => None,
        }
    }
    pub fn from_u64(v: u64) -> Option<TinyOp> {
        [TinyOp::Mul, TinyOp::Div, TinyOp::Fma].get(v as usize).copied()
    }
}

fn mant_bits(t: Ty) -> u32 {
    if t == Ty::F32 {
        23
    } else {
        52
    }
}

fn sign_bit(t: Ty) -> u128 {
    1 << (mant_bits(t) + if t == Ty::F32 { 8 } else { 11 })
}

/// The bits of the smallest positive normal number of `t`.
pub fn min_normal(t: Ty) -> u128 {
    1 << mant_bits(t)
}

/// A finite float as `m * 2^e` with a signed integer `m`.
fn decode(t: Ty, x: u128) -> (i128, i32) {
    let mb = mant_bits(t);
    let bias = if t == Ty::F32 { 127 } else { 1023 };
    let e = ((x & !sign_bit(t)) >> mb) as i32;
    let f = (x & ((1 << mb) - 1)) as i128;
    let (m, e) = if e == 0 { (f, 1 - bias - mb as i32) } else { (f | 1 << mb, e - bias - mb as i32) };
    (if x & sign_bit(t) != 0 { -m } else { m }, e)
}

fn mul((a, ea): (i128, i32), (b, eb): (i128, i32)) -> (i128, i32) {
    (a * b, ea + eb)
}

fn neg((a, e): (i128, i32)) -> (i128, i32) {
    (-a, e)
}

/// The sign (-1, 0, 1) of `p.0 * 2^p.1 + q.0 * 2^q.1`, exactly; |p.0|, |q.0| < 2^120.
fn sum_sign(p: (i128, i32), q: (i128, i32)) -> i32 {
    if p.0 == 0 || q.0 == 0 {
        return (p.0 + q.0).signum() as i32;
    }
    let (hi, lo) = if p.1 >= q.1 { (p, q) } else { (q, p) };
    // hi * 2^d + lo = (hi + floor(lo / 2^d)) * 2^d + rem, 0 <= rem < 2^d.
    let d = (hi.1 - lo.1) as u32;
    let (quot, rem) = if d >= 127 {
        (if lo.0 < 0 { -1 } else { 0 }, true)
    } else {
        (lo.0 >> d, lo.0 & ((1i128 << d) - 1) != 0)
    };
    let s = hi.0 + quot;
    if s != 0 {
        s.signum() as i32
    } else {
        rem as i32
    }
}

/// `p + q` exactly, when it fits (|result| < 2^126).
fn add_exact(p: (i128, i32), q: (i128, i32)) -> Option<(i128, i32)> {
    let (hi, lo) = if p.1 >= q.1 { (p, q) } else { (q, p) };
    let d = (hi.1 - lo.1) as u32;
    if hi.0 != 0 && 128 - hi.0.unsigned_abs().leading_zeros() + d > 124 {
        return None;
    }
    let hi = if hi.0 == 0 { 0 } else { hi.0 << d };
    Some((hi + lo.0, lo.1))
}

fn finite(t: Ty, x: u128) -> bool {
    x & fpnan::inf_bits(t) != fpnan::inf_bits(t)
}

/// Arm's result of `op` on `args` (Arm's operand order: `a * b + c` for FMA; raw bits, before
/// flushing) when the host, detecting tininess after rounding, returned `r`, under `fpcr`.
/// `None`: nothing to change (r is not +-the smallest normal, or the exact result is not below
/// it). `Some(bits)`: Arm detected tininess, so FPSR.UFC is raised and the result is `bits`
/// (`r` itself, or a zero of its sign under FPCR.FZ).
pub fn arm_tiny(op: TinyOp, t: Ty, fpcr: u64, args: &[u128], r: u128) -> Option<u128> {
    let sign = sign_bit(t);
    if r & !sign != min_normal(t) {
        return None;
    }
    // The operands as the op saw them: under FZ a denormal is a zero (MXCSR.DAZ on the host).
    let x: Vec<u128> = args.iter().map(|&a| fpnan::flush_denormal(t, fpcr, a)).collect();
    if x.iter().any(|&a| !finite(t, a)) {
        return None; // an infinity or a NaN never gives the smallest normal
    }
    let rr = decode(t, r);
    let d = |k: usize| decode(t, x[k]);
    // The sign of the rounding error, exact result - r.
    let err = match op {
        TinyOp::Mul => sum_sign(mul(d(0), d(1)), neg(rr)),
        TinyOp::Div => {
            // a / b - r has the sign of (a - r * b) * sign(b).
            let b = d(1);
            if b.0 == 0 {
                return None;
            }
            sum_sign(d(0), neg(mul(rr, b))) * b.0.signum() as i32
        }
        TinyOp::Fma => {
            // a * b + (c - r). If c - r does not fit, |c| >= 2^-948 (F64), so the product is as
            // large, its last bit at or above 2^-1074: the sum is a multiple of 2^-1074 near
            // the smallest normal, hence exact (not tiny).
            let Some(cr) = add_exact(d(2), neg(rr)) else { return None };
            sum_sign(mul(d(0), d(1)), cr)
        }
    };
    let tiny = if r & sign != 0 { err > 0 } else { err < 0 };
    if !tiny {
        return None;
    }
    Some(if fpcr & fpnan::FPCR_FZ != 0 { r & sign } else { r })
}

/// `arm_tiny` on a value of `t` as a 64-bit word (the runtime's `aot_fp_tiny` interface:
/// `kind` = op | 0x100 for F32).
pub fn arm_tiny_word(kind: u64, fpcr: u64, a: u64, b: u64, c: u64, r: u64) -> Option<u64> {
    let op = TinyOp::from_u64(kind & 0xff)?;
    let t = if kind & 0x100 != 0 { Ty::F32 } else { Ty::F64 };
    let m = if t == Ty::F32 { 0xffff_ffffu64 } else { u64::MAX };
    let args = [(a & m) as u128, (b & m) as u128, (c & m) as u128];
    let n = if op == TinyOp::Fma { 3 } else { 2 };
    arm_tiny(op, t, fpcr, &args[..n], (r & m) as u128).map(|x| x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FZ: u64 = fpnan::FPCR_FZ;
    const MIN64: u64 = 0x0010_0000_0000_0000;
    const NEG: u64 = 1 << 63;

    fn d(x: f64) -> u128 {
        x.to_bits() as u128
    }

    fn hex(s: &str) -> f64 {
        // 0x1.<13 hex digits>p<exp>
        let (m, e) = s.trim_start_matches("0x").split_once('p').unwrap();
        let (i, f) = m.split_once('.').unwrap();
        let frac = u64::from_str_radix(&format!("{f:0<13}"), 16).unwrap();
        let i = u64::from_str_radix(i, 16).unwrap();
        assert_eq!(i, 1);
        let e: i32 = e.parse().unwrap();
        f64::from_bits((((e + 1023) as u64) << 52) | frac)
    }

    /// FMUL F64, the host result computed here (round to nearest).
    fn mul64(fpcr: u64, a: f64, b: f64) -> (u64, Option<u128>) {
        let r = (a * b).to_bits();
        (r, arm_tiny(TinyOp::Mul, Ty::F64, fpcr, &[d(a), d(b)], r as u128))
    }

    #[test]
    fn fmul_f64_tiny_before_rounding() {
        // (1 - 2^-53) * 2^-1022: exactly halfway below the smallest normal, rounds (to even) up
        // to it. Tiny before rounding: UFC; under FZ Arm flushes it to +0.
        let (a, b) = (hex("0x1.fffffffffffffp-512"), hex("0x1.0p-511"));
        assert_eq!(mul64(0, a, b), (MIN64, Some(MIN64 as u128)));
        assert_eq!(mul64(FZ, a, b), (MIN64, Some(0)));
        // Both signs: -min normal, flushed to -0.
        assert_eq!(mul64(0, -a, b), (MIN64 | NEG, Some((MIN64 | NEG) as u128)));
        assert_eq!(mul64(FZ, a, -b), (MIN64 | NEG, Some(NEG as u128)));
        // (1 + 2^-52) * (1 - 2^-53) * 2^-1022 = 2^-1022 (1 + 2^-53 - 2^-105): above the
        // smallest normal, rounds down to it, inexact but not tiny.
        let (a, b) = (hex("0x1.0000000000001p-511"), hex("0x1.fffffffffffffp-512"));
        assert_eq!(mul64(0, a, b), (MIN64, None));
        assert_eq!(mul64(FZ, -a, b), (MIN64 | NEG, None));
        // Exact smallest normal: no underflow.
        assert_eq!(mul64(0, hex("0x1.0p-511"), hex("0x1.0p-511")), (MIN64, None));
        assert_eq!(mul64(FZ, hex("0x1.0p-600"), hex("0x1.0p-422")), (MIN64, None));
        // Any other result: nothing to do.
        assert_eq!(mul64(0, hex("0x1.0p-600"), hex("0x1.0p-500")).1, None);
    }

    #[test]
    fn fmul_f64_denormal_operand() {
                let den = f64::from_bits((1u64 << 52) - 1); // 2^-1022 - 2^-1074
        let b = hex("0x1.0000000000001p0"); // 1 + 2^-52
        // (2^-1022 - 2^-1074)(1 + 2^-52) = 2^-1022 - 2^-1074 + 2^-1074 - 2^-1126: just below
        // the smallest normal, rounds up to it: tiny.
        assert_eq!(mul64(0, den, b), (MIN64, Some(MIN64 as u128)));
        // Under FZ the denormal operand is a zero: the host gives 0, not our case.
        assert_eq!(arm_tiny(TinyOp::Mul, Ty::F64, FZ, &[d(den), d(b)], 0), None);
    }

    #[test]
    fn fdiv_f64() {
        let div = |fpcr: u64, a: f64, b: f64| {
            let r = (a / b).to_bits();
            (r, arm_tiny(TinyOp::Div, Ty::F64, fpcr, &[d(a), d(b)], r as u128))
        };
        // (2^-1021 - 2^-1074) / 2 = 2^-1022 - 2^-1075: halfway, rounds to the smallest normal.
        let a = hex("0x1.fffffffffffffp-1022");
        assert_eq!(div(0, a, 2.0), (MIN64, Some(MIN64 as u128)));
        assert_eq!(div(FZ, a, -2.0), (MIN64 | NEG, Some(NEG as u128)));
        assert_eq!(div(0, -a, -2.0), (MIN64, Some(MIN64 as u128)));
        // 2^-1021 / (2 + 2^-51) = 2^-1022 (1 - 2^-52 + ...): rounds to the largest denormal.
        assert_eq!(div(0, hex("0x1.0p-1021"), hex("0x1.0000000000001p1")).1, None);
        // 2^-1021 / (2 - 2^-52) = 2^-1022 / (1 - 2^-53) > 2^-1022: not tiny whatever it rounds to.
        assert_eq!(div(0, hex("0x1.0p-1021"), hex("0x1.fffffffffffffp0")).1, None);
        // Exact.
        assert_eq!(div(0, hex("0x1.0p-1021"), 2.0), (MIN64, None));
    }

    #[test]
    fn fma_f64() {
        let fma = |fpcr: u64, a: f64, b: f64, c: f64| {
            let r = a.mul_add(b, c).to_bits();
            (r, arm_tiny(TinyOp::Fma, Ty::F64, fpcr, &[d(a), d(b), d(c)], r as u128))
        };
        // (1 - 2^-53)(1 - 2^-52) 2^-1022 + 2^-1074 = 2^-1022 (1 - 2^-53 + 2^-105): tiny by a
        // margin below the double precision of the product, rounds up to the smallest normal.
        let (a, b) = (hex("0x1.fffffffffffffp-512"), hex("0x1.ffffffffffffep-512"));
        let c = f64::from_bits(1);
        assert_eq!(fma(0, a, b, c), (MIN64, Some(MIN64 as u128)));
        assert_eq!(fma(0, -a, b, -c), (MIN64 | NEG, Some((MIN64 | NEG) as u128)));
        // The same product plus 2^-1073 (two units of 2^-1074 = 2^-1022 * 2^-52):
        // 2^-1022 (1 - 3 * 2^-53 + 2^-105 + 2^-51) = 2^-1022 (1 + 2^-53 + 2^-105), not tiny.
        let c2 = f64::from_bits(2);
        assert_eq!(fma(0, a, b, c2).1, None);
        // A large addend cancelled by the product: exact.
        assert_eq!(fma(0, 1.5, 2.0, -3.0 + f64::MIN_POSITIVE).1, None);
        // FZ: an operand-free case, the product alone (c = 0) as FMUL's tiny case.
        let (a, b) = (hex("0x1.fffffffffffffp-512"), hex("0x1.0p-511"));
        assert_eq!(fma(FZ, a, b, 0.0), (MIN64, Some(0)));
        assert_eq!(fma(FZ, a, -b, -0.0), (MIN64 | NEG, Some(NEG as u128)));
    }

    #[test]
    fn f32_against_double_arithmetic() {
        // The product of two floats is exact in double, and a double quotient is on the same
        // side of 2^-126 as the exact one unless it equals it: an independent oracle.
        let min = f32::MIN_POSITIVE;
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut hits, mut tiny_hits) = (0, 0);
        for _ in 0..200_000 {
            let e = (next() % 60) as i32 - 60; // b = 2^-126 / a stays normal
            let a = f32::from_bits(((next() as u32) & 0x007f_ffff) | 0x3f80_0000) * 2f32.powi(e);
            let u = ((next() % 2001) as f32 - 1000.0) * 2f32.powi(-32);
            let neg = next() & 1 != 0;
            let b = (min / a) * (1.0 + u);
            let (a, b) = if neg { (-a, b) } else { (a, b) };
            for op in [TinyOp::Mul, TinyOp::Div] {
                let (b, r, exact) = match op {
                    TinyOp::Mul => (b, a * b, a as f64 * b as f64),
                    _ => {
                        let b = 1.0 / b;
                        (b, a / b, a as f64 / b as f64)
                    }
                };
                if r.abs() != min || (op == TinyOp::Div && exact.abs() == min as f64) {
                    continue;
                }
                hits += 1;
                let want_tiny = exact.abs() < min as f64;
                tiny_hits += want_tiny as u32;
                let args = [a.to_bits() as u128, b.to_bits() as u128];
                let got = arm_tiny(op, Ty::F32, 0, &args, r.to_bits() as u128);
                assert_eq!(got.is_some(), want_tiny, "{op:?} {a:e} {b:e}");
                let got = arm_tiny(op, Ty::F32, FZ, &args, r.to_bits() as u128);
                let zero = (r.to_bits() & 0x8000_0000) as u128;
                assert_eq!(got, want_tiny.then_some(zero), "{op:?} {a:e} {b:e} FZ");
            }
        }
        assert!(hits > 1000 && tiny_hits > 100 && tiny_hits < hits, "{hits} {tiny_hits}");
    }

    #[test]
    fn word_interface() {
        let (a, b) = (hex("0x1.fffffffffffffp-512").to_bits(), hex("0x1.0p-511").to_bits());
        assert_eq!(arm_tiny_word(0, 0, a, b, 0, MIN64), Some(MIN64));
        assert_eq!(arm_tiny_word(0, FZ, a, b, 0, MIN64), Some(0));
        // F32: 0x1.fffffep-64 * 2^-63 = 2^-126 (1 - 2^-24), halfway: rounds to 2^-126, tiny.
        let (a, b) = (0x3f7f_ffffu32 as u64 - (63 << 23), 0x3f80_0000u64 - (63 << 23));
        let r = (f32::from_bits(a as u32) * f32::from_bits(b as u32)).to_bits() as u64;
        assert_eq!(r, 0x0080_0000);
        assert_eq!(arm_tiny_word(0x100, 0, a, b, 0, r), Some(r));
        assert_eq!(arm_tiny_word(0x100, FZ, a | 1 << 31, b, 0, r | 1 << 31), Some(1 << 31));
        assert_eq!(arm_tiny_word(7, 0, a, b, 0, r), None);
    }

    /// `insn` (reading d1, d2, d3 / s1, s2, s3) on the interpreter from FPSR = 0: (FPSR, d0).
    fn interp(insn: u32, fpcr: u32, v1: u64, v2: u64, v3: u64) -> (u32, u64) {
        use crate::cpu::CpuState;
        use crate::ir::interp::{FlatMemory, Interp};
        let f = crate::isa::aarch64::lift_snippet(0x1000, &[insn]);
        let mut st = CpuState::default();
        st.fpcr = fpcr;
        st.v[1] = v1 as u128;
        st.v[2] = v2 as u128;
        st.v[3] = v3 as u128;
        Interp::new(&f).run(&mut st, &mut FlatMemory::default(), 0, 10_000);
        (st.fpsr, st.v[0] as u64)
    }

    #[test]
    fn interpreter_raises_ufc_and_flushes() {
        const FMUL_D: u32 = 0x1e620820; // fmul d0, d1, d2
        const FMSUB_D: u32 = 0x1f428c20; // fmsub d0, d1, d2, d3: d3 - d1 * d2
        const FMUL_S: u32 = 0x1e220820; // fmul s0, s1, s2
        let (a, b) = (hex("0x1.fffffffffffffp-512").to_bits(), hex("0x1.0p-511").to_bits());
        // UFC | IXC, value the smallest normal.
        assert_eq!(interp(FMUL_D, 0, a, b, 0), (0x18, MIN64));
        // FZ: -0 with UFC (the host's IXC stays: see the module doc).
        assert_eq!(interp(FMUL_D, FZ as u32, a | NEG, b, 0).1, NEG);
        assert_eq!(interp(FMUL_D, FZ as u32, a | NEG, b, 0).0 & 0x08, 0x08);
        // Not tiny: IXC only.
        let a2 = hex("0x1.0000000000001p-511").to_bits();
        assert_eq!(interp(FMUL_D, 0, a2, a, 0), (0x10, MIN64));
        // FMSUB: 0 - (-a) * b.
        assert_eq!(interp(FMSUB_D, 0, a | NEG, b, 0), (0x18, MIN64));
        assert_eq!(interp(FMSUB_D, FZ as u32, a, b, 0).1, NEG);
        // F32.
        let (a, b) = (0x3f7f_ffffu64 - (63 << 23), 0x3f80_0000u64 - (63 << 23));
        assert_eq!(interp(FMUL_S, 0, a, b, 0), (0x18, 0x0080_0000));
        assert_eq!(interp(FMUL_S, FZ as u32, a, b, 0).1, 0);
    }
}
