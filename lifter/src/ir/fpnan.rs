//! Arm NaN rules for the IR's floating-point ops (what `FAdd`, `FMin`, `FMa`... mean when a NaN
//! is involved), on raw bits. The interpreter uses these directly; the LLVM backend emits the
//! same selection (translator/src/llvm.rs, `arm_nan`), and the instruction tester checks both
//! against qemu-aarch64.
//!
//! - An operation with a NaN operand returns the first signalling NaN operand, quieted; if there
//!   is none, the first quiet NaN operand (Arm's FPProcessNaNs, operands in Arm's order).
//! - An invalid operation on numbers (inf - inf, 0 * inf, sqrt(-1)...) returns the default NaN,
//!   which is positive on Arm (0x7fc00000 / 0x7ff8000000000000; x86 makes it negative).
//! - FMINNM/FMAXNM return the number when exactly one operand is a quiet NaN.
//! - A fused multiply-add whose addend is a quiet NaN and whose product is inf * 0 returns the
//!   default NaN.
//! - With FPCR.DN set (default-NaN mode), every NaN result of these ops is the default NaN
//!   instead ([`with_dn`]); ops that only move bits (FABS, FNEG, FMOV) are not affected.

use super::Ty;

fn width(t: Ty) -> u32 {
    if t == Ty::F32 {
        32
    } else {
        64
    }
}

pub fn quiet_bit(t: Ty) -> u128 {
    1 << (if t == Ty::F32 { 22 } else { 51 })
}

pub fn is_nan(t: Ty, x: u128) -> bool {
    let w = width(t);
    let m = (1u128 << (w - 1)) - 1; // without sign
    let inf = if w == 32 { 0x7f80_0000 } else { 0x7ff0_0000_0000_0000 };
    x & m > inf
}

pub fn is_snan(t: Ty, x: u128) -> bool {
    is_nan(t, x) && x & quiet_bit(t) == 0
}

pub fn default_nan(t: Ty) -> u128 {
    if t == Ty::F32 {
        0x7fc0_0000
    } else {
        0x7ff8_0000_0000_0000
    }
}

/// The default NaN of a 16, 32 or 64-bit float, as bits.
pub fn default_nan_bits(width: u32) -> u128 {
    match width {
        16 => 0x7e00,
        32 => 0x7fc0_0000,
        _ => 0x7ff8_0000_0000_0000,
    }
}

pub fn quieten(t: Ty, x: u128) -> u128 {
    x | quiet_bit(t)
}

/// FPProcessNaNs over `ops` in Arm's order: `Some(result)` if any operand is a NaN.
pub fn process_nans(t: Ty, ops: &[u128]) -> Option<u128> {
    if let Some(&s) = ops.iter().find(|&&x| is_snan(t, x)) {
        return Some(quieten(t, s));
    }
    ops.iter().find(|&&x| is_nan(t, x)).copied()
}

/// The result of an op whose host computation gave `r` (bits), given its operands in Arm's
/// order: NaN operands propagate, a NaN made from numbers becomes the default NaN.
pub fn arm_result(t: Ty, ops: &[u128], r: u128) -> u128 {
    if let Some(n) = process_nans(t, ops) {
        return n;
    }
    if is_nan(t, r) {
        default_nan(t)
    } else {
        r
    }
}

/// FPCR.DN: default-NaN mode.
pub const FPCR_DN: u64 = 1 << 25;

/// The ops that process NaNs (and so obey FPCR.DN): arithmetic, min/max, rounding to integral
/// and conversion between precisions. Both backends and the interpreter use this one list.
pub fn obeys_dn(op: super::Op) -> bool {
    use super::Op;
    matches!(
        op,
        Op::FAdd
            | Op::FSub
            | Op::FMul
            | Op::FDiv
            | Op::FMa
            | Op::FSqrt
            | Op::FMin
            | Op::FMax
            | Op::FMinNm
            | Op::FMaxNm
            | Op::FRound
            | Op::FCvt
    )
}

/// FPCR.FZ: flush-to-zero mode.
pub const FPCR_FZ: u64 = 1 << 24;

/// Under FPCR.FZ a denormal operand counts as a zero of the same sign. Arithmetic gets this from
/// MXCSR.DAZ on the host; FMIN/FMAX-type ops return an operand's bits, so they flush explicitly.
pub fn flush_denormal(t: Ty, fpcr: u64, x: u128) -> u128 {
    let sign = 1u128 << (width(t) - 1);
    let exp = inf_bits(t);
    if fpcr & FPCR_FZ != 0 && x & exp == 0 {
        x & sign
    } else {
        x
    }
}

/// A NaN result `r` becomes the default NaN when `fpcr` has DN set.
pub fn with_dn(t: Ty, fpcr: u64, r: u128) -> u128 {
    if fpcr & FPCR_DN != 0 && is_nan(t, r) {
        default_nan(t)
    } else {
        r
    }
}

fn is_zero(t: Ty, x: u128) -> bool {
    x & ((1u128 << (width(t) - 1)) - 1) == 0
}

pub fn inf_bits(t: Ty) -> u128 {
    if t == Ty::F32 {
        0x7f80_0000
    } else {
        0x7ff0_0000_0000_0000
    }
}

fn is_inf(t: Ty, x: u128) -> bool {
    let inf = inf_bits(t);
    x & ((1u128 << (width(t) - 1)) - 1) == inf
}

/// Fused a * b + c with Arm's NaN rules (the addend `c` comes first in NaN priority).
pub fn fma_result(t: Ty, a: u128, b: u128, c: u128, r: u128) -> u128 {
    let inf_times_zero = (is_inf(t, a) && is_zero(t, b)) || (is_zero(t, a) && is_inf(t, b));
    if is_nan(t, c) && !is_snan(t, c) && inf_times_zero {
        return default_nan(t);
    }
    arm_result(t, &[c, a, b], r)
}

/// FMINNM/FMAXNM: a single quiet NaN operand loses to the number.
pub fn minmax_nm_operands(t: Ty, a: u128, b: u128) -> Option<u128> {
    let (qa, qb) = (is_nan(t, a) && !is_snan(t, a), is_nan(t, b) && !is_snan(t, b));
    if qa && !is_nan(t, b) {
        return Some(b);
    }
    if qb && !is_nan(t, a) {
        return Some(a);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signalling_beats_quiet_and_is_quietened() {
        let q = 0x7fc1_2345u128;
        let s = 0xff80_0001u128;
        assert_eq!(process_nans(Ty::F32, &[q, s]), Some(0xffc0_0001));
        assert_eq!(process_nans(Ty::F32, &[0x3f80_0000, q]), Some(q));
        assert_eq!(process_nans(Ty::F32, &[0x3f80_0000, 0]), None);
        // inf - inf on numbers: the positive default NaN, whatever the host produced.
        assert_eq!(arm_result(Ty::F64, &[0x7ff0 << 48, 0x7ff0 << 48], 0xfff8 << 48), 0x7ff8 << 48);
    }

    #[test]
    fn fma_inf_times_zero_with_quiet_addend_is_default_nan() {
        let inf = 0x7f80_0000u128;
        let qnan = 0xffc0_0042u128;
        assert_eq!(fma_result(Ty::F32, inf, 0, qnan, qnan), 0x7fc0_0000);
        assert_eq!(fma_result(Ty::F32, 0x3f80_0000, 0, qnan, qnan), qnan);
    }

    #[test]
    fn default_nan_mode_replaces_every_nan() {
        let s = 0xfff0_0000_0000_0001u128;
        assert_eq!(with_dn(Ty::F64, FPCR_DN, quieten(Ty::F64, s)), 0x7ff8 << 48);
        assert_eq!(with_dn(Ty::F64, 0, quieten(Ty::F64, s)), 0xfff8_0000_0000_0001);
        assert_eq!(with_dn(Ty::F32, FPCR_DN, 0x3f80_0000), 0x3f80_0000);
    }
}
