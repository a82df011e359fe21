//! Text form of the IR. `print_function(f, false)` leaves relocation values out: that text is the
//! position-independent identity of a lifted function, used as its cache key.

use super::*;
use crate::cpu::Reg;
use std::fmt::Write;

pub fn print_inst(out: &mut String, f: &Function, v: Value) {
    let i = f.inst(v);
    if i.ty != Ty::Void {
        let _ = write!(out, "v{} = ", v.0);
    }
    let _ = write!(out, "{}", i.op.text());
    if i.ty != Ty::Void {
        let _ = write!(out, ".{}", i.ty.name());
    }
    match i.op {
        Op::Const => {
            let c = (i.imm as u128) | ((i.imm2 as u128) << 64);
            let _ = write!(out, " {c:#x}");
        }
        Op::SafePoint => {
            let _ = write!(out, " {:#x}", i.imm);
        }
        Op::Reloc => {
            let _ = write!(out, " #{}", i.imm);
        }
        Op::GetReg | Op::SetReg => {
            let _ = write!(out, " {}", Reg(i.imm as u8).name());
        }
        Op::ICmp => {
            let _ = write!(
                out,
                " {}",
                Cond::from_u64(i.imm).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::FCmp => {
            let _ = write!(
                out,
                " {}",
                FCond::from_u64(i.imm).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::FRound => {
            let _ = write!(out, " mode{}", i.imm);
        }
        Op::VICmp => {
            let _ = write!(out, " e{} {}", i.imm, Cond::from_u64(i.imm2).map(|c| c.name()).unwrap_or("?"));
        }
        Op::VShl | Op::VLShr | Op::VAShr => {
            let _ = write!(out, " e{} #{}", i.imm, i.imm2);
        }
        op if op.rule() == Rule::Lanes => {
            let _ = write!(out, " e{}", i.imm);
        }
        Op::Extract | Op::Insert => {
            let _ = write!(out, " e{}[{}]", i.imm, i.imm2);
        }
        Op::Load | Op::Store | Op::CmpXchg => {
            let _ = write!(
                out,
                " {}",
                Ordering::from_u64(i.imm).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::Insn => {
            let _ = write!(out, " +{:#x}", i.imm);
        }
        Op::Fence => {
            let _ = write!(
                out,
                " {}",
                FenceKind::from_u64(i.imm).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::AtomicRmw => {
            let _ = write!(
                out,
                " {} {}",
                RmwOp::from_u64(i.imm).map(|c| c.name()).unwrap_or("?"),
                Ordering::from_u64(i.imm2).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::Crypto => {
            let _ = write!(
                out,
                " {}",
                CryptoOp::from_u64(i.imm).map(|c| c.name()).unwrap_or("?")
            );
        }
        Op::Helper => {
            let _ = write!(
                out,
                " {} {:#x}",
                Helper::from_u64(i.imm).map(|c| c.name()).unwrap_or("?"),
                i.imm2
            );
        }
        _ => {}
    }
    for (k, a) in i.args.iter().enumerate() {
        let _ = write!(out, "{} v{}", if k == 0 { "" } else { "," }, a.0);
    }
    out.push('\n');
}

pub fn print_term(out: &mut String, t: &Term) {
    let _ = match *t {
        Term::None => writeln!(out, "<unterminated>"),
        Term::Br(b) => writeln!(out, "br b{}", b.0),
        Term::BrIf { cond, then_, else_ } => {
            writeln!(out, "brif v{}, b{}, b{}", cond.0, then_.0, else_.0)
        }
        Term::Call {
            target,
            ret_off,
            cont,
        } => writeln!(out, "call #{target}, ret +{ret_off:#x}, b{}", cont.0),
        Term::CallInd {
            addr,
            ret_off,
            cont,
        } => writeln!(out, "call.ind v{}, ret +{ret_off:#x}, b{}", addr.0, cont.0),
        Term::Ret { addr } => writeln!(out, "ret v{}", addr.0),
        Term::Tail { target, to_start: false } => writeln!(out, "tail #{target}"),
        Term::Tail { target, to_start: true } => writeln!(out, "tail #{target} start"),
        Term::JumpInd { addr, ref targets } if targets.is_empty() => writeln!(out, "jump.ind v{}", addr.0),
        Term::JumpInd { addr, ref targets } => {
            let _ = write!(out, "jump.ind v{}, table", addr.0);
            for t in targets {
                let _ = write!(out, " +{t:#x}");
            }
            writeln!(out)
        }
        Term::Trap { kind, off } => writeln!(out, "trap {} +{off:#x}", kind.name()),
    };
}

/// Print a function. With `with_values`, relocation slots show their guest addresses and the name
/// is included; without, the text depends only on the code (the cache key form).
pub fn print_function(f: &Function, with_values: bool) -> String {
    let mut out = String::new();
    if with_values {
        let _ = writeln!(out, "function {} @ {:#x}", f.name, f.base());
    } else {
        out.push_str("function\n");
    }
    for (k, r) in f.relocs.iter().enumerate() {
        if with_values {
            let _ = writeln!(out, "  reloc #{k} = {} {:#x}", r.kind_name(), r.value());
        } else if f.reloc_is_self(k) {
            let _ = writeln!(out, "  reloc #{k} = {} self", r.kind_name());
        } else {
            let _ = writeln!(out, "  reloc #{k} = {}", r.kind_name());
        }
    }
    if f.flags_local {
        out.push_str("  abi flags-local\n");
    }
    for (off, b) in &f.entries {
        let _ = writeln!(out, "  entry +{off:#x} -> b{}", b.0);
    }
    for (k, b) in f.blocks.iter().enumerate() {
        let _ = writeln!(out, "b{k}: ; +{:#x}", b.off);
        for &v in &b.insts {
            out.push_str("  ");
            print_inst(&mut out, f, v);
        }
        out.push_str("  ");
        print_term(&mut out, &b.term);
    }
    out
}

impl std::fmt::Display for Function {
    fn fmt(&self, fm: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fm.write_str(&print_function(self, true))
    }
}
