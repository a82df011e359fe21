//! Which values of a function are known when it is translated: constants, and pure operations
//! on them, including guest registers set earlier in the same block. A backend that folds
//! constants must not fold FP operations on these in round-to-nearest without exceptions: the
//! guest runs them under its FPCR rounding mode and reads their FPSR flags (the LLVM backend
//! lowers FP ops on such operands with constrained intrinsics; docs/isa-tester.md).
//!
//! Deliberately block-local (a register's value from another block is taken as unknown): the
//! case that matters is `mov x1, #imm; ucvtf d0, x1` or `movi d1, #0; fdiv s0, s1, s1` (soft-fp
//! raising an exception on purpose), and a cheap local test keeps ordinary FP code as it was.

use super::{Function, Helper, Op, Rule};
use std::collections::HashMap;

/// For every value of `f` (by index): whether it is a translation-time constant.
pub fn known_constants(f: &Function) -> Vec<bool> {
    let mut k = vec![false; f.insts.len()];
    for blk in &f.blocks {
        let mut regs: HashMap<u64, bool> = HashMap::new();
        for &v in &blk.insts {
            let i = f.inst(v);
            let all = |k: &Vec<bool>| !i.args.is_empty() && i.args.iter().all(|a| k[a.0 as usize]);
            let c = match i.op {
                Op::Const => true,
                Op::GetReg => regs.get(&i.imm).copied().unwrap_or(false),
                Op::SetReg => {
                    regs.insert(i.imm, k[i.args[0].0 as usize]);
                    false
                }
                // A helper may change any register.
                Op::Helper if Helper::from_u64(i.imm).is_none_or(|h| h.uses_state()) => {
                    regs.clear();
                    false
                }
                Op::Select | Op::Extract | Op::Insert => all(&k),
                _ => match i.op.rule() {
                    Rule::IntSame | Rule::FloatSame | Rule::Convert | Rule::Compare | Rule::Lanes => all(&k),
                    _ => false,
                },
            };
            k[v.0 as usize] = c;
        }
    }
    k
}

/// Whether `op` is an FP operation whose result or exceptions depend on the run-time FPCR /
/// FPSR, so that folding it at translation time would be wrong.
pub fn fp_env_dependent(op: Op) -> bool {
    matches!(
        op,
        Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FMa | Op::FCvt | Op::SIToFP | Op::UIToFP | Op::FRound
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Reg;
    use crate::ir::{Builder, Term, Ty};

    #[test]
    fn constants_flow_through_registers_of_the_same_block_only() {
        let mut b = Builder::new("t", 0x1000);
        let b0 = b.new_block(0);
        let b1 = b.new_block(8);
        b.switch_to(b0);
        let c = b.c64(0x7fff_ffff_ffff_ffff);
        b.setreg(Reg::x(1), c);
        let x = b.getreg(Reg::x(1));
        let f1 = b.convert(Op::UIToFP, x, Ty::F64);
        let y = b.getreg(Reg::x(2));
        let f2 = b.convert(Op::UIToFP, y, Ty::F64);
        b.terminate(Term::Br(b1));
        b.switch_to(b1);
        let z = b.getreg(Reg::x(1));
        let f3 = b.convert(Op::UIToFP, z, Ty::F64);
        let r = b.c64(0);
        b.terminate(Term::Ret { addr: r });
        let f = b.finish();
        let k = known_constants(&f);
        assert!(k[f1.0 as usize]);
        assert!(!k[f2.0 as usize]);
        assert!(!k[f3.0 as usize]);
    }
}
