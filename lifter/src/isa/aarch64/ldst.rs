//! Loads and stores (C4.1.88 "Loads and Stores"): all addressing modes for GPRs and SIMD&FP
//! registers, pairs, literals, exclusives, load-acquire/store-release and LSE atomics.
//!
//! Exclusive monitor model (docs/memory-model.md has the long form). The global half is a table of
//! version counters, one per 16-byte granule (hashed, `crate::excl`); the thread's half is in
//! `CpuState` (address, value(s), recorded version, armed).
//! - LDXR/LDXP: `excl.ver` reads the granule's version (acquire), *then* the value is loaded;
//!   address, value(s) and version are recorded and the monitor armed.
//! - STXR/STXP: if armed for this address, `excl.claim` moves the version from the recorded one to
//!   the next (seq_cst cmpxchg on the counter); only after a successful claim does
//!   `cmpxchg(addr, recorded value, new)` store. Status 0 iff both succeeded. A claim that fails
//!   (another store-exclusive to the granule since our LDXR, or a colliding granule) stores
//!   nothing; a claim that succeeds followed by a failed value cmpxchg (a plain store or an LSE
//!   atomic changed the value) leaves the version moved on, which can only make other threads'
//!   pending store-exclusives fail, never succeed.
//! - Why that closes the ABA hole for exclusives: another thread's successful store-exclusive that
//!   claimed after our version read makes our claim fail. One that claimed before it but stores
//!   after our value read is caught by the value compare (unless it stored the value we read: a
//!   no-op we can order before our LDXR). A second one restoring our value (ABA) must have read the
//!   first one's value, written after our value read, so it claims after our version read.
//! - The remaining window: plain stores (STR) and LSE atomics (LDADD, SWP, CAS...) from other
//!   threads do not move the version (that would cost a locked instruction per store); they are
//!   detected only when the value differs at our STXR. An A->B->A sequence made only of plain
//!   stores or LSE atomics between our LDXR and STXR goes unnoticed, as with a value-based
//!   monitor. Code that mixes LL/SC and LSE on one location in an ABA-sensitive way is rare:
//!   a program uses one or the other (outline atomics pick one per process).
//! - There is no control flow inside an instruction, so the value cmpxchg is always issued on the
//!   STXR's own address (which the guest intends to write anyway): when the claim fails its new
//!   value is the expected one, so it can only rewrite a value with itself. X-register pairs use an
//!   I128 cmpxchg (`lock cmpxchg16b`; the backend always enables `cx16`).

use super::decode::{pat, Pattern};
use super::int::extend_reg;
use super::{bit, bits, sext, Lift};
use crate::cpu::Reg;
use crate::ir::{Cond, Ordering, RmwOp, Ty, Value};

pub const PATTERNS: &[Pattern] = &[
    // Load/store register: unsigned offset, unscaled/pre/post/unprivileged, register offset.
    pat(
        "ss 111 v 01 oo iiiiiiiiiiii nnnnn ttttt",
        "LDR/STR (unsigned offset)",
        trans_ldst_uimm,
    ),
    pat(
        "ss 111 v 00 oo 0 iiiiiiiii xx nnnnn ttttt",
        "LDUR/STUR/LDTR/STTR/LDR/STR (pre/post-index)",
        trans_ldst_imm9,
    ),
    pat(
        "ss 111 v 00 oo 1 mmmmm xxx S 10 nnnnn ttttt",
        "LDR/STR (register offset)",
        trans_ldst_reg,
    ),
    pat(
        "oo 011 v 00 iiiiiiiiiiiiiiiiiii ttttt",
        "LDR/LDRSW/PRFM (literal)",
        trans_ld_lit,
    ),
    pat(
        "oo 101 v 0 xx L iiiiiii uuuuu nnnnn ttttt",
        "LDP/STP/LDPSW/LDNP/STNP",
        trans_ldst_pair,
    ),
    // Exclusives and ordered accesses.
    // Should-be-one register fields (Rs of loads, Rt2 of single-register forms) are ignored, as
    // QEMU and LLVM 19 do.
    pat(
        "ss 001000 0 L 0 sssss o uuuuu nnnnn ttttt",
        "LDXR/LDAXR/STXR/STLXR",
        trans_excl,
    ),
    pat(
        "1s 001000 0 L 1 sssss o uuuuu nnnnn ttttt",
        "LDXP/LDAXP/STXP/STLXP",
        trans_excl_pair,
    ),
    pat(
        "0s 001000 0 L 1 sssss o 11111 nnnnn ttttt",
        "CASP/CASPA/CASPL/CASPAL",
        trans_casp,
    ),
    pat(
        "ss 001000 1 L 0 sssss o uuuuu nnnnn ttttt",
        "LDAR/LDLAR/STLR/STLLR",
        trans_ordered,
    ),
    pat(
        "ss 001000 1 L 1 sssss o 11111 nnnnn ttttt",
        "CAS/CASA/CASL/CASAL",
        trans_cas,
    ),
    // RCpc load-acquire before the LSE group it sits in.
    pat(
        "ss 111 0 00 1 0 1 11111 1100 00 nnnnn ttttt",
        "LDAPR/LDAPRB/LDAPRH",
        trans_ldapr,
    ),
    pat(
        "ss 111 0 00 a r 1 sssss o ppp 00 nnnnn ttttt",
        "LDADD/LDCLR/LDEOR/LDSET/LD[SU]MAX/LD[SU]MIN/SWP",
        trans_lse,
    ),
];

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Kind {
    Store,
    Load,
    /// Sign-extending load to W.
    LoadS32,
    /// Sign-extending load to X.
    LoadS64,
}

/// One register access: vector or GPR, log2 of the size in bytes, direction.
#[derive(Copy, Clone, Debug)]
struct Acc {
    vec: bool,
    scale: u32,
    kind: Kind,
}

enum MemOp {
    Acc(Acc),
    Prefetch,
}

/// Decode size:V:opc of the single-register load/store classes.
fn decode_size_opc(size: u32, v: bool, opc: u32) -> Option<MemOp> {
    if v {
        let scale = if opc & 2 != 0 {
            if size != 0 {
                return None;
            }
            4
        } else {
            size
        };
        let kind = if opc & 1 != 0 {
            Kind::Load
        } else {
            Kind::Store
        };
        return Some(MemOp::Acc(Acc {
            vec: true,
            scale,
            kind,
        }));
    }
    let kind = match (size, opc) {
        (_, 0) => Kind::Store,
        (_, 1) => Kind::Load,
        (3, 2) => return Some(MemOp::Prefetch),
        (3, 3) | (2, 3) => return None,
        (2, 2) => Kind::LoadS64,
        (_, 2) => Kind::LoadS64,
        _ => Kind::LoadS32,
    };
    Some(MemOp::Acc(Acc {
        vec: false,
        scale: size,
        kind,
    }))
}

fn plain_or_relaxed(bytes_log2: u32) -> Ordering {
    if bytes_log2 >= 4 {
        Ordering::Plain
    } else {
        Ordering::Relaxed
    }
}

/// The value a store of `acc` would write from register `rt` (read before any writeback).
fn store_value(l: &mut Lift, acc: Acc, rt: u32) -> Value {
    let bits = 8u32 << acc.scale;
    if acc.vec {
        l.vreg_low(rt, bits)
    } else {
        let x = l.xr(rt, true);
        l.b.trunc(x, Ty::int(bits))
    }
}

/// Load `acc` from `addr` and write it to register `rt`.
fn load_into(l: &mut Lift, acc: Acc, rt: u32, addr: Value, ord: Ordering) {
    let ty = Ty::int(8 << acc.scale);
    let v = l.b.load(ty, addr, ord);
    write_loaded(l, acc, rt, v);
}

fn write_loaded(l: &mut Lift, acc: Acc, rt: u32, v: Value) {
    if acc.vec {
        l.set_vreg_low(rt, v);
        return;
    }
    let r = match acc.kind {
        Kind::LoadS32 => l.b.sext(v, Ty::I32),
        Kind::LoadS64 => l.b.sext(v, Ty::I64),
        _ => v,
    };
    l.set_xr(rt, r);
}

/// One access at `addr` (the value to store was read beforehand).
fn do_access(l: &mut Lift, acc: Acc, rt: u32, addr: Value, sv: Option<Value>) {
    let ord = plain_or_relaxed(acc.scale);
    match sv {
        Some(v) => l.b.store(addr, v, ord),
        None => load_into(l, acc, rt, addr, ord),
    }
}

fn trans_ldst_uimm(l: &mut Lift, insn: u32) -> bool {
    let (size, v, opc) = (bits(insn, 31, 30), bit(insn, 26), bits(insn, 23, 22));
    let Some(m) = decode_size_opc(size, v, opc) else {
        return false;
    };
    let (rn, rt) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let MemOp::Acc(acc) = m else { return true }; // PRFM: no-op
    let off = (bits(insn, 21, 10) as u64) << acc.scale;
    let sv = if acc.kind == Kind::Store {
        Some(store_value(l, acc, rt))
    } else {
        None
    };
    let base = l.xr_sp(rn, true);
    let addr = if off == 0 {
        base
    } else {
        let o = l.base_imm(rn, off, Ty::I64);
        l.b.add(base, o)
    };
    do_access(l, acc, rt, addr, sv);
    true
}

fn trans_ldst_imm9(l: &mut Lift, insn: u32) -> bool {
    let (size, v, opc) = (bits(insn, 31, 30), bit(insn, 26), bits(insn, 23, 22));
    let idx = bits(insn, 11, 10);
    let Some(m) = decode_size_opc(size, v, opc) else {
        return false;
    };
    let (rn, rt) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let acc = match m {
        // PRFUM is only in the unscaled form.
        MemOp::Prefetch => return idx == 0,
        MemOp::Acc(a) => a,
    };
    // Unprivileged forms (LDTR...) exist for GPRs only.
    if idx == 2 && acc.vec {
        return false;
    }
    let imm = sext(bits(insn, 20, 12) as u64, 9) as u64;
    let sv = if acc.kind == Kind::Store {
        Some(store_value(l, acc, rt))
    } else {
        None
    };
    let base = l.xr_sp(rn, true);
    let moved = if imm == 0 {
        base
    } else {
        l.b.add_i(base, imm as u128)
    };
    let addr = if idx == 1 { base } else { moved };
    do_access(l, acc, rt, addr, sv);
    if idx & 1 == 1 {
        // Post-index (01) and pre-index (11) write the base back after the access.
        l.set_xr_sp(rn, moved);
    }
    true
}

fn trans_ldst_reg(l: &mut Lift, insn: u32) -> bool {
    let (size, v, opc) = (bits(insn, 31, 30), bit(insn, 26), bits(insn, 23, 22));
    let option = bits(insn, 15, 13);
    if option & 2 == 0 {
        return false;
    }
    let Some(m) = decode_size_opc(size, v, opc) else {
        return false;
    };
    let (rm, rn, rt) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let MemOp::Acc(acc) = m else { return true };
    let shift = if bit(insn, 12) { acc.scale } else { 0 };
    let sv = if acc.kind == Kind::Store {
        Some(store_value(l, acc, rt))
    } else {
        None
    };
    let base = l.xr_sp(rn, true);
    let off = extend_reg(l, rm, option, shift, Ty::I64);
    let addr = l.b.add(base, off);
    do_access(l, acc, rt, addr, sv);
    true
}

fn trans_ld_lit(l: &mut Lift, insn: u32) -> bool {
    let opc = bits(insn, 31, 30);
    let v = bit(insn, 26);
    let rt = bits(insn, 4, 0);
    let acc = if v {
        if opc == 3 {
            return false;
        }
        Acc {
            vec: true,
            scale: 2 + opc,
            kind: Kind::Load,
        }
    } else {
        match opc {
            0 => Acc {
                vec: false,
                scale: 2,
                kind: Kind::Load,
            },
            1 => Acc {
                vec: false,
                scale: 3,
                kind: Kind::Load,
            },
            2 => Acc {
                vec: false,
                scale: 2,
                kind: Kind::LoadS64,
            },
            _ => return true, // PRFM (literal)
        }
    };
    let target =
        l.pc.wrapping_add((sext(bits(insn, 23, 5) as u64, 19) << 2) as u64);
    let addr = l.b.addr(target);
    do_access(l, acc, rt, addr, None);
    true
}

fn trans_ldst_pair(l: &mut Lift, insn: u32) -> bool {
    let opc = bits(insn, 31, 30);
    let v = bit(insn, 26);
    let idx = bits(insn, 24, 23);
    let load = bit(insn, 22);
    if opc == 3 {
        return false;
    }
    let (scale, kind) = if v {
        (2 + opc, if load { Kind::Load } else { Kind::Store })
    } else {
        match opc {
            0 => (2, if load { Kind::Load } else { Kind::Store }),
            // LDPSW (no LDNP form; the store slot is STGP, not supported).
            1 => {
                if !load || idx == 0 {
                    return false;
                }
                (2, Kind::LoadS64)
            }
            _ => (3, if load { Kind::Load } else { Kind::Store }),
        }
    };
    let acc = Acc {
        vec: v,
        scale,
        kind,
    };
    let (rt2, rn, rt) = (bits(insn, 14, 10), bits(insn, 9, 5), bits(insn, 4, 0));
    let imm = (sext(bits(insn, 21, 15) as u64, 7) << scale) as u64;
    let size = 1u64 << scale;
    let (s1, s2) = if kind == Kind::Store {
        (
            Some(store_value(l, acc, rt)),
            Some(store_value(l, acc, rt2)),
        )
    } else {
        (None, None)
    };
    let base = l.xr_sp(rn, true);
    let moved = if imm == 0 {
        base
    } else {
        l.b.add_i(base, imm as u128)
    };
    // idx: 00 non-temporal offset, 01 post-index, 10 signed offset, 11 pre-index.
    let addr = if idx == 1 { base } else { moved };
    let addr2 = l.b.add_i(addr, size as u128);
    if kind == Kind::Store {
        do_access(l, acc, rt, addr, s1);
        do_access(l, acc, rt2, addr2, s2);
    } else {
        // Both loads, then the writes: an LDP with Rt == Rt2 (CONSTRAINED UNPREDICTABLE) leaves
        // the first value in a GPR and the second in a SIMD&FP register, as QEMU does.
        let ord = plain_or_relaxed(scale);
        let ty = Ty::int(8 << scale);
        let v1 = l.b.load(ty, addr, ord);
        let v2 = l.b.load(ty, addr2, ord);
        if v {
            write_loaded(l, acc, rt, v1);
            write_loaded(l, acc, rt2, v2);
        } else {
            write_loaded(l, acc, rt2, v2);
            write_loaded(l, acc, rt, v1);
        }
    }
    if idx & 1 == 1 {
        l.set_xr_sp(rn, moved);
    }
    true
}

fn size_ty(size: u32) -> Ty {
    Ty::int(8 << size)
}

fn trans_excl(l: &mut Lift, insn: u32) -> bool {
    let size = bits(insn, 31, 30);
    let load = bit(insn, 22);
    let ordered = bit(insn, 15);
    let (rs, rn, rt) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = size_ty(size);
    if load {
        let addr = l.xr_sp(rn, true);
        let ver = l.b.excl_ver(addr);
        let v = l.b.load(
            ty,
            addr,
            if ordered {
                Ordering::Acquire
            } else {
                Ordering::Relaxed
            },
        );
        let v64 = l.b.zext(v, Ty::I64);
        l.set_xr(rt, v64);
        arm_monitor(l, addr, ver);
        l.b.setreg(Reg::EXCL_VAL, v64);
    } else {
        let x = l.xr(rt, true);
        let new = l.b.trunc(x, ty);
        let addr = l.xr_sp(rn, true);
        let rec = l.b.getreg(Reg::EXCL_VAL);
        let expected = l.b.trunc(rec, ty);
        let status = store_conditional(l, addr, expected, new, ordered);
        l.set_xr(rs, status);
    }
    true
}

/// The LDXR tail: record address and version, arm the monitor (the caller records the value).
fn arm_monitor(l: &mut Lift, addr: Value, ver: Value) {
    l.b.setreg(Reg::EXCL_ADDR, addr);
    l.b.setreg(Reg::EXCL_VER, ver);
    let one = l.b.c64(1);
    l.b.setreg(Reg::EXCL_VALID, one);
}

/// The STXR core: returns the W status (0 = stored). `expected` is the recorded value.
fn store_conditional(
    l: &mut Lift,
    addr: Value,
    expected: Value,
    new: Value,
    release: bool,
) -> Value {
    let valid = l.b.getreg(Reg::EXCL_VALID);
    let raddr = l.b.getreg(Reg::EXCL_ADDR);
    let armed = l.b.icmp_i(Cond::Ne, valid, 0);
    let same = l.b.icmp(Cond::Eq, addr, raddr);
    let ok = l.b.and(armed, same);
    let rver = l.b.getreg(Reg::EXCL_VER);
    let never = l.b.c64(crate::excl::NEVER);
    let ver = l.b.select(ok, rver, never);
    let claimed = l.b.excl_claim(addr, ver);
    let nv = l.b.select(claimed, new, expected);
    let ord = if release {
        Ordering::SeqCst
    } else {
        Ordering::Relaxed
    };
    let old = l.b.cmpxchg(addr, expected, nv, ord);
    let matched = l.b.icmp(Cond::Eq, old, expected);
    let success = l.b.and(claimed, matched);
    let fail = l.b.not(success);
    let z = l.b.c64(0);
    l.b.setreg(Reg::EXCL_VALID, z);
    l.b.zext(fail, Ty::I32)
}

fn trans_excl_pair(l: &mut Lift, insn: u32) -> bool {
    let sz64 = bit(insn, 30);
    let load = bit(insn, 22);
    let ordered = bit(insn, 15);
    let (rs, rt2, rn, rt) = (
        bits(insn, 20, 16),
        bits(insn, 14, 10),
        bits(insn, 9, 5),
        bits(insn, 4, 0),
    );
    if load {
        let addr = l.xr_sp(rn, true);
        let ver = l.b.excl_ver(addr);
        let ord = if ordered {
            Ordering::Acquire
        } else {
            Ordering::Relaxed
        };
        if sz64 {
            // Two loads: a torn pair makes the STXP's 128-bit compare fail.
            let lo = l.b.load(Ty::I64, addr, ord);
            let a2 = l.b.add_i(addr, 8);
            let hi = l.b.load(Ty::I64, a2, ord);
            l.set_xr(rt, lo);
            l.set_xr(rt2, hi);
            l.b.setreg(Reg::EXCL_VAL, lo);
            l.b.setreg(Reg::EXCL_VAL2, hi);
        } else {
            let v = l.b.load(Ty::I64, addr, ord);
            let lo = l.b.trunc(v, Ty::I32);
            let h = l.b.lshr_i(v, 32);
            let hi = l.b.trunc(h, Ty::I32);
            l.set_xr(rt, lo);
            l.set_xr(rt2, hi);
            l.b.setreg(Reg::EXCL_VAL, v);
        }
        arm_monitor(l, addr, ver);
    } else {
        let (new, expected) = if sz64 {
            let a = l.xr(rt, true);
            let b = l.xr(rt2, true);
            let new = concat128(l, b, a);
            let e1 = l.b.getreg(Reg::EXCL_VAL);
            let e2 = l.b.getreg(Reg::EXCL_VAL2);
            (new, concat128(l, e2, e1))
        } else {
            let a = l.xr(rt, false);
            let b = l.xr(rt2, false);
            let new = concat64(l, b, a);
            (new, l.b.getreg(Reg::EXCL_VAL))
        };
        let addr = l.xr_sp(rn, true);
        let status = store_conditional(l, addr, expected, new, ordered);
        l.set_xr(rs, status);
    }
    true
}

/// hi:lo as I128 from two I64.
fn concat128(l: &mut Lift, hi: Value, lo: Value) -> Value {
    let h = l.b.zext(hi, Ty::I128);
    let h = l.b.shl_i(h, 64);
    let lo = l.b.zext(lo, Ty::I128);
    l.b.or(h, lo)
}
/// hi:lo as I64 from two I32.
fn concat64(l: &mut Lift, hi: Value, lo: Value) -> Value {
    let h = l.b.zext(hi, Ty::I64);
    let h = l.b.shl_i(h, 32);
    let lo = l.b.zext(lo, Ty::I64);
    l.b.or(h, lo)
}

fn rmw_ordering(acquire: bool, release: bool) -> Ordering {
    match (acquire, release) {
        (false, false) => Ordering::Relaxed,
        (true, false) => Ordering::Acquire,
        (false, true) => Ordering::Release,
        (true, true) => Ordering::AcqRel,
    }
}

fn trans_ordered(l: &mut Lift, insn: u32) -> bool {
    let size = bits(insn, 31, 30);
    let load = bit(insn, 22);
    let (rn, rt) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = size_ty(size);
    if load {
        // LDAR and LDLAR: acquire loads.
        let addr = l.xr_sp(rn, true);
        let v = l.b.load(ty, addr, Ordering::Acquire);
        let v = l.b.zext(v, Ty::I64);
        l.set_xr(rt, v);
    } else {
        // STLR and STLLR: seq_cst stores (see docs/design.md).
        let x = l.xr(rt, true);
        let v = l.b.trunc(x, ty);
        let addr = l.xr_sp(rn, true);
        l.b.store(addr, v, Ordering::SeqCst);
    }
    true
}

fn trans_ldapr(l: &mut Lift, insn: u32) -> bool {
    let size = bits(insn, 31, 30);
    let (rn, rt) = (bits(insn, 9, 5), bits(insn, 4, 0));
    let addr = l.xr_sp(rn, true);
    let v = l.b.load(size_ty(size), addr, Ordering::Acquire);
    let v = l.b.zext(v, Ty::I64);
    l.set_xr(rt, v);
    true
}

fn trans_cas(l: &mut Lift, insn: u32) -> bool {
    let size = bits(insn, 31, 30);
    let ord = rmw_ordering(bit(insn, 22), bit(insn, 15));
    let (rs, rn, rt) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = size_ty(size);
    let s = l.xr(rs, true);
    let expected = l.b.trunc(s, ty);
    let t = l.xr(rt, true);
    let new = l.b.trunc(t, ty);
    let addr = l.xr_sp(rn, true);
    let old = l.b.cmpxchg(addr, expected, new, ord);
    let old = l.b.zext(old, Ty::I64);
    l.set_xr(rs, old);
    true
}

fn trans_casp(l: &mut Lift, insn: u32) -> bool {
    let sz64 = bit(insn, 30);
    let ord = rmw_ordering(bit(insn, 22), bit(insn, 15));
    let (rs, rn, rt) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    if rs & 1 == 1 || rt & 1 == 1 {
        return false;
    }
    let addr;
    if sz64 {
        let s0 = l.xr(rs, true);
        let s1 = l.xr(rs + 1, true);
        let expected = concat128(l, s1, s0);
        let t0 = l.xr(rt, true);
        let t1 = l.xr(rt + 1, true);
        let new = concat128(l, t1, t0);
        addr = l.xr_sp(rn, true);
        let old = l.b.cmpxchg(addr, expected, new, ord);
        let lo = l.b.trunc(old, Ty::I64);
        let h = l.b.lshr_i(old, 64);
        let hi = l.b.trunc(h, Ty::I64);
        l.set_xr(rs, lo);
        l.set_xr(rs + 1, hi);
    } else {
        let s0 = l.xr(rs, false);
        let s1 = l.xr(rs + 1, false);
        let expected = concat64(l, s1, s0);
        let t0 = l.xr(rt, false);
        let t1 = l.xr(rt + 1, false);
        let new = concat64(l, t1, t0);
        addr = l.xr_sp(rn, true);
        let old = l.b.cmpxchg(addr, expected, new, ord);
        let lo = l.b.trunc(old, Ty::I32);
        let h = l.b.lshr_i(old, 32);
        let hi = l.b.trunc(h, Ty::I32);
        l.set_xr(rs, lo);
        l.set_xr(rs + 1, hi);
    }
    true
}

fn trans_lse(l: &mut Lift, insn: u32) -> bool {
    let size = bits(insn, 31, 30);
    let o3 = bit(insn, 15);
    let opc = bits(insn, 14, 12);
    let op = if o3 {
        if opc != 0 {
            return false;
        }
        RmwOp::Swp
    } else {
        // LDADD..LDUMIN: the Arm opc order is RmwOp's order.
        RmwOp::ALL[opc as usize]
    };
    let ord = rmw_ordering(bit(insn, 23), bit(insn, 22));
    let (rs, rn, rt) = (bits(insn, 20, 16), bits(insn, 9, 5), bits(insn, 4, 0));
    let ty = size_ty(size);
    let s = l.xr(rs, true);
    let v = l.b.trunc(s, ty);
    let addr = l.xr_sp(rn, true);
    let old = l.b.atomic_rmw(op, addr, v, ord);
    let old = l.b.zext(old, Ty::I64);
    l.set_xr(rt, old);
    true
}

#[cfg(test)]
mod tests {
    use super::super::int::testutil::*;
    use crate::cpu::CpuState;
    use crate::ir::interp::{FlatMemory, Memory};

    const M: u64 = 0x8000;

    fn setup() -> (CpuState, FlatMemory) {
        let mut mem = FlatMemory::default();
        for k in 0..128u64 {
            mem.write(M + k, 1, (0x80 + k) as u128).unwrap();
        }
        let mut st = CpuState::default();
        st.x[1] = M;
        (st, mem)
    }
    fn rd(mem: &mut FlatMemory, a: u64, n: usize) -> u128 {
        mem.read(a, n).unwrap()
    }

    #[test]
    fn loads_unsigned_offset_and_sign_extension() {
        let (mut st, mut mem) = setup();
        run(&[0xf9400420], &mut st, &mut mem); // ldr x0, [x1, #8]
        assert_eq!(st.x[0], 0x8f8e_8d8c_8b8a_8988);
        run(&[0x39400420], &mut st, &mut mem); // ldrb w0, [x1, #1]
        assert_eq!(st.x[0], 0x81);
        run(&[0x39800020], &mut st, &mut mem); // ldrsb x0, [x1]
        assert_eq!(st.x[0], 0xffff_ffff_ffff_ff80);
        run(&[0x39c00020], &mut st, &mut mem); // ldrsb w0, [x1]
        assert_eq!(st.x[0], 0xffff_ff80);
        run(&[0x79800420], &mut st, &mut mem); // ldrsh x0, [x1, #2]
        assert_eq!(st.x[0], 0xffff_ffff_ffff_8382);
        run(&[0xb9800420], &mut st, &mut mem); // ldrsw x0, [x1, #4]
        assert_eq!(st.x[0], 0xffff_ffff_8786_8584);
        run(&[0x79400420], &mut st, &mut mem); // ldrh w0, [x1, #2]
        assert_eq!(st.x[0], 0x8382);
        st.x[1] = M - 32760 + 16;
        run(&[0xf97ffc20], &mut st, &mut mem); // ldr x0, [x1, #32760]
        assert_eq!(st.x[0], 0x9796_9594_9392_9190);
    }

    #[test]
    fn stores_and_index_modes() {
        let (mut st, mut mem) = setup();
        st.x[2] = 0x1122_3344_5566_7788;
        run(&[0xb9000422, 0x39000c22, 0x79000c22], &mut st, &mut mem); // str w2,[x1,#4]; strb; strh
        assert_eq!(rd(&mut mem, M, 8), 0x7788_7788_8882_8180);
        // Pre-index: str x2, [x1, #8]!
        let (mut st, mut mem) = setup();
        st.x[2] = 0x1122_3344_5566_7788;
        run(&[0xf8008c22], &mut st, &mut mem);
        assert_eq!(
            (st.x[1], rd(&mut mem, M + 8, 8)),
            (M + 8, 0x1122_3344_5566_7788)
        );
        // Post-index: ldr x0, [x1], #-8
        run(&[0xf85f8420], &mut st, &mut mem);
        assert_eq!((st.x[0], st.x[1]), (0x1122_3344_5566_7788, M));
        // ldur w0, [x1, #-3]; stur x2, [x1, #-16]
        st.x[1] = M + 3;
        run(&[0xb85fd020, 0xf81f0022], &mut st, &mut mem);
        assert_eq!(st.x[0], 0x8382_8180);
        assert_eq!(rd(&mut mem, M - 13, 8), 0x1122_3344_5566_7788);
        // str x2, [sp, #8]
        st.sp = M + 64;
        run(&[0xf90007e2], &mut st, &mut mem);
        assert_eq!(rd(&mut mem, M + 72, 8), 0x1122_3344_5566_7788);
        // Store with writeback and Rt == Rn stores the old base: str x1, [x1, #8]!
        let (mut st, mut mem) = setup();
        run(&[0xf8008c21], &mut st, &mut mem);
        assert_eq!((st.x[1], rd(&mut mem, M + 8, 8)), (M + 8, M as u128));
    }

    #[test]
    fn register_offset() {
        let (mut st, mut mem) = setup();
        st.x[2] = 2;
        run(&[0xf8627820], &mut st, &mut mem); // ldr x0, [x1, x2, lsl #3]
        assert_eq!(st.x[0], 0x9796_9594_9392_9190);
        st.x[2] = 0xffff_ffff; // w2 = -1, sxtw #2 -> -4
        st.x[1] = M + 8;
        run(&[0xb862d820], &mut st, &mut mem); // ldr w0, [x1, w2, sxtw #2]
        assert_eq!(st.x[0], 0x8786_8584);
        st.x[2] = 0x1_0000_0001; // uxtw #1 -> 2
        run(&[0x78e25820], &mut st, &mut mem); // ldrsh w0, [x1, w2, uxtw #1]
        assert_eq!(st.x[0], 0xffff_8b8a);
        st.x[2] = 3;
        st.x[3] = 0x55;
        run(&[0x38226823], &mut st, &mut mem); // strb w3, [x1, x2]
        assert_eq!(rd(&mut mem, M + 11, 1), 0x55);
        assert!(is_sigill(0xf8622820)); // option 001 unallocated
    }

    #[test]
    fn simd_fp_registers() {
        let (mut st, mut mem) = setup();
        st.v[0] = u128::MAX;
        run(&[0x3dc00420], &mut st, &mut mem); // ldr q0, [x1, #16]
        assert_eq!(st.v[0], rd(&mut mem, M + 16, 16));
        st.v[1] = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10;
        run(&[0x3d800821], &mut st, &mut mem); // str q1, [x1, #32]
        assert_eq!(rd(&mut mem, M + 32, 16), st.v[1]);
        st.v[2] = u128::MAX;
        run(&[0xfc408422], &mut st, &mut mem); // ldr d2, [x1], #8
        assert_eq!((st.v[2], st.x[1]), (0x8786_8584_8382_8180, M + 8));
        st.v[3] = 0xdead_beef;
        run(&[0xbc1fcc23], &mut st, &mut mem); // str s3, [x1, #-4]!
        assert_eq!((rd(&mut mem, M + 4, 4), st.x[1]), (0xdead_beef, M + 4));
        st.x[2] = 1;
        run(&[0x3c626824, 0x7d400425], &mut st, &mut mem); // ldr b4, [x1, x2]; ldr h5, [x1, #2]
        assert_eq!(
            (st.v[4], st.v[5]),
            (rd(&mut mem, M + 5, 1), rd(&mut mem, M + 6, 2))
        );
        // Q ops are plain, others relaxed.
        let f = crate::isa::aarch64::lift_snippet(BASE, &[0x3dc00420, 0xfc408422]);
        let ords: Vec<u64> = f
            .insts
            .iter()
            .filter(|i| i.op == crate::ir::Op::Load)
            .map(|i| i.imm)
            .collect();
        assert_eq!(
            ords,
            vec![
                crate::ir::Ordering::Plain as u64,
                crate::ir::Ordering::Relaxed as u64
            ]
        );
    }

    #[test]
    fn pairs() {
        let (mut st, mut mem) = setup();
        run(&[0xa9410c20], &mut st, &mut mem); // ldp x0, x3, [x1, #16]
        assert_eq!(
            (st.x[0], st.x[3]),
            (0x9796_9594_9392_9190, 0x9f9e_9d9c_9b9a_9998)
        );
        st.sp = M + 64;
        st.x[2] = 1;
        st.x[3] = 2;
        run(&[0xa9bf0fe2], &mut st, &mut mem); // stp x2, x3, [sp, #-16]!
        assert_eq!(
            (st.sp, rd(&mut mem, M + 48, 8), rd(&mut mem, M + 56, 8)),
            (M + 48, 1, 2)
        );
        run(&[0x28c10c20], &mut st, &mut mem); // ldp w0, w3, [x1], #8
        assert_eq!(
            (st.x[0], st.x[3], st.x[1]),
            (0x8382_8180, 0x8786_8584, M + 8)
        );
        run(&[0x69400c20], &mut st, &mut mem); // ldpsw x0, x3, [x1]
        assert_eq!(
            (st.x[0], st.x[3]),
            (0xffff_ffff_8b8a_8988, 0xffff_ffff_8f8e_8d8c)
        );
        run(&[0xa8400c20], &mut st, &mut mem); // ldnp x0, x3, [x1]
        assert_eq!(st.x[0], 0x8f8e_8d8c_8b8a_8988);
        st.x[2] = 0xaaaa_aaaa_1111_1111;
        st.x[3] = 0x2222_2222;
        run(&[0x28010c22], &mut st, &mut mem); // stnp w2, w3, [x1, #8]
        assert_eq!(rd(&mut mem, M + 16, 8), 0x2222_2222_1111_1111);
        run(&[0xad400420], &mut st, &mut mem); // ldp q0, q1, [x1]
        assert_eq!(
            (st.v[0], st.v[1]),
            (rd(&mut mem, M + 8, 16), rd(&mut mem, M + 24, 16))
        );
        st.v[2] = 5;
        st.v[3] = 6;
        run(&[0x6d810c22], &mut st, &mut mem); // stp d2, d3, [x1, #16]!
        assert_eq!(
            (st.x[1], rd(&mut mem, M + 24, 8), rd(&mut mem, M + 32, 8)),
            (M + 24, 5, 6)
        );
        assert!(is_sigill(0x68400c20)); // ldnp with opc=01 (no LDNPSW)
        assert!(is_sigill(0xe9400c20)); // opc=11
    }

    #[test]
    fn literal_and_prefetch() {
        let mut mem = FlatMemory::default();
        mem.write(BASE + 8, 8, 0x8877_6655_4433_2211).unwrap();
        mem.write(BASE - 4 + 4, 4, 0x8000_0001).unwrap();
        let mut st = CpuState::default();
        run(&[0x58000040], &mut st, &mut mem); // ldr x0, #8
        assert_eq!(st.x[0], 0x8877_6655_4433_2211);
        let mut st = CpuState::default();
        run(&[0x98000000 | (0 << 5)], &mut st, &mut mem); // ldrsw x0, #0
        assert_eq!(st.x[0], 0xffff_ffff_8000_0001);
        // The literal address is a relocation.
        let f = crate::isa::aarch64::lift_snippet(BASE, &[0x58000040]);
        assert!(f.relocs.contains(&crate::ir::Reloc::Addr(BASE + 8)));
        // prfm, prfum, prfm literal: no IR.
        let mut st = CpuState::default();
        run(&[0xf9800020, 0xf8801020, 0xd8000040], &mut st, &mut mem);
        // ldtr x0, [x1, #8]; sttrb w2, [x1]; ldtrsh x0, [x1]
        let (mut st, mut mem) = setup();
        st.x[2] = 0x42;
        run(&[0xf8408820, 0x38000822, 0x78800820], &mut st, &mut mem);
        assert_eq!(st.x[0], 0xffff_ffff_ffff_8142);
    }

    #[test]
    fn exclusives() {
        let (mut st, mut mem) = setup();
        mem.write(M, 8, 5).unwrap();
        st.x[2] = 9;
        // ldxr x0, [x1]; stxr w3, x2, [x1] -> success
        run(&[0xc85f7c20, 0xc8037c22], &mut st, &mut mem);
        assert_eq!(
            (st.x[0], st.x[3], rd(&mut mem, M, 8), st.excl_valid),
            (5, 0, 9, 0)
        );
        // A second stxr without ldxr fails and leaves memory alone.
        st.x[2] = 11;
        run(&[0xc8037c22], &mut st, &mut mem);
        assert_eq!((st.x[3], rd(&mut mem, M, 8)), (1, 9));
        // Value changed between ldaxr and stlxr: fails.
        run(&[0x885ffc20], &mut st, &mut mem); // ldaxr w0
        mem.write(M, 4, 77).unwrap();
        run(&[0x8803fc22], &mut st, &mut mem); // stlxr w3, w2
        assert_eq!((st.x[3], rd(&mut mem, M, 4)), (1, 77));
        // Address mismatch: fails.
        run(&[0x085f7c20], &mut st, &mut mem); // ldxrb w0, [x1]
        st.x[1] = M + 1;
        run(&[0x48037c22], &mut st, &mut mem); // stxrh w3, w2, [x1]
        assert_eq!((st.x[3], rd(&mut mem, M + 1, 2)), (1, 0));
        // clrex between ldxr and stxr: fails.
        st.x[1] = M;
        run(&[0xc85f7c20, 0xd5033f5f, 0xc8037c22], &mut st, &mut mem);
        assert_eq!(st.x[3], 1);
        // Pairs: ldxp x0, x4; stxp w3, x5, x6
        st.x[5] = 0x55;
        st.x[6] = 0x66;
        run(&[0xc87f1020, 0xc8231825], &mut st, &mut mem);
        assert_eq!((st.x[0], st.x[3]), (77, 0));
        assert_eq!((rd(&mut mem, M, 8), rd(&mut mem, M + 8, 8)), (0x55, 0x66));
        // 32-bit pairs: ldaxp w0, w4; stlxp w3, w5, w6
        run(&[0x887f9020, 0x88239825], &mut st, &mut mem);
        assert_eq!((st.x[0], st.x[4], st.x[3]), (0x55, 0, 0));
        assert_eq!(rd(&mut mem, M, 8), 0x66_0000_0055);
    }

    /// The ABA case a value-based monitor gets wrong (and qemu too), as an interleaving of two
    /// guest threads on one memory: A loads-exclusive 5; B changes 5 -> 6 -> 5 with two successful
    /// LDXR/STXR pairs; A's store-exclusive must fail (B's store-exclusives to the granule cleared
    /// A's reservation: Arm ARM B2.9). Control: when B works on another granule, A succeeds.
    #[test]
    fn exclusives_aba_is_detected() {
        // Its own granule (excl::index 0x5555): tests run in parallel and share the table.
        const G: u64 = 0x5_5550;
        let mut mem = FlatMemory::default();
        mem.write(G, 8, 5).unwrap();
        mem.write(G + 64, 8, 5).unwrap();
        let (mut a, mut b) = (CpuState::default(), CpuState::default());
        a.x[1] = G;
        a.x[2] = 9;
        b.x[2] = 6;
        b.x[4] = 5;
        let ldxr = 0xc85f7c20; // ldxr x0, [x1]
        let stxr_x2 = 0xc8037c22; // stxr w3, x2, [x1]
        let stxr_x4 = 0xc8037c24; // stxr w3, x4, [x1]
        for (b_addr, a_status, final_value) in [(G, 1, 5), (G + 64, 0, 9)] {
            mem.write(G, 8, 5).unwrap();
            b.x[1] = b_addr;
            run(&[ldxr], &mut a, &mut mem);
            run(&[ldxr, stxr_x2], &mut b, &mut mem);
            assert_eq!((b.x[0], b.x[3]), (5, 0));
            run(&[ldxr, stxr_x4], &mut b, &mut mem);
            assert_eq!((b.x[0], b.x[3]), (6, 0));
            assert_eq!(rd(&mut mem, b_addr, 8), 5, "B is back to the value A loaded");
            run(&[stxr_x2], &mut a, &mut mem);
            assert_eq!((a.x[0], a.x[3]), (5, a_status), "B on {b_addr:#x}");
            assert_eq!(rd(&mut mem, G, 8), final_value);
        }
    }

    #[test]
    fn acquire_release() {
        let (mut st, mut mem) = setup();
        st.x[2] = 0xabcd;
        run(
            &[0xc8dffc20, 0x08dffc20, 0xf8bfc020, 0x38bfc020],
            &mut st,
            &mut mem,
        );
        assert_eq!(st.x[0], 0x80);
        run(&[0xc89ffc22, 0x489ffc22], &mut st, &mut mem);
        assert_eq!(rd(&mut mem, M, 8), 0xabcd);
        let f = crate::isa::aarch64::lift_snippet(BASE, &[0xc8dffc20, 0xc89ffc22]);
        let o: Vec<u64> = f
            .insts
            .iter()
            .filter(|i| matches!(i.op, crate::ir::Op::Load | crate::ir::Op::Store))
            .map(|i| i.imm)
            .collect();
        assert_eq!(
            o,
            vec![
                crate::ir::Ordering::Acquire as u64,
                crate::ir::Ordering::SeqCst as u64
            ]
        );
    }

    #[test]
    fn cas_and_atomics() {
        let (mut st, mut mem) = setup();
        mem.write(M, 8, 10).unwrap();
        // cas x2, x3, [x1]: success
        st.x[2] = 10;
        st.x[3] = 20;
        run(&[0xc8a27c23], &mut st, &mut mem);
        assert_eq!((st.x[2], rd(&mut mem, M, 8)), (10, 20));
        // failure: x2 gets the current value, memory unchanged
        st.x[2] = 10;
        st.x[3] = 30;
        run(&[0xc8a27c23], &mut st, &mut mem);
        assert_eq!((st.x[2], rd(&mut mem, M, 8)), (20, 20));
        // casb on a byte
        st.x[2] = 20;
        st.x[3] = 0x1ff;
        run(&[0x08a27c23], &mut st, &mut mem);
        assert_eq!((st.x[2], rd(&mut mem, M, 8)), (20, 0xff));
        // casp x4, x5, x6, x7, [x1]
        mem.write(M, 16, (7u128 << 64) | 0xff).unwrap();
        st.x[4] = 0xff;
        st.x[5] = 7;
        st.x[6] = 1;
        st.x[7] = 2;
        run(&[0x48247c26], &mut st, &mut mem);
        assert_eq!(
            (st.x[4], st.x[5], rd(&mut mem, M, 16)),
            (0xff, 7, (2u128 << 64) | 1)
        );
        // caspal w4, w5, w6, w7 failing
        st.x[4] = 9;
        run(&[0x0864fc26], &mut st, &mut mem);
        assert_eq!((st.x[4], st.x[5], rd(&mut mem, M, 8)), (1, 0, 1));
        assert!(is_sigill(0x48257c26)); // odd Rs
                                        // LSE: ldadd, ldclr, ldeorh, ldset, ldsmax, ldsminb, ldumax, ldumin, swp, stadd
        let cases: &[(u32, u64, u64, u64, u64)] = &[
            (0xf8220020, 100, 5, 100, 105),
            (0xb8e20020, 0xffff_ffff, 1, 0xffff_ffff, 0),
            (0xf8221020, 0xff, 0x0f, 0xff, 0xf0),
            (0x78222020, 0x1234, 0xffff, 0x1234, 0xedcb),
            (0xf8223020, 0x10, 0x01, 0x10, 0x11),
            (0xb8224020, 0xffff_fff0, 5, 0xffff_fff0, 5),
            (0x38225020, 0x10, 0x80, 0x10, 0x80),
            (0xf8226020, 3, u64::MAX, 3, u64::MAX),
            (0xb8227020, 3, 0xffff_ffff, 3, 3),
            (0xf8228020, 3, 4, 3, 4),
        ];
        for &(w, init, xs, want_old, want_mem) in cases {
            let (mut st, mut mem) = setup();
            mem.write(M, 8, init as u128).unwrap();
            st.x[2] = xs;
            run(&[w], &mut st, &mut mem);
            assert_eq!(
                (st.x[0], rd(&mut mem, M, 8) as u64),
                (want_old, want_mem),
                "{w:08x}"
            );
        }
        let (mut st, mut mem) = setup();
        mem.write(M, 8, 1).unwrap();
        st.x[2] = 2;
        run(&[0xf822003f], &mut st, &mut mem); // stadd
        assert_eq!(rd(&mut mem, M, 8), 3);
    }
}

/// Semantic cross-check against qemu-aarch64: `AOT_QEMU_LDST=file cargo test -- --ignored
/// qemu_ldst`. First line `buf <addr> <size>` (the buffer initially holds byte i = 7i + 3); then one
/// case a line: `word x0..x3 q0..q3 | x0..x3 q0..q3 | <final buffer hex> # text`. X1 points into
/// the buffer, X2 is a small index.
#[cfg(test)]
mod qemu_ldst {
    use crate::ir::interp::{FlatMemory, Memory};

    #[test]
    #[ignore]
    fn qemu_ldst() {
        let Ok(path) = std::env::var("AOT_QEMU_LDST") else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        let buf = u64::from_str_radix(head[1], 16).unwrap();
        let size: u64 = head[2].parse().unwrap();
        let (mut ok, mut skipped, mut bad) = (0, 0, vec![]);
        for line in lines {
            let (data, what) = line.split_once('#').unwrap_or((line, ""));
            let parts: Vec<&str> = data.split('|').collect();
            let inp: Vec<u128> = parts[0]
                .split_whitespace()
                .map(|h| u128::from_str_radix(h, 16).unwrap())
                .collect();
            let outp: Vec<u128> = parts[1]
                .split_whitespace()
                .map(|h| u128::from_str_radix(h, 16).unwrap())
                .collect();
            let want_mem = parts[2].trim();
            let w = inp[0] as u32;
            if super::super::int::testutil::is_sigill(w) {
                skipped += 1;
                continue;
            }
            let mut st = crate::cpu::CpuState::default();
            for r in 0..4 {
                st.x[r] = inp[1 + r] as u64;
                st.v[r] = inp[5 + r];
            }
            let mut mem = FlatMemory::default();
            for i in 0..size {
                mem.write(buf + i, 1, ((i * 7 + 3) & 0xff) as u128).unwrap();
            }
            super::super::int::testutil::run(&[w], &mut st, &mut mem);
            let mut got_mem = String::new();
            for i in 0..size {
                got_mem.push_str(&format!("{:02x}", mem.read(buf + i, 1).unwrap()));
            }
            let got: Vec<u128> = (0..4)
                .map(|r| st.x[r] as u128)
                .chain((0..4).map(|r| st.v[r]))
                .collect();
            if got != outp || got_mem != want_mem {
                bad.push(format!(
                    "{w:08x} {what}: regs ok={} mem ok={}",
                    got == outp,
                    got_mem == want_mem
                ));
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
