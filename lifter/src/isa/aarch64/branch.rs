//! Branches, calls, returns and exception generation (C4.1.65 "Branches, Exception Generating and
//! System instructions", branch part).

use super::decode::{pat, Pattern};
use super::{bit, bits, sext, Lift};
use crate::cpu::Reg;
use crate::ir::{Cond, Helper, Reloc, Term, TrapKind, Ty};

pub const PATTERNS: &[Pattern] = &[
    pat("000101 iiiiiiiiiiiiiiiiiiiiiiiiii", "B", trans_b),
    pat("100101 iiiiiiiiiiiiiiiiiiiiiiiiii", "BL", trans_bl),
    pat("01010100 iiiiiiiiiiiiiiiiiii 0 cccc", "B.cond", trans_bcond),
    pat(
        "01010100 iiiiiiiiiiiiiiiiiii 1 cccc",
        "BC.cond",
        trans_bcond,
    ),
    pat("s011010 0 iiiiiiiiiiiiiiiiiii ttttt", "CBZ", trans_cbz),
    pat("s011010 1 iiiiiiiiiiiiiiiiiii ttttt", "CBNZ", trans_cbz),
    pat("b011011 0 bbbbb iiiiiiiiiiiiii ttttt", "TBZ", trans_tbz),
    pat("b011011 1 bbbbb iiiiiiiiiiiiii ttttt", "TBNZ", trans_tbz),
    pat("1101011 0000 11111 000000 nnnnn 00000", "BR", trans_br),
    pat("1101011 0001 11111 000000 nnnnn 00000", "BLR", trans_blr),
    pat("1101011 0010 11111 000000 nnnnn 00000", "RET", trans_ret),
    pat("11010100 000 iiiiiiiiiiiiiiii 000 01", "SVC", trans_svc),
    pat("11010100 001 iiiiiiiiiiiiiiii 000 00", "BRK", trans_brk),
    pat("00000000 00000000 iiiiiiiiiiiiiiii", "UDF", trans_udf),
];

fn trans_b(l: &mut Lift, insn: u32) -> bool {
    let t =
        l.pc.wrapping_add((sext(bits(insn, 25, 0) as u64, 26) << 2) as u64);
    l.jump_to(t);
    true
}

fn trans_bl(l: &mut Lift, insn: u32) -> bool {
    let t =
        l.pc.wrapping_add((sext(bits(insn, 25, 0) as u64, 26) << 2) as u64);
    let ret = l.pc_plus(4);
    l.b.setreg(Reg::LR, ret);
    let slot = l.b.reloc_slot(Reloc::Func(t));
    let cont = l.next_block();
    let ret_off = l.off() + 4;
    l.b.terminate(Term::Call {
        target: slot,
        ret_off,
        cont,
    });
    true
}

fn trans_bcond(l: &mut Lift, insn: u32) -> bool {
    let t =
        l.pc.wrapping_add((sext(bits(insn, 23, 5) as u64, 19) << 2) as u64);
    let cc = bits(insn, 3, 0);
    if cc >= 14 {
        l.jump_to(t);
    } else {
        let c = l.cond_holds(cc);
        l.branch_if(c, t);
    }
    true
}

fn trans_cbz(l: &mut Lift, insn: u32) -> bool {
    let t =
        l.pc.wrapping_add((sext(bits(insn, 23, 5) as u64, 19) << 2) as u64);
    let v = l.xr(bits(insn, 4, 0), bit(insn, 31));
    let c =
        l.b.icmp_i(if bit(insn, 24) { Cond::Ne } else { Cond::Eq }, v, 0);
    l.branch_if(c, t);
    true
}

fn trans_tbz(l: &mut Lift, insn: u32) -> bool {
    let t =
        l.pc.wrapping_add((sext(bits(insn, 18, 5) as u64, 14) << 2) as u64);
    let bitno = (bits(insn, 31, 31) << 5) | bits(insn, 23, 19);
    let v = l.xr(bits(insn, 4, 0), true);
    let s = l.b.lshr_i(v, bitno);
    let one = l.b.trunc(s, Ty::I1);
    let c = if bit(insn, 24) { one } else { l.b.not(one) };
    l.branch_if(c, t);
    true
}

fn trans_br(l: &mut Lift, insn: u32) -> bool {
    let a = l.xr(bits(insn, 9, 5), true);
    // A recovered jump table's targets, as offsets of entries (an entry is where the backends'
    // switch may go; recovery makes every table target one).
    let spec = l.spec;
    let mut targets: Vec<u64> = spec
        .tables
        .get(&l.pc)
        .map(|t| t.iter().filter(|a| spec.entries.contains(a)).map(|a| a.wrapping_sub(spec.start)).collect())
        .unwrap_or_default();
    targets.sort_unstable();
    targets.dedup();
    l.b.terminate(Term::JumpInd { addr: a, targets });
    true
}

fn trans_blr(l: &mut Lift, insn: u32) -> bool {
    // Read the target before writing LR (BLR X30 is valid).
    let a = l.xr(bits(insn, 9, 5), true);
    let ret = l.pc_plus(4);
    l.b.setreg(Reg::LR, ret);
    let cont = l.next_block();
    let ret_off = l.off() + 4;
    l.b.terminate(Term::CallInd {
        addr: a,
        ret_off,
        cont,
    });
    true
}

fn trans_ret(l: &mut Lift, insn: u32) -> bool {
    let a = l.xr(bits(insn, 9, 5), true);
    l.b.terminate(Term::Ret { addr: a });
    true
}

fn trans_svc(l: &mut Lift, insn: u32) -> bool {
    // The PC of the SVC's successor is visible to the kernel (signal frames, restart).
    let next = l.pc_plus(4);
    l.b.setreg(Reg::PC, next);
    l.b.helper(Helper::Syscall, &[], bits(insn, 20, 5) as u64);
    true
}

fn trans_brk(l: &mut Lift, _insn: u32) -> bool {
    l.trap(TrapKind::Breakpoint);
    true
}

fn trans_udf(l: &mut Lift, _insn: u32) -> bool {
    l.trap(TrapKind::Udf);
    true
}
