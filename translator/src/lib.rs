pub mod elf;
pub mod recover;
