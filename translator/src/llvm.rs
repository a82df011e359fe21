//! LLVM backend: one IR function -> one LLVM module -> one x86-64 object.
//!
//! Lowering follows docs/design.md: guest registers live in allocas (promoted to SSA by mem2reg)
//! and are synchronised with `CpuState` only where control may leave the function; guest memory
//! accesses are `monotonic` atomics; every guest address comes from a relocation symbol, so the
//! object does not depend on where the function sits in the guest (it can be cached and reused).

use aot_lifter::cpu::{Reg, SlotTy, SIGPOLL_OFFSET};
use aot_lifter::excl;
use aot_lifter::ir::{
    self, fpnan, BlockId, Cond, CryptoOp, FCond, FenceKind, Function, Helper, Op, Ordering, RmwOp, RoundMode, Term, Ty, Value,
};
use inkwell::attributes::AttributeLoc;
use inkwell::basic_block::BasicBlock;
use inkwell::builder::{Builder, BuilderError};
use inkwell::context::Context;
use inkwell::debug_info::{AsDIScope, DIFlags, DIFlagsConstants, DISubprogram, DWARFEmissionKind, DWARFSourceLanguage, DebugInfoBuilder};
use inkwell::intrinsics::Intrinsic;
use inkwell::module::{FlagBehavior, Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple};
use inkwell::types::{BasicMetadataTypeEnum, BasicTypeEnum, FloatType, FunctionType, IntType};
use inkwell::values::{BasicMetadataValueEnum, BasicValue, BasicValueEnum, FloatValue, FunctionValue, IntValue, PointerValue};
use inkwell::{AtomicOrdering, AtomicRMWBinOp, FloatPredicate, IntPredicate, OptimizationLevel};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("LLVM builder: {0}")]
    Builder(#[from] BuilderError),
    #[error("LLVM: {0}")]
    Llvm(String),
    #[error("missing LLVM intrinsic {0}")]
    Intrinsic(String),
}

type R<T> = Result<T, BackendError>;

/// Code generation options (part of the cache key).
#[derive(Clone, Debug)]
pub struct Options {
    pub opt_level: u8,
    pub target_cpu: String,
}

/// Symbol names for one compiled function. `key` is the cache key (a hex hash).
pub fn fn_symbol(key: &str) -> String {
    format!("aot_f_{key}")
}
/// The direct entry of a compiled function (docs/design.md "Direct calls"): `void
/// aot_d_<key>(CpuState *st, uint64_t entry_pc, uint64_t x0, uint64_t x1, uint64_t x30)`, the
/// guest registers `DIRECT_REGS` passed in host registers (rdx, rcx, r8) and not
/// stored by the caller.
pub fn direct_symbol(key: &str) -> String {
    format!("aot_d_{key}")
}
/// Symbol of the direct entry a call/tail-call slot goes to (`aot_d_` of the callee, or the
/// link step's `aot_dispatch_stub_d`).
pub fn direct_callee_symbol(key: &str, slot: usize) -> String {
    format!("aot_cd_{key}_{slot}")
}
/// The guest registers a direct entry takes as arguments, in argument order after
/// `(st, entry_pc)`. The same for every function (no per-callee summaries). Not X29: the callee
/// would have to store it at every return (it starts dirty) and the caller to keep it in a host
/// register across its calls, while a leaf never touches it; passing it cost benches/sort 6.8 %
/// and benches/fnptr 4.8 % more instructions than leaving it in the state (docs/performance.md).
pub const DIRECT_REGS: [Reg; 3] = [Reg::x(0), Reg::x(1), Reg::x(30)];

/// `DIRECT_REGS` as a register set.
pub fn direct_set() -> u128 {
    DIRECT_REGS.iter().fold(0, |a, r| a | 1u128 << r.0)
}

/// Symbol holding the guest address of relocation slot `slot` (absolute).
pub fn reloc_symbol(key: &str, slot: usize) -> String {
    format!("aot_r_{key}_{slot}")
}
/// Symbol holding the guest address of entry `off` (non-zero) of the function (absolute).
pub fn entry_symbol(key: &str, off: u64) -> String {
    format!("aot_e_{key}_{off:x}")
}
/// The same address again, for the return check of a call returning to entry `off`
/// (`Gen::return_check`): a second symbol, so LLVM does not share one value with the X30 write.
pub fn return_symbol(key: &str, off: u64) -> String {
    format!("aot_q_{key}_{off:x}")
}
/// Symbol of the host function a call/tail-call slot goes to.
pub fn callee_symbol(key: &str, slot: usize) -> String {
    format!("aot_c_{key}_{slot}")
}

/// Section of every translated function: the runtime tells translated code from its own by the
/// linker's `__start_aot_text`/`__stop_aot_text` (docs/signals.md).
pub const CODE_SECTION: &str = "aot_text";

/// The return thunk of an LLVM-compiled function that calls itself (`Function::calls_itself`;
/// `fn_ret_thunk_extern` makes LLVM end each return with `jmp __x86_return_thunk`), a local
/// symbol of the function's own object: the return address is popped and jumped to, so the
/// return is predicted by the indirect-branch predictor at this object's `jmp` rather than by
/// the host's return stack, which runs out past 16 nested calls and then mispredicts every
/// return of a deep recursion (docs/performance.md "Where recursion's time goes"). Other
/// functions keep `ret`: the two extra taken jumps cost benches/fnptr's small callees 30 % of
/// its time. rcx is free at a return (SysV: caller-saved, no result).
pub const RETURN_THUNK_ASM: &str = "\t.section aot_text,\"ax\",@progbits\n\t.p2align 4\n\t.type __x86_return_thunk,@function\n__x86_return_thunk:\n\tpopq %rcx\n\tjmpq *%rcx\n\t.size __x86_return_thunk, .-__x86_return_thunk\n";
/// Section of the inline-cache slots of indirect calls and jumps (`Gen::ic_slot`), which the
/// runtime finds through `__start_aot_ic`/`__stop_aot_ic` (runtime/src/ic.rs).
pub const IC_SECTION: &str = "aot_ic";

/// Level-2 entries ("ways") of an inline-cache slot, and the multiplier of the way hash
/// `(low32(target >> 4) * IC_HASH) >> (32 - log2 IC_WAYS)`: the slot layout of aot_lifter::ic,
/// which the runtime fills (runtime/src/ic.rs) and the Cranelift lowering probes too.
pub const IC_WAYS: u32 = aot_lifter::ic::WAYS as u32;
pub const IC_HASH: u64 = aot_lifter::ic::HASH as u64;
/// Bytes of NOP at the entry of every translated function (runtime/src/smc.rs patches them).
pub const PATCH_PAD: u32 = 8;

/// The debug line of the guest instruction at `off` from the function base: host code is
/// mapped back to guest PCs through .debug_line (docs/signals.md). Line 0 means "no line" in
/// DWARF, so offsets start at line 1.
pub fn pc_line(off: u64) -> u32 {
    (off / 4).saturating_add(1).min(u32::MAX as u64) as u32
}

/// x86 computes FP operations on whole XMM registers, and LLVM (which assumes FP operations have
/// no side effects) lets them compute lanes nobody reads; the flags those lanes raise (Invalid,
/// Overflow, Inexact...) would reach FPSR. After optimisation three forms are made to compute
/// defined lanes only, by rewriting them to `llvm.experimental.constrained` calls (which the x86
/// backend neither widens with undefined lanes nor vectorises):
/// - an FP operation on a float vector narrower than 128 bits (the SLP vectorizer's `<2 x
///   float>` of a `.2S` instruction): the DAG would widen it to 4 lanes whose upper two are
///   whatever the register held; constrained, it is scalarised or widened with zeros;
/// - an FP operation on a 128-bit or wider vector some of whose result lanes are never read
///   (`demanded_lanes`): InstCombine turns `fmul (shuffle a), (shuffle b)` of two whole-register
///   loads into `shuffle (fmul a, b)`, a `.4S` multiply of which a `.2S` instruction keeps two
///   lanes. The unread lanes of its operands become copies of a read lane (same flags as that
///   lane, which raises them anyway), and the operation is constrained so that the DAG does not
///   undo the shuffle;
/// - a scalar integer-to-FP conversion of a lane of a vector (`scvtf s18, s12` reads lane 0 of
///   V12): the DAG's non-strict lowering converts the whole register (CVTDQ2PS) and keeps lane 0.
fn strict_undefined_fp_lanes<'ctx>(ctx: &'ctx Context, module: &Module<'ctx>) -> R<()> {
    use inkwell::values::{CallSiteValue, InstructionOpcode as O};
    let narrow = |t: BasicTypeEnum<'ctx>| match t {
        BasicTypeEnum::VectorType(v) => {
            v.get_element_type().is_float_type() && v.get_size() * v.get_element_type().into_float_type().get_bit_width() < 128
        }
        _ => false,
    };
    let b = ctx.create_builder();
    let rd: BasicMetadataValueEnum<'ctx> = ctx.metadata_string("round.dynamic").into();
    let es: BasicMetadataValueEnum<'ctx> = ctx.metadata_string("fpexcept.strict").into();
    let intr = |name: &str, tys: &[BasicTypeEnum<'ctx>]| -> R<FunctionValue<'ctx>> {
        let i = Intrinsic::find(name).ok_or_else(|| BackendError::Intrinsic(name.into()))?;
        i.get_declaration(module, tys).ok_or_else(|| BackendError::Intrinsic(name.into()))
    };
    let i32t = ctx.i32_type();
    for f in module.get_functions() {
        let demanded = demanded_lanes(f);
        for bb in f.get_basic_blocks() {
            let mut next = bb.get_first_instruction();
            while let Some(inst) = next {
                next = inst.get_next_instruction();
                let op = |k: u32| inst.get_operand(k).and_then(|o| o.value());
                let Some(x) = op(0) else { continue };
                let rty: Option<BasicTypeEnum<'ctx>> = BasicTypeEnum::try_from(inst.get_type()).ok();
                let rn = rty.map(narrow).unwrap_or(false);
                let xn = narrow(x.get_type());
                // Lanes of a 128-bit or wider FP operation that nothing reads (a mask with a bit
                // per lane, where some lane is read); narrow vectors are all constrained anyway.
                let lanes = vector_lanes(x.get_type()).max(rty.map(vector_lanes).unwrap_or(0));
                let partial = (!rn && !xn && lanes > 0)
                    .then(|| demanded.get(&inst).copied())
                    .flatten()
                    .filter(|&m| m != 0 && m != all_lanes(lanes));
                let fpv = |t: BasicTypeEnum<'ctx>| {
                    matches!(t, BasicTypeEnum::VectorType(v) if v.get_element_type().is_float_type())
                };
                let rf = rty.map(fpv).unwrap_or(false);
                let xf = fpv(x.get_type());
                // One lane read of an arithmetic op or compare: that lane's scalar op (what the
                // DAG makes of an extract of lane 0 anyway; a scalar op touches one lane).
                if let Some(m) = partial.filter(|m| m.count_ones() == 1 && xf) {
                    if let Some(si) = scalar_lane_op(&b, inst, m.trailing_zeros())? {
                        inst.replace_all_uses_with(&si);
                        inst.erase_from_basic_block();
                        continue;
                    }
                }
                // (intrinsic, overload types, operands, with a rounding mode)
                let (name, tys, nargs, round): (String, Vec<BasicTypeEnum<'ctx>>, u32, bool) = match inst.get_opcode() {
                    O::FAdd | O::FSub | O::FMul | O::FDiv if rn || (rf && partial.is_some()) => {
                        let n = match inst.get_opcode() {
                            O::FAdd => "fadd",
                            O::FSub => "fsub",
                            O::FMul => "fmul",
                            _ => "fdiv",
                        };
                        (n.into(), vec![rty.unwrap()], 2, true)
                    }
                    O::SIToFP | O::UIToFP if rn || (rf && partial.is_some()) || (rty.is_some_and(|t| t.is_float_type()) && lane_of_vector(x)) => {
                        let n = if inst.get_opcode() == O::SIToFP { "sitofp" } else { "uitofp" };
                        (n.into(), vec![rty.unwrap(), x.get_type()], 1, true)
                    }
                    O::FPToSI | O::FPToUI if xn || (xf && partial.is_some()) => {
                        let n = if inst.get_opcode() == O::FPToSI { "fptosi" } else { "fptoui" };
                        (n.into(), vec![rty.unwrap(), x.get_type()], 1, false)
                    }
                    O::FPTrunc if rn || (xf && partial.is_some()) => ("fptrunc".into(), vec![rty.unwrap(), x.get_type()], 1, true),
                    O::FPExt if xf && partial.is_some() => ("fpext".into(), vec![rty.unwrap(), x.get_type()], 1, false),
                    // LLVM's own NaN tests (`fcmp uno`) vectorised with the lanes: CMPUNORDPS
                    // raises Invalid for a signalling NaN in an undefined lane.
                    O::FCmp if xn || (xf && partial.is_some()) => {
                        let Some(p) = inst.get_fcmp_predicate() else { continue };
                        let Some(pred) = fcmp_predicate_name(p) else { continue };
                        let decl = intr("llvm.experimental.constrained.fcmp", &[x.get_type()])?;
                        let (Some(x), Some(y)) = (op(0), op(1)) else { continue };
                        b.position_before(&inst);
                        let (x, y) = match partial {
                            Some(m) => (read_lanes_only(&b, i32t, x, m)?, read_lanes_only(&b, i32t, y, m)?),
                            None => (x, y),
                        };
                        let pm: BasicMetadataValueEnum<'ctx> = ctx.metadata_string(pred).into();
                        let c = b.build_call(decl, &[x.into(), y.into(), pm, es], "")?;
                        let Some(ci) = c.try_as_basic_value().basic().and_then(|v| v.as_instruction_value()) else { continue };
                        inst.replace_all_uses_with(&ci);
                        inst.erase_from_basic_block();
                        continue;
                    }
                    O::Call if rn || (rf && partial.is_some()) => {
                        let Ok(cs) = CallSiteValue::try_from(inst) else { continue };
                        let Some(callee) = cs.get_called_fn_value() else { continue };
                        let full = callee.get_name().to_string_lossy().into_owned();
                        let base = full.strip_prefix("llvm.").and_then(|r| r.split('.').next()).unwrap_or("");
                        let (nargs, round) = match base {
                            "fma" | "fmuladd" => (3, true),
                            "sqrt" | "nearbyint" | "rint" => (1, true),
                            "minnum" | "maxnum" => (2, false),
                            // LLVM 19's x86 backend cannot select the constrained forms of these
                            // on 128-bit vectors (fp_groups keeps them from being vectorised).
                            "minimum" | "maximum" if partial.is_none() => (2, false),
                            "floor" | "ceil" | "trunc" | "roundeven" | "round" => (1, false),
                            _ => continue,
                        };
                        (base.into(), vec![rty.unwrap()], nargs, round)
                    }
                    _ => continue,
                };
                b.position_before(&inst);
                let mut args: Vec<BasicMetadataValueEnum<'ctx>> = vec![];
                for k in 0..nargs {
                    let Some(a) = op(k) else { return Err(BackendError::Llvm(format!("operand {k} of {name}"))) };
                    let a = match partial {
                        Some(m) => read_lanes_only(&b, i32t, a, m)?,
                        None => a,
                    };
                    args.push(a.into());
                }
                if round {
                    args.push(rd);
                }
                args.push(es);
                let decl = intr(&format!("llvm.experimental.constrained.{name}"), &tys)?;
                let c = b.build_call(decl, &args, "")?;
                let Some(cv) = c.try_as_basic_value().basic() else { continue };
                let Some(ci) = cv.as_instruction_value() else { continue };
                inst.replace_all_uses_with(&ci);
                inst.erase_from_basic_block();
            }
        }
    }
    Ok(())
}

/// `inst` (an FP arithmetic op or compare on vectors) computed on lane `k` alone: the scalar op
/// of the operands' lane k, put in lane k of an otherwise poison vector. None for other ops.
fn scalar_lane_op<'ctx>(b: &Builder<'ctx>, inst: inkwell::values::InstructionValue<'ctx>, k: u32) -> R<Option<inkwell::values::InstructionValue<'ctx>>> {
    use inkwell::values::InstructionOpcode as O;
    let opc = inst.get_opcode();
    if !matches!(opc, O::FAdd | O::FSub | O::FMul | O::FDiv | O::FCmp) {
        return Ok(None);
    }
    let (Some(BasicValueEnum::VectorValue(x)), Some(BasicValueEnum::VectorValue(y)), Ok(BasicTypeEnum::VectorType(rt))) = (
        inst.get_operand(0).and_then(|o| o.value()),
        inst.get_operand(1).and_then(|o| o.value()),
        BasicTypeEnum::try_from(inst.get_type()),
    ) else {
        return Ok(None);
    };
    b.position_before(&inst);
    let idx = x.get_type().get_context().i32_type().const_int(k as u64, false);
    let xs = b.build_extract_element(x, idx, "")?.into_float_value();
    let ys = b.build_extract_element(y, idx, "")?.into_float_value();
    let r: BasicValueEnum<'ctx> = match opc {
        O::FAdd => b.build_float_add(xs, ys, "")?.into(),
        O::FSub => b.build_float_sub(xs, ys, "")?.into(),
        O::FMul => b.build_float_mul(xs, ys, "")?.into(),
        O::FDiv => b.build_float_div(xs, ys, "")?.into(),
        _ => {
            let Some(p) = inst.get_fcmp_predicate() else { return Ok(None) };
            b.build_float_compare(p, xs, ys, "")?.into()
        }
    };
    let v = b.build_insert_element(rt.get_poison(), r, idx, "")?;
    Ok(v.as_instruction_value())
}

/// Lanes of a vector type (0 for anything else).
fn vector_lanes(t: BasicTypeEnum) -> u32 {
    match t {
        BasicTypeEnum::VectorType(v) => v.get_size(),
        _ => 0,
    }
}

/// The mask with a bit for each of `n` lanes (all lanes of a vector of more than 64 lanes: such
/// vectors are never tracked lane by lane).
fn all_lanes(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// `v` with every lane outside `read` (a lane mask, not empty) replaced by the first lane in it.
fn read_lanes_only<'ctx>(b: &Builder<'ctx>, i32t: IntType<'ctx>, v: BasicValueEnum<'ctx>, read: u64) -> R<BasicValueEnum<'ctx>> {
    let BasicValueEnum::VectorValue(v) = v else { return Ok(v) };
    let n = v.get_type().get_size();
    let first = read.trailing_zeros() as u64;
    let mask: Vec<IntValue<'ctx>> =
        (0..n as u64).map(|k| i32t.const_int(if k < 64 && read & (1 << k) != 0 { k } else { first }, false)).collect();
    let mask = inkwell::types::VectorType::const_vector(&mask);
    Ok(b.build_shuffle_vector(v, v.get_type().get_poison(), mask, "")?.into())
}

/// Is the integer `x` (the operand of a scalar conversion to FP) one lane of a vector, directly
/// or through a cast? Those are the conversions the x86 DAG may vectorise.
fn lane_of_vector(x: BasicValueEnum) -> bool {
    use inkwell::values::InstructionOpcode as O;
    let mut x = x;
    for _ in 0..4 {
        if x.get_type().is_vector_type() {
            return true;
        }
        let Some(i) = x.as_instruction_value() else { return false };
        match i.get_opcode() {
            O::ExtractElement => return true,
            O::Trunc | O::BitCast | O::ZExt | O::SExt | O::LShr | O::AShr | O::And => {
                let Some(s) = i.get_operand(0).and_then(|o| o.value()) else { return false };
                x = s;
            }
            _ => return false,
        }
    }
    false
}

/// The lanes of each vector-typed instruction of `f` that some user reads (bit i = lane i),
/// for vectors of at most 64 lanes: a backward data-flow analysis to the least fixed point
/// (liveness per lane). A user the analysis does not model reads every lane, so a lane left out
/// is certainly unread. Lane-wise users (arithmetic, compares, casts of the same lane count,
/// selects, phis, lane-wise intrinsics) read the lanes of their own result that are read;
/// `extractelement` with a constant index reads one; `shufflevector` the lanes its mask takes
/// into read lanes; `insertelement` at a constant index all read lanes but that one; a bitcast
/// to a vector of another lane count maps lanes by their bits.
fn demanded_lanes<'ctx>(f: FunctionValue<'ctx>) -> HashMap<inkwell::values::InstructionValue<'ctx>, u64> {
    use inkwell::values::{AsValueRef, InstructionOpcode as O, InstructionValue};
    let lanes_of = |t: inkwell::types::AnyTypeEnum<'ctx>| match t {
        inkwell::types::AnyTypeEnum::VectorType(v) if v.get_size() <= 64 => v.get_size(),
        _ => 0,
    };
    let mut vecs: Vec<InstructionValue<'ctx>> = vec![];
    for bb in f.get_basic_blocks() {
        let mut next = bb.get_first_instruction();
        while let Some(i) = next {
            next = i.get_next_instruction();
            if lanes_of(i.get_type()) > 0 {
                vecs.push(i);
            }
        }
    }
    let mut dem: HashMap<InstructionValue<'ctx>, u64> = vecs.iter().map(|&i| (i, 0)).collect();
    let const_index = |u: InstructionValue<'ctx>, k: u32| -> Option<u64> {
        match u.get_operand(k).and_then(|o| o.value()) {
            Some(BasicValueEnum::IntValue(c)) if c.is_const() => c.get_zero_extended_constant(),
            _ => None,
        }
    };
    // What user `u` reads of `v` (a vector of `n` lanes), given the read lanes of u's result.
    let read_by = |dem: &HashMap<InstructionValue<'ctx>, u64>, u: InstructionValue<'ctx>, v: InstructionValue<'ctx>, n: u32| -> u64 {
        let all = all_lanes(n);
        let is = |k: u32| u.get_operand(k).and_then(|o| o.value()).and_then(|x| x.as_instruction_value()) == Some(v);
        let un = lanes_of(u.get_type());
        let du = dem.get(&u).copied().unwrap_or(all_lanes(un.max(1)));
        match u.get_opcode() {
            O::ExtractElement => match const_index(u, 1) {
                Some(k) if k < n as u64 && !is(1) => 1 << k,
                _ => all,
            },
            O::InsertElement if un == n && !is(1) && !is(2) => match const_index(u, 2) {
                Some(k) if k < n as u64 => du & !(1 << k),
                _ => du,
            },
            O::ShuffleVector if un > 0 => {
                // SAFETY: `u` is a shufflevector instruction, whose mask these two calls read.
                let len = unsafe { inkwell::llvm_sys::core::LLVMGetNumMaskElements(u.as_value_ref()) };
                let mut r = 0;
                for k in 0..len {
                    if k >= 64 || du & (1 << k) == 0 {
                        continue;
                    }
                    let m = unsafe { inkwell::llvm_sys::core::LLVMGetMaskValue(u.as_value_ref(), k) };
                    if m < 0 {
                        continue;
                    }
                    let m = m as u32;
                    if m < n && is(0) {
                        r |= 1 << m;
                    }
                    if m >= n && m < 2 * n && is(1) {
                        r |= 1 << (m - n);
                    }
                }
                r
            }
            O::BitCast if un > 0 && un != n => {
                if un % n != 0 && n % un != 0 {
                    return all;
                }
                let mut r = 0;
                for k in 0..un.max(n) {
                    // Lane k of the finer vector lies in lane k / ratio of the coarser.
                    let (ul, vl) = if un > n { (k, k / (un / n)) } else { (k / (n / un), k) };
                    if du & (1 << ul) != 0 {
                        r |= 1 << vl;
                    }
                }
                r
            }
            // An AND with a constant: lanes it clears are not read.
            O::And if un == n => {
                let c = (0..2).find(|&k| !is(k)).and_then(|k| u.get_operand(k)).and_then(|o| o.value());
                match c {
                    Some(BasicValueEnum::VectorValue(c)) if c.is_const() => {
                        // SAFETY: `c` is a constant; the element is null when it is not known.
                        let zero = |k: u32| unsafe {
                            let e = inkwell::llvm_sys::core::LLVMGetAggregateElement(c.as_value_ref(), k);
                            !e.is_null() && inkwell::llvm_sys::core::LLVMIsNull(e) != 0
                        };
                        (0..n).filter(|&k| du & (1 << k) != 0 && !zero(k)).fold(0, |r, k| r | 1 << k)
                    }
                    _ => du,
                }
            }
            O::FAdd | O::FSub | O::FMul | O::FDiv | O::FRem | O::FNeg | O::FCmp | O::ICmp | O::Add | O::Sub | O::Mul | O::UDiv | O::SDiv
            | O::URem | O::SRem | O::Shl | O::LShr | O::AShr | O::And | O::Or | O::Xor | O::SIToFP | O::UIToFP | O::FPToSI | O::FPToUI
            | O::FPTrunc | O::FPExt | O::Trunc | O::ZExt | O::SExt | O::BitCast | O::Select | O::Phi | O::Freeze
                if un == n =>
            {
                du
            }
            O::Call if un == n => {
                let Ok(cs) = inkwell::values::CallSiteValue::try_from(u) else { return all };
                let Some(callee) = cs.get_called_fn_value() else { return all };
                let name = callee.get_name().to_string_lossy();
                let base = name.strip_prefix("llvm.").and_then(|r| r.split('.').next()).unwrap_or("");
                let lanewise = matches!(
                    base,
                    "fma" | "fmuladd" | "sqrt" | "fabs" | "copysign" | "minnum" | "maxnum" | "minimum" | "maximum" | "floor" | "ceil"
                        | "trunc" | "rint" | "nearbyint" | "round" | "roundeven" | "smin" | "smax" | "umin" | "umax" | "abs"
                );
                if lanewise {
                    du
                } else {
                    all
                }
            }
            _ => all,
        }
    };
    // Backward order converges in one pass on code without loops; cap the passes, and give up
    // (nothing is rewritten) if the fixed point was not reached.
    for _ in 0..32 {
        let mut changed = false;
        for &v in vecs.iter().rev() {
            let n = lanes_of(v.get_type());
            let mut r = 0;
            let mut u = v.get_first_use();
            while let Some(x) = u {
                u = x.get_next_use();
                let user = match x.get_user() {
                    inkwell::values::AnyValueEnum::InstructionValue(ui) => Some(ui),
                    other => BasicValueEnum::try_from(other).ok().and_then(|b| b.as_instruction_value()),
                };
                r |= match user {
                    Some(ui) => read_by(&dem, ui, v, n),
                    None => all_lanes(n),
                };
            }
            if dem[&v] != r {
                dem.insert(v, r);
                changed = true;
            }
        }
        if !changed {
            return dem;
        }
    }
    HashMap::new()
}

/// The predicate operand of `llvm.experimental.constrained.fcmp` (None for true/false).
fn fcmp_predicate_name(p: FloatPredicate) -> Option<&'static str> {
    use FloatPredicate as P;
    Some(match p {
        P::OEQ => "oeq",
        P::OGT => "ogt",
        P::OGE => "oge",
        P::OLT => "olt",
        P::OLE => "ole",
        P::ONE => "one",
        P::ORD => "ord",
        P::UNO => "uno",
        P::UEQ => "ueq",
        P::UGT => "ugt",
        P::UGE => "uge",
        P::ULT => "ult",
        P::ULE => "ule",
        P::UNE => "une",
        _ => return None,
    })
}

pub fn init_targets() {
    Target::initialize_x86(&InitializationConfig::default());
}

pub fn target_machine(opts: &Options) -> R<TargetMachine> {
    let triple = TargetTriple::create("x86_64-unknown-linux-gnu");
    let target = Target::from_triple(&triple).map_err(|e| BackendError::Llvm(e.to_string()))?;
    let level = match opts.opt_level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    };
    target
        .create_target_machine(&triple, &opts.target_cpu, FEATURES, level, RelocMode::PIC, CodeModel::Small)
        .ok_or_else(|| BackendError::Llvm(format!("cannot create a target machine for CPU {}", opts.target_cpu)))
}

/// Target features added to every `--target-cpu`: `cx16` makes an I128 cmpxchg (STXP/CASP of X
/// pairs) a `lock cmpxchg16b` instead of a call to libatomic's `__atomic_compare_exchange_16`
/// (which is not linked, and would not be lock-free). Every x86-64 CPU since 2006 has it; the
/// runtime checks it at start-up.
pub const FEATURES: &str = "+cx16";

/// Is `cpu` a CPU name LLVM's x86 backend knows?
pub fn cpu_is_known(cpu: &str) -> bool {
    init_targets();
    let triple = TargetTriple::create("x86_64-unknown-linux-gnu");
    let Ok(target) = Target::from_triple(&triple) else { return false };
    let Some(tm) = target.create_target_machine(&triple, cpu, "", OptimizationLevel::None, RelocMode::PIC, CodeModel::Small)
    else {
        return false;
    };
    // LLVM accepts unknown names with a warning; check the name round-trips.
    tm.get_cpu().to_string_lossy() == cpu
}

/// Functions with more IR instructions than this are optimised at -O1 at most.
pub const HUGE_FUNCTION: usize = 6000;
/// Huge functions whose indirect jumps add more control-flow edges than this (each `jump.ind`
/// reaches every entry: `Function::indirect_jump_edges`) get -O0 machine code (fast
/// instruction selection and register allocation): on such a dense CFG LLVM's greedy allocator
/// takes minutes (glibc's `__vfprintf_internal`, 1,470 edges: 290 s against 36 s). Other huge
/// functions keep the greedy allocator: -O0 machine code spills every value live across blocks
/// (glibc's `_int_malloc`, 7,524 instructions and no indirect jump: benches/malloc ran 221M
/// instructions with it, 134M without; docs/performance.md).
pub const DENSE_CFG_EDGES: usize = 1000;
/// Beyond this size every function gets -O0 machine code, whatever its CFG.
pub const GIANT_FUNCTION: usize = 40000;

/// Does `f` get -O0 machine code (fast register allocation) at -O2 and above?
pub fn fast_codegen(f: &Function) -> bool {
    let n = f.op_count();
    n > GIANT_FUNCTION || (n > HUGE_FUNCTION && f.indirect_jump_edges() > DENSE_CFG_EDGES)
}

thread_local! {
    /// One LLVM context per worker thread (a context is not thread-safe; creating one per
    /// function would repeat the type and intrinsic set-up). Each function still gets its own
    /// module, dropped after emission, so what a context accumulates is only uniqued types and
    /// constants. Output does not depend on which functions a context saw before: the
    /// translator's tests check byte-identical output for -j1, -j2 and -j3.
    static CONTEXT: Context = Context::create();
    /// A worker's -O0 target machine for huge functions, made on first use: (CPU, machine).
    static FAST_TM: std::cell::RefCell<Option<(String, TargetMachine)>> = const { std::cell::RefCell::new(None) };
}

/// Thread CPU time of the phases of one LLVM compilation (`--time-report`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseTimes {
    /// Building the LLVM IR from ours and verifying it.
    pub build: std::time::Duration,
    /// The IR optimisation pipeline (`default<On>`) and the FP-lane fix-up after it.
    pub opt: std::time::Duration,
    /// Instruction selection, register allocation and object emission.
    pub codegen: std::time::Duration,
}

thread_local! {
    static LAST_TIMES: std::cell::Cell<PhaseTimes> = const {
        std::cell::Cell::new(PhaseTimes { build: std::time::Duration::ZERO, opt: std::time::Duration::ZERO, codegen: std::time::Duration::ZERO })
    };
}

/// The phase times of the last compilation on this thread.
pub fn last_phase_times() -> PhaseTimes {
    LAST_TIMES.with(|c| c.get())
}

/// How much work LLVM puts into a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    /// The `-O` level (with the size limits of `HUGE_FUNCTION` and `fast_codegen`).
    Full,
    /// At most -O1 IR optimisation and -O0 machine code (fast instruction selection and register
    /// allocation): for functions that must be in LLVM but do not look hot (`tier::Backend::LlvmCold`).
    Cold,
}

/// Compile one function to an object file in memory. `key` names its symbols.
pub fn compile(f: &Function, key: &str, opts: &Options, tm: &TargetMachine) -> R<Vec<u8>> {
    CONTEXT.with(|ctx| compile_in(ctx, f, key, opts, tm, FileType::Object, Effort::Full))
}

/// `compile` with the given effort.
pub fn compile_with(f: &Function, key: &str, opts: &Options, tm: &TargetMachine, effort: Effort) -> R<Vec<u8>> {
    CONTEXT.with(|ctx| compile_in(ctx, f, key, opts, tm, FileType::Object, effort))
}

/// Optimised x86-64 assembly of a function (for tests that check instruction selection).
pub fn compile_asm(f: &Function, key: &str, opts: &Options, tm: &TargetMachine) -> R<String> {
    let a = CONTEXT.with(|ctx| compile_in(ctx, f, key, opts, tm, FileType::Assembly, Effort::Full))?;
    Ok(String::from_utf8_lossy(&a).into_owned())
}

fn compile_in(ctx: &Context, f: &Function, key: &str, opts: &Options, tm: &TargetMachine, ft: FileType, effort: Effort) -> R<Vec<u8>> {
    let t0 = crate::timing::thread_cpu();
    LAST_TIMES.with(|c| c.set(PhaseTimes::default()));
    let module = ctx.create_module(key);
    module.set_triple(&tm.get_triple());
    module.set_data_layout(&tm.get_target_data().get_data_layout());
    {
        let mut g = Gen::new(ctx, &module, f, key)?;
        g.emit()?;
        g.di.finalize();
    }
    if let Err(e) = module.verify() {
        return Err(BackendError::Llvm(format!("invalid LLVM IR for {}: {}", f.name, e.to_string())));
    }
    // Tiering: LLVM's -O2 pipeline is superlinear on huge functions (glibc's printf internals
    // take 40+ s each); those get -O1, which still promotes guest registers to SSA. Those of
    // them with a dense CFG also get -O0 machine code (`fast_codegen`): the greedy register
    // allocator was most of what remained (vfwprintf: 97 s -> 13 s, docs/performance.md).
    // `Effort::Cold` (tail-call chains `auto` must keep out of Cranelift but that do not look
    // hot) gets both: -O1 and -O0 machine code.
    let t1 = crate::timing::thread_cpu();
    let cold = effort == Effort::Cold && opts.opt_level >= 1;
    let huge = opts.opt_level >= 2 && f.op_count() > HUGE_FUNCTION;
    let fast = (opts.opt_level >= 2 && fast_codegen(f)) || cold;
    let level = if huge || cold { 1 } else { opts.opt_level };
    let passes = match level {
        0 => "default<O0>",
        1 => "default<O1>",
        2 => "default<O2>",
        _ => "default<O3>",
    };
    module
        .run_passes(passes, tm, PassBuilderOptions::create())
        .map_err(|e| BackendError::Llvm(e.to_string()))?;
    inline_nan_variants(ctx, &module, tm)?;
    strict_undefined_fp_lanes(ctx, &module)?;
    let t2 = crate::timing::thread_cpu();
    let buf = if fast {
        FAST_TM.with(|cell| -> R<_> {
            let mut cell = cell.borrow_mut();
            if cell.as_ref().map(|(cpu, _)| cpu != &opts.target_cpu).unwrap_or(true) {
                let o = Options { opt_level: 0, target_cpu: opts.target_cpu.clone() };
                *cell = Some((opts.target_cpu.clone(), target_machine(&o)?));
            }
            let fast = &cell.as_ref().unwrap().1;
            fast.write_to_memory_buffer(&module, ft).map_err(|e| BackendError::Llvm(e.to_string()))
        })?
    } else {
        tm.write_to_memory_buffer(&module, ft).map_err(|e| BackendError::Llvm(e.to_string()))?
    };
    let t3 = crate::timing::thread_cpu();
    LAST_TIMES.with(|c| c.set(PhaseTimes { build: t1.saturating_sub(t0), opt: t2.saturating_sub(t1), codegen: t3.saturating_sub(t2) }));
    Ok(buf.as_slice().to_vec())
}

/// LLVM IR text of a function (for `--emit-llvm` and tests), unoptimised.
pub fn llvm_text(f: &Function, key: &str) -> R<String> {
    let ctx = Context::create();
    let module = ctx.create_module(key);
    {
        let mut g = Gen::new(&ctx, &module, f, key)?;
        g.emit()?;
        g.di.finalize();
    }
    Ok(module.print_to_string().to_string())
}

/// Registers the backend stores to `CpuState` at every write (the SP, see `Op::SetReg`): never
/// dirty for ir::dirty.
const WRITE_THROUGH: u128 = 1u128 << Reg::SP.0;

struct Gen<'a, 'ctx> {
    ctx: &'ctx Context,
    module: &'a Module<'ctx>,
    b: Builder<'ctx>,
    f: &'a Function,
    key: &'a str,
    /// The function's body: its direct entry `aot_d_<key>` (type `d_ty`); `aot_f_<key>`
    /// (`fn_ty`, the full-state entry) loads `DIRECT_REGS` and calls it (`emit_full_entry`).
    func: FunctionValue<'ctx>,
    fn_ty: FunctionType<'ctx>,
    d_ty: FunctionType<'ctx>,
    st: PointerValue<'ctx>,
    /// Alloca per used guest register.
    regs: HashMap<u8, PointerValue<'ctx>>,
    /// Registers the function writes (stored back at sync points).
    written: Vec<Reg>,
    used: Vec<Reg>,
    blocks: Vec<BasicBlock<'ctx>>,
    vals: Vec<Option<BasicValueEnum<'ctx>>>,
    /// Guest registers live at the start of each IR block (ir::safepoint::live_in), for the
    /// write-back at safe points; the IR block being lowered.
    live_in: Vec<u128>,
    cur_block: usize,
    /// Registers possibly dirty (host value != `CpuState` slot) at the start of each IR block
    /// (ir::dirty), and at the point being lowered: sync points store only those.
    dirty_info: ir::dirty::Dirty,
    dirty: std::cell::Cell<u128>,
    di: DebugInfoBuilder<'ctx>,
    subprogram: DISubprogram<'ctx>,
    /// Translation-time constants (ir::consts): FP ops on them are lowered with constrained
    /// intrinsics so LLVM does not fold them in round-to-nearest and drop their exceptions.
    known: Vec<bool>,
    /// The function reads or writes FPSR or writes FPCR (Helper::SyncFpsr/WriteFpcr): every FP
    /// op that can raise or round is lowered with constrained intrinsics (strict exceptions,
    /// dynamic rounding), so LLVM neither deletes, speculates nor moves it across those points.
    fp_env_strict: bool,
    /// NaN-tested FP ops lowered together (fp_groups): the role of each IR instruction; the IR
    /// instruction being lowered; the members lowered so far in the open group.
    fp_role: Vec<FpRole>,
    /// Booleans that are one float compare (fcmp_masks): lowered as one host compare.
    fcmp_mask: Vec<Option<FcmpMask>>,
    /// Signalling compares whose IOC raise is left to COMISD (ioc_raises).
    ioc: Vec<IocRaise>,
    /// Loads whose value only goes to S/D registers (fp_loads): loaded as floats.
    fp_load: Vec<bool>,
    cur_inst: std::cell::Cell<Value>,
    fp_pending: std::cell::RefCell<Vec<PendingNan<'ctx>>>,
    /// Chains of scalar FP ops sharing one NaN test (fp_chains): the role of each IR
    /// instruction, the chains, and the chain (index) closed by each one's last member.
    chain_role: Vec<ChainRole>,
    chains: Vec<FpChain>,
    /// Per IR block: NaN fix-ups lowered as selects, without a branch (`branch_free_blocks`).
    branch_free: Vec<bool>,
    /// Per IR block: FP arithmetic's NaN fix-ups as calls with vector variants (`vv_blocks`).
    vv: Vec<bool>,
    chain_end: HashMap<Value, usize>,
    /// Register pairs copied 16 bytes at a time (`copy_pairs`): the pairs, one `<2 x i64>`
    /// alloca per pair holding (first, second) and kept equal to the two registers' allocas
    /// (every store to those also inserts into it), and the paired accesses.
    copy: CopyPairs,
    pair_slot: std::collections::BTreeMap<(u8, u8), PointerValue<'ctx>>,
    pair_lo: HashMap<Value, BasicValueEnum<'ctx>>,
}

/// A member of an open group of NaN-tested FP ops (fp_groups): its IR value, host result, the
/// condition under which Arm's NaN must be chosen, and how.
struct PendingNan<'ctx> {
    v: Value,
    r: FloatValue<'ctx>,
    cond: IntValue<'ctx>,
    fix: NanFix,
}

#[derive(Clone)]
enum NanFix {
    /// processed_nan over the operands (add, sub, mul, div, sqrt, round).
    Operands(Vec<Value>),
    /// FMADD's rule (arm_fma_nan).
    Fma(Vec<Value>),
}

/// A boolean that is a function of one float comparison of `x` with `y`: true for the outcomes
/// in `mask` (FCMP_LT, FCMP_EQ, FCMP_GT, FCMP_UN).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct FcmpMask {
    x: Value,
    y: Value,
    mask: u8,
}

const FCMP_LT: u8 = 1;
const FCMP_EQ: u8 = 2;
const FCMP_GT: u8 = 4;
const FCMP_UN: u8 = 8;

/// For each I1 value, whether it is a NOT/AND/OR/XOR combination of float compares of the same
/// two operands, as the set of outcomes for which it is true. FCMP sets N, Z, C and V from
/// three compares (less, equal, unordered: fp::fcmp_flags) and a condition code combines up to
/// three flags (LS is !C || Z = less || equal); the compares are constrained intrinsics, which
/// LLVM does not merge, so `fcmpe d4, d7; b.ls` was three UCOMISDs and a chain of SETcc. Lowered
/// as one compare with the predicate of the set (`ole` for LS), it is one UCOMISD and a branch.
/// Flags are followed through `setreg`/`getreg` inside a block (up to a helper, safe point or
/// crypto call, which may reload them).
fn fcmp_masks(f: &Function) -> Vec<Option<FcmpMask>> {
    let mut m: Vec<Option<FcmpMask>> = vec![None; f.insts.len()];
    for blk in &f.blocks {
        let mut last_set: HashMap<u64, Value> = HashMap::new();
        for &v in &blk.insts {
            let i = f.inst(v);
            let get = |x: Value| m[x.0 as usize];
            let r = match i.op {
                Op::FCmp => {
                    let mask = match FCond::from_u64(i.imm) {
                        Some(FCond::Oeq) => FCMP_EQ,
                        Some(FCond::Olt) => FCMP_LT,
                        Some(FCond::Ole) => FCMP_LT | FCMP_EQ,
                        Some(FCond::Ogt) => FCMP_GT,
                        Some(FCond::Oge) => FCMP_GT | FCMP_EQ,
                        Some(FCond::Uno) => FCMP_UN,
                        None => continue,
                    };
                    Some(FcmpMask { x: i.args[0], y: i.args[1], mask })
                }
                Op::SetReg => {
                    last_set.insert(i.imm, i.args[0]);
                    None
                }
                Op::GetReg if i.ty == Ty::I1 => last_set.get(&i.imm).and_then(|&x| get(x)),
                Op::Not if i.ty == Ty::I1 => get(i.args[0]).map(|c| FcmpMask { mask: c.mask ^ 15, ..c }),
                Op::And | Op::Or | Op::Xor if i.ty == Ty::I1 => match (get(i.args[0]), get(i.args[1])) {
                    (Some(p), Some(q)) if (p.x, p.y) == (q.x, q.y) => {
                        let mask = match i.op {
                            Op::And => p.mask & q.mask,
                            Op::Or => p.mask | q.mask,
                            _ => p.mask ^ q.mask,
                        };
                        Some(FcmpMask { mask, ..p })
                    }
                    _ => None,
                },
                Op::Helper | Op::SafePoint | Op::Crypto => {
                    last_set.clear();
                    None
                }
                _ => None,
            };
            m[v.0 as usize] = r;
        }
    }
    m
}

/// LDP/STP of two X registers that a counted loop copies (glibc's `__memcpy_generic`: `ldp x6,
/// x7, [x1, #16]` ... `stp x6, x7, [x3, #16]`, the pair carried across the back edge): each
/// pair of registers that some plain STP stores and some plain LDP loads gets a `<2 x i64>`
/// shadow of its two values, the LDP is one 16-byte load into it and the STP one 16-byte store
/// of it (docs/performance.md, "Where malloc loses"). LLVM folds the shadow's inserts of the
/// loaded halves back into the loaded vector, so the pair stays in an XMM register across the
/// loop; without the shadow the two halves are separate phis and the loop is 8 moves of 8 bytes
/// per 32 bytes. Plain accesses only (ir::counted::relax_affine): the relaxed (atomic) ones
/// keep their 8-byte single-copy atomicity as two accesses.
#[derive(Default)]
struct CopyPairs {
    /// First load of a paired LDP -> (second load, first register, second register).
    loads: HashMap<Value, (Value, u8, u8)>,
    /// First store of a paired STP -> (second store, first register, second register).
    stores: HashMap<Value, (Value, u8, u8)>,
}

fn copy_pairs(f: &Function) -> CopyPairs {
    let plain = Ordering::Plain as u64;
    let konst = |v: Value| {
        let i = f.inst(v);
        (i.op == Op::Const && i.ty == Ty::I64).then_some(i.imm)
    };
    // `a` as base + constant (a chain of 64-bit adds of constants).
    let split = |mut a: Value| {
        let mut k = 0u64;
        loop {
            let i = f.inst(a);
            if i.op != Op::Add || i.ty != Ty::I64 {
                return (a, k);
            }
            if let Some(c) = konst(i.args[1]) {
                (a, k) = (i.args[0], k.wrapping_add(c));
            } else if let Some(c) = konst(i.args[0]) {
                (a, k) = (i.args[1], k.wrapping_add(c));
            } else {
                return (a, k);
            }
        }
    };
    let access = |v: Value, op: Op| {
        let i = f.inst(v);
        let ok = i.op == op
            && i.imm == plain
            && match op {
                Op::Load => i.ty == Ty::I64,
                _ => f.inst(i.args[1]).ty == Ty::I64,
            };
        ok.then(|| split(i.args[0]))
    };
    let is_x = |r: u8| (r as usize) < 31;
    let mut loads = vec![];
    let mut stores = vec![];
    for blk in &f.blocks {
        let ins = &blk.insts;
        for k in 0..ins.len().saturating_sub(1) {
            let (v, w) = (ins[k], ins[k + 1]);
            // LDP: two adjacent loads, then the two SetRegs of their values (either order).
            if let (Some((b1, o1)), Some((b2, o2))) = (access(v, Op::Load), access(w, Op::Load)) {
                if b1 != b2 || o2 != o1.wrapping_add(8) || k + 3 >= ins.len() {
                    continue;
                }
                let set = |x: Value| {
                    let i = f.inst(x);
                    (i.op == Op::SetReg).then(|| (i.args[0], i.imm as u8))
                };
                let (Some(s1), Some(s2)) = (set(ins[k + 2]), set(ins[k + 3])) else { continue };
                let (ra, rb) = match (s1, s2) {
                    ((x, r1), (y, r2)) if x == v && y == w => (r1, r2),
                    ((x, r1), (y, r2)) if x == w && y == v => (r2, r1),
                    _ => continue,
                };
                if ra != rb && is_x(ra) && is_x(rb) {
                    loads.push((v, w, ra, rb));
                }
            }
            // STP: two adjacent stores of two GetRegs read with nothing but address arithmetic
            // (and other reads) between the reads and the stores, so the registers still hold
            // the stored values.
            if let (Some((b1, o1)), Some((b2, o2))) = (access(v, Op::Store), access(w, Op::Store)) {
                if b1 != b2 || o2 != o1.wrapping_add(8) {
                    continue;
                }
                let (x, y) = (f.inst(v).args[1], f.inst(w).args[1]);
                let (xi, yi) = (f.inst(x), f.inst(y));
                if xi.op != Op::GetReg || yi.op != Op::GetReg {
                    continue;
                }
                let (ra, rb) = (xi.imm as u8, yi.imm as u8);
                let (Some(px), Some(py)) = (ins.iter().position(|&u| u == x), ins.iter().position(|&u| u == y)) else {
                    continue;
                };
                let quiet = ins[px.min(py)..k].iter().all(|&u| matches!(f.inst(u).op, Op::Const | Op::Add | Op::GetReg | Op::Insn));
                if quiet && ra != rb && is_x(ra) && is_x(rb) {
                    stores.push((v, w, ra, rb));
                }
            }
        }
    }
    // Only pairs both loaded and stored as pairs.
    let both: std::collections::HashSet<(u8, u8)> = loads.iter().map(|l| (l.2, l.3)).collect();
    let both: std::collections::HashSet<(u8, u8)> = stores.iter().map(|s| (s.2, s.3)).filter(|p| both.contains(p)).collect();
    CopyPairs {
        loads: loads.into_iter().filter(|l| both.contains(&(l.2, l.3))).map(|(v, w, a, b)| (v, (w, a, b))).collect(),
        stores: stores.into_iter().filter(|s| both.contains(&(s.2, s.3))).map(|(v, w, a, b)| (v, (w, a, b))).collect(),
    }
}

/// How the IOC raise of a signalling compare (FCMPE, FCCMPE, FCMGE...: `fp::signal_unordered`,
/// an `fcmp uno x, y` whose only use is `select c, IOC, 0` ORed into FPSR) is lowered outside
/// `fp_env_strict` functions. x86's COMISD (a signalling compare) sets MXCSR.IE for any NaN
/// operand, quiet or signalling, exactly Arm's Invalid Operation rule for signalling compares,
/// and FPSR's cumulative flags are FPSR | the flags accumulated in MXCSR wherever FPSR is read
/// (`cpu::fpsr_flags_from_mxcsr`, Helper::SyncFpsr). So the IR's explicit test (`xorl;
/// vucomisd; setp; orl` on the hot path) can become one COMISD, which raises the flag itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum IocRaise {
    /// Lowered as the IR says.
    Ir,
    /// The `select`: lowered as 0 (the flag comes from MXCSR).
    Dropped,
    /// The `fcmp uno`: a standalone strict `constrained.fcmps` (COMISD) whose result is unused.
    Comis,
    /// The `fcmp uno`: no code; the block's branch condition (a merged compare of the same
    /// operands, fcmp_masks) is lowered as the strict `constrained.fcmps` instead.
    InBranch,
    /// The block's branch condition that carries the IOC raise (see InBranch).
    Branch,
}

fn ioc_raises(f: &Function, masks: &[Option<FcmpMask>], fp_env_strict: bool) -> Vec<IocRaise> {
    let mut r = vec![IocRaise::Ir; f.insts.len()];
    if fp_env_strict {
        return r;
    }
    let mut uses = vec![0u32; f.insts.len()];
    for i in &f.insts {
        for a in &i.args {
            uses[a.0 as usize] += 1;
        }
    }
    for blk in &f.blocks {
        for u in blk.term.uses() {
            uses[u.0 as usize] += 1;
        }
    }
    let is_const = |v: Value, c: u64| {
        let i = f.inst(v);
        i.op == Op::Const && i.imm == c && i.imm2 == 0
    };
    for blk in &f.blocks {
        // The branch condition: one merged compare (as `Gen::merged_fcmp` lowers it), defined
        // in this block.
        let branch = match blk.term {
            Term::BrIf { cond, .. } if blk.insts.contains(&cond) && matches!(f.inst(cond).op, Op::Not | Op::And | Op::Or | Op::Xor) => {
                masks[cond.0 as usize].filter(|m| m.mask != 0 && m.mask != 15).map(|m| (cond, m))
            }
            _ => None,
        };
        // Operand pairs of scalar FCMP(E)s: N is set from `fcmp olt x, y` (fp::fcmp_nzcv). The
        // NEON compares (FCMGE...) raise IOC per lane the same way, but a strict COMISD per lane
        // would keep their lanes from being one host vector compare.
        let scalar: Vec<(Value, Value)> = blk
            .insts
            .iter()
            .map(|&w| f.inst(w))
            .filter(|w| w.op == Op::SetReg && Reg(w.imm as u8) == Reg::N)
            .map(|w| f.inst(w.args[0]))
            .filter(|c| c.op == Op::FCmp && FCond::from_u64(c.imm) == Some(FCond::Olt))
            .map(|c| (c.args[0], c.args[1]))
            .collect();
        for &v in &blk.insts {
            let i = f.inst(v);
            if i.op != Op::Select || !is_const(i.args[1], aot_lifter::isa::aarch64::fp::FPSR_IOC as u64) || !is_const(i.args[2], 0) {
                continue;
            }
            // The select's only use is `or FPSR, sel`, whose only use is the FPSR write.
            let ors: Vec<Value> = blk.insts.iter().copied().filter(|&o| f.inst(o).op == Op::Or && f.inst(o).args.contains(&v)).collect();
            let [o] = ors[..] else { continue };
            let to_fpsr = blk.insts.iter().any(|&w| f.inst(w).op == Op::SetReg && Reg(f.inst(w).imm as u8) == Reg::FPSR && f.inst(w).args == [o]);
            if uses[v.0 as usize] != 1 || uses[o.0 as usize] != 1 || !to_fpsr {
                continue;
            }
            let u = i.args[0];
            let ui = f.inst(u);
            if ui.op != Op::FCmp
                || FCond::from_u64(ui.imm) != Some(FCond::Uno)
                || uses[u.0 as usize] != 1
                || !blk.insts.contains(&u)
                || !scalar.contains(&(ui.args[0], ui.args[1]))
            {
                continue;
            }
            r[v.0 as usize] = IocRaise::Dropped;
            match branch {
                Some((c, m)) if (m.x, m.y) == (ui.args[0], ui.args[1]) && r[c.0 as usize] == IocRaise::Ir => {
                    r[u.0 as usize] = IocRaise::InBranch;
                    r[c.0 as usize] = IocRaise::Branch;
                }
                _ => r[u.0 as usize] = IocRaise::Comis,
            }
        }
    }
    r
}

/// Loads of 32 or 64 bits whose every use writes them to a V register (`ldr s`/`ldr d`: a zext
/// to 128 bits) or reads them as a float. LLVM folds the S/D read of such a register into a
/// bitcast of the loaded integer placed where the FP op is; when a NaN test's branch separates
/// the load from that op, instruction selection (one block at a time) could not make it an XMM
/// load, and the value went through a general-purpose register (`mov (mem), %r; vmovq %r, %xmm`:
/// matmul's and spectral's inner loops). Loaded as a float, it is an XMM load wherever it is used.
fn fp_loads(f: &Function) -> Vec<bool> {
    let mut fp = vec![false; f.insts.len()];
    for (k, i) in f.insts.iter().enumerate() {
        fp[k] = i.op == Op::Load && matches!(i.ty, Ty::I32 | Ty::I64);
    }
    let mut used = vec![false; f.insts.len()];
    for i in &f.insts {
        let float_use = (i.op == Op::Zext && i.ty == Ty::I128) || (i.op == Op::Bitcast && i.ty.is_float());
        for a in &i.args {
            used[a.0 as usize] = true;
            if !float_use {
                fp[a.0 as usize] = false;
            }
        }
    }
    for (k, u) in used.iter().enumerate() {
        fp[k] &= u;
    }
    fp
}

thread_local! {
    /// NaN fix-ups as selects in counted loops (`branch_free_blocks`): off. With them LLVM
    /// vectorises matmul's inner loop (-20 % instructions), but the packed selects made the
    /// loop 1.5x slower in user time; without them the counted loop (no poll, plain accesses)
    /// is 21 % faster than before (docs/performance.md "What was tried"). On only for the
    /// tests of this path ([`with_nan_selects`]).
    static NAN_SELECTS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with NaN fix-ups lowered as selects in counted loops on this thread.
pub fn with_nan_selects<T>(f: impl FnOnce() -> T) -> T {
    NAN_SELECTS.with(|c| c.set(true));
    let r = f();
    NAN_SELECTS.with(|c| c.set(false));
    r
}

/// The bodies of the loops LLVM's loop vectorizer may take: counted loops (ir::counted) that
/// carry no V register from one iteration to the next (live at the header and written inside:
/// an FP reduction such as spectral's `s += A(i, j) * v[j]`, which LLVM does not vectorise
/// without reassociation).
fn vectorisable_loops(f: &Function) -> Vec<Vec<bool>> {
    let loops: Vec<_> = ir::counted::loops(f).into_iter().filter(|l| l.counted).collect();
    if loops.is_empty() {
        return vec![];
    }
    let live = ir::safepoint::live_in(f);
    const V: u128 = ((1u128 << 32) - 1) << 64;
    let mut out = vec![];
    for l in loops {
        let mut written = 0u128;
        for (b, _) in l.body.iter().enumerate().filter(|(_, &inside)| inside) {
            for &v in &f.blocks[b].insts {
                let i = f.inst(v);
                if i.op == Op::SetReg {
                    written |= 1u128 << (i.imm & 127);
                }
            }
        }
        if live[l.header] & written & V == 0 {
            out.push(l.body);
        }
    }
    out
}

/// Blocks whose NaN fix-ups are selects instead of a branch to a cold block (only with
/// NAN_SELECTS, for tests): those of vectorisable loops, which the vectorizer needs
/// branch-free (if-convertible). The selection is the same, computed on every iteration (a few
/// bit tests and blends per FP op, vectorised with the loop); the results are bit-exact alike.
/// Not in functions with the strict FP environment (its fix-up calls the runtime). In the
/// reductions `vectorisable_loops` leaves out the selects only cost (spectral 19.6M -> 65.7M
/// instructions), while one chain test and a cold block cost little.
fn branch_free_blocks(f: &Function, strict: bool) -> Vec<bool> {
    let mut free = vec![false; f.blocks.len()];
    if strict || !NAN_SELECTS.with(|c| c.get()) {
        return free;
    }
    for body in vectorisable_loops(f) {
        for (b, &inside) in body.iter().enumerate() {
            free[b] |= inside;
        }
    }
    free
}

/// Blocks whose FP arithmetic gets its Arm NaN from a call with vector variants
/// (`Gen::nan_vv_call`): the bodies of vectorisable loops whose every NaN-processing op
/// (ir::fpnan::obeys_dn) is a scalar FADD/FSUB/FMUL/FDIV/FSQRT/FMA of F32 or F64 on values not
/// all known at translation time (matmul's `c[j] += a * b[j]`). The loop vectorizer can widen
/// such a call; with a branch in the body it cannot widen the loop at all. Other ops (FMIN,
/// rounding, conversions, NEON lane groups) keep the whole loop on the scalar path and its
/// chain tests. Not in functions with the strict FP environment.
fn vv_blocks(f: &Function, strict: bool, roles: &[FpRole], known: &[bool]) -> Vec<bool> {
    let mut vv = vec![false; f.blocks.len()];
    let arith = |op: Op| matches!(op, Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FMa);
    // Most functions have no FP arithmetic: no loop analysis for them.
    if strict || NAN_SELECTS.with(|c| c.get()) || !f.insts.iter().any(|i| arith(i.op)) {
        return vv;
    }
    for body in vectorisable_loops(f) {
        let mut widened = 0;
        let mut other = false;
        for (b, _) in body.iter().enumerate().filter(|(_, &inside)| inside) {
            for &v in &f.blocks[b].insts {
                let i = f.inst(v);
                if !ir::fpnan::obeys_dn(i.op) {
                    continue;
                }
                if arith(i.op)
                    && matches!(i.ty, Ty::F32 | Ty::F64)
                    && roles[v.0 as usize] == FpRole::Normal
                    && !i.args.iter().all(|a| known[a.0 as usize])
                {
                    widened += 1;
                } else {
                    other = true;
                }
            }
        }
        if widened > 0 && !other {
            for (b, &inside) in body.iter().enumerate() {
                vv[b] |= inside;
            }
        }
    }
    vv
}

/// After the optimisation pipeline: inline what is left of the NaN helpers of
/// `Gen::nan_vv_call` (the scalar function where the vectorizer did not widen a call, and the
/// vectorizer's widened variants), so every use is a test and an unlikely branch as elsewhere,
/// and drop the helpers. They stay `noinline` (the scalar) and unused (the variants) until then:
/// inlined before the vectorizer, the scalar's branch would keep the loop scalar.
fn inline_nan_variants(ctx: &Context, module: &Module, tm: &TargetMachine) -> R<()> {
    let mut any = false;
    let noinline = inkwell::attributes::Attribute::get_named_enum_kind_id("noinline");
    let always = inkwell::attributes::Attribute::get_named_enum_kind_id("alwaysinline");
    let mut f = module.get_first_function();
    while let Some(func) = f {
        f = func.get_next_function();
        let name = func.get_name().to_string_lossy().into_owned();
        if !name.starts_with(NAN_VV_PREFIX) || func.count_basic_blocks() == 0 {
            continue;
        }
        any = true;
        func.remove_enum_attribute(AttributeLoc::Function, noinline);
        if func.get_enum_attribute(AttributeLoc::Function, always).is_none() {
            func.add_attribute(AttributeLoc::Function, ctx.create_enum_attribute(always, 0));
        }
        func.set_linkage(Linkage::Internal);
        func.as_global_value().set_visibility(inkwell::GlobalVisibility::Default);
    }
    if any {
        module
            .run_passes("always-inline,globaldce,function(simplifycfg,instcombine)", tm, PassBuilderOptions::create())
            .map_err(|e| BackendError::Llvm(e.to_string()))?;
    }
    Ok(())
}

/// Whether `x * y` is an infinity times a zero (either way round), as an i1; `ity` the
/// same-width integer type of `x`'s float type `t`.
fn inf_times_zero<'ctx>(b: &Builder<'ctx>, x: FloatValue<'ctx>, y: FloatValue<'ctx>, t: Ty, ity: IntType<'ctx>) -> R<IntValue<'ctx>> {
    // all bits but the sign
    let abs_mask = ity.const_int(u64::MAX >> (65 - ity.get_bit_width()), false);
    let abs = |v: FloatValue<'ctx>| -> R<IntValue<'ctx>> { Ok(b.build_and(b.build_bit_cast(v, ity, "")?.into_int_value(), abs_mask, "")?) };
    let inf = ity.const_int(fpnan::inf_bits(t) as u64, false);
    let (ax, ay) = (abs(x)?, abs(y)?);
    let is = |v, k| b.build_int_compare(IntPredicate::EQ, v, k, "");
    Ok(b.build_or(
        b.build_and(is(ax, inf)?, is(ay, ity.const_zero())?, "")?,
        b.build_and(is(ax, ity.const_zero())?, is(ay, inf)?, "")?,
        "",
    )?)
}

/// Name prefix of the NaN helpers of `Gen::nan_vv_call`.
const NAN_VV_PREFIX: &str = "aot_nan2_";

/// The block of each instruction (`None`: in no block).
fn block_of_insts(f: &Function) -> Vec<Option<usize>> {
    let mut of = vec![None; f.insts.len()];
    for (b, blk) in f.blocks.iter().enumerate() {
        for &v in &blk.insts {
            of[v.0 as usize] = Some(b);
        }
    }
    of
}

/// The part an IR instruction plays in the grouped NaN tests (fp_groups).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FpRole {
    Normal,
    /// A NaN-tested FP op whose test is made with the others of its group, after the last one.
    Member { last: Value },
    /// A pure instruction between two members that uses a member's result: lowered after the
    /// group's test, when the members have their final (Arm NaN) values.
    Deferred,
}

/// Groups of NaN-tested FP ops whose Arm NaN selection is made together, behind ONE test of
/// all their results and one unlikely branch, instead of one test and branch per op. A NEON
/// FP instruction is lifted lane by lane (one IR op per lane, then a bitcast and an insert); a
/// branch after each lane keeps LLVM's SLP vectorizer from joining the lanes back into one host
/// vector op, one branch after the last lane does not. A group is the NaN-tested ops inside one
/// guest instruction and one IR block, closed before any op with an effect (store, setreg,
/// helper...) and before a NaN-tested op that depends on a member; pure instructions that
/// depend on a member and come before the last member are deferred until after the test.
fn fp_groups(f: &Function) -> Vec<FpRole> {
    let mut role = vec![FpRole::Normal; f.insts.len()];
    // Not FMIN/FMAX-type ops: their NaN test is of the operands, and their lanes vectorised
    // would reach strict_undefined_fp_lanes as `llvm.experimental.constrained.minimum`, which
    // LLVM 19's x86 backend cannot select.
    let grouped = |op: Op| matches!(op, Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FRound | Op::FMa);
    // Members and the instructions depending on them, in order.
    let close = |cur: &mut Vec<Value>, tainted: &mut Vec<Value>, role: &mut Vec<FpRole>| {
        if cur.len() >= 2 {
            let last = *cur.last().unwrap();
            for m in cur.iter() {
                role[m.0 as usize] = FpRole::Member { last };
            }
            for t in tainted.iter().filter(|t| t.0 < last.0 && !cur.contains(t)) {
                role[t.0 as usize] = FpRole::Deferred;
            }
        }
        cur.clear();
        tainted.clear();
    };
    for blk in &f.blocks {
        let (mut cur, mut tainted): (Vec<Value>, Vec<Value>) = (vec![], vec![]);
        for &v in &blk.insts {
            let i = f.inst(v);
            let pure = matches!(
                i.op,
                Op::Const | Op::GetReg | Op::Extract | Op::Insert | Op::Bitcast | Op::Zext | Op::Sext | Op::Trunc
                    | Op::FNeg | Op::FAbs | Op::And | Op::Or | Op::Xor | Op::Not
            );
            let uses = i.args.iter().any(|a| tainted.contains(a));
            if !(pure || grouped(i.op)) || (grouped(i.op) && uses) {
                close(&mut cur, &mut tainted, &mut role);
            }
            if grouped(i.op) {
                cur.push(v);
                tainted.push(v);
            } else if pure && uses {
                tainted.push(v);
            }
        }
        close(&mut cur, &mut tainted, &mut role);
    }
    role
}

/// The part an IR instruction plays in a chain of scalar FP ops sharing one NaN test
/// (fp_chains).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ChainRole {
    /// Not in a chain's window.
    None,
    /// A NaN-tested op of the chain: no test of its own. A sink's result reaches no later
    /// member: the chain's condition tests it.
    Member { sink: bool },
    /// An instruction of the window that carries a member's result unchanged in its low bits
    /// (bitcast, zext, trunc to at least the float's width, fneg, fabs, a setreg of such a value
    /// or a getreg of a register set from one): recomputed in the chain's cold block.
    Carrier,
    /// An instruction of the window that does not depend on a member: lowered once.
    Other,
}

/// A chain of scalar FP ops (fp_chains): the window from its first member to its last, the
/// members whose result reaches no later member (the chain's test is of those), and for each
/// carrier GetReg the value of the window's SetReg it reads.
#[derive(Clone, Debug, Default)]
struct FpChain {
    insts: Vec<Value>,
    sinks: Vec<Value>,
    reads: HashMap<Value, Value>,
}

/// Chains of scalar FP ops sharing ONE NaN test. FADD, FSUB, FMUL, FDIV, FSQRT and FMA give a
/// NaN whenever an operand is a NaN (on Arm and on x86), so when the ops of a window of one
/// block feed each other (`fmul d1, d0, d1; fadd d1, d1, d6`), "the last result is not a NaN"
/// means that no op of the chain saw or made one, and every host result is Arm's: one
/// unordered test of the last result replaces one per op. When it is a NaN, a cold block
/// recomputes the chain op by op with Arm's NaN rules from the chain's inputs (the host results
/// are kept where they are not NaNs), and the values used after the chain, registers included,
/// are joined by phis.
///
/// A window holds only members, carriers of their results and instructions that neither have
/// an effect nor use a member's result; it is closed before anything else: a store, helper or
/// other FP op, and any other use of a member's result (a compare, an FCVT, a lane extract),
/// which so sees the corrected value. A member whose result reaches no later member (a sink)
/// keeps a test of its own in the chain's one condition (`uno a, b` is one UCOMISD). Not in
/// functions that observe FPSR or write FPCR (`strict`: there the per-op test also decides Arm's
/// underflow rule, ir::fptiny), not for ops on translation-time constants (constrained
/// intrinsics) and not for the lanes of a NEON instruction (fp_groups, `roles`).
fn fp_chains(f: &Function, roles: &[FpRole], strict: bool, known: &[bool]) -> (Vec<ChainRole>, Vec<FpChain>) {
    let mut role = vec![ChainRole::None; f.insts.len()];
    let mut chains = vec![];
    if strict {
        return (role, chains);
    }
    let member = |v: Value| {
        let i = f.inst(v);
        matches!(i.op, Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FMa)
            && matches!(i.ty, Ty::F32 | Ty::F64)
            && roles[v.0 as usize] == FpRole::Normal
            && !i.args.iter().all(|a| known[a.0 as usize])
    };
    // No effect, no FP exception, no fault.
    let inert = |op: Op| {
        matches!(
            op,
            Op::Const | Op::Reloc | Op::GetReg | Op::SetReg | Op::Insn
                | Op::Add | Op::Sub | Op::Mul | Op::UMulH | Op::SMulH | Op::And | Op::Or | Op::Xor
                | Op::Shl | Op::LShr | Op::AShr | Op::RotR | Op::Not | Op::Neg | Op::Clz | Op::Cls
                | Op::Ctpop | Op::Rbit | Op::Bswap | Op::ICmp | Op::Select
                | Op::Zext | Op::Sext | Op::Trunc | Op::Bitcast | Op::Extract | Op::Insert
                | Op::FNeg | Op::FAbs
        )
    };
    #[derive(Default)]
    struct Open {
        win: Vec<Value>,
        members: Vec<Value>,
        /// Member or carrier -> (the member whose result it carries, the float's width).
        carry: HashMap<Value, (Value, u32)>,
        /// Register -> the carrier it was last set from in the window.
        reg: HashMap<u64, Value>,
        fed: Vec<Value>,
        reads: HashMap<Value, Value>,
    }
    let close = |o: &mut Open, role: &mut Vec<ChainRole>, chains: &mut Vec<FpChain>| {
        let o = std::mem::take(o);
        if o.members.len() < 2 {
            return;
        }
        let last = *o.members.last().unwrap();
        let end = o.win.iter().position(|&v| v == last).unwrap();
        let insts = o.win[..=end].to_vec();
        for &v in &insts {
            role[v.0 as usize] = if o.members.contains(&v) {
                ChainRole::Member { sink: !o.fed.contains(&v) }
            } else if o.carry.contains_key(&v) || (f.inst(v).op == Op::SetReg && o.carry.contains_key(&f.inst(v).args[0])) {
                ChainRole::Carrier
            } else {
                ChainRole::Other
            };
        }
        let sinks = o.members.iter().copied().filter(|m| !o.fed.contains(m)).collect();
        let reads = o.reads.into_iter().filter(|(g, _)| insts.contains(g)).collect();
        chains.push(FpChain { insts, sinks, reads });
    };
    for blk in &f.blocks {
        let mut o = Open::default();
        for &v in &blk.insts {
            let i = f.inst(v);
            loop {
                let carried: Vec<(Value, u32)> = i.args.iter().filter_map(|a| o.carry.get(a).copied()).collect();
                let width = carried.first().map(|c| c.1);
                let all_width = |w: u32| carried.iter().all(|c| c.1 == w);
                // Some(carrying member) for a carrier, None for an instruction independent of
                // the members; Err for one that closes the window.
                let step: Result<Option<(Value, u32)>, ()> = if member(v) && all_width(i.ty.bits()) {
                    Ok(Some((v, i.ty.bits())))
                } else if roles[v.0 as usize] != FpRole::Normal {
                    Err(())
                } else if i.op == Op::GetReg {
                    match o.reg.get(&i.imm) {
                        Some(&src) if f.inst(src).ty == i.ty => {
                            o.reads.insert(v, src);
                            Ok(o.carry.get(&src).copied())
                        }
                        Some(_) => Err(()),
                        None => Ok(None),
                    }
                } else if carried.is_empty() {
                    if inert(i.op) {
                        if i.op == Op::SetReg {
                            o.reg.remove(&i.imm);
                        }
                        Ok(None)
                    } else {
                        Err(())
                    }
                } else {
                    let w = width.unwrap();
                    let keeps = match i.op {
                        Op::SetReg => Reg(i.imm as u8) != Reg::SP,
                        Op::Bitcast | Op::Zext => true,
                        Op::Trunc => i.ty.bits() >= w,
                        Op::FNeg | Op::FAbs => i.ty.bits() == w,
                        _ => false,
                    };
                    if keeps && carried.len() == 1 {
                        if i.op == Op::SetReg {
                            o.reg.insert(i.imm, i.args[0]);
                        }
                        Ok(Some(carried[0]))
                    } else {
                        Err(())
                    }
                };
                match step {
                    Err(()) if !o.win.is_empty() => {
                        close(&mut o, &mut role, &mut chains);
                        continue;
                    }
                    Err(()) => {}
                    Ok(c) => {
                        let is_member = c.is_some_and(|c| c.0 == v);
                        if is_member {
                            for (m, _) in &carried {
                                o.fed.push(*m);
                            }
                            o.members.push(v);
                        }
                        if !o.win.is_empty() || is_member {
                            o.win.push(v);
                            if let Some(c) = c {
                                if i.op != Op::SetReg {
                                    o.carry.insert(v, c);
                                }
                            }
                        }
                    }
                }
                break;
            }
        }
        close(&mut o, &mut role, &mut chains);
    }
    (role, chains)
}

fn ord(o: Ordering) -> AtomicOrdering {
    match o {
        Ordering::Plain => AtomicOrdering::NotAtomic,
        Ordering::Relaxed => AtomicOrdering::Monotonic,
        Ordering::Acquire => AtomicOrdering::Acquire,
        Ordering::Release => AtomicOrdering::Release,
        Ordering::AcqRel => AtomicOrdering::AcquireRelease,
        Ordering::SeqCst => AtomicOrdering::SequentiallyConsistent,
    }
}

impl<'a, 'ctx> Gen<'a, 'ctx> {
    fn new(ctx: &'ctx Context, module: &'a Module<'ctx>, f: &'a Function, key: &'a str) -> R<Self> {
        let ptr = ctx.ptr_type(inkwell::AddressSpace::default());
        let i64t = ctx.i64_type();
        let fn_ty = ctx.void_type().fn_type(&[ptr.into(), i64t.into()], false);
        let mut d_params: Vec<inkwell::types::BasicMetadataTypeEnum> = vec![ptr.into(), i64t.into()];
        d_params.extend(DIRECT_REGS.iter().map(|_| inkwell::types::BasicMetadataTypeEnum::from(i64t)));
        let d_ty = ctx.void_type().fn_type(&d_params, false);
        let func = module.add_function(&direct_symbol(key), d_ty, Some(Linkage::External));
        let nounwind = ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("nounwind"), 0);
        func.add_attribute(AttributeLoc::Function, nounwind);
        // Guest address 0 is an address like any other: a load or store through a null pointer
        // must reach the host and fault (a guest SIGSEGV), not be folded away as undefined.
        let null_ok = ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("null_pointer_is_valid"), 0);
        func.add_attribute(AttributeLoc::Function, null_ok);
        // FPCR.FZ is mirrored into MXCSR's FTZ/DAZ at run time: LLVM must not assume IEEE
        // denormals (it would turn `fcmp oeq x, 0.0` into a bit test that ignores DAZ).
        for k in ["denormal-fp-math", "denormal-fp-math-f32"] {
            func.add_attribute(AttributeLoc::Function, ctx.create_string_attribute(k, "dynamic,dynamic"));
        }
        // One 8-byte NOP at the entry (functions are 16-byte aligned): when the guest
        // invalidates this function's code (IC IVAU), the runtime replaces it with one 8-byte
        // store by a jump to `aot_jit_enter` (runtime/src/smc.rs, docs/jit.md).
        func.add_attribute(AttributeLoc::Function, ctx.create_string_attribute("patchable-function-entry", &PATCH_PAD.to_string()));
        // A function that calls itself returns through this object's own `pop %rcx; jmp *%rcx`
        // (RETURN_THUNK_ASM) instead of `ret`: docs/performance.md "Where recursion's time goes".
        if f.calls_itself() {
            let thunk = ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("fn_ret_thunk_extern"), 0);
            func.add_attribute(AttributeLoc::Function, thunk);
            module.set_inline_assembly(RETURN_THUNK_ASM);
        }
        let st = func.get_nth_param(0).unwrap().into_pointer_value();
        let mut used = f.regs_used();
        // The direct entry's registers are always there: passed in, passed on to direct callees
        // and stored at the function's sync points (a function that does not use them still
        // holds the caller's values, which only it can store).
        for r in DIRECT_REGS {
            if !used.contains(&r) {
                used.push(r);
            }
        }
        used.sort();
        // NaN-processing FP ops read FPCR.DN (default-NaN mode).
        if !used.contains(&Reg::FPCR) && f.insts.iter().any(|i| fpnan::obeys_dn(i.op)) {
            used.push(Reg::FPCR);
            used.sort();
        }
        let mut written: Vec<Reg> = f
            .insts
            .iter()
            .filter(|i| i.op == Op::SetReg)
            .map(|i| Reg(i.imm as u8))
            .chain(DIRECT_REGS)
            .collect();
        written.sort();
        written.dedup();
        func.set_section(Some(CODE_SECTION));
        // Line-table-only debug info: one subprogram, line = guest instruction (pc_line).
        let i32t = ctx.i32_type();
        module.add_basic_value_flag("Debug Info Version", FlagBehavior::Warning, i32t.const_int(3, false));
        module.add_basic_value_flag("Dwarf Version", FlagBehavior::Warning, i32t.const_int(4, false));
        let (di, cu) = module.create_debug_info_builder(
            true,
            DWARFSourceLanguage::C,
            "guest",
            "",
            "aot-translate",
            true,
            "",
            0,
            "",
            DWARFEmissionKind::LineTablesOnly,
            0,
            false,
            false,
            "",
            "",
        );
        let file = cu.get_file();
        let sub_ty = di.create_subroutine_type(file, None, &[], DIFlags::ZERO);
        let name = fn_symbol(key);
        let subprogram = di.create_function(cu.as_debug_info_scope(), &name, None, file, 1, sub_ty, false, true, 1, DIFlags::ZERO, true);
        func.set_subprogram(subprogram);
        let fp_env_strict = f.insts.iter().any(|i| {
            i.op == Op::Helper && matches!(Helper::from_u64(i.imm), Some(Helper::SyncFpsr | Helper::WriteFpcr))
        });
        let known = ir::consts::known_constants(f);
        let branch_free = branch_free_blocks(f, fp_env_strict);
        let mut fp_role = fp_groups(f);
        let vv = vv_blocks(f, fp_env_strict, &fp_role, &known);
        let block_of = block_of_insts(f);
        let free = |v: Value| block_of[v.0 as usize].is_some_and(|b| branch_free[b] || vv[b]);
        for (k, r) in fp_role.iter_mut().enumerate() {
            if free(Value(k as u32)) {
                *r = FpRole::Normal;
            }
        }
        let (mut chain_role, mut chains) = fp_chains(f, &fp_role, fp_env_strict, &known);
        chains.retain(|c| {
            let keep = !free(c.insts[0]);
            if !keep {
                c.insts.iter().for_each(|&v| chain_role[v.0 as usize] = ChainRole::None);
            }
            keep
        });
        let chain_end = chains.iter().enumerate().map(|(k, c)| (*c.insts.last().unwrap(), k)).collect();
        let fcmp_mask = fcmp_masks(f);
        let ioc = ioc_raises(f, &fcmp_mask, fp_env_strict);
        Ok(Gen {
            ctx,
            module,
            b: ctx.create_builder(),
            f,
            key,
            func,
            fn_ty,
            d_ty,
            st,
            regs: HashMap::new(),
            written,
            used,
            blocks: vec![],
            vals: vec![None; f.insts.len()],
            live_in: ir::safepoint::backend_live_in(f),
            cur_block: 0,
            dirty_info: ir::dirty::analyse_from(f, WRITE_THROUGH, direct_set()),
            dirty: std::cell::Cell::new(0),
            di,
            subprogram,
            known,
            fp_env_strict,
            fp_role,
            fcmp_mask,
            ioc,
            fp_load: fp_loads(f),
            cur_inst: std::cell::Cell::new(Value(0)),
            fp_pending: std::cell::RefCell::new(vec![]),
            chain_role,
            chains,
            chain_end,
            branch_free,
            vv,
            copy: copy_pairs(f),
            pair_slot: std::collections::BTreeMap::new(),
            pair_lo: HashMap::new(),
        })
    }

    /// Is the block being lowered one whose FP arithmetic calls the NaN helpers (`vv_blocks`)?
    fn nan_vv(&self) -> bool {
        self.vv.get(self.cur_block).copied().unwrap_or(false)
    }

    /// Is the block being lowered one whose NaN fix-ups are selects (`branch_free_blocks`)?
    fn nan_selects(&self) -> bool {
        self.branch_free.get(self.cur_block).copied().unwrap_or(false)
    }

    /// Attribute the instructions built from now on to the guest instruction at `off`.
    fn set_guest_off(&self, off: u64) {
        let loc = self.di.create_debug_location(self.ctx, pc_line(off), 0, self.subprogram.as_debug_info_scope(), None);
        self.b.set_current_debug_location(loc);
    }

    fn ty(&self, t: Ty) -> BasicTypeEnum<'ctx> {
        match t {
            Ty::I1 => self.ctx.bool_type().into(),
            Ty::I8 => self.ctx.i8_type().into(),
            Ty::I16 => self.ctx.i16_type().into(),
            Ty::I32 => self.ctx.i32_type().into(),
            Ty::I64 => self.ctx.i64_type().into(),
            Ty::I128 => self.ctx.i128_type().into(),
            Ty::F32 => self.ctx.f32_type().into(),
            Ty::F64 => self.ctx.f64_type().into(),
            Ty::Void => panic!("void has no LLVM value type"),
        }
    }

    fn slot_ptr(&self, r: Reg) -> R<PointerValue<'ctx>> {
        let (off, _) = r.slot();
        let i8t = self.ctx.i8_type();
        // SAFETY (LLVM): in-bounds offset into CpuState.
        let p = unsafe { self.b.build_in_bounds_gep(i8t, self.st, &[self.ctx.i64_type().const_int(off as u64, false)], "")? };
        Ok(p)
    }

    fn slot_llvm_ty(&self, r: Reg) -> BasicTypeEnum<'ctx> {
        match r.slot().1 {
            SlotTy::I8 => self.ctx.i8_type().into(),
            SlotTy::I32 => self.ctx.i32_type().into(),
            SlotTy::I64 => self.ctx.i64_type().into(),
            SlotTy::I128 => self.v2i64().into(),
        }
    }

    /// The LLVM type a guest register lives in (alloca, state slot): its IR type, except that
    /// 128-bit V registers are `<2 x i64>`, so that their SSA values and phis stay in XMM
    /// registers; GetReg/SetReg bitcast to and from the IR's i128 (free, and folded by LLVM
    /// with the vector forms of the I128 ops below).
    fn reg_ty(&self, r: Reg) -> BasicTypeEnum<'ctx> {
        match ir::reg_ty(r) {
            Ty::I128 => self.v2i64().into(),
            t => self.ty(t),
        }
    }

    /// Whether `x` is a Trunc of a 128-bit value to 32 or 64 bits (an S/D view of a V register).
    fn is_v_low(&self, x: Value) -> bool {
        let i = self.f.inst(x);
        i.op == Op::Trunc && matches!(i.ty, Ty::I32 | Ty::I64) && self.f.inst(i.args[0]).ty == Ty::I128
    }

    /// The single compare a boolean combination of compares amounts to (fcmp_masks), when it is
    /// to be lowered as one: not always true or false, and not in a function with strict FP
    /// exceptions (there every compare stays as the IR has it).
    fn merged_fcmp(&self, v: Value) -> Option<FcmpMask> {
        self.fcmp_mask[v.0 as usize].filter(|m| m.mask != 0 && m.mask != 15 && !self.fp_env_strict)
    }

    /// One compare of `x` with `y`, true for the outcomes in `mask`: quiet, or with
    /// `signalling` a strict `constrained.fcmps` (COMISD: MXCSR.IE on any NaN, ioc_raises).
    fn fcmp_of_mask(&self, x: Value, y: Value, mask: u8, signalling: bool) -> R<BasicValueEnum<'ctx>> {
        let pred = match mask {
            1 => "olt",
            2 => "oeq",
            3 => "ole",
            4 => "ogt",
            5 => "one",
            6 => "oge",
            7 => "ord",
            8 => "uno",
            9 => "ult",
            10 => "ueq",
            11 => "ule",
            12 => "ugt",
            13 => "une",
            _ => "uge",
        };
        let (mut x, mut y) = (self.v(x).into_float_value(), self.v(y).into_float_value());
        let t = x.get_type();
        // As for Op::FCmp: the fence keeps LLVM from folding a compare with zero into an
        // integer test, wrong under FPCR.FZ (DAZ). Ordered/unordered do not depend on it.
        if mask != 7 && mask != 8 {
            x = self.call_intr("llvm.arithmetic.fence", &[t.into()], &[x.into()])?.into_float_value();
            y = self.call_intr("llvm.arithmetic.fence", &[t.into()], &[y.into()])?.into_float_value();
        }
        let pm: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string(pred).into();
        if signalling {
            let es: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("fpexcept.strict").into();
            return self.call_intr("llvm.experimental.constrained.fcmps", &[t.into()], &[x.into(), y.into(), pm, es]);
        }
        let ei: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("fpexcept.ignore").into();
        self.call_intr("llvm.experimental.constrained.fcmp", &[t.into()], &[x.into(), y.into(), pm, ei])
    }

    /// Whether `x` is the bits of an F32/F64 value (a bitcast of a float to an integer).
    fn is_float_bits(&self, x: Value) -> bool {
        let i = self.f.inst(x);
        i.op == Op::Bitcast && matches!(self.f.inst(i.args[0]).ty, Ty::F32 | Ty::F64)
    }

    /// `x` in lane 0 of a vector whose other lanes are zero, as an i128, without the
    /// `vmovq xmm, xmm` LLVM picks for inserting a float into a constant zero vector: valgrind
    /// 3.19 cannot decode its register form from xmm8-15 (66 0F D6), which stops the callgrind
    /// counts. The zero comes through an empty inline asm (like `opaque_float`), so LLVM sees a
    /// blend of two registers (`vblendpd`/`vblendps`) and hoists the zero out of loops.
    fn float_into_zero_vector(&self, x: FloatValue<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let b = &self.b;
        let fty = x.get_type();
        let f32 = fty == self.ctx.f32_type();
        let vt = fty.vec_type(if f32 { 4 } else { 2 });
        let ft = vt.fn_type(&[vt.into()], false);
        let asm = self.ctx.create_inline_asm(ft, String::new(), "=x,0".into(), false, false, None, false);
        let r = b.build_indirect_call(ft, asm, &[vt.const_zero().into()], "")?;
        for attr in ["nounwind", "willreturn", "nosync", "memory"] {
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(attr);
            r.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, 0));
        }
        let zero = r.try_as_basic_value().basic().ok_or_else(|| BackendError::Llvm("inline asm returns void".into()))?.into_vector_value();
        let i32t = self.ctx.i32_type();
        // Lane 0 of `xv` is the float; an F32 goes into the zero vector so that the first 64
        // bits, blended below, are the float zero-extended (an F64 fills them).
        let xv = b.build_insert_element(if f32 { zero } else { vt.get_undef() }, x, i32t.const_zero(), "")?;
        // The blend is made on <2 x i64>, the type of V registers' allocas: were the value a
        // bitcast, LLVM would fold the loop phis of the register into i128 (two GPRs). Both
        // operands are bitcasts of float vectors, so LLVM still sees an S/D read of the result
        // as the float itself.
        let zero = b.build_bit_cast(zero, self.v2i64(), "")?.into_vector_value();
        let xv = b.build_bit_cast(xv, self.v2i64(), "")?.into_vector_value();
        if f32 {
            // Already the float and zeros. A blend of 64-bit lanes here would hide the float
            // from an S read of the result (lane 0 of a shuffle of bitcasts): the loop
            // vectorizer then refuses the loop ("instruction return type cannot be
            // vectorized", the vector kept inside it).
            return Ok(b.build_bit_cast(xv, self.ctx.i128_type(), "")?);
        }
        let mask = [i32t.const_int(2, false), i32t.const_int(1, false)];
        let v = b.build_shuffle_vector(zero, xv, inkwell::types::VectorType::const_vector(&mask), "")?;
        Ok(b.build_bit_cast(v, self.ctx.i128_type(), "")?)
    }

    fn v2i64(&self) -> inkwell::types::VectorType<'ctx> {
        self.ctx.i64_type().vec_type(2)
    }

    /// An i128 value as <2 x i64> (a bitcast).
    fn as_v2i64(&self, x: BasicValueEnum<'ctx>) -> R<inkwell::values::VectorValue<'ctx>> {
        Ok(self.b.build_bit_cast(x, self.v2i64(), "")?.into_vector_value())
    }

    /// Load every used register from the state into its alloca.
    fn load_state(&self) -> R<()> {
        self.load_state_except(0)
    }

    /// Store `v` to register `r`'s alloca, and into the `<2 x i64>` shadow of every copied pair
    /// it belongs to (`copy_pairs`).
    fn put_reg(&self, r: u8, v: BasicValueEnum<'ctx>) -> R<()> {
        self.b.build_store(self.regs[&r], v)?;
        for (&(ra, rb), &p) in &self.pair_slot {
            if r == ra || r == rb {
                let vt = self.v2i64();
                let old = self.b.build_load(vt, p, "")?.into_vector_value();
                let lane = self.ctx.i32_type().const_int(u64::from(r == rb), false);
                let new = self.b.build_insert_element(old, v.into_int_value(), lane, "")?;
                self.b.build_store(p, new)?;
            }
        }
        Ok(())
    }

    /// `load_state` without the registers in `skip`.
    fn load_state_except(&self, skip: u128) -> R<()> {
        for &r in self.used.iter().filter(|r| skip & (1u128 << r.0) == 0) {
            let p = self.slot_ptr(r)?;
            let st_ty = self.slot_llvm_ty(r);
            let v = self.b.build_load(st_ty, p, "")?;
            v.as_instruction_value().unwrap().set_alignment(if r.0 >= 64 { 16 } else { 1 }).ok();
            let v = if ir::reg_ty(r) == Ty::I1 {
                self.b.build_int_truncate(v.into_int_value(), self.ctx.bool_type(), "")?.into()
            } else {
                v
            };
            self.put_reg(r.0, v)?;
        }
        Ok(())
    }

    /// Store every written register that may differ from its slot (ir::dirty) back to the state.
    fn store_state(&self) -> R<()> {
        self.store_state_of(u128::MAX)
    }

    /// `store_state` at a call, a return, an indirect jump out of the function or a tail call to
    /// a function's start: without the flags when they never cross a call boundary in this
    /// program (ir::abi). Direct tail calls to other entries and traps keep them.
    fn store_state_at_boundary(&self) -> R<()> {
        self.store_state_of(if self.f.flags_local { !ir::abi::NZCV } else { u128::MAX })
    }

    /// Store the written registers in `set` (bit i = Reg(i)) that may differ from their slot
    /// back to the state. The others already hold their value there (ir::dirty).
    fn store_state_of(&self, set: u128) -> R<()> {
        self.store_regs(set & self.dirty.get())
    }

    /// Store the written registers in `set` back to the state, dirty or not.
    fn store_regs(&self, set: u128) -> R<()> {
        for &r in self.written.iter().filter(|r| set & (1u128 << r.0) != 0) {
            let v = self.b.build_load(self.reg_ty(r), self.regs[&r.0], "")?;
            let v: BasicValueEnum = if ir::reg_ty(r) == Ty::I1 {
                self.b.build_int_z_extend(v.into_int_value(), self.ctx.i8_type(), "")?.into()
            } else {
                v
            };
            let p = self.slot_ptr(r)?;
            self.b.build_store(p, v)?;
        }
        Ok(())
    }

    fn global_addr(&self, name: &str) -> R<IntValue<'ctx>> {
        let g = match self.module.get_global(name) {
            Some(g) => g,
            None => {
                let g = self.module.add_global(self.ctx.i8_type(), None, name);
                g.set_linkage(Linkage::External);
                g
            }
        };
        Ok(self.b.build_ptr_to_int(g.as_pointer_value(), self.ctx.i64_type(), "")?)
    }

    /// `x + y` as the address of an entry of this function when it is one (`reloc #0` plus a
    /// constant that is a non-zero entry offset, as a call's return address is): its own
    /// absolute symbol, one `mov $imm` where base + offset took two instructions.
    fn entry_addr(&self, x: Value, y: Value) -> R<Option<IntValue<'ctx>>> {
        let (ix, iy) = (self.f.inst(x), self.f.inst(y));
        let (r, c) = match (ix.op, iy.op) {
            (Op::Reloc, Op::Const) => (ix, iy),
            (Op::Const, Op::Reloc) => (iy, ix),
            _ => return Ok(None),
        };
        if r.imm != 0 || c.ty != Ty::I64 || c.imm == 0 || !self.is_entry(c.imm) {
            return Ok(None);
        }
        Ok(Some(self.global_addr(&entry_symbol(self.key, c.imm))?))
    }

    /// `v - base` without the base when `v` is `base + c + x` within the current block (ADR of a
    /// label plus a scaled table entry: `adr x1, L; add x0, x1, w0, sxtb #2; br x0`): `c + x`,
    /// which LLVM can narrow to the table entry. Subtracting the base itself cannot fold, since
    /// `base + c` is lowered as its own entry symbol (`entry_addr`).
    fn base_offset(&self, v: Value) -> R<Option<IntValue<'ctx>>> {
        let v = self.forward_reg(v);
        let i = self.f.inst(v);
        if i.op != Op::Add || i.ty != Ty::I64 {
            return Ok(None);
        }
        for (x, y) in [(i.args[0], i.args[1]), (i.args[1], i.args[0])] {
            if let Some(c) = self.base_plus_const(self.forward_reg(x)) {
                let c = self.ctx.i64_type().const_int(c, false);
                return Ok(Some(self.b.build_int_add(self.iv(y), c, "")?));
            }
        }
        Ok(None)
    }

    /// For `v` = `base + c + (ext(w) << s)` within the current block (`adr x1, L; add x0, x1, w0,
    /// sxtb #2; br x0`, `ext` a sign or zero extension of an i8/i16/i32 `w`, `s` a constant, the
    /// width of `w` at most 64 - `s`): `w` itself and a map from an entry offset to the value of
    /// `w` that reaches it (`None`: no value does). Since `ext(w) << s` is then one-to-one, `v ==
    /// base + o` exactly when `w` is that value, so a switch on the loaded table entry replaces
    /// the address arithmetic (LLVM then keeps neither `v` nor `base + c` for the switch).
    #[allow(clippy::type_complexity)]
    fn table_key(&self, v: Value) -> Option<(IntValue<'ctx>, Box<dyn Fn(u64) -> Option<u64>>)> {
        let i = self.f.inst(self.forward_reg(v));
        if i.op != Op::Add || i.ty != Ty::I64 {
            return None;
        }
        let (c, y) = [(i.args[0], i.args[1]), (i.args[1], i.args[0])]
            .into_iter()
            .find_map(|(x, y)| self.base_plus_const(self.forward_reg(x)).map(|c| (c, self.forward_reg(y))))?;
        let (z, s) = match self.f.inst(y) {
            j if j.op == Op::Shl && self.f.inst(j.args[1]).op == Op::Const && self.f.inst(j.args[1]).imm < 8 => {
                (self.forward_reg(j.args[0]), self.f.inst(j.args[1]).imm as u32)
            }
            _ => (y, 0),
        };
        let e = self.f.inst(z);
        if !matches!(e.op, Op::Sext | Op::Zext) || e.ty != Ty::I64 {
            return None;
        }
        let w = e.args[0];
        let n = match self.f.inst(w).ty {
            Ty::I8 => 8u32,
            Ty::I16 => 16,
            Ty::I32 => 32,
            _ => return None,
        };
        let signed = e.op == Op::Sext;
        let map = move |o: u64| -> Option<u64> {
            let d = o.wrapping_sub(c);
            if d & ((1u64 << s) - 1) != 0 {
                return None;
            }
            // The one candidate in range (module comment): `ext(w) << s` has 2^n values, all
            // in [-2^(63-s), 2^(63-s)) (signed) or [0, 2^(64-s)) (unsigned).
            let x = if signed { ((d as i64) >> s) as u64 } else { d >> s };
            let fits = if signed {
                (x as i64) >= -(1i64 << (n - 1)) && (x as i64) < (1i64 << (n - 1))
            } else {
                x < (1u64 << n)
            };
            fits.then_some(x & ((1u64 << n) - 1))
        };
        Some((self.iv(w), Box::new(map)))
    }

    /// `c` when `v` is `reloc #0` (the base) or `base + c`.
    fn base_plus_const(&self, v: Value) -> Option<u64> {
        let i = self.f.inst(v);
        match i.op {
            Op::Reloc if i.imm == 0 => Some(0),
            Op::Add => {
                let (x, y) = (self.f.inst(i.args[0]), self.f.inst(i.args[1]));
                match (x.op, y.op) {
                    (Op::Reloc, Op::Const) if x.imm == 0 => Some(y.imm),
                    (Op::Const, Op::Reloc) if y.imm == 0 => Some(x.imm),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The value a `getreg` reads when the current block set that register before it; else `v`.
    fn forward_reg(&self, v: Value) -> Value {
        let i = self.f.inst(v);
        if i.op != Op::GetReg {
            return v;
        }
        let insts = &self.f.blocks[self.cur_block].insts;
        let Some(at) = insts.iter().position(|&x| x == v) else { return v };
        for &w in insts[..at].iter().rev() {
            let j = self.f.inst(w);
            if j.op == Op::SetReg && j.imm == i.imm {
                return self.forward_reg(j.args[0]);
            }
            if matches!(j.op, Op::Helper | Op::SafePoint) {
                return v; // may reload the register from the state
            }
        }
        v
    }

    fn is_entry(&self, off: u64) -> bool {
        self.f.entries.iter().any(|e| e.0 == off)
    }

    fn reloc_value(&self, slot: usize) -> R<IntValue<'ctx>> {
        self.global_addr(&reloc_symbol(self.key, slot))
    }

    /// The direct entry of the callee of call/tail-call slot `slot`.
    fn direct_callee(&self, slot: usize) -> FunctionValue<'ctx> {
        let name = direct_callee_symbol(self.key, slot);
        self.module.get_function(&name).unwrap_or_else(|| self.module.add_function(&name, self.d_ty, Some(Linkage::External)))
    }

    /// `(st, entry_pc, DIRECT_REGS...)`: the arguments of a direct entry.
    fn direct_args(&self, pc: IntValue<'ctx>) -> R<Vec<inkwell::values::BasicMetadataValueEnum<'ctx>>> {
        let mut v: Vec<inkwell::values::BasicMetadataValueEnum<'ctx>> = vec![self.st.into(), pc.into()];
        for r in DIRECT_REGS {
            v.push(self.b.build_load(self.ctx.i64_type(), self.regs[&r.0], "")?.into());
        }
        Ok(v)
    }

    /// The full-state entry `aot_f_<key>(st, entry_pc)`: loads `DIRECT_REGS` from the state and
    /// calls the direct entry (a sibling call: a `jmp`). It has its own patch pad
    /// (runtime/src/smc.rs patches both entries).
    fn emit_full_entry(&self) -> R<()> {
        let f = self.module.add_function(&fn_symbol(self.key), self.fn_ty, Some(Linkage::External));
        for a in self.func.attributes(AttributeLoc::Function) {
            f.add_attribute(AttributeLoc::Function, a);
        }
        f.set_section(Some(CODE_SECTION));
        let b = self.ctx.create_builder();
        let bb = self.ctx.append_basic_block(f, "entry");
        b.position_at_end(bb);
        let st = f.get_nth_param(0).unwrap().into_pointer_value();
        let pc = f.get_nth_param(1).unwrap();
        let mut args: Vec<inkwell::values::BasicMetadataValueEnum<'ctx>> = vec![st.into(), pc.into()];
        for r in DIRECT_REGS {
            // SAFETY (LLVM): in-bounds offset into CpuState.
            let p = unsafe { b.build_in_bounds_gep(self.ctx.i8_type(), st, &[self.ctx.i64_type().const_int(r.slot().0 as u64, false)], "")? };
            let v = b.build_load(self.ctx.i64_type(), p, "")?;
            v.as_instruction_value().unwrap().set_alignment(1).ok();
            args.push(v.into());
        }
        let c = b.build_call(self.func, &args, "")?;
        c.set_tail_call(true);
        b.build_return(None)?;
        // One copy of the body: LLVM would inline a small one into this entry.
        let noinline = self.ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("noinline"), 0);
        self.func.add_attribute(AttributeLoc::Function, noinline);
        Ok(())
    }

    fn runtime_fn(&self, name: &str, ty: FunctionType<'ctx>) -> FunctionValue<'ctx> {
        self.module.get_function(name).unwrap_or_else(|| self.module.add_function(name, ty, Some(Linkage::External)))
    }

    /// A new inline-cache slot for one indirect call or jump site (runtime/src/ic.rs IcSlot): a
    /// private, writable, 8-aligned `{ptr, i64, [IC_WAYS x ptr]}` in section `aot_ic` (level 1,
    /// miss count, level-2 ways), every pointer first at `aot_ic_empty`.
    fn ic_slot(&self) -> PointerValue<'ctx> {
        let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
        let empty = match self.module.get_global(aot_lifter::ic::EMPTY_RECORD) {
            Some(g) => g,
            None => {
                let rec = self.ctx.struct_type(&[self.ctx.i64_type().into(), ptr.into(), ptr.into()], false);
                let g = self.module.add_global(rec, None, aot_lifter::ic::EMPTY_RECORD);
                g.set_linkage(Linkage::External);
                g.set_constant(true);
                g
            }
        };
        let i64t = self.ctx.i64_type();
        let e = empty.as_pointer_value();
        let ways_ty = ptr.array_type(IC_WAYS);
        let ty = self.ctx.struct_type(&[ptr.into(), i64t.into(), ways_ty.into()], false);
        let g = self.module.add_global(ty, None, "ic");
        g.set_linkage(Linkage::Private);
        let ways = ptr.const_array(&vec![e; IC_WAYS as usize]);
        g.set_initializer(&ty.const_named_struct(&[e.into(), i64t.const_zero().into(), ways.into()]));
        g.set_section(Some(IC_SECTION));
        g.set_alignment(8);
        g.as_pointer_value()
    }

    /// One inline-cache entry test: load the record pointer at `entry` (monotonic: another
    /// thread may repoint it; one word, never torn), compare the record's guest address with
    /// `a` (marked likely), and on a match load the record's host function at byte `field`
    /// (`RECORD_FN_OFFSET`: full-state entry, `RECORD_DIRECT_OFFSET`: direct entry) in a new block.
    /// Returns (host fn, its block, the mismatch block); the builder is left at the mismatch
    /// block.
    fn ic_test(&self, entry: PointerValue<'ctx>, a: IntValue<'ctx>, tag: &str, field: i32) -> R<(BasicValueEnum<'ctx>, BasicBlock<'ctx>, BasicBlock<'ctx>)> {
        let (i64t, ptr) = (self.ctx.i64_type(), self.ctx.ptr_type(inkwell::AddressSpace::default()));
        let rec = self.b.build_load(ptr, entry, "ic_rec")?;
        let li = rec.as_instruction_value().unwrap();
        li.set_alignment(8).ok();
        li.set_atomic_ordering(AtomicOrdering::Monotonic).map_err(|e| BackendError::Llvm(format!("{e:?}")))?;
        let rec = rec.into_pointer_value();
        // Records are immutable (the entry table, aot_ic_empty).
        let pc = self.b.build_load(i64t, rec, "ic_pc")?.into_int_value();
        let same = self.b.build_int_compare(IntPredicate::EQ, pc, a, "")?;
        let same = self.expect(same, true)?;
        let hit = self.ctx.append_basic_block(self.func, &format!("ic_hit{tag}"));
        let miss = self.ctx.append_basic_block(self.func, &format!("ic_miss{tag}"));
        self.b.build_conditional_branch(same, hit, miss)?;
        self.b.position_at_end(hit);
        // SAFETY (LLVM): the host_fn or host_d field of a record.
        let fpp = unsafe { self.b.build_in_bounds_gep(self.ctx.i8_type(), rec, &[i64t.const_int(field as u64, false)], "")? };
        let fp = self.b.build_load(ptr, fpp, "ic_fn")?;
        self.b.position_at_end(miss);
        Ok((fp, hit, miss))
    }

    /// The inline-cache hit test of the site with slot `slot` for target `a`: level 1 (load,
    /// compare, load), then, on a mismatch, the target's level-2 way (hash, load, compare, load),
    /// loading the record's entry at byte `field` on a hit.
    /// Returns (host fn on a hit of either, hit block, miss block); the caller computes the host
    /// function in the miss block, where the builder is left.
    fn ic_probe(&self, slot: PointerValue<'ctx>, a: IntValue<'ctx>, field: i32) -> R<(BasicValueEnum<'ctx>, BasicBlock<'ctx>, BasicBlock<'ctx>)> {
        let (i32t, i64t, ptr) = (self.ctx.i32_type(), self.ctx.i64_type(), self.ctx.ptr_type(inkwell::AddressSpace::default()));
        let (fp1, hit1, _) = self.ic_test(slot, a, "", field)?;
        // Way = top bits of low32(a >> 4) * IC_HASH (runtime/src/ic.rs `way`): `shr`, `imul`,
        // `shr`.
        let lo = self.b.build_right_shift(a, i64t.const_int(4, false), false, "")?;
        let lo = self.b.build_int_truncate(lo, i32t, "")?;
        let h = self.b.build_int_mul(lo, i32t.const_int(IC_HASH, false), "")?;
        let w = self.b.build_right_shift(h, i32t.const_int(aot_lifter::ic::WAY_SHIFT as u64, false), false, "ic_way")?;
        let w = self.b.build_int_z_extend(w, i64t, "")?;
        let slot_ty = self.ctx.struct_type(&[ptr.into(), i64t.into(), ptr.array_type(IC_WAYS).into()], false);
        // SAFETY (LLVM): way < IC_WAYS, inside the slot's array.
        let entry = unsafe { self.b.build_in_bounds_gep(slot_ty, slot, &[i64t.const_zero(), i32t.const_int(2, false), w], "ic_entry")? };
        let (fp2, hit2, miss) = self.ic_test(entry, a, "2", field)?;
        let hit = self.ctx.append_basic_block(self.func, "ic_hit_any");
        self.b.position_at_end(hit1);
        self.b.build_unconditional_branch(hit)?;
        self.b.position_at_end(hit2);
        self.b.build_unconditional_branch(hit)?;
        self.b.position_at_end(hit);
        let fp = self.b.build_phi(ptr, "ic_fn")?;
        fp.add_incoming(&[(&fp1, hit1), (&fp2, hit2)]);
        self.b.position_at_end(miss);
        Ok((fp.as_basic_value(), hit, miss))
    }

    fn intrinsic(&self, name: &str, tys: &[BasicTypeEnum<'ctx>]) -> R<FunctionValue<'ctx>> {
        let i = Intrinsic::find(name).ok_or_else(|| BackendError::Intrinsic(name.into()))?;
        i.get_declaration(self.module, tys).ok_or_else(|| BackendError::Intrinsic(name.into()))
    }

    fn call_intr(&self, name: &str, tys: &[BasicTypeEnum<'ctx>], args: &[BasicMetadataValueEnum<'ctx>]) -> R<BasicValueEnum<'ctx>> {
        let f = self.intrinsic(name, tys)?;
        let c = self.b.build_call(f, args, "")?;
        c.try_as_basic_value().basic().ok_or_else(|| BackendError::Llvm(format!("{name} returns void")))
    }

    /// `c` with `llvm.expect`: LLVM lays out the branch on it for `likely` (the other side cold).
    fn expect(&self, c: IntValue<'ctx>, likely: bool) -> R<IntValue<'ctx>> {
        let i1 = self.ctx.bool_type();
        let want = if likely { i1.const_all_ones() } else { i1.const_zero() };
        Ok(self.call_intr("llvm.expect", &[i1.into()], &[c.into(), want.into()])?.into_int_value())
    }

    fn v(&self, x: Value) -> BasicValueEnum<'ctx> {
        self.vals[x.0 as usize].expect("value defined before use (verified)")
    }
    fn iv(&self, x: Value) -> IntValue<'ctx> {
        self.v(x).into_int_value()
    }

    fn emit(&mut self) -> R<()> {
        self.emit_full_entry()?;
        let entry = self.ctx.append_basic_block(self.func, "entry");
        self.set_guest_off(0);
        for (k, _) in self.f.blocks.iter().enumerate() {
            let bb = self.ctx.append_basic_block(self.func, &format!("b{k}"));
            self.blocks.push(bb);
        }
        self.b.position_at_end(entry);
        for &r in &self.used.clone() {
            let a = self.b.build_alloca(self.reg_ty(r), &r.name())?;
            self.regs.insert(r.0, a);
        }
        // Registers written but never read still need an alloca.
        for &r in &self.written.clone() {
            if !self.regs.contains_key(&r.0) {
                let a = self.b.build_alloca(self.reg_ty(r), &r.name())?;
                self.regs.insert(r.0, a);
            }
        }
        let pairs: std::collections::BTreeSet<(u8, u8)> = self.copy.stores.values().map(|&(_, a, b)| (a, b)).collect();
        for (ra, rb) in pairs {
            if self.regs.contains_key(&ra) && self.regs.contains_key(&rb) {
                let a = self.b.build_alloca(self.v2i64(), &format!("pair_x{ra}_x{rb}"))?;
                self.b.build_store(a, self.v2i64().get_undef())?;
                self.pair_slot.insert((ra, rb), a);
            }
        }
        self.load_state_except(direct_set())?;
        for (k, r) in DIRECT_REGS.iter().enumerate() {
            let v = self.func.get_nth_param(2 + k as u32).unwrap();
            self.put_reg(r.0, v)?;
        }
        // Dispatch on the entry offset.
        let pc = self.func.get_nth_param(1).unwrap().into_int_value();
        let base = self.reloc_value(0)?;
        let off = self.b.build_int_sub(pc, base, "off")?;
        let bad = self.ctx.append_basic_block(self.func, "bad_entry");
        let cases: Vec<(IntValue, BasicBlock)> = self
            .f
            .entries
            .iter()
            .map(|&(o, b)| (self.ctx.i64_type().const_int(o, false), self.blocks[b.0 as usize]))
            .collect();
        if cases.len() == 1 {
            // The common case: one entry. Anything else is a dispatcher bug; go to the start anyway.
            self.b.build_unconditional_branch(cases[0].1)?;
        } else if let Some(start) = self.f.entries.iter().position(|&(o, _)| o == 0) {
            // Direct calls (`BL`, tail calls) enter at the start; the other entries (return sites,
            // addresses from data) come from the dispatcher after a non-LIFO return, from jump
            // tables or from signal returns. Test the start first, marked likely: LLVM lowers a
            // small switch to a compare chain in case order, which put the start last
            // (a recursive call paid every other entry's compare).
            let zero = self.ctx.i64_type().const_zero();
            let is_start = self.b.build_int_compare(IntPredicate::EQ, off, zero, "is_start")?;
            let likely = self.expect(is_start, true)?;
            let others = self.ctx.append_basic_block(self.func, "other_entry");
            self.b.build_conditional_branch(likely, cases[start].1, others)?;
            self.b.position_at_end(others);
            let rest: Vec<_> = cases.iter().enumerate().filter(|&(k, _)| k != start).map(|(_, &c)| c).collect();
            self.b.build_switch(off, bad, &rest)?;
        } else {
            self.b.build_switch(off, bad, &cases)?;
        }
        self.b.position_at_end(bad);
        // Just loaded: nothing is dirty.
        self.dirty.set(0);
        self.emit_trap(ir::TrapKind::NotCode as u32, pc)?;

        for k in 0..self.f.blocks.len() {
            self.b.position_at_end(self.blocks[k]);
            self.cur_block = k;
            let blk = &self.f.blocks[k];
            self.set_guest_off(blk.off);
            self.dirty.set(self.dirty_info.block_in[k]);
            let mut deferred = vec![];
            for &v in &blk.insts {
                if self.fp_role[v.0 as usize] == FpRole::Deferred {
                    deferred.push(v);
                    continue;
                }
                self.cur_inst.set(v);
                let r = self.inst(v)?;
                self.vals[v.0 as usize] = r;
                if self.fp_role[v.0 as usize] == (FpRole::Member { last: v }) {
                    self.flush_fp_group()?;
                    for d in std::mem::take(&mut deferred) {
                        self.cur_inst.set(d);
                        let r = self.inst(d)?;
                        self.vals[d.0 as usize] = r;
                        self.dirty.set(ir::dirty::step(self.f.inst(d), self.dirty.get(), WRITE_THROUGH));
                    }
                }
                self.dirty.set(ir::dirty::step(self.f.inst(v), self.dirty.get(), WRITE_THROUGH));
                if let Some(&c) = self.chain_end.get(&v) {
                    self.flush_fp_chain(c)?;
                }
            }
            self.term(&blk.term)?;
        }
        Ok(())
    }

    /// Write the state back, set the guest PC and raise a trap (PC is set last: the IR may
    /// also have written PC, e.g. an SVC, and that value must not win).
    fn emit_trap(&self, kind: u32, pc: IntValue<'ctx>) -> R<()> {
        self.store_state()?;
        self.set_pc(pc)?;
        let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
        let ft = self.ctx.void_type().fn_type(&[ptr.into(), self.ctx.i32_type().into()], false);
        let f = self.runtime_fn("aot_trap", ft);
        let noreturn = self.ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("noreturn"), 0);
        f.add_attribute(AttributeLoc::Function, noreturn);
        self.b.build_call(f, &[self.st.into(), self.ctx.i32_type().const_int(kind as u64, false).into()], "")?;
        self.b.build_unreachable()?;
        Ok(())
    }

    fn block(&self, b: BlockId) -> BasicBlock<'ctx> {
        self.blocks[b.0 as usize]
    }

    /// The LLVM block a conditional branch of the current block goes to for target `to`: the
    /// target itself, or a new block storing what ir::dirty says to store on a loop entry.
    fn edge(&self, to: BlockId) -> R<BasicBlock<'ctx>> {
        let set = self.dirty_info.flush_on(self.cur_block, to.0 as usize);
        if set & self.written.iter().fold(0u128, |a, r| a | 1u128 << r.0) == 0 {
            return Ok(self.block(to));
        }
        let here = self.b.get_insert_block().unwrap();
        let bb = self.ctx.append_basic_block(self.func, "loop_entry");
        self.b.position_at_end(bb);
        self.store_regs(set)?;
        self.b.build_unconditional_branch(self.block(to))?;
        self.b.position_at_end(here);
        Ok(bb)
    }

    /// After a call returns: continue at `cont` if the guest returned where expected, else leave.
    fn return_check(&self, ret_off: u64, cont: BlockId) -> R<()> {
        let pc = self.b.build_load(self.ctx.i64_type(), self.slot_ptr(Reg::PC)?, "pc")?.into_int_value();
        // A return site is an entry (the dispatcher enters there after a non-LIFO return); its
        // check symbol is used nowhere else, so LLVM loads it after the call instead of keeping
        // the return address of the X30 write in a callee-saved register across the call (a
        // push/pop pair, often a second one for alignment, and 16 host stack bytes per guest
        // frame). docs/performance.md, "What was tried".
        let expect = if self.is_entry(ret_off) {
            self.global_addr(&return_symbol(self.key, ret_off))?
        } else {
            let base = self.reloc_value(0)?;
            self.b.build_int_add(base, self.ctx.i64_type().const_int(ret_off, false), "")?
        };
        let ok = self.b.build_int_compare(IntPredicate::EQ, pc, expect, "")?;
        let reload = self.ctx.append_basic_block(self.func, "ret_ok");
        let leave = self.ctx.append_basic_block(self.func, "ret_other");
        self.b.build_conditional_branch(ok, reload, leave)?;
        self.b.position_at_end(leave);
        self.b.build_return(None)?;
        self.b.position_at_end(reload);
        self.load_state()?;
        self.b.build_unconditional_branch(self.block(cont))?;
        Ok(())
    }

    /// A safe point for asynchronous signals (ir::safepoint): one monotonic load of
    /// `CpuState::sigpoll` and a branch marked unlikely. The cold path writes the guest registers
    /// in `live` back with PC = base + `off`, lets the runtime deliver (`aot_safepoint`), then reloads the
    /// state and continues, or returns when the handler moved the PC elsewhere (as after a call
    /// whose return check fails). Code after it goes on in a new block.
    fn safepoint(&self, off: u64, live: u128) -> R<()> {
        let (i64t, i32t) = (self.ctx.i64_type(), self.ctx.i32_type());
        // SAFETY (LLVM): in-bounds offset into CpuState.
        let p = unsafe {
            self.b.build_in_bounds_gep(self.ctx.i8_type(), self.st, &[i64t.const_int(SIGPOLL_OFFSET as u64, false)], "sigpoll")?
        };
        let flag = self.b.build_load(i32t, p, "")?;
        let li = flag.as_instruction_value().unwrap();
        li.set_alignment(4).ok();
        // Volatile: the flag is set by a signal handler of this thread or by the reclaimer
        // thread, and a plain load could be hoisted out of a loop. A volatile aligned 4-byte load
        // is one `cmpl $0, mem` on x86 (what the host's atomic load would be too), where LLVM
        // keeps a monotonic atomic load as a separate `movl` + `testl`: one instruction less
        // per loop iteration.
        li.set_volatile(true).map_err(|e| BackendError::Llvm(format!("{e:?}")))?;
        let set = self.b.build_int_compare(IntPredicate::NE, flag.into_int_value(), i32t.const_zero(), "")?;
        let set = self.expect(set, false)?;
        let cold = self.ctx.append_basic_block(self.func, "sig_deliver");
        let cont = self.ctx.append_basic_block(self.func, "sig_cont");
        self.b.build_conditional_branch(set, cold, cont)?;
        self.b.position_at_end(cold);
        self.store_state_of(live)?;
        // `off` is an entry (ir::safepoint), so it has a symbol (`entry_addr`).
        let base = self.reloc_value(0)?;
        let here = if off == 0 {
            base
        } else if self.is_entry(off) {
            self.global_addr(&entry_symbol(self.key, off))?
        } else {
            self.b.build_int_add(base, i64t.const_int(off, false), "")?
        };
        self.set_pc(here)?;
        // The runtime says whether the PC is still `here`: the address is not needed after the
        // call, so no callee-saved register holds it (see `return_check`).
        let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
        let i8t = self.ctx.i8_type();
        let f = self.runtime_fn("aot_safepoint_same", i8t.fn_type(&[ptr.into()], false));
        let cold_attr = self.ctx.create_enum_attribute(inkwell::attributes::Attribute::get_named_enum_kind_id("cold"), 0);
        f.add_attribute(AttributeLoc::Function, cold_attr);
        let r = self.b.build_call(f, &[self.st.into()], "")?.try_as_basic_value().basic().unwrap().into_int_value();
        let same = self.b.build_int_compare(IntPredicate::NE, r, i8t.const_zero(), "")?;
        let reload = self.ctx.append_basic_block(self.func, "sig_resume");
        let leave = self.ctx.append_basic_block(self.func, "sig_leave");
        self.b.build_conditional_branch(same, reload, leave)?;
        self.b.position_at_end(leave);
        self.b.build_return(None)?;
        self.b.position_at_end(reload);
        self.load_state()?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    fn set_pc(&self, v: IntValue<'ctx>) -> R<()> {
        self.b.build_store(self.slot_ptr(Reg::PC)?, v)?;
        Ok(())
    }

    fn term(&self, t: &Term) -> R<()> {
        match *t {
            Term::None => return Err(BackendError::Llvm("unterminated block".into())),
            Term::Br(b) => {
                self.store_regs(self.dirty_info.flush_on(self.cur_block, b.0 as usize))?;
                self.b.build_unconditional_branch(self.block(b))?;
            }
            Term::BrIf { cond, then_, else_ } => {
                let t = self.edge(then_)?;
                let e = self.edge(else_)?;
                self.b.build_conditional_branch(self.iv(cond), t, e)?;
            }
            Term::Call { target, ret_off, cont } => {
                // The direct entry: `DIRECT_REGS` go in host registers, dirty in the callee,
                // which stores them where it stores what it wrote; the rest as at any boundary.
                self.store_state_of(if self.f.flags_local { !ir::abi::NZCV } else { u128::MAX } & !direct_set())?;
                let addr = self.reloc_value(target as usize)?;
                let f = self.direct_callee(target as usize);
                let args = self.direct_args(addr)?;
                self.b.build_call(f, &args, "")?;
                self.return_check(ret_off, cont)?;
            }
            Term::CallInd { addr, ret_off, cont } => {
                // As a `BL`: `DIRECT_REGS` stay in host registers for the direct entry.
                self.store_state_of(if self.f.flags_local { !ir::abi::NZCV } else { u128::MAX } & !direct_set())?;
                let a = self.iv(addr);
                // Inline cache (runtime/src/ic.rs): hit = load, compare, call the record's
                // direct entry with `DIRECT_REGS`; a miss stores them, asks the runtime (which
                // also fills the slot) and calls the full-state entry it returns (AOT or JIT
                // code, or a runtime stub).
                let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
                let slot = self.ic_slot();
                let (hit_fp, hit, _) = self.ic_probe(slot, a, aot_lifter::ic::RECORD_DIRECT_OFFSET)?;
                self.store_state_of(direct_set())?;
                let mf = self.runtime_fn(aot_lifter::ic::MISS_CALL, ptr.fn_type(&[ptr.into(), self.ctx.i64_type().into()], false));
                let miss_fp = self.b.build_call(mf, &[slot.into(), a.into()], "")?.try_as_basic_value().basic().unwrap();
                self.b.build_indirect_call(self.fn_ty, miss_fp.into_pointer_value(), &[self.st.into(), a.into()], "")?;
                let call = self.ctx.append_basic_block(self.func, "ic_called");
                self.b.build_unconditional_branch(call)?;
                self.b.position_at_end(hit);
                let args = self.direct_args(a)?;
                self.b.build_indirect_call(self.d_ty, hit_fp.into_pointer_value(), &args, "")?;
                self.b.build_unconditional_branch(call)?;
                self.b.position_at_end(call);
                self.return_check(ret_off, cont)?;
            }
            Term::Ret { addr } => {
                self.store_state_at_boundary()?;
                self.set_pc(self.iv(addr))?;
                self.b.build_return(None)?;
            }
            Term::Tail { target, to_start } => {
                let addr = self.reloc_value(target as usize)?;
                // A function start reads no flag (ir::abi); other targets (another function's
                // extra entry: a `.cold` part jumping back) get them. The registers passed to the
                // direct entry stay in host registers.
                let flags = if to_start && self.f.flags_local { !ir::abi::NZCV } else { u128::MAX };
                self.store_state_of(!direct_set() & flags)?;
                self.set_pc(addr)?;
                let f = self.direct_callee(target as usize);
                let args = self.direct_args(addr)?;
                let c = self.b.build_call(f, &args, "")?;
                c.set_tail_call_kind(inkwell::values::LLVMTailCallKind::LLVMTailCallKindMustTail);
                self.b.build_return(None)?;
            }
            Term::JumpInd { addr, ref targets } => {
                let a = self.iv(addr);
                // An entry of this function (jump table, computed goto): branch to it directly.
                // With a recovered table only to its targets (`ir::safepoint::successors`); any
                // other address leaves the function below.
                let i64t = self.ctx.i64_type();
                let dests: Vec<(u64, BlockId)> = if targets.is_empty() {
                    self.f.entries.clone()
                } else {
                    targets.iter().filter_map(|&o| self.f.entries.iter().find(|e| e.0 == o).copied()).collect()
                };
                let out = self.ctx.append_basic_block(self.func, "jump_out");
                let keyed = if targets.is_empty() { None } else { self.table_key(addr) };
                if let Some((key, map)) = keyed {
                    // On the table entry itself (`table_key`): no address arithmetic, and the
                    // case values are the table's values.
                    let kt = key.get_type();
                    let cases: Vec<(IntValue, BasicBlock)> =
                        dests.iter().filter_map(|&(o, b)| map(o).map(|k| (kt.const_int(k, false), self.block(b)))).collect();
                    self.b.build_switch(key, out, &cases)?;
                } else {
                    let off = match self.base_offset(addr)? {
                        Some(off) => off,
                        None => self.b.build_int_sub(a, self.reloc_value(0)?, "")?,
                    };
                    // Switch on the offset rotated right by 2: entries are instruction
                    // addresses, so the case values become consecutive slot numbers (4x denser:
                    // LLVM builds a jump table where it built a compare tree for the byte offsets,
                    // 5-7 compares per dispatch in benches/interp), and a misaligned target gets
                    // high bits and falls to the default edge.
                    let off = self
                        .call_intr("llvm.fshr", &[i64t.into()], &[off.into(), off.into(), i64t.const_int(2, false).into()])?
                        .into_int_value();
                    let cases: Vec<(IntValue, BasicBlock)> =
                        dests.iter().map(|&(o, b)| (i64t.const_int(o.rotate_right(2), false), self.block(b))).collect();
                    self.b.build_switch(off, out, &cases)?;
                }
                self.b.position_at_end(out);
                self.store_state_at_boundary()?;
                self.set_pc(a)?;
                // A function start: a tail call. Anything else: return, so the dispatcher enters
                // it with the abandoned host frames gone (longjmp).
                let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
                let fp = if self.f.entries.len() == 1 {
                    // A function with one entry (an IFUNC PLT stub, a tail call through a
                    // pointer): an inline cache as for calls, its slot only ever holding
                    // function starts. Not in functions with jump tables: there the extra
                    // blocks on the switch's default edge cost the hot dispatch loop of
                    // benches/interp 8 % in instructions (docs/performance.md).
                    let slot = self.ic_slot();
                    let (hit_fp, hit, _) = self.ic_probe(slot, a, aot_lifter::ic::RECORD_FN_OFFSET)?;
                    let lf = self.runtime_fn(aot_lifter::ic::MISS_JUMP, ptr.fn_type(&[ptr.into(), i64t.into()], false));
                    let miss_fp = self.b.build_call(lf, &[slot.into(), a.into()], "")?.try_as_basic_value().basic().unwrap();
                    let miss = self.b.get_insert_block().unwrap();
                    let is_null = self.b.build_is_null(miss_fp.into_pointer_value(), "")?;
                    let tail = self.ctx.append_basic_block(self.func, "jump_tail");
                    let leave = self.ctx.append_basic_block(self.func, "jump_leave");
                    self.b.build_conditional_branch(is_null, leave, tail)?;
                    self.b.position_at_end(hit);
                    self.b.build_unconditional_branch(tail)?;
                    self.b.position_at_end(leave);
                    self.b.build_return(None)?;
                    self.b.position_at_end(tail);
                    let fp = self.b.build_phi(ptr, "")?;
                    fp.add_incoming(&[(&hit_fp, hit), (&miss_fp, miss)]);
                    fp.as_basic_value().into_pointer_value()
                } else {
                    let lf = self.runtime_fn("aot_lookup_start", ptr.fn_type(&[i64t.into()], false));
                    let fp = self.b.build_call(lf, &[a.into()], "")?.try_as_basic_value().basic().unwrap().into_pointer_value();
                    let is_null = self.b.build_is_null(fp, "")?;
                    let tail = self.ctx.append_basic_block(self.func, "jump_tail");
                    let leave = self.ctx.append_basic_block(self.func, "jump_leave");
                    self.b.build_conditional_branch(is_null, leave, tail)?;
                    self.b.position_at_end(leave);
                    self.b.build_return(None)?;
                    self.b.position_at_end(tail);
                    fp
                };
                // Full-state entries (AOT `aot_f_`, JIT code, runtime stubs) with this
                // function's prototype for `musttail`: the extra arguments are ignored (SysV:
                // they are in registers the callee does not read), the state holds them.
                let args = self.direct_args(a)?;
                let c = self.b.build_indirect_call(self.d_ty, fp, &args, "")?;
                c.set_tail_call_kind(inkwell::values::LLVMTailCallKind::LLVMTailCallKindMustTail);
                self.b.build_return(None)?;
            }
            Term::Trap { kind, off } => {
                let base = self.reloc_value(0)?;
                let pc = self.b.build_int_add(base, self.ctx.i64_type().const_int(off, false), "")?;
                self.emit_trap(kind as u32, pc)?;
            }
        }
        Ok(())
    }

    fn addr_ptr(&self, a: Value) -> R<PointerValue<'ctx>> {
        Ok(self.b.build_int_to_ptr(self.iv(a), self.ctx.ptr_type(inkwell::AddressSpace::default()), "")?)
    }

    /// The pointer of a plain access (ir::counted::relax_affine) at `base + index`: a byte GEP
    /// from the base pointer, so that LLVM's scalar evolution sees the address as an affine
    /// function of the loop's induction variable off an unknown base (the loop vectorizer's
    /// runtime alias checks need that; an `inttoptr` of the sum is opaque to it).
    fn plain_addr_ptr(&self, a: Value) -> R<PointerValue<'ctx>> {
        let i = self.f.inst(a);
        if i.op == Op::Add && i.ty == Ty::I64 {
            let index = |v: Value| matches!(self.f.inst(v).op, Op::Shl | Op::Mul | Op::Sext | Op::Zext);
            let (base, off) = if index(i.args[1]) || !index(i.args[0]) { (i.args[0], i.args[1]) } else { (i.args[1], i.args[0]) };
            let p = self.addr_ptr(base)?;
            // SAFETY (LLVM): a GEP without inbounds is plain address arithmetic.
            return Ok(unsafe { self.b.build_gep(self.ctx.i8_type(), p, &[self.iv(off)], "")? });
        }
        self.addr_ptr(a)
    }

    /// Width mask for shift amounts (amount modulo the width).
    fn shift_amount(&self, x: Value, w: u32) -> R<IntValue<'ctx>> {
        let t = self.iv(x).get_type();
        Ok(self.b.build_and(self.iv(x), t.const_int((w - 1) as u64, false), "")?)
    }

    /// A lane-wise vector op (`Rule::Lanes`): the I128 operands as `<N x iE>`, one LLVM vector
    /// operation (one host SIMD instruction for most), the result back as an i128.
    fn lanes(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        let i = self.f.inst(v);
        let b = &self.b;
        let vt = self.vec_ty(i.imm as u32);
        if i.op == Op::VDup {
            // insertelement into lane 0, then a zero-mask shuffle: LLVM's splat (vpbroadcast).
            let one = b.build_insert_element(vt.get_undef(), self.iv(i.args[0]), self.ctx.i32_type().const_zero(), "")?;
            let zeros = self.ctx.i32_type().vec_type(vt.get_size()).const_zero();
            let r = b.build_shuffle_vector(one, vt.get_undef(), zeros, "")?;
            return Ok(b.build_bit_cast(r, self.ctx.i128_type(), "")?);
        }
        let arg = |k: usize| -> R<inkwell::values::VectorValue<'ctx>> {
            Ok(b.build_bit_cast(self.v(i.args[k]), vt, "")?.into_vector_value())
        };
        let x = arg(0)?;
        let splat = |c: u64| {
            let e = vt.get_element_type().into_int_type().const_int(c, false);
            inkwell::types::VectorType::const_vector(&vec![e; vt.get_size() as usize])
        };
        let minmax = |p: IntPredicate, y| -> R<inkwell::values::VectorValue<'ctx>> {
            let c = b.build_int_compare(p, x, y, "")?;
            Ok(b.build_select(c, x, y, "")?.into_vector_value())
        };
        let r = match i.op {
            Op::VAdd => b.build_int_add(x, arg(1)?, "")?,
            Op::VSub => b.build_int_sub(x, arg(1)?, "")?,
            Op::VMul => b.build_int_mul(x, arg(1)?, "")?,
            Op::VUMin => minmax(IntPredicate::ULT, arg(1)?)?,
            Op::VUMax => minmax(IntPredicate::UGT, arg(1)?)?,
            Op::VSMin => minmax(IntPredicate::SLT, arg(1)?)?,
            Op::VSMax => minmax(IntPredicate::SGT, arg(1)?)?,
            Op::VICmp => {
                let c = b.build_int_compare(int_pred(Cond::from_u64(i.imm2).unwrap()), x, arg(1)?, "")?;
                b.build_int_s_extend(c, vt, "")?
            }
            Op::VShl => b.build_left_shift(x, splat(i.imm2), "")?,
            Op::VLShr => b.build_right_shift(x, splat(i.imm2), false, "")?,
            Op::VAShr => b.build_right_shift(x, splat(i.imm2), true, "")?,
            op => return Err(BackendError::Llvm(format!("{} is not a lane-wise vector op", op.text()))),
        };
        Ok(b.build_bit_cast(r, self.ctx.i128_type(), "")?)
    }

    fn vec_ty(&self, esize: u32) -> inkwell::types::VectorType<'ctx> {
        self.ctx.custom_width_int_type(esize).vec_type(128 / esize)
    }

    fn inst(&mut self, v: Value) -> R<Option<BasicValueEnum<'ctx>>> {
        let i = self.f.inst(v);
        let b = &self.b;
        let a = |k: usize| i.args[k];
        let ty = i.ty;
        let w = ty.bits();
        let r: BasicValueEnum<'ctx> = match i.op {
            Op::Const => {
                let t = self.ctx.custom_width_int_type(w);
                if w <= 64 {
                    t.const_int(i.imm, false).into()
                } else {
                    t.const_int_arbitrary_precision(&[i.imm, i.imm2]).into()
                }
            }
            Op::Reloc => self.reloc_value(i.imm as usize)?.into(),
            Op::GetReg => {
                let r = Reg(i.imm as u8);
                let x = b.build_load(self.reg_ty(r), self.regs[&r.0], "")?;
                if ty == Ty::I128 {
                    b.build_bit_cast(x, self.ty(ty), "")?
                } else {
                    x
                }
            }
            Op::Insn => {
                self.set_guest_off(i.imm);
                return Ok(None);
            }
            Op::SetReg => {
                let x = if self.f.inst(a(0)).ty == Ty::I128 { self.as_v2i64(self.v(a(0)))?.into() } else { self.v(a(0)) };
                self.put_reg(i.imm as u8, x)?;
                if Reg(i.imm as u8) == Reg::SP {
                    // SP is also written through to the state at once (a volatile store, which LLVM
                    // keeps): a synchronous fault then reports the exact guest SP, which unwinders
                    // need (Go's sigpanic walks the guest stack from the faulting frame's SP).
                    let st = b.build_store(self.slot_ptr(Reg::SP)?, self.v(a(0)))?;
                    st.set_volatile(true).ok();
                }
                return Ok(None);
            }
            Op::Add => match self.entry_addr(a(0), a(1))? {
                Some(x) => x.into(),
                None => b.build_int_add(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            },
            Op::Sub => b.build_int_sub(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            Op::Mul => b.build_int_mul(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            Op::UMulH | Op::SMulH => {
                let wide = self.ctx.custom_width_int_type(2 * w);
                let (x, y) = if i.op == Op::UMulH {
                    (b.build_int_z_extend(self.iv(a(0)), wide, "")?, b.build_int_z_extend(self.iv(a(1)), wide, "")?)
                } else {
                    (b.build_int_s_extend(self.iv(a(0)), wide, "")?, b.build_int_s_extend(self.iv(a(1)), wide, "")?)
                };
                let p = b.build_int_mul(x, y, "")?;
                let h = b.build_right_shift(p, wide.const_int(w as u64, false), false, "")?;
                b.build_int_truncate(h, self.ctx.custom_width_int_type(w), "")?.into()
            }
            Op::UDiv | Op::SDiv => {
                let t = self.iv(a(0)).get_type();
                let (x, y) = (self.iv(a(0)), self.iv(a(1)));
                let zero = t.const_zero();
                let one = t.const_int(1, false);
                let is0 = b.build_int_compare(IntPredicate::EQ, y, zero, "")?;
                if i.op == Op::UDiv {
                    let d = b.build_select(is0, one, y, "")?.into_int_value();
                    let q = b.build_int_unsigned_div(x, d, "")?;
                    b.build_select(is0, zero, q, "")?
                } else {
                    let m1 = t.const_all_ones();
                    let ism1 = b.build_int_compare(IntPredicate::EQ, y, m1, "")?;
                    let special = b.build_or(is0, ism1, "")?;
                    let d = b.build_select(special, one, y, "")?.into_int_value();
                    let q = b.build_int_signed_div(x, d, "")?;
                    let negx = b.build_int_sub(zero, x, "")?;
                    let q2 = b.build_select(ism1, negx, q, "")?;
                    b.build_select(is0, zero.into(), q2, "")?
                }
            }
            // 128-bit bitwise ops on <2 x i64>: one XMM op instead of two GPR ops and moves.
            Op::And | Op::Or | Op::Xor if ty == Ty::I128 => {
                let (x, y) = (self.as_v2i64(self.v(a(0)))?, self.as_v2i64(self.v(a(1)))?);
                let r = match i.op {
                    Op::And => b.build_and(x, y, "")?,
                    Op::Or => b.build_or(x, y, "")?,
                    _ => b.build_xor(x, y, "")?,
                };
                b.build_bit_cast(r, self.ty(ty), "")?
            }
            Op::Not if ty == Ty::I128 => {
                let r = b.build_not(self.as_v2i64(self.v(a(0)))?, "")?;
                b.build_bit_cast(r, self.ty(ty), "")?
            }
            Op::Not | Op::And | Op::Or | Op::Xor if self.merged_fcmp(v).is_some() => {
                let FcmpMask { x, y, mask } = self.merged_fcmp(v).unwrap();
                self.fcmp_of_mask(x, y, mask, self.ioc[v.0 as usize] == IocRaise::Branch)?
            }
            Op::And => b.build_and(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            Op::Or => b.build_or(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            Op::Xor => b.build_xor(self.iv(a(0)), self.iv(a(1)), "")?.into(),
            Op::Shl => b.build_left_shift(self.iv(a(0)), self.shift_amount(a(1), w)?, "")?.into(),
            Op::LShr => b.build_right_shift(self.iv(a(0)), self.shift_amount(a(1), w)?, false, "")?.into(),
            Op::AShr => b.build_right_shift(self.iv(a(0)), self.shift_amount(a(1), w)?, true, "")?.into(),
            Op::RotR => {
                let t = self.ty(ty);
                self.call_intr("llvm.fshr", &[t], &[self.v(a(0)).into(), self.v(a(0)).into(), self.v(a(1)).into()])?
            }
            Op::Not => b.build_not(self.iv(a(0)), "")?.into(),
            Op::Neg => b.build_int_neg(self.iv(a(0)), "")?.into(),
            Op::Clz => {
                let t = self.ty(ty);
                self.call_intr("llvm.ctlz", &[t], &[self.v(a(0)).into(), self.ctx.bool_type().const_zero().into()])?
            }
            Op::Cls => {
                let x = self.iv(a(0));
                let t = x.get_type();
                let s = b.build_right_shift(x, t.const_int(1, false), true, "")?;
                let y = b.build_xor(x, s, "")?;
                let c = self
                    .call_intr("llvm.ctlz", &[t.into()], &[y.into(), self.ctx.bool_type().const_zero().into()])?
                    .into_int_value();
                b.build_int_sub(c, t.const_int(1, false), "")?.into()
            }
            Op::Ctpop => {
                let t = self.ty(ty);
                self.call_intr("llvm.ctpop", &[t], &[self.v(a(0)).into()])?
            }
            Op::Rbit => {
                let t = self.ty(ty);
                self.call_intr("llvm.bitreverse", &[t], &[self.v(a(0)).into()])?
            }
            Op::Bswap => {
                if w == 8 {
                    self.v(a(0))
                } else {
                    let t = self.ty(ty);
                    self.call_intr("llvm.bswap", &[t], &[self.v(a(0)).into()])?
                }
            }
            Op::ICmp => {
                let p = int_pred(Cond::from_u64(i.imm).unwrap());
                b.build_int_compare(p, self.iv(a(0)), self.iv(a(1)), "")?.into()
            }
            Op::VAdd | Op::VSub | Op::VMul | Op::VUMin | Op::VUMax | Op::VSMin | Op::VSMax | Op::VICmp
            | Op::VDup | Op::VShl | Op::VLShr | Op::VAShr => self.lanes(v)?,
            Op::Select if self.ioc[v.0 as usize] == IocRaise::Dropped => self.ty(ty).into_int_type().const_zero().into(),
            Op::FCmp if self.ioc[v.0 as usize] == IocRaise::InBranch => self.ctx.bool_type().const_zero().into(),
            Op::FCmp if self.ioc[v.0 as usize] == IocRaise::Comis => {
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                let pm: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("uno").into();
                let es: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("fpexcept.strict").into();
                self.call_intr("llvm.experimental.constrained.fcmps", &[x.get_type()], &[x.into(), y.into(), pm, es])?
            }
            Op::Select => b.build_select(self.iv(a(0)), self.v(a(1)), self.v(a(2)), "")?,
            // An S/D register write (a float's bits zero-extended to a V register): the float
            // blended into lane 0 of a zero vector that LLVM cannot see is zero, so the value
            // stays in XMM registers (`vblendpd`/`vblendps`) instead of going through a
            // general-purpose register (docs/performance.md, FP kernels).
            Op::Zext if ty == Ty::I128 && self.is_float_bits(a(0)) => {
                let x = self.v(self.f.inst(a(0)).args[0]).into_float_value();
                self.float_into_zero_vector(x)?
            }
            // `ldr s`/`ldr d` (fp_loads): the same, from the loaded float.
            Op::Zext if ty == Ty::I128 && self.fp_load[a(0).0 as usize] => {
                let fty = if self.f.inst(a(0)).ty == Ty::I32 { self.ctx.f32_type() } else { self.ctx.f64_type() };
                let x = b.build_bit_cast(self.v(a(0)), fty, "")?.into_float_value();
                self.float_into_zero_vector(x)?
            }
            // A scalar written to a V register (upper bits zero): lane 0 of a zero vector.
            Op::Zext if ty == Ty::I128 => {
                let x = self.iv(a(0));
                let x = if x.get_type().get_bit_width() < 64 { b.build_int_z_extend(x, self.ctx.i64_type(), "")? } else { x };
                let v = b.build_insert_element(self.v2i64().const_zero(), x, self.ctx.i32_type().const_zero(), "")?;
                b.build_bit_cast(v, self.ty(ty), "")?
            }
            Op::Zext => b.build_int_z_extend(self.iv(a(0)), self.ty(ty).into_int_type(), "")?.into(),
            Op::Sext => b.build_int_s_extend(self.iv(a(0)), self.ty(ty).into_int_type(), "")?.into(),
            // The low bits of a V register: lane 0.
            Op::Trunc if self.f.inst(a(0)).ty == Ty::I128 && w <= 64 => {
                let v = self.as_v2i64(self.v(a(0)))?;
                let x = b.build_extract_element(v, self.ctx.i32_type().const_zero(), "")?.into_int_value();
                if w < 64 {
                    b.build_int_truncate(x, self.ty(ty).into_int_type(), "")?.into()
                } else {
                    x.into()
                }
            }
            Op::Trunc => b.build_int_truncate(self.iv(a(0)), self.ty(ty).into_int_type(), "")?.into(),
            // S/D register reads (an F32/F64 from the low bits of a V register): lane 0 of the
            // vector as a float, with no trip through a general-purpose register.
            Op::Bitcast if matches!(ty, Ty::F32 | Ty::F64) && self.is_v_low(a(0)) => {
                let src = self.f.inst(a(0)).args[0];
                let fty = self.ty(ty).into_float_type();
                let vt = fty.vec_type(128 / w);
                let vv = b.build_bit_cast(self.v(src), vt, "")?.into_vector_value();
                b.build_extract_element(vv, self.ctx.i32_type().const_zero(), "")?
            }
            Op::Bitcast => b.build_bit_cast(self.v(a(0)), self.ty(ty), "")?,
            Op::Extract => {
                let vt = self.vec_ty(i.imm as u32);
                let vv = b.build_bit_cast(self.v(a(0)), vt, "")?.into_vector_value();
                b.build_extract_element(vv, self.ctx.i32_type().const_int(i.imm2, false), "")?
            }
            Op::Insert => {
                let vt = self.vec_ty(i.imm as u32);
                let vv = b.build_bit_cast(self.v(a(0)), vt, "")?.into_vector_value();
                let nv = b.build_insert_element(vv, self.v(a(1)), self.ctx.i32_type().const_int(i.imm2, false), "")?;
                b.build_bit_cast(nv, self.ctx.i128_type(), "")?
            }
            op if ir::consts::fp_env_dependent(op) && self.strict_operands(i) => return self.strict_fp(v).map(Some),
            Op::FAdd => b.build_float_add(self.v(a(0)).into_float_value(), self.v(a(1)).into_float_value(), "")?.into(),
            Op::FSub => b.build_float_sub(self.v(a(0)).into_float_value(), self.v(a(1)).into_float_value(), "")?.into(),
            Op::FMul => b.build_float_mul(self.v(a(0)).into_float_value(), self.v(a(1)).into_float_value(), "")?.into(),
            Op::FDiv => b.build_float_div(self.v(a(0)).into_float_value(), self.v(a(1)).into_float_value(), "")?.into(),
            Op::FMin | Op::FMax | Op::FMinNm | Op::FMaxNm => {
                let name = match i.op {
                    Op::FMin => "llvm.minimum",
                    Op::FMax => "llvm.maximum",
                    Op::FMinNm => "llvm.minnum",
                    _ => "llvm.maxnum",
                };
                let t = self.ty(ty);
                let (x, y) = self.minmax_operands(a(0), a(1))?;
                let (x, y) = self.no_quiet_nans(x, y)?;
                self.call_intr(name, &[t], &[x.into(), y.into()])?
            }
            Op::FMa => {
                let t = self.ty(ty);
                self.call_intr("llvm.fma", &[t], &[self.v(a(0)).into(), self.v(a(1)).into(), self.v(a(2)).into()])?
            }
            Op::FSqrt => {
                let t = self.ty(ty);
                self.call_intr("llvm.sqrt", &[t], &[self.v(a(0)).into()])?
            }
            Op::FNeg => b.build_float_neg(self.v(a(0)).into_float_value(), "")?.into(),
            Op::FAbs => {
                let t = self.ty(ty);
                self.call_intr("llvm.fabs", &[t], &[self.v(a(0)).into()])?
            }
            Op::FRound => {
                let name = match RoundMode::from_u64(i.imm).unwrap() {
                    RoundMode::NearestEven => "llvm.roundeven",
                    RoundMode::Ceil => "llvm.ceil",
                    RoundMode::Floor => "llvm.floor",
                    RoundMode::Trunc => "llvm.trunc",
                    RoundMode::NearestAway => "",
                    // nearbyint: the current mode without Inexact (ROUNDSD imm 0xc); FRINTX's
                    // Inexact is raised by the IR.
                    RoundMode::Current => "llvm.nearbyint",
                };
                let t = self.ty(ty);
                if name.is_empty() {
                    self.round_away(a(0))?
                } else {
                    self.call_intr(name, &[t], &[self.v(a(0)).into()])?
                }
            }
            Op::FCmp => {
                let p = match FCond::from_u64(i.imm).unwrap() {
                    FCond::Oeq => FloatPredicate::OEQ,
                    FCond::Olt => FloatPredicate::OLT,
                    FCond::Ole => FloatPredicate::OLE,
                    FCond::Ogt => FloatPredicate::OGT,
                    FCond::Oge => FloatPredicate::OGE,
                    FCond::Uno => FloatPredicate::UNO,
                };
                // Under FPCR.FZ (MXCSR.DAZ) a denormal compares equal to zero, but LLVM 19 folds
                // `fcmp oeq (bitcast i), 0.0` into an integer test even with dynamic denormal
                // mode. llvm.arithmetic.fence hides the bitcast and costs no instruction.
                let (mut x, mut y) = (self.v(a(0)).into_float_value(), self.v(a(1)).into_float_value());
                let t = x.get_type();
                if p != FloatPredicate::UNO {
                    x = self.call_intr("llvm.arithmetic.fence", &[t.into()], &[x.into()])?.into_float_value();
                    y = self.call_intr("llvm.arithmetic.fence", &[t.into()], &[y.into()])?.into_float_value();
                }
                // Every IR compare is quiet (Arm's signalling compares raise IOC in the IR,
                // fp::signal_unordered). A plain `fcmp` lets x86 pick CMPLTSD/CMPLESD (signalling
                // predicates: Invalid on a quiet NaN) when it combines compares into a value, e.g.
                // `fcmp d1, d0; cset w1, le` (dg-torture inf-compare-7). The constrained compare
                // with ignored exceptions is lowered with quiet instructions only (UCOMISD, quiet
                // CMPSD predicates) and is still deleted when unused.
                let pred = match p {
                    FloatPredicate::OEQ => "oeq",
                    FloatPredicate::OLT => "olt",
                    FloatPredicate::OLE => "ole",
                    FloatPredicate::OGT => "ogt",
                    FloatPredicate::OGE => "oge",
                    _ => "uno",
                };
                let pm: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string(pred).into();
                let ei: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("fpexcept.ignore").into();
                self.call_intr("llvm.experimental.constrained.fcmp", &[t.into()], &[x.into(), y.into(), pm, ei])?
            }
            Op::FCvt => {
                // x86's CVTSS2SD/CVTSD2SS quieten a NaN and keep the top of its payload, as Arm
                // does; only default-NaN mode needs a select.
                let x = self.v(a(0)).into_float_value();
                let t = self.ty(ty).into_float_type();
                let r = if ty.bits() > self.f.inst(a(0)).ty.bits() {
                    b.build_float_ext(x, t, "")?
                } else {
                    b.build_float_trunc(x, t, "")?
                };
                let rnan = b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
                let dn = b.build_and(rnan, self.fpcr_dn()?, "")?;
                b.build_select(dn, self.float_bits(t, fpnan::default_nan(ty))?, r, "")?
            }
            Op::SIToFP => b.build_signed_int_to_float(self.iv(a(0)), self.ty(ty).into_float_type(), "")?.into(),
            Op::UIToFP => self.u64_to_float(self.iv(a(0)), self.ty(ty).into_float_type())?.into(),
            Op::FPToSISat | Op::FPToUISat => {
                let name = if i.op == Op::FPToSISat { "llvm.fptosi.sat" } else { "llvm.fptoui.sat" };
                let src = self.ty(self.f.inst(a(0)).ty);
                // The fence keeps LLVM from dropping the lifter's rounding step
                // (`fptosi(trunc x)` -> `fptosi x`) and so from converting the raw value, whose
                // host conversion raises Inexact or Invalid where Arm's does not (fp::f_to_fixed
                // gives this op only integral, in-range values).
                let x = self.call_intr("llvm.arithmetic.fence", &[src], &[self.v(a(0)).into()])?;
                self.call_intr(name, &[self.ty(ty), src], &[x.into()])?
            }
            Op::Load if self.pair_lo.contains_key(&v) => self.pair_lo.remove(&v).unwrap(),
            Op::Load if self.copy.loads.get(&v).is_some_and(|&(_, ra, rb)| self.pair_slot.contains_key(&(ra, rb))) => {
                let (w, _, _) = self.copy.loads[&v];
                let p = self.plain_addr_ptr(a(0))?;
                let l = b.build_load(self.v2i64(), p, "")?;
                l.as_instruction_value().unwrap().set_alignment(1).ok();
                let l = l.into_vector_value();
                let e = |k: u64| b.build_extract_element(l, self.ctx.i32_type().const_int(k, false), "");
                let (lo, hi) = (e(0)?, e(1)?);
                self.pair_lo.insert(w, hi);
                lo
            }
            Op::Store if self.pair_lo.contains_key(&v) => {
                self.pair_lo.remove(&v);
                return Ok(None);
            }
            Op::Store if self.copy.stores.get(&v).is_some_and(|&(_, ra, rb)| self.pair_slot.contains_key(&(ra, rb))) => {
                let (w, ra, rb) = self.copy.stores[&v];
                let p = self.plain_addr_ptr(a(0))?;
                let x = b.build_load(self.v2i64(), self.pair_slot[&(ra, rb)], "")?;
                let s = b.build_store(p, x)?;
                s.set_alignment(1).ok();
                // The second store is done: a marker for its own lowering.
                self.pair_lo.insert(w, x);
                return Ok(None);
            }
            Op::Load => {
                let o = Ordering::from_u64(i.imm).unwrap();
                let p = if o == Ordering::Plain { self.plain_addr_ptr(a(0))? } else { self.addr_ptr(a(0))? };
                let vector = ty == Ty::I128 && o == Ordering::Plain;
                let float = self.fp_load[v.0 as usize];
                let lty = if vector {
                    self.v2i64().into()
                } else if float && w == 32 {
                    self.ctx.f32_type().into()
                } else if float {
                    self.ctx.f64_type().into()
                } else {
                    self.ty(ty)
                };
                let l = b.build_load(lty, p, "")?;
                let inst = l.as_instruction_value().unwrap();
                if o == Ordering::Plain {
                    inst.set_alignment(1).ok();
                    if vector {
                        return Ok(Some(b.build_bit_cast(l, self.ty(ty), "")?));
                    }
                } else {
                    inst.set_alignment(w / 8).ok();
                    inst.set_atomic_ordering(ord(o)).map_err(|e| BackendError::Llvm(format!("{e:?}")))?;
                }
                if float {
                    b.build_bit_cast(l, self.ty(ty), "")?
                } else {
                    l
                }
            }
            Op::Store => {
                let o = Ordering::from_u64(i.imm).unwrap();
                let p = if o == Ordering::Plain { self.plain_addr_ptr(a(0))? } else { self.addr_ptr(a(0))? };
                let sw = self.f.inst(a(1)).ty.bits();
                let x = if sw == 128 && o == Ordering::Plain { self.as_v2i64(self.v(a(1)))?.into() } else { self.v(a(1)) };
                let s = b.build_store(p, x)?;
                if o == Ordering::Plain {
                    s.set_alignment(1).ok();
                } else {
                    s.set_alignment(sw / 8).ok();
                    s.set_atomic_ordering(ord(o)).map_err(|e| BackendError::Llvm(format!("{e:?}")))?;
                }
                return Ok(None);
            }
            Op::SafePoint => {
                // At the start of its block only the live registers are written back.
                let live = ir::safepoint::writeback_at(self.f, &self.live_in, self.cur_block, v);
                self.safepoint(i.imm, live)?;
                return Ok(None);
            }
            Op::Fence => {
                let o = match FenceKind::from_u64(i.imm).unwrap() {
                    FenceKind::SeqCst => AtomicOrdering::SequentiallyConsistent,
                    FenceKind::Acquire => AtomicOrdering::Acquire,
                    FenceKind::Release => AtomicOrdering::Release,
                };
                b.build_fence(o, 0, "")?;
                return Ok(None);
            }
            Op::AtomicRmw => {
                let p = self.addr_ptr(a(0))?;
                let o = match ord(Ordering::from_u64(i.imm2).unwrap()) {
                    AtomicOrdering::NotAtomic => AtomicOrdering::Monotonic,
                    x => x,
                };
                let mut val = self.iv(a(1));
                let op = match RmwOp::from_u64(i.imm).unwrap() {
                    RmwOp::Add => AtomicRMWBinOp::Add,
                    RmwOp::Clr => {
                        val = b.build_not(val, "")?;
                        AtomicRMWBinOp::And
                    }
                    RmwOp::Eor => AtomicRMWBinOp::Xor,
                    RmwOp::Set => AtomicRMWBinOp::Or,
                    RmwOp::SMax => AtomicRMWBinOp::Max,
                    RmwOp::SMin => AtomicRMWBinOp::Min,
                    RmwOp::UMax => AtomicRMWBinOp::UMax,
                    RmwOp::UMin => AtomicRMWBinOp::UMin,
                    RmwOp::Swp => AtomicRMWBinOp::Xchg,
                };
                b.build_atomicrmw(op, p, val, o)?.into()
            }
            Op::CmpXchg => {
                let p = self.addr_ptr(a(0))?;
                let o = match ord(Ordering::from_u64(i.imm).unwrap()) {
                    AtomicOrdering::NotAtomic => AtomicOrdering::Monotonic,
                    x => x,
                };
                let fail = match o {
                    AtomicOrdering::Release | AtomicOrdering::Monotonic => AtomicOrdering::Monotonic,
                    AtomicOrdering::AcquireRelease | AtomicOrdering::Acquire => AtomicOrdering::Acquire,
                    _ => AtomicOrdering::SequentiallyConsistent,
                };
                let r = b.build_cmpxchg(p, self.iv(a(1)), self.iv(a(2)), o, fail)?;
                b.build_extract_value(r, 0, "")?
            }
            Op::Crypto => {
                // A pure runtime function `i128 aot_crypto_<name>(i128, ...)` (ir::crypto's
                // semantics; the runtime picks AES-NI/PCLMULQDQ when the host has them), so the
                // code runs on any x86-64. memory(none) lets LLVM CSE, hoist or drop the call.
                let c = CryptoOp::from_u64(i.imm).unwrap();
                let i128t = self.ctx.i128_type();
                let params: Vec<BasicMetadataTypeEnum> = vec![i128t.into(); c.nargs()];
                let name = format!("aot_crypto_{}", c.name());
                let fresh = self.module.get_function(&name).is_none();
                let f = self.runtime_fn(&name, i128t.fn_type(&params, false));
                if fresh {
                    for (attr, val) in [("nounwind", 0), ("willreturn", 0), ("nosync", 0), ("memory", 0)] {
                        let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(attr);
                        f.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, val));
                    }
                }
                let args: Vec<BasicMetadataValueEnum> = i.args.iter().map(|&x| self.v(x).into()).collect();
                let c = self.b.build_call(f, &args, "")?;
                c.try_as_basic_value().basic().unwrap()
            }
            Op::ExclVer | Op::ExclClaim => {
                // &aot_excl_table[(addr >> GRANULE_SHIFT) & (TABLE_LEN - 1)]
                let i64t = self.ctx.i64_type();
                let sh = b.build_right_shift(self.iv(a(0)), i64t.const_int(excl::GRANULE_SHIFT as u64, false), false, "")?;
                let idx = b.build_and(sh, i64t.const_int(excl::TABLE_LEN as u64 - 1, false), "")?;
                let table = self.global_addr(excl::TABLE_SYMBOL)?;
                let off = b.build_left_shift(idx, i64t.const_int(3, false), "")?;
                let p = b.build_int_add(table, off, "")?;
                let p = b.build_int_to_ptr(p, self.ctx.ptr_type(inkwell::AddressSpace::default()), "")?;
                if i.op == Op::ExclVer {
                    let l = b.build_load(i64t, p, "")?;
                    let inst = l.as_instruction_value().unwrap();
                    inst.set_alignment(8).ok();
                    inst.set_atomic_ordering(AtomicOrdering::Acquire).map_err(|e| BackendError::Llvm(format!("{e:?}")))?;
                    l
                } else {
                    // excl::NEVER never matches: the cmpxchg then only reads the counter.
                    let ver = self.iv(a(1));
                    let next = b.build_int_add(ver, i64t.const_int(1, false), "")?;
                    let seq = AtomicOrdering::SequentiallyConsistent;
                    let r = b.build_cmpxchg(p, ver, next, seq, seq)?;
                    b.build_extract_value(r, 1, "")?
                }
            }
            Op::Helper => {
                let h = Helper::from_u64(i.imm).unwrap();
                if h.uses_state() {
                    self.store_state()?;
                }
                let ptr = self.ctx.ptr_type(inkwell::AddressSpace::default());
                let i64t = self.ctx.i64_type();
                let params: [BasicMetadataTypeEnum; 4] = [ptr.into(), i64t.into(), i64t.into(), i64t.into()];
                let ft = i64t.fn_type(&params, false);
                let f = self.runtime_fn(&format!("aot_helper_{}", h.name()), ft);
                let mut args: Vec<BasicMetadataValueEnum> = vec![self.st.into()];
                for k in 0..3 {
                    if k < i.args.len() {
                        args.push(self.v(i.args[k]).into());
                    } else if k == i.args.len() {
                        args.push(i64t.const_int(i.imm2, false).into());
                    } else {
                        args.push(i64t.const_zero().into());
                    }
                }
                let c = self.b.build_call(f, &args, "")?;
                let r = c.try_as_basic_value().basic().unwrap();
                if h.uses_state() {
                    self.load_state()?;
                }
                if h.returns() {
                    r
                } else {
                    return Ok(None);
                }
            }
        };
        let r = match i.op {
            Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FRound => self.arm_nan(r, &i.args)?,
            Op::FMin | Op::FMax => {
                // The host op saw no quiet NaN (no_quiet_nans): any NaN operand decides.
                let (x, y) = (self.v(i.args[0]).into_float_value(), self.v(i.args[1]).into_float_value());
                let un = self.b.build_float_compare(FloatPredicate::UNO, x, y, "")?;
                let args = i.args.clone();
                self.unlikely_fixup(un, r.into_float_value(), |g| g.processed_nan(x.get_type(), &args))?
            }
            Op::FMinNm | Op::FMaxNm => {
                let (x, y) = self.minmax_operands(i.args[0], i.args[1])?;
                self.arm_minmax_nm(r, i.op, x, y, &i.args)?
            }
            // FMADD's NaN priority: the addend first, then the multiplicands; a quiet NaN addend
            // with an inf * 0 product gives the default NaN.
            Op::FMa => self.arm_fma_nan(r, &i.args)?,
            _ => r,
        };
        Ok(Some(r))
    }

    /// Arm's NaN for an FP op in a `vv_blocks` loop: `aot_nan<k>_fNN(x.., r, dn)` for an op of
    /// k operands (FSQRT 1, FADD/FSUB/FMUL/FDIV 2, FMA 3), a pure call that returns `r`, or when
    /// `r` is a NaN Arm's choice (`nan_helpers`), marked with `vector-function-abi-variant`s of
    /// 2 to 16 lanes (`dn`, FPCR.DN, is uniform: the same for every lane). The loop vectorizer
    /// widens it to one variant call per vector op, whose hot path is one `vcmpunordpd;
    /// vtestpd; jne` for all lanes; `inline_nan_variants` then inlines whatever remains, so no
    /// call is left. `ops` in the IR op's order (FMA: multiplicands, then the addend).
    fn nan_vv_call(&self, r: FloatValue<'ctx>, ops: &[Value]) -> R<BasicValueEnum<'ctx>> {
        let fty = r.get_type();
        let (scalar, variants) = self.nan_helpers(fty, ops.len())?;
        let dn = self.b.build_int_z_extend(self.fpcr_dn()?, self.ctx.i32_type(), "dn")?;
        let mut args: Vec<BasicMetadataValueEnum<'ctx>> = ops.iter().map(|&o| self.v(o).into()).collect();
        args.push(r.into());
        args.push(dn.into());
        let c = self.b.build_call(scalar, &args, "")?;
        c.add_attribute(AttributeLoc::Function, self.ctx.create_string_attribute("vector-function-abi-variant", &variants));
        Ok(c.try_as_basic_value().basic().unwrap())
    }

    /// The scalar NaN helper for float type `fty` and ops of `arity` operands, and its
    /// `vector-function-abi-variant` list (`_ZGV_LLVM_N<lanes>vvvu_<scalar>(<variant>)`),
    /// defined in this module on first use. weak_odr while the pipeline runs, so no
    /// interprocedural pass rewrites the scalar's signature under the variant names;
    /// `inline_nan_variants` makes them internal and inlines them.
    fn nan_helpers(&self, fty: FloatType<'ctx>, arity: usize) -> R<(FunctionValue<'ctx>, String)> {
        let (t, ity) = self.float_kind(fty);
        let bits = ity.get_bit_width();
        let name = format!("{NAN_VV_PREFIX}{arity}_f{bits}");
        let lanes: [u32; 3] = if bits == 64 { [2, 4, 8] } else { [4, 8, 16] };
        let v = "v".repeat(arity + 1);
        let list = lanes.iter().map(|n| format!("_ZGV_LLVM_N{n}{v}u_{name}({name}_v{n})")).collect::<Vec<_>>().join(",");
        if let Some(f) = self.module.get_function(&name) {
            return Ok((f, list));
        }
        let i32t = self.ctx.i32_type();
        let enum_attr = |f: FunctionValue<'ctx>, attr: &str| {
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(attr);
            f.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, 0));
        };
        let common = |f: FunctionValue<'ctx>| {
            for a in ["nounwind", "willreturn", "nosync", "nofree"] {
                enum_attr(f, a);
            }
            // memory(none)
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("memory");
            f.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, 0));
            for k in ["target-cpu", "target-features"] {
                if let Some(a) = self.func.get_string_attribute(AttributeLoc::Function, k) {
                    f.add_attribute(AttributeLoc::Function, a);
                }
            }
            f.as_global_value().set_visibility(inkwell::GlobalVisibility::Hidden);
        };
        let b = self.ctx.create_builder();
        let expect = |c: IntValue<'ctx>| -> R<IntValue<'ctx>> {
            let i1 = self.ctx.bool_type();
            let f = self.intrinsic("llvm.expect", &[i1.into()])?;
            let r = b.build_call(f, &[c.into(), i1.const_zero().into()], "")?;
            Ok(r.try_as_basic_value().basic().unwrap().into_int_value())
        };
        // Scalar: r, or Arm's NaN when r is one, as `processed_nan` and `arm_fma_invalid`
        // compute it (FPProcessNaNs: the first signalling NaN operand quieted, else the first
        // quiet one, else the default NaN; FMA's operands in Arm's order, addend first, and
        // its inf * 0 with a quiet NaN addend the default NaN; the default NaN under FPCR.DN).
        let mut params: Vec<BasicMetadataTypeEnum<'ctx>> = vec![fty.into(); arity + 1];
        params.push(i32t.into());
        // A helper with its blocks: entry, the NaN path, the return of `r`.
        let helper = |name: &str, ty: FunctionType<'ctx>, inline: &str| {
            let f = self.module.add_function(name, ty, Some(Linkage::WeakODR));
            common(f);
            enum_attr(f, inline);
            let blocks = ["entry", "fp_nan", "done"].map(|n| self.ctx.append_basic_block(f, n));
            (f, blocks)
        };
        let (scalar, [entry, fix, done]) = helper(&name, fty.fn_type(&params, false), "noinline");
        let p = |k: usize| scalar.get_nth_param(k as u32).unwrap();
        let xs: Vec<FloatValue<'ctx>> = (0..arity).map(|k| p(k).into_float_value()).collect();
        let (r, dn) = (p(arity).into_float_value(), p(arity + 1).into_int_value());
        b.position_at_end(entry);
        let un = b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
        b.build_conditional_branch(expect(un)?, fix, done)?;
        b.position_at_end(done);
        b.build_return(Some(&r))?;
        b.position_at_end(fix);
        let quiet = ity.const_int(fpnan::quiet_bit(t) as u64, false);
        let dflt = ity.const_int(fpnan::default_nan(t) as u64, false);
        let parts = |v: FloatValue<'ctx>| -> R<(IntValue<'ctx>, IntValue<'ctx>, IntValue<'ctx>)> {
            let vi = b.build_bit_cast(v, ity, "")?.into_int_value();
            let nan = b.build_float_compare(FloatPredicate::UNO, v, v, "")?;
            let q = b.build_int_compare(IntPredicate::NE, b.build_and(vi, quiet, "")?, ity.const_zero(), "")?;
            let snan = b.build_and(nan, b.build_not(q, "")?, "")?;
            Ok((nan, snan, b.build_or(vi, quiet, "")?))
        };
        let order: Vec<FloatValue<'ctx>> = if arity == 3 { vec![xs[2], xs[0], xs[1]] } else { xs.clone() };
        let parts: Vec<_> = order.iter().map(|&x| parts(x)).collect::<R<_>>()?;
        let mut acc = dflt;
        for (nan, _, q) in parts.iter().rev() {
            acc = b.build_select(*nan, *q, acc, "")?.into_int_value();
        }
        for (_, snan, q) in parts.iter().rev() {
            acc = b.build_select(*snan, *q, acc, "")?.into_int_value();
        }
        let dn_on = b.build_int_compare(IntPredicate::NE, dn, i32t.const_zero(), "")?;
        acc = b.build_select(dn_on, dflt, acc, "")?.into_int_value();
        if arity == 3 {
            // inf * 0 + quiet NaN: the default NaN.
            let inf_zero = inf_times_zero(&b, xs[0], xs[1], t, ity)?;
            let (cnan, csnan, _) = &parts[0];
            let c_quiet = b.build_and(*cnan, b.build_not(*csnan, "")?, "")?;
            acc = b.build_select(b.build_and(c_quiet, inf_zero, "")?, dflt, acc, "")?.into_int_value();
        }
        b.build_return(Some(&b.build_bit_cast(acc, fty, "")?))?;
        // Variants: one "any lane NaN" test, the scalar helper per lane behind it.
        for n in lanes {
            let vt = fty.vec_type(n);
            let mut vparams: Vec<BasicMetadataTypeEnum<'ctx>> = vec![vt.into(); arity + 1];
            vparams.push(i32t.into());
            let (v, [entry, slow, fast]) = helper(&format!("{name}_v{n}"), vt.fn_type(&vparams, false), "alwaysinline");
            let p = |k: usize| v.get_nth_param(k as u32).unwrap();
            let vs: Vec<_> = (0..=arity).map(|k| p(k).into_vector_value()).collect();
            let (rv, dn) = (vs[arity], p(arity + 1));
            b.position_at_end(entry);
            let m = b.build_float_compare(FloatPredicate::UNO, rv, rv, "")?;
            let mi = b.build_bit_cast(m, self.ctx.custom_width_int_type(n), "")?.into_int_value();
            let any = b.build_int_compare(IntPredicate::NE, mi, mi.get_type().const_zero(), "")?;
            b.build_conditional_branch(expect(any)?, slow, fast)?;
            b.position_at_end(fast);
            b.build_return(Some(&rv))?;
            b.position_at_end(slow);
            let mut out = rv;
            for k in 0..n {
                let idx = i32t.const_int(k as u64, false);
                let mut args: Vec<BasicMetadataValueEnum<'ctx>> = vec![];
                for w in &vs {
                    args.push(b.build_extract_element(*w, idx, "")?.into());
                }
                args.push(dn.into());
                let c = b.build_call(scalar, &args, "")?;
                out = b.build_insert_element(out, c.try_as_basic_value().basic().unwrap(), idx, "")?;
            }
            b.build_return(Some(&out))?;
        }
        Ok((scalar, list))
    }

    /// Arm NaN results: a NaN operand propagates (quieted, first operand first); an invalid
    /// operation on numbers gives the default NaN, which is positive on Arm (x86 makes it
    /// negative). The host result is a NaN exactly when Arm's is (add, sub, mul, div, sqrt, fma,
    /// round to integral), so the hot path is the op, one unordered test of its result and a
    /// branch that is not taken; Arm's choice of NaN is made out of line (unlikely_fixup).
    fn arm_nan(&self, r: BasicValueEnum<'ctx>, ops: &[Value]) -> R<BasicValueEnum<'ctx>> {
        if self.in_chain() {
            return self.chain_member_value(r);
        }
        if self.nan_vv() && matches!(self.f.inst(self.cur_inst.get()).op, Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt) {
            return self.nan_vv_call(r.into_float_value(), ops);
        }
        let r = r.into_float_value();
        let rnan = self.rare_result(r)?;
        let ops = ops.to_vec();
        if self.defer_nan(r, rnan, NanFix::Operands(ops.clone())) {
            return Ok(r.into());
        }
        let v = self.cur_inst.get();
        self.unlikely_fixup(rnan, r, |g| {
            let n = g.processed_nan(r.get_type(), &ops)?;
            g.nan_or_tiny(v, r, n)
        })
    }

    /// The condition of the out-of-line fix-up of the current instruction's result `r`: "is a
    /// NaN", and for FMUL/FDIV/FMA-type ops (ir::fptiny) in functions that read or write FPSR
    /// or write FPCR (fp_env_strict) "is a NaN or +-the smallest normal", in one compare:
    /// `fcmp ueq |r|, min normal` (UCOMISD sets ZF for equal and unordered). Only there: the
    /// extra ANDPD per op cost 5-16 % of the FP benchmarks' instructions (docs/performance.md).
    fn rare_result(&self, r: FloatValue<'ctx>) -> R<IntValue<'ctx>> {
        let i = self.f.inst(self.cur_inst.get());
        if !self.fp_env_strict || ir::fptiny::TinyOp::of(i.op).is_none() {
            return Ok(self.b.build_float_compare(FloatPredicate::UNO, r, r, "")?);
        }
        let fty = r.get_type();
        let abs = self.call_intr("llvm.fabs", &[fty.into()], &[r.into()])?.into_float_value();
        let min = self.float_bits(fty, ir::fptiny::min_normal(i.ty))?;
        Ok(self.b.build_float_compare(FloatPredicate::UEQ, abs, min, "")?)
    }

    /// In the out-of-line block of IR value `v` (result `r`, Arm NaN `nan`): `nan` if `r` is a
    /// NaN, else (when rare_result tested for it) for FMUL/FDIV/FMA-type ops Arm's underflow
    /// rule through the runtime's `aot_fp_tiny` (ir::fptiny: UFC, and a zero under FZ, when the
    /// exact result was tiny; it returns `r` otherwise).
    fn nan_or_tiny(&self, v: Value, r: FloatValue<'ctx>, nan: FloatValue<'ctx>) -> R<FloatValue<'ctx>> {
        let i = self.f.inst(v);
        let Some(op) = ir::fptiny::TinyOp::of(i.op).filter(|_| self.fp_env_strict) else { return Ok(nan) };
        let b = &self.b;
        let fty = r.get_type();
        let (_, ity) = self.float_kind(fty);
        let i64t = self.ctx.i64_type();
        let word = |x: FloatValue<'ctx>| -> R<IntValue<'ctx>> {
            let xi = b.build_bit_cast(x, ity, "")?.into_int_value();
            Ok(if ity == i64t { xi } else { b.build_int_z_extend(xi, i64t, "")? })
        };
        let fresh = self.module.get_function("aot_fp_tiny").is_none();
        let f = self.runtime_fn("aot_fp_tiny", i64t.fn_type(&[i64t.into(); 6], false));
        if fresh {
            for (attr, val) in [("nounwind", 0), ("willreturn", 0), ("nosync", 0), ("cold", 0)] {
                let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(attr);
                f.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, val));
            }
        }
        let kind = op as u64 | if i.ty == Ty::F32 { 0x100 } else { 0 };
        let mut args: Vec<BasicMetadataValueEnum<'ctx>> = vec![i64t.const_int(kind, false).into()];
        let ft = self.ty(ir::reg_ty(Reg::FPCR)).into_int_type();
        let fpcr = b.build_load(ft, self.regs[&Reg::FPCR.0], "fpcr")?.into_int_value();
        args.push(b.build_int_z_extend_or_bit_cast(fpcr, i64t, "")?.into());
        for k in 0..3 {
            args.push(match i.args.get(k) {
                Some(&a) => word(self.v(a).into_float_value())?.into(),
                None => i64t.const_zero().into(),
            });
        }
        args.push(word(r)?.into());
        let call = b.build_call(f, &args, "")?;
        // It raises a host flag and touches no memory: inaccessiblemem read/write keeps the
        // call (as the strict FP op it follows is kept) without clobbering guest state.
        let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("memory");
        call.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, 12));
        let t = call.try_as_basic_value().basic().unwrap().into_int_value();
        let t = if ity == i64t { t } else { b.build_int_truncate(t, ity, "")? };
        let t = b.build_bit_cast(t, fty, "")?.into_float_value();
        let rnan = b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
        Ok(b.build_select(rnan, nan, t, "")?.into_float_value())
    }

    /// If the instruction being lowered belongs to a group (fp_groups), record its NaN fix-up
    /// for the group's common test (flush_fp_group) and return true: its value is the host
    /// result `r` until then.
    fn defer_nan(&self, r: FloatValue<'ctx>, cond: IntValue<'ctx>, fix: NanFix) -> bool {
        let v = self.cur_inst.get();
        if !matches!(self.fp_role[v.0 as usize], FpRole::Member { .. }) {
            return false;
        }
        self.fp_pending.borrow_mut().push(PendingNan { v, r, cond, fix });
        true
    }

    /// The common NaN test of a group (fp_groups): one branch, marked unlikely, on "any
    /// member's condition", to a block that makes each member's Arm NaN where its own condition
    /// holds (the same selection as unlikely_fixup, per member); the members' values become the
    /// phis joining both paths.
    fn flush_fp_group(&mut self) -> R<()> {
        let pending = std::mem::take(&mut *self.fp_pending.borrow_mut());
        let b = &self.b;
        // "Any condition" as a vector of the conditions, bitcast to an integer: with the members
        // vectorised this is one vector compare and a mask move (vcmpunordps, vmovmskps).
        let n = pending.len() as u32;
        let i1 = self.ctx.bool_type();
        let mut conds = i1.vec_type(n).get_undef();
        for (k, p) in pending.iter().enumerate() {
            conds = b.build_insert_element(conds, p.cond, self.ctx.i32_type().const_int(k as u64, false), "")?;
        }
        let mask = b.build_bit_cast(conds, self.ctx.custom_width_int_type(n), "")?.into_int_value();
        let any = b.build_int_compare(IntPredicate::NE, mask, mask.get_type().const_zero(), "")?;
        let any = self.expect(any, false)?;
        let pre = b.get_insert_block().unwrap();
        let cold = self.ctx.append_basic_block(self.func, "fp_nan");
        let cont = self.ctx.append_basic_block(self.func, "fp_cont");
        b.build_conditional_branch(any, cold, cont)?;
        b.position_at_end(cold);
        let mut fixed = vec![];
        for p in &pending {
            let fty = p.r.get_type();
            let n = match &p.fix {
                NanFix::Operands(ops) => self.processed_nan(fty, ops)?,
                NanFix::Fma(args) => {
                    let n = self.processed_nan(fty, &[args[2], args[0], args[1]])?;
                    self.arm_fma_invalid(n.into(), args)?.into_float_value()
                }
            };
            let n = self.nan_or_tiny(p.v, p.r, n)?;
            fixed.push(self.b.build_select(p.cond, n, p.r, "")?.into_float_value());
        }
        let cold_end = self.b.get_insert_block().unwrap();
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(cont);
        for (p, n) in pending.iter().zip(fixed) {
            let phi = self.b.build_phi(p.r.get_type(), "")?;
            phi.add_incoming(&[(&p.r, pre), (&n, cold_end)]);
            self.vals[p.v.0 as usize] = Some(phi.as_basic_value());
        }
        Ok(())
    }

    /// Whether the instruction being lowered is a member of a chain (fp_chains): its NaN test
    /// is the chain's, made after its last member (flush_fp_chain).
    fn in_chain(&self) -> bool {
        matches!(self.chain_role[self.cur_inst.get().0 as usize], ChainRole::Member { .. })
    }

    /// The value of a chain member's host result `r` until the chain's test. A result that
    /// feeds a later member goes through `opaque_float`: without it, LLVM's VectorCombine turns
    /// `fmul (extractelement q1, 0), (extractelement q2, 0)` followed by an op on its result into
    /// `fmul <2 x double> q1, q2` and an extract, computing the upper halves of the V registers
    /// too (stray FPSR flags, FZ traps on a denormal there).
    fn chain_member_value(&self, r: BasicValueEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        match self.chain_role[self.cur_inst.get().0 as usize] {
            ChainRole::Member { sink: false } => Ok(self.opaque_float(r.into_float_value())?.into()),
            _ => Ok(r),
        }
    }

    /// The one NaN test of chain `c` (fp_chains), after its last member: an unordered test of
    /// its sinks' results and an unlikely branch to a block that goes through the chain again,
    /// each member's value becoming Arm's NaN from its (corrected) operands where its host
    /// result is a NaN, the carriers recomputed from them, and the registers last set from a
    /// carrier stored again; the members' and carriers' values become phis joining both paths.
    fn flush_fp_chain(&mut self, c: usize) -> R<()> {
        let ch = self.chains[c].clone();
        let b = &self.b;
        let mut any: Option<IntValue<'ctx>> = None;
        for &s in &ch.sinks {
            let r = self.v(s).into_float_value();
            let un = b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
            any = Some(match any {
                Some(a) => b.build_or(a, un, "")?,
                None => un,
            });
        }
        let any = self.expect(any.expect("a chain has a sink (its last member)"), false)?;
        let hot: Vec<(Value, BasicValueEnum<'ctx>)> = ch
            .insts
            .iter()
            .filter(|&&v| self.chain_role[v.0 as usize] != ChainRole::Other && self.f.inst(v).op != Op::SetReg)
            .map(|&v| (v, self.v(v)))
            .collect();
        let pre = b.get_insert_block().unwrap();
        let cold = self.ctx.append_basic_block(self.func, "fp_nan_chain");
        let cont = self.ctx.append_basic_block(self.func, "fp_cont");
        b.build_conditional_branch(any, cold, cont)?;
        b.position_at_end(cold);
        let mut last_set: Vec<(u64, Value)> = vec![];
        for &v in &ch.insts {
            let i = self.f.inst(v);
            match self.chain_role[v.0 as usize] {
                ChainRole::Member { .. } => {
                    let r = self.v(v).into_float_value();
                    let fty = r.get_type();
                    let n = if i.op == Op::FMa {
                        let n = self.processed_nan(fty, &[i.args[2], i.args[0], i.args[1]])?;
                        self.arm_fma_invalid(n.into(), &i.args)?.into_float_value()
                    } else {
                        self.processed_nan(fty, &i.args)?
                    };
                    let un = self.b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
                    self.vals[v.0 as usize] = Some(self.b.build_select(un, n, r, "")?);
                }
                ChainRole::Carrier if i.op == Op::GetReg => self.vals[v.0 as usize] = Some(self.v(ch.reads[&v])),
                ChainRole::Carrier if i.op == Op::SetReg => last_set.push((i.imm, v)),
                ChainRole::Carrier => {
                    self.cur_inst.set(v);
                    self.vals[v.0 as usize] = self.inst(v)?;
                }
                ChainRole::Other => {
                    if i.op == Op::SetReg {
                        last_set.push((i.imm, v));
                    }
                }
                ChainRole::None => unreachable!("fp_chains: the window's instructions have roles"),
            }
        }
        // The registers whose last write in the chain is a carrier: stored again with the
        // corrected value (the others hold what the hot path stored).
        for (k, &(reg, v)) in last_set.iter().enumerate() {
            let last = !last_set[k + 1..].iter().any(|&(r2, _)| r2 == reg);
            if last && self.chain_role[v.0 as usize] == ChainRole::Carrier {
                self.cur_inst.set(v);
                self.inst(v)?;
            }
        }
        let cold_end = self.b.get_insert_block().unwrap();
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(cont);
        for (v, h) in hot {
            let n = self.v(v);
            let phi = self.b.build_phi(h.get_type(), "")?;
            phi.add_incoming(&[(&h, pre), (&n, cold_end)]);
            self.vals[v.0 as usize] = Some(phi.as_basic_value());
        }
        Ok(())
    }

    /// FMADD's NaN result (ir::fpnan::fma_result): NaN priority addend, then multiplicands; a
    /// quiet NaN addend with an inf * 0 product gives the default NaN. Both cases have a NaN
    /// host result, so both are decided out of line.
    fn arm_fma_nan(&self, r: BasicValueEnum<'ctx>, args: &[Value]) -> R<BasicValueEnum<'ctx>> {
        if self.in_chain() {
            return self.chain_member_value(r);
        }
        if self.nan_vv() {
            return self.nan_vv_call(r.into_float_value(), args);
        }
        let r = r.into_float_value();
        let rnan = self.rare_result(r)?;
        let args = args.to_vec();
        if self.defer_nan(r, rnan, NanFix::Fma(args.clone())) {
            return Ok(r.into());
        }
        let v = self.cur_inst.get();
        self.unlikely_fixup(rnan, r, |g| {
            let n = g.processed_nan(r.get_type(), &[args[2], args[0], args[1]])?;
            let n = g.arm_fma_invalid(n.into(), &args)?.into_float_value();
            g.nan_or_tiny(v, r, n)
        })
    }

    /// `cond ? fix() : r`, with `fix` computed in a block of its own behind a branch marked
    /// unlikely (NaNs are rare in FP kernels): the hot path pays the test and a predictable
    /// branch instead of the whole NaN selection. Lowering goes on in a new block after it.
    fn unlikely_fixup(
        &self,
        cond: IntValue<'ctx>,
        r: FloatValue<'ctx>,
        fix: impl FnOnce(&Self) -> R<FloatValue<'ctx>>,
    ) -> R<BasicValueEnum<'ctx>> {
        let b = &self.b;
        if self.nan_selects() {
            let n = fix(self)?;
            return Ok(b.build_select(cond, n, r, "")?);
        }
        let cond = self.expect(cond, false)?;
        let pre = b.get_insert_block().unwrap();
        let cold = self.ctx.append_basic_block(self.func, "fp_nan");
        let cont = self.ctx.append_basic_block(self.func, "fp_cont");
        b.build_conditional_branch(cond, cold, cont)?;
        b.position_at_end(cold);
        let n = fix(self)?;
        let cold_end = b.get_insert_block().unwrap();
        b.build_unconditional_branch(cont)?;
        b.position_at_end(cont);
        let phi = b.build_phi(r.get_type(), "")?;
        phi.add_incoming(&[(&r, pre), (&n, cold_end)]);
        Ok(phi.as_basic_value())
    }

    /// The IR type and same-width integer type of float type `fty`.
    fn float_kind(&self, fty: FloatType<'ctx>) -> (Ty, IntType<'ctx>) {
        if fty == self.ctx.f32_type() {
            (Ty::F32, self.ctx.i32_type())
        } else {
            (Ty::F64, self.ctx.i64_type())
        }
    }

    /// A float constant from its bits (as ir::fpnan gives them).
    fn float_bits(&self, fty: FloatType<'ctx>, bits: u128) -> R<FloatValue<'ctx>> {
        let (_, ity) = self.float_kind(fty);
        Ok(self.b.build_bit_cast(ity.const_int(bits as u64, false), fty, "")?.into_float_value())
    }

    /// NaN tests on `x`: (is a NaN, is a signalling NaN, `x` with the quiet bit set).
    fn nan_parts(&self, x: FloatValue<'ctx>) -> R<(IntValue<'ctx>, IntValue<'ctx>, FloatValue<'ctx>)> {
        let b = &self.b;
        let fty = x.get_type();
        let (t, ity) = self.float_kind(fty);
        let quiet_bit = ity.const_int(fpnan::quiet_bit(t) as u64, false);
        let xi = b.build_bit_cast(x, ity, "")?.into_int_value();
        let qf = b.build_bit_cast(b.build_or(xi, quiet_bit, "")?, fty, "")?.into_float_value();
        let nan = b.build_float_compare(FloatPredicate::UNO, x, x, "")?;
        let quiet = b.build_int_compare(IntPredicate::NE, b.build_and(xi, quiet_bit, "")?, ity.const_zero(), "")?;
        let snan = b.build_and(nan, b.build_not(quiet, "")?, "")?;
        Ok((nan, snan, qf))
    }

    /// `x` through an empty inline asm that keeps it in an XMM register: LLVM cannot see that
    /// the result is `x`, so integer views of it taken here (the NaN block's bit tests) are not
    /// folded back onto the value's definition. Without it, a guest FP load whose value the cold
    /// NaN block also reads as an integer stays an integer load, copied into XMM on the hot path
    /// (docs/performance.md, matmul).
    fn opaque_float(&self, x: FloatValue<'ctx>) -> R<FloatValue<'ctx>> {
        let fty = x.get_type();
        if fty != self.ctx.f32_type() && fty != self.ctx.f64_type() {
            return Ok(x);
        }
        let ft = fty.fn_type(&[fty.into()], false);
        let asm = self.ctx.create_inline_asm(ft, String::new(), "=x,0".into(), false, false, None, false);
        let r = self.b.build_indirect_call(ft, asm, &[x.into()], "")?;
        // Pure: dead if its result is unused (an FP op whose result is dead still goes).
        for attr in ["nounwind", "willreturn", "nosync", "memory"] {
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(attr);
            r.add_attribute(AttributeLoc::Function, self.ctx.create_enum_attribute(kind, 0));
        }
        Ok(r.try_as_basic_value().basic().ok_or_else(|| BackendError::Llvm("inline asm returns void".into()))?.into_float_value())
    }

    /// The NaN an op with operands `ops` returns when its result is a NaN: the first signalling
    /// NaN operand quieted, else the first quiet NaN, else the default NaN (ir::fpnan).
    fn processed_nan(&self, fty: FloatType<'ctx>, ops: &[Value]) -> R<FloatValue<'ctx>> {
        let b = &self.b;
        let (t, _) = self.float_kind(fty);
        let mut acc = self.float_bits(fty, fpnan::default_nan(t))?;
        // First quiet NaN, then (overriding) the first signalling NaN: Arm's FPProcessNaNs.
        let mut snans = vec![];
        for &o in ops.iter().rev() {
            let x = self.v(o).into_float_value();
            // In branch-free blocks the bit tests run on the hot path anyway (and inline asm
            // would keep the loop from being vectorised).
            let x = if self.nan_selects() { x } else { self.opaque_float(x)? };
            let (nan, snan, qf) = self.nan_parts(x)?;
            snans.push((snan, qf));
            acc = b.build_select(nan, qf, acc, "")?.into_float_value();
        }
        for (snan, qf) in snans {
            acc = b.build_select(snan, qf, acc, "")?.into_float_value();
        }
        // Default-NaN mode: every NaN result is the default NaN.
        let dflt = self.float_bits(fty, fpnan::default_nan(t))?;
        Ok(b.build_select(self.fpcr_dn()?, dflt, acc, "")?.into_float_value())
    }

    /// The operands of an FMIN/FMAX-type op: under FPCR.FZ a denormal is a zero of its sign
    /// (ir::fpnan::flush_denormal). Arithmetic gets that from MXCSR.DAZ, but these ops return
    /// an operand's bits.
    fn minmax_operands(&self, x: Value, y: Value) -> R<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let b = &self.b;
        let fz = self.fpcr_bit(fpnan::FPCR_FZ)?;
        let flush = |x: FloatValue<'ctx>| -> R<FloatValue<'ctx>> {
            let fty = x.get_type();
            let (t, ity) = self.float_kind(fty);
            let xi = b.build_bit_cast(x, ity, "")?.into_int_value();
            let exp = b.build_and(xi, ity.const_int(fpnan::inf_bits(t) as u64, false), "")?;
            let tiny = b.build_int_compare(IntPredicate::EQ, exp, ity.const_zero(), "")?;
            let sign = b.build_and(xi, ity.const_int(1u64 << (ity.get_bit_width() - 1), false), "")?;
            let zero = b.build_bit_cast(sign, fty, "")?.into_float_value();
            Ok(b.build_select(b.build_and(fz, tiny, "")?, zero, x, "")?.into_float_value())
        };
        Ok((flush(self.v(x).into_float_value())?, flush(self.v(y).into_float_value())?))
    }

    /// Whether every operand of `i` is a translation-time constant.
    fn strict_operands(&self, i: &ir::Inst) -> bool {
        if i.op == Op::FRound && RoundMode::from_u64(i.imm) != Some(RoundMode::Current) {
            return false;
        }
        !i.args.is_empty() && (self.fp_env_strict || i.args.iter().all(|a| self.known[a.0 as usize]))
    }

    /// The operands of an op lowered by `strict_fp` because they are all translation-time
    /// constants pass through `llvm.arithmetic.fence`: LLVM folds a constrained op on constants
    /// when the result is exact, ignoring that under FPCR.FZ (MXCSR.DAZ, the dynamic denormal
    /// mode) a denormal operand is a zero (`fmul` of 2^-1074 by 1.0 gave 2^-1074 instead of
    /// +0.0). The values are not known here (they become constants in LLVM's optimisation), so
    /// every such op is computed at run time.
    fn hide_constant(&self, i: &ir::Inst, x: BasicValueEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let BasicValueEnum::FloatValue(f) = x else { return Ok(x) };
        if !i.args.iter().all(|a| self.known[a.0 as usize]) {
            return Ok(x);
        }
        self.call_intr("llvm.arithmetic.fence", &[f.get_type().into()], &[f.into()])
    }

    /// An FP op on translation-time constants, as `llvm.experimental.constrained.*` with a
    /// dynamic rounding mode and strict exceptions on operands behind `hide_constant`: LLVM
    /// neither folds nor deletes such a call, so the guest's FPCR rounding mode, flush-to-zero
    /// and FPSR flags apply as at run time. The Arm NaN rules are applied as for the ordinary ops.
    fn strict_fp(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        let i = self.f.inst(v);
        let b = &self.b;
        let ty = self.ty(i.ty);
        let rd: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("round.dynamic").into();
        let es: BasicMetadataValueEnum<'ctx> = self.ctx.metadata_string("fpexcept.strict").into();
        let args: Vec<BasicMetadataValueEnum<'ctx>> =
            i.args.iter().map(|&a| self.hide_constant(i, self.v(a)).map(Into::into)).collect::<R<_>>()?;
        let src = |k: usize| self.ty(self.f.inst(i.args[k]).ty);
        let r = match i.op {
            Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FMa => {
                let name = match i.op {
                    Op::FAdd => "llvm.experimental.constrained.fadd",
                    Op::FSub => "llvm.experimental.constrained.fsub",
                    Op::FMul => "llvm.experimental.constrained.fmul",
                    Op::FDiv => "llvm.experimental.constrained.fdiv",
                    Op::FSqrt => "llvm.experimental.constrained.sqrt",
                    _ => "llvm.experimental.constrained.fma",
                };
                let mut a = args.clone();
                a.push(rd);
                a.push(es);
                let r = self.call_intr(name, &[ty], &a)?;
                if i.op == Op::FMa {
                    self.arm_fma_nan(r, &i.args)?
                } else {
                    self.arm_nan(r, &i.args)?
                }
            }
            Op::FCvt => {
                let x = self.hide_constant(i, self.v(i.args[0]))?.into_float_value();
                let r = if i.ty.bits() > self.f.inst(i.args[0]).ty.bits() {
                    self.call_intr("llvm.experimental.constrained.fpext", &[ty, src(0)], &[x.into(), es])?
                } else {
                    self.call_intr("llvm.experimental.constrained.fptrunc", &[ty, src(0)], &[x.into(), rd, es])?
                };
                let r = r.into_float_value();
                let rnan = b.build_float_compare(FloatPredicate::UNO, r, r, "")?;
                let dn = b.build_and(rnan, self.fpcr_dn()?, "")?;
                b.build_select(dn, self.float_bits(r.get_type(), fpnan::default_nan(i.ty))?, r, "")?
            }
            Op::SIToFP | Op::UIToFP => {
                let x = self.iv(i.args[0]);
                let signed = i.op == Op::SIToFP || x.get_type().get_bit_width() < 64;
                let x = if i.op == Op::UIToFP && x.get_type().get_bit_width() < 64 {
                    b.build_int_z_extend(x, self.ctx.i64_type(), "")?
                } else {
                    x
                };
                let name = if signed { "llvm.experimental.constrained.sitofp" } else { "llvm.experimental.constrained.uitofp" };
                self.call_intr(name, &[ty, x.get_type().into()], &[x.into(), rd, es])?
            }
            Op::FRound => {
                // Only the current-mode rounding (strict_operands): the fixed modes fold to the
                // same value at any FPCR.
                let x: BasicMetadataValueEnum<'ctx> = self.hide_constant(i, self.v(i.args[0]))?.into();
                let r = self.call_intr("llvm.experimental.constrained.nearbyint", &[ty], &[x, rd, es])?;
                self.arm_nan(r, &i.args)?
            }
            _ => unreachable!("fp_env_dependent"),
        };
        Ok(r)
    }

    /// The operands the host's MINSD/MAXSD get: they raise Invalid for a quiet NaN, where Arm's
    /// FMIN/FMAX/FMINNM/FMAXNM raise it only for a signalling one. A quiet NaN is replaced by the
    /// other operand (0.0 if both are quiet NaNs), so the host op signals exactly when an operand
    /// is a signalling NaN; the NaN result itself is chosen afterwards from the real operands.
    fn no_quiet_nans(&self, x: FloatValue<'ctx>, y: FloatValue<'ctx>) -> R<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let b = &self.b;
        let ((xn, xs, _), (yn, ys, _)) = (self.nan_parts(x)?, self.nan_parts(y)?);
        let xq = b.build_and(xn, b.build_not(xs, "")?, "")?;
        let yq = b.build_and(yn, b.build_not(ys, "")?, "")?;
        let zero = x.get_type().const_zero();
        let y0 = b.build_select(yq, zero, y, "")?.into_float_value();
        let x0 = b.build_select(xq, zero, x, "")?.into_float_value();
        let hx = b.build_select(xq, y0, x, "")?.into_float_value();
        let hy = b.build_select(yq, x0, y, "")?.into_float_value();
        Ok((hx, hy))
    }

    /// Unsigned integer to float, rounded once by the dynamic rounding mode. Without AVX-512
    /// LLVM converts a u64 with a magic-number subtraction that gives -0.0 for 0 when rounding
    /// towards -inf; halving with a sticky bit (x >> 1 | x & 1) keeps a single rounding.
    /// Narrower values convert exactly as scalars, but once the SLP vectorizer makes a
    /// `<4 x i32>` uitofp of four lanes (UCVTF .4S) x86 uses the same kind of sequence
    /// ((x & 0xffff | 2^23) + ((x >> 16 | 2^39) - (2^39 + 2^23))), -0.0 for 0 under FE_DOWNWARD:
    /// the result's sign bit is cleared (an unsigned value is never negative). LLVM knows a
    /// uitofp is never negative and would drop a plain fabs; llvm.arithmetic.fence hides it.
    fn u64_to_float(&self, x: IntValue<'ctx>, fty: FloatType<'ctx>) -> R<FloatValue<'ctx>> {
        let b = &self.b;
        let t = x.get_type();
        if t.get_bit_width() < 64 {
            let r = b.build_unsigned_int_to_float(x, fty, "")?;
            let r = self.call_intr("llvm.arithmetic.fence", &[fty.into()], &[r.into()])?;
            return Ok(self.call_intr("llvm.fabs", &[fty.into()], &[r.into()])?.into_float_value());
        }
        let big = b.build_int_compare(IntPredicate::SLT, x, t.const_zero(), "")?;
        let half = b.build_right_shift(x, t.const_int(1, false), false, "")?;
        let half = b.build_or(half, b.build_and(x, t.const_int(1, false), "")?, "")?;
        let fh = b.build_signed_int_to_float(half, fty, "")?;
        let twice = b.build_float_add(fh, fh, "")?;
        let direct = b.build_signed_int_to_float(x, fty, "")?;
        Ok(b.build_select(big, twice, direct, "")?.into_float_value())
    }

    /// FPCR.DN as an i1.
    fn fpcr_dn(&self) -> R<IntValue<'ctx>> {
        self.fpcr_bit(fpnan::FPCR_DN)
    }

    /// Whether FPCR has `mask` set, as an i1, from the function's FPCR register (Gen::new loads
    /// it in every function with a NaN-processing FP op).
    fn fpcr_bit(&self, mask: u64) -> R<IntValue<'ctx>> {
        let b = &self.b;
        let t = self.ty(ir::reg_ty(Reg::FPCR)).into_int_type();
        let v = b.build_load(t, self.regs[&Reg::FPCR.0], "fpcr")?.into_int_value();
        let bit = b.build_and(v, t.const_int(mask, false), "")?;
        Ok(b.build_int_compare(IntPredicate::NE, bit, t.const_zero(), "")?)
    }

    /// Round to nearest, ties away from zero (FRINTA, FCVTA*), independent of the dynamic
    /// rounding mode: LLVM lowers llvm.round on x86 as trunc(x + copysign(0.4999.., x)), whose
    /// addition rounds by MXCSR, which follows the guest's FPCR. Here every step is exact:
    /// t = trunc(x); |x - t| >= 0.5 ? t + copysign(1, x) : t. The arithmetic runs only on a
    /// value with a fraction part (|x| < 2^mantissa bits, else on 0): x86 computes both sides of
    /// the select, and `t + 1` of a large t would raise Inexact, `x - t` of an infinity Invalid,
    /// where Arm's FRINTA raises nothing.
    fn round_away(&self, v: Value) -> R<BasicValueEnum<'ctx>> {
        let b = &self.b;
        let x = self.v(v).into_float_value();
        let fty = x.get_type();
        let (t, ity) = self.float_kind(fty);
        let mb = if t == Ty::F32 { 23 } else { 52 };
        let bias = if t == Ty::F32 { 127 } else { 1023 };
        let xi = b.build_bit_cast(x, ity, "")?.into_int_value();
        let abs = b.build_and(xi, ity.const_int(u64::MAX >> (65 - ity.get_bit_width()), false), "")?;
        let frac = b.build_int_compare(IntPredicate::ULT, abs, ity.const_int((bias + mb) << mb, false), "")?;
        let xs = b.build_select(frac, x, fty.const_zero(), "")?.into_float_value();
        let tr = |v: FloatValue<'ctx>| -> R<FloatValue<'ctx>> { Ok(self.call_intr("llvm.trunc", &[fty.into()], &[v.into()])?.into_float_value()) };
        let ts = tr(xs)?;
        let d = b.build_float_sub(xs, ts, "")?;
        let ad = self.call_intr("llvm.fabs", &[fty.into()], &[d.into()])?.into_float_value();
        let half = b.build_float_compare(FloatPredicate::OGE, ad, fty.const_float(0.5), "")?;
        let one = self.call_intr("llvm.copysign", &[fty.into()], &[fty.const_float(1.0).into(), xs.into()])?;
        let up = b.build_float_add(ts, one.into_float_value(), "")?;
        let rs = b.build_select(half, up, ts, "")?;
        Ok(b.build_select(frac, rs, tr(x)?.into(), "")?)
    }

    /// A fused multiply-add whose addend is a quiet NaN and whose product is inf * 0 gives the
    /// default NaN (ir::fpnan::fma_result).
    fn arm_fma_invalid(&self, r: BasicValueEnum<'ctx>, ops: &[Value]) -> R<BasicValueEnum<'ctx>> {
        let b = &self.b;
        let (x, y, c) = (self.v(ops[0]).into_float_value(), self.v(ops[1]).into_float_value(), self.v(ops[2]).into_float_value());
        let fty = x.get_type();
        let (t, ity) = self.float_kind(fty);
        let inf_zero = inf_times_zero(b, x, y, t, ity)?;
        let (cnan, csnan, _) = self.nan_parts(c)?;
        let c_quiet = b.build_and(cnan, b.build_not(csnan, "")?, "")?;
        let dn = self.float_bits(fty, fpnan::default_nan(t))?;
        Ok(b.build_select(b.build_and(c_quiet, inf_zero, "")?, dn, r.into_float_value(), "")?.into())
    }

    /// FMINNM/FMAXNM: LLVM's minnum/maxnum already return the number when one operand is a
    /// NaN; Arm differs when an operand is a signalling NaN or both are NaNs (FPProcessNaNs),
    /// and orders -0 below +0 (minnum may return either zero): equal operands combine bitwise.
    fn arm_minmax_nm(
        &self,
        r: BasicValueEnum<'ctx>,
        op: Op,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
        ops: &[Value],
    ) -> R<BasicValueEnum<'ctx>> {
        let b = &self.b;
        let fty = x.get_type();
        let (_, ity) = self.float_kind(fty);
        let (xi, yi) = (b.build_bit_cast(x, ity, "")?.into_int_value(), b.build_bit_cast(y, ity, "")?.into_int_value());
        let comb = if op == Op::FMinNm { b.build_or(xi, yi, "")? } else { b.build_and(xi, yi, "")? };
        let combf = b.build_bit_cast(comb, fty, "")?.into_float_value();
        let eq = b.build_float_compare(FloatPredicate::OEQ, x, y, "")?;
        let r = b.build_select(eq, combf, r.into_float_value(), "")?.into_float_value();
        // Only with a NaN operand (out of line): a signalling one or two NaNs give Arm's NaN.
        let un = b.build_float_compare(FloatPredicate::UNO, x, y, "")?;
        let ops = ops.to_vec();
        self.unlikely_fixup(un, r, |g| {
            let b = &g.b;
            let ((xnan, xsnan, _), (ynan, ysnan, _)) = (g.nan_parts(x)?, g.nan_parts(y)?);
            let both_nan = b.build_and(xnan, ynan, "")?;
            let special = b.build_or(b.build_or(xsnan, ysnan, "")?, both_nan, "")?;
            Ok(b.build_select(special, g.processed_nan(fty, &ops)?, r, "")?.into_float_value())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aot_lifter::isa::aarch64::lift_snippet;

    #[test]
    fn compiles_a_snippet_with_calls_and_returns() {
        init_targets();
        // bl +8; ret; svc #0; b.eq -4; br x1
        let f = lift_snippet(0x400000, &[0x9400_0002, 0xd65f_03c0, 0xd400_0001, 0x54ff_ffe0, 0xd61f_0020]);
        ir::verify::verify(&f).unwrap();
        let opts = Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
        let tm = target_machine(&opts).unwrap();
        let obj = compile(&f, "test", &opts, &tm).unwrap();
        assert!(obj.len() > 100 && &obj[..4] == b"\x7fELF");
        let text = llvm_text(&f, "test").unwrap();
        assert!(text.contains("musttail") || text.contains("aot_ic_miss"), "{text}");
    }

    /// BLR goes through an inline cache (runtime/src/ic.rs): a slot in section aot_ic first
    /// pointing at aot_ic_empty, an atomic load of it, a compare of the record's guest address
    /// with the target, and the runtime's miss path; not through aot_lookup.
    #[test]
    fn blr_lowers_to_an_inline_cache() {
        init_targets();
        // 0: blr x1 ; 4: ret
        let f = lift_snippet(0x400000, &[0xd63f_0020, 0xd65f_03c0]);
        ir::verify::verify(&f).unwrap();
        let text = llvm_text(&f, "test").unwrap();
        assert!(text.contains("section \"aot_ic\""), "{text}");
        assert!(text.contains("@aot_ic_empty"), "{text}");
        // Level 1 and the level-2 way: two atomic loads of record pointers, then the runtime.
        assert_eq!(text.matches("load atomic ptr").count(), 2, "{text}");
        assert!(text.contains("@aot_ic_miss("), "{text}");
        assert!(!text.contains("@aot_lookup("), "{text}");
        // The way hash is runtime/src/ic.rs `way`: top 3 bits of low32(target >> 4) * 0x9E3779B9.
        assert!(text.contains("mul i32 %") && text.contains(&format!(", {}", IC_HASH as u32 as i32)), "{text}");
        assert!(text.contains("lshr i32 %") && text.contains(&format!(", {}", 32 - IC_WAYS.trailing_zeros())), "{text}");
        let opts = Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
        let tm = target_machine(&opts).unwrap();
        let asm = compile_asm(&f, "blr", &opts, &tm).unwrap();
        assert!(asm.contains("imull"), "{asm}");
    }

    /// A `BLR` hit calls the record's direct entry (`host_d`, 16 bytes into the record) with
    /// `DIRECT_REGS` in host registers and without storing them first; only the miss path
    /// stores them, before it calls the full-state entry `aot_ic_miss` returns.
    #[test]
    fn blr_hit_calls_the_direct_entry() {
        init_targets();
        // 0: mov x0, #1 ; 4: mov x1, #2 ; 8: blr x2 ; c: ret
        let f = lift_snippet(0x400000, &[0xd280_0020, 0xd280_0041, 0xd63f_0040, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let lines: Vec<&str> = asm.lines().map(str::trim).collect();
        let body = lines.iter().position(|l| *l == "aot_d_t:").expect(&asm);
        let end = body + lines[body..].iter().position(|l| l.starts_with(".Lfunc_end")).expect(&asm);
        let calls: Vec<usize> = (body..end).filter(|&i| lines[i].starts_with("call")).collect();
        let miss = *calls.iter().find(|&&i| lines[i].contains("aot_ic_miss")).expect(&asm);
        let hit = *calls.iter().find(|&&i| lines[i].contains(&format!("*{}(", aot_lifter::ic::RECORD_DIRECT_OFFSET))).expect(&asm);
        // The hit path: x0 = 1 and x1 = 2 in rdx and rcx, no store of their slots on the way.
        let (x0, x1) = (format!(", {}(%", Reg::x(0).slot().0), format!(", {}(%", Reg::x(1).slot().0));
        let stores = |a: usize, b: usize| (a..b).filter(|&i| lines[i].starts_with("mov") && (lines[i].contains(&x0) || lines[i].contains(&x1))).count();
        let first_call = *calls.iter().min().unwrap();
        assert_eq!(stores(body, first_call), 0, "nothing stored before the cache probe:\n{asm}");
        assert!((body..hit).any(|i| lines[i] == "movl\t$1, %edx") && (body..hit).any(|i| lines[i] == "movl\t$2, %ecx"), "x0, x1 passed in rdx, rcx:\n{asm}");
        // The miss path stores both before asking the runtime.
        let miss_start = (body..miss).rev().find(|&i| lines[i].ends_with(':') && !lines[i].starts_with('#')).unwrap();
        assert_eq!(stores(miss_start, miss), 2, "the miss path stores x0 and x1:\n{asm}");
    }

    /// A loop gets one safe point at its header (a leaf function none at entry): an atomic load
    /// of sigpoll and a branch to the cold call of aot_safepoint.
    #[test]
    fn safepoints_lower_to_a_poll_and_a_cold_call() {
        init_targets();
        // 0: mov x0, #0 ; 4: add x0, x0, #2 ; 8: cmp x0, #10 ; c: b.ne 4 ; 10: ret (step 2: not
        // a counted loop, ir::counted)
        let mut f = lift_snippet(0x400000, &[0xd280_0000, 0x9100_0800, 0xf100_281f, 0x54ff_ffc1, 0xd65f_03c0]);
        ir::safepoint::insert(&mut f);
        ir::verify::verify(&f).unwrap();
        let text = llvm_text(&f, "sp").unwrap();
        assert_eq!(text.matches("load volatile i32").count(), 1, "{text}");
        assert_eq!(text.matches("call i8 @aot_safepoint_same").count(), 1, "{text}");
        let opts = Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
        let tm = target_machine(&opts).unwrap();
        let asm = compile_asm(&f, "sp", &opts, &tm).unwrap();
        assert!(asm.contains(&format!("{}(%rdi)", SIGPOLL_OFFSET)), "{asm}");
        // The poll is one compare with memory (`cmpl $0, 788(%rdi)`) and its branch, not a load
        // into a register and a `test` (docs/signals.md).
        let at = format!("{}(%", SIGPOLL_OFFSET);
        let polls: Vec<&str> = asm.lines().map(str::trim).filter(|l| l.contains(&at)).collect();
        assert!(polls.iter().all(|l| l.starts_with("cmpl\t$0,")), "{polls:?}\n{asm}");
    }

    /// The memory-model mapping (docs/memory-model.md) as x86-64 instructions, on the baseline
    /// CPU so that `cx16` must come from FEATURES.
    #[test]
    fn barriers_and_exclusives_lower_to_the_documented_instructions() {
        init_targets();
        let words = [
            0x889ffc01, // stlr w1, [x0]
            0x88dffc62, // ldar w2, [x3]
            0xd5033bbf, // dmb ish
            0xd50339bf, // dmb ishld
            0xd5033abf, // dmb ishst
            0xc87f1404, // ldxp x4, x5, [x0]
            0xc8261404, // stxp w6, x4, x5, [x0]
            0x48207c64, // casp x0, x1, x4, x5, [x3]
            0xd65f03c0, // ret
        ];
        let f = lift_snippet(0x400000, &words);
        ir::verify::verify(&f).unwrap();
        let asm = asm_o2(&f, "x86-64");
        let count = |s: &str| asm.lines().filter(|l| l.trim_start().starts_with(s) || l.contains(&format!("\t{s}"))).count();
        assert_eq!(count("xchgl"), 1, "STLR is one XCHG:\n{asm}");
        assert_eq!(count("mfence"), 1, "only DMB ISH is an MFENCE:\n{asm}");
        assert!(asm.matches("cmpxchg16b").count() == 2, "STXP and CASP:\n{asm}");
        assert!(!asm.contains("__atomic") && !asm.contains("__sync"), "{asm}");
        assert!(asm.contains(excl::TABLE_SYMBOL), "{asm}");
    }

    /// x86-64 assembly of `f` at -O2 for `cpu`.
    fn asm_o2(f: &Function, cpu: &str) -> String {
        let opts = Options { opt_level: 2, target_cpu: cpu.into() };
        let tm = target_machine(&opts).unwrap();
        compile_asm(f, "t", &opts, &tm).unwrap()
    }

    /// A function with several entries (here the return site after `bl`) tests for its start
    /// first: the first compare of the entry offset in the host code is the test for zero, so a
    /// direct call does not pay the other entries' compares.
    #[test]
    fn entry_switch_tests_the_start_first() {
        init_targets();
        // 0: bl +12 ; 4: bl +8 ; 8: ret ; c: ret; entered also at the return sites 4 and 8
        let words = [0x9400_0003u32, 0x9400_0002, 0xd65f_03c0, 0xd65f_03c0];
        let spec = aot_lifter::isa::FunctionSpec {
            name: "entries".into(),
            start: 0x400000,
            entries: vec![0x400000, 0x400004, 0x400008],
            insns: words.iter().enumerate().map(|(k, &w)| (0x400000 + 4 * k as u64, w)).collect(),
            ..Default::default()
        };
        let f = aot_lifter::isa::aarch64::lift_function(&spec);
        assert_eq!(f.entries.len(), 3, "{:?}", f.entries);
        let asm = asm_o2(&f, "x86-64-v3");
        let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
        // `off = entry_pc - base` sets ZF; the first conditional jump after it must test that
        // (no compare with another entry's offset in between).
        let sub = body.iter().position(|l| l.starts_with("subq") && l.contains("aot_r_t_0")).expect(&asm);
        let jump = sub + 1 + body[sub + 1..].iter().position(|l| l.starts_with('j') && !l.starts_with("jmp")).expect(&asm);
        let between = &body[sub + 1..jump];
        assert!(between.iter().all(|l| !l.starts_with("cmp")), "{between:?}\n{asm}");
        assert!(between.iter().all(|l| !l.starts_with("test")) || between.iter().any(|l| l.starts_with("test") && {
            let ops: Vec<&str> = l.split_whitespace().nth(1).unwrap_or("").split(',').collect();
            ops.len() == 2 && ops[0] == ops[1]
        }), "{between:?}\n{asm}");
    }

    /// A call's return address and a safe point's PC come from symbols of their own
    /// (`entry_addr`, `return_check`, `aot_safepoint_same`), so nothing computed before the call
    /// is needed after it: a function calling another keeps only the state pointer in a
    /// callee-saved register (one push, no alignment push, 16 host stack bytes per guest frame;
    /// base + offset kept for the check took a second register and its alignment slot).
    #[test]
    fn calls_keep_only_the_state_pointer_across_the_call() {
        init_targets();
        // 0: stp x29, x30, [sp, #-16]! ; 4: bl +12 ; 8: ldp x29, x30, [sp], #16 ; c: ret ;
        // 10: ret (the callee); entered also at the return site 8
        let words = [0xa9bf_7bfdu32, 0x9400_0003, 0xa8c1_7bfd, 0xd65f_03c0, 0xd65f_03c0];
        let spec = aot_lifter::isa::FunctionSpec {
            name: "caller".into(),
            start: 0x400000,
            entries: vec![0x400000, 0x400008],
            insns: words[..4].iter().enumerate().map(|(k, &w)| (0x400000 + 4 * k as u64, w)).collect(),
            ..Default::default()
        };
        let mut f = aot_lifter::isa::aarch64::lift_function(&spec);
        ir::safepoint::insert(&mut f);
        ir::verify::verify(&f).unwrap();
        assert!(f.entries.iter().any(|e| e.0 == 8), "{:?}", f.entries);
        let asm = asm_o2(&f, "x86-64-v3");
        let pushes: Vec<&str> = asm.lines().map(str::trim).filter(|l| l.starts_with("push")).collect();
        assert_eq!(pushes, ["pushq\t%rbx"], "{asm}");
        // X30 = the return site's entry symbol; the check after the call reads the other one.
        assert!(asm.contains("aot_e_t_8@GOTPCREL") && asm.contains("aot_q_t_8@GOTPCREL"), "{asm}");
        assert!(asm.contains("callq\taot_safepoint_same"), "{asm}");
    }

    /// Arm NaN selection is out of line: between an FADD and the next FP op (an FCVT, which
    /// ends a chain of fp_chains) the hot path holds only the unordered test of the result and
    /// its branch (no blend of a chosen NaN), and the fix-up still exists (in a cold block).
    #[test]
    fn fp_nan_fixup_is_out_of_line() {
        init_targets();
        // fadd d0, d1, d2 ; fcvt s0, d0 ; ret
        let f = lift_snippet(0x400000, &[0x1e62_2820, 0x1e62_4000, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
        let add = body.iter().position(|l| l.starts_with("vaddsd")).expect(&asm);
        let mul = body.iter().position(|l| l.starts_with("vcvtsd2ss")).expect(&asm);
        let between = &body[add + 1..mul];
        assert!(between.iter().any(|l| l.starts_with("vucomisd")), "{asm}");
        assert!(between.iter().any(|l| l.starts_with("jp")), "{asm}");
        assert!(!between.iter().any(|l| l.contains("blendv") || l.contains("cmpunord")), "{asm}");
        assert!(between.len() <= 6, "hot path between the ops: {between:?}\n{asm}");
        let text = llvm_text(&f, "t").unwrap();
        assert!(text.contains("fp_nan"), "{text}");
    }

    /// A host return in assembly: a jump to the return thunk (`RETURN_THUNK_ASM`) or a `ret`.
    fn is_return(l: &str) -> bool {
        l.starts_with("ret") || (l.starts_with("jmp") && l.ends_with("__x86_return_thunk"))
    }

    /// The hot path of a snippet's assembly: its lines up to the first return (the NaN blocks
    /// come after it).
    fn hot_lines(asm: &str) -> Vec<&str> {
        let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
        let ret = body.iter().position(|l| is_return(l)).expect(asm);
        body[..ret].to_vec()
    }

    /// fp_chains: scalar FP ops of one block that feed each other share ONE NaN test, an
    /// unordered compare of the last result, where each op had its own `vucomisd; jp`. They stay
    /// scalar host ops (no packed op computing the upper halves of the V registers), and the
    /// Arm NaN selection still exists out of line.
    #[test]
    fn fp_chain_has_one_nan_test() {
        init_targets();
        for words in [
            // fmul d0, d1, d2 ; fadd d0, d0, d3 ; ret
            &[0x1e62_0820u32, 0x1e63_2800, 0xd65f_03c0][..],
            // fmul d0, d1, d2 ; fadd d5, d0, d3 ; fsub d6, d5, d4 ; fdiv d7, d6, d1 ; fsqrt d8, d7 ;
            // fmadd d9, d8, d2, d3 ; fnmul d10, d9, d4 ; fadd d10, d10, d1 ; ret
            &[0x1e62_0820, 0x1e63_2805, 0x1e64_38a6, 0x1e61_18c7, 0x1e61_c0e8, 0x1f42_0d09, 0x1e64_892a, 0x1e61_294a, 0xd65f_03c0][..],
            // fmul s11, s12, s13 ; fadd s11, s11, s14 ; fmsub s15, s11, s12, s13 ; fsqrt s16, s15 ; ret
            &[0x1e2d_098b, 0x1e2e_296b, 0x1f0c_b56f, 0x1e21_c1f0, 0xd65f_03c0][..],
        ] {
            let f = lift_snippet(0x400000, words);
            let asm = asm_o2(&f, "x86-64-v3");
            let hot = hot_lines(&asm);
            let tests = hot.iter().filter(|l| l.starts_with("vucomis")).count();
            assert_eq!(tests, 1, "{words:08x?}: one NaN test\n{asm}");
            let packed = |l: &&&str| {
                let m = l.split_whitespace().next().unwrap_or("");
                ["vadd", "vsub", "vmul", "vdiv", "vsqrt", "vfmadd", "vfmsub", "vfnmadd", "vfnmsub"].iter().any(|p| m.starts_with(p))
                    && (m.ends_with("pd") || m.ends_with("ps"))
            };
            assert!(!hot.iter().any(|l| packed(&l)), "{words:08x?}: packed FP op\n{asm}");
            let text = llvm_text(&f, "t").unwrap();
            assert!(text.contains("fp_nan_chain"), "{text}");
        }
    }

    /// fp_chains: a chain ends before another use of a member's result (an FCMP, a store), the
    /// members that feed no later member (sinks) are tested, and a function that reads FPSR
    /// keeps one test per op (there the test also decides Arm's underflow rule).
    #[test]
    fn fp_chain_windows() {
        // 0: fmul d0, d1, d2 ; fcmp d0, d3 ; str d0, [x0] ; fadd d3, d0, d4 ; fsub d4, d1, d2 ;
        // 14: fmul d0, d1, d2 ; fadd d0, d0, d3 ; ret
        let words = [0x1e62_0820u32, 0x1e63_2000, 0xfd00_0000, 0x1e64_2803, 0x1e62_3824, 0x1e62_0820, 0x1e63_2800, 0xd65f_03c0];
        let f = lift_snippet(0x400000, &words);
        let known = ir::consts::known_constants(&f);
        let (roles, chains) = fp_chains(&f, &fp_groups(&f), false, &known);
        let fp: Vec<Value> = (0..f.insts.len() as u32).map(Value).filter(|&v| matches!(f.inst(v).op, Op::FAdd | Op::FSub | Op::FMul)).collect();
        assert_eq!(fp.len(), 5);
        assert_eq!(roles[fp[0].0 as usize], ChainRole::None, "the FCMP reads the first FMUL's result");
        assert_eq!(chains.len(), 1, "{chains:?}");
        let c = &chains[0];
        assert_eq!((c.insts[0], *c.insts.last().unwrap()), (fp[1], fp[4]));
        // fsub d4 feeds nothing (d4 is not read again), the last fadd ends the chain.
        assert_eq!(c.sinks, vec![fp[2], fp[4]]);
        for (k, sink) in [(1, false), (2, true), (3, false), (4, true)] {
            assert_eq!(roles[fp[k].0 as usize], ChainRole::Member { sink }, "op {k}");
        }
        // The same ops followed by `mrs x0, fpsr`: no chain.
        let mut strict = words.to_vec();
        strict.insert(7, 0xd53b_4420);
        let f = lift_snippet(0x400000, &strict);
        let known = ir::consts::known_constants(&f);
        let strict_fn = f.insts.iter().any(|i| i.op == Op::Helper && Helper::from_u64(i.imm) == Some(Helper::SyncFpsr));
        assert!(strict_fn);
        let (roles, chains) = fp_chains(&f, &fp_groups(&f), strict_fn, &known);
        assert!(chains.is_empty() && roles.iter().all(|&r| r == ChainRole::None));
    }

    /// A NEON FP op stays one host vector op: the lanes' NaN tests are one vector compare and
    /// one branch (fp_groups), not a test and branch per lane that keeps them scalar. The Arm
    /// NaN selection still exists out of line.
    #[test]
    fn neon_fp_ops_stay_vector_ops() {
        init_targets();
        // (insn, host vector op, scalar op that must not appear)
        for (insn, vop, sop) in [
            (0x4e22_d420u32, "vaddps", "vaddss"),  // fadd v0.4s, v1.4s, v2.4s
            (0x4e62_d420, "vaddpd", "vaddsd"),     // fadd v0.2d, v1.2d, v2.2d
            (0x6e62_dc20, "vmulpd", "vmulsd"),     // fmul v0.2d, v1.2d, v2.2d
            (0x6e22_fc20, "vdivps", "vdivss"),     // fdiv v0.4s, v1.4s, v2.4s
            (0x4e22_cc20, "vfmadd", "ss	"),       // fmla v0.4s, v1.4s, v2.4s
            (0x6ea1_f820, "vsqrtps", "vsqrtss"),   // fsqrt v0.4s, v1.4s
            (0x4fa2_9020, "vmulps", "vmulss"),     // fmul v0.4s, v1.4s, v2.s[1]
        ] {
            let f = lift_snippet(0x400000, &[insn, 0xd65f_03c0]);
            let asm = asm_o2(&f, "x86-64-v3");
            let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
            let ret = body.iter().position(|l| is_return(l)).expect(&asm);
            let hot = &body[..ret];
            assert!(hot.iter().any(|l| l.starts_with(vop)), "{insn:#x}: no {vop}\n{asm}");
            assert!(!hot.iter().any(|l| l.contains(sop)), "{insn:#x}: scalar {sop}\n{asm}");
            let branches = hot.iter().filter(|l| l.starts_with('j') && !l.starts_with("jmp")).count();
            assert_eq!(branches, 1, "{insn:#x}: one NaN branch\n{asm}");
            let text = llvm_text(&f, "t").unwrap();
            assert_eq!(text.matches("fp_nan:").count(), 1, "{text}");
        }
    }

    /// A NEON integer lane-wise op (and DUP) is one host vector instruction (the IR's lane-wise
    /// ops, `Rule::Lanes`), with no trip of the vector through general-purpose registers: the SWAR
    /// forms these replaced became ~12 instructions each (masking, vpextrq/vmovq, two 64-bit
    /// adds, vpunpcklqdq), which LLVM could not turn back into `vpaddd`.
    #[test]
    fn neon_integer_lane_ops_are_single_vector_instructions() {
        init_targets();
        for (insn, vop) in [
            (0x4ea2_8420u32, "vpaddd"),  // add v0.4s, v1.4s, v2.4s
            (0x4e22_8420, "vpaddb"),     // add v0.16b, v1.16b, v2.16b
            (0x0e22_8420, "vpaddb"),     // add v0.8b, v1.8b, v2.8b
            (0x6e62_8420, "vpsubw"),     // sub v0.8h, v1.8h, v2.8h
            (0x6e22_8c20, "vpcmpeqb"),   // cmeq v0.16b, v1.16b, v2.16b
            (0x4e60_9820, "vpcmpeqw"),   // cmeq v0.8h, v1.8h, #0
            (0x4ea2_3420, "vpcmpgtd"),   // cmgt v0.4s, v1.4s, v2.4s
            (0x6e22_6420, "vpmaxub"),    // umax v0.16b, v1.16b, v2.16b
            (0x4ea2_9c20, "vpmulld"),    // mul v0.4s, v1.4s, v2.4s
            (0x6f3d_0420, "vpsrld"),     // ushr v0.4s, v1.4s, #3
            (0x4e01_0c20, "vpbroadcastb"), // dup v0.16b, w1
            (0x4e04_0c20, "vpbroadcastd|vbroadcastss"), // dup v0.4s, w1 (may load the state slot)
        ] {
            let f = lift_snippet(0x400000, &[insn, 0xd65f_03c0]);
            let asm = asm_o2(&f, "x86-64-v3");
            let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
            let ret = body.iter().position(|l| is_return(l)).expect(&asm);
            let hot = &body[..ret];
            assert!(hot.iter().any(|l| vop.split('|').any(|v| l.starts_with(v))), "{insn:#x}: no {vop}\n{asm}");
            let to_gpr = |l: &&&str| l.starts_with("vpextrq") || (l.starts_with("vmovq\t%xmm") && l.contains("%r"));
            assert!(!hot.iter().any(|l| to_gpr(&l)), "{insn:#x}: vector through a GPR\n{asm}");
        }
    }

    /// fp_groups: the lanes of FABD (fsub, then fabs of it) are one group; each lane's fabs
    /// uses a member and waits for the group's test unless it comes after the last member.
    #[test]
    fn fp_groups_defer_uses_of_members() {
        // fabd v0.4s, v1.4s, v2.4s
        let f = lift_snippet(0x400000, &[0x6ea2_d420, 0xd65f_03c0]);
        let roles = fp_groups(&f);
        let subs: Vec<usize> = (0..f.insts.len()).filter(|&k| f.insts[k].op == Op::FSub).collect();
        assert_eq!(subs.len(), 4);
        let last = Value(*subs.last().unwrap() as u32);
        for &k in &subs {
            assert_eq!(roles[k], FpRole::Member { last });
        }
        for k in 0..f.insts.len() {
            if f.insts[k].op == Op::FAbs {
                let expect = if k < last.0 as usize { FpRole::Deferred } else { FpRole::Normal };
                assert_eq!(roles[k], expect, "inst {k}");
            }
        }
    }

    /// valgrind 3.19 (the benchmark's instruction counter) cannot decode the VEX `vmovq xmm, xmm`
    /// form LLVM picks for a zero-extending register move from xmm8-15 (66 0F D6): S/D register
    /// writes go through `vmovq` from a general-purpose register instead of inserting a float
    /// into a zero vector.
    #[test]
    fn scalar_fp_writes_avoid_register_to_register_vmovq() {
        init_targets();
        // fadd d0, d1, d2 ; fmul d3, d0, d2 ; fsub d4, d3, d1 ; ret
        let f = lift_snippet(0x400000, &[0x1e62_2820, 0x1e62_0803, 0x1e61_3864, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let reg_reg = |l: &&str| {
            let l = l.trim();
            l.starts_with("vmovq\t%xmm") && l.matches("%xmm").count() == 2
        };
        assert!(!asm.lines().any(|l| reg_reg(&l)), "{asm}");
    }

    /// The host code of a function at 0x400000 made of `dispatch` (ending in `br x0`) and, right
    /// after it, 12 entries of `add xR, xR, #k` x 4; `b 0x400000`, 20 bytes apart (like a
    /// switch's case bodies). `xR` must not be overwritten by `dispatch`, or LLVM merges the cases.
    fn jump_table_asm(dispatch: &[u32], r: u32) -> String {
        init_targets();
        asm_o2(&jump_table_fn(dispatch, r, false), "x86-64-v3")
    }

    /// The function of `jump_table_asm`; with `table`, recovery's jump table of its `br` (the 12
    /// entries) in the spec.
    fn jump_table_fn(dispatch: &[u32], r: u32, table: bool) -> Function {
        let base = 0x400000u64;
        let mut insns = std::collections::BTreeMap::new();
        let mut entries = vec![base];
        for (k, &w) in dispatch.iter().enumerate() {
            insns.insert(base + 4 * k as u64, w);
        }
        let cases = base + 4 * dispatch.len() as u64;
        for k in 0..12u64 {
            let at = cases + 20 * k;
            entries.push(at);
            for j in 0..4 {
                insns.insert(at + 4 * j, 0x9100_0000 | (k as u32 + 1) << 10 | r << 5 | r);
            }
            let back = ((base as i64 - (at + 16) as i64) / 4) as u32 & 0x3ff_ffff;
            insns.insert(at + 16, 0x1400_0000 | back);
        }
        let mut tables = std::collections::BTreeMap::new();
        if table {
            tables.insert(cases - 4, entries[1..].to_vec());
        }
        let spec = aot_lifter::isa::FunctionSpec { name: "jt".into(), start: base, entries, insns, tables };
        let f = aot_lifter::isa::aarch64::lift_function(&spec);
        ir::verify::verify(&f).unwrap();
        f
    }

    /// An indirect jump inside a function (a jump table) is one table jump, not a compare tree:
    /// the switch is on the entry's offset divided by 4 (rotated, so a misaligned target still
    /// misses), dense enough for LLVM's jump tables where the byte offsets were not.
    #[test]
    fn jump_table_dispatch_is_one_indirect_jump() {
        let asm = jump_table_asm(&[0xd61f_0000], 1); // br x0
        assert!(asm.contains(".LJTI"), "no jump table:\n{asm}");
    }

    /// gcc's jump-table dispatch `ldrb w0, [x7, w0, uxtw]; adr x1, L; add x0, x1, w0, sxtb #2;
    /// br x0`: ADR is base + offset and the switch takes `offset + 4 * entry` without subtracting
    /// the base (which LLVM cannot fold: `base + offset` is an entry symbol of its own), so the
    /// rotation folds into a shift of the table entry: no `ror`/`rorx`.
    #[test]
    fn adr_jump_tables_switch_on_the_table_entry() {
        let asm = jump_table_asm(&[0x3860_48e0, 0x1000_0061, 0x8b20_8820, 0xd61f_0000], 2);
        assert!(asm.contains(".LJTI"), "no jump table:\n{asm}");
        let code: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.')).collect();
        assert!(!code.iter().any(|l| l.starts_with("ror")), "rotate of base-relative offset:\n{asm}");
    }

    /// With recovery's jump table, the `jump.ind` carries the table's targets (printed, so in the
    /// cache key) and the switch has exactly those cases, on the loaded table entry (an `i8`)
    /// rather than on the computed address; without it, every entry (the start too) is a case.
    #[test]
    fn recovered_jump_tables_switch_over_their_targets_only() {
        init_targets();
        let dispatch = [0x3860_48e0, 0x1000_0061, 0x8b20_8820, 0xd61f_0000];
        let f = jump_table_fn(&dispatch, 2, true);
        let text = ir::print::print_function(&f, false);
        let want: String = (0..12).map(|k| format!(" +{:#x}", 16 + 20 * k)).collect();
        assert!(text.contains(&format!(", table{want}\n")), "{text}");
        let switch_of = |f: &Function| -> String {
            // The jump's switch (its default edge leaves the function), not the entry switch.
            let ll = llvm_text(f, "t").unwrap();
            let line = ll.lines().find(|l| l.contains("switch ") && l.contains("label %jump_out")).expect(&ll);
            let at = ll.find(line).unwrap() + line.find("switch ").unwrap();
            ll[at..at + ll[at..].find(']').expect(&ll)].to_string()
        };
        let sw = switch_of(&f);
        assert!(sw.starts_with("switch i8 "), "{sw}");
        let cases: Vec<&str> = sw.lines().skip(1).map(str::trim).filter(|l| !l.is_empty()).collect();
        // The ADR is base + 0x10 (the first case), so the table entry of case k is 5k.
        let want: Vec<String> = (0..12).map(|k| format!("i8 {}, label", 5 * k)).collect();
        assert_eq!(cases.len(), 12, "{sw}");
        for (c, w) in cases.iter().zip(&want) {
            assert!(c.starts_with(w.as_str()), "{c} is not {w}:\n{sw}");
        }
        let sw = switch_of(&jump_table_fn(&dispatch, 2, false));
        assert_eq!(sw.lines().skip(1).filter(|l| !l.trim().is_empty()).count(), 13, "{sw}");
    }

    /// A guest FP load feeding an FP op is an XMM load: the NaN block reads operand bits only
    /// through `opaque_float`, so the load has no integer use that would keep it in a
    /// general-purpose register with a `vmovq` to XMM on the hot path (docs/performance.md,
    /// matmul). The loop below has no general-purpose-to-XMM move between its head and its
    /// back branch.
    #[test]
    fn fp_loads_in_a_loop_stay_in_xmm_registers() {
        init_targets();
        // 0: ldr d1, [x0] ; ldr d2, [x1] ; fmul d2, d1, d2 ; fadd d1, d1, d2 ; str d1, [x0] ;
        // subs x3, x3, #2 ; b.ne 0 ; ret (step 2: not a counted loop, whose fix-ups are selects)
        let f = lift_snippet(
            0x400000,
            &[0xfd40_0001, 0xfd40_0022, 0x1e62_0822, 0x1e62_2821, 0xfd00_0001, 0xf100_0863, 0x54ff_ff41, 0xd65f_03c0],
        );
        let asm = asm_o2(&f, "x86-64-v3");
        let lines: Vec<&str> = asm.lines().map(str::trim).collect();
        let mul = lines.iter().position(|l| l.starts_with("vmulsd")).expect(&asm);
        let back = mul + lines[mul..].iter().position(|l| l.starts_with("jne") || l.starts_with("jb") || l.starts_with("ja")).expect(&asm);
        let head = lines[..mul].iter().rposition(|l| l.starts_with(".LBB")).expect(&asm);
        let gpr_to_xmm = |l: &&&str| l.starts_with("vmovq\t%r") && l.contains("%xmm");
        assert!(!lines[head..back].iter().any(|l| gpr_to_xmm(&l)), "{:?}\n{asm}", &lines[head..back]);
    }

    /// glibc's `__memcpy_generic` loop shape: an X-register pair loaded by an LDP and stored by
    /// an STP of the next iteration (carried across the back edge) in a counted loop is copied
    /// 16 bytes at a time (`copy_pairs`): one XMM load and one XMM store in the loop, no 8-byte
    /// GPR moves of the data. Without the counted-loop pass (accesses stay relaxed atomics) it
    /// keeps its two 8-byte loads and stores.
    #[test]
    fn copied_register_pairs_move_16_bytes() {
        init_targets();
        // 0: ldp x6, x7, [x1] ; 4: stp x6, x7, [x3] ; ldp x6, x7, [x1, #16]! ; add x3, x3, #16 ;
        // subs x2, x2, #16 ; b.hi 4 ; ret
        let words = [0xa940_1c26, 0xa900_1c66, 0xa9c1_1c26, 0x9100_4063, 0xf100_4042, 0x54ff_ff88, 0xd65f_03c0];
        let loop_lines = |counted: bool| {
            let mut f = lift_snippet(0x400000, &words);
            if counted {
                ir::counted::relax_affine(&mut f);
            }
            ir::safepoint::insert(&mut f);
            ir::verify::verify(&f).unwrap();
            let asm = asm_o2(&f, "x86-64-v3");
            let lines: Vec<String> = asm.lines().map(|l| l.trim().to_string()).collect();
            let back = lines.iter().position(|l| l.starts_with("ja\t")).expect(&asm);
            let target = lines[back].split('\t').nth(1).unwrap().to_string();
            let head = lines.iter().position(|l| l.starts_with(&format!("{target}:"))).expect(&asm);
            (lines[head.min(back)..back].to_vec(), asm)
        };
        let (body, asm) = loop_lines(true);
        // `vmovdqu`/`vmovups` (either) from memory to an XMM register, or back.
        let xmm_move = |l: &String, load: bool| {
            let Some((src, dst)) = l.strip_prefix("vmovdqu\t").or(l.strip_prefix("vmovups\t")).and_then(|o| o.split_once(',')) else {
                return false;
            };
            let dst = dst.trim_start();
            if load { src.contains('(') && dst.starts_with("%xmm") } else { src.starts_with("%xmm") && dst.contains('(') }
        };
        // An 8-byte GPR move to or from memory other than the host stack and the state.
        let gpr_mem = |l: &String| l.starts_with("movq\t") && l.contains('(') && !l.contains("%rsp") && !l.contains("(%rdi)");
        let count = |body: &[String], p: &dyn Fn(&String) -> bool| body.iter().filter(|l| p(l)).count();
        assert_eq!(count(&body, &|l| xmm_move(l, false)), 1, "{body:?}\n{asm}");
        assert_eq!(count(&body, &|l| xmm_move(l, true)), 1, "{body:?}\n{asm}");
        assert_eq!(count(&body, &gpr_mem), 0, "{body:?}\n{asm}");
        let (body, asm) = loop_lines(false);
        assert_eq!(count(&body, &|l| xmm_move(l, false)), 0, "{body:?}\n{asm}");
        assert_eq!(count(&body, &gpr_mem), 4, "{body:?}\n{asm}");
    }

    /// matmul's inner loop (`c[j] += a * b[j]`, j counting to n): a counted loop (ir::counted)
    /// without a poll, whose indexed accesses are plain and whose NaN fix-ups are calls with
    /// vector variants (`vv_blocks`), is vectorised by LLVM: packed multiply and add, each with
    /// one packed unordered test, and no call left once the variants are inlined. The same with
    /// S registers (8 lanes); with an FRINTI in the loop it stays scalar (only FADD, FSUB, FMUL,
    /// FDIV, FSQRT and FMA have variants), and so does the loop with a step of 2 against `ne` (not counted). With the
    /// NaN fix-ups as selects (NAN_SELECTS, tests only) it is vectorised too.
    #[test]
    fn counted_fp_loops_are_vectorised() {
        init_targets();
        // 0: ldr d2, [x2, x0, lsl #3] ; ldr d1, [x1, x0, lsl #3] ; fmul d2, d3, d2 ; fadd d1, d1, d2
        // (MID) ; str d1, [x1, x0, lsl #3] ; add x0, x0, #STEP ; cmp x0, x19 ; b.ne 0 ; ret
        // With S registers: ldr s2, [x2, x0, lsl #2] ... (0xbc.. loads and store, 0x1e22.. ops).
        let lift = |words: &[u32]| {
            let mut f = lift_snippet(0x400000, words);
            ir::counted::relax_affine(&mut f);
            ir::safepoint::insert(&mut f);
            ir::verify::verify(&f).unwrap();
            asm_o2(&f, "x86-64-v3")
        };
        let d = |mid: &[u32], add: u32| {
            let mut w = vec![0xfc60_7842, 0xfc60_7821, 0x1e62_0862, 0x1e62_2821];
            w.extend_from_slice(mid);
            let back = 0x54ff_ff21 - ((mid.len() as u32) << 5);
            w.extend_from_slice(&[0xfc20_7821, add, 0xeb13_001f, back, 0xd65f_03c0]);
            w
        };
        let asm = lift(&d(&[], 0x9100_0400));
        for want in ["vmulpd", "vaddpd", "vcmpunordpd"] {
            assert!(asm.contains(want), "{want}\n{asm}");
        }
        assert!(!asm.contains("aot_safepoint") && !asm.contains(NAN_VV_PREFIX), "{asm}");
        let s = [0xbc60_7842, 0xbc60_7821, 0x1e22_0862, 0x1e22_2821, 0xbc20_7821, 0x9100_0400, 0xeb13_001f, 0x54ff_ff21, 0xd65f_03c0];
        let asm = lift(&s);
        for want in ["vmulps", "vaddps", "vcmpunordps", "%ymm"] {
            assert!(asm.contains(want), "{want}\n{asm}");
        }
        assert!(!asm.contains(NAN_VV_PREFIX), "{asm}");
        // frinti d1, d1 after the fadd: scalar, its fix-ups tested and branched on as elsewhere.
        let asm = lift(&d(&[0x1e67_c021], 0x9100_0400));
        assert!(!asm.contains("vmulpd") && asm.contains("vmulsd") && !asm.contains(NAN_VV_PREFIX), "{asm}");
        let asm = lift(&d(&[], 0x9100_0800));
        assert!(!asm.contains("vmulpd") && asm.contains("aot_safepoint") && !asm.contains(NAN_VV_PREFIX), "{asm}");
        let asm = with_nan_selects(|| lift(&d(&[], 0x9100_0400)));
        assert!(asm.contains("vmulpd") && asm.contains("vaddpd"), "{asm}");
    }

    /// A counted loop that carries an FP value round the loop (a reduction, `s += b[j]`) is not
    /// vectorised by LLVM: its NaN fix-up stays a cold block (`branch_free_blocks`), while the
    /// loop without the carried value gets selects.
    #[test]
    fn fp_reductions_keep_their_cold_nan_block() {
        // 0: ldr d1, [x1, x0, lsl #3] ; fadd d0, d0, d1 ; add x0, x0, #1 ; cmp x0, x19 ; b.ne 0 ; ret
        let mut f = lift_snippet(0x400000, &[0xfc60_7821, 0x1e61_2800, 0x9100_0400, 0xeb13_001f, 0x54ff_ff81, 0xd65f_03c0]);
        ir::counted::relax_affine(&mut f);
        ir::safepoint::insert(&mut f);
        assert!(llvm_text(&f, "r").unwrap().contains("fp_nan"));
        // fadd d0, d1, d1 instead: d0 no longer carried.
        let mut f = lift_snippet(0x400000, &[0xfc60_7821, 0x1e61_2820, 0x9100_0400, 0xeb13_001f, 0x54ff_ff81, 0xd65f_03c0]);
        ir::counted::relax_affine(&mut f);
        ir::safepoint::insert(&mut f);
        assert!(!with_nan_selects(|| llvm_text(&f, "r").unwrap()).contains("fp_nan"));
        // By default its fix-up is a call of the NaN helper with vector variants (vv_blocks).
        let text = llvm_text(&f, "r").unwrap();
        assert!(text.contains("vector-function-abi-variant") && !text.contains("fp_cont"), "{text}");
    }

    /// A D register carried round a loop stays in an XMM register: an S/D write is the float
    /// blended into a zero vector (`float_into_zero_vector`), not `vmovq` to a general-purpose
    /// register and back (docs/performance.md, FP kernels). No `vmovq` between the loop's head
    /// and its back branch.
    #[test]
    fn loop_carried_fp_registers_stay_in_xmm_registers() {
        init_targets();
        // 0: fmul d2, d0, d1 ; fadd d0, d0, d2 ; subs x3, x3, #2 ; b.ne 0 ; ret (not counted)
        let f = lift_snippet(0x400000, &[0x1e61_0802, 0x1e62_2800, 0xf100_0863, 0x54ff_ffa1, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let lines: Vec<&str> = asm.lines().map(str::trim).collect();
        let mul = lines.iter().position(|l| l.starts_with("vmulsd")).expect(&asm);
        let add = lines.iter().position(|l| l.starts_with("vaddsd")).expect(&asm);
        let back = add + lines[add..].iter().position(|l| l.starts_with("jne")).expect(&asm);
        let head = lines[..mul].iter().rposition(|l| l.starts_with(".LBB")).expect(&asm);
        assert!(!lines[head..back].iter().any(|l| l.starts_with("vmovq")), "{:?}\n{asm}", &lines[head..back]);
        // The fadd reads the fmul's result itself, not its blend into the V register.
        assert!(!lines[mul..add].iter().any(|l| l.starts_with("vblend")), "{:?}\n{asm}", &lines[mul..add]);
    }

    /// An S register write zeroes bits 32..127: the float goes into the zero vector first
    /// (`float_into_zero_vector` blends 64-bit lanes, so an F32 alone would leave bits 32..63
    /// undefined). Printed asm of the write: the sum is merged into the zero register with a
    /// 32-bit-lane instruction before any 64-bit blend.
    #[test]
    fn scalar_s_writes_zero_bits_32_to_63() {
        init_targets();
        // fadd s0, s1, s2 ; ret
        let f = lift_snippet(0x400000, &[0x1e22_2820, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let hot: Vec<&str> = asm.lines().map(str::trim).take_while(|l| !is_return(l)).collect();
        assert!(hot.iter().any(|l| l.starts_with("vblendps\t$1,")), "{asm}");
        assert!(!hot.iter().any(|l| l.starts_with("vblendpd")), "{asm}");
    }

    /// FCMP and a branch on a condition that combines its flags (LS: !C || Z, i.e. less or
    /// equal) are one host compare (fcmp_masks), not one per flag.
    #[test]
    fn fp_compare_and_branch_is_one_host_compare() {
        init_targets();
        for (fcmp, what) in [(0x1e61_2000u32, "fcmp"), (0x1e61_2010, "fcmpe")] {
            // fcmp(e) d0, d1 ; b.ls +12 ; mov x0, #1 ; ret ; mov x0, #2 ; ret
            let mut f = lift_snippet(0x400000, &[fcmp, 0x5400_0069, 0xd280_0020, 0xd65f_03c0, 0xd280_0040, 0xd65f_03c0]);
            // As in every program measured (ir::abi): returns do not store the flags, which
            // would keep each flag's own compare.
            f.flags_local = true;
            let asm = asm_o2(&f, "x86-64-v3");
            // fcmpe's compare is the signalling COMISD, which raises Invalid Operation on any
            // NaN itself (ioc_raises): no second compare for the IOC flag.
            let count = |m: &str| asm.lines().filter(|l| l.trim().starts_with(m)).count();
            let want = if what == "fcmp" { (1, 0) } else { (0, 1) };
            assert_eq!((count("vucomisd"), count("vcomisd")), want, "{what}:\n{asm}");
        }
    }

    /// A guest FP load whose value is used after another FP op's NaN test (a branch) is still
    /// an XMM load (fp_loads): `ldr d2; fdiv d0, d3, d4; fmul d0, d0, d2` has no general-purpose
    /// load moved into XMM with `vmovq` (spectral's inner loop).
    #[test]
    fn fp_loads_used_after_a_nan_test_are_xmm_loads() {
        init_targets();
        // ldr d2, [x1] ; fdiv d0, d3, d4 ; fmul d0, d0, d2 ; ret
        let f = lift_snippet(0x400000, &[0xfd40_0022, 0x1e64_1860, 0x1e62_0800, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        // The hot path: from the entry to the return (the NaN blocks come after it).
        let hot: Vec<&str> = asm.lines().map(str::trim).take_while(|l| !is_return(l)).collect();
        assert!(hot.iter().any(|l| l.starts_with("vmovsd\t(")), "{asm}");
        assert!(!hot.iter().any(|l| l.starts_with("vmovq\t%r") && l.contains("%xmm")), "{asm}");
    }

    /// A register written before a loop that calls is stored once, on the loop entry (ir::dirty
    /// `flush`), not in the loop's block that makes the call.
    #[test]
    fn registers_written_before_a_calling_loop_are_stored_on_entry() {
        init_targets();
        // 0: mov x19, #1 ; 4: bl 0x14 ; 8: add x0, x0, #1 ; c: cmp x0, #10 ; 10: b.ne 4 ; 14: ret
        let mut f = lift_snippet(0x400000, &[0xd280_0033, 0x9400_0004, 0x9100_0400, 0xf100_281f, 0x54ff_ffa1, 0xd65f_03c0]);
        ir::safepoint::insert(&mut f);
        ir::verify::verify(&f).unwrap();
        let text = llvm_text(&f, "le").unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let gep = format!("= getelementptr inbounds i8, ptr %0, i64 {},", Reg::x(19).slot().0);
        let slots: Vec<&str> = lines.iter().filter(|l| l.contains(&gep)).map(|l| l.trim().split(' ').next().unwrap()).collect();
        let stores: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].trim_start().starts_with("store ") && slots.iter().any(|p| lines[i].contains(&format!("ptr {p},"))))
            .collect();
        let label = |i: usize| (0..=i).rev().map(|k| lines[k]).find(|l| !l.starts_with(' ') && l.contains(':')).unwrap_or("");
        let call = lines.iter().position(|l| l.contains("call void @aot_cd_le_")).expect(&text);
        assert_eq!(stores.len(), 1, "x19 stored once:\n{text}");
        assert!(label(stores[0]).starts_with("b0") || label(stores[0]).starts_with("sig_cont:"), "x19 stored in the block before the loop ({}):\n{text}", label(stores[0]));
        assert_ne!(label(stores[0]), label(call), "x19 is stored before the loop, not at its call:\n{text}");
    }

    /// A direct call (`BL`) goes to the callee's direct entry with `DIRECT_REGS` as arguments
    /// (rdx, rcx, r8 after the state and the entry address) and does not store them to the
    /// state: the callee has them dirty. The full-state entry loads them and calls the body.
    #[test]
    fn direct_calls_pass_registers_in_host_registers() {
        init_targets();
        // 0: mov x0, #1 ; 4: mov x1, #2 ; 8: mov x29, #3 ; c: bl 0x14 ; 10: ret ; 14: ret
        let f = lift_snippet(0x400000, &[0xd280_0020, 0xd280_0041, 0xd280_007d, 0x9400_0002, 0xd65f_03c0, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let lines: Vec<&str> = asm.lines().map(str::trim).collect();
        let body = lines.iter().position(|l| *l == "aot_d_t:").expect(&asm);
        let call = body + lines[body..].iter().position(|l| l.starts_with("callq") || l.starts_with("call\t")).expect(&asm);
        assert!(lines[call].contains("aot_cd_t_"), "a BL calls the direct entry: {}\n{asm}", lines[call]);
        let before = &lines[body..call];
        for (r, host) in DIRECT_REGS.iter().zip([["%rdx", "%edx"], ["%rcx", "%ecx"], ["%r8", "%r8d"]]) {
            let slot = format!(", {}(%", r.slot().0);
            assert!(!before.iter().any(|l| l.starts_with("mov") && l.contains(&slot)), "{} not stored before the call:\n{asm}", r.name());
            assert!(before.iter().any(|l| l.starts_with("mov") && host.iter().any(|h| l.ends_with(h))), "{} passed in {}:\n{asm}", r.name(), host[0]);
        }
        // X29 is not passed: the caller stores it as any other dirty register.
        let x29 = format!("$3, {}(%", Reg::x(29).slot().0);
        assert!(before.iter().any(|l| l.starts_with("mov") && l.contains(&x29)), "x29 stored before the call:\n{asm}");
        // The full-state entry: at most the three loads (LLVM drops those the body never reads),
        // then a jump to the body (not a copy of it).
        let full = lines.iter().position(|l| *l == "aot_f_t:").expect(&asm);
        let code: Vec<&str> = lines[full + 1..].iter().copied().filter(|l| !l.starts_with('.') && !l.starts_with('#') && !l.is_empty()).take(6).collect();
        let jmp = code.iter().position(|l| l.starts_with("jmp") && l.contains("aot_d_t")).expect(&format!("{code:?}"));
        assert!(code[1..jmp].iter().all(|l| l.starts_with("movq\t") && l.contains("(%rdi)")), "{code:?}");
    }

    /// Returns of a function that calls itself go through the object's own return thunk
    /// (`popq %rcx; jmpq *%rcx`), not `ret`: a deep recursion's returns are then predicted past
    /// the host's return stack. Other functions keep `ret`.
    #[test]
    fn returns_go_through_the_local_return_thunk() {
        init_targets();
        // A function calling another keeps `ret`. 0: cbz x0, 0xc ; 4: bl 0x10 ; 8: ret ; c: ret ; 10: ret
        let f = lift_snippet(0x400000, &[0xb400_0040, 0x9400_0003, 0xd65f_03c0, 0xd65f_03c0, 0xd65f_03c0]);
        assert!(!f.calls_itself());
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(!asm.contains("__x86_return_thunk") && asm.lines().any(|l| l.trim().starts_with("ret")), "{asm}");
        // One calling itself. 0: cbz x0, 0xc ; 4: bl 0 ; 8: ret ; c: ret
        let f = lift_snippet(0x400000, &[0xb400_0040, 0x97ff_ffff, 0xd65f_03c0, 0xd65f_03c0]);
        assert!(f.calls_itself());
        assert!(ir::print::print_function(&f, false).contains("func self"), "{}", ir::print::print_function(&f, false));
        let asm = asm_o2(&f, "x86-64-v3");
        let lines: Vec<&str> = asm.lines().map(str::trim).collect();
        let body = lines.iter().position(|l| *l == "aot_d_t:").expect(&asm);
        let end = body + lines[body..].iter().position(|l| l.starts_with(".Lfunc_end")).expect(&asm);
        assert!(!lines[body..end].iter().any(|l| l.starts_with("ret")), "no ret in the body:\n{asm}");
        assert!(lines[body..end].iter().any(|l| l.starts_with("jmp") && l.ends_with("__x86_return_thunk")), "{asm}");
        // The thunk is defined in this module, local (no .globl), in the code section.
        let t = lines.iter().position(|l| *l == "__x86_return_thunk:").expect(&asm);
        assert_eq!(&lines[t + 1..t + 3], &["popq\t%rcx", "jmpq\t*%rcx"], "{asm}");
        assert!(!asm.contains(".globl\t__x86_return_thunk") && !asm.contains(".globl __x86_return_thunk"), "{asm}");
        let sec = lines[..t].iter().rev().find(|l| l.starts_with(".section")).expect(&asm);
        assert!(sec.starts_with(&format!(".section\t{CODE_SECTION}")) || sec.starts_with(&format!(".section {CODE_SECTION}")), "{sec}\n{asm}");
    }

    /// A 128-bit AND of V registers stays one XMM operation: V registers live as <2 x i64>.
    #[test]
    fn q_register_logic_stays_in_xmm() {
        init_targets();
        // and v0.16b, v1.16b, v2.16b ; ret
        let f = lift_snippet(0x400000, &[0x4e22_1c20, 0xd65f_03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(!asm.contains("vpextrq") && !asm.contains("vmovq"), "{asm}");
        assert!(asm.contains("vandps") || asm.contains("vpand"), "{asm}");
    }

    /// A load through a constant null pointer stays a load (it must fault: SIGSEGV in the guest),
    /// gcc's `ldr w0, [x0]; brk #1000` for `*(int *)0`.
    #[test]
    fn null_loads_are_kept() {
        init_targets();
        let f = lift_snippet(0x400000, &[0xd2800000, 0xb9400000, 0xd4207d00]);
        let asm = asm_o2(&f, "x86-64-v3");
        let body: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.ends_with(':')).collect();
        let guest_access = |l: &&str| {
            l.starts_with("movl\t0,") || (l.starts_with("mov") && l.contains("(%r") && !l.contains("(%rdi)") && !l.contains("(%rsp)") && !l.contains("(%rip)"))
        };
        assert!(body.iter().any(guest_access), "{asm}");
    }

    /// The entry pad the runtime patches (runtime/src/smc.rs) is one 8-byte NOP instruction at
    /// the function's 16-byte aligned start, so one aligned 8-byte store replaces it atomically.
    #[test]
    fn entry_pad_is_one_nop() {
        init_targets();
        let f = lift_snippet(0x400000, &[0xd2800000, 0xd65f03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        let body: Vec<&str> = asm.lines().map(str::trim).skip_while(|l| !l.starts_with("aot_f_t:")).skip(1).filter(|l| !l.starts_with('.')).collect();
        assert!(body[0].starts_with("nop"), "{asm}");
        assert!(!body[1].starts_with("nop"), "{asm}");
        assert!(asm.contains(".p2align\t4"), "{asm}");
    }

    /// Translation-time constants under FZ: `mov x1, #1; fmov d1, x1; fmov d2, #1.0;
    /// fmul d0, d1, d2` is 2^-1074 * 1.0, exact, so LLVM folded the constrained fmul to 2^-1074;
    /// under FPCR.FZ the denormal operand is a zero (+0.0 on qemu, the JIT and the
    /// interpreter). The multiply must stay a run-time instruction (MXCSR.DAZ flushes it).
    #[test]
    fn denormal_constants_are_not_folded() {
        init_targets();
        let f = lift_snippet(0x400000, &[0xd2800021, 0x9e670021, 0x1e6e1002, 0x1e620820, 0xd65f03c0]);
        for cpu in ["x86-64", "x86-64-v3"] {
            let asm = asm_o2(&f, cpu);
            assert!(asm.lines().any(|l| l.trim().trim_start_matches('v').starts_with("mulsd")), "{cpu}\n{asm}");
        }
    }

    /// In a function that reads FPSR, an FP op whose result is overwritten before the read
    /// still runs (its flags are what the read sees): `fdiv d0, d1, d2 ; fmov d0, xzr ;
    /// mrs x0, fpsr`. Without fp_env_strict LLVM deletes the dead divide.
    #[test]
    fn fp_ops_are_kept_in_functions_that_read_fpsr() {
        init_targets();
        let f = lift_snippet(0x400000, &[0x1e621820, 0x9e6703e0, 0xd53b4420, 0xd65f03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(asm.lines().any(|l| l.trim().starts_with("vdivsd")), "{asm}");
        // The same without the FPSR read: the divide is dead and goes (the test can fail).
        let f = lift_snippet(0x400000, &[0x1e621820, 0x9e6703e0, 0xd65f03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(!asm.lines().any(|l| l.trim().starts_with("vdivsd")), "{asm}");
    }

    /// `.2S` FP operations whose source registers are held as whole 128-bit values: the SLP
    /// vectorizer makes `<2 x float>` ops of the two lanes and x86 would compute them on 4
    /// lanes, the upper two holding the registers' other bits (stray FPSR flags). After
    /// strict_undefined_fp_lanes no packed single-precision arithmetic, conversion or compare
    /// is left, on either CPU.
    #[test]
    fn two_lane_float_ops_do_not_compute_undefined_lanes() {
        init_targets();
        // orr v9.16b, v1.16b, v1.16b ; orr v9.16b, v2.16b, v2.16b ; fmul v3.2s, v1.2s, v2.2s ;
        // fadd v4.2s ; scvtf v5.2s, v1.2s ; fmaxnm v6.2s ; fmla v7.2s ; ret
        let f = lift_snippet(0x400000, &[0x4ea11c29, 0x4ea21c49, 0x2e22dc23, 0x0e22d424, 0x0e21d825, 0x0e22c426, 0x0e22cc27, 0xd65f03c0]);
        for cpu in ["x86-64", "x86-64-v3"] {
            let asm = asm_o2(&f, cpu);
            let packed = ["mulps", "addps", "maxps", "minps", "fmadd", "cmpunordps", "cmpeqps", "cmpordps"];
            let lines: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.')).collect();
            let mut conversions = 0;
            for (k, l) in lines.iter().enumerate() {
                let m = l.split_whitespace().next().unwrap_or("");
                let m = m.strip_prefix('v').unwrap_or(m);
                assert!(!packed.iter().any(|p| m.starts_with(p) && m.contains("ps")), "{cpu}: {l}\n{asm}");
                // The int -> float conversion may be packed on a register whose upper half was
                // just cleared (MOVQ xmm, xmm, or a 64-bit MOVSD load, e.g. of a spill slot).
                if m == "cvtdq2ps" {
                    let src = l.split_whitespace().nth(1).unwrap().trim_end_matches(',');
                    let prev = lines[k - 1];
                    let load64 = (prev.starts_with("movsd") || prev.starts_with("vmovsd")) && prev.contains("(%");
                    assert!(prev.starts_with("vmovq") || prev.starts_with("movq") || load64, "{cpu}: {prev}; {l}\n{asm}");
                    assert!(prev.ends_with(src), "{cpu}: {prev}; {l}\n{asm}");
                    conversions += 1;
                }
            }
            assert!(conversions <= 1, "{asm}");
        }
    }

    /// Packed FP instructions of `asm` that read an XMM register as it was loaded whole from
    /// memory (a guest V register's 128 bits, whatever its unused lanes hold) or a 16-byte
    /// memory operand other than a constant: each such instruction computes lanes the guest
    /// instruction leaves undefined. The register state is tracked through register copies and
    /// forgotten at labels.
    fn packed_ops_on_whole_registers(asm: &str) -> Vec<String> {
        let packed = [
            "addps", "subps", "mulps", "divps", "minps", "maxps", "sqrtps", "cvtdq2ps", "cvtps2pd", "cvttps2dq", "cvtps2dq", "roundps", "addpd",
            "subpd", "mulpd", "divpd", "minpd", "maxpd", "sqrtpd", "roundpd", "cvtpd2ps",
        ];
        let whole_load = ["movaps", "movups", "movapd", "movupd", "movdqa", "movdqu"];
        let mut loaded: std::collections::HashSet<String> = Default::default();
        let mut bad = vec![];
        for l in asm.lines().map(str::trim) {
            if l.ends_with(':') {
                loaded.clear();
                continue;
            }
            let mut parts = l.splitn(2, char::is_whitespace);
            let m = parts.next().unwrap_or("");
            let m = m.strip_prefix('v').unwrap_or(m);
            let ops: Vec<&str> = parts.next().unwrap_or("").split(", ").map(str::trim).collect();
            let Some(&dst) = ops.last() else { continue };
            let is_packed = packed.contains(&m) || (m.starts_with("cmp") && (m.ends_with("ps") || m.ends_with("pd")));
            if is_packed {
                let srcs = if ops.len() == 2 { &ops[..] } else { &ops[..ops.len() - 1] };
                if srcs.iter().any(|o| loaded.contains(*o) || (o.contains('(') && !o.contains("(%rip)"))) {
                    bad.push(l.to_string());
                }
            }
            if !dst.starts_with("%xmm") {
                continue;
            }
            let copy_of_loaded = whole_load.contains(&m) && ops.len() == 2 && loaded.contains(ops[0]);
            if whole_load.contains(&m) && ops.len() == 2 && ops[0].contains('(') && !ops[0].contains("(%rip)") || copy_of_loaded {
                loaded.insert(dst.to_string());
            } else {
                loaded.remove(dst);
            }
        }
        bad
    }

    /// Two-lane FP ops whose operands LLVM holds as whole registers: after a call (`bl;
    /// fmul v5.2s, v5.2s, v3.2s`, the tester's seed 2 snippet 2871) the registers are reloaded
    /// whole and InstCombine moved the lane selection after a 4-lane multiply; `fdiv v3.2s` of
    /// registers just copied whole (ORR) was a 4-lane divide. Packed instructions may stay, but
    /// not on the registers as loaded (strict_undefined_fp_lanes replaces the unread lanes).
    #[test]
    fn partly_read_fp_vectors_do_not_compute_undefined_lanes() {
        init_targets();
        let cases: [&[u32]; 3] = [
            &[0x94000002, 0x2e23dca5, 0xd65f03c0],             // bl +8 ; fmul v5.2s, v5.2s, v3.2s ; ret
            &[0x4ea11c29, 0x4ea21c49, 0x2e22fc23, 0xd65f03c0], // orr v9 <- v1 ; orr v9 <- v2 ; fdiv v3.2s, v1.2s, v2.2s
            &[0x94000002, 0x0e23d485, 0xd65f03c0],             // bl +8 ; fadd v5.2s, v4.2s, v3.2s ; ret
        ];
        let mut bad = vec![];
        for words in cases {
            let f = lift_snippet(0x400000, words);
            for cpu in ["x86-64", "x86-64-v3"] {
                let asm = asm_o2(&f, cpu);
                for l in packed_ops_on_whole_registers(&asm) {
                    bad.push(format!("{words:x?} {cpu}: {l}"));
                }
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
    }

    /// A scalar conversion of a vector register's lane: `ldr x30, [x30]; scvtf s18, s12` (the
    /// atomic load keeps LLVM from narrowing the whole-register load of V12 to its lane) was
    /// `cvtdq2ps 192(%rdi)`, all four lanes of V12 converted (an Inexact from the upper lanes:
    /// the tester's seed 5 snippet 2782). It must be one scalar conversion.
    #[test]
    fn scalar_conversions_of_a_lane_stay_scalar() {
        init_targets();
        for words in [
            &[0xf94003de, 0x5e21d992, 0xd65f03c0][..],             // ldr x30, [x30] ; scvtf s18, s12 ; ret
            &[0x94000002, 0xf94003de, 0x5e21d992, 0xd65f03c0][..], // bl +8 ; the same
        ] {
            let f = lift_snippet(0x400000, words);
            for cpu in ["x86-64", "x86-64-v3"] {
                let asm = asm_o2(&f, cpu);
                let m: Vec<&str> = asm.lines().filter_map(|l| l.split_whitespace().next()).map(|m| m.trim_start_matches('v')).collect();
                assert!(!m.contains(&"cvtdq2ps"), "{words:x?} {cpu}\n{asm}");
                assert!(m.iter().any(|m| m.starts_with("cvtsi2ss")), "{words:x?} {cpu}\n{asm}");
            }
        }
    }

    /// Arm's underflow rule (ir::fptiny) in LLVM-translated code: in a function that reads
    /// FPSR, FMUL's result test is "NaN or +-smallest normal" and the cold block calls
    /// `aot_fp_tiny`; elsewhere (cost, docs/performance.md) it is the NaN test alone.
    #[test]
    fn tiny_results_checked_in_functions_that_touch_fpsr() {
        init_targets();
        // fmul d0, d1, d2 ; mrs x0, fpsr ; ret
        let f = lift_snippet(0x400000, &[0x1e620820, 0xd53b4420, 0xd65f03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(asm.contains("aot_fp_tiny"), "{asm}");
        // fmadd d0, d1, d2, d3 ; mrs x0, fpsr ; ret
        let f = lift_snippet(0x400000, &[0x1f420c20, 0xd53b4420, 0xd65f03c0]);
        assert!(asm_o2(&f, "x86-64-v3").contains("aot_fp_tiny"));
        // fmul d0, d1, d2 ; ret
        let f = lift_snippet(0x400000, &[0x1e620820, 0xd65f03c0]);
        let asm = asm_o2(&f, "x86-64-v3");
        assert!(!asm.contains("aot_fp_tiny"), "{asm}");
    }

    /// UCVTF .4S: the SLP vectorizer makes one `<4 x i32>` uitofp of the four lanes, which x86
    /// without AVX-512 computes with a magic-number subtraction that gives -0.0 for 0 when
    /// rounding down; the sign bit is cleared after the last add of that sequence.
    #[test]
    fn vector_unsigned_conversion_clears_the_sign() {
        init_targets();
        let f = lift_snippet(0x400000, &[0x6e21d820, 0xd65f03c0]); // ucvtf v0.4s, v1.4s ; ret
        for cpu in ["x86-64", "x86-64-v3"] {
            let asm = asm_o2(&f, cpu);
            let lines: Vec<&str> = asm.lines().map(str::trim).filter(|l| !l.starts_with('.') && !l.starts_with('#')).collect();
            // Either the lanes are converted one by one from 64-bit registers (exact, +0.0 for
            // 0), or the packed sequence's final add is followed by an AND of its result.
            match lines.iter().position(|l| l.starts_with("addps") || l.starts_with("vaddps")) {
                Some(add) => {
                    let dst = lines[add].rsplit(',').next().unwrap().trim();
                    assert!(
                        lines[add + 1..].iter().any(|l| (l.starts_with("andps") || l.starts_with("vandps")) && l.contains(dst)),
                        "{cpu}: the sum is not masked\n{asm}"
                    );
                }
                None => {
                    let cvt: Vec<&&str> = lines.iter().filter(|l| l.contains("cvtsi2ss")).collect();
                    assert_eq!(cvt.len(), 4, "{cpu}\n{asm}");
                    assert!(cvt.iter().all(|l| l.contains("%r")), "{cpu}\n{asm}");
                }
            }
        }
    }

    /// Quiet FCMPs whose NZCV results are kept as values (`fcmp; cset`) lower to quiet x86
    /// compares only: CMPLTSD/CMPLESD and the other ordered-signalling predicates raise Invalid
    /// on a quiet NaN, which Arm's FCMP does not (dg-torture inf-compare-7). Both the baseline
    /// (SSE predicates) and x86-64-v3 (AVX predicates) are checked.
    #[test]
    fn quiet_compares_lower_to_quiet_instructions() {
        init_targets();
        let words = [
            0x1e602020, // fcmp d1, d0
            0x1a9fc7e1, // cset w1, le
            0x1e232040, // fcmp s2, s3
            0x1a9f97e4, // cset w4, hi
            0x1e6620a0, // fcmp d5, d6
            0x1a9fa7e7, // cset w7, lt
            0x1e6620a0, // fcmp d5, d6
            0x1a9fb7e8, // cset w8, ge
            0x1e6620a0, // fcmp d5, d6
            0x1a9f17e9, // cset w9, eq
            0x1e6620a0, // fcmp d5, d6
            0x1a9f57ea, // cset w10, mi
            0xd65f03c0, // ret
        ];
        let f = lift_snippet(0x400000, &words);
        ir::verify::verify(&f).unwrap();
        for cpu in ["x86-64", "x86-64-v3"] {
            let opts = Options { opt_level: 2, target_cpu: cpu.into() };
            let tm = target_machine(&opts).unwrap();
            let asm = compile_asm(&f, "t", &opts, &tm).unwrap();
            for l in asm.lines().map(str::trim) {
                let Some(m) = l.split_whitespace().next() else { continue };
                let m = m.trim_start_matches('v');
                let Some(p) = m.strip_prefix("cmp") else { continue };
                // cmp<pred><p|s><s|d>: quiet are eq, unord, neq, ord and the AVX *_oq/*_uq forms.
                if p.len() < 3 || !(p.ends_with("sd") || p.ends_with("ss") || p.ends_with("pd") || p.ends_with("ps")) {
                    continue;
                }
                let pred = &p[..p.len() - 2];
                let quiet = matches!(pred, "eq" | "unord" | "neq" | "ord") || pred.ends_with("_oq") || pred.ends_with("_uq");
                assert!(quiet, "signalling compare `{l}` on {cpu}:\n{asm}");
            }
        }
    }

    /// Every guest load and store keeps the debug line of its own guest instruction (the
    /// host-PC -> guest-PC map of docs/signals.md): scheduling moves them, folding would not.
    #[test]
    fn guest_accesses_keep_their_guest_line() {
        init_targets();
        let words = [
            0xf9400001, // 1: ldr x1, [x0]
            0x8b010042, // 2: add x2, x2, x1
            0xb9400803, // 3: ldr w3, [x0, #8]
            0x7100147f, // 4: cmp w3, #5
            0xf9000802, // 5: str x2, [x0, #16]
            0xf94000a4, // 6: ldr x4, [x5]
            0x91000484, // 7: add x4, x4, #1
            0xf90000a4, // 8: str x4, [x5]
            0xd65f03c0, // 9: ret
        ];
        let f = lift_snippet(0x400000, &words);
        let asm = asm_o2(&f, "x86-64-v3");
        let mut line = 0;
        let mut seen = vec![];
        for l in asm.lines().map(str::trim) {
            if let Some(rest) = l.strip_prefix(".loc\t1 ") {
                line = rest.split(' ').next().and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
            } else if !l.starts_with('.') && !l.starts_with("lea") && !l.starts_with("nop") && l.contains("(%") && !l.contains("(%rdi)") && !l.contains("(%rsp)") && !l.contains("(%rip)") {
                seen.push(line);
            }
        }
        seen.sort();
        assert_eq!(seen, vec![1, 3, 5, 6, 8], "{asm}");
        assert_eq!(pc_line(0), 1);
        assert_eq!(pc_line(0x20), 9);
    }

    /// With `flags_local` (ir::abi) a return stores no flag: the compare whose flags only the
    /// return would have stored leaves no flag store (nor its `set*`). Without it the four flag
    /// bytes are stored.
    #[test]
    fn flags_local_returns_store_no_flags() {
        init_targets();
        // cmp x0, x1 ; ret
        let mut f = lift_snippet(0x400000, &[0xeb01_001f, 0xd65f_03c0]);
        let flag_slots: Vec<String> = [Reg::N, Reg::Z, Reg::C, Reg::V].iter().map(|r| format!("{}(%rdi)", r.slot().0)).collect();
        let stores = |asm: &str| asm.lines().filter(|l| flag_slots.iter().any(|s| l.trim_end().ends_with(s.as_str()))).count();
        let full = asm_o2(&f, "x86-64-v3");
        assert_eq!(stores(&full), 4, "{full}");
        f.flags_local = true;
        let local = asm_o2(&f, "x86-64-v3");
        assert_eq!(stores(&local), 0, "{local}");
        assert!(!local.lines().any(|l| l.trim_start().starts_with("set")), "{local}");
        let key_local = aot_lifter::ir::print::print_function(&f, false);
        f.flags_local = false;
        assert_ne!(key_local, aot_lifter::ir::print::print_function(&f, false), "the fact is part of the cache key");
    }

    /// With `flags_local`, a tail call to a function's start stores no flag (benches/sort's
    /// glibc `msort_with_tmp` ends in `b memcpy`: its loop computed N and Z for that store on
    /// every iteration); a tail call to another entry (a `.cold` part jumping back) still does,
    /// and `to_start` is part of the cache key.
    #[test]
    fn flags_local_tail_calls_to_a_start_store_no_flags() {
        init_targets();
        // cmp x0, x1 ; b 0x401000 (outside: a tail call)
        let mut f = lift_snippet(0x400000, &[0xeb01_001f, 0x1400_03ff]);
        f.flags_local = true;
        let flag_slots: Vec<String> = [Reg::N, Reg::Z, Reg::C, Reg::V].iter().map(|r| format!("{}(%rdi)", r.slot().0)).collect();
        let stores = |asm: &str| asm.lines().filter(|l| flag_slots.iter().any(|s| l.trim_end().ends_with(s.as_str()))).count();
        let set_start = |f: &mut Function, v: bool| {
            let mut n = 0;
            for b in f.blocks.iter_mut() {
                if let Term::Tail { to_start, .. } = &mut b.term {
                    *to_start = v;
                    n += 1;
                }
            }
            assert_eq!(n, 1, "one tail call");
        };
        set_start(&mut f, false);
        let other = asm_o2(&f, "x86-64-v3");
        assert_eq!(stores(&other), 4, "{other}");
        let key_other = aot_lifter::ir::print::print_function(&f, false);
        set_start(&mut f, true);
        let start = asm_o2(&f, "x86-64-v3");
        assert_eq!(stores(&start), 0, "{start}");
        assert_ne!(key_other, aot_lifter::ir::print::print_function(&f, false), "to_start is part of the cache key");
    }

    /// A loop of `steps` x (`add x1, x1, x2; cbz x1, +8; str x1, [x5]`), then `subs x0, x0, #1;
    /// b.ne start; ret`: many blocks, no indirect jump. With `br_every`, a `br x4` follows every
    /// that many steps and every step start is an entry (a jump-table-like dense CFG).
    fn big_loop(steps: usize, br_every: Option<usize>) -> Function {
        let base = 0x400000u64;
        let mut w: Vec<u32> = Vec::new();
        let mut entries = vec![base];
        for k in 0..steps {
            if k > 0 && br_every.is_some() {
                entries.push(base + 4 * w.len() as u64);
            }
            w.extend([0x8b02_0021, 0xb400_0041, 0xf900_00a1]);
            if br_every.is_some_and(|n| k % n == n - 1) {
                w.push(0xd61f_0080);
            }
        }
        w.push(0xf100_0400);
        let back = (-(w.len() as i64)) as u32 & 0x7ffff;
        w.push(0x5400_0001 | back << 5);
        w.push(0xd65f_03c0);
        let spec = aot_lifter::isa::FunctionSpec {
            name: "big".into(),
            start: base,
            entries,
            insns: w.iter().enumerate().map(|(k, &x)| (base + 4 * k as u64, x)).collect(),
            ..Default::default()
        };
        aot_lifter::isa::aarch64::lift_function(&spec)
    }

    /// Huge functions (over `HUGE_FUNCTION` ops) keep the greedy register allocator unless
    /// indirect jumps make their CFG dense: -O0 machine code spills every value live across
    /// blocks to the stack (glibc's `_int_malloc` had a 20 KiB frame, and benches/malloc ran
    /// 1.65x the instructions).
    #[test]
    fn huge_functions_keep_registers_unless_their_cfg_is_dense() {
        init_targets();
        let f = big_loop(1500, None);
        assert!(f.op_count() > HUGE_FUNCTION && f.op_count() < GIANT_FUNCTION, "{}", f.op_count());
        assert_eq!(f.indirect_jump_edges(), 0);
        assert!(!fast_codegen(&f));
        let asm = asm_o2(&f, "x86-64-v3");
        let frame: u64 = asm
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("subq\t$").and_then(|r| r.strip_suffix(", %rsp")))
            .map(|n| n.parse().unwrap())
            .unwrap_or(0);
        assert!(frame < 512, "stack frame of {frame} bytes: values spilled across blocks");

        let dense = big_loop(600, Some(60));
        assert!(dense.op_count() > HUGE_FUNCTION, "{}", dense.op_count());
        assert!(dense.indirect_jump_edges() > DENSE_CFG_EDGES, "{}", dense.indirect_jump_edges());
        assert!(fast_codegen(&dense));
    }

    /// `Effort::Cold` is -O0 machine code: values live across blocks go to the stack, where the
    /// full effort keeps them in registers; both compile the same function.
    #[test]
    fn cold_effort_uses_fast_register_allocation() {
        init_targets();
        let f = big_loop(200, None);
        let opts = Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
        let tm = target_machine(&opts).unwrap();
        let frame = |effort| {
            let a = CONTEXT.with(|ctx| compile_in(ctx, &f, "t", &opts, &tm, FileType::Assembly, effort)).unwrap();
            let a = String::from_utf8_lossy(&a).into_owned();
            assert!(a.contains("aot_f_t"), "{a}");
            a.lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix("subq\t$").and_then(|r| r.strip_suffix(", %rsp")))
                .map(|n| n.parse::<u64>().unwrap())
                .unwrap_or(0)
        };
        let (full, cold) = (frame(Effort::Full), frame(Effort::Cold));
        assert!(cold > full, "stack frame: cold {cold} bytes, full {full}");
        assert!(compile_with(&f, "t", &opts, &tm, Effort::Cold).is_ok());
    }
}

fn int_pred(c: Cond) -> IntPredicate {
    match c {
        Cond::Eq => IntPredicate::EQ,
        Cond::Ne => IntPredicate::NE,
        Cond::Ult => IntPredicate::ULT,
        Cond::Ule => IntPredicate::ULE,
        Cond::Ugt => IntPredicate::UGT,
        Cond::Uge => IntPredicate::UGE,
        Cond::Slt => IntPredicate::SLT,
        Cond::Sle => IntPredicate::SLE,
        Cond::Sgt => IntPredicate::SGT,
        Cond::Sge => IntPredicate::SGE,
    }
}

