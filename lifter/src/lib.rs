//! aot-lifter: what the translator and the runtime share. The guest CPU state layout (`cpu`), the
//! IR (`ir`) and the guest ISA frontends (`isa`). No LLVM here: the runtime links this crate.

pub mod cpu;
pub mod excl;
pub mod ic;
pub mod ir;
pub mod isa;
