//! Process life cycle: exit, exit_group, clone (plain fork only for now).

use super::Args;
use crate::guest::{sys, ENOSYS};
use crate::CpuState;

pub fn exit_group(_: &mut CpuState, a: &Args) -> i64 {
    crate::trap::exit_group(a[0] as i32)
}

/// There are no guest threads yet, so a thread exit is the process exit.
pub fn exit(st: &mut CpuState, a: &Args) -> i64 {
    exit_group(st, a)
}

const CLONE_VM: u64 = 0x100;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
const CLONE_SETTLS: u64 = 0x0008_0000;

/// aarch64 clone(flags, stack, parent_tid, tls, child_tid). Only a fork-like clone (no new stack,
/// no shared VM, no TLS) is supported: the host process forks and both sides return here.
pub fn clone(_: &mut CpuState, a: &Args) -> i64 {
    let flags = a[0];
    let tid_flags = CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
    let sig = flags & 0xff;
    if flags & !(tid_flags | 0xff) != 0 || a[1] != 0 || flags & (CLONE_VM | CLONE_SETTLS) != 0 || sig > 64 {
        return ENOSYS;
    }
    // x86-64 order: clone(flags, stack, parent_tid, child_tid, tls).
    sys(libc::SYS_clone, &[flags, 0, a[2], a[4], 0])
}
