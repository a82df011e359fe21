//! Process life cycle: exit, exit_group, clone (plain fork only for now).

use super::Args;
use crate::guest::{sys, ENOSYS};
use crate::CpuState;

pub fn exit_group(_: &mut CpuState, a: &Args) -> i64 {
    crate::trap::exit_group(a[0] as i32)
}

/// Exit the calling guest thread.
pub fn exit(_: &mut CpuState, a: &Args) -> i64 {
    super::thread::exit_thread(a[0])
}

const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_SETTLS: u64 = 0x0008_0000;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;

/// aarch64 clone(flags, stack, parent_tid, tls, child_tid). Supported: fork-like clones, and
/// vfork-like ones (CLONE_VM|CLONE_VFORK, as glibc's posix_spawn/system use) which become a host
/// vfork *without* shared memory: the parent still waits until the child execs or exits, but
/// writes the child makes before exec are not seen by the parent (posix_spawn then cannot report an
/// exec failure; the child exits 127 as the shell would). Threads (CLONE_VM without CLONE_VFORK):
/// see `thread::clone_thread`.
pub fn clone(st: &mut CpuState, a: &Args) -> i64 {
    let flags = a[0];
    let tid_flags = CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
    let allowed = tid_flags | CLONE_VM | CLONE_VFORK | CLONE_SETTLS | 0xff;
    if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 {
        return super::thread::clone_thread(st, a);
    }
    if flags & !allowed != 0 || flags & 0xff > 64 {
        return ENOSYS;
    }
    // The exit signal (low byte) is a guest signal number.
    let exit_sig = match flags & 0xff {
        0 => 0,
        g => match super::signal::host_sig(g) {
            Some(h) => h as u64,
            None => return crate::guest::EINVAL,
        },
    };
    let host_flags = (flags & !(CLONE_VM | CLONE_SETTLS | 0xff)) | exit_sig;
    // x86-64 order: clone(flags, stack, parent_tid, child_tid, tls). The host child keeps running
    // on a copy of the host stack; the guest stack switch is done in the guest state below.
    let r = sys(libc::SYS_clone, &[host_flags, 0, a[2], a[4], 0]);
    if r == 0 {
        if a[1] != 0 {
            st.sp = a[1];
        }
        if flags & CLONE_SETTLS != 0 {
            st.tpidr = a[3];
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    fn wait_status(pid: i64) -> i32 {
        let mut status = 0i32;
        // SAFETY: waits for our own child; status is a local.
        unsafe { libc::waitpid(pid as i32, &mut status, 0) };
        libc::WEXITSTATUS(status)
    }
    #[test]
    fn fork_and_vfork_clones() {
        let mut st = CpuState::default();
        let sigchld = libc::SIGCHLD as u64;
        for flags in [sigchld, sigchld | CLONE_VM | CLONE_VFORK] {
            let r = clone(&mut st, &[flags, 0x1234_0000, 0, 0, 0, 0]);
            if r == 0 {
                // child: the guest stack pointer was switched
                crate::trap::exit_group(if st.sp == 0x1234_0000 { 9 } else { 1 });
            }
            assert!(r > 0);
            assert_eq!(wait_status(r), 9);
        }
        // unknown flags are refused
        assert_eq!(clone(&mut st, &[0x8000_0000 | sigchld, 0, 0, 0, 0, 0]), ENOSYS);
    }
}
