//! aot-translate: AArch64 Linux ELF -> native x86-64 executable, ahead of time.
//!
//! - `elf`: reading and validating the guest executable
//! - `recover`: finding functions and entry points
//! - `llvm`: the IR -> x86-64 backend
//! - `clif`: the Cranelift tier (objects interchangeable with `llvm`'s)
//! - `tier`: which backend compiles a function (`--tier`)
//! - `cache`: compiled functions by position-independent hash
//! - `link`: glue and the host link
//! - `pipeline`: the whole translation
//! - `report`: the recovery report (`--report FILE.json`)
//! - `timing`: CPU clocks for `--time-report`

pub mod cache;
pub mod clif;
pub mod elf;
pub mod gopclntab;
pub mod link;
pub mod llvm;
pub mod pipeline;
pub mod recover;
pub mod report;
pub mod run;
pub mod tier;
pub mod timing;
