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
        // BFM (BFI/BFXIL): generic.
        _ => {
            let dst = l.xr(rd, sf);
            let rot = shift_const(l, src, 3, immr);
            let keep = l.b.and_i(dst, (!wmask & ones(datasize)) as u128);
            let ins = l.b.and_i(rot, wmask as u128);
            let bot = l.b.or(keep, ins);
            let top = l.b.and_i(dst, (!tmask & ones(datasize)) as u128);
            let botm = l.b.and_i(bot, tmask as u128);
            l.b.or(top, botm)
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
