//! Scalar floating point (C4.1.96 "Data Processing -- Scalar Floating-Point and Advanced SIMD",
//! scalar FP part): moves, arithmetic, fused multiply-add, compares, conditional select,
//! precision and integer conversions, round to integral.
//!
//! Half precision exists only as a storage format here (FCVT to and from H, done with integer
//! bit manipulation): FEAT_FP16 arithmetic is not advertised.

use super::decode::{pat, Pattern};
use super::{bit, bits, Lift};
use crate::cpu::Reg;
use crate::ir::{Builder, FCond, Op, RoundMode, Ty, Value};

pub const PATTERNS: &[Pattern] = &[
    // Conversion between floating point and integer (bit 21 = 1).
    pat(
        "s 00 11110 tt 1 rr ooo 000000 nnnnn ddddd",
        "FCVT*/SCVTF/UCVTF/FMOV (general)",
        trans_fp_int,
    ),
    // Conversion between floating point and fixed point (bit 21 = 0).
    pat(
        "s 00 11110 tt 0 rr ooo ssssss nnnnn ddddd",
        "FCVTZS/FCVTZU/SCVTF/UCVTF (fixed-point)",
        trans_fp_fixed,
    ),
    pat(
        "000 11110 tt 1 oooooo 10000 nnnnn ddddd",
        "FMOV/FABS/FNEG/FSQRT/FCVT/FRINT* (1 source)",
        trans_fp_1src,
    ),
    pat(
        "000 11110 tt 1 mmmmm 001000 nnnnn ez000",
        "FCMP/FCMPE",
        trans_fcmp,
    ),
    pat(
        "000 11110 tt 1 iiiiiiii 100 00000 ddddd",
        "FMOV (scalar, immediate)",
        trans_fmov_imm,
    ),
    pat(
        "000 11110 tt 1 mmmmm cccc 01 nnnnn evvvv",
        "FCCMP/FCCMPE",
        trans_fccmp,
    ),
    pat(
        "000 11110 tt 1 mmmmm oooo 10 nnnnn ddddd",
        "FMUL/FDIV/FADD/FSUB/FMAX/FMIN/FMAXNM/FMINNM/FNMUL",
        trans_fp_2src,
    ),
    pat(
        "000 11110 tt 1 mmmmm cccc 11 nnnnn ddddd",
        "FCSEL",
        trans_fcsel,
    ),
    pat(
        "000 11111 tt o mmmmm p aaaaa nnnnn ddddd",
        "FMADD/FMSUB/FNMADD/FNMSUB",
        trans_fp_3src,
    ),
];

/// Scalar type of an ftype field (S and D only).
pub fn fty(t: u32) -> Option<Ty> {
    match t {
        0 => Some(Ty::F32),
        1 => Some(Ty::F64),
        _ => None,
    }
}

/// VFPExpandImm: the 8-bit FMOV immediate as the bits of a float of `bits` (16, 32 or 64) width.
pub fn vfp_expand_imm(imm8: u32, bits: u32) -> u64 {
    let (e, f) = match bits {
        16 => (5, 10),
        32 => (8, 23),
        _ => (11, 52),
    };
    let sign = ((imm8 >> 7) & 1) as u64;
    let b = ((imm8 >> 6) & 1) as u64;
    let cd = ((imm8 >> 4) & 3) as u64;
    let efgh = (imm8 & 15) as u64;
    // exp = NOT(b) : Replicate(b, e-3) : cd
    let rep = if b == 1 { (1u64 << (e - 3)) - 1 } else { 0 };
    let exp = ((b ^ 1) << (e - 1)) | (rep << 2) | cd;
    let frac = efgh << (f - 4);
    (sign << (bits - 1)) | (exp << f) | frac
}

/// A float constant of type `ty` from its bits.
pub fn fconst(b: &mut Builder, ty: Ty, v: u64) -> Value {
    let i = b.iconst(Ty::int(ty.bits()), v as u128);
    b.bitcast(i, ty)
}

/// 2^k as a float constant of type `ty` (|k| small enough to be normal).
pub fn fpow2(b: &mut Builder, ty: Ty, k: i32) -> Value {
    let v = if ty == Ty::F32 {
        ((127 + k) as u64) << 23
    } else {
        ((1023 + k) as u64) << 52
    };
    fconst(b, ty, v)
}

/// FPSR cumulative exception bits.
pub const FPSR_IOC: u32 = 1;
pub const FPSR_DZC: u32 = 2;
pub const FPSR_OFC: u32 = 4;
pub const FPSR_UFC: u32 = 8;
pub const FPSR_IXC: u32 = 0x10;
pub const FPSR_IDC: u32 = 0x80;

/// Set the FPSR cumulative exception bits `bits` when `c` (I1) holds. For the exceptions the
/// host's FP unit does not raise the Arm way (ordered compares, conversions): the IR says it, so
/// the interpreter and every backend agree (host flags from MXCSR are folded in separately).
pub fn raise_if(b: &mut Builder, c: Value, bits: u32) {
    let f = b.getreg(Reg::FPSR);
    let one = b.iconst(Ty::I32, bits as u128);
    let zero = b.iconst(Ty::I32, 0);
    let m = b.select(c, one, zero);
    let n = b.or(f, m);
    b.setreg(Reg::FPSR, n);
}

/// A signalling compare (FCMPE, FCMGE, FCMGT, FACGE...): Invalid Operation on any NaN operand,
/// quiet or signalling (x86's UCOMISS, which LLVM uses for every `fcmp`, signals only on a
/// signalling NaN). The LLVM backend lowers this test of a scalar FCMPE as a COMISD, which
/// raises the flag through MXCSR, outside functions that touch FPSR/FPCR (`ioc_raises` in
/// translator/src/llvm.rs); the interpreter and the JIT run it as written.
pub fn signal_unordered(b: &mut Builder, x: Value, y: Value) {
    let u = b.fcmp(FCond::Uno, x, y);
    raise_if(b, u, FPSR_IOC);
}

/// Set NZCV from comparing `a` with `b` (floats): equal 0110, less 1000, greater 0010,
/// unordered 0011.
pub fn fcmp_flags(l: &mut Lift, a: Value, b: Value) {
    let (n, z, c, v) = fcmp_nzcv(l, a, b);
    l.set_nzcv(n, z, c, v);
}

fn fcmp_nzcv(l: &mut Lift, a: Value, b: Value) -> (Value, Value, Value, Value) {
    let lt = l.b.fcmp(FCond::Olt, a, b);
    let eq = l.b.fcmp(FCond::Oeq, a, b);
    let un = l.b.fcmp(FCond::Uno, a, b);
    let c = l.b.not(lt);
    (lt, eq, c, un)
}

/// Float to integer with rounding mode `rm` (None: toward zero), saturating.
pub fn f_to_int(b: &mut Builder, x: Value, rm: Option<RoundMode>, signed: bool, to: Ty) -> Value {
    f_to_fixed(b, x, 0, rm, signed, to)
}

/// Float to fixed point with `fbits` fraction bits (0: integer), rounding mode `rm` (None:
/// toward zero), saturating, with Arm's exceptions (FPToFixed): a NaN or an out-of-range value
/// raises Invalid Operation only, an in-range inexact one Inexact. These are raised by the IR;
/// the host ops get operands on which they raise nothing (no NaN, a scaling that cannot
/// overflow, an integral in-range value to convert): x86 would raise Invalid and Inexact for
/// other cases (CVTTSD2SI on a saturated value, the 2^63 offset of unsigned conversions).
pub fn f_to_fixed(b: &mut Builder, x: Value, fbits: u32, rm: Option<RoundMode>, signed: bool, to: Ty) -> Value {
    let ty = b.ty(x);
    let w = to.bits();
    let nan = b.fcmp(FCond::Uno, x, x);
    let zero = fconst(b, ty, 0);
    let mut xs = b.select(nan, zero, x);
    if fbits > 0 {
        // Scale by 2^fbits in the exponent field (integer ops: LLVM may evaluate an FP multiply
        // on both sides of a select, and an overflowing one would raise Overflow). |x| is
        // clamped to 2^(65 - fbits) first (still out of range for any width once scaled); a
        // denormal or zero stays as it is (scaled, it is below 1 anyway: same result and flags).
        let it = Ty::int(ty.bits());
        let mb = if ty == Ty::F32 { 23 } else { 52 };
        let bias: u128 = if ty == Ty::F32 { 127 } else { 1023 };
        let xb = b.bitcast(xs, it);
        let sign = b.and_i(xb, 1u128 << (ty.bits() - 1));
        let abs = b.and_i(xb, (1u128 << (ty.bits() - 1)) - 1);
        let lim = (bias + 65 - fbits as u128) << mb;
        let big = b.icmp_i(crate::ir::Cond::Uge, abs, lim);
        let limc = b.iconst(it, lim);
        let abs = b.select(big, limc, abs);
        let exp = b.lshr_i(abs, mb);
        let norm = b.icmp_i(crate::ir::Cond::Ne, exp, 0);
        let up = b.add_i(abs, (fbits as u128) << mb);
        let abs = b.select(norm, up, abs);
        let xb = b.or(abs, sign);
        xs = b.bitcast(xb, ty);
    }
    let r = b.fround(xs, rm.unwrap_or(RoundMode::Trunc));
    // Range of the rounded value: [lo, hi) as floats (powers of two, exact).
    let (lo, hi) = if signed {
        let h = fpow2(b, ty, w as i32 - 1);
        (b.fun(Op::FNeg, h), h)
    } else {
        (zero, fpow2(b, ty, w as i32))
    };
    let ge_lo = b.fcmp(FCond::Oge, r, lo);
    let lt_hi = b.fcmp(FCond::Olt, r, hi);
    let inr = b.and(ge_lo, lt_hi);
    let num = b.not(nan);
    let inr = b.and(inr, num);
    let rc = b.select(inr, r, zero);
    let v = if !signed && w == 64 {
        // x86 has no unsigned 64-bit conversion: LLVM's sequence converts both rc and
        // rc - 2^63, raising Inexact or Invalid for one of them. Halve values >= 2^63 instead
        // (exact: they are even), convert signed, double.
        let h63 = fpow2(b, ty, 63);
        let big = b.fcmp(FCond::Oge, rc, h63);
        let half = fpow2(b, ty, -1);
        let hv = b.fbin(Op::FMul, rc, half);
        let rc2 = b.select(big, hv, rc);
        let v0 = b.convert(Op::FPToSISat, rc2, to);
        let v2 = b.shl_i(v0, 1);
        b.select(big, v2, v0)
    } else {
        b.convert(if signed { Op::FPToSISat } else { Op::FPToUISat }, rc, to)
    };
    // Saturated: the bound on the side of the value (NaN: 0).
    let below = b.fcmp(FCond::Olt, r, lo);
    let (minv, maxv) = if signed {
        (1u128 << (w - 1), (1u128 << (w - 1)) - 1)
    } else {
        (0, to.mask())
    };
    let minc = b.iconst(to, minv);
    let maxc = b.iconst(to, maxv);
    let sat = b.select(below, minc, maxc);
    let zi = b.iconst(to, 0);
    let sat = b.select(nan, zi, sat);
    let res = b.select(inr, v, sat);
    let invalid = b.not(inr);
    raise_if(b, invalid, FPSR_IOC);
    let exact = b.fcmp(FCond::Oeq, r, xs);
    let inexact = b.not(exact);
    let ixc = b.and(inr, inexact);
    raise_if(b, ixc, FPSR_IXC);
    res
}

/// FRINTX raises Inexact when the rounded value `r` differs from the number `x`.
pub fn frintx_inexact(b: &mut Builder, x: Value, r: Value) {
    let same = b.fcmp(FCond::Oeq, r, x);
    let ord = b.fcmp(FCond::Uno, x, x);
    let num = b.not(ord);
    let diff = b.not(same);
    let c = b.and(num, diff);
    raise_if(b, c, FPSR_IXC);
}

/// `nan`, a NaN built bit by bit (an integer holding a float of `width` bits in its low bits),
/// or under FPCR.DN (default-NaN mode) the default NaN of that width. IR FP ops apply DN
/// themselves (ir::fpnan::obeys_dn); this is for NaNs the frontend makes with integer ops.
pub fn dn_or(b: &mut Builder, nan: Value, width: u32) -> Value {
    let fpcr = b.getreg(Reg::FPCR);
    let bit = b.and_i(fpcr, crate::ir::fpnan::FPCR_DN as u128);
    let dn = b.icmp_i(crate::ir::Cond::Ne, bit, 0);
    let t = b.ty(nan);
    let d = b.iconst(t, crate::ir::fpnan::default_nan_bits(width));
    b.select(dn, d, nan)
}

/// Convert the F32/F64 `x` to half-precision bits (I16), rounding by FPCR.RMode. FPCR.FZ
/// flushes a denormal input (through MXCSR.DAZ in the scaling multiply); it does not apply to
/// the half result (that would be FZ16). A NaN is quietened and keeps its top payload bits, or is
/// the default NaN under FPCR.DN.
pub fn f_to_half(b: &mut Builder, x: Value) -> Value {
    use crate::ir::Cond;
    let ty = b.ty(x);
    let w = ty.bits();
    let it = Ty::int(w);
    let (fb, bias) = if w == 32 {
        (23u32, 127u64)
    } else {
        (52u32, 1023u64)
    };
    let xi = b.bitcast(x, it);
    let sign_full = b.lshr_i(xi, w - 1);
    let negative = b.trunc(sign_full, Ty::I1);
    let sign16 = b.trunc(sign_full, Ty::I16);
    let sign = b.shl_i(sign16, 15);
    let absmask = (1u128 << (w - 1)) - 1;
    let a = b.and_i(xi, absmask);
    let inf_bits = ((1u128 << (w - 1 - fb)) - 1) << fb;
    // FPCR.RMode: 0 nearest, 1 towards +inf, 2 towards -inf, 3 towards zero.
    let fpcr = b.getreg(Reg::FPCR);
    let rm0 = b.lshr_i(fpcr, 22);
    let rmode = b.and_i(rm0, 3);
    let is_rn = b.icmp_i(Cond::Eq, rmode, 0);
    let is_rp = b.icmp_i(Cond::Eq, rmode, 1);
    let is_rm = b.icmp_i(Cond::Eq, rmode, 2);
    let positive = b.not(negative);
    // Rounding the magnitude away from zero: RP for positive values, RM for negative ones.
    let rp_up = b.and(is_rp, positive);
    let rm_up = b.and(is_rm, negative);
    let dir_up = b.or(rp_up, rm_up);
    // NaN: quiet, keep the top payload bits.
    let is_nan = b.icmp_i(Cond::Ugt, a, inf_bits);
    // A signalling NaN raises Invalid Operation.
    let qb = b.and_i(a, 1u128 << (fb - 1));
    let sig = b.icmp_i(Cond::Eq, qb, 0);
    let snan = b.and(is_nan, sig);
    raise_if(b, snan, FPSR_IOC);
    let pay = b.lshr_i(a, fb - 10);
    let pay16 = b.trunc(pay, Ty::I16);
    let pay16 = b.and_i(pay16, 0x3ff);
    let qnan = b.iconst(Ty::I16, 0x7e00);
    let nan = b.or(qnan, pay16);
    let nan = b.or(nan, sign);
    let nan = dn_or(b, nan, 16);
    // |x| >= 2^16 (or infinite): infinity when rounding away from zero, else the largest normal.
    let big = (bias + 16) << fb;
    let is_big = b.icmp_i(Cond::Uge, a, big as u128);
    let is_inf = b.icmp_i(Cond::Eq, a, inf_bits);
    let to_inf = b.or(is_rn, dir_up);
    let to_inf = b.or(to_inf, is_inf);
    let inf = b.iconst(Ty::I16, 0x7c00);
    let maxn = b.iconst(Ty::I16, 0x7bff);
    let over = b.select(to_inf, inf, maxn);
    // Subnormal half (|x| < 2^-14): x * 2^24 rounded to an integer by the current mode (signed,
    // so RP/RM go the right way), its magnitude is the encoding (0x400 = smallest normal).
    let small = (bias - 14) << fb;
    let is_sub = b.icmp_i(Cond::Ult, a, small as u128);
    // Only a subnormal-range x goes through the host ops (others would raise their flags).
    let z0 = fconst(b, ty, 0);
    let xs = b.select(is_sub, x, z0);
    let p = fpow2(b, ty, 24);
    let scaled = b.fbin(Op::FMul, xs, p);
    let rs = b.fround(scaled, RoundMode::Current);
    let si = b.convert(Op::FPToSISat, rs, Ty::I32);
    let neg_si = b.neg(si);
    let mag = b.select(negative, neg_si, si);
    let sub = b.trunc(mag, Ty::I16);
    // Normal: rebias, then round the dropped bits.
    let rebias = b.iconst(it, ((bias - 15) << fb) as u128);
    let v = b.sub(a, rebias);
    let sh = fb - 10;
    let kept = b.lshr_i(v, sh);
    let dropped = b.and_i(v, (1u128 << sh) - 1);
    let inexact = b.icmp_i(Cond::Ne, dropped, 0);
    let half_bit = b.lshr_i(dropped, sh - 1);
    let half_bit = b.trunc(half_bit, Ty::I1);
    let sticky_bits = b.and_i(dropped, (1u128 << (sh - 1)) - 1);
    let sticky = b.icmp_i(Cond::Ne, sticky_bits, 0);
    let odd = b.trunc(kept, Ty::I1);
    let tie_or_more = b.or(sticky, odd);
    let rn_up = b.and(half_bit, tie_or_more);
    let rn_up = b.and(is_rn, rn_up);
    let dir_inc = b.and(dir_up, inexact);
    let inc = b.or(rn_up, dir_inc);
    let inc = b.zext(inc, it);
    let r = b.add(kept, inc);
    let norm = b.trunc(r, Ty::I16);
    let m0 = b.select(is_sub, sub, norm);
    let m1 = b.select(is_big, over, m0);
    let m1 = b.or(m1, sign);
    // Exceptions (FPRoundCV, FZ16 not applied): a result rounded to infinity or beyond the
    // largest normal overflows (OFC and IXC); in the subnormal range (|x| < 2^-14, tininess
    // before rounding) an inexact result underflows (UFC and IXC); elsewhere an inexact result
    // raises IXC. Under FPCR.FZ a denormal input is a zero (IDC, nothing else).
    let num = b.not(is_nan);
    let fin = b.not(is_inf);
    let n_over = b.icmp_i(Cond::Uge, norm, 0x7c00);
    let not_sub = b.not(is_sub);
    let n_over = b.and(n_over, not_sub);
    let over_c = b.or(is_big, n_over);
    let over_c = b.and(over_c, fin);
    let over_c = b.and(over_c, num);
    raise_if(b, over_c, FPSR_OFC | FPSR_IXC);
    let not_big = b.not(is_big);
    let n_inex = b.and(inexact, not_sub);
    let n_inex = b.and(n_inex, not_big);
    let n_inex = b.and(n_inex, num);
    raise_if(b, n_inex, FPSR_IXC);
    let s_exact = b.fcmp(FCond::Oeq, rs, scaled);
    let s_inex = b.not(s_exact);
    let s_inex = b.and(s_inex, is_sub);
    raise_if(b, s_inex, FPSR_UFC | FPSR_IXC);
    let fz = b.and_i(fpcr, 1 << 24);
    let fz = b.icmp_i(Cond::Ne, fz, 0);
    let denorm = b.icmp_i(Cond::Ult, a, 1u128 << fb);
    let nonzero = b.icmp_i(Cond::Ne, a, 0);
    let den = b.and(denorm, nonzero);
    let den = b.and(den, fz);
    raise_if(b, den, FPSR_IDC);
    b.select(is_nan, nan, m1)
}

/// Convert half-precision bits (I16) to F32 (exactly).
pub fn half_to_f32(b: &mut Builder, h: Value) -> Value {
    let h32 = b.zext(h, Ty::I32);
    let s0 = b.lshr_i(h32, 15);
    let sign = b.shl_i(s0, 31);
    let e0 = b.lshr_i(h32, 10);
    let e = b.and_i(e0, 31);
    let m = b.and_i(h32, 0x3ff);
    // Normal.
    let e1 = b.add_i(e, 112);
    let e2 = b.shl_i(e1, 23);
    let m13 = b.shl_i(m, 13);
    let norm = b.or(e2, m13);
    // Inf/NaN (NaNs quietened).
    let mz = b.icmp_i(crate::ir::Cond::Eq, m, 0);
    let q = b.iconst(Ty::I32, 0x7fc0_0000);
    let q2 = b.or(q, m13);
    let infb = b.iconst(Ty::I32, 0x7f80_0000);
    let special = b.select(mz, infb, q2);
    // Zero / subnormal: m * 2^-24.
    let mf = b.convert(Op::UIToFP, m, Ty::F32);
    let p = fpow2(b, Ty::F32, -24);
    let sf = b.fbin(Op::FMul, mf, p);
    let sub = b.bitcast(sf, Ty::I32);
    let e_is0 = b.icmp_i(crate::ir::Cond::Eq, e, 0);
    let e_is31 = b.icmp_i(crate::ir::Cond::Eq, e, 31);
    let r0 = b.select(e_is31, special, norm);
    let r1 = b.select(e_is0, sub, r0);
    let r = b.or(r1, sign);
    // Under FPCR.DN a NaN becomes the (positive) default NaN.
    let not_inf = b.not(mz);
    let is_nan = b.and(e_is31, not_inf);
    // A signalling NaN (quiet bit 9 clear) raises Invalid Operation.
    let qbit = b.and_i(h32, 0x200);
    let sig = b.icmp_i(crate::ir::Cond::Eq, qbit, 0);
    let snan = b.and(is_nan, sig);
    raise_if(b, snan, FPSR_IOC);
    let dn = dn_or(b, r, 32);
    let r = b.select(is_nan, dn, r);
    b.bitcast(r, Ty::F32)
}

fn trans_fp_1src(l: &mut Lift, insn: u32) -> bool {
    let t = bits(insn, 23, 22);
    let op = bits(insn, 20, 15);
    let (n, d) = (bits(insn, 9, 5), bits(insn, 4, 0));
    // FCVT between precisions, including half.
    if op & 0b111100 == 0b000100 {
        let to = op & 3;
        if to == 2 || to == t || t == 2 {
            return false;
        }
        let x = if t == 3 {
            let h = l.vreg_low(n, 16);
            half_to_f32(&mut l.b, h)
        } else {
            l.freg(n, fty(t).unwrap())
        };
        let r = match to {
            0 if l.b.ty(x) == Ty::F32 => x,
            0 => l.b.convert(Op::FCvt, x, Ty::F32),
            1 => l.b.convert(Op::FCvt, x, Ty::F64),
            _ => f_to_half(&mut l.b, x),
        };
        if to == 3 {
            l.set_vreg_low(d, r);
        } else {
            l.set_freg(d, r);
        }
        return true;
    }
    let Some(ty) = fty(t) else { return false };
    let rm = match op {
        0..=3 => None,
        0b001000 => Some(RoundMode::NearestEven),
        0b001001 => Some(RoundMode::Ceil),
        0b001010 => Some(RoundMode::Floor),
        0b001011 => Some(RoundMode::Trunc),
        0b001100 => Some(RoundMode::NearestAway),
        0b001110 | 0b001111 => Some(RoundMode::Current),
        _ => return false,
    };
    let x = l.freg(n, ty);
    let r = match (op, rm) {
        // FRINTX: the one FRINT that raises Inexact (fround itself raises nothing).
        (0b001110, Some(m)) => {
            let r = l.b.fround(x, m);
            frintx_inexact(&mut l.b, x, r);
            r
        }
        (_, Some(m)) => l.b.fround(x, m),
        (0, _) => x,
        (1, _) => l.b.fun(Op::FAbs, x),
        (2, _) => l.b.fun(Op::FNeg, x),
        _ => l.b.fun(Op::FSqrt, x),
    };
    l.set_freg(d, r);
    true
}

fn trans_fp_2src(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let op = bits(insn, 15, 12);
    let iop = match op {
        0 => Op::FMul,
        1 => Op::FDiv,
        2 => Op::FAdd,
        3 => Op::FSub,
        4 => Op::FMax,
        5 => Op::FMin,
        6 => Op::FMaxNm,
        7 => Op::FMinNm,
        8 => Op::FMul,
        _ => return false,
    };
    let a = l.freg(bits(insn, 9, 5), ty);
    let b = l.freg(bits(insn, 20, 16), ty);
    let mut r = l.b.fbin(iop, a, b);
    if op == 8 {
        r = l.b.fun(Op::FNeg, r);
    }
    l.set_freg(bits(insn, 4, 0), r);
    true
}

fn trans_fp_3src(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let (o1, o0) = (bit(insn, 21), bit(insn, 15));
    let n = l.freg(bits(insn, 9, 5), ty);
    let m = l.freg(bits(insn, 20, 16), ty);
    let a = l.freg(bits(insn, 14, 10), ty);
    // FMADD: a + n*m; FMSUB: a - n*m; FNMADD: -a - n*m; FNMSUB: -a + n*m.
    let n2 = if o0 != o1 { l.b.fun(Op::FNeg, n) } else { n };
    let a2 = if o1 { l.b.fun(Op::FNeg, a) } else { a };
    let r = l.b.fma(n2, m, a2);
    l.set_freg(bits(insn, 4, 0), r);
    true
}

fn trans_fcmp(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let zero = bit(insn, 3);
    let a = l.freg(bits(insn, 9, 5), ty);
    let b = if zero {
        fconst(&mut l.b, ty, 0)
    } else {
        l.freg(bits(insn, 20, 16), ty)
    };
    fcmp_flags(l, a, b);
    if bit(insn, 4) {
        // FCMPE: Invalid Operation on a quiet NaN too.
        signal_unordered(&mut l.b, a, b);
    }
    true
}

fn trans_fccmp(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let nzcv = bits(insn, 3, 0);
    let a = l.freg(bits(insn, 9, 5), ty);
    let b = l.freg(bits(insn, 20, 16), ty);
    let c = l.cond_holds(bits(insn, 15, 12));
    // The compare (and its exceptions) happens only when the condition holds: compare zeros
    // otherwise, which raises nothing.
    let z0 = fconst(&mut l.b, ty, 0);
    let a = l.b.select(c, a, z0);
    let b = l.b.select(c, b, z0);
    let (n, z, cf, v) = fcmp_nzcv(l, a, b);
    if bit(insn, 4) {
        // FCCMPE
        signal_unordered(&mut l.b, a, b);
    }
    let mut out = [n, z, cf, v];
    for (k, o) in out.iter_mut().enumerate() {
        let imm = l.b.bool((nzcv >> (3 - k)) & 1 == 1);
        *o = l.b.select(c, *o, imm);
    }
    l.set_nzcv(out[0], out[1], out[2], out[3]);
    true
}

fn trans_fcsel(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let a = l.vreg_low(bits(insn, 9, 5), ty.bits());
    let b = l.vreg_low(bits(insn, 20, 16), ty.bits());
    let c = l.cond_holds(bits(insn, 15, 12));
    let r = l.b.select(c, a, b);
    l.set_vreg_low(bits(insn, 4, 0), r);
    true
}

fn trans_fmov_imm(l: &mut Lift, insn: u32) -> bool {
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let v = vfp_expand_imm(bits(insn, 20, 13), ty.bits());
    let c = l.b.iconst(Ty::int(ty.bits()), v as u128);
    l.set_vreg_low(bits(insn, 4, 0), c);
    true
}

fn trans_fp_int(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let t = bits(insn, 23, 22);
    let rmode = bits(insn, 20, 19);
    let op = bits(insn, 18, 16);
    let (n, d) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let ity = if sf { Ty::I64 } else { Ty::I32 };
    if op & 6 == 6 {
        // FMOV (general).
        let to_fp = op & 1 == 1;
        match (sf, t, rmode) {
            (false, 0, 0) | (true, 1, 0) => {
                let w = if sf { 64 } else { 32 };
                if to_fp {
                    let x = l.xr(n, sf);
                    l.set_vreg_low(d, x);
                } else {
                    let x = l.vreg_low(n, w);
                    l.set_xr(d, x);
                }
            }
            (true, 2, 1) => {
                if to_fp {
                    let x = l.xr(n, true);
                    let v = l.vreg(d);
                    let r = l.b.insert(v, x, 64, 1);
                    l.set_vreg(d, r);
                } else {
                    let v = l.vreg(n);
                    let x = l.b.extract(v, 64, 1);
                    l.set_xr(d, x);
                }
            }
            _ => return false, // H forms need FEAT_FP16
        }
        return true;
    }
    let Some(ty) = fty(t) else { return false };
    let signed = op & 1 == 0;
    match (rmode, op) {
        (0, 2) | (0, 3) => {
            let x = l.xr(n, sf);
            let r =
                l.b.convert(if signed { Op::SIToFP } else { Op::UIToFP }, x, ty);
            l.set_freg(d, r);
            true
        }
        (_, 0) | (_, 1) | (0, 4) | (0, 5) => {
            let rm = match (rmode, op) {
                (0, 0) | (0, 1) => Some(RoundMode::NearestEven),
                (0, _) => Some(RoundMode::NearestAway),
                (1, _) => Some(RoundMode::Ceil),
                (2, _) => Some(RoundMode::Floor),
                _ => None,
            };
            let x = l.freg(n, ty);
            let r = f_to_int(&mut l.b, x, rm, signed, ity);
            l.set_xr(d, r);
            true
        }
        _ => false, // FJCVTZS etc.
    }
}

fn trans_fp_fixed(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let Some(ty) = fty(bits(insn, 23, 22)) else {
        return false;
    };
    let rmode = bits(insn, 20, 19);
    let op = bits(insn, 18, 16);
    let scale = bits(insn, 15, 10);
    if !sf && scale < 32 {
        return false;
    }
    let fbits = 64 - scale as i32;
    let (n, d) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let ity = if sf { Ty::I64 } else { Ty::I32 };
    match (rmode, op) {
        (0, 2) | (0, 3) => {
            let x = l.xr(n, sf);
            let f =
                l.b.convert(if op == 2 { Op::SIToFP } else { Op::UIToFP }, x, ty);
            let p = fpow2(&mut l.b, ty, -fbits);
            let r = l.b.fbin(Op::FMul, f, p);
            l.set_freg(d, r);
            true
        }
        (3, 0) | (3, 1) => {
            let x = l.freg(n, ty);
            let r = f_to_fixed(&mut l.b, x, fbits as u32, None, op == 0, ity);
            l.set_xr(d, r);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::cpu::CpuState;
    use crate::ir::interp::{Exit, FlatMemory, Interp};

    /// Lift `words` at 0x1000, verify, run; the snippet must fall through to its end.
    pub fn run(words: &[u32], st: &mut CpuState, mem: &mut FlatMemory) {
        let f = crate::isa::aarch64::lift_snippet(0x1000, words);
        crate::ir::verify::verify(&f).unwrap();
        let mut i = Interp::new(&f);
        let e = i.run(st, mem, 0, 1_000_000);
        // Running off the end of the snippet is a NotCode trap at its end.
        let end = 0x1000 + 4 * words.len() as u64;
        assert_eq!(
            e,
            Exit::Trap {
                kind: crate::ir::TrapKind::NotCode,
                pc: end
            },
            "words {words:08x?}"
        );
    }
    pub fn run1(words: &[u32], st: &mut CpuState) {
        run(words, st, &mut FlatMemory::default())
    }
    fn d(st: &CpuState, r: usize) -> f64 {
        f64::from_bits(st.v[r] as u64)
    }
    fn s(st: &CpuState, r: usize) -> f32 {
        f32::from_bits(st.v[r] as u32)
    }

    #[test]
    fn vfp_imm() {
        use super::vfp_expand_imm;
        assert_eq!(vfp_expand_imm(0x70, 32), 1.0f32.to_bits() as u64);
        assert_eq!(vfp_expand_imm(0x70, 64), 1.0f64.to_bits());
        assert_eq!(vfp_expand_imm(0x84, 64), (-2.5f64).to_bits());
        assert_eq!(vfp_expand_imm(0x00, 64), 2.0f64.to_bits());
        assert_eq!(vfp_expand_imm(0x7f, 32), 1.9375f32.to_bits() as u64);
        assert_eq!(vfp_expand_imm(0x60, 32), 0.5f32.to_bits() as u64);
        assert_eq!(vfp_expand_imm(0x70, 16), 0x3c00);
    }

    #[test]
    fn fmov_imm_and_arith() {
        let mut st = CpuState::default();
        st.v[0] = u128::MAX;
        st.v[2] = 4.0f64.to_bits() as u128;
        st.v[3] = 0.5f64.to_bits() as u128;
        // fmov s0,#1.0; fmov d1,#-2.5; fmadd d4? -> use fadd d0,d1,d2 then fmadd d0,d1,d2,d3
        run1(&[0x1e2e1000], &mut st);
        assert_eq!(st.v[0], 1.0f32.to_bits() as u128);
        run1(&[0x1e709001, 0x1e622820], &mut st);
        assert_eq!(d(&st, 1), -2.5);
        assert_eq!(d(&st, 0), 1.5);
        run1(&[0x1f420c20], &mut st); // fmadd d0, d1, d2, d3 = 0.5 + -2.5*4
        assert_eq!(d(&st, 0), -9.5);
        run1(&[0x1e628820], &mut st); // fnmul
        assert_eq!(d(&st, 0), 10.0);
        st.v[1] = 2.0f64.to_bits() as u128;
        run1(&[0x1e61c020], &mut st); // fsqrt
        assert_eq!(d(&st, 0), 2f64.sqrt());
        // fmsub d0,d1,d2,d3 = 0.5 - 8; fnmadd = -0.5 - 8; fnmsub = -0.5 + 8
        run1(&[0x1f428c20], &mut st);
        assert_eq!(d(&st, 0), -7.5);
        run1(&[0x1f620c20], &mut st);
        assert_eq!(d(&st, 0), -8.5);
        run1(&[0x1f628c20], &mut st);
        assert_eq!(d(&st, 0), 7.5);
    }

    #[test]
    fn min_max_nm() {
        let mut st = CpuState::default();
        st.v[1] = (-0.0f64).to_bits() as u128;
        st.v[2] = 0.0f64.to_bits() as u128;
        run1(&[0x1e627820], &mut st); // fminnm d0, d1, d2
        assert_eq!(st.v[0], (-0.0f64).to_bits() as u128);
        st.v[1] = f32::NAN.to_bits() as u128;
        st.v[2] = 3.5f32.to_bits() as u128;
        run1(&[0x1e226820], &mut st); // fmaxnm s0, s1, s2
        assert_eq!(st.v[0], 3.5f32.to_bits() as u128);
    }

    #[test]
    fn fcmp_flags() {
        let cases = [
            (1.0, 1.0, 0b0110),
            (1.0, 2.0, 0b1000),
            (3.0, 2.0, 0b0010),
            (f64::NAN, 2.0, 0b0011),
        ];
        for (a, b, f) in cases {
            let mut st = CpuState::default();
            st.v[0] = (a as f64).to_bits() as u128;
            st.v[1] = (b as f64).to_bits() as u128;
            run1(&[0x1e612000], &mut st);
            assert_eq!(st.nzcv() >> 28, f, "{a} {b}");
        }
        let mut st = CpuState::default();
        st.v[0] = (-1.0f32).to_bits() as u128;
        run1(&[0x1e202008], &mut st); // fcmp s0,#0.0
        assert_eq!(st.nzcv() >> 28, 0b1000);
        // fccmp d0,d1,#4,eq with Z clear: flags = 0100
        st.v[0] = 1f64.to_bits() as u128;
        st.v[1] = 2f64.to_bits() as u128;
        st.z = 0;
        run1(&[0x1e610404], &mut st);
        assert_eq!(st.nzcv() >> 28, 0b0100);
        st.z = 1;
        run1(&[0x1e610404], &mut st);
        assert_eq!(st.nzcv() >> 28, 0b1000);
        // fcsel d0,d1,d2,gt: flags 1000 -> not gt -> d2
        st.v[2] = 7f64.to_bits() as u128;
        run1(&[0x1e62cc20], &mut st);
        assert_eq!(d(&st, 0), 7.0);
    }

    #[test]
    fn conversions() {
        let mut st = CpuState::default();
        for (x, want) in [
            (1e300, i32::MAX as u64 as u32),
            (-1e300, 0x8000_0000),
            (f64::NAN, 0),
            (-3.7, (-3i32) as u32),
        ] {
            st.v[0] = (x as f64).to_bits() as u128;
            st.fpsr = 0;
            run1(&[0x1e780000], &mut st); // fcvtzs w0, d0
            assert_eq!(st.x[0], want as u64, "{x}");
            // FPToFixed: NaN or out of range -> IOC only; inexact in range -> IXC only.
            let flags = if x.is_nan() || x.abs() > 1e10 { 1 } else { 0x10 };
            assert_eq!(st.fpsr & 0x9f, flags, "fpsr after fcvtzs of {x}");
        }
        st.v[0] = 2.75f32.to_bits() as u128;
        run1(&[0x9e18f000], &mut st); // fcvtzs x0, s0, #4
        assert_eq!(st.x[0], 44);
        st.x[1] = (-5i64) as u64;
        run1(&[0x9e620020], &mut st); // scvtf d0, x1
        assert_eq!(d(&st, 0), -5.0);
        st.x[1] = 0x180;
        run1(&[0x1e03e020], &mut st); // ucvtf s0, w1, #8
        assert_eq!(s(&st, 0), 1.5);
        st.v[1] = 2.5f64.to_bits() as u128;
        run1(&[0x1e624020], &mut st); // fcvt s0, d1
        assert_eq!(st.v[0], 2.5f32.to_bits() as u128);
        run1(&[0x1e664020, 0x9e600020], &mut st); // frinta d0,d1 ; fcvtns x0,d1
        assert_eq!(d(&st, 0), 3.0);
        assert_eq!(st.x[0], 2);
        st.v[1] = (-2.5f32).to_bits() as u128;
        run1(&[0x1e300020], &mut st); // fcvtms w0, s1
        assert_eq!(st.x[0], (-3i32) as u32 as u64);
    }

    #[test]
    fn half() {
        let mut st = CpuState::default();
        for (f, h) in [
            (1.0f32, 0x3c00u16),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),
            (1e6, 0x7c00),
            (5.960464477539063e-8, 1),
            (0.0, 0),
            (6.103515625e-05, 0x400),
            (1.0009765625, 0x3c01),
            (1.00048828125, 0x3c00),
        ] {
            st.v[1] = f.to_bits() as u128;
            run1(&[0x1e23c020], &mut st); // fcvt h0, s1
            assert_eq!(st.v[0], h as u128, "{f}");
            st.v[1] = (f as f64).to_bits() as u128;
            run1(&[0x1e63c020], &mut st); // fcvt h0, d1
            assert_eq!(st.v[0], h as u128, "{f} d");
            if f != 1e6 && f != 1.00048828125 {
                st.v[1] = h as u128;
                run1(&[0x1ee24020, 0x1ee2c022], &mut st); // fcvt s0,h1; fcvt d2,h1
                assert_eq!(s(&st, 0), f);
                assert_eq!(d(&st, 2), f as f64);
            }
        }
    }

    #[test]
    fn fmov_general() {
        let mut st = CpuState::default();
        st.v[1] = 0x1111_2222_3333_4444_5555_6666_7777_8888;
        st.x[0] = 0xdead;
        run1(&[0x9eae0022, 0x9e660023, 0x9eaf0001], &mut st); // fmov x2,v1.d[1]; fmov x3,d1; fmov v1.d[1],x0
        assert_eq!(st.x[2], 0x1111_2222_3333_4444);
        assert_eq!(st.x[3], 0x5555_6666_7777_8888);
        assert_eq!(st.v[1], 0xdead_u128 << 64 | 0x5555_6666_7777_8888);
        st.x[1] = 0xffff_ffff_3f80_0000;
        run1(&[0x1e270020], &mut st); // fmov s0, w1
        assert_eq!(st.v[0], 0x3f80_0000);
    }
}
