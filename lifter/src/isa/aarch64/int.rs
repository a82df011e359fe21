//! Integer data processing (C4.1.86 "Data Processing -- Immediate" and C4.1.87 "Data Processing --
//! Register"): arithmetic, logical, moves, bitfields, conditional ops, multiply/divide, CRC32.

use super::decode::{pat, Pattern};
use super::{bit, bits, sext, Lift};
use crate::cpu::Reg;
use crate::ir::{Ty, Value};

pub const PATTERNS: &[Pattern] = &[
    // ---- data processing, immediate ----
    pat("0 ii 10000 iiiiiiiiiiiiiiiiiii ddddd", "ADR", trans_adr),
    pat("1 ii 10000 iiiiiiiiiiiiiiiiiii ddddd", "ADRP", trans_adr),
    pat("s o S 100010 h iiiiiiiiiiii nnnnn ddddd", "ADD/ADDS/SUB/SUBS (immediate)", trans_addsub_imm),
    pat("s oo 100100 N rrrrrr ssssss nnnnn ddddd", "AND/ORR/EOR/ANDS (immediate)", trans_logic_imm),
    pat("s oo 100101 hh iiiiiiiiiiiiiiii ddddd", "MOVN/MOVZ/MOVK", trans_movw),
    pat("s oo 100110 N rrrrrr ssssss nnnnn ddddd", "SBFM/BFM/UBFM", trans_bitfield),
    pat("s 00 100111 N 0 mmmmm ssssss nnnnn ddddd", "EXTR", trans_extr),
    // ---- data processing, register ----
    pat("s oo 01010 hh N mmmmm iiiiii nnnnn ddddd", "AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register)", trans_logic_reg),
    pat("s o S 01011 hh 0 mmmmm iiiiii nnnnn ddddd", "ADD/ADDS/SUB/SUBS (shifted register)", trans_addsub_shift),
    pat("s o S 01011 00 1 mmmmm xxx iii nnnnn ddddd", "ADD/ADDS/SUB/SUBS (extended register)", trans_addsub_ext),
    pat("s o S 11010000 mmmmm 000000 nnnnn ddddd", "ADC/ADCS/SBC/SBCS", trans_adc),
    pat("s o 1 11010010 mmmmm cccc i 0 nnnnn 0 ffff", "CCMN/CCMP", trans_ccmp),
    pat("s o 0 11010100 mmmmm cccc 0 p nnnnn ddddd", "CSEL/CSINC/CSINV/CSNEG", trans_csel),
    pat("s 1 0 11010110 00000 0000 oo nnnnn ddddd", "RBIT/REV16/REV32/REV", trans_dp1_rev),
    pat("s 1 0 11010110 00000 00010 o nnnnn ddddd", "CLZ/CLS", trans_dp1_clz),
    pat("s 0 0 11010110 mmmmm 00001 o nnnnn ddddd", "UDIV/SDIV", trans_div),
    pat("s 0 0 11010110 mmmmm 0010 oo nnnnn ddddd", "LSLV/LSRV/ASRV/RORV", trans_shiftv),
    pat("s 0 0 11010110 mmmmm 010 c zz nnnnn ddddd", "CRC32/CRC32C", trans_crc32),
    pat("s 00 11011 000 mmmmm o aaaaa nnnnn ddddd", "MADD/MSUB", trans_madd),
    pat("1 00 11011 u01 mmmmm o aaaaa nnnnn ddddd", "SMADDL/SMSUBL/UMADDL/UMSUBL", trans_maddl),
    pat("1 00 11011 u10 mmmmm 0 aaaaa nnnnn ddddd", "SMULH/UMULH", trans_mulh),
];

/// I64 or I32.
pub fn ty_of(sf: bool) -> Ty {
    if sf {
        Ty::I64
    } else {
        Ty::I32
    }
}

/// All-ones of `n` bits (n <= 64).
fn ones(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

fn ror_bits(x: u64, r: u32, width: u32) -> u64 {
    let x = x & ones(width);
    if r == 0 {
        return x;
    }
    ((x >> r) | (x << (width - r))) & ones(width)
}

/// Arm DecodeBitMasks: (wmask, tmask) of `datasize` bits, or None for a reserved encoding.
pub fn decode_bit_masks(n: u32, imms: u32, immr: u32, immediate: bool, datasize: u32) -> Option<(u64, u64)> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    if esize > datasize {
        return None;
    }
    let levels = (esize - 1) as u32;
    if immediate && (imms & levels) == levels {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let d = (s.wrapping_sub(r)) & levels;
    let welem = ror_bits(ones(s + 1), r, esize);
    let telem = ones(d + 1);
    let mut wmask = 0u64;
    let mut tmask = 0u64;
    let mut k = 0;
    while k < datasize {
        wmask |= welem << k;
        tmask |= telem << k;
        k += esize;
    }
    Some((wmask & ones(datasize), tmask & ones(datasize)))
}

/// Shift `v` by a constant: 0 LSL, 1 LSR, 2 ASR, 3 ROR.
pub fn shift_const(l: &mut Lift, v: Value, kind: u32, amount: u32) -> Value {
    if amount == 0 {
        return v;
    }
    match kind {
        0 => l.b.shl_i(v, amount),
        1 => l.b.lshr_i(v, amount),
        2 => l.b.ashr_i(v, amount),
        _ => {
            let t = l.b.ty(v);
            let c = l.b.iconst(t, amount as u128);
            l.b.rotr(v, c)
        }
    }
}

/// Arm ExtendReg: X`rm` extended by `option` (UXTB..SXTX) to `ty`, then shifted left by `shift`.
pub fn extend_reg(l: &mut Lift, rm: u32, option: u32, shift: u32, ty: Ty) -> Value {
    let len = 8u32 << (option & 3);
    let x = l.xr(rm, true);
    let v = if len >= ty.bits() {
        l.b.trunc(x, ty)
    } else {
        let t = l.b.trunc(x, Ty::int(len));
        if option & 4 != 0 {
            l.b.sext(t, ty)
        } else {
            l.b.zext(t, ty)
        }
    };
    if shift == 0 {
        v
    } else {
        l.b.shl_i(v, shift)
    }
}

/// a + b (sub: a - b) with optional flags.
fn addsub(l: &mut Lift, a: Value, b: Value, sub: bool, set_flags: bool) -> Value {
    if sub {
        let nb = l.b.not(b);
        let one = l.b.bool(true);
        l.add_with_flags(a, nb, one, set_flags)
    } else if set_flags {
        let zero = l.b.bool(false);
        l.add_with_flags(a, b, zero, true)
    } else {
        l.b.add(a, b)
    }
}

fn trans_adr(l: &mut Lift, insn: u32) -> bool {
    let imm = sext(((bits(insn, 23, 5) << 2) | bits(insn, 30, 29)) as u64, 21);
    let rd = bits(insn, 4, 0);
    let target = if bit(insn, 31) {
        (l.pc & !0xfff).wrapping_add((imm << 12) as u64)
    } else {
        l.pc.wrapping_add(imm as u64)
    };
    if rd == 31 {
        return true;
    }
    let v = l.b.addr(target);
    l.set_xr(rd, v);
    true
}

fn trans_addsub_imm(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let sub = bit(insn, 30);
    let s = bit(insn, 29);
    let sh = bit(insn, 22);
    let (rn, rd) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let imm = (bits(insn, 21, 10) as u128) << if sh { 12 } else { 0 };
    let ty = ty_of(sf);
    let a = l.xr_sp(rn, sf);
    let b = l.b.iconst(ty, imm);
    let r = addsub(l, a, b, sub, s);
    if s {
        l.set_xr(rd, r);
    } else {
        l.set_xr_sp(rd, r);
    }
    true
}

fn trans_logic_imm(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let opc = bits(insn, 30, 29);
    let n = bits(insn, 22, 22);
    if !sf && n == 1 {
        return false;
    }
    let datasize = if sf { 64 } else { 32 };
    let Some((imm, _)) = decode_bit_masks(n, bits(insn, 15, 10), bits(insn, 21, 16), true, datasize) else {
        return false;
    };
    let (rn, rd) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = ty_of(sf);
    let a = l.xr(rn, sf);
    let c = l.b.iconst(ty, imm as u128);
    let r = match opc {
        0 | 3 => l.b.and(a, c),
        1 => l.b.or(a, c),
        _ => l.b.xor(a, c),
    };
    if opc == 3 {
        let f = l.b.bool(false);
        l.set_flags_nz(r, f, f);
        l.set_xr(rd, r);
    } else {
        l.set_xr_sp(rd, r);
    }
    true
}

fn trans_movw(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let opc = bits(insn, 30, 29);
    let hw = bits(insn, 22, 21);
    if opc == 1 || (!sf && hw >= 2) {
        return false;
    }
    let rd = bits(insn, 4, 0);
    let pos = hw * 16;
    let imm = (bits(insn, 20, 5) as u64) << pos;
    let ty = ty_of(sf);
    let mask = ones(ty.bits());
    let r = match opc {
        0 => l.b.iconst(ty, (!imm & mask) as u128),
        2 => l.b.iconst(ty, imm as u128),
        _ => {
            let old = l.xr(rd, sf);
            let kept = l.b.and_i(old, (!(0xffffu64 << pos) & mask) as u128);
            let c = l.b.iconst(ty, imm as u128);
            l.b.or(kept, c)
        }
    };
    l.set_xr(rd, r);
    true
}

fn trans_bitfield(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let opc = bits(insn, 30, 29);
    let n = bits(insn, 22, 22);
    let immr = bits(insn, 21, 16);
    let imms = bits(insn, 15, 10);
    if opc == 3 || (sf as u32) != n || (!sf && (immr >= 32 || imms >= 32)) {
        return false;
    }
    let datasize = if sf { 64 } else { 32 };
    let Some((wmask, tmask)) = decode_bit_masks(n, imms, immr, false, datasize) else {
        return false;
    };
    let (rn, rd) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = ty_of(sf);
    let src = l.xr(rn, sf);
    let r = match opc {
        // UBFM: LSL/LSR/UBFX/UBFIZ/UXTB/UXTH.
        2 => {
            if imms >= immr {
                // UBFX / LSR: (src >> immr) & ones(imms - immr + 1)
                let s = shift_const(l, src, 1, immr);
                let w = imms - immr + 1;
                if w + immr == datasize {
                    s
                } else {
                    l.b.and_i(s, ones(w) as u128)
                }
            } else {
                // UBFIZ / LSL: (src & ones(imms + 1)) << (datasize - immr)
                let w = imms + 1;
                let sh = datasize - immr;
                let m = if w + sh >= datasize { src } else { l.b.and_i(src, ones(w) as u128) };
                shift_const(l, m, 0, sh)
            }
        }
        // SBFM: ASR/SBFX/SBFIZ/SXTB/SXTH/SXTW.
        0 => {
            if imms >= immr {
                // SBFX / ASR: sign-extend bits imms..immr.
                let up = datasize - 1 - imms;
                let a = shift_const(l, src, 0, up);
                shift_const(l, a, 2, up + immr)
            } else {
                // SBFIZ: sign-extend the low imms+1 bits, then shift left by datasize - immr.
                let up = datasize - 1 - imms;
                let a = shift_const(l, src, 0, up);
                let e = shift_const(l, a, 2, up);
                shift_const(l, e, 0, datasize - immr)
            }
        }
        // BFM (BFI/BFXIL): with top = dst the pseudocode reduces to
        // (dst & !(wmask & tmask)) | (ROR(src, immr) & wmask & tmask).
        _ => {
            let dst = l.xr(rd, sf);
            let rot = shift_const(l, src, 3, immr);
            let m = wmask & tmask;
            let keep = l.b.and_i(dst, (!m & ones(datasize)) as u128);
            let ins = l.b.and_i(rot, m as u128);
            l.b.or(keep, ins)
        }
    };
    let _ = ty;
    l.set_xr(rd, r);
    true
}

fn trans_extr(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let n = bits(insn, 22, 22);
    let lsb = bits(insn, 15, 10);
    if (sf as u32) != n || (!sf && lsb >= 32) {
        return false;
    }
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let datasize = if sf { 64 } else { 32 };
    let r = if rm == rn {
        let v = l.xr(rn, sf);
        shift_const(l, v, 3, lsb)
    } else if lsb == 0 {
        l.xr(rm, sf)
    } else {
        let hi = l.xr(rn, sf);
        let lo = l.xr(rm, sf);
        let a = l.b.lshr_i(lo, lsb);
        let b = l.b.shl_i(hi, datasize - lsb);
        l.b.or(a, b)
    };
    l.set_xr(rd, r);
    true
}

fn trans_logic_reg(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let opc = bits(insn, 30, 29);
    let shift = bits(insn, 23, 22);
    let invert = bit(insn, 21);
    let imm6 = bits(insn, 15, 10);
    if !sf && imm6 >= 32 {
        return false;
    }
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let m = l.xr(rm, sf);
    let mut b = shift_const(l, m, shift, imm6);
    if invert {
        b = l.b.not(b);
    }
    let r = match opc {
        0 | 3 => l.b.and(a, b),
        1 => l.b.or(a, b),
        _ => l.b.xor(a, b),
    };
    if opc == 3 {
        let f = l.b.bool(false);
        l.set_flags_nz(r, f, f);
    }
    l.set_xr(rd, r);
    true
}

fn trans_addsub_shift(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let shift = bits(insn, 23, 22);
    let imm6 = bits(insn, 15, 10);
    if shift == 3 || (!sf && imm6 >= 32) {
        return false;
    }
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let m = l.xr(rm, sf);
    let b = shift_const(l, m, shift, imm6);
    let r = addsub(l, a, b, bit(insn, 30), bit(insn, 29));
    l.set_xr(rd, r);
    true
}

fn trans_addsub_ext(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let s = bit(insn, 29);
    let option = bits(insn, 15, 13);
    let imm3 = bits(insn, 12, 10);
    if imm3 > 4 {
        return false;
    }
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = ty_of(sf);
    let a = l.xr_sp(rn, sf);
    let b = extend_reg(l, rm, option, imm3, ty);
    let r = addsub(l, a, b, bit(insn, 30), s);
    if s {
        l.set_xr(rd, r);
    } else {
        l.set_xr_sp(rd, r);
    }
    true
}

fn trans_adc(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let mut b = l.xr(rm, sf);
    if bit(insn, 30) {
        b = l.b.not(b);
    }
    let c = l.b.getreg(Reg::C);
    let r = l.add_with_flags(a, b, c, bit(insn, 29));
    l.set_xr(rd, r);
    true
}

fn trans_ccmp(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let sub = bit(insn, 30);
    let cc = bits(insn, 15, 12);
    let nzcv = bits(insn, 3, 0);
    let rn = bits(insn, 9, 5);
    let a = l.xr(rn, sf);
    let b = if bit(insn, 11) {
        l.b.iconst(ty_of(sf), bits(insn, 20, 16) as u128)
    } else {
        l.xr(bits(insn, 20, 16), sf)
    };
    let cond = l.cond_holds(cc);
    addsub(l, a, b, sub, true);
    for (k, r) in [Reg::N, Reg::Z, Reg::C, Reg::V].into_iter().enumerate() {
        let cur = l.b.getreg(r);
        let alt = l.b.bool((nzcv >> (3 - k)) & 1 == 1);
        let v = l.b.select(cond, cur, alt);
        l.b.setreg(r, v);
    }
    true
}

fn trans_csel(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let cc = bits(insn, 15, 12);
    let op = bit(insn, 30);
    let o2 = bit(insn, 10);
    let a = l.xr(rn, sf);
    let m = l.xr(rm, sf);
    let b = match (op, o2) {
        (false, false) => m,
        (false, true) => l.b.add_i(m, 1),
        (true, false) => l.b.not(m),
        (true, true) => l.b.neg(m),
    };
    let c = l.cond_holds(cc);
    let r = l.b.select(c, a, b);
    l.set_xr(rd, r);
    true
}

fn trans_dp1_rev(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let opc = bits(insn, 11, 10);
    if !sf && opc == 3 {
        return false;
    }
    let (rn, rd) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let v = l.xr(rn, sf);
    let r = match opc {
        0 => l.b.rbit(v),
        1 => {
            // REV16: swap the bytes of every halfword.
            let m = if sf { 0x00ff_00ff_00ff_00ffu128 } else { 0x00ff_00ff };
            let a = l.b.lshr_i(v, 8);
            let a = l.b.and_i(a, m);
            let b = l.b.and_i(v, m);
            let b = l.b.shl_i(b, 8);
            l.b.or(a, b)
        }
        2 if sf => {
            // REV32: byte-reverse each word.
            let s = l.b.bswap(v);
            shift_const(l, s, 3, 32)
        }
        _ => l.b.bswap(v),
    };
    l.set_xr(rd, r);
    true
}

fn trans_dp1_clz(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rn, rd) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let v = l.xr(rn, sf);
    let r = if bit(insn, 10) { l.b.cls(v) } else { l.b.clz(v) };
    l.set_xr(rd, r);
    true
}

fn trans_div(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let b = l.xr(rm, sf);
    let r = if bit(insn, 10) { l.b.sdiv(a, b) } else { l.b.udiv(a, b) };
    l.set_xr(rd, r);
    true
}

fn trans_shiftv(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let b = l.xr(rm, sf);
    // The IR takes shift amounts modulo the width, as Arm does.
    let r = match bits(insn, 11, 10) {
        0 => l.b.shl(a, b),
        1 => l.b.lshr(a, b),
        2 => l.b.ashr(a, b),
        _ => l.b.rotr(a, b),
    };
    l.set_xr(rd, r);
    true
}

/// Bitwise reflected CRC-32 update of `acc` (I32) with the low `size` bits of `val`.
pub fn crc32_update(l: &mut Lift, acc: Value, val: Value, size: u32, poly: u32) -> Value {
    let a = l.b.zext(acc, Ty::I64);
    let v = l.b.zext(val, Ty::I64);
    let mut c = l.b.xor(a, v);
    let p = l.b.c64(poly as u64);
    for _ in 0..size {
        let low = l.b.and_i(c, 1);
        let m = l.b.neg(low);
        let pm = l.b.and(m, p);
        let sh = l.b.lshr_i(c, 1);
        c = l.b.xor(sh, pm);
    }
    l.b.trunc(c, Ty::I32)
}

fn trans_crc32(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let sz = bits(insn, 11, 10);
    if sf != (sz == 3) {
        return false;
    }
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let poly = if bit(insn, 12) { 0x82F6_3B78 } else { 0xEDB8_8320 };
    let size = 8u32 << sz;
    let acc = l.xr(rn, false);
    let x = l.xr(rm, true);
    let val = if size < 64 {
        let t = l.b.trunc(x, Ty::int(size));
        l.b.zext(t, Ty::I64)
    } else {
        x
    };
    let r = crc32_update(l, acc, val, size, poly);
    l.set_xr(rd, r);
    true
}

fn trans_madd(l: &mut Lift, insn: u32) -> bool {
    let sf = bit(insn, 31);
    let (rm, ra, rn, rd) = (bits(insn, 20, 16), bits(insn, 14, 10), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, sf);
    let b = l.xr(rm, sf);
    let acc = l.xr(ra, sf);
    let p = l.b.mul(a, b);
    let r = if bit(insn, 15) { l.b.sub(acc, p) } else { l.b.add(acc, p) };
    l.set_xr(rd, r);
    true
}

fn trans_maddl(l: &mut Lift, insn: u32) -> bool {
    let (rm, ra, rn, rd) = (bits(insn, 20, 16), bits(insn, 14, 10), bits(insn, 9, 5), bits(insn, 4, 0));
    let unsigned = bit(insn, 23);
    let a = l.xr(rn, false);
    let b = l.xr(rm, false);
    let (a, b) = if unsigned {
        (l.b.zext(a, Ty::I64), l.b.zext(b, Ty::I64))
    } else {
        (l.b.sext(a, Ty::I64), l.b.sext(b, Ty::I64))
    };
    let acc = l.xr(ra, true);
    let p = l.b.mul(a, b);
    let r = if bit(insn, 15) { l.b.sub(acc, p) } else { l.b.add(acc, p) };
    l.set_xr(rd, r);
    true
}

fn trans_mulh(l: &mut Lift, insn: u32) -> bool {
    let (rm, rn, rd) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let a = l.xr(rn, true);
    let b = l.xr(rm, true);
    let r = if bit(insn, 23) { l.b.umulh(a, b) } else { l.b.smulh(a, b) };
    l.set_xr(rd, r);
    true
}

/// Test support shared by the int, ldst and system tests: lift, verify and interpret a snippet.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::cpu::CpuState;
    use crate::ir::interp::{Exit, FlatMemory, Interp};
    use crate::ir::{Helper, Term, TrapKind};

    pub const BASE: u64 = 0x40_1000;

    /// Run `words` at BASE; helpers return `0x1234_5678` and are recorded.
    pub fn run(words: &[u32], st: &mut CpuState, mem: &mut FlatMemory) -> Vec<(Helper, Vec<u64>)> {
        let f = crate::isa::aarch64::lift_snippet(BASE, words);
        if let Err(e) = crate::ir::verify::verify(&f) {
            panic!("verify failed: {e:?}");
        }
        let mut it = Interp::new(&f);
        let mut ex = it.run(st, mem, 0, 1_000_000);
        let mut helpers = vec![];
        loop {
            match ex {
                // A snippet ends by running off its last instruction.
                Exit::Tail { target } | Exit::Trap { kind: TrapKind::NotCode, pc: target } => {
                    assert_eq!(target, BASE + 4 * words.len() as u64, "ran off early");
                    break;
                }
                Exit::Helper { helper, args, resume, .. } => {
                    helpers.push((helper, args));
                    ex = it.resume(st, mem, resume, 0x1234_5678, 1_000_000);
                }
                e => panic!("unexpected exit {e:?} for {words:08x?}"),
            }
        }
        helpers
    }

    /// Run with X registers preset; returns the state.
    pub fn regs(words: &[u32], xs: &[(usize, u64)]) -> CpuState {
        let mut st = CpuState::default();
        for &(r, v) in xs {
            st.x[r] = v;
        }
        let mut mem = FlatMemory::default();
        run(words, &mut st, &mut mem);
        st
    }

    /// Does this word lift to an Undefined trap (SIGILL)?
    pub fn is_sigill(w: u32) -> bool {
        let f = crate::isa::aarch64::lift_snippet(BASE, &[w]);
        crate::ir::verify::verify(&f).expect("verify");
        f.blocks[0].insts.is_empty() && f.blocks[0].term == Term::Trap { kind: TrapKind::Undefined, off: 0 }
    }

    pub fn flags(st: &CpuState) -> (u8, u8, u8, u8) {
        (st.n, st.z, st.c, st.vf)
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::cpu::CpuState;

    fn flags_of(words: &[u32], xs: &[(usize, u64)], c_in: u8) -> CpuState {
        let mut st = CpuState::default();
        st.c = c_in;
        for &(r, v) in xs {
            st.x[r] = v;
        }
        let mut mem = crate::ir::interp::FlatMemory::default();
        run(words, &mut st, &mut mem);
        st
    }

    #[test]
    fn add_sub_flags() {
        // adds x0, x1, x2: unsigned carry and signed overflow at the boundaries.
        let s = regs(&[0xab020020], &[(1, u64::MAX), (2, 1)]);
        assert_eq!((s.x[0], flags(&s)), (0, (0, 1, 1, 0)));
        let s = regs(&[0xab020020], &[(1, i64::MAX as u64), (2, 1)]);
        assert_eq!((s.x[0], flags(&s)), (1 << 63, (1, 0, 0, 1)));
        // subs w0, w1, w2
        let s = regs(&[0x6b020020], &[(1, 5), (2, 5)]);
        assert_eq!((s.x[0], flags(&s)), (0, (0, 1, 1, 0)));
        let s = regs(&[0x6b020020], &[(1, 0x8000_0000), (2, 1)]);
        assert_eq!((s.x[0], flags(&s)), (0x7fff_ffff, (0, 0, 1, 1)));
        let s = regs(&[0x6b020020], &[(1, 0xffff_ffff_0000_0003), (2, 4)]);
        assert_eq!((s.x[0], flags(&s)), (0xffff_ffff, (1, 0, 0, 0)));
        // adcs x0, x1, x2 with carry in
        let s = flags_of(&[0xba020020], &[(1, u64::MAX), (2, 0)], 1);
        assert_eq!((s.x[0], flags(&s)), (0, (0, 1, 1, 0)));
        let s = flags_of(&[0xba020020], &[(1, 1), (2, 2)], 1);
        assert_eq!((s.x[0], flags(&s)), (4, (0, 0, 0, 0)));
        // sbcs w0, w1, w2: 3 - 3 - !C
        let s = flags_of(&[0x7a020020], &[(1, 3), (2, 3)], 0);
        assert_eq!((s.x[0], flags(&s)), (0xffff_ffff, (1, 0, 0, 0)));
        let s = flags_of(&[0x7a020020], &[(1, 3), (2, 3)], 1);
        assert_eq!((s.x[0], flags(&s)), (0, (0, 1, 1, 0)));
        // cmn w1, #1 with w1 = -1
        let s = regs(&[0x3100043f], &[(1, 0xffff_ffff)]);
        assert_eq!(flags(&s), (0, 1, 1, 0));
        // cmp x1, x2 (1 < 2)
        let s = regs(&[0xeb02003f], &[(1, 1), (2, 2)]);
        assert_eq!(flags(&s), (1, 0, 0, 0));
        // adds w2, w3, #4095, lsl #12
        let s = regs(&[0x317ffc62], &[(3, 1)]);
        assert_eq!(s.x[2], 0xfff001);
    }

    #[test]
    fn add_sub_forms() {
        // add x0, sp, w1, uxtw #2
        let mut st = CpuState::default();
        st.sp = 0x1000;
        st.x[1] = 0xffff_ffff_0000_0004;
        run(&[0x8b214be0], &mut st, &mut Default::default());
        assert_eq!(st.x[0], 0x1010);
        // sub sp, sp, #16
        run(&[0xd10043ff], &mut st, &mut Default::default());
        assert_eq!(st.sp, 0xff0);
        // add x0, x1, x2, lsl #3
        assert_eq!(regs(&[0x8b020c20], &[(1, 1), (2, 2)]).x[0], 17);
        // sub w0, w1, w2, asr #31
        assert_eq!(regs(&[0x4b827c20], &[(1, 1), (2, 0x8000_0000)]).x[0], 2);
        // shift amount >= 32 in a W form is unallocated
        assert!(is_sigill(0x4b820020 | (40 << 10)));
        // shift type 11 unallocated
        assert!(is_sigill(0x8bc20020));
    }

    #[test]
    fn logical() {
        let x1 = 0x0123_4567_89ab_cdefu64;
        assert_eq!(regs(&[0x92089c20], &[(1, x1)]).x[0], x1 & 0xff00ff00ff00ff00);
        assert_eq!(regs(&[0x3200f3e0], &[]).x[0], 0x55555555);
        assert_eq!(regs(&[0xd27ff420], &[(1, x1)]).x[0], x1 ^ 0x7ffffffffffffffe);
        let s = regs(&[0x72010420], &[(1, 0xffff_ffff)]);
        assert_eq!((s.x[0], flags(&s)), (0x8000_0001, (1, 0, 0, 0)));
        let s = regs(&[0xf240003f], &[(1, 2)]);
        assert_eq!(flags(&s), (0, 1, 0, 0));
        assert_eq!(regs(&[0x8ae22020], &[(1, x1), (2, 0xff)]).x[0], x1 & !0xff00_0000_0000_0000);
        assert_eq!(regs(&[0x2a220020], &[(1, 1), (2, 0xffff_fff0)]).x[0], 0xf);
        assert_eq!(regs(&[0xca221020], &[(1, x1), (2, 0xf)]).x[0], x1 ^ !0xf0);
        let s = regs(&[0x6a220020], &[(1, 0xf0), (2, 0xf0)]);
        assert_eq!((s.x[0], flags(&s)), (0, (0, 1, 0, 0)));
        // Bit masks: several encodings.
        assert_eq!(decode_bit_masks(0, 0b111100, 0, true, 32).map(|x| x.0), Some(0x5555_5555));
        assert_eq!(decode_bit_masks(1, 0b000111, 4, true, 64).map(|x| x.0), Some(0xf00000000000000f));
        assert_eq!(decode_bit_masks(0, 0b110011, 1, true, 64).map(|x| x.0), Some(0x8787_8787_8787_8787));
        assert_eq!(decode_bit_masks(1, 0b111111, 0, true, 64), None); // all ones: reserved
        assert_eq!(decode_bit_masks(0, 0b111101, 0, true, 64), None);
        // N=1 in a W form: unallocated
        assert!(is_sigill(0x12400020));
    }

    #[test]
    fn moves_and_adr() {
        assert_eq!(regs(&[0xd2e24680], &[]).x[0], 0x1234 << 48);
        assert_eq!(regs(&[0x12800000], &[(0, 7 << 40)]).x[0], 0xffff_ffff);
        assert_eq!(regs(&[0xf2b7dde0], &[(0, u64::MAX)]).x[0], 0xffff_ffff_beef_ffff);
        assert!(is_sigill(0x12c00000)); // movn w0 with hw=2
        // adr x0, #8; adrp x1, #0x3000; adr x2, #-4 (PCs BASE, BASE+4, BASE+8)
        let s = regs(&[0x10000040, 0xf0000001, 0x10ffffe2], &[]);
        assert_eq!(s.x[0], BASE + 8);
        assert_eq!(s.x[1], (BASE & !0xfff) + 0x3000);
        assert_eq!(s.x[2], BASE + 4);
        // ADRP is a relocated address.
        let f = crate::isa::aarch64::lift_snippet(BASE, &[0xf0000001]);
        assert!(f.relocs.contains(&crate::ir::Reloc::Addr((BASE & !0xfff) + 0x3000)));
    }

    #[test]
    fn bitfield() {
        let x1 = 0x8123_4567_89ab_cdefu64;
        assert_eq!(regs(&[0xd37cec20], &[(1, x1)]).x[0], x1 << 4);
        assert_eq!(regs(&[0x531f7c20], &[(1, x1)]).x[0], 1);
        assert_eq!(regs(&[0x937ffc20], &[(1, x1)]).x[0], u64::MAX);
        assert_eq!(regs(&[0x93401c20], &[(1, 0x80)]).x[0], 0xffff_ffff_ffff_ff80);
        assert_eq!(regs(&[0x53003c20], &[(1, x1)]).x[0], 0xcdef);
        assert_eq!(regs(&[0x93407c20], &[(1, 0x8000_0000)]).x[0], 0xffff_ffff_8000_0000);
        assert_eq!(regs(&[0xb3783c20], &[(0, u64::MAX), (1, 0x1234)]).x[0], 0xffff_ffff_ff12_34ff);
        assert_eq!(regs(&[0x33042c20], &[(0, 0xffff_ffff), (1, 0xabc0)]).x[0], 0xffff_ffbc);
        assert_eq!(regs(&[0xd37cfc20], &[(1, x1)]).x[0], 8);
        assert_eq!(regs(&[0x13042c20], &[(1, 0x0f80)]).x[0], 0xffff_fff8);
        assert_eq!(regs(&[0x937d1020], &[(1, 0x1f)]).x[0], (-1i64 << 3) as u64);
        assert_eq!(regs(&[0x53081c20], &[(1, 0x1ab)]).x[0], 0xab00_0000);
        assert_eq!(regs(&[0x93c23020], &[(1, 0xabc), (2, 0x1234_5678_9abc_def0)]).x[0], 0xabc1_2345_6789_abcd_u64);
        assert_eq!(regs(&[0x13811420], &[(1, 0x1f)]).x[0], 0xf800_0000);
        assert!(is_sigill(0x93000020 | (1 << 22) & 0)); // sbfm x with N=0
        assert!(is_sigill(0x13400000)); // sbfm w with N=1
    }

    #[test]
    fn conditional() {
        // ccmp x1, x2, #4, eq: Z=1 -> compare; Z=0 -> nzcv=0100.
        let mut st = CpuState::default();
        st.z = 1;
        st.x[1] = 1;
        st.x[2] = 2;
        run(&[0xfa420024], &mut st, &mut Default::default());
        assert_eq!(flags(&st), (1, 0, 0, 0));
        let mut st = CpuState::default();
        run(&[0xfa420024], &mut st, &mut Default::default());
        assert_eq!(flags(&st), (0, 1, 0, 0));
        // ccmn w1, #3, #2, ne (Z=0 -> compare w1 + 3)
        let s = regs(&[0x3a431822], &[(1, 0xffff_fffd)]);
        assert_eq!(flags(&s), (0, 1, 1, 0));
        // csel x0, x1, x2, lt (N != V)
        let mut st = CpuState::default();
        st.n = 1;
        st.x[1] = 10;
        st.x[2] = 20;
        run(&[0x9a82b020], &mut st, &mut Default::default());
        assert_eq!(st.x[0], 10);
        assert_eq!(regs(&[0x9a82b020], &[(1, 10), (2, 20)]).x[0], 20);
        assert_eq!(regs(&[0x1a820420], &[(1, 10), (2, 0xffff_ffff)]).x[0], 0);
        assert_eq!(regs(&[0xda82a020], &[(1, 10), (2, 0)]).x[0], 10); // ge holds
        assert_eq!(regs(&[0x5a828420], &[(1, 10), (2, 5)]).x[0], 0xffff_fffb); // hi fails
        assert_eq!(regs(&[0x9a9f17e0], &[]).x[0], 0); // cset eq with Z=0
    }

    #[test]
    fn one_source() {
        let x1 = 0x0123_4567_89ab_cdefu64;
        assert_eq!(regs(&[0xdac00020], &[(1, x1)]).x[0], x1.reverse_bits());
        assert_eq!(regs(&[0x5ac00420], &[(1, 0x1122_3344)]).x[0], 0x2211_4433);
        assert_eq!(regs(&[0xdac00820], &[(1, x1)]).x[0], 0x6745_2301_efcd_ab89);
        assert_eq!(regs(&[0x5ac00820], &[(1, 0x1122_3344)]).x[0], 0x4433_2211);
        assert_eq!(regs(&[0xdac00c20], &[(1, x1)]).x[0], x1.swap_bytes());
        assert_eq!(regs(&[0xdac01020], &[(1, 0)]).x[0], 64);
        assert_eq!(regs(&[0xdac01020], &[(1, 1)]).x[0], 63);
        assert_eq!(regs(&[0x5ac01420], &[(1, 0xffff_ffff)]).x[0], 31);
        assert_eq!(regs(&[0x5ac01420], &[(1, 0x0000_ffff)]).x[0], 15);
        assert!(is_sigill(0x5ac00c20)); // rev w with opc=3
    }

    #[test]
    fn two_source() {
        assert_eq!(regs(&[0x9ac20820], &[(1, 100), (2, 7)]).x[0], 14);
        assert_eq!(regs(&[0x9ac20820], &[(1, 100), (2, 0)]).x[0], 0);
        assert_eq!(regs(&[0x1ac20c20], &[(1, 0x8000_0000), (2, 0xffff_ffff)]).x[0], 0x8000_0000);
        assert_eq!(regs(&[0x1ac20c20], &[(1, (-7i32) as u32 as u64), (2, 2)]).x[0], (-3i32) as u32 as u64);
        assert_eq!(regs(&[0x9ac20c20], &[(1, 1 << 63), (2, u64::MAX)]).x[0], 1 << 63);
        assert_eq!(regs(&[0x9ac20c20], &[(1, 5), (2, 0)]).x[0], 0);
        assert_eq!(regs(&[0x9ac22020], &[(1, 1), (2, 65)]).x[0], 2);
        assert_eq!(regs(&[0x1ac22420], &[(1, 0x8000_0000), (2, 32 + 31)]).x[0], 1);
        assert_eq!(regs(&[0x9ac22820], &[(1, 1 << 63), (2, 127)]).x[0], u64::MAX);
        assert_eq!(regs(&[0x1ac22c20], &[(1, 1), (2, 33)]).x[0], 0x8000_0000);
    }

    #[test]
    fn crc32() {
        // The standard check values of "123456789": CRC-32 0xCBF43926, CRC-32C 0xE3069283.
        let lo = u64::from_le_bytes(*b"12345678");
        let s = regs(&[0x9ac24c20, 0x1ac24001], &[(1, 0xffff_ffff), (2, lo)]);
        // second insn: crc32b w1, w0, w2? (encoded as crc32b w1, w0, w2 = 0x1ac24001)
        let _ = s;
        let s = regs(&[0x9ac24c20], &[(1, 0xffff_ffff), (2, lo)]);
        let s2 = regs(&[0x1ac24020], &[(1, s.x[0]), (2, b'9' as u64)]);
        assert_eq!(!(s2.x[0] as u32), 0xCBF4_3926);
        let s = regs(&[0x9ac25c20], &[(1, 0xffff_ffff), (2, lo)]);
        let s2 = regs(&[0x1ac25020], &[(1, s.x[0]), (2, b'9' as u64)]);
        assert_eq!(!(s2.x[0] as u32), 0xE306_9283);
        // h and w forms agree with the bytewise form
        let b = regs(&[0x1ac24020, 0x1ac24020 | 0], &[(1, 0x1234_5678), (2, 0x3412)]);
        let _ = b;
        let h = regs(&[0x1ac24420], &[(1, 0xffff_ffff), (2, u64::from_le_bytes(*b"12\0\0\0\0\0\0"))]);
        let w = regs(&[0x1ac24820], &[(1, h.x[0]), (2, u64::from_le_bytes(*b"3456\0\0\0\0"))]);
        let w2 = regs(&[0x1ac24820], &[(1, w.x[0]), (2, u64::from_le_bytes(*b"78\0\0\0\0\0\0") | (0x39 << 16))]);
        let _ = w2;
        let x = regs(&[0x9ac24c20], &[(1, 0xffff_ffff), (2, lo)]);
        assert_eq!(w.x[0] == 0, false);
        let h2 = regs(&[0x1ac24420], &[(1, w.x[0]), (2, u64::from_le_bytes(*b"78\0\0\0\0\0\0"))]);
        assert_eq!(h2.x[0], x.x[0]);
        assert!(is_sigill(0x1ac24c20)); // crc32x with sf=0
        assert!(is_sigill(0x9ac24020)); // crc32b with sf=1
    }

    #[test]
    fn multiply() {
        assert_eq!(regs(&[0x9b020c20], &[(1, 3), (2, 4), (3, 5)]).x[0], 17);
        assert_eq!(regs(&[0x1b028c20], &[(1, 3), (2, 4), (3, 5)]).x[0], 0xffff_fff9);
        assert_eq!(regs(&[0x9b220c20], &[(1, 0xffff_ffff), (2, 3), (3, 10)]).x[0], 7);
        assert_eq!(regs(&[0x9ba28c20], &[(1, 0xffff_ffff), (2, 2), (3, 0)]).x[0], (-0x1_ffff_fffei64) as u64);
        assert_eq!(regs(&[0x9b427c20], &[(1, u64::MAX), (2, 2)]).x[0], u64::MAX);
        assert_eq!(regs(&[0x9bc27c20], &[(1, u64::MAX), (2, 2)]).x[0], 1);
        assert_eq!(regs(&[0x1b027c20], &[(1, 0x10000), (2, 0x10001)]).x[0], 0x10000);
    }
}

/// Cross-check of the decoder against capstone over the integer, load/store and system spaces.
#[cfg(test)]
mod capstone_check {
    use super::testutil::is_sigill;
    use capstone::prelude::*;
    use std::collections::BTreeMap;

    /// Class templates (mask, bits): a random word is forced into one of them.
    const SPACES: &[(u32, u32)] = &[
        (0x1c00_0000, 0x1000_0000), // data processing, immediate
        (0x0e00_0000, 0x0a00_0000), // data processing, register
        (0x0a00_0000, 0x0800_0000), // loads and stores
        (0xffc0_0000, 0xd500_0000), // system
    ];

    /// Capstone mnemonics of encodings we deliberately leave unimplemented (SIGILL): features we
    /// do not advertise (PAC, MTE, CSSC, FlagM, MOPS, LS64, RCpc2 unscaled, ...) and system
    /// instructions EL0 cannot use. Also SIMD structure loads (LD1..LD4/ST1..ST4) belong to simd.rs.
    fn excluded(m: &str) -> bool {
        const EX: &[&str] = &[
            "irg", "gmi", "subp", "subps", "cmpp", "addg", "subg", "stg", "stzg", "st2g", "stz2g", "ldg", "stgp",
            "ldgm", "stgm", "stzgm", "pacia", "pacib", "pacda", "pacdb", "autia", "autib", "autda", "autdb",
            "paciza", "pacizb", "pacdza", "pacdzb", "autiza", "autizb", "autdza", "autdzb", "xpaci", "xpacd",
            "pacga", "ldraa", "ldrab", "abs", "cnt", "ctz", "smax", "smin", "umax", "umin", "rmif", "setf8",
            "setf16", "cfinv", "xaflag", "axflag", "ldapur", "ldapurb", "ldapurh", "ldapursb", "ldapursh",
            "ldapursw", "stlur", "stlurb", "stlurh", "ld64b", "st64b", "st64bv", "st64bv0", "tlbi", "at", "sys",
            "sysl", "tstart", "tcommit", "ttest", "tcancel", "wfet", "wfit", "cfp", "dvp", "cpp", "brb",
            "ldclrp", "ldclrpa", "ldclrpal", "ldclrpl", "ldsetp", "ldsetpa", "ldsetpal", "ldsetpl", "swpp",
            "swppa", "swppal", "swppl", "rcwcas", "ldiapp", "stilp", "ldap1", "stl1", "gcsstr", "gcssttr",
            "msrr", "mrrs", "sysp", "tlbip", "dsb", "addpt", "subpt", "maddpt", "msubpt", "ldtp", "sttp", "ldtnp",
            "sttnp", "ldatp", "sttxr", "ldtxr",
        ];
        EX.contains(&m)
            || m.starts_with("cpy")
            || m.starts_with("set")
            || m.starts_with("rcw")
            || m.starts_with("ld1")
            || m.starts_with("ld2")
            || m.starts_with("ld3")
            || m.starts_with("ld4")
            || m.starts_with("st1")
            || m.starts_with("st2")
            || m.starts_with("st3")
            || m.starts_with("st4")
            || m.starts_with("gcs")
            || m.starts_with("chk")
            || m.starts_with("ldap1")
            // System registers and cache operations EL0 may not use (ID registers without
            // HWCAP_CPUID, EL1 registers, DC IVAC/ISW...) are SIGILL for us; capstone decodes all.
            || matches!(m, "mrs" | "msr" | "dc" | "ic")
    }

    /// Encodings capstone 5 refuses but we execute (as QEMU does; LLVM 19's disassembler accepts
    /// the last two): CONSTRAINED UNPREDICTABLE loads with base writeback into their own base
    /// register, LDP with Rt == Rt2, STP with writeback and Rn == Rt/Rt2, LDTRSB/LDTRSH to W, and
    /// LDTR* with Rn == Rt.
    fn unpredictable_load(w: u32) -> bool {
        let (rn, rt, rt2) = (w >> 5 & 31, w & 31, w >> 10 & 31);
        // Exclusives and ordered accesses: should-be-one fields not all ones (we ignore them, as
        // QEMU and LLVM 19 do), and LDXP with Rt == Rt2.
        if w & 0x3f00_0000 == 0x0800_0000 {
            let (o2, l, o1) = (w >> 23 & 1, w >> 22 & 1, w >> 21 & 1);
            let rs = w >> 16 & 31;
            let sbo_rs = (o2 == 1 && o1 == 0) || (o2 == 0 && l == 1 && (o1 == 0 || w >> 31 == 1));
            let sbo_rt2 = o1 == 0;
            if (sbo_rs && rs != 31) || (sbo_rt2 && rt2 != 31) || (o2 == 0 && o1 == 1 && l == 1 && rt == rt2) {
                return true;
            }
        }
        // LDTRSB/LDTRSH (32-bit): size 0x, 111 0 00 opc=11 0 imm9 10.
        if w & 0xbfe0_0c00 == 0x38c0_0800 {
            return true;
        }
        // Unprivileged LDTR* with Rn == Rt (no writeback: a capstone 5 quirk).
        if w & 0x3f20_0c00 == 0x3800_0800 && rn == rt {
            return true;
        }
        // Single register, pre/post-index: size 111 V 00 opc 0 imm9 x1 Rn Rt, opc != 00 (a load).
        if w & 0x3b20_0400 == 0x3800_0400 && (w >> 22) & 3 != 0 && rn == rt && rn != 31 {
            return true;
        }
        // Pairs: opc 101 V 0 idx L, loads.
        if w & 0x3a40_0000 == 0x2840_0000 {
            let wb = (w >> 23) & 1 == 1;
            let vec = (w >> 26) & 1 == 1;
            return rt == rt2 || (wb && !vec && rn != 31 && (rn == rt || rn == rt2));
        }
        if w & 0x3a40_0000 == 0x2800_0000 {
            let wb = (w >> 23) & 1 == 1;
            let vec = (w >> 26) & 1 == 1;
            return wb && !vec && rn != 31 && (rn == rt || rn == rt2);
        }
        false
    }

    #[test]
    fn decoder_agrees_with_capstone() {
        let cs = Capstone::new().arm64().mode(arch::arm64::ArchMode::Arm).build().expect("capstone");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut missing: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let mut extra: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let n = 200_000;
        for k in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (mask, val) = SPACES[k % SPACES.len()];
            let w = (seed as u32 & !mask) | val;
            let cap = cs.disasm_count(&w.to_le_bytes(), 0x1000, 1).ok().and_then(|is| {
                is.iter().next().map(|i| (i.mnemonic().unwrap_or("").to_string(), i.op_str().unwrap_or("").to_string()))
            });
            let ours = super::super::decode(w).is_some() && !is_sigill(w);
            match (&cap, ours) {
                (Some((m, _)), false) if !excluded(m) && !excluded(m.split('.').next().unwrap()) => {
                    let e = missing.entry(m.clone()).or_insert((w, 0));
                    e.1 += 1;
                }
                (None, true) if !unpredictable_load(w) => {
                    let name = super::super::decode(w).map(|p| p.name).unwrap_or("?").to_string();
                    let e = extra.entry(name).or_insert((w, 0));
                    e.1 += 1;
                }
                _ => {}
            }
        }
        let show = |m: &BTreeMap<String, (u32, u32)>| {
            m.iter().map(|(k, (w, c))| format!("{k}: {c} (e.g. {w:08x})")).collect::<Vec<_>>().join("\n")
        };
        eprintln!("capstone decodes, we reject:\n{}\nwe accept, capstone rejects:\n{}", show(&missing), show(&extra));
        assert!(missing.is_empty() && extra.is_empty());
    }
}

/// Survey of a real binary: `AOT_WORDS=file cargo test -- --ignored survey` with lines
/// "<hex word> <mnemonic> <operands>" (objdump -d output); prints what lifts to SIGILL.
#[cfg(test)]
mod survey {
    #[test]
    #[ignore]
    fn survey() {
        let Ok(path) = std::env::var("AOT_WORDS") else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let mut bad: std::collections::BTreeMap<String, (usize, String)> = Default::default();
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let Some(w) = it.next().and_then(|h| u32::from_str_radix(h, 16).ok()) else { continue };
            let m = it.next().unwrap_or("?").to_string();
            if super::testutil::is_sigill(w) {
                let e = bad.entry(m).or_insert((0, line.to_string()));
                e.0 += 1;
            }
        }
        for (m, (n, ex)) in &bad {
            eprintln!("{m}: {n}  e.g. {ex}");
        }
    }
}

/// Randomised differential tests against direct transcriptions of the Arm pseudocode.
#[cfg(test)]
mod differential {
    use super::testutil::*;
    use super::{decode_bit_masks, ones, ror_bits};
    use crate::cpu::CpuState;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Random operand biased to boundary values.
        fn operand(&mut self) -> u64 {
            const EDGE: [u64; 8] = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff];
            let r = self.next();
            if r & 3 == 0 {
                EDGE[(r >> 2) as usize % 8]
            } else {
                self.next()
            }
        }
    }

    #[test]
    fn bitfield_matches_pseudocode() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let r = rng.next();
            let sf = r & 1 == 1;
            let opc = ((r >> 1) % 3) as u32;
            let ds = if sf { 64 } else { 32 };
            let immr = ((r >> 8) % ds as u64) as u32;
            let imms = ((r >> 16) % ds as u64) as u32;
            let (dst, src) = (rng.operand(), rng.operand());
            let n = sf as u32;
            let w = (sf as u32) << 31 | opc << 29 | 0x1300_0000 | n << 22 | immr << 16 | imms << 10 | 1 << 5;
            let (wmask, tmask) = decode_bit_masks(n, imms, immr, false, ds).unwrap();
            let m = ones(ds);
            let (inzero, extend) = [(true, true), (false, false), (true, false)][opc as usize];
            let d = if inzero { 0 } else { dst & m };
            let bot = (d & !wmask) | (ror_bits(src, immr, ds) & wmask);
            let top = if extend { if (src >> imms) & 1 == 1 { m } else { 0 } } else { d };
            let want = ((top & !tmask) | (bot & tmask)) & m;
            let got = regs(&[w], &[(0, dst), (1, src)]).x[0];
            assert_eq!(got, want, "{w:08x} dst={dst:x} src={src:x}");
        }
    }

    #[test]
    fn add_sub_carry_flags_match_pseudocode() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..3000 {
            let r = rng.next();
            let sf = r & 1 == 1;
            let sub = (r >> 1) & 1 == 1;
            let carry = (r >> 2) & 1 == 1; // ADCS/SBCS instead of ADDS/SUBS
            let cin = ((r >> 3) & 1) as u8;
            let (a, b) = (rng.operand(), rng.operand());
            let ds = if sf { 64 } else { 32 };
            let m = ones(ds) as u128;
            // AddWithCarry(x, y, carry_in)
            let y = if sub { !b as u128 & m } else { b as u128 & m };
            let c_in = if carry { cin as u128 } else { sub as u128 };
            let x = a as u128 & m;
            let usum = x + y + c_in;
            let sx = |v: u128| ((v << (128 - ds)) as i128) >> (128 - ds);
            let ssum = sx(x) + sx(y) + c_in as i128;
            let res = usum & m;
            let want = (res as u64, ((res >> (ds - 1)) & 1) as u8, (res == 0) as u8, (res != usum) as u8, (sx(res) != ssum) as u8);
            // adds/subs/adcs/sbcs Xd=0, Xn=1, Xm=2
            let w = if carry { 0x3a00_0000u32 } else { 0x2b00_0000 } | (sf as u32) << 31 | (sub as u32) << 30 | 2 << 16 | 1 << 5;
            let mut st = CpuState::default();
            st.c = cin;
            st.x[1] = a;
            st.x[2] = b;
            run(&[w], &mut st, &mut Default::default());
            assert_eq!((st.x[0], st.n, st.z, st.c, st.vf), want, "{w:08x} a={a:x} b={b:x} c={cin}");
        }
    }

    #[test]
    fn extended_register_matches_pseudocode() {
        let mut rng = Rng(0x0bad_cafe_f00d_0001);
        for _ in 0..2000 {
            let r = rng.next();
            let sf = r & 1 == 1;
            let option = ((r >> 1) & 7) as u32;
            let imm3 = ((r >> 4) % 5) as u32;
            let (a, b) = (rng.operand(), rng.operand());
            let ds = if sf { 64 } else { 32 };
            let len = 8u32 << (option & 3);
            let ext = if option & 4 != 0 {
                (((b << (64 - len.min(64))) as i64) >> (64 - len.min(64))) as u64
            } else {
                b & ones(len)
            };
            let want = a.wrapping_add(ext << imm3) & ones(ds);
            // add Xd=0, SP (n=31), Rm=2
            let w = 0x0b20_0000 | (sf as u32) << 31 | 2 << 16 | option << 13 | imm3 << 10 | 31 << 5;
            let mut st = CpuState::default();
            st.sp = a;
            st.x[2] = b;
            run(&[w], &mut st, &mut Default::default());
            assert_eq!(st.x[0], want, "{w:08x} a={a:x} b={b:x}");
        }
    }
}

/// Semantic cross-check against qemu-aarch64 results: `AOT_QEMU_CASES=file cargo test -- --ignored
/// qemu_cases`, one case a line: `word x0 x1 x2 x3 nzcv -> x0 x1 x2 x3 nzcv` (hex, no arrow), then
/// `# text`. Cases are produced by running each instruction between register loads and stores on
/// qemu (PC-relative instructions excluded).
#[cfg(test)]
mod qemu_cases {
    #[test]
    #[ignore]
    fn qemu_cases() {
        let Ok(path) = std::env::var("AOT_QEMU_CASES") else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let (mut ok, mut skipped, mut bad) = (0, 0, vec![]);
        for line in text.lines() {
            let (data, what) = line.split_once('#').unwrap_or((line, ""));
            let v: Vec<u64> = data.split_whitespace().map(|h| u64::from_str_radix(h, 16).unwrap()).collect();
            let w = v[0] as u32;
            if super::testutil::is_sigill(w) {
                skipped += 1;
                continue;
            }
            let mut st = crate::cpu::CpuState::default();
            st.x[..4].copy_from_slice(&v[1..5]);
            st.set_nzcv(v[5]);
            super::testutil::run(&[w], &mut st, &mut Default::default());
            let got = [st.x[0], st.x[1], st.x[2], st.x[3], st.nzcv()];
            if got[..] != v[6..11] {
                bad.push(format!("{w:08x} {what}: got {got:x?} want {:x?}", &v[6..11]));
            } else {
                ok += 1;
            }
        }
        eprintln!("{ok} ok, {skipped} not supported, {} wrong", bad.len());
        for b in bad.iter().take(40) {
            eprintln!("{b}");
        }
        assert!(bad.is_empty());
    }
}
