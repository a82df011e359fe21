//! AdvSIMD (C4.1.96 "Data Processing -- Scalar Floating-Point and Advanced SIMD", vector and
//! scalar-SIMD parts; C4.1.88 "Advanced SIMD load/store multiple/single structures").
//!
//! Vector registers are I128 values. Most instructions are lane loops over `extract`/`insert`
//! built by a few generic helpers ([`map_lanes`], [`pairwise`], the widening and narrowing forms);
//! a lane-wise result is assembled from zero, so a 64-bit (Q = 0) or scalar result leaves the
//! upper bits zero as the architecture requires. Bitwise operations work on the whole I128.
//!
//! Group patterns that cover a vector form and its scalar twin use bit 28 as a field (`x`);
//! the trans function rejects the combinations that are unallocated.

use super::decode::{pat, Pattern};
use super::fp::{f_to_half, f_to_int, fconst, fpow2, half_to_f32, vfp_expand_imm};
use super::{bit, bits, Lift};
use crate::ir::{Builder, Cond, FCond, Op, Ordering, RoundMode, Ty, Value};

pub const PATTERNS: &[Pattern] = &[
    // Loads and stores of structures.
    pat("0 q 0011 00 p l 0 mmmmm oooo ss nnnnn ttttt", "LD1-4/ST1-4 (multiple structures)", trans_ldst_multi),
    pat("0 q 0011 01 p l r mmmmm ooo s zz nnnnn ttttt", "LD1-4/ST1-4/LD1R-LD4R (single structure)", trans_ldst_single),
    // Data processing.
    pat("0 q o 0111100000 abc cccc z 1 defgh ddddd", "MOVI/MVNI/ORR/BIC/FMOV (vector, immediate)", trans_modimm),
    pat("0 q u x 11110 hhhh bbb ooooo 1 nnnnn ddddd", "AdvSIMD (scalar) shift by immediate", trans_shift_imm),
    pat("0 q o x 1110000 iiiii 0 jjjj 1 nnnnn ddddd", "DUP/INS/UMOV/SMOV (AdvSIMD (scalar) copy)", trans_copy),
    pat("0 q 001110 ss 0 mmmmm 0 ooo 10 nnnnn ddddd", "UZP1/UZP2/ZIP1/ZIP2/TRN1/TRN2", trans_permute),
    pat("0 q 101110 00 0 mmmmm 0 iiii 0 nnnnn ddddd", "EXT", trans_ext),
    pat("0 q 001110 00 0 mmmmm 0 ll o 00 nnnnn ddddd", "TBL/TBX", trans_tbl),
    pat("0 q u x 1110 ss 10000 ooooo 10 nnnnn ddddd", "AdvSIMD (scalar) two-register misc", trans_2misc),
    pat("0 q u 0 1110 ss 11000 ooooo 10 nnnnn ddddd", "AdvSIMD across lanes", trans_across),
    pat("0 1 u 1 1110 ss 11000 ooooo 10 nnnnn ddddd", "AdvSIMD scalar pairwise", trans_scalar_pair),
    pat("0 q u x 1110 ss 1 mmmmm ooooo 1 nnnnn ddddd", "AdvSIMD (scalar) three same", trans_3same),
    pat("0 q u x 1110 ss 1 mmmmm oooo 00 nnnnn ddddd", "AdvSIMD (scalar) three different", trans_3diff),
    pat("0 q u x 1111 ss l M mmmm oooo h 0 nnnnn ddddd", "AdvSIMD (scalar) x indexed element", trans_indexed),
];

// ---------------------------------------------------------------------------------------------
// Helpers

fn nlanes(q: bool, esize: u32) -> u32 {
    if q {
        128 / esize
    } else {
        64 / esize
    }
}

fn fty_of(esize: u32) -> Ty {
    if esize == 64 {
        Ty::F64
    } else {
        Ty::F32
    }
}

/// Write a whole-vector result: Q = 0 keeps only the low 64 bits.
fn set_vq(l: &mut Lift, d: u32, v: Value, q: bool) {
    if q {
        l.set_vreg(d, v);
    } else {
        let t = l.b.trunc(v, Ty::I64);
        l.set_vreg_low(d, t);
    }
}

/// A vector from lane values (lane i = lanes[i]), other bits zero.
fn pack(b: &mut Builder, lanes: &[Value], esize: u32) -> Value {
    let mut acc = b.iconst(Ty::I128, 0);
    for (i, &x) in lanes.iter().enumerate() {
        acc = b.insert(acc, x, esize, i as u32);
    }
    acc
}

fn unpack(b: &mut Builder, v: Value, esize: u32, n: u32) -> Vec<Value> {
    (0..n).map(|i| b.extract(v, esize, i)).collect()
}

/// Lane-wise operation: lane i of the result is `f(lane i of each source)`; `n` lanes of `esize`.
fn map_lanes(
    b: &mut Builder,
    esize: u32,
    n: u32,
    srcs: &[Value],
    mut f: impl FnMut(&mut Builder, &[Value]) -> Value,
) -> Value {
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let args: Vec<Value> = srcs.iter().map(|&s| b.extract(s, esize, i)).collect();
        out.push(f(b, &args));
    }
    pack(b, &out, esize)
}

/// Pairwise: the lanes of `vn` then `vm` (n each), result lane i = f(c[2i], c[2i+1]).
fn pairwise(b: &mut Builder, esize: u32, n: u32, vn: Value, vm: Value, mut f: impl FnMut(&mut Builder, Value, Value) -> Value) -> Value {
    let mut c = unpack(b, vn, esize, n);
    c.extend(unpack(b, vm, esize, n));
    let out: Vec<Value> = (0..n as usize).map(|i| f(b, c[2 * i], c[2 * i + 1])).collect();
    pack(b, &out, esize)
}

/// All-ones / all-zeros lane of type `ty` from a condition.
fn mask(b: &mut Builder, c: Value, ty: Ty) -> Value {
    b.sext(c, ty)
}

fn ext(b: &mut Builder, x: Value, ty: Ty, signed: bool) -> Value {
    if signed {
        b.sext(x, ty)
    } else {
        b.zext(x, ty)
    }
}

/// Replicate the 64-bit pattern `v` to 128 bits (Q = 1) or keep 64 (Q = 0).
fn rep64(v: u64, q: bool) -> u128 {
    if q {
        (v as u128) << 64 | v as u128
    } else {
        v as u128
    }
}

/// Replicate a lane of `esize` bits across 64 bits.
fn rep_lane(v: u64, esize: u32) -> u64 {
    let mut r = 0u64;
    let m = if esize == 64 { u64::MAX } else { (1u64 << esize) - 1 };
    let mut s = 0;
    while s < 64 {
        r |= (v & m) << s;
        s += esize;
    }
    r
}

/// Broadcast the `esize`-bit integer `x` to all lanes (Q selects 64 or 128 bits).
fn dup(b: &mut Builder, x: Value, esize: u32, q: bool) -> Value {
    let w = b.zext(x, Ty::I128);
    let k = b.iconst(Ty::I128, rep64(rep_lane(1, esize), q));
    b.mul(w, k)
}

// SWAR forms of the most frequent lane-wise operations: a handful of I128 operations instead of
// a lane loop. `H` has the top bit of every lane set, `L` = !H.

fn lane_top(esize: u32) -> u128 {
    rep64(rep_lane(1u64 << (esize - 1), esize), true)
}

/// Lane-wise a + b.
fn swar_add(b: &mut Builder, x: Value, y: Value, esize: u32) -> Value {
    let h = lane_top(esize);
    let xl = b.and_i(x, !h);
    let yl = b.and_i(y, !h);
    let s = b.add(xl, yl);
    let t = b.xor(x, y);
    let t = b.and_i(t, h);
    b.xor(s, t)
}

/// Lane-wise a - b.
fn swar_sub(b: &mut Builder, x: Value, y: Value, esize: u32) -> Value {
    let h = lane_top(esize);
    let hv = b.iconst(Ty::I128, h);
    let xh = b.or(x, hv);
    let yl = b.and_i(y, !h);
    let d = b.sub(xh, yl);
    let ny = b.not(y);
    let t = b.xor(x, ny);
    let t = b.and_i(t, h);
    b.xor(d, t)
}

/// The top bit of each lane set iff the lane of `x` is non-zero (other bits clear).
fn swar_nonzero_top(b: &mut Builder, x: Value, esize: u32) -> Value {
    let h = lane_top(esize);
    let xl = b.and_i(x, !h);
    let s = b.add_i(xl, !h);
    let o = b.or(s, x);
    b.and_i(o, h)
}

/// Widen per-lane top bits (other bits clear) to all-ones lanes.
fn swar_top_to_mask(b: &mut Builder, t: Value, esize: u32) -> Value {
    let m = b.lshr_i(t, esize - 1);
    let s = b.shl_i(m, esize);
    b.sub(s, m)
}

/// CMEQ (register: x ^ y; zero: x) and CMTST (x & y) masks.
fn swar_is_zero_mask(b: &mut Builder, x: Value, esize: u32) -> Value {
    let nz = swar_nonzero_top(b, x, esize);
    let h = b.iconst(Ty::I128, lane_top(esize));
    let z = b.xor(nz, h);
    swar_top_to_mask(b, z, esize)
}


fn to_f(b: &mut Builder, x: Value) -> Value {
    let t = fty_of(b.ty(x).bits());
    b.bitcast(x, t)
}
fn to_i(b: &mut Builder, x: Value) -> Value {
    let t = Ty::int(b.ty(x).bits());
    b.bitcast(x, t)
}

fn min_max(b: &mut Builder, x: Value, y: Value, signed: bool, max: bool) -> Value {
    let c = match (signed, max) {
        (true, true) => Cond::Sgt,
        (true, false) => Cond::Slt,
        (false, true) => Cond::Ugt,
        (false, false) => Cond::Ult,
    };
    let k = b.icmp(c, x, y);
    b.select(k, x, y)
}

/// Clamp a double-width value to the signed or unsigned range of `ty` and truncate.
fn saturate(b: &mut Builder, w: Value, ty: Ty, signed: bool) -> Value {
    let wt = b.ty(w);
    let e = ty.bits();
    let (lo, hi): (i128, i128) = if signed { (-(1i128 << (e - 1)), (1i128 << (e - 1)) - 1) } else { (0, (1i128 << e) - 1) };
    let lo_v = b.iconst(wt, lo as u128);
    let hi_v = b.iconst(wt, hi as u128);
    let below = b.icmp(Cond::Slt, w, lo_v);
    let above = b.icmp(Cond::Sgt, w, hi_v);
    let a = b.select(below, lo_v, w);
    let r = b.select(above, hi_v, a);
    b.trunc(r, ty)
}

/// USHL/SSHL lane: shift `x` by the signed low byte of `y` (negative: right).
fn shl_reg(b: &mut Builder, x: Value, y: Value, signed: bool) -> Value {
    let ty = b.ty(x);
    let e = ty.bits();
    let s8 = b.trunc(y, Ty::I8);
    let s8 = if e == 8 { y } else { s8 };
    let sh = b.sext(s8, ty);
    let zero = b.iconst(ty, 0);
    let is_left = b.icmp(Cond::Sge, sh, zero);
    let l = b.shl(x, sh);
    let l_ok = b.icmp_i(Cond::Slt, sh, e as u128);
    let left = b.select(l_ok, l, zero);
    let nsh = b.neg(sh);
    let r_ok = b.icmp_i(Cond::Ult, nsh, e as u128);
    let right = if signed {
        let r = b.ashr(x, nsh);
        let full = b.ashr_i(x, e - 1);
        b.select(r_ok, r, full)
    } else {
        let r = b.lshr(x, nsh);
        b.select(r_ok, r, zero)
    };
    b.select(is_left, left, right)
}

/// SQSHL/UQSHL/SRSHL/URSHL/SQRSHL/UQRSHL (register) lane: shift `x` by the signed low byte of `y`,
/// optionally rounding right shifts and saturating, computed in 128 bits.
fn shl_reg_ext(b: &mut Builder, x: Value, y: Value, signed: bool, round: bool, sat: bool) -> Value {
    let ty = b.ty(x);
    let e = ty.bits();
    let s8 = if e == 8 { y } else { b.trunc(y, Ty::I8) };
    let s = b.sext(s8, Ty::I128);
    let xw = ext(b, x, Ty::I128, signed);
    let zero = b.iconst(Ty::I128, 0);
    let is_left = b.icmp(Cond::Sge, s, zero);
    let ec = b.iconst(Ty::I128, e as u128);
    let big = b.icmp(Cond::Ugt, s, ec);
    let sl = b.select(big, ec, s);
    let left = b.shl(xw, sl);
    let ns = b.neg(s);
    let e1 = b.iconst(Ty::I128, e as u128 + 1);
    let big = b.icmp(Cond::Ugt, ns, e1);
    let n = b.select(big, e1, ns);
    let xr = if round {
        let n1 = b.add_i(n, u128::MAX); // n - 1
        let one = b.iconst(Ty::I128, 1);
        let rc = b.shl(one, n1);
        b.add(xw, rc)
    } else {
        xw
    };
    let right = b.ashr(xr, n);
    let r = b.select(is_left, left, right);
    if sat {
        saturate(b, r, ty, signed)
    } else {
        b.trunc(r, ty)
    }
}

/// SQDMULH/SQRDMULH lane.
fn sqdmulh(b: &mut Builder, x: Value, y: Value, round: bool) -> Value {
    let ty = b.ty(x);
    let e = ty.bits();
    let xw = b.sext(x, Ty::I128);
    let yw = b.sext(y, Ty::I128);
    let p = b.mul(xw, yw);
    let p = b.shl_i(p, 1);
    let p = if round { b.add_i(p, 1u128 << (e - 1)) } else { p };
    let r = b.ashr_i(p, e);
    saturate(b, r, ty, true)
}

/// SQDMULL (op 1101), SQDMLAL (1001), SQDMLSL (1011) on sign-extended double-width lanes.
fn sqdmull_acc(b: &mut Builder, x: Value, y: Value, acc: Value, op: u32) -> Value {
    let wty = b.ty(x);
    let xw = b.sext(x, Ty::I128);
    let yw = b.sext(y, Ty::I128);
    let p = b.mul(xw, yw);
    let p = b.shl_i(p, 1);
    let p = saturate(b, p, wty, true);
    if op == 0b1101 {
        return p;
    }
    let pw = b.sext(p, Ty::I128);
    let aw = b.sext(acc, Ty::I128);
    let s = if op == 0b1001 { b.add(aw, pw) } else { b.sub(aw, pw) };
    saturate(b, s, wty, true)
}

/// PMULL lane: full polynomial product of two zero-extended elements (in double width).
fn pmul_wide(b: &mut Builder, x: Value, y: Value) -> Value {
    let ty = b.ty(x);
    let mut acc = b.iconst(ty, 0);
    for i in 0..ty.bits() / 2 {
        let bi = b.lshr_i(y, i);
        let bi = b.and_i(bi, 1);
        let m = b.neg(bi);
        let xs = b.shl_i(x, i);
        let t = b.and(xs, m);
        acc = b.xor(acc, t);
    }
    acc
}

/// F64 bits -> F32 bits rounded to odd (FCVTXN): truncate toward zero, set the low bit if inexact.
fn fcvt_round_odd(b: &mut Builder, xi: Value) -> Value {
    let x = b.bitcast(xi, Ty::F64);
    let f = b.convert(Op::FCvt, x, Ty::F32);
    let fb = b.bitcast(f, Ty::I32);
    let back = b.convert(Op::FCvt, f, Ty::F64);
    let ab = b.fun(Op::FAbs, back);
    let ax = b.fun(Op::FAbs, x);
    let over = b.fcmp(FCond::Ogt, ab, ax);
    let dec = b.add_i(fb, 0xffff_ffff);
    let t = b.select(over, dec, fb);
    let tf = b.bitcast(t, Ty::F32);
    let tb = b.convert(Op::FCvt, tf, Ty::F64);
    let exact = b.fcmp(FCond::Oeq, tb, x);
    let one = b_const(b, Ty::I32, 1);
    let odd = b.or(t, one);
    let r = b.select(exact, t, odd);
    // NaN: quiet NaN with the top payload bits.
    let nan = b.fcmp(FCond::Uno, x, x);
    let qb = b_const(b, Ty::I32, 0x0040_0000);
    let q = b.or(fb, qb);
    b.select(nan, q, r)
}

fn b_const(b: &mut Builder, ty: Ty, v: u128) -> Value {
    b.iconst(ty, v)
}

/// RecipEstimate: a in 256..511 (I64) -> estimate in 256..511.
fn recip_est(b: &mut Builder, a: Value) -> Value {
    let a2 = b.shl_i(a, 1);
    let a2 = b.add_i(a2, 1);
    let num = b.c64(1 << 19);
    let q = b.udiv(num, a2);
    let q = b.add_i(q, 1);
    b.lshr_i(q, 1)
}

/// RecipSqrtEstimate: a in 128..511 (I64) -> estimate in 256..511. The reference loop finds the
/// least c >= 513 with a' * c^2 >= 2^28 (a' the adjusted input); here c comes from a float square
/// root, corrected by one step either way with exact integer checks.
fn rsqrt_est(b: &mut Builder, a: Value) -> Value {
    // a' = a < 256 ? 2a + 1 : 2 * ((a & !1) + 1)
    let lo = b.icmp_i(Cond::Ult, a, 256);
    let t1 = b.shl_i(a, 1);
    let t1 = b.add_i(t1, 1);
    let t2 = b.and_i(a, !1u128);
    let t2 = b.add_i(t2, 1);
    let t2 = b.shl_i(t2, 1);
    let ap = b.select(lo, t1, t2);
    let af = b.convert(Op::UIToFP, ap, Ty::F64);
    let k = fpow2(b, Ty::F64, 28);
    let qf = b.fbin(Op::FDiv, k, af);
    let sf = b.fun(Op::FSqrt, qf);
    let cf = b.fround(sf, RoundMode::Ceil);
    let c0 = b.convert(Op::FPToUISat, cf, Ty::I64);
    let lim = b.c64(1 << 28);
    // c0 - 1 already enough?
    let cm = b.add_i(c0, u64::MAX as u128);
    let pm = b.mul(cm, cm);
    let pm = b.mul(pm, ap);
    let dn = b.icmp(Cond::Uge, pm, lim);
    let c1 = b.select(dn, cm, c0);
    // c1 not enough?
    let p1 = b.mul(c1, c1);
    let p1 = b.mul(p1, ap);
    let up = b.icmp(Cond::Ult, p1, lim);
    let cp = b.add_i(c1, 1);
    let c = b.select(up, cp, c1);
    let m = b.c64(513);
    let small = b.icmp(Cond::Ult, c, m);
    let c = b.select(small, m, c);
    b.lshr_i(c, 1)
}

fn fparams(w: u32) -> (u32, u128, u128) {
    // (fraction bits, exponent mask, bias)
    if w == 32 {
        (23, 0xff, 127)
    } else {
        (52, 0x7ff, 1023)
    }
}

/// FRECPE lane (integer bits in, integer bits out), FPCR defaults (no FZ).
fn frecpe(b: &mut Builder, xi: Value) -> Value {
    let ity = b.ty(xi);
    let w = ity.bits();
    let (f, emask, bias) = fparams(w);
    let x = b.zext(xi, Ty::I64);
    let sign = b.and_i(x, 1u128 << (w - 1));
    let absx = b.and_i(x, (1u128 << (w - 1)) - 1);
    let e = b.lshr_i(x, f);
    let e = b.and_i(e, emask);
    let frac = b.and_i(x, (1u128 << f) - 1);
    let inf = (emask << f) as u128;
    let is_nan = b.icmp_i(Cond::Ugt, absx, inf);
    let is_inf = b.icmp_i(Cond::Eq, absx, inf);
    let tiny = b.icmp_i(Cond::Ult, absx, 1u128 << (f - 2));
    // Denormal inputs: renormalise by one or two places.
    let ez = b.icmp_i(Cond::Eq, e, 0);
    let top = b.lshr_i(frac, f - 1);
    let top0 = b.icmp_i(Cond::Eq, top, 0);
    let fm = (1u128 << f) - 1;
    let f2 = b.shl_i(frac, 2);
    let f2 = b.and_i(f2, fm);
    let f1 = b.shl_i(frac, 1);
    let f1 = b.and_i(f1, fm);
    let fd = b.select(top0, f2, f1);
    let frac = b.select(ez, fd, frac);
    let m1 = b.c64(u64::MAX);
    let ed = b.select(top0, m1, e);
    let e = b.select(ez, ed, e);
    let sc = b.lshr_i(frac, f - 8);
    let sc = b.add_i(sc, 256);
    let est = recip_est(b, sc);
    let rexp0 = b.c64((2 * bias - 1) as u64);
    let rexp = b.sub(rexp0, e);
    let fr = b.and_i(est, 0xff);
    let fr = b.shl_i(fr, f - 8);
    let r0 = b.icmp_i(Cond::Eq, rexp, 0);
    let rm1 = b.icmp_i(Cond::Eq, rexp, u64::MAX as u128);
    let fa = b.lshr_i(fr, 1);
    let fa = b.add_i(fa, 1u128 << (f - 1));
    let fb = b.lshr_i(fr, 2);
    let fb = b.add_i(fb, 1u128 << (f - 2));
    let fr = b.select(r0, fa, fr);
    let fr = b.select(rm1, fb, fr);
    let zero = b.c64(0);
    let rexp = b.select(rm1, zero, rexp);
    let rexp = b.and_i(rexp, emask);
    let rexp = b.shl_i(rexp, f);
    let r = b.or(sign, rexp);
    let r = b.or(r, fr);
    // Specials.
    let inf_s = b.add_i(sign, inf);
    let r = b.select(tiny, inf_s, r);
    let r = b.select(is_inf, sign, r);
    let qb = b_const(b, Ty::I64, 1u128 << (f - 1));
    let qn = b.or(x, qb);
    let r = b.select(is_nan, qn, r);
    b.trunc(r, ity)
}

/// FRSQRTE lane (integer bits in, integer bits out), FPCR defaults.
fn frsqrte(b: &mut Builder, xi: Value) -> Value {
    let ity = b.ty(xi);
    let w = ity.bits();
    let (f, emask, bias) = fparams(w);
    let x = b.zext(xi, Ty::I64);
    let sign = b.and_i(x, 1u128 << (w - 1));
    let absx = b.and_i(x, (1u128 << (w - 1)) - 1);
    let e = b.lshr_i(x, f);
    let e = b.and_i(e, emask);
    let fm = (1u128 << f) - 1;
    let frac = b.and_i(x, fm);
    let inf = (emask << f) as u128;
    let is_nan = b.icmp_i(Cond::Ugt, absx, inf);
    let is_inf = b.icmp_i(Cond::Eq, absx, inf);
    let is_zero = b.icmp_i(Cond::Eq, absx, 0);
    let neg = b.icmp_i(Cond::Ne, sign, 0);
    // Denormal: shift the leading one out, exponent -(leading zeros).
    let ez = b.icmp_i(Cond::Eq, e, 0);
    let lz = b.clz(frac);
    let lz = b.add_i(lz, (f as u128).wrapping_sub(64) & u64::MAX as u128); // leading zeros within F bits
    let sh = b.add_i(lz, 1);
    let fd = b.shl(frac, sh);
    let fd = b.and_i(fd, fm);
    let ed = b.neg(lz);
    let frac = b.select(ez, fd, frac);
    let e = b.select(ez, ed, e);
    let odd = b.and_i(e, 1);
    let odd = b.icmp_i(Cond::Ne, odd, 0);
    let s_even = b.lshr_i(frac, f - 8);
    let s_even = b.add_i(s_even, 256);
    let s_odd = b.lshr_i(frac, f - 7);
    let s_odd = b.add_i(s_odd, 128);
    let sc = b.select(odd, s_odd, s_even);
    let est = rsqrt_est(b, sc);
    let k = b.c64((3 * bias - 1) as u64);
    let rexp = b.sub(k, e);
    let rexp = b.lshr_i(rexp, 1);
    let rexp = b.and_i(rexp, emask);
    let rexp = b.shl_i(rexp, f);
    let fr = b.and_i(est, 0xff);
    let fr = b.shl_i(fr, f - 8);
    let r = b.or(rexp, fr);
    // Specials (in priority order: NaN, zero, negative, infinity).
    let zero = b.c64(0);
    let r = b.select(is_inf, zero, r);
    let dnan = b.c64(if w == 32 { 0x7fc0_0000 } else { 0x7ff8_0000_0000_0000 });
    let r = b.select(neg, dnan, r);
    let inf_s = b.add_i(sign, inf);
    let r = b.select(is_zero, inf_s, r);
    let qb = b_const(b, Ty::I64, 1u128 << (f - 1));
    let qn = b.or(x, qb);
    let r = b.select(is_nan, qn, r);
    b.trunc(r, ity)
}

/// PMUL lane (8-bit polynomial multiply, low half).
fn pmul8(b: &mut Builder, x: Value, y: Value) -> Value {
    let mut acc = b.iconst(Ty::I8, 0);
    for i in 0..8 {
        let bi = b.lshr_i(y, i);
        let bi = b.and_i(bi, 1);
        let m = b.neg(bi);
        let xs = b.shl_i(x, i);
        let t = b.and(xs, m);
        acc = b.xor(acc, t);
    }
    acc
}

/// FMULX: as FMUL, but (±0) * (±inf) = ±2.
fn fmulx(b: &mut Builder, x: Value, y: Value) -> Value {
    let ty = b.ty(x);
    let p = b.fbin(Op::FMul, x, y);
    let inf = fconst(b, ty, if ty == Ty::F32 { 0x7f80_0000 } else { 0x7ff0_0000_0000_0000 });
    let zero = fconst(b, ty, 0);
    let ax = b.fun(Op::FAbs, x);
    let ay = b.fun(Op::FAbs, y);
    let xi = b.fcmp(FCond::Oeq, ax, inf);
    let yi = b.fcmp(FCond::Oeq, ay, inf);
    let xz = b.fcmp(FCond::Oeq, x, zero);
    let yz = b.fcmp(FCond::Oeq, y, zero);
    let s1 = b.and(xi, yz);
    let s2 = b.and(xz, yi);
    let sp = b.or(s1, s2);
    let two = fpow2(b, ty, 1);
    let it = Ty::int(ty.bits());
    let xb = b.bitcast(x, it);
    let yb = b.bitcast(y, it);
    let sg = b.xor(xb, yb);
    let sg = b.and_i(sg, 1u128 << (ty.bits() - 1));
    let tb = b.bitcast(two, it);
    let t = b.or(tb, sg);
    let t = b.bitcast(t, ty);
    b.select(sp, t, p)
}

/// Integer binary lane operations of the three-same group (and their pairwise forms).
fn int_bin(b: &mut Builder, op: u32, u: bool, x: Value, y: Value) -> Value {
    let ty = b.ty(x);
    let e = ty.bits();
    let wide = Ty::int((2 * e).min(128));
    let signed = !u;
    match op {
        0b00000 | 0b00010 | 0b00100 => {
            let wx = ext(b, x, wide, signed);
            let wy = ext(b, y, wide, signed);
            let mut s = if op == 0b00100 { b.sub(wx, wy) } else { b.add(wx, wy) };
            if op == 0b00010 {
                s = b.add_i(s, 1);
            }
            let h = b.ashr_i(s, 1);
            b.trunc(h, ty)
        }
        0b00001 | 0b00101 => {
            let wx = ext(b, x, wide, signed);
            let wy = ext(b, y, wide, signed);
            let s = if op == 0b00101 { b.sub(wx, wy) } else { b.add(wx, wy) };
            saturate(b, s, ty, signed)
        }
        0b00110 => {
            let c = b.icmp(if u { Cond::Ugt } else { Cond::Sgt }, x, y);
            mask(b, c, ty)
        }
        0b00111 => {
            let c = b.icmp(if u { Cond::Uge } else { Cond::Sge }, x, y);
            mask(b, c, ty)
        }
        0b01000 => shl_reg(b, x, y, signed),
        0b01001 => shl_reg_ext(b, x, y, signed, false, true),
        0b01010 => shl_reg_ext(b, x, y, signed, true, false),
        0b01011 => shl_reg_ext(b, x, y, signed, true, true),
        0b10110 => sqdmulh(b, x, y, u),
        0b10011 if u => pmul8(b, x, y),
        0b01100 | 0b10100 => min_max(b, x, y, signed, true),
        0b01101 | 0b10101 => min_max(b, x, y, signed, false),
        0b01110 => {
            let wx = ext(b, x, wide, signed);
            let wy = ext(b, y, wide, signed);
            let d = b.sub(wx, wy);
            let zero = b.iconst(wide, 0);
            let neg = b.icmp(Cond::Slt, d, zero);
            let nd = b.neg(d);
            let a = b.select(neg, nd, d);
            b.trunc(a, ty)
        }
        0b10000 => {
            if u {
                b.sub(x, y)
            } else {
                b.add(x, y)
            }
        }
        0b10001 => {
            let c = if u {
                b.icmp(Cond::Eq, x, y)
            } else {
                let a = b.and(x, y);
                b.icmp_i(Cond::Ne, a, 0)
            };
            mask(b, c, ty)
        }
        0b10011 | 0b10010 => b.mul(x, y),
        0b10111 => b.add(x, y),
        _ => unreachable!(),
    }
}

/// Float binary lane operations (three-same FP group), on integer lane values.
/// `op` = u:a:opcode (7 bits).
fn fp_bin(b: &mut Builder, op: u32, x: Value, y: Value) -> Value {
    let xi = x;
    let x = to_f(b, x);
    let y = to_f(b, y);
    let ity = b.ty(xi);
    let fcmp_mask = |b: &mut Builder, c: FCond, p: Value, q: Value| {
        let k = b.fcmp(c, p, q);
        mask(b, k, ity)
    };
    let r = match op {
        0b0_0_11000 | 0b1_0_11000 => b.fbin(Op::FMaxNm, x, y),
        0b0_1_11000 | 0b1_1_11000 => b.fbin(Op::FMinNm, x, y),
        0b0_0_11010 | 0b1_0_11010 => b.fbin(Op::FAdd, x, y),
        0b0_1_11010 => b.fbin(Op::FSub, x, y),
        0b1_1_11010 => {
            let d = b.fbin(Op::FSub, x, y);
            b.fun(Op::FAbs, d)
        }
        0b1_0_11011 => b.fbin(Op::FMul, x, y),
        0b0_0_11011 => fmulx(b, x, y),
        0b1_0_11111 => b.fbin(Op::FDiv, x, y),
        0b0_0_11110 | 0b1_0_11110 => b.fbin(Op::FMax, x, y),
        0b0_1_11110 | 0b1_1_11110 => b.fbin(Op::FMin, x, y),
        0b0_0_11100 => return fcmp_mask(b, FCond::Oeq, x, y),
        0b1_0_11100 => return fcmp_mask(b, FCond::Oge, x, y),
        0b1_1_11100 => return fcmp_mask(b, FCond::Ogt, x, y),
        0b1_0_11101 | 0b1_1_11101 => {
            let ax = b.fun(Op::FAbs, x);
            let ay = b.fun(Op::FAbs, y);
            let c = if op & 0b100000 != 0 { FCond::Ogt } else { FCond::Oge };
            return fcmp_mask(b, c, ax, ay);
        }
        0b0_0_11111 | 0b0_1_11111 => {
            // FRECPS: 2 - x*y; FRSQRTS: (3 - x*y) / 2, each with one rounding; inf * 0 gives
            // exactly 2.0 / 1.5. Halving x first is exact unless x is subnormal.
            let ty = b.ty(x);
            let rsq = op & 0b100000 != 0;
            let nx = b.fun(Op::FNeg, x);
            let c = if rsq { 1.5f64 } else { 2.0 };
            let k = if ty == Ty::F32 { fconst(b, ty, (c as f32).to_bits() as u64) } else { fconst(b, ty, c.to_bits()) };
            let r = if rsq {
                let h = fpow2(b, ty, -1);
                let xh = b.fbin(Op::FMul, nx, h);
                b.fma(xh, y, k)
            } else {
                b.fma(nx, y, k)
            };
            let inf = fconst(b, ty, if ty == Ty::F32 { 0x7f80_0000 } else { 0x7ff0_0000_0000_0000 });
            let zero = fconst(b, ty, 0);
            let ax = b.fun(Op::FAbs, x);
            let ay = b.fun(Op::FAbs, y);
            let xi = b.fcmp(FCond::Oeq, ax, inf);
            let yi = b.fcmp(FCond::Oeq, ay, inf);
            let xz = b.fcmp(FCond::Oeq, x, zero);
            let yz = b.fcmp(FCond::Oeq, y, zero);
            let s1 = b.and(xi, yz);
            let s2 = b.and(xz, yi);
            let sp = b.or(s1, s2);
            b.select(sp, k, r)
        }
        _ => unreachable!(),
    };
    to_i(b, r)
}

/// Is u:a:opcode an implemented FP three-same op? (pairwise?, scalar allowed?)
fn fp_bin_kind(op: u32) -> Option<(bool, bool)> {
    Some(match op {
        0b0_0_11000 | 0b0_1_11000 | 0b0_0_11010 | 0b0_1_11010 | 0b0_0_11110 | 0b0_1_11110 | 0b1_0_11011
        | 0b1_0_11111 => (false, false),
        0b0_0_11100 | 0b1_0_11100 | 0b1_1_11100 | 0b1_0_11101 | 0b1_1_11101 | 0b1_1_11010 | 0b0_0_11111
        | 0b0_1_11111 | 0b0_0_11011 => (false, true),
        0b1_0_11000 | 0b1_1_11000 | 0b1_0_11010 | 0b1_0_11110 | 0b1_1_11110 => (true, false),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Three same

fn trans_3same(l: &mut Lift, insn: u32) -> bool {
    let (q, u, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let size = bits(insn, 23, 22);
    let (m, op, n, d) = (bits(insn, 20, 16), bits(insn, 15, 11), bits(insn, 9, 5), bits(insn, 4, 0));
    if scalar && !q {
        return false;
    }
    if op >= 0b11000 {
        // Floating point: size<1> is part of the opcode, size<0> the precision.
        let fop = (u as u32) << 6 | (size >> 1) << 5 | op;
        let fmla = !u && op == 0b11001;
        let (pw, scalar_ok) = if fmla {
            (false, false)
        } else {
            match fp_bin_kind(fop) {
                Some(k) => k,
                None => return false,
            }
        };
        if !fmla && scalar && !scalar_ok {
            return false;
        }
        if fmla && scalar {
            return false;
        }
        let esize = 32 << (size & 1);
        if esize == 64 && !q {
            return false;
        }
        let nl = if scalar { 1 } else { nlanes(q, esize) };
        let vn = l.vreg(n);
        let vm = l.vreg(m);
        let r = if fmla {
            let vd = l.vreg(d);
            let sub = size >> 1 == 1;
            map_lanes(&mut l.b, esize, nl, &[vn, vm, vd], |b, a| {
                let x = to_f(b, a[0]);
                let y = to_f(b, a[1]);
                let z = to_f(b, a[2]);
                let x = if sub { b.fun(Op::FNeg, x) } else { x };
                let r = b.fma(x, y, z);
                to_i(b, r)
            })
        } else if pw {
            pairwise(&mut l.b, esize, nl, vn, vm, |b, x, y| fp_bin(b, fop, x, y))
        } else {
            map_lanes(&mut l.b, esize, nl, &[vn, vm], |b, a| fp_bin(b, fop, a[0], a[1]))
        };
        l.set_vreg(d, r);
        return true;
    }
    if op == 0b00011 {
        if scalar {
            return false;
        }
        let vn = l.vreg(n);
        let vm = l.vreg(m);
        let b = &mut l.b;
        let r = match (u, size) {
            (false, 0) => b.and(vn, vm),
            (false, 1) => {
                let nm = b.not(vm);
                b.and(vn, nm)
            }
            (false, 2) => b.or(vn, vm),
            (false, _) => {
                let nm = b.not(vm);
                b.or(vn, nm)
            }
            (true, 0) => b.xor(vn, vm),
            (true, s) => {
                let vd = l.vreg(d);
                let b = &mut l.b;
                match s {
                    1 => {
                        // BSL: (n & d) | (m & !d)
                        let x = b.xor(vn, vm);
                        let a = b.and(x, vd);
                        b.xor(a, vm)
                    }
                    2 => {
                        // BIT: insert n where m is set
                        let x = b.xor(vn, vd);
                        let a = b.and(x, vm);
                        b.xor(a, vd)
                    }
                    _ => {
                        // BIF: insert n where m is clear
                        let x = b.xor(vn, vd);
                        let nm = b.not(vm);
                        let a = b.and(x, nm);
                        b.xor(a, vd)
                    }
                }
            }
        };
        set_vq(l, d, r, q);
        return true;
    }
    let ok = match op {
        0b00000 | 0b00010 | 0b00100 | 0b01100 | 0b01101 | 0b01110 | 0b01111 | 0b10010 | 0b10100 | 0b10101 => {
            size != 3 && !scalar
        }
        0b10011 => (if u { size == 0 } else { size != 3 }) && !scalar,
        0b10111 => !u && !scalar,
        0b00001 | 0b00101 | 0b01001 | 0b01011 => true,
        0b00110 | 0b00111 | 0b01000 | 0b01010 | 0b10000 | 0b10001 => !scalar || size == 3,
        0b10110 => size == 1 || size == 2,
        _ => false,
    };
    let esize = 8 << size;
    if !ok || (size == 3 && !q && !scalar) {
        return false;
    }
    let nl = if scalar { 1 } else { nlanes(q, esize) };
    let vn = l.vreg(n);
    let vm = l.vreg(m);
    if !scalar && (op == 0b10000 || op == 0b10001) {
        let b = &mut l.b;
        let r = match (op, u) {
            (0b10000, false) => swar_add(b, vn, vm, esize),
            (0b10000, true) => swar_sub(b, vn, vm, esize),
            (_, true) => {
                let x = b.xor(vn, vm);
                swar_is_zero_mask(b, x, esize)
            }
            _ => {
                let x = b.and(vn, vm);
                let nz = swar_nonzero_top(b, x, esize);
                swar_top_to_mask(b, nz, esize)
            }
        };
        set_vq(l, d, r, q);
        return true;
    }
    let r = match op {
        0b10100 | 0b10101 | 0b10111 => pairwise(&mut l.b, esize, nl, vn, vm, |b, x, y| int_bin(b, op, u, x, y)),
        0b01111 | 0b10010 => {
            let vd = l.vreg(d);
            map_lanes(&mut l.b, esize, nl, &[vn, vm, vd], |b, a| {
                let r = int_bin(b, if op == 0b01111 { 0b01110 } else { op }, u, a[0], a[1]);
                if op == 0b10010 && u {
                    b.sub(a[2], r)
                } else {
                    b.add(a[2], r)
                }
            })
        }
        _ => map_lanes(&mut l.b, esize, nl, &[vn, vm], |b, a| int_bin(b, op, u, a[0], a[1])),
    };
    l.set_vreg(d, r);
    true
}

// ---------------------------------------------------------------------------------------------
// Three different (widening, narrowing high half)

fn trans_3diff(l: &mut Lift, insn: u32) -> bool {
    let (q, u, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let size = bits(insn, 23, 22);
    let (m, op, n, d) = (bits(insn, 20, 16), bits(insn, 15, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    let sqd = matches!(op, 0b1001 | 0b1011 | 0b1101); // SQDMLAL/SQDMLSL/SQDMULL
    let ok = if scalar {
        q && sqd && !u && (size == 1 || size == 2)
    } else if sqd {
        !u && (size == 1 || size == 2)
    } else if op == 0b1110 {
        !u && (size == 0 || size == 3) // PMULL (the 64-bit form is FEAT_PMULL)
    } else {
        size != 3 && op != 0b1111
    };
    if !ok {
        return false;
    }
    let esize = 8 << size;
    let ety = Ty::int(esize);
    let wty = Ty::int(2 * esize);
    let half = if scalar { 1 } else { 64 / esize }; // number of wide results
    let part = if q && !scalar { 64 / esize } else { 0 };
    let signed = !u && op != 0b1110;
    let vn = l.vreg(n);
    let vm = l.vreg(m);
    if op == 0b0100 || op == 0b0110 {
        // ADDHN/SUBHN (U: rounding): narrow the high halves of wide sums.
        let vd = l.vreg(d);
        let b = &mut l.b;
        let mut acc = if q {
            let lo = b.trunc(vd, Ty::I64);
            b.zext(lo, Ty::I128)
        } else {
            b.iconst(Ty::I128, 0)
        };
        for i in 0..half {
            let x = b.extract(vn, 2 * esize, i);
            let y = b.extract(vm, 2 * esize, i);
            let mut s = if op == 0b0100 { b.add(x, y) } else { b.sub(x, y) };
            if u {
                s = b.add_i(s, 1u128 << (esize - 1));
            }
            let h = b.lshr_i(s, esize);
            let t = b.trunc(h, ety);
            acc = b.insert(acc, t, esize, part + i);
        }
        l.set_vreg(d, acc);
        return true;
    }
    let vd = l.vreg(d);
    let b = &mut l.b;
    let mut out = Vec::new();
    for i in 0..half {
        let x = if op == 0b0001 || op == 0b0011 {
            b.extract(vn, 2 * esize, i)
        } else {
            let e = b.extract(vn, esize, part + i);
            ext(b, e, wty, signed)
        };
        let ye = b.extract(vm, esize, part + i);
        let y = ext(b, ye, wty, signed);
        let acc = if esize == 64 { vd } else { b.extract(vd, 2 * esize, i) };
        if sqd {
            let r = sqdmull_acc(b, x, y, acc, op);
            out.push(r);
            continue;
        }
        if op == 0b1110 {
            out.push(pmul_wide(b, x, y));
            continue;
        }
        let r = match op {
            0b0000 | 0b0001 => b.add(x, y),
            0b0010 | 0b0011 => b.sub(x, y),
            0b0101 | 0b0111 => {
                let dd = b.sub(x, y);
                let zero = b.iconst(wty, 0);
                let neg = b.icmp(Cond::Slt, dd, zero);
                let nd = b.neg(dd);
                let a = b.select(neg, nd, dd);
                if op == 0b0101 {
                    b.add(acc, a)
                } else {
                    a
                }
            }
            0b1000 => {
                let p = b.mul(x, y);
                b.add(acc, p)
            }
            0b1010 => {
                let p = b.mul(x, y);
                b.sub(acc, p)
            }
            _ => b.mul(x, y),
        };
        out.push(r);
    }
    let r = if esize == 64 { out[0] } else { pack(b, &out, 2 * esize) };
    l.set_vreg(d, r);
    true
}

// ---------------------------------------------------------------------------------------------
// Two-register misc

fn trans_2misc(l: &mut Lift, insn: u32) -> bool {
    let (q, u, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let size = bits(insn, 23, 22);
    let (op, n, d) = (bits(insn, 16, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    if scalar && !q {
        return false;
    }
    let esize = 8 << size;
    let ety = Ty::int(esize);
    // FP conversions between precisions.
    if !u && !scalar && (op == 0b10110 || op == 0b10111) && size < 2 {
        let vn = l.vreg(n);
        let b = &mut l.b;
        if op == 0b10111 {
            // FCVTL(2): widen half -> single or single -> double from the selected half.
            let (from, to) = if size == 1 { (32, 64) } else { (16, 32) };
            let cnt = 64 / from;
            let part = if q { cnt } else { 0 };
            let mut out = Vec::new();
            for i in 0..cnt {
                let x = b.extract(vn, from, part + i);
                let f = if from == 16 {
                    half_to_f32(b, x)
                } else {
                    let f = b.bitcast(x, Ty::F32);
                    b.convert(Op::FCvt, f, Ty::F64)
                };
                out.push(to_i(b, f));
            }
            let r = pack(b, &out, to);
            l.set_vreg(d, r);
        } else {
            // FCVTN(2): narrow into the selected half.
            let (from, to) = if size == 1 { (64, 32) } else { (32, 16) };
            let cnt = 128 / from;
            let vd = l.vreg(d);
            let b = &mut l.b;
            let mut acc = if q {
                let lo = b.trunc(vd, Ty::I64);
                b.zext(lo, Ty::I128)
            } else {
                b.iconst(Ty::I128, 0)
            };
            let part = if q { cnt } else { 0 };
            for i in 0..cnt {
                let x = b.extract(vn, from, i);
                let f = to_f(b, x);
                let r = if to == 16 {
                    f_to_half(b, f)
                } else {
                    let c = b.convert(Op::FCvt, f, Ty::F32);
                    to_i(b, c)
                };
                acc = b.insert(acc, r, to, part + i);
            }
            l.set_vreg(d, acc);
        }
        return true;
    }
    if u && op == 0b10110 && size == 1 {
        // FCVTXN(2): double -> single rounding to odd.
        let vn = l.vreg(n);
        let vd = l.vreg(d);
        let b = &mut l.b;
        let (cnt, part) = if scalar { (1, 0) } else { (2, if q { 2 } else { 0 }) };
        let mut acc = if q && !scalar {
            let lo = b.trunc(vd, Ty::I64);
            b.zext(lo, Ty::I128)
        } else {
            b.iconst(Ty::I128, 0)
        };
        for i in 0..cnt {
            let x = b.extract(vn, 64, i);
            let r = fcvt_round_odd(b, x);
            acc = b.insert(acc, r, 32, part + i);
        }
        l.set_vreg(d, acc);
        return true;
    }
    // Floating point lane ops.
    let a = size >> 1;
    let fop = (u as u32) << 6 | a << 5 | op;
    let fp_kind: Option<u32> = match fop {
        0b0_0_11000 | 0b0_0_11001 | 0b0_1_11000 | 0b0_1_11001 | 0b1_0_11000 | 0b1_0_11001 | 0b1_1_11001 => Some(0), // FRINT*
        0b0_1_01111 | 0b1_1_01111 | 0b1_1_11111 => Some(1), // FABS/FNEG/FSQRT
        0b0_0_11010 | 0b0_0_11011 | 0b0_0_11100 | 0b0_1_11010 | 0b0_1_11011 | 0b1_0_11010 | 0b1_0_11011
        | 0b1_0_11100 | 0b1_1_11010 | 0b1_1_11011 => Some(2), // FCVT*S/U
        0b0_0_11101 | 0b1_0_11101 => Some(3), // SCVTF/UCVTF
        0b0_1_01100 | 0b0_1_01101 | 0b0_1_01110 | 0b1_1_01100 | 0b1_1_01101 => Some(4), // FCMxx #0
        0b0_1_11101 => Some(5), // FRECPE
        0b1_1_11101 => Some(6), // FRSQRTE
        0b0_1_11100 => Some(7), // URECPE
        0b1_1_11100 => Some(8), // URSQRTE
        0b0_1_11111 => Some(9), // FRECPX (scalar)
        _ => None,
    };
    if op >= 0b11000 || (op >= 0b01100 && op <= 0b01111 && a == 1) {
        let Some(kind) = fp_kind else { return false };
        if (scalar && kind < 2) || (kind == 9 && !scalar) || ((kind == 7 || kind == 8) && (scalar || size & 1 == 1)) {
            return false;
        }
        let esize = 32 << (size & 1);
        if esize == 64 && !q && !scalar {
            return false;
        }
        let nl = if scalar { 1 } else { nlanes(q, esize) };
        let ity = Ty::int(esize);
        let vn = l.vreg(n);
        let r = map_lanes(&mut l.b, esize, nl, &[vn], |b, v| {
            let xi = v[0];
            let x = to_f(b, xi);
            match kind {
                5 => frecpe(b, xi),
                6 => frsqrte(b, xi),
                7 | 8 => {
                    let x = b.zext(xi, Ty::I64);
                    let top = b.lshr_i(x, if kind == 7 { 31 } else { 30 });
                    let none = b.icmp_i(Cond::Eq, top, 0);
                    let est = if kind == 7 {
                        let a = b.lshr_i(x, 23);
                        recip_est(b, a)
                    } else {
                        let a = b.lshr_i(x, 23);
                        rsqrt_est(b, a)
                    };
                    let r = b.shl_i(est, 23);
                    let r = b.trunc(r, Ty::I32);
                    let ones = b.iconst(Ty::I32, 0xffff_ffff);
                    b.select(none, ones, r)
                }
                9 => {
                    // FRECPX: sign : NOT(exp) : zeros (exp 0 -> max normal exponent); NaN quietened.
                    let w = esize;
                    let f = if w == 32 { 23 } else { 52 };
                    let emask = if w == 32 { 0xffu128 } else { 0x7ff };
                    let e = b.lshr_i(xi, f);
                    let e = b.and_i(e, emask);
                    let em = b_const(b, ity, emask);
                    let ne = b.xor(e, em);
                    let ez = b.icmp_i(Cond::Eq, e, 0);
                    let maxn = b.iconst(ity, emask - 1);
                    let ne = b.select(ez, maxn, ne);
                    let ne = b.shl_i(ne, f);
                    let sign = b.and_i(xi, 1u128 << (w - 1));
                    let r = b.or(sign, ne);
                    let isnan = b.fcmp(FCond::Uno, x, x);
                    let qb = b_const(b, ity, 1u128 << (f - 1));
                    let q = b.or(xi, qb);
                    b.select(isnan, q, r)
                }
                0 => {
                    let m = match fop {
                        0b0_0_11000 => RoundMode::NearestEven,
                        0b0_0_11001 => RoundMode::Floor,
                        0b0_1_11000 => RoundMode::Ceil,
                        0b0_1_11001 => RoundMode::Trunc,
                        0b1_0_11000 => RoundMode::NearestAway,
                        _ => RoundMode::Current,
                    };
                    let r = b.fround(x, m);
                    to_i(b, r)
                }
                1 => {
                    let o = match fop {
                        0b0_1_01111 => Op::FAbs,
                        0b1_1_01111 => Op::FNeg,
                        _ => Op::FSqrt,
                    };
                    let r = b.fun(o, x);
                    to_i(b, r)
                }
                2 => {
                    let rm = match op | a << 5 {
                        0b0_11010 => Some(RoundMode::NearestEven),
                        0b0_11011 => Some(RoundMode::Floor),
                        0b0_11100 => Some(RoundMode::NearestAway),
                        0b1_11010 => Some(RoundMode::Ceil),
                        _ => None,
                    };
                    f_to_int(b, x, rm, !u, ity)
                }
                3 => {
                    let r = b.convert(if u { Op::UIToFP } else { Op::SIToFP }, xi, fty_of(esize));
                    to_i(b, r)
                }
                _ => {
                    let z = fconst(b, fty_of(esize), 0);
                    let (c, p, q2) = match fop {
                        0b0_1_01100 => (FCond::Ogt, x, z),
                        0b0_1_01101 => (FCond::Oeq, x, z),
                        0b0_1_01110 => (FCond::Olt, x, z),
                        0b1_1_01100 => (FCond::Oge, x, z),
                        _ => (FCond::Ole, x, z),
                    };
                    let k = b.fcmp(c, p, q2);
                    mask(b, k, ity)
                }
            }
        });
        l.set_vreg(d, r);
        return true;
    }
    // Integer: validate, then lift.
    let valid = match (u, op) {
        (_, 0b00000) | (false, 0b00001) => {
            let cont = match (u, op) {
                (false, 0) => 64,
                (true, 0) => 32,
                _ => 16,
            };
            !scalar && esize < cont
        }
        (_, 0b00010) | (_, 0b00110) | (_, 0b00100) => !scalar && size != 3,
        (_, 0b00111) | (_, 0b00011) => !(size == 3 && !q),
        (false, 0b00101) => !scalar && size == 0,
        (true, 0b00101) => !scalar && size <= 1,
        (_, 0b01000) | (_, 0b01001) | (false, 0b01010) | (_, 0b01011) => {
            !(scalar && size != 3) && !(size == 3 && !q)
        }
        (false, 0b10010) => size != 3 && !scalar,
        (_, 0b10100) | (true, 0b10010) => size != 3,
        _ => false,
    };
    if !valid {
        return false;
    }
    let vn = l.vreg(n);
    match (u, op) {
        (_, 0b00000) | (false, 0b00001) => {
            // REV64 / REV32 / REV16
            let cont = match (u, op) {
                (false, 0) => 64,
                (true, 0) => 32,
                _ => 16,
            };
            let nl = nlanes(q, esize);
            let flip = cont / esize - 1;
            let lanes = unpack(&mut l.b, vn, esize, nl);
            let out: Vec<Value> = (0..nl).map(|i| lanes[(i ^ flip) as usize]).collect();
            let r = pack(&mut l.b, &out, esize);
            l.set_vreg(d, r);
        }
        (_, 0b00010) | (_, 0b00110) => {
            // SADDLP/UADDLP, SADALP/UADALP
            let wty = Ty::int(2 * esize);
            let nl = nlanes(q, 2 * esize);
            let vd = l.vreg(d);
            let b = &mut l.b;
            let mut out = Vec::new();
            for i in 0..nl {
                let x = b.extract(vn, esize, 2 * i);
                let y = b.extract(vn, esize, 2 * i + 1);
                let wx = ext(b, x, wty, !u);
                let wy = ext(b, y, wty, !u);
                let mut s = b.add(wx, wy);
                if op == 0b00110 {
                    let acc = b.extract(vd, 2 * esize, i);
                    s = b.add(acc, s);
                }
                out.push(s);
            }
            let r = pack(b, &out, 2 * esize);
            l.set_vreg(d, r);
        }
        (_, 0b00100) => {
            let r = map_lanes(&mut l.b, esize, nlanes(q, esize), &[vn], |b, v| if u { b.clz(v[0]) } else { b.cls(v[0]) });
            l.set_vreg(d, r);
        }
        (false, 0b00101) => {
            // CNT
            let r = map_lanes(&mut l.b, 8, nlanes(q, 8), &[vn], |b, v| b.ctpop(v[0]));
            l.set_vreg(d, r);
        }
        (true, 0b00101) => {
            if size == 0 {
                let r = l.b.not(vn);
                set_vq(l, d, r, q);
            } else {
                let r = map_lanes(&mut l.b, 8, nlanes(q, 8), &[vn], |b, v| b.rbit(v[0]));
                l.set_vreg(d, r);
            }
        }
        (_, 0b00111) | (_, 0b00011) => {
            // SQABS/SQNEG; SUQADD/USQADD (accumulating into Vd)
            let nl = if scalar { 1 } else { nlanes(q, esize) };
            let vd = l.vreg(d);
            let r = map_lanes(&mut l.b, esize, nl, &[vn, vd], |b, a| {
                let x = b.sext(a[0], Ty::I128);
                if op == 0b00111 {
                    let r = if u {
                        b.neg(x)
                    } else {
                        let zero = b.iconst(Ty::I128, 0);
                        let ng = b.icmp(Cond::Slt, x, zero);
                        let nx = b.neg(x);
                        b.select(ng, nx, x)
                    };
                    saturate(b, r, ety, true)
                } else {
                    // SUQADD: signed acc + unsigned n -> signed; USQADD: unsigned acc + signed n.
                    let xn = ext(b, a[0], Ty::I128, u);
                    let acc = ext(b, a[1], Ty::I128, !u);
                    let s = b.add(acc, xn);
                    saturate(b, s, ety, !u)
                }
            });
            l.set_vreg(d, r);
        }
        (false, 0b01001) if !scalar => {
            // CMEQ #0
            let r = swar_is_zero_mask(&mut l.b, vn, esize);
            set_vq(l, d, r, q);
        }
        (true, 0b01011) if !scalar => {
            // NEG
            let z = l.b.iconst(Ty::I128, 0);
            let r = swar_sub(&mut l.b, z, vn, esize);
            set_vq(l, d, r, q);
        }
        (_, 0b01000) | (_, 0b01001) | (false, 0b01010) | (_, 0b01011) => {
            let nl = if scalar { 1 } else { nlanes(q, esize) };
            let r = map_lanes(&mut l.b, esize, nl, &[vn], |b, v| {
                let x = v[0];
                let zero = b.iconst(ety, 0);
                let c = match (u, op) {
                    (false, 0b01000) => Cond::Sgt,
                    (true, 0b01000) => Cond::Sge,
                    (false, 0b01001) => Cond::Eq,
                    (true, 0b01001) => Cond::Sle,
                    (_, 0b01010) => Cond::Slt,
                    _ => {
                        // ABS / NEG
                        let nx = b.neg(x);
                        if u {
                            return nx;
                        }
                        let neg = b.icmp(Cond::Slt, x, zero);
                        return b.select(neg, nx, x);
                    }
                };
                let k = b.icmp(c, x, zero);
                mask(b, k, ety)
            });
            l.set_vreg(d, r);
        }
        (false, 0b10010) | (_, 0b10100) | (true, 0b10010) => {
            // XTN, SQXTN/UQXTN, SQXTUN
            let cnt = 64 / esize;
            let vd = l.vreg(d);
            let b = &mut l.b;
            let mut acc = if q && !scalar {
                let lo = b.trunc(vd, Ty::I64);
                b.zext(lo, Ty::I128)
            } else {
                b.iconst(Ty::I128, 0)
            };
            let part = if q && !scalar { cnt } else { 0 };
            let cnt = if scalar { 1 } else { cnt };
            for i in 0..cnt {
                let x = b.extract(vn, 2 * esize, i);
                let r = match (u, op) {
                    (false, 0b10010) => b.trunc(x, ety),
                    (true, 0b10010) => {
                        // signed source, unsigned saturation
                        let big = Ty::int((4 * esize).min(128));
                        let w = b.sext(x, big);
                        saturate(b, w, ety, false)
                    }
                    _ => {
                        let big = Ty::int((4 * esize).min(128));
                        let w = ext(b, x, big, !u);
                        saturate(b, w, ety, !u)
                    }
                };
                acc = b.insert(acc, r, esize, part + i);
            }
            l.set_vreg(d, acc);
        }
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Across lanes and scalar pairwise

fn trans_across(l: &mut Lift, insn: u32) -> bool {
    let (q, u) = (bit(insn, 30), bit(insn, 29));
    let size = bits(insn, 23, 22);
    let (op, n, d) = (bits(insn, 16, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    if u && (op == 0b01100 || op == 0b01111) {
        // FMAXNMV/FMINNMV/FMAXV/FMINV (single precision, 4S only)
        if size & 1 != 0 || !q {
            return false;
        }
        let o = match (op, size >> 1) {
            (0b01100, 0) => Op::FMaxNm,
            (0b01100, _) => Op::FMinNm,
            (_, 0) => Op::FMax,
            _ => Op::FMin,
        };
        let vn = l.vreg(n);
        let b = &mut l.b;
        let ls = unpack(b, vn, 32, 4);
        let fs: Vec<Value> = ls.iter().map(|&x| b.bitcast(x, Ty::F32)).collect();
        let p0 = b.fbin(o, fs[0], fs[1]);
        let p1 = b.fbin(o, fs[2], fs[3]);
        let r = b.fbin(o, p0, p1);
        l.set_freg(d, r);
        return true;
    }
    let ok = match (u, op) {
        (_, 0b00011) | (_, 0b01010) | (_, 0b11010) | (false, 0b11011) => true,
        _ => false,
    };
    if !ok || size == 3 || (size == 2 && !q) {
        return false;
    }
    let esize = 8 << size;
    let nl = nlanes(q, esize);
    let vn = l.vreg(n);
    let b = &mut l.b;
    let ls = unpack(b, vn, esize, nl);
    let r = if op == 0b00011 {
        let wty = Ty::int(2 * esize);
        let mut s = ext(b, ls[0], wty, !u);
        for &x in &ls[1..] {
            let w = ext(b, x, wty, !u);
            s = b.add(s, w);
        }
        s
    } else {
        let mut acc = ls[0];
        for &x in &ls[1..] {
            acc = match op {
                0b01010 => min_max(b, acc, x, !u, true),
                0b11010 => min_max(b, acc, x, !u, false),
                _ => b.add(acc, x),
            };
        }
        acc
    };
    l.set_vreg_low(d, r);
    true
}

fn trans_scalar_pair(l: &mut Lift, insn: u32) -> bool {
    let u = bit(insn, 29);
    let size = bits(insn, 23, 22);
    let (op, n, d) = (bits(insn, 16, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    if !u {
        if op != 0b11011 || size != 3 {
            return false;
        }
        let vn = l.vreg(n);
        let x = l.b.extract(vn, 64, 0);
        let y = l.b.extract(vn, 64, 1);
        let r = l.b.add(x, y);
        l.set_vreg_low(d, r);
        return true;
    }
    let o = match (op, size >> 1) {
        (0b01101, 0) => Op::FAdd,
        (0b01100, 0) => Op::FMaxNm,
        (0b01100, _) => Op::FMinNm,
        (0b01111, 0) => Op::FMax,
        (0b01111, _) => Op::FMin,
        _ => return false,
    };
    let esize = 32 << (size & 1);
    let vn = l.vreg(n);
    let x = l.b.extract(vn, esize, 0);
    let y = l.b.extract(vn, esize, 1);
    let fx = to_f(&mut l.b, x);
    let fy = to_f(&mut l.b, y);
    let r = l.b.fbin(o, fx, fy);
    l.set_freg(d, r);
    true
}

// ---------------------------------------------------------------------------------------------
// Shift by immediate

fn trans_shift_imm(l: &mut Lift, insn: u32) -> bool {
    let (q, u, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let immh = bits(insn, 22, 19);
    let immhb = bits(insn, 22, 16);
    let (op, n, d) = (bits(insn, 15, 11), bits(insn, 9, 5), bits(insn, 4, 0));
    if immh == 0 || (scalar && !q) {
        return false;
    }
    let hsb = 31 - immh.leading_zeros(); // 0..3
    let esize = 8u32 << hsb;
    let ety = Ty::int(esize);
    let rshift = 2 * esize - immhb; // 1..esize
    let lshift = immhb.wrapping_sub(esize); // 0..esize-1
    let valid = match op {
        0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01010 | 0b01000 => {
            !(op == 0b01000 && !u) && !(scalar && esize != 64) && !(esize == 64 && !q && !scalar)
        }
        0b10000 | 0b10001 | 0b10010 | 0b10011 => esize != 64 && !(scalar && op < 0b10010 && !u),
        0b10100 => esize != 64 && !scalar,
        0b01110 => !(esize == 64 && !q && !scalar),
        0b01100 => u && !(esize == 64 && !q && !scalar),
        0b11100 | 0b11111 => esize >= 32 && !(esize == 64 && !q && !scalar),
        _ => false,
    };
    if !valid {
        return false;
    }
    let vn = l.vreg(n);
    match op {
        0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01010 | 0b01000 => {
            let nl = if scalar { 1 } else { nlanes(q, esize) };
            let vd = l.vreg(d);
            let signed = !u;
            let r = map_lanes(&mut l.b, esize, nl, &[vn, vd], |b, a| {
                let (x, acc) = (a[0], a[1]);
                match op {
                    0b01010 => {
                        let s = b.shl_i(x, lshift);
                        if u {
                            // SLI
                            let keep = b.iconst(ety, !(ety.mask() << lshift) & ety.mask());
                            let k = b.and(acc, keep);
                            b.or(k, s)
                        } else {
                            s
                        }
                    }
                    0b01000 => {
                        // SRI
                        if rshift == esize {
                            return acc;
                        }
                        let s = b.lshr_i(x, rshift);
                        let keep = b.iconst(ety, !(ety.mask() >> rshift) & ety.mask());
                        let k = b.and(acc, keep);
                        b.or(k, s)
                    }
                    _ => {
                        let round = op == 0b00100 || op == 0b00110;
                        let r = if round {
                            let wty = Ty::int((2 * esize).min(128));
                            let w = ext(b, x, wty, signed);
                            let w = b.add_i(w, 1u128 << (rshift - 1));
                            let s = if signed { b.ashr_i(w, rshift) } else { b.lshr_i(w, rshift) };
                            b.trunc(s, ety)
                        } else if signed {
                            b.ashr_i(x, rshift.min(esize - 1))
                        } else if rshift == esize {
                            b.iconst(ety, 0)
                        } else {
                            b.lshr_i(x, rshift)
                        };
                        if op == 0b00010 || op == 0b00110 {
                            b.add(acc, r)
                        } else {
                            r
                        }
                    }
                }
            });
            l.set_vreg(d, r);
        }
        0b10000 | 0b10001 | 0b10010 | 0b10011 => {
            // SHRN/RSHRN (U=0), SQSHRN/UQSHRN/SQRSHRN/UQRSHRN, SQSHRUN/SQRSHRUN (U=1, 1000x)
            let wsize = 2 * esize;
            let cnt = 64 / esize;
            let vd = l.vreg(d);
            let b = &mut l.b;
            let part = if q && !scalar { cnt } else { 0 };
            let mut acc = if q && !scalar {
                let lo = b.trunc(vd, Ty::I64);
                b.zext(lo, Ty::I128)
            } else {
                b.iconst(Ty::I128, 0)
            };
            let round = op & 1 == 1;
            let sat = !(op < 0b10010 && !u);
            // source signedness: SQSHRUN (U1, 1000x) and SQSHRN (U0, 1001x) signed.
            let src_signed = (u && op < 0b10010) || (!u && op >= 0b10010);
            let dst_signed = !u && op >= 0b10010;
            let cnt = if scalar { 1 } else { cnt };
            for i in 0..cnt {
                let x = b.extract(vn, wsize, i);
                let bty = Ty::int((2 * wsize).min(128));
                let w = ext(b, x, bty, src_signed);
                let w = if round { b.add_i(w, 1u128 << (rshift - 1)) } else { w };
                let s = b.ashr_i(w, rshift);
                let r = if sat { saturate(b, s, ety, dst_signed) } else { b.trunc(s, ety) };
                acc = b.insert(acc, r, esize, part + i);
            }
            l.set_vreg(d, acc);
        }
        0b01110 | 0b01100 => {
            // SQSHL/UQSHL (immediate), SQSHLU
            let nl = if scalar { 1 } else { nlanes(q, esize) };
            let src_signed = !u || op == 0b01100;
            let dst_signed = !u;
            let r = map_lanes(&mut l.b, esize, nl, &[vn], |b, a| {
                let w = ext(b, a[0], Ty::I128, src_signed);
                let w = b.shl_i(w, lshift);
                saturate(b, w, ety, dst_signed)
            });
            l.set_vreg(d, r);
        }
        0b10100 => {
            // SSHLL/USHLL
            let wty = Ty::int(2 * esize);
            let cnt = 64 / esize;
            let part = if q { cnt } else { 0 };
            let b = &mut l.b;
            let mut out = Vec::new();
            for i in 0..cnt {
                let x = b.extract(vn, esize, part + i);
                let w = ext(b, x, wty, !u);
                out.push(b.shl_i(w, lshift));
            }
            let r = pack(b, &out, 2 * esize);
            l.set_vreg(d, r);
        }
        0b11100 | 0b11111 => {
            // SCVTF/UCVTF, FCVTZS/FCVTZU (fixed point)
            let nl = if scalar { 1 } else { nlanes(q, esize) };
            let fbits = rshift as i32;
            let fty = fty_of(esize);
            let r = map_lanes(&mut l.b, esize, nl, &[vn], |b, a| {
                if op == 0b11100 {
                    let f = b.convert(if u { Op::UIToFP } else { Op::SIToFP }, a[0], fty);
                    let p = fpow2(b, fty, -fbits);
                    let r = b.fbin(Op::FMul, f, p);
                    to_i(b, r)
                } else {
                    let f = to_f(b, a[0]);
                    let p = fpow2(b, fty, fbits);
                    let s = b.fbin(Op::FMul, f, p);
                    f_to_int(b, s, None, !u, ety)
                }
            });
            l.set_vreg(d, r);
        }
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Modified immediate

/// AdvSIMDExpandImm: the 64-bit pattern for op, cmode, imm8 (None if unallocated).
pub fn simd_expand_imm(op: bool, cmode: u32, imm8: u32) -> Option<u64> {
    let i = imm8 as u64;
    Some(match cmode >> 1 {
        0 => rep_lane(i, 32),
        1 => rep_lane(i << 8, 32),
        2 => rep_lane(i << 16, 32),
        3 => rep_lane(i << 24, 32),
        4 => rep_lane(i, 16),
        5 => rep_lane(i << 8, 16),
        6 => {
            if cmode & 1 == 0 {
                rep_lane(i << 8 | 0xff, 32)
            } else {
                rep_lane(i << 16 | 0xffff, 32)
            }
        }
        _ => {
            if cmode & 1 == 0 {
                if !op {
                    rep_lane(i, 8)
                } else {
                    let mut r = 0u64;
                    for k in 0..8 {
                        if (i >> k) & 1 == 1 {
                            r |= 0xff << (8 * k);
                        }
                    }
                    r
                }
            } else if !op {
                rep_lane(vfp_expand_imm(imm8, 32), 32)
            } else {
                vfp_expand_imm(imm8, 64)
            }
        }
    })
}

fn trans_modimm(l: &mut Lift, insn: u32) -> bool {
    let (q, op) = (bit(insn, 30), bit(insn, 29));
    let cmode = bits(insn, 15, 12);
    let o2 = bit(insn, 11);
    let imm8 = bits(insn, 18, 16) << 5 | bits(insn, 9, 5);
    let d = bits(insn, 4, 0);
    if o2 {
        return false; // FMOV (vector, immediate) half precision: FEAT_FP16
    }
    if cmode == 0b1111 && op && !q {
        return false;
    }
    let Some(imm) = simd_expand_imm(op, cmode, imm8) else { return false };
    let shifted_form = cmode < 0b1100 && cmode & 1 == 1; // ORR / BIC
    let imm128 = rep64(imm, q);
    if shifted_form {
        let vd = l.vreg(d);
        let r = if op {
            let c = l.b.iconst(Ty::I128, !imm128 & if q { u128::MAX } else { u64::MAX as u128 });
            l.b.and(vd, c)
        } else {
            let c = l.b.iconst(Ty::I128, imm128);
            l.b.or(vd, c)
        };
        set_vq(l, d, r, q);
    } else {
        let inverted = op && cmode < 0b1110;
        let v = if inverted { !imm128 & if q { u128::MAX } else { u64::MAX as u128 } } else { imm128 };
        let c = l.b.iconst(Ty::I128, v);
        l.set_vreg(d, c);
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Copy: DUP, INS, UMOV, SMOV

fn trans_copy(l: &mut Lift, insn: u32) -> bool {
    let (q, op, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let imm5 = bits(insn, 20, 16);
    let imm4 = bits(insn, 14, 11);
    let (n, d) = (bits(insn, 9, 5), bits(insn, 4, 0));
    if imm5 & 0xf == 0 {
        return false;
    }
    let size = imm5.trailing_zeros();
    let esize = 8 << size;
    let idx = imm5 >> (size + 1);
    if scalar {
        // DUP (element), scalar form: MOV <V>d, Vn.T[i]
        if !q || op || imm4 != 0 {
            return false;
        }
        let v = l.vreg(n);
        let x = l.b.extract(v, esize, idx);
        l.set_vreg_low(d, x);
        return true;
    }
    if op {
        // INS (element)
        if !q {
            return false;
        }
        let src = imm4 >> size;
        let vn = l.vreg(n);
        let vd = l.vreg(d);
        let x = l.b.extract(vn, esize, src);
        let r = l.b.insert(vd, x, esize, idx);
        l.set_vreg(d, r);
        return true;
    }
    match imm4 {
        0b0000 => {
            if size == 3 && !q {
                return false;
            }
            let v = l.vreg(n);
            let x = l.b.extract(v, esize, idx);
            let r = dup(&mut l.b, x, esize, q);
            l.set_vreg(d, r);
        }
        0b0001 => {
            if size == 3 && !q {
                return false;
            }
            let x = l.xr(n, true);
            let x = l.b.trunc(x, Ty::int(esize));
            let r = dup(&mut l.b, x, esize, q);
            l.set_vreg(d, r);
        }
        0b0011 => {
            if !q {
                return false;
            }
            let x = l.xr(n, true);
            let x = l.b.trunc(x, Ty::int(esize));
            let vd = l.vreg(d);
            let r = l.b.insert(vd, x, esize, idx);
            l.set_vreg(d, r);
        }
        0b0101 | 0b0111 => {
            let signed = imm4 == 0b0101;
            let ok = if signed { size < 2 || (size == 2 && q) } else { (size == 3) == q };
            if !ok {
                return false;
            }
            let v = l.vreg(n);
            let x = l.b.extract(v, esize, idx);
            let r = if signed {
                let t = if q { Ty::I64 } else { Ty::I32 };
                l.b.sext(x, t)
            } else {
                x
            };
            l.set_xr(d, r);
        }
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Permutes, EXT, TBL

fn trans_permute(l: &mut Lift, insn: u32) -> bool {
    let q = bit(insn, 30);
    let size = bits(insn, 23, 22);
    let (m, op, n, d) = (bits(insn, 20, 16), bits(insn, 14, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    if op == 0 || op == 4 || (size == 3 && !q) {
        return false;
    }
    let esize = 8 << size;
    let nl = nlanes(q, esize);
    let vn = l.vreg(n);
    let vm = l.vreg(m);
    let b = &mut l.b;
    let a = unpack(b, vn, esize, nl);
    let c = unpack(b, vm, esize, nl);
    let hi = (op >> 2) as usize; // the "2" variants
    let nl = nl as usize;
    let out: Vec<Value> = match op & 3 {
        1 => (0..nl).map(|i| if 2 * i + hi < nl { a[2 * i + hi] } else { c[2 * i + hi - nl] }).collect(),
        2 => (0..nl).map(|i| if i % 2 == 0 { a[i + hi] } else { c[i - 1 + hi] }).collect(),
        _ => {
            let base = hi * nl / 2;
            (0..nl).map(|i| if i % 2 == 0 { a[base + i / 2] } else { c[base + i / 2] }).collect()
        }
    };
    let r = pack(b, &out, esize);
    l.set_vreg(d, r);
    true
}

fn trans_ext(l: &mut Lift, insn: u32) -> bool {
    let q = bit(insn, 30);
    let (m, imm, n, d) = (bits(insn, 20, 16), bits(insn, 14, 11), bits(insn, 9, 5), bits(insn, 4, 0));
    if !q && imm >= 8 {
        return false;
    }
    let vn = l.vreg(n);
    let vm = l.vreg(m);
    let b = &mut l.b;
    let r = if q {
        if imm == 0 {
            vn
        } else {
            let lo = b.lshr_i(vn, 8 * imm);
            let hi = b.shl_i(vm, 128 - 8 * imm);
            b.or(lo, hi)
        }
    } else {
        let nlo = b.trunc(vn, Ty::I64);
        let nlo = b.zext(nlo, Ty::I128);
        let mlo = b.trunc(vm, Ty::I64);
        let mlo = b.zext(mlo, Ty::I128);
        let mh = b.shl_i(mlo, 64);
        let cat = b.or(mh, nlo);
        b.lshr_i(cat, 8 * imm)
    };
    set_vq(l, d, r, q);
    true
}

fn trans_tbl(l: &mut Lift, insn: u32) -> bool {
    let q = bit(insn, 30);
    let (m, len, tbx, n, d) = (bits(insn, 20, 16), bits(insn, 14, 13) + 1, bit(insn, 12), bits(insn, 9, 5), bits(insn, 4, 0));
    let tables: Vec<Value> = (0..len).map(|k| l.vreg((n + k) % 32)).collect();
    let vm = l.vreg(m);
    let vd = l.vreg(d);
    let b = &mut l.b;
    let mut out = Vec::new();
    for i in 0..nlanes(q, 8) {
        let idx = b.extract(vm, 8, i);
        let mut r = if tbx { b.extract(vd, 8, i) } else { b.iconst(Ty::I8, 0) };
        let sel = b.lshr_i(idx, 4);
        let lo = b.and_i(idx, 15);
        let lo = b.zext(lo, Ty::I128);
        let sh = b.shl_i(lo, 3);
        for (k, &t) in tables.iter().enumerate() {
            let s = b.lshr(t, sh);
            let byte = b.trunc(s, Ty::I8);
            let hit = b.icmp_i(Cond::Eq, sel, k as u128);
            r = b.select(hit, byte, r);
        }
        out.push(r);
    }
    let r = pack(b, &out, 8);
    l.set_vreg(d, r);
    true
}

// ---------------------------------------------------------------------------------------------
// By element

fn trans_indexed(l: &mut Lift, insn: u32) -> bool {
    let (q, u, scalar) = (bit(insn, 30), bit(insn, 29), bit(insn, 28));
    let size = bits(insn, 23, 22);
    let (lb, mb, h) = (bits(insn, 21, 21), bits(insn, 20, 20), bits(insn, 11, 11));
    let rm4 = bits(insn, 19, 16);
    let op = bits(insn, 15, 12);
    let (n, d) = (bits(insn, 9, 5), bits(insn, 4, 0));
    if scalar && !q {
        return false;
    }
    let fp = (matches!(op, 0b0001 | 0b0101 | 0b1001) && !u) || (op == 0b1001 && u);
    if fp {
        // FMLA/FMLS/FMUL by element (single/double; half needs FEAT_FP16).
        let (esize, idx) = match size {
            2 => (32, h << 1 | lb),
            3 if lb == 0 => (64, h),
            _ => return false,
        };
        if esize == 64 && !q && !scalar {
            return false;
        }
        let m = mb << 4 | rm4;
        let nl = if scalar { 1 } else { nlanes(q, esize) };
        let vn = l.vreg(n);
        let vm = l.vreg(m);
        let vd = l.vreg(d);
        let e = l.b.extract(vm, esize, idx);
        let ef = to_f(&mut l.b, e);
        let r = map_lanes(&mut l.b, esize, nl, &[vn, vd], |b, a| {
            let x = to_f(b, a[0]);
            let r = match op {
                0b1001 if u => fmulx(b, x, ef),
                0b1001 => b.fbin(Op::FMul, x, ef),
                _ => {
                    let acc = to_f(b, a[1]);
                    let x = if op == 0b0101 { b.fun(Op::FNeg, x) } else { x };
                    b.fma(x, ef, acc)
                }
            };
            to_i(b, r)
        });
        l.set_vreg(d, r);
        return true;
    }
    let ok = match op {
        0b0000 | 0b0100 => u && !scalar,
        0b1000 => !u && !scalar,
        0b0010 | 0b0110 | 0b1010 => !scalar,
        0b1100 | 0b1101 => !u, // SQDMULH/SQRDMULH (by element), vector and scalar
        0b0011 | 0b0111 | 0b1011 => !u, // SQDMLAL/SQDMLSL/SQDMULL (by element), vector and scalar
        _ => false,
    };
    let (esize, idx, m) = match size {
        1 => (16, h << 2 | lb << 1 | mb, rm4),
        2 => (32, h << 1 | lb, mb << 4 | rm4),
        _ => return false,
    };
    if !ok {
        return false;
    }
    let vn = l.vreg(n);
    let vm = l.vreg(m);
    let vd = l.vreg(d);
    let e = l.b.extract(vm, esize, idx);
    if op >= 0b1100 {
        let nl = if scalar { 1 } else { nlanes(q, esize) };
        let r = map_lanes(&mut l.b, esize, nl, &[vn], |b, a| sqdmulh(b, a[0], e, op == 0b1101));
        l.set_vreg(d, r);
        return true;
    }
    if op & 3 == 3 {
        let cnt = if scalar { 1 } else { 64 / esize };
        let part = if q && !scalar { cnt } else { 0 };
        let wty = Ty::int(2 * esize);
        let b = &mut l.b;
        let we = b.sext(e, wty);
        let mut out = Vec::new();
        for i in 0..cnt {
            let x = b.extract(vn, esize, part + i);
            let wx = b.sext(x, wty);
            let acc = b.extract(vd, 2 * esize, i);
            let o = match op {
                0b0011 => 0b1001,
                0b0111 => 0b1011,
                _ => 0b1101,
            };
            out.push(sqdmull_acc(b, wx, we, acc, o));
        }
        let r = pack(b, &out, 2 * esize);
        l.set_vreg(d, r);
        return true;
    }
    if op & 3 == 2 {
        // SMLAL/UMLAL, SMLSL/UMLSL, SMULL/UMULL (by element), "2" forms from the upper half.
        let wty = Ty::int(2 * esize);
        let cnt = 64 / esize;
        let part = if q { cnt } else { 0 };
        let b = &mut l.b;
        let we = ext(b, e, wty, !u);
        let mut out = Vec::new();
        for i in 0..cnt {
            let x = b.extract(vn, esize, part + i);
            let wx = ext(b, x, wty, !u);
            let p = b.mul(wx, we);
            let acc = b.extract(vd, 2 * esize, i);
            out.push(match op {
                0b0010 => b.add(acc, p),
                0b0110 => b.sub(acc, p),
                _ => p,
            });
        }
        let r = pack(b, &out, 2 * esize);
        l.set_vreg(d, r);
        return true;
    }
    let r = map_lanes(&mut l.b, esize, nlanes(q, esize), &[vn, vd], |b, a| {
        let p = b.mul(a[0], e);
        match op {
            0b0000 => b.add(a[1], p),
            0b0100 => b.sub(a[1], p),
            _ => p,
        }
    });
    l.set_vreg(d, r);
    true
}

// ---------------------------------------------------------------------------------------------
// Loads and stores of structures

/// Base register writeback for post-indexed forms: Rm = 31 means the immediate `total`.
fn post_index(l: &mut Lift, n: u32, m: u32, base: Value, total: u64) {
    let off = if m == 31 { l.b.c64(total) } else { l.xr(m, true) };
    let nb = l.b.add(base, off);
    l.set_xr_sp(n, nb);
}

fn trans_ldst_multi(l: &mut Lift, insn: u32) -> bool {
    let (q, post, load) = (bit(insn, 30), bit(insn, 23), bit(insn, 22));
    let (m, op, size, n, t) = (bits(insn, 20, 16), bits(insn, 15, 12), bits(insn, 11, 10), bits(insn, 9, 5), bits(insn, 4, 0));
    if !post && m != 0 {
        return false;
    }
    let (rpt, selem) = match op {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        0b1010 => (2, 1),
        _ => return false,
    };
    if size == 3 && !q && selem > 1 {
        return false;
    }
    let esize = 8u32 << size;
    let dbytes: u64 = if q { 16 } else { 8 };
    let total = dbytes * rpt as u64 * selem as u64;
    let base = l.xr_sp(n, true);
    let (cty, cbits, ord) = if q { (Ty::I128, 128u32, Ordering::Plain) } else { (Ty::I64, 64u32, Ordering::Relaxed) };
    let nchunks = (total / dbytes) as u32;
    let addr_of = |l: &mut Lift, k: u32| {
        if k == 0 {
            base
        } else {
            let o = l.b.c64(k as u64 * dbytes);
            l.b.add(base, o)
        }
    };
    if selem == 1 {
        // Whole registers, consecutive.
        for r in 0..rpt {
            let a = addr_of(l, r);
            let reg = (t + r) % 32;
            if load {
                let v = l.b.load(cty, a, ord);
                l.set_vreg_low(reg, v);
            } else {
                let v = l.vreg_low(reg, cbits);
                l.b.store(a, v, ord);
            }
        }
    } else {
        // Interleaved: stream element j = e * selem + s is element e of register t + s.
        let per = cbits / esize; // elements per chunk
        let nel = (dbytes as u32 * 8) / esize; // elements per register
        if load {
            let mut chunks = Vec::new();
            for k in 0..nchunks {
                let a = addr_of(l, k);
                let v = l.b.load(cty, a, ord);
                chunks.push(l.b.zext(v, Ty::I128));
            }
            for s in 0..selem {
                let mut lanes = Vec::new();
                for e in 0..nel {
                    let j = e * selem + s;
                    lanes.push(l.b.extract(chunks[(j / per) as usize], esize, j % per));
                }
                let v = pack(&mut l.b, &lanes, esize);
                l.set_vreg((t + s) % 32, v);
            }
        } else {
            let regs: Vec<Value> = (0..selem).map(|s| l.vreg((t + s) % 32)).collect();
            let mut chunks = vec![l.b.iconst(Ty::I128, 0); nchunks as usize];
            for s in 0..selem {
                for e in 0..nel {
                    let j = e * selem + s;
                    let x = l.b.extract(regs[s as usize], esize, e);
                    let c = &mut chunks[(j / per) as usize];
                    *c = l.b.insert(*c, x, esize, j % per);
                }
            }
            for k in 0..nchunks {
                let a = addr_of(l, k);
                let v = l.b.trunc(chunks[k as usize], cty);
                l.b.store(a, v, ord);
            }
        }
    }
    if post {
        post_index(l, n, m, base, total);
    }
    true
}

fn trans_ldst_single(l: &mut Lift, insn: u32) -> bool {
    let (q, post, load, r) = (bit(insn, 30), bit(insn, 23), bit(insn, 22), bits(insn, 21, 21));
    let (m, opc, s, size, n, t) =
        (bits(insn, 20, 16), bits(insn, 15, 13), bits(insn, 12, 12), bits(insn, 11, 10), bits(insn, 9, 5), bits(insn, 4, 0));
    if !post && m != 0 {
        return false;
    }
    let selem = ((opc & 1) << 1 | r) + 1;
    let mut scale = opc >> 1;
    let mut replicate = false;
    let mut index = 0;
    match scale {
        3 => {
            if !load || s != 0 {
                return false;
            }
            scale = size;
            replicate = true;
        }
        0 => index = q as u32 * 8 | s << 2 | size,
        1 => {
            if size & 1 != 0 {
                return false;
            }
            index = q as u32 * 4 | s << 1 | size >> 1;
        }
        _ => {
            if size & 2 != 0 {
                return false;
            }
            if size & 1 == 0 {
                index = q as u32 * 2 | s;
            } else {
                if s != 0 {
                    return false;
                }
                index = q as u32;
                scale = 3;
            }
        }
    }
    let esize = 8u32 << scale;
    let ebytes = (esize / 8) as u64;
    let ety = Ty::int(esize);
    let base = l.xr_sp(n, true);
    for k in 0..selem {
        let a = if k == 0 {
            base
        } else {
            let o = l.b.c64(k as u64 * ebytes);
            l.b.add(base, o)
        };
        let reg = (t + k) % 32;
        if replicate {
            let x = l.b.load(ety, a, Ordering::Relaxed);
            let v = dup(&mut l.b, x, esize, q);
            l.set_vreg(reg, v);
        } else if load {
            let x = l.b.load(ety, a, Ordering::Relaxed);
            let v = l.vreg(reg);
            let v = l.b.insert(v, x, esize, index);
            l.set_vreg(reg, v);
        } else {
            let v = l.vreg(reg);
            let x = l.b.extract(v, esize, index);
            l.b.store(a, x, Ordering::Relaxed);
        }
    }
    if post {
        post_index(l, n, m, base, selem as u64 * ebytes);
    }
    true
}


#[cfg(test)]
mod tests {
    use super::simd_expand_imm;
    use crate::cpu::CpuState;
    use crate::ir::interp::FlatMemory;
    use crate::isa::aarch64::fp::tests::{run, run1};

    fn lanes(v: u128, e: u32) -> Vec<u128> {
        let m = if e == 128 { u128::MAX } else { (1u128 << e) - 1 };
        (0..128 / e).map(|i| (v >> (i * e)) & m).collect()
    }
    fn from_lanes(ls: &[u128], e: u32) -> u128 {
        ls.iter().enumerate().fold(0u128, |a, (i, &x)| a | (x << (i as u32 * e)))
    }
    /// A vector whose byte i is `f(i)`.
    fn bytes(f: impl Fn(u32) -> u8) -> u128 {
        (0..16).fold(0u128, |a, i| a | ((f(i) as u128) << (8 * i)))
    }
    fn st_with(vs: &[(usize, u128)]) -> CpuState {
        let mut st = CpuState::default();
        for &(r, v) in vs {
            st.v[r] = v;
        }
        st
    }
    fn mem_with(addr: u64, data: &[u8]) -> FlatMemory {
        let mut m = FlatMemory::default();
        for (i, &b) in data.iter().enumerate() {
            m.bytes.insert(addr + i as u64, b);
        }
        m
    }
    fn read_mem(m: &FlatMemory, addr: u64, n: usize) -> Vec<u8> {
        (0..n).map(|i| *m.bytes.get(&(addr + i as u64)).unwrap_or(&0)).collect()
    }

    #[test]
    fn strlen_idiom() {
        // cmeq v1.16b, v0.16b, #0 ; umaxp v1.16b, v1.16b, v1.16b ; fmov x2, d1
        let mut st = st_with(&[(0, bytes(|i| if i == 5 || i == 12 { 0 } else { 0x41 + i as u8 }))]);
        run1(&[0x4e209801, 0x6e21a421, 0x9e660022], &mut st);
        // bytes 5 and 12 -> pairs 2 and 6
        assert_eq!(st.x[2], 0xff << 16 | 0xff << 48);
        assert_eq!(st.v[1] >> 64, st.v[1] & u64::MAX as u128);
    }

    #[test]
    fn tbl() {
        let table = bytes(|i| 0xa0 + i as u8);
        let idx = bytes(|i| if i % 3 == 0 { 15 - i as u8 } else { 16 + i as u8 * 7 });
        let mut st = st_with(&[(0, table), (1, idx), (2, u128::MAX)]);
        run1(&[0x4e010002], &mut st); // tbl v2.16b, {v0.16b}, v1.16b
        let want = bytes(|i| if i % 3 == 0 { 0xa0 + 15 - i as u8 } else { 0 });
        assert_eq!(st.v[2], want);
        // tbl v2.8b, {v0.16b, v1.16b}, v3.8b: indices 0, 17, 31, 32, 255, 5, 16, 15
        let ix = [0u8, 17, 31, 32, 255, 5, 16, 15];
        let t2 = bytes(|i| 0x10 + i as u8);
        let mut st = st_with(&[(0, table), (1, t2), (3, bytes(|i| if i < 8 { ix[i as usize] } else { 1 })), (2, u128::MAX)]);
        run1(&[0x0e032002], &mut st);
        let all: Vec<u8> = (0..16).map(|i| 0xa0 + i).chain((0..16).map(|i| 0x10 + i)).collect();
        let want = bytes(|i| if i < 8 { all.get(ix[i as usize] as usize).copied().unwrap_or(0) } else { 0 });
        assert_eq!(st.v[2], want);
        // tbx v2.8b, {v0.16b}, v3.8b keeps out-of-range bytes
        let mut st = st_with(&[(0, table), (3, bytes(|i| if i % 2 == 0 { i as u8 } else { 40 })), (2, u128::MAX)]);
        run1(&[0x0e031002], &mut st);
        assert_eq!(st.v[2], bytes(|i| if i >= 8 { 0 } else if i % 2 == 0 { 0xa0 + i as u8 } else { 0xff }));
    }

    #[test]
    fn ld1_st_multiple() {
        let data: Vec<u8> = (0..64).map(|i| i as u8 * 3 + 1).collect();
        let mut mem = mem_with(0x8000, &data);
        let mut st = CpuState::default();
        st.x[0] = 0x8000;
        run(&[0x4cdf7000], &mut st, &mut mem); // ld1 {v0.16b}, [x0], #16
        assert_eq!(st.v[0], u128::from_le_bytes(data[..16].try_into().unwrap()));
        assert_eq!(st.x[0], 0x8010);
        st.x[0] = 0x8000;
        run(&[0x4c40a000], &mut st, &mut mem); // ld1 {v0.16b, v1.16b}, [x0]
        assert_eq!(st.v[1], u128::from_le_bytes(data[16..32].try_into().unwrap()));
        assert_eq!(st.x[0], 0x8000);
        // ld2 {v0.8h, v1.8h}, [x0], x2
        st.x[2] = 100;
        run(&[0x4cc28400], &mut st, &mut mem);
        let h = |k: usize| u16::from_le_bytes([data[2 * k], data[2 * k + 1]]) as u128;
        assert_eq!(st.v[0], from_lanes(&(0..8).map(|e| h(2 * e)).collect::<Vec<_>>(), 16));
        assert_eq!(st.v[1], from_lanes(&(0..8).map(|e| h(2 * e + 1)).collect::<Vec<_>>(), 16));
        assert_eq!(st.x[0], 0x8000 + 100);
        // ld4 {v0.16b-v3.16b}, [x0]
        st.x[0] = 0x8000;
        run(&[0x4c400000], &mut st, &mut mem);
        for r in 0..4 {
            assert_eq!(st.v[r], bytes(|e| data[(e * 4) as usize + r]), "ld4 reg {r}");
        }
        // st3 {v0.4s-v2.4s}, [x0] then compare interleaving
        let mut st = st_with(&[(0, 0x0303_0303_0202_0202_0101_0101_0000_0000), (1, from_lanes(&[10, 11, 12, 13], 32)), (2, from_lanes(&[20, 21, 22, 23], 32))]);
        st.x[0] = 0x9000;
        let mut mem = FlatMemory::default();
        run(&[0x4c004800], &mut st, &mut mem);
        let out = read_mem(&mem, 0x9000, 48);
        for e in 0..4 {
            for r in 0..3 {
                let w = u32::from_le_bytes(out[(e * 3 + r) * 4..][..4].try_into().unwrap());
                assert_eq!(w as u128, lanes(st.v[r], 32)[e]);
            }
        }
    }

    #[test]
    fn ldst_single() {
        let data: Vec<u8> = (0..32).map(|i| 0x80 + i as u8).collect();
        let mut mem = mem_with(0x8000, &data);
        let mut st = st_with(&[(0, u128::MAX)]);
        st.x[0] = 0x8000;
        run(&[0x4d40c800], &mut st, &mut mem); // ld1r {v0.4s}, [x0]
        let w = u32::from_le_bytes(data[..4].try_into().unwrap()) as u128;
        assert_eq!(st.v[0], from_lanes(&[w, w, w, w], 32));
        st.v[0] = 0;
        run(&[0x4ddf9000], &mut st, &mut mem); // ld1 {v0.s}[3], [x0], #4
        assert_eq!(st.v[0], w << 96);
        assert_eq!(st.x[0], 0x8004);
        st.v[0] = 0x1122334455667788_99aabbccddeeff00;
        run(&[0x4d008400], &mut st, &mut mem); // st1 {v0.d}[1], [x0]
        assert_eq!(read_mem(&mem, 0x8004, 8), 0x1122334455667788u64.to_le_bytes());
        // ld3r {v0.8b-v2.8b}, [x0], #3
        st.x[0] = 0x8010;
        st.v[1] = u128::MAX;
        run(&[0x0ddfe000], &mut st, &mut mem);
        for r in 0..3 {
            assert_eq!(st.v[r], bytes(|i| if i < 8 { data[16 + r] } else { 0 }));
        }
        assert_eq!(st.x[0], 0x8013);
        // st2 {v0.h, v1.h}[5], [x0], x3
        st.v[0] = from_lanes(&(0..8).map(|i| 0x100 + i).collect::<Vec<_>>(), 16);
        st.v[1] = from_lanes(&(0..8).map(|i| 0x200 + i).collect::<Vec<_>>(), 16);
        st.x[0] = 0xa000;
        st.x[3] = 8;
        run(&[0x4da34800], &mut st, &mut mem);
        assert_eq!(read_mem(&mem, 0xa000, 4), [0x05, 0x01, 0x05, 0x02]);
        assert_eq!(st.x[0], 0xa008);
    }

    #[test]
    fn permutes() {
        let a = bytes(|i| i as u8);
        let b = bytes(|i| 0x80 | i as u8);
        let mut st = st_with(&[(0, a), (1, b)]);
        run1(&[0x4e013802], &mut st); // zip1 v2.16b
        assert_eq!(st.v[2], bytes(|i| if i % 2 == 0 { (i / 2) as u8 } else { 0x80 | (i / 2) as u8 }));
        run1(&[0x4e817802], &mut st); // zip2 v2.4s
        let (la, lb) = (lanes(a, 32), lanes(b, 32));
        assert_eq!(st.v[2], from_lanes(&[la[2], lb[2], la[3], lb[3]], 32));
        run1(&[0x4e411802], &mut st); // uzp1 v2.8h
        let (ha, hb) = (lanes(a, 16), lanes(b, 16));
        let cat: Vec<u128> = ha.iter().chain(hb.iter()).copied().collect();
        assert_eq!(st.v[2], from_lanes(&(0..8).map(|i| cat[2 * i]).collect::<Vec<_>>(), 16));
        run1(&[0x4e415802], &mut st); // uzp2 v2.8h
        assert_eq!(st.v[2], from_lanes(&(0..8).map(|i| cat[2 * i + 1]).collect::<Vec<_>>(), 16));
        run1(&[0x4e812802], &mut st); // trn1 v2.4s
        assert_eq!(st.v[2], from_lanes(&[la[0], lb[0], la[2], lb[2]], 32));
        run1(&[0x6e011802], &mut st); // ext v2.16b, v0, v1, #3
        assert_eq!(st.v[2], bytes(|i| if i < 13 { i as u8 + 3 } else { 0x80 | (i as u8 - 13) }));
        run1(&[0x4e200802], &mut st); // rev64 v2.16b
        assert_eq!(st.v[2], bytes(|i| (i ^ 7) as u8));
    }

    #[test]
    fn narrow_widen_shift() {
        let a = from_lanes(&(0..8).map(|i| 0x1234 + 0x1111 * i).collect::<Vec<_>>(), 16);
        let mut st = st_with(&[(0, a), (2, u128::MAX)]);
        run1(&[0x0f0c8402], &mut st); // shrn v2.8b, v0.8h, #4
        let sh: Vec<u128> = lanes(a, 16).iter().map(|x| (x >> 4) & 0xff).collect();
        assert_eq!(st.v[2], from_lanes(&sh, 8));
        run1(&[0x4f0c8402], &mut st); // shrn2 v2.16b, v0.8h, #4
        let both: Vec<u128> = sh.iter().chain(sh.iter()).copied().collect();
        assert_eq!(st.v[2], from_lanes(&both, 8));
        run1(&[0x0e212802], &mut st); // xtn v2.8b, v0.8h
        assert_eq!(st.v[2], from_lanes(&lanes(a, 16).iter().map(|x| x & 0xff).collect::<Vec<_>>(), 8));
        let v = bytes(|i| (i as u8).wrapping_mul(37));
        let mut st = st_with(&[(0, v)]);
        run1(&[0x2f08a402], &mut st); // uxtl v2.8h, v0.8b
        assert_eq!(st.v[2], from_lanes(&lanes(v, 8)[..8], 16));
        run1(&[0x4f10a402], &mut st); // sxtl2 v2.4s, v0.8h
        let hs = lanes(v, 16);
        assert_eq!(st.v[2], from_lanes(&hs[4..].iter().map(|&x| (x as u16 as i16 as i32 as u32) as u128).collect::<Vec<_>>(), 32));
        run1(&[0x6f3d0402], &mut st); // ushr v2.4s, v0.4s, #3
        assert_eq!(st.v[2], from_lanes(&lanes(v, 32).iter().map(|x| x >> 3).collect::<Vec<_>>(), 32));
        run1(&[0x4f400402], &mut st); // sshr v2.2d, v0.2d, #64
        assert_eq!(st.v[2], from_lanes(&lanes(v, 64).iter().map(|&x| if x >> 63 == 1 { u64::MAX as u128 } else { 0 }).collect::<Vec<_>>(), 64));
        run1(&[0x4f155402], &mut st); // shl v2.8h, v0.8h, #5
        assert_eq!(st.v[2], from_lanes(&hs.iter().map(|x| (x << 5) & 0xffff).collect::<Vec<_>>(), 16));
        // ushl v2.4s, v0.4s, v1.4s with shifts 3, -4, 40, -128
        let sh = from_lanes(&[3, 0xfc, 40, 0x80], 32);
        let w = from_lanes(&[0x8000_0001, 0x8000_00f0, 5, 7], 32);
        let mut st = st_with(&[(0, w), (1, sh)]);
        run1(&[0x6ea14402], &mut st);
        assert_eq!(st.v[2], from_lanes(&[8, 0x0800_000f, 0, 0], 32));
        // sshl v2.2d, v0.2d, v1.2d: shifts -1 and -100
        let mut st = st_with(&[(0, from_lanes(&[(-8i64) as u64 as u128, (-3i64) as u64 as u128], 64)), (1, from_lanes(&[0xff, 0x9c], 64))]);
        run1(&[0x4ee14402], &mut st);
        assert_eq!(st.v[2], from_lanes(&[(-4i64) as u64 as u128, u64::MAX as u128], 64));
    }

    #[test]
    fn reductions() {
        let v = bytes(|i| (i as u8).wrapping_mul(17).wrapping_add(10));
        let mut st = st_with(&[(0, v)]);
        run1(&[0x4e31b802], &mut st); // addv b2, v0.16b
        assert_eq!(st.v[2], lanes(v, 8).iter().sum::<u128>() & 0xff);
        run1(&[0x4eb1b802], &mut st); // addv s2, v0.4s
        assert_eq!(st.v[2], lanes(v, 32).iter().sum::<u128>() & 0xffff_ffff);
        run1(&[0x6e303802], &mut st); // uaddlv h2, v0.16b
        assert_eq!(st.v[2], lanes(v, 8).iter().sum::<u128>());
        run1(&[0x6e31a802], &mut st); // uminv b2
        assert_eq!(st.v[2], *lanes(v, 8).iter().min().unwrap());
        run1(&[0x6e202802], &mut st); // uaddlp v2.8h, v0.16b
        let bs = lanes(v, 8);
        assert_eq!(st.v[2], from_lanes(&(0..8).map(|i| bs[2 * i] + bs[2 * i + 1]).collect::<Vec<_>>(), 16));
        run1(&[0x4e205802], &mut st); // cnt v2.16b
        assert_eq!(st.v[2], from_lanes(&bs.iter().map(|x| x.count_ones() as u128).collect::<Vec<_>>(), 8));
        run1(&[0x5ef1b802], &mut st); // addp d2, v0.2d
        let ds = lanes(v, 64);
        assert_eq!(st.v[2], (ds[0] + ds[1]) & u64::MAX as u128);
    }

    #[test]
    fn immediates_and_copies() {
        assert_eq!(simd_expand_imm(true, 0b1110, 0b1010_0101), Some(0xff00_ff00_0000_ff00u64.rotate_left(0) ^ 0xff00_ff00_0000_ff00 ^ 0xff00ff0000ff00ff));
        let mut st = st_with(&[(0, 0x1234)]);
        run1(&[0x4f02e400], &mut st); // movi v0.16b, #0x40
        assert_eq!(st.v[0], bytes(|_| 0x40));
        run1(&[0x6f05e540], &mut st); // movi v0.2d, #0xff00ff00ff00ff00
        assert_eq!(st.v[0], 0xff00ff00ff00ff00_ff00ff00ff00ff00);
        run1(&[0x6f002640], &mut st); // mvni v0.4s, #0x12, lsl #8
        assert_eq!(st.v[0], from_lanes(&[0xffff_edff; 4], 32));
        run1(&[0x4f03f600], &mut st); // fmov v0.4s, #1.0
        assert_eq!(st.v[0], from_lanes(&[0x3f80_0000; 4], 32));
        st.v[0] = 0x0000_0000_0000_0000_0000_0000_0000_0002;
        run1(&[0x4f00b420], &mut st); // orr v0.8h, #0x1, lsl #8
        assert_eq!(st.v[0], from_lanes(&[0x102, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100], 16));
        st.x[1] = 0xabcd_ef12;
        run1(&[0x4e010c20], &mut st); // dup v0.16b, w1
        assert_eq!(st.v[0], bytes(|_| 0x12));
        st.v[1] = from_lanes(&[1, 2, 3, 4], 32);
        run1(&[0x4e140420], &mut st); // dup v0.4s, v1.s[2]
        assert_eq!(st.v[0], from_lanes(&[3, 3, 3, 3], 32));
        st.x[1] = 0x99;
        run1(&[0x4e0c1c20], &mut st); // mov v0.s[1], w1
        assert_eq!(st.v[0], from_lanes(&[3, 0x99, 3, 3], 32));
        st.v[1] = from_lanes(&[0x1111, 0x2222], 64);
        run1(&[0x6e180420], &mut st); // mov v0.d[1], v1.d[0]
        assert_eq!(st.v[0], from_lanes(&[0x99_0000_0003, 0x1111], 64));
        st.v[1] = bytes(|i| 0xf0 + i as u8);
        run1(&[0x0e0b3c20], &mut st); // umov w0, v1.b[5]
        assert_eq!(st.x[0], 0xf5);
        run1(&[0x4e0e2c20], &mut st); // smov x0, v1.h[3]
        assert_eq!(st.x[0], 0xffff_ffff_ffff_f7f6);
        run1(&[0x5e0c0420], &mut st); // mov s0, v1.s[1]
        assert_eq!(st.v[0], 0xf7f6_f5f4);
    }

    #[test]
    fn arith_and_fp() {
        let f4 = |xs: [f32; 4]| from_lanes(&xs.map(|x| x.to_bits() as u128), 32);
        let d2 = |xs: [f64; 2]| from_lanes(&xs.map(|x| x.to_bits() as u128), 64);
        let a = from_lanes(&[1, 2, 0xffff_ffff, 100], 32);
        let b = from_lanes(&[5, 6, 2, 7], 32);
        let mut st = st_with(&[(0, a), (1, b)]);
        run1(&[0x4ea18402], &mut st); // add v2.4s
        assert_eq!(st.v[2], from_lanes(&[6, 8, 1, 107], 32));
        run1(&[0x4e619c02], &mut st); // mul v2.8h
        assert_eq!(st.v[2], from_lanes(&lanes(a, 16).iter().zip(lanes(b, 16)).map(|(x, y)| (x * y) & 0xffff).collect::<Vec<_>>(), 16));
        run1(&[0x4f818802], &mut st); // mul v2.4s, v0.4s, v1.s[2]
        assert_eq!(st.v[2], from_lanes(&[2, 4, 0xffff_fffe, 200], 32));
        run1(&[0x6e213c02], &mut st); // cmhs v2.16b
        assert_eq!(st.v[2], from_lanes(&lanes(a, 8).iter().zip(lanes(b, 8)).map(|(x, y)| if *x >= y { 0xff } else { 0 }).collect::<Vec<_>>(), 8));
        let mut st = st_with(&[(0, 0xf0f0), (1, 0xff00), (2, 0x0ff0)]);
        run1(&[0x6e611c02], &mut st); // bsl v2.16b, v0, v1: (v0 & v2) | (v1 & !v2)
        assert_eq!(st.v[2], (0xf0f0 & 0x0ff0) | (0xff00 & !0x0ff0u128));
        let mut st = st_with(&[(0, 0xaaaa), (1, 0xff00), (2, u128::MAX)]);
        run1(&[0x2ee11c02], &mut st); // bif v2.8b: insert v0 where v1 clear
        assert_eq!(st.v[2], 0xffaa);
        run1(&[0x6e205802], &mut st); // mvn v2.16b, v0.16b
        assert_eq!(st.v[2], !0xaaaau128);
        run1(&[0x6ea0b802], &mut st); // neg v2.4s
        assert_eq!(st.v[2], from_lanes(&[(0x1_0000_0000u64 - 0xaaaa) as u128, 0, 0, 0], 32));
        let mut st = st_with(&[(0, from_lanes(&[0x8000, 0x7fff, 0xffff, 3, 0, 0, 0, 0], 16))]);
        run1(&[0x4e60b802], &mut st); // abs v2.8h
        assert_eq!(st.v[2], from_lanes(&[0x8000, 0x7fff, 1, 3, 0, 0, 0, 0], 16));
        let mut st = st_with(&[(0, bytes(|i| (i as u8).wrapping_mul(20))), (1, bytes(|_| 100))]);
        run1(&[0x6e212c02], &mut st); // uqsub v2.16b
        assert_eq!(st.v[2], bytes(|i| (i as u8).wrapping_mul(20).saturating_sub(100)));
        run1(&[0x2e21c002], &mut st); // umull v2.8h, v0.8b, v1.8b
        assert_eq!(st.v[2], from_lanes(&(0..8).map(|i| (i * 20) as u128 * 100).collect::<Vec<_>>(), 16));
        let mut st = st_with(&[(0, from_lanes(&[0, 0, (-3i32) as u32 as u128, 5], 32)), (1, from_lanes(&[0, 0, 7, 0xffff_ffff], 32)), (2, from_lanes(&[10, 20], 64))]);
        run1(&[0x4ea18002], &mut st); // smlal2 v2.2d, v0.4s, v1.4s
        assert_eq!(st.v[2], from_lanes(&[(10i64 - 21) as u64 as u128, 15], 64));
        // float
        let mut st = st_with(&[(0, f4([1.0, 2.0, -3.0, 4.5])), (1, f4([0.5, 0.25, 2.0, -1.0])), (2, f4([1.0, 1.0, 1.0, 1.0]))]);
        run1(&[0x4e21d402], &mut st); // fadd v2.4s
        assert_eq!(st.v[2], f4([1.5, 2.25, -1.0, 3.5]));
        run1(&[0x4fa11802], &mut st); // fmla v2.4s, v0.4s, v1.s[3]
        assert_eq!(st.v[2], f4([0.5, 0.25, 2.0, -1.0]));
        run1(&[0x6e21d402], &mut st); // faddp v2.4s
        assert_eq!(st.v[2], f4([3.0, 1.5, 0.75, 1.0]));
        run1(&[0x5fa19002], &mut st); // fmul s2, s0, v1.s[1]
        assert_eq!(st.v[2], 0.25f32.to_bits() as u128);
        run1(&[0x4ea0c802], &mut st); // fcmgt v2.4s, v0.4s, #0.0
        assert_eq!(st.v[2], from_lanes(&[0xffff_ffff, 0xffff_ffff, 0, 0xffff_ffff], 32));
        let mut st = st_with(&[(0, d2([1.5, -2.0])), (1, d2([2.0, 3.0])), (2, d2([10.0, 20.0]))]);
        run1(&[0x4e61cc02], &mut st); // fmla v2.2d
        assert_eq!(st.v[2], d2([13.0, 14.0]));
        run1(&[0x7e70d802], &mut st); // faddp d2, v0.2d
        assert_eq!(st.v[2], (-0.5f64).to_bits() as u128);
        run1(&[0x4ee1b802], &mut st); // fcvtzs v2.2d
        assert_eq!(st.v[2], from_lanes(&[1, (-2i64) as u64 as u128], 64));
        run1(&[0x0e617802], &mut st); // fcvtl v2.2d, v0.2s  (v0 low = 1.5f64 bits as 2 floats)
        let lo = lanes(st.v[0], 32);
        assert_eq!(st.v[2], d2([f32::from_bits(lo[0] as u32) as f64, f32::from_bits(lo[1] as u32) as f64]));
        let mut st = st_with(&[(0, d2([1.5, -2.0])), (2, 0x1234)]);
        run1(&[0x4e616802], &mut st); // fcvtn2 v2.4s, v0.2d
        assert_eq!(st.v[2], from_lanes(&[0x1234, 0, 1.5f32.to_bits() as u128, (-2.0f32).to_bits() as u128], 32));
        let mut st = st_with(&[(0, from_lanes(&[1, (-7i32) as u32 as u128, 3, 4], 32))]);
        run1(&[0x4e21d802], &mut st); // scvtf v2.4s
        assert_eq!(st.v[2], f4([1.0, -7.0, 3.0, 4.0]));
        // scalar forms
        let mut st = st_with(&[(1, 6u128 | 0xffu128 << 64), (2, 0x100)]);
        run1(&[0x5e61d820], &mut st); // scvtf d0, d1
        assert_eq!(st.v[0], 6.0f64.to_bits() as u128);
        run1(&[0x7f7d0420], &mut st); // ushr d0, d1, #3
        assert_eq!(st.v[0], 0);
        run1(&[0x5ee28420], &mut st); // add d0, d1, d2
        assert_eq!(st.v[0], 0x106);
        st.v[1] = (-2.7f32).to_bits() as u128;
        run1(&[0x5ea1b820], &mut st); // fcvtzs s0, s1
        assert_eq!(st.v[0], (-2i32) as u32 as u128);
    }

    /// Every encoding in the FP/SIMD space that capstone names with a mnemonic we implement must
    /// reach a pattern. Half precision (FEAT_FP16) forms are excluded: not advertised, SIGILL.
    #[test]
    fn capstone_cross_check() {
        use capstone::prelude::*;
        const IMPLEMENTED: &[&str] = &[
            "fmov", "fadd", "fsub", "fmul", "fdiv", "fnmul", "fmadd", "fmsub", "fnmadd", "fnmsub", "fabs", "fneg",
            "fsqrt", "fmin", "fmax", "fminnm", "fmaxnm", "fcmp", "fcmpe", "fccmp", "fccmpe", "fcsel", "fcvt", "scvtf",
            "ucvtf", "fcvtzs", "fcvtzu", "fcvtns", "fcvtnu", "fcvtas", "fcvtau", "fcvtms", "fcvtmu", "fcvtps",
            "fcvtpu", "frintn", "frinta", "frintp", "frintm", "frintz", "frintx", "frinti", "movi", "mvni", "orr",
            "bic", "dup", "ins", "mov", "umov", "smov", "ext", "and", "orn", "eor", "bsl", "bit", "bif", "add", "sub",
            "mul", "mla", "mls", "cmeq", "cmhs", "cmhi", "cmge", "cmgt", "cmtst", "cmle", "cmlt", "umaxp", "uminp",
            "smaxp", "sminp", "addp", "umaxv", "uminv", "addv", "smaxv", "sminv", "umax", "umin", "smax", "smin",
            "shl", "ushr", "sshr", "usra", "ssra", "urshr", "srshr", "shrn", "shrn2", "rshrn", "rshrn2", "ushll",
            "ushll2", "sshll", "sshll2", "uxtl", "uxtl2", "sxtl", "sxtl2", "xtn", "xtn2", "uzp1", "uzp2", "zip1",
            "zip2", "trn1", "trn2", "rev16", "rev32", "rev64", "cnt", "not", "mvn", "tbl", "tbx", "uaddlv", "saddlv",
            "saddlp", "uaddlp", "neg", "abs", "ushl", "sshl", "fmla", "fmls", "fcmeq", "fcmge", "fcmgt", "fcmle",
            "fcmlt", "faddp", "fmaxp", "fminp", "fmaxnmp", "fminnmp", "fabd", "facge", "facgt", "umull", "umull2",
            "smull", "smull2", "umlal", "umlal2", "smlal", "smlal2", "uaddl", "uaddl2", "saddl", "saddl2", "uaddw",
            "uaddw2", "usubl", "usubl2", "ssubl", "ssubl2", "fcvtl", "fcvtl2", "fcvtn", "fcvtn2", "uqadd", "sqadd",
            "uqsub", "sqsub", "uhadd", "shadd", "urhadd", "srhadd", "uabd", "sabd", "uaba", "saba", "uabdl", "sabdl",
            "clz", "cls", "rbit", "ld1", "ld2", "ld3", "ld4", "st1", "st2", "st3", "st4", "ld1r", "ld2r", "ld3r",
            "ld4r", "addhn", "subhn", "sli", "sri", "uqxtn", "sqxtn", "sqxtun", "fmaxv", "fminv", "fmaxnmv",
            "fminnmv", "frecps", "frsqrts", "sqshl", "uqshl", "sqshlu", "srshl", "urshl", "sqrshl", "uqrshl",
            "sqdmulh", "sqrdmulh", "pmul", "fmulx", "sqabs", "sqneg", "suqadd", "usqadd", "sqshrn", "uqshrn",
            "sqrshrn", "uqrshrn", "sqshrun", "sqrshrun", "ursra", "srsra", "umlsl", "smlsl", "usubw", "ssubw",
            "uabal", "sabal", "raddhn", "rsubhn", "uhsub", "shsub", "sadalp", "uadalp", "sqdmull", "sqdmlal",
            "sqdmlsl", "sqdmull2", "sqdmlal2", "sqdmlsl2", "pmull", "pmull2", "frecpe", "frsqrte", "urecpe",
            "ursqrte", "frecpx", "fcvtxn", "fcvtxn2",
        ];
        let cs = Capstone::new().arm64().mode(arch::arm64::ArchMode::Arm).build().unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut missing = std::collections::BTreeMap::new();
        let mut checked = 0;
        let mut accepted_unknown = Vec::new();
        let mut refused = std::collections::BTreeMap::new();
        let mut unimpl = std::collections::BTreeMap::new();
        for k in 0..100_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = x as u32;
            // Three quarters in the FP/SIMD data-processing space (op0 = x111), the rest in the
            // AdvSIMD structure load/store space.
            let w = if k % 4 != 0 { r | 0x0e00_0000 } else { (r & !0xbf00_0000) | 0x0c00_0000 | (r & 0x0180_0000) };
            // Whatever decodes must lift to verifiable IR without panicking.
            let lifted = crate::isa::aarch64::decode(w).map(|_| {
                let f = crate::isa::aarch64::lift_snippet(0x1000, &[w]);
                crate::ir::verify::verify(&f).unwrap_or_else(|e| panic!("{w:#010x}: {e}"));
                !f.blocks[0].insts.is_empty() || !matches!(f.blocks[0].term, crate::ir::Term::Trap { kind: crate::ir::TrapKind::Undefined, .. })
            });
            let insns = cs.disasm_count(&w.to_le_bytes(), 0, 1).ok();
            let Some(i) = insns.as_ref().and_then(|v| v.iter().next()) else {
                if lifted == Some(true) {
                    accepted_unknown.push(w);
                }
                continue;
            };
            let mn = i.mnemonic().unwrap_or("");
            let ops = i.op_str().unwrap_or("");
            if !IMPLEMENTED.contains(&mn) {
                if lifted != Some(true) && std::env::var("AOT_SHOW_UNIMPL").is_ok() {
                    *unimpl.entry(mn.to_string()).or_insert(0u32) += 1;
                }
                continue;
            }
            // FEAT_FP16 arithmetic and other extensions sharing mnemonics.
            let fp16 = ops.contains(".4h") || ops.contains(".8h") || ops.starts_with('h') || ops.contains(", h");
            let fpish = mn.starts_with('f') || mn.starts_with("scvtf") || mn.starts_with("ucvtf");
            if fp16 && fpish {
                continue;
            }
            checked += 1;
            if lifted == Some(false) {
                refused.entry(mn.to_string()).or_insert_with(Vec::new).push(format!("{w:08x} {ops}"));
            }
            if crate::isa::aarch64::decode(w).is_none() {
                missing.entry(format!("{mn} {ops}")).or_insert(w);
            }
        }
        eprintln!("checked {checked}; lifted although capstone rejects: {} e.g. {:08x?}", accepted_unknown.len(), &accepted_unknown[..accepted_unknown.len().min(20)]);
        eprintln!("refused (SIGILL) although capstone names an implemented mnemonic: {refused:?}");
        if !unimpl.is_empty() {
            eprintln!("not lifted (other mnemonics): {unimpl:?}");
        }
        assert!(checked > 1000, "only {checked} words checked");
        assert!(missing.is_empty(), "{} without a pattern, e.g. {:#x?}", missing.len(), missing.iter().take(40).collect::<Vec<_>>());
    }

    /// Differential check against qemu-aarch64: reads cases produced by a generator script
    /// (instruction word, register file before, register file after under qemu) from
    /// $AOT_FPSIMD_CASES (default /tmp/fps). Run by hand: `cargo test -- --ignored qemu_diff`.
    #[test]
    #[ignore]
    fn qemu_diff() {
        use crate::ir::interp::{Exit, Interp};
        let dir = std::env::var("AOT_FPSIMD_CASES").unwrap_or_else(|_| "/tmp/fps".into());
        let list = std::fs::read_to_string(format!("{dir}/cases.txt")).unwrap();
        let out = std::fs::read(format!("{dir}/out.bin")).unwrap();
        const BLK: usize = 768;
        let ncases = list.lines().count();
        // Load/store cases carry 256 bytes of memory after the register files (base register
        // pointing at it); their initial contents are in data.bin.
        let stride = out.len() / ncases.max(1);
        let init = if stride > 2 * BLK { std::fs::read(format!("{dir}/data.bin")).unwrap() } else { vec![] };
        let load = |b: &[u8]| {
            let mut st = CpuState::default();
            for r in 0..32 {
                st.v[r] = u128::from_le_bytes(b[16 * r..16 * r + 16].try_into().unwrap());
            }
            for r in 0..31 {
                st.x[r] = u64::from_le_bytes(b[512 + 8 * r..520 + 8 * r].try_into().unwrap());
            }
            st.set_nzcv(u64::from_le_bytes(b[760..768].try_into().unwrap()));
            st
        };
        let is_nan_lane = |v: u128, bits: u32, i: u32| {
            let x = (v >> (i * bits)) & ((1u128 << bits) - 1);
            if bits == 32 { f32::from_bits(x as u32).is_nan() } else { f64::from_bits(x as u64).is_nan() }
        };
        let mut bad = std::collections::BTreeMap::<String, Vec<String>>::new();
        let mut nan_only = 0;
        let mut n = 0;
        for (k, line) in list.lines().enumerate() {
            let w = u32::from_str_radix(&line[..8], 16).unwrap();
            let text = &line[9..];
            let blk = &out[k * stride..(k + 1) * stride];
            let mut st = load(&blk[..BLK]);
            let want = load(&blk[BLK..2 * BLK]);
            let mut mem = FlatMemory::default();
            let mut mem_base = 0;
            if stride > 2 * BLK {
                mem_base = st.x[((w >> 5) & 31) as usize];
                let m0 = &init[k * stride + 2 * BLK..(k + 1) * stride];
                for (i, &x) in m0.iter().enumerate() {
                    mem.bytes.insert(mem_base + i as u64, x);
                }
            }
            let f = crate::isa::aarch64::lift_snippet(0x1000, &[w]);
            crate::ir::verify::verify(&f).unwrap();
            let e = Interp::new(&f).run(&mut st, &mut mem, 0, 100_000);
            n += 1;
            let mn = text.split_whitespace().next().unwrap().to_string();
            if e != (Exit::Trap { kind: crate::ir::TrapKind::NotCode, pc: 0x1004 }) {
                bad.entry(mn).or_default().push(format!("{w:08x} {text}: exit {e:?}"));
                continue;
            }
            let mut diffs = vec![];
            let mut only_nan = true;
            for r in 0..32 {
                if st.v[r] != want.v[r] {
                    let nan = (0..4).all(|i| {
                        let m = 0xffff_ffffu128 << (32 * i);
                        (st.v[r] & m) == (want.v[r] & m) || is_nan_lane(want.v[r], 32, i)
                    }) || (0..2).all(|i| {
                        let m = (u64::MAX as u128) << (64 * i);
                        (st.v[r] & m) == (want.v[r] & m) || is_nan_lane(want.v[r], 64, i)
                    });
                    only_nan &= nan;
                    diffs.push(format!("v{r}: got {:032x} want {:032x}", st.v[r], want.v[r]));
                }
            }
            for r in 0..31 {
                if st.x[r] != want.x[r] {
                    only_nan = false;
                    diffs.push(format!("x{r}: got {:x} want {:x}", st.x[r], want.x[r]));
                }
            }
            if stride > 2 * BLK {
                let got = read_mem(&mem, mem_base, stride - 2 * BLK);
                if got[..] != blk[2 * BLK..] {
                    only_nan = false;
                    diffs.push(format!("memory: got {:02x?} want {:02x?}", &got[..64], &blk[2 * BLK..2 * BLK + 64]));
                }
            }
            if st.nzcv() != want.nzcv() {
                only_nan = false;
                diffs.push(format!("nzcv: got {:x} want {:x}", st.nzcv() >> 28, want.nzcv() >> 28));
            }
            if !diffs.is_empty() {
                if only_nan {
                    nan_only += 1;
                } else {
                    bad.entry(mn).or_default().push(format!("{w:08x} {text}: {}", diffs.join("; ")));
                }
            }
        }
        for (mn, v) in &bad {
            eprintln!("== {mn}: {} mismatches", v.len());
            for x in v.iter().take(3) {
                eprintln!("   {x}");
            }
        }
        eprintln!("{n} cases, {} mnemonics with mismatches, {nan_only} differ only where qemu has a NaN (payload / signalling NaN rules)", bad.len());
        assert!(bad.is_empty());
    }


    /// Lift every FP/SIMD word listed in $AOT_WORDS (lines "hexword text", e.g. from objdump of a
    /// static glibc program) and report those without a pattern or refused (SIGILL).
    #[test]
    #[ignore]
    fn lift_words_file() {
        let path = std::env::var("AOT_WORDS").unwrap_or_else(|_| "/tmp/gl/words.txt".into());
        let list = std::fs::read_to_string(path).unwrap();
        let mut bad = vec![];
        for line in list.lines() {
            let w = u32::from_str_radix(&line[..8], 16).unwrap();
            let f = crate::isa::aarch64::lift_snippet(0x1000, &[w]);
            crate::ir::verify::verify(&f).unwrap();
            let refused = f.blocks[0].insts.is_empty()
                && matches!(f.blocks[0].term, crate::ir::Term::Trap { kind: crate::ir::TrapKind::Undefined, .. });
            if refused {
                bad.push(line.to_string());
            }
        }
        for b in &bad {
            eprintln!("unsupported: {b}");
        }
        eprintln!("{} words, {} unsupported", list.lines().count(), bad.len());
    }

}
