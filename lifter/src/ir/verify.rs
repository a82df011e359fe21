//! IR verifier: operand counts and types, block-local SSA, terminators, entries, relocations.

use super::*;
use crate::cpu::Reg;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("IR verification failed in {func}: {msg}")]
pub struct VerifyError {
    pub func: String,
    pub msg: String,
}

pub fn verify(f: &Function) -> Result<(), VerifyError> {
    let err = |msg: String| VerifyError {
        func: f.name.clone(),
        msg,
    };
    if !matches!(f.relocs.first(), Some(Reloc::FnBase(_))) {
        return Err(err("reloc slot 0 must be the function base".into()));
    }
    if f.entries.is_empty() {
        return Err(err("function has no entry".into()));
    }
    let nblocks = f.blocks.len() as u32;
    for &(_, b) in &f.entries {
        if b.0 >= nblocks {
            return Err(err(format!("entry to missing block b{}", b.0)));
        }
    }
    // Which block defines each value, and at which position.
    let mut def_block = vec![u32::MAX; f.insts.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        for &v in &b.insts {
            if v.0 as usize >= f.insts.len() || def_block[v.0 as usize] != u32::MAX {
                return Err(err(format!("value v{} placed twice or out of range", v.0)));
            }
            def_block[v.0 as usize] = bi as u32;
        }
    }
    for (bi, b) in f.blocks.iter().enumerate() {
        let mut defined = std::collections::HashSet::new();
        for &v in &b.insts {
            let i = f.inst(v);
            let here = |m: String| err(format!("b{bi} v{}: {} {m}", v.0, i.op.text()));
            let nargs = i.op.nargs();
            let nargs_ok = if i.op == Op::Helper {
                Helper::from_u64(i.imm)
                    .map(|h| h.nargs() == i.args.len())
                    .unwrap_or(false)
            } else if i.op == Op::Crypto {
                CryptoOp::from_u64(i.imm)
                    .map(|c| c.nargs() == i.args.len())
                    .unwrap_or(false)
            } else {
                i.args.len() == nargs
            };
            if !nargs_ok {
                return Err(here(format!("has {} operands", i.args.len())));
            }
            for a in &i.args {
                if !defined.contains(a) {
                    return Err(here(format!(
                        "uses v{} not defined earlier in this block",
                        a.0
                    )));
                }
            }
            let at = |k: usize| f.inst(i.args[k]).ty;
            match i.op.rule() {
                Rule::Nullary => {
                    if i.op == Op::Reloc && (i.ty != Ty::I64 || i.imm as usize >= f.relocs.len()) {
                        return Err(here("bad reloc".into()));
                    }
                    if i.op == Op::Const && !i.ty.is_int() {
                        return Err(here("non-integer constant".into()));
                    }
                }
                Rule::IntSame => {
                    if !i.ty.is_int() || (0..i.args.len()).any(|k| at(k) != i.ty) {
                        return Err(here("operands must be integers of the result type".into()));
                    }
                }
                Rule::FloatSame => {
                    if !i.ty.is_float() || (0..i.args.len()).any(|k| at(k) != i.ty) {
                        return Err(here("operands must be floats of the result type".into()));
                    }
                    if i.op == Op::FRound && RoundMode::from_u64(i.imm).is_none() {
                        return Err(here("bad rounding mode".into()));
                    }
                }
                Rule::Compare => {
                    let ok = i.ty == Ty::I1
                        && at(0) == at(1)
                        && if i.op == Op::ICmp {
                            at(0).is_int() && Cond::from_u64(i.imm).is_some()
                        } else {
                            at(0).is_float() && FCond::from_u64(i.imm).is_some()
                        };
                    if !ok {
                        return Err(here("bad compare".into()));
                    }
                }
                Rule::Convert => {
                    let (from, to) = (at(0), i.ty);
                    let ok = match i.op {
                        Op::Zext | Op::Sext => {
                            from.is_int() && to.is_int() && from.bits() < to.bits()
                        }
                        Op::Trunc => from.is_int() && to.is_int() && from.bits() > to.bits(),
                        Op::Bitcast => from.bits() == to.bits() && from.is_int() != to.is_int(),
                        Op::FCvt => from.is_float() && to.is_float() && from != to,
                        Op::SIToFP | Op::UIToFP => from.is_int() && to.is_float(),
                        Op::FPToSISat | Op::FPToUISat => {
                            from.is_float() && to.is_int() && to != Ty::I1
                        }
                        _ => false,
                    };
                    if !ok {
                        return Err(here(format!(
                            "cannot convert {} to {}",
                            from.name(),
                            to.name()
                        )));
                    }
                }
                Rule::Lanes => {
                    let e = i.imm;
                    let ok = matches!(e, 8 | 16 | 32 | 64)
                        && i.ty == Ty::I128
                        && (0..i.args.len()).all(|k| {
                            at(k) == if i.op == Op::VDup { Ty::int(e as u32) } else { Ty::I128 }
                        })
                        && match i.op {
                            Op::VICmp => Cond::from_u64(i.imm2).is_some(),
                            Op::VShl | Op::VLShr | Op::VAShr => i.imm2 < e,
                            _ => i.imm2 == 0,
                        };
                    if !ok {
                        return Err(here("bad lane-wise vector op".into()));
                    }
                }
                Rule::Special => {
                    let ok = match i.op {
                        Op::GetReg => {
                            Reg(i.imm as u8).is_valid()
                                && i.imm < 128
                                && i.ty == reg_ty(Reg(i.imm as u8))
                        }
                        Op::SetReg => {
                            i.imm < 128
                                && Reg(i.imm as u8).is_valid()
                                && at(0) == reg_ty(Reg(i.imm as u8))
                                && i.ty == Ty::Void
                        }
                        Op::Select => at(0) == Ty::I1 && at(1) == at(2) && i.ty == at(1),
                        Op::Extract => {
                            let e = i.imm as u32;
                            at(0) == Ty::I128
                                && matches!(e, 8 | 16 | 32 | 64)
                                && i.imm2 < (128 / e) as u64
                                && i.ty == Ty::int(e)
                        }
                        Op::Insert => {
                            let e = i.imm as u32;
                            at(0) == Ty::I128
                                && matches!(e, 8 | 16 | 32 | 64)
                                && i.imm2 < (128 / e) as u64
                                && at(1) == Ty::int(e)
                                && i.ty == Ty::I128
                        }
                        Op::Load => {
                            at(0) == Ty::I64
                                && i.ty != Ty::Void
                                && i.ty != Ty::I1
                                && Ordering::from_u64(i.imm).is_some()
                                && (i.ty.bits() <= 64 || i.imm == Ordering::Plain as u64)
                        }
                        Op::Store => {
                            at(0) == Ty::I64
                                && at(1) != Ty::I1
                                && Ordering::from_u64(i.imm).is_some()
                                && (at(1).bits() <= 64 || i.imm == Ordering::Plain as u64)
                        }
                        Op::Fence => FenceKind::from_u64(i.imm).is_some(),
                        Op::Insn => i.ty == Ty::Void,
                        Op::SafePoint => i.ty == Ty::Void,
                        Op::AtomicRmw => {
                            at(0) == Ty::I64
                                && at(1).is_int()
                                && at(1).bits() >= 8
                                && at(1).bits() <= 64
                                && i.ty == at(1)
                                && RmwOp::from_u64(i.imm).is_some()
                                && Ordering::from_u64(i.imm2).is_some()
                        }
                        Op::CmpXchg => {
                            at(0) == Ty::I64
                                && at(1) == at(2)
                                && at(1).is_int()
                                && at(1).bits() >= 8
                                && i.ty == at(1)
                                && Ordering::from_u64(i.imm).is_some()
                        }
                        Op::Crypto => {
                            CryptoOp::from_u64(i.imm).is_some()
                                && (0..i.args.len()).all(|k| at(k) == Ty::I128)
                                && i.ty == Ty::I128
                        }
                        Op::ExclVer => at(0) == Ty::I64 && i.ty == Ty::I64,
                        Op::ExclClaim => at(0) == Ty::I64 && at(1) == Ty::I64 && i.ty == Ty::I1,
                        Op::Helper => {
                            let h = Helper::from_u64(i.imm);
                            h.is_some()
                                && (0..i.args.len()).all(|k| at(k) == Ty::I64)
                                && i.ty
                                    == if h.unwrap().returns() {
                                        Ty::I64
                                    } else {
                                        Ty::Void
                                    }
                        }
                        _ => false,
                    };
                    if !ok {
                        return Err(here("operands or immediates are malformed".into()));
                    }
                }
            }
            defined.insert(v);
        }
        let t = &b.term;
        if *t == Term::None {
            return Err(err(format!("b{bi} is not terminated")));
        }
        for s in t.successors() {
            if s.0 >= nblocks {
                return Err(err(format!("b{bi} branches to missing block b{}", s.0)));
            }
        }
        for u in t.uses() {
            if !defined.contains(&u) {
                return Err(err(format!(
                    "b{bi} terminator uses v{} not defined in this block",
                    u.0
                )));
            }
        }
        match *t {
            Term::BrIf { cond, .. } if f.inst(cond).ty != Ty::I1 => {
                return Err(err(format!("b{bi} brif on non-i1")));
            }
            Term::CallInd { addr, .. } | Term::Ret { addr } | Term::JumpInd { addr, .. }
                if f.inst(addr).ty != Ty::I64 =>
            {
                return Err(err(format!("b{bi} jumps to non-i64 address")));
            }
            Term::Call { target, .. } | Term::Tail { target, .. } => {
                if !matches!(f.relocs.get(target as usize), Some(Reloc::Func(_))) {
                    return Err(err(format!(
                        "b{bi} calls reloc #{target}, which is not a function"
                    )));
                }
            }
            _ => {}
        }
        if let Term::JumpInd { targets, .. } = t {
            if targets.windows(2).any(|w| w[0] >= w[1]) {
                return Err(err(format!("b{bi} jump.ind targets are not sorted and unique")));
            }
            if let Some(o) = targets.iter().find(|&&o| !f.entries.iter().any(|e| e.0 == o)) {
                return Err(err(format!("b{bi} jump.ind target +{o:#x} is not an entry")));
            }
        }
    }
    Ok(())
}
