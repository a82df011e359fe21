//! The IR: one guest function as blocks of typed operations.
//!
//! Design rules (see docs/design.md):
//! - Ops are declared once, in the table below; the enum, names, operand counts and type rules come
//!   from it. The builder, printer, verifier and interpreter use those; each backend has one match.
//! - Temporaries are SSA values local to their block. State that lives across blocks is a guest
//!   register (`getreg`/`setreg`); backends keep registers in SSA (LLVM: allocas + mem2reg).
//! - The IR is position independent: every guest address comes from a relocation slot (`reloc`),
//!   slot 0 being the function's own base. That makes the printed IR of a function (without slot
//!   values) a cache key that is the same across programs.
//! - Vector registers are I128 values; lanes are read and written with `extract`/`insert`, and
//!   the hot integer lane-wise operations are single ops on the whole value (`vadd`, `vicmp`...).

pub mod abi;
pub mod builder;
pub mod consts;
pub mod counted;
pub mod crypto;
pub mod dirty;
pub mod fpexc;
pub mod fpnan;
pub mod fptiny;
pub mod interp;
pub mod print;
pub mod safepoint;
pub mod verify;

pub use builder::Builder;

/// Value types.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Void,
    I1,
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
}

impl Ty {
    pub fn bits(self) -> u32 {
        match self {
            Ty::Void => 0,
            Ty::I1 => 1,
            Ty::I8 => 8,
            Ty::I16 => 16,
            Ty::I32 | Ty::F32 => 32,
            Ty::I64 | Ty::F64 => 64,
            Ty::I128 => 128,
        }
    }
    pub fn is_int(self) -> bool {
        matches!(
            self,
            Ty::I1 | Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64 | Ty::I128
        )
    }
    pub fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }
    pub fn int(bits: u32) -> Ty {
        match bits {
            1 => Ty::I1,
            8 => Ty::I8,
            16 => Ty::I16,
            32 => Ty::I32,
            64 => Ty::I64,
            128 => Ty::I128,
            _ => panic!("no integer type of {bits} bits"),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Ty::Void => "void",
            Ty::I1 => "i1",
            Ty::I8 => "i8",
            Ty::I16 => "i16",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::I128 => "i128",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
        }
    }
    /// All-ones mask of the type's width (for integer types up to 128 bits).
    pub fn mask(self) -> u128 {
        let b = self.bits();
        if b >= 128 {
            u128::MAX
        } else {
            (1u128 << b) - 1
        }
    }
}

/// How the verifier checks an op's operands and result.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// No operands; result type is the instruction's `ty`.
    Nullary,
    /// Integer operands of the result's type.
    IntSame,
    /// Float operands of the result's type.
    FloatSame,
    /// Two operands of one integer or float type, result I1.
    Compare,
    /// One operand, result of another width/kind given by `ty` (checked per op).
    Convert,
    /// Lane-wise vector op: I128 operands (`vdup`: one I<imm>) and result, element size
    /// 8/16/32/64 in `imm` (the lane count is 128 / `imm`); `imm2` as the op says. Meaning:
    /// `interp::lanes`.
    Lanes,
    /// Checked by a dedicated arm of the verifier.
    Special,
}

macro_rules! ir_ops {
    ($( $(#[$doc:meta])* $op:ident $text:literal $nargs:literal $rule:ident; )*) => {
        /// IR operations. See the table in `ir/mod.rs` for operand conventions.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Op { $( $(#[$doc])* $op, )* }
        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$op),*];
            /// Name in the printed IR.
            pub fn text(self) -> &'static str { match self { $(Op::$op => $text,)* } }
            /// Number of value operands.
            pub fn nargs(self) -> usize { match self { $(Op::$op => $nargs,)* } }
            pub fn rule(self) -> Rule { match self { $(Op::$op => Rule::$rule,)* } }
            pub fn from_text(s: &str) -> Option<Op> { match s { $($text => Some(Op::$op),)* _ => None } }
        }
    };
}

ir_ops! {
    /// Constant: `imm` holds the low 64 bits, `imm2` the high 64 bits.
    Const "const" 0 Nullary;
    /// Guest address from relocation slot `imm` (I64).
    Reloc "reloc" 0 Nullary;
    /// Read guest register `imm` (type from `reg_ty`).
    GetReg "getreg" 0 Special;
    /// Write guest register `imm`.
    SetReg "setreg" 1 Special;

    Add "add" 2 IntSame;
    Sub "sub" 2 IntSame;
    Mul "mul" 2 IntSame;
    /// High half of the unsigned / signed double-width product.
    UMulH "umulh" 2 IntSame;
    SMulH "smulh" 2 IntSame;
    /// Arm division: x/0 = 0; signed MIN/-1 = MIN.
    UDiv "udiv" 2 IntSame;
    SDiv "sdiv" 2 IntSame;
    And "and" 2 IntSame;
    Or "or" 2 IntSame;
    Xor "xor" 2 IntSame;
    /// Shifts and rotate take the amount modulo the width.
    Shl "shl" 2 IntSame;
    LShr "lshr" 2 IntSame;
    AShr "ashr" 2 IntSame;
    RotR "rotr" 2 IntSame;
    Not "not" 1 IntSame;
    Neg "neg" 1 IntSame;
    /// Count leading zeros (width for 0), leading sign bits (excluding the sign), population.
    Clz "clz" 1 IntSame;
    Cls "cls" 1 IntSame;
    Ctpop "ctpop" 1 IntSame;
    /// Reverse bits / bytes.
    Rbit "rbit" 1 IntSame;
    Bswap "bswap" 1 IntSame;
    /// Integer compare, condition in `imm` (see `Cond`); result I1.
    ICmp "icmp" 2 Compare;
    /// select(c: I1, a, b).
    Select "select" 3 Special;
    Zext "zext" 1 Convert;
    Sext "sext" 1 Convert;
    Trunc "trunc" 1 Convert;
    /// Reinterpret bits between an integer and a float type of the same width.
    Bitcast "bitcast" 1 Convert;
    /// Lane `imm2` of `imm` bits from an I128 vector.
    Extract "extract" 1 Special;
    /// Insert(vec: I128, x: I<imm>) at lane `imm2`.
    Insert "insert" 2 Special;
    /// Lane-wise integer vector ops on I128 values with `imm`-bit lanes (`Rule::Lanes`): each lane
    /// of the result is the scalar op on the same lane of the operands (wrapping). One op instead
    /// of a lane loop or a SWAR form, so that backends emit one host vector instruction.
    VAdd "vadd" 2 Lanes;
    VSub "vsub" 2 Lanes;
    VMul "vmul" 2 Lanes;
    VUMin "vumin" 2 Lanes;
    VUMax "vumax" 2 Lanes;
    VSMin "vsmin" 2 Lanes;
    VSMax "vsmax" 2 Lanes;
    /// Lane compare, condition in `imm2` (see `Cond`): an all-ones lane where it holds, else 0.
    VICmp "vicmp" 2 Lanes;
    /// Broadcast: every lane is the operand, an I<imm> (the one `Lanes` op whose operand is not
    /// I128).
    VDup "vdup" 1 Lanes;
    /// Lane shifts by the constant `imm2` (less than the lane width).
    VShl "vshl" 1 Lanes;
    VLShr "vlshr" 1 Lanes;
    VAShr "vashr" 1 Lanes;

    FAdd "fadd" 2 FloatSame;
    FSub "fsub" 2 FloatSame;
    /// `fmul`, `fdiv` and `fma` follow Arm's underflow rule (tininess before rounding: UFC, and
    /// +-0 under FPCR.FZ, for an inexact +-smallest-normal result of a tiny exact one; ir::fptiny).
    FMul "fmul" 2 FloatSame;
    FDiv "fdiv" 2 FloatSame;
    FMin "fmin" 2 FloatSame;
    FMax "fmax" 2 FloatSame;
    FMinNm "fminnm" 2 FloatSame;
    FMaxNm "fmaxnm" 2 FloatSame;
    /// Fused a*b+c.
    FMa "fma" 3 FloatSame;
    FSqrt "fsqrt" 1 FloatSame;
    FNeg "fneg" 1 FloatSame;
    FAbs "fabs" 1 FloatSame;
    /// Round to integral in float format; mode in `imm` (see `RoundMode`).
    FRound "fround" 1 FloatSame;
    /// Float compare, condition in `imm` (see `FCond`); result I1.
    FCmp "fcmp" 2 Compare;
    /// Float to float of another width.
    FCvt "fcvt" 1 Convert;
    SIToFP "sitofp" 1 Convert;
    UIToFP "uitofp" 1 Convert;
    /// Float to integer, saturating, NaN -> 0, rounding toward zero.
    FPToSISat "fptosi.sat" 1 Convert;
    FPToUISat "fptoui.sat" 1 Convert;

    /// load(addr: I64) of type `ty`, ordering `imm` (see `Ordering`).
    Load "load" 1 Special;
    /// store(addr: I64, val), ordering `imm`.
    Store "store" 2 Special;
    /// Memory fence of kind `imm` (see `FenceKind`).
    Fence "fence" 0 Special;
    /// Asynchronous-signal safe point (`ir::safepoint`): guest offset `imm` is the instruction about
    /// to run, with every guest register as the IR holds it. If the thread has a signal pending
    /// (`CpuState::sigpoll`), the state is written back, the runtime delivers, and execution
    /// continues here (state reloaded) or leaves the function when the handler changed the PC.
    SafePoint "safepoint" 0 Special;
    /// atomicrmw(addr, val) -> old; op in `imm` (see `RmwOp`), ordering in `imm2`.
    AtomicRmw "atomicrmw" 2 Special;
    /// cmpxchg(addr, expected, new) -> old value; ordering in `imm`.
    CmpXchg "cmpxchg" 3 Special;
    /// Exclusive monitor (`crate::excl`): the version counter of the granule of guest address
    /// a0, read with acquire ordering. Result I64.
    ExclVer "excl.ver" 1 Special;
    /// Claim the granule of guest address a0 for a store-exclusive that recorded version a1:
    /// seq_cst cmpxchg(counter, a1, a1 + 1). Result I1, true on success; a1 = `excl::NEVER` never
    /// succeeds and changes nothing.
    ExclClaim "excl.claim" 2 Special;
    /// Call runtime helper `imm` (see `Helper`) with up to 3 I64 arguments, the guest state written
    /// back before and reloaded after. `imm2` is a helper-specific constant. Result I64 or Void.
    Helper "helper" 3 Special;
    /// Cryptographic Extension step `imm` (see `CryptoOp`, semantics in `ir::crypto`) on up to 3
    /// I128 operands; result I128. Pure: backends call the runtime's `aot_crypto_<name>`.
    Crypto "crypto" 3 Special;
    /// Marks the start of the guest instruction at offset `imm` from the function base: the ops
    /// after it (up to the next mark) implement that instruction. No value, no effect; backends
    /// use it for the host-PC -> guest-PC map (docs/signals.md).
    Insn "insn" 0 Special;
}

/// Integer compare conditions.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Cond {
    Eq = 0,
    Ne,
    Ult,
    Ule,
    Ugt,
    Uge,
    Slt,
    Sle,
    Sgt,
    Sge,
}
impl Cond {
    pub const ALL: [Cond; 10] = [
        Cond::Eq,
        Cond::Ne,
        Cond::Ult,
        Cond::Ule,
        Cond::Ugt,
        Cond::Uge,
        Cond::Slt,
        Cond::Sle,
        Cond::Sgt,
        Cond::Sge,
    ];
    pub fn from_u64(v: u64) -> Option<Cond> {
        Cond::ALL.get(v as usize).copied()
    }
    pub fn name(self) -> &'static str {
        [
            "eq", "ne", "ult", "ule", "ugt", "uge", "slt", "sle", "sgt", "sge",
        ][self as usize]
    }
}

/// Float compare conditions: ordered ones are false on NaN, `Uno` is true iff either is NaN.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum FCond {
    Oeq = 0,
    Olt,
    Ole,
    Ogt,
    Oge,
    Uno,
}
impl FCond {
    pub const ALL: [FCond; 6] = [
        FCond::Oeq,
        FCond::Olt,
        FCond::Ole,
        FCond::Ogt,
        FCond::Oge,
        FCond::Uno,
    ];
    pub fn from_u64(v: u64) -> Option<FCond> {
        FCond::ALL.get(v as usize).copied()
    }
    pub fn name(self) -> &'static str {
        ["oeq", "olt", "ole", "ogt", "oge", "uno"][self as usize]
    }
}

/// Rounding for `fround`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum RoundMode {
    NearestEven = 0,
    Ceil,
    Floor,
    Trunc,
    NearestAway,
    /// The mode currently selected in FPCR.
    Current,
}
impl RoundMode {
    pub const ALL: [RoundMode; 6] = [
        RoundMode::NearestEven,
        RoundMode::Ceil,
        RoundMode::Floor,
        RoundMode::Trunc,
        RoundMode::NearestAway,
        RoundMode::Current,
    ];
    pub fn from_u64(v: u64) -> Option<RoundMode> {
        RoundMode::ALL.get(v as usize).copied()
    }
}

/// Memory orderings of guest accesses.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Ordering {
    /// Non-atomic: only for locations proven thread-private, or for accesses wider than 64 bits.
    Plain = 0,
    /// LLVM monotonic: the default for guest loads and stores (never hoisted out of a loop).
    Relaxed,
    Acquire,
    Release,
    AcqRel,
    SeqCst,
}
impl Ordering {
    pub const ALL: [Ordering; 6] = [
        Ordering::Plain,
        Ordering::Relaxed,
        Ordering::Acquire,
        Ordering::Release,
        Ordering::AcqRel,
        Ordering::SeqCst,
    ];
    pub fn from_u64(v: u64) -> Option<Ordering> {
        Ordering::ALL.get(v as usize).copied()
    }
    pub fn name(self) -> &'static str {
        [
            "plain", "relaxed", "acquire", "release", "acq_rel", "seq_cst",
        ][self as usize]
    }
}

/// Fences.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum FenceKind {
    /// Full barrier (DMB ISH, DSB): seq_cst fence (MFENCE on x86-64).
    SeqCst = 0,
    /// Load/load+load/store (DMB ISHLD): acquire fence, compiler-only on x86-64.
    Acquire,
    /// Store/store (DMB ISHST): release fence, compiler-only on x86-64.
    Release,
}
impl FenceKind {
    pub fn from_u64(v: u64) -> Option<FenceKind> {
        [FenceKind::SeqCst, FenceKind::Acquire, FenceKind::Release]
            .get(v as usize)
            .copied()
    }
    pub fn name(self) -> &'static str {
        ["seq_cst", "acquire", "release"][self as usize]
    }
}

/// Read-modify-write operations (LSE atomics).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum RmwOp {
    Add = 0,
    /// old & !val
    Clr,
    Eor,
    /// old | val
    Set,
    SMax,
    SMin,
    UMax,
    UMin,
    Swp,
}
impl RmwOp {
    pub const ALL: [RmwOp; 9] = [
        RmwOp::Add,
        RmwOp::Clr,
        RmwOp::Eor,
        RmwOp::Set,
        RmwOp::SMax,
        RmwOp::SMin,
        RmwOp::UMax,
        RmwOp::UMin,
        RmwOp::Swp,
    ];
    pub fn from_u64(v: u64) -> Option<RmwOp> {
        RmwOp::ALL.get(v as usize).copied()
    }
    pub fn name(self) -> &'static str {
        [
            "add", "clr", "eor", "set", "smax", "smin", "umax", "umin", "swp",
        ][self as usize]
    }
}

/// Runtime helpers reachable from translated code. The runtime exports `aot_helper_<name>`
/// with the C signature `u64 (CpuState *st, u64 a0, u64 a1, u64 a2)`: the value operands come
/// first, then the op's `imm2` in the next argument, the rest are 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Helper {
    /// SVC #imm2: Linux syscall; X8 = number, X0..X5 arguments, result in X0. PC is set first.
    Syscall = 0,
    /// Read CNTVCT_EL0.
    ReadCntvct,
    /// Write FPCR (a0) so the host FP environment follows it.
    WriteFpcr,
    /// IC IVAU / DC CVAU etc. on address a0; a1 (imm2) is the kind: [`CACHE_MAINT_DC`] or
    /// [`CACHE_MAINT_IC`] (IC IVAU invalidates the translations of the line: docs/jit.md).
    CacheMaint,
    /// Debug tracing (`--trace`): the guest state at the start of a block, PC set.
    Trace,
    /// Fold the host's accumulated FP exception flags (MXCSR) into FPSR's cumulative bits and
    /// clear them: issued before FPSR is read or written.
    SyncFpsr,
    /// `--instrument`: one execution of the block at guest address a0. Touches no guest state,
    /// so registers stay in SSA values across it (see `uses_state`).
    Count,
}
/// `Helper::CacheMaint` kinds: a data-cache operation (DC CVAU, CVAC, CIVAC...: no effect on
/// translated code) and IC IVAU (instruction cache invalidate by address to the point of
/// unification).
pub const CACHE_MAINT_DC: u64 = 0;
pub const CACHE_MAINT_IC: u64 = 1;

impl Helper {
    pub const ALL: [Helper; 7] = [
        Helper::Syscall,
        Helper::ReadCntvct,
        Helper::WriteFpcr,
        Helper::CacheMaint,
        Helper::Trace,
        Helper::SyncFpsr,
        Helper::Count,
    ];
    pub fn from_u64(v: u64) -> Option<Helper> {
        Helper::ALL.get(v as usize).copied()
    }
    pub fn name(self) -> &'static str {
        [
            "syscall",
            "read_cntvct",
            "write_fpcr",
            "cache_maint",
            "trace",
            "sync_fpsr",
            "count",
        ][self as usize]
    }
    /// Number of value operands it takes.
    pub fn nargs(self) -> usize {
        match self {
            Helper::Syscall | Helper::ReadCntvct | Helper::Trace | Helper::SyncFpsr => 0,
            Helper::WriteFpcr | Helper::CacheMaint | Helper::Count => 1,
        }
    }
    /// Whether the helper reads or writes the guest CPU state: backends write the registers back
    /// before such a call and reload them after it; safe-point liveness treats it as reading all.
    pub fn uses_state(self) -> bool {
        !matches!(self, Helper::Count)
    }
    pub fn returns(self) -> bool {
        matches!(self, Helper::ReadCntvct)
    }
}

/// Kinds of the `crypto` op: the Armv8 Cryptographic Extension instructions that are not a few
/// other IR ops. Operands in the instruction's order (Vd first where it is read); see `ir::crypto`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum CryptoOp {
    /// AESE(d, n) = SubBytes(ShiftRows(d ^ n)).
    Aese = 0,
    /// AESD(d, n) = InvSubBytes(InvShiftRows(d ^ n)).
    Aesd,
    /// AESMC(n) = MixColumns(n).
    Aesmc,
    /// AESIMC(n) = InvMixColumns(n).
    Aesimc,
    /// SHA1C/SHA1P/SHA1M(abcd, e, wk): four SHA-1 rounds with choose / parity / majority.
    Sha1c,
    Sha1p,
    Sha1m,
    /// SHA1SU1(d, n).
    Sha1su1,
    /// SHA256H(abcd, efgh, wk), SHA256H2(efgh, abcd, wk): four SHA-256 rounds.
    Sha256h,
    Sha256h2,
    /// SHA256SU0(d, n), SHA256SU1(d, n, m).
    Sha256su0,
    Sha256su1,
    /// Carry-less product of the low 64 bits of both operands (PMULL .1Q).
    Clmul,
}
impl CryptoOp {
    pub const ALL: [CryptoOp; 13] = [
        CryptoOp::Aese,
        CryptoOp::Aesd,
        CryptoOp::Aesmc,
        CryptoOp::Aesimc,
        CryptoOp::Sha1c,
        CryptoOp::Sha1p,
        CryptoOp::Sha1m,
        CryptoOp::Sha1su1,
        CryptoOp::Sha256h,
        CryptoOp::Sha256h2,
        CryptoOp::Sha256su0,
        CryptoOp::Sha256su1,
        CryptoOp::Clmul,
    ];
    pub fn from_u64(v: u64) -> Option<CryptoOp> {
        CryptoOp::ALL.get(v as usize).copied()
    }
    /// Printed name; the runtime function is `aot_crypto_<name>`.
    pub fn name(self) -> &'static str {
        [
            "aese", "aesd", "aesmc", "aesimc", "sha1c", "sha1p", "sha1m", "sha1su1", "sha256h",
            "sha256h2", "sha256su0", "sha256su1", "clmul",
        ][self as usize]
    }
    /// Number of I128 operands.
    pub fn nargs(self) -> usize {
        match self {
            CryptoOp::Aesmc | CryptoOp::Aesimc => 1,
            CryptoOp::Aese | CryptoOp::Aesd | CryptoOp::Sha1su1 | CryptoOp::Sha256su0 | CryptoOp::Clmul => 2,
            CryptoOp::Sha1c
            | CryptoOp::Sha1p
            | CryptoOp::Sha1m
            | CryptoOp::Sha256h
            | CryptoOp::Sha256h2
            | CryptoOp::Sha256su1 => 3,
        }
    }
}

/// Why a guest trap is raised (`Term::Trap`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum TrapKind {
    /// Unallocated / unsupported encoding: SIGILL (ILL_ILLOPC).
    Undefined = 0,
    /// BRK #imm: SIGTRAP.
    Breakpoint,
    /// UDF: SIGILL.
    Udf,
    /// Code ran off the end of what was recovered, or into bytes that are not code.
    NotCode,
}
impl TrapKind {
    pub fn from_u32(v: u32) -> Option<TrapKind> {
        [
            TrapKind::Undefined,
            TrapKind::Breakpoint,
            TrapKind::Udf,
            TrapKind::NotCode,
        ]
        .get(v as usize)
        .copied()
    }
    pub fn name(self) -> &'static str {
        ["undefined", "breakpoint", "udf", "notcode"][self as usize]
    }
}

/// An SSA value: index of the defining instruction in `Function::insts`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inst {
    pub op: Op,
    /// Result type (`Void` for none).
    pub ty: Ty,
    pub args: Vec<Value>,
    pub imm: u64,
    pub imm2: u64,
}

/// Block terminators. Offsets are relative to the function base (reloc slot 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Not yet terminated (only while building; the verifier rejects it).
    None,
    Br(BlockId),
    BrIf {
        cond: Value,
        then_: BlockId,
        else_: BlockId,
    },
    /// Call the function at reloc slot `target`; on return, continue at `cont` if the guest PC equals
    /// base + `ret_off`, else leave this function (non-LIFO return: longjmp, exceptions).
    Call {
        target: u32,
        ret_off: u64,
        cont: BlockId,
    },
    /// Indirect call through the dispatcher.
    CallInd {
        addr: Value,
        ret_off: u64,
        cont: BlockId,
    },
    /// Return to guest address `addr` (the caller checks it).
    Ret {
        addr: Value,
    },
    /// Tail call / jump to the function at reloc slot `target`. `to_start`: the target is the
    /// start of a lifted function of the program (set by the translator with `flags_local`,
    /// ir::abi), which reads no flag there, so the backend need not store them.
    Tail {
        target: u32,
        to_start: bool,
    },
    /// Indirect jump: to an entry of this function when `addr` is one of `targets`, else
    /// through the dispatcher. `targets` (offsets of entries, sorted, unique) are a recovered jump
    /// table's; empty when unknown, and then any entry of the function is a target. A wrong
    /// `targets` costs speed, never correctness: any other address leaves the function.
    JumpInd {
        addr: Value,
        targets: Vec<u64>,
    },
    /// Raise a guest trap at base + `off`.
    Trap {
        kind: TrapKind,
        off: u64,
    },
}

impl Term {
    pub fn successors(&self) -> Vec<BlockId> {
        match *self {
            Term::Br(b) => vec![b],
            Term::BrIf { then_, else_, .. } => vec![then_, else_],
            Term::Call { cont, .. } | Term::CallInd { cont, .. } => vec![cont],
            _ => vec![],
        }
    }
    pub fn uses(&self) -> Vec<Value> {
        match *self {
            Term::BrIf { cond, .. } => vec![cond],
            Term::CallInd { addr, .. } | Term::Ret { addr } | Term::JumpInd { addr, .. } => vec![addr],
            _ => vec![],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Offset of the guest instruction that starts this block (for debugging and PC maps).
    pub off: u64,
    pub insts: Vec<Value>,
    pub term: Term,
}

/// What a relocation slot stands for. Values are guest addresses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reloc {
    /// The function's own base address (always slot 0).
    FnBase(u64),
    /// A guest data or code address used as a value (ADRP, ADR, literal pool address...).
    Addr(u64),
    /// A translated function entry, used as a direct call or tail-call target.
    Func(u64),
    /// A constant that depends on where data lies in this program (the low 12 bits of an address
    /// added to an ADRP page): relocated so that the function's code stays program-independent.
    Imm(u64),
}
impl Reloc {
    pub fn value(self) -> u64 {
        match self {
            Reloc::FnBase(v) | Reloc::Addr(v) | Reloc::Func(v) | Reloc::Imm(v) => v,
        }
    }
    pub fn kind_name(self) -> &'static str {
        match self {
            Reloc::FnBase(_) => "base",
            Reloc::Addr(_) => "addr",
            Reloc::Func(_) => "func",
            Reloc::Imm(_) => "imm",
        }
    }
}

/// One lifted guest function.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Function {
    /// Human-readable name (symbol or `sub_<addr>`); not part of the cache key.
    pub name: String,
    pub relocs: Vec<Reloc>,
    pub insts: Vec<Inst>,
    pub blocks: Vec<Block>,
    /// Entry points: (offset from base, block). The first one is the function start.
    pub entries: Vec<(u64, BlockId)>,
    /// N, Z, C and V never cross a call boundary in this program (ir::abi, checked over every
    /// lifted function): calls, returns and tail calls need not store them. Printed in the IR,
    /// so part of the cache key. False (the full-state convention) unless the translator set it.
    pub flags_local: bool,
}

impl Function {
    pub fn base(&self) -> u64 {
        self.relocs.first().map(|r| r.value()).unwrap_or(0)
    }
    /// Whether relocation slot `k` is a direct-call target at this function's own start (a
    /// self-recursive `BL`). Printed in the cache-key form of the IR (`func self`), since the
    /// LLVM backend returns differently from such functions (translator/src/llvm.rs
    /// `RETURN_THUNK_ASM`).
    pub fn reloc_is_self(&self, k: usize) -> bool {
        k > 0 && matches!(self.relocs.get(k), Some(&Reloc::Func(v)) if v == self.base())
    }
    /// Whether the function calls its own start directly (`BL` to itself): a recursion that can
    /// nest deeper than the host's return stack.
    pub fn calls_itself(&self) -> bool {
        self.blocks.iter().any(|b| matches!(b.term, Term::Call { target, .. } if self.reloc_is_self(target as usize)))
    }
    pub fn inst(&self, v: Value) -> &Inst {
        &self.insts[v.0 as usize]
    }
    /// The instructions of block `b` that do something (`insn` marks left out).
    pub fn block_ops(&self, b: BlockId) -> impl Iterator<Item = Value> + '_ {
        self.blocks[b.0 as usize].insts.iter().copied().filter(move |&v| self.inst(v).op != Op::Insn)
    }
    /// Number of instructions that do something (`insn` marks left out): the size that decides
    /// optimisation tiers.
    pub fn op_count(&self) -> usize {
        self.insts.iter().filter(|i| i.op != Op::Insn).count()
    }
    /// Control-flow edges of indirect jumps inside the function, counted as if each `jump.ind`
    /// went to any entry (computed gotos; a jump with a recovered table goes only to its targets,
    /// but the count, which picks optimisation tiers, is kept as it was). A measure of how dense
    /// the CFG is, which is what makes register allocation slow (glibc's vfprintf: 15 indirect
    /// jumps x 98 entries).
    pub fn indirect_jump_edges(&self) -> usize {
        let jumps = self.blocks.iter().filter(|b| matches!(b.term, Term::JumpInd { .. })).count();
        jumps * self.entries.len()
    }
    /// Guest registers read or written anywhere in the function (sorted).
    pub fn regs_used(&self) -> Vec<crate::cpu::Reg> {
        let mut seen = [false; 128];
        for i in &self.insts {
            if matches!(i.op, Op::GetReg | Op::SetReg) {
                seen[i.imm as usize & 127] = true;
            }
        }
        seen.iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| crate::cpu::Reg(i as u8))
            .collect()
    }
}

/// IR type of a guest register as seen through getreg/setreg.
pub fn reg_ty(r: crate::cpu::Reg) -> Ty {
    use crate::cpu::SlotTy;
    if (33..=36).contains(&r.0) {
        return Ty::I1;
    }
    match r.slot().1 {
        SlotTy::I8 => Ty::I8,
        SlotTy::I32 => Ty::I32,
        SlotTy::I64 => Ty::I64,
        SlotTy::I128 => Ty::I128,
    }
}
