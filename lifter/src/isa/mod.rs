//! Guest ISA frontends. Each frontend decodes its instruction set and lifts whole functions to the
//! shared IR; recovery only needs `flow` (what an instruction does to control) and `lift_function`.
//! A second ISA (RISC-V 64) plugs in here behind the same two entry points.

pub mod aarch64;

/// What an instruction does to control flow (enough for recursive-descent recovery).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// Unconditional direct branch.
    Jump(u64),
    /// Conditional direct branch: target or fall through.
    CondJump(u64),
    /// Direct call; returns to the next instruction.
    Call(u64),
    /// Indirect call; returns to the next instruction.
    CallInd,
    /// Return (indirect, through the link register).
    Ret,
    /// Indirect jump.
    JumpInd,
    /// Never continues (trap, undefined, BRK).
    Stop,
}

/// A function as recovery found it, ready to be lifted.
#[derive(Clone, Debug, Default)]
pub struct FunctionSpec {
    pub name: String,
    pub start: u64,
    /// Every address where the dispatcher may enter (start first).
    pub entries: Vec<u64>,
    /// The instructions that belong to the function: address -> encoding.
    /// A direct branch whose target is not in here leaves the function (a tail call).
    pub insns: std::collections::BTreeMap<u64, u32>,
    /// Jump tables recovery found: the address of each table's `BR` -> the table's targets
    /// (addresses, any order, duplicates allowed). The lifter keeps the targets that are entries
    /// in the `BR`'s `Term::JumpInd`, so the backends switch over those only; empty when unknown.
    pub tables: std::collections::BTreeMap<u64, Vec<u64>>,
}
