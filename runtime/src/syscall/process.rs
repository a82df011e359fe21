//! Process life cycle: exit, exit_group, clone and clone3 (fork, vfork, threads). execve is in
//! exec.rs. wait4 and waitid pass through: `struct rusage` and `siginfo_t` (SIGCHLD fields) have
//! the same layout on both 64-bit ABIs, as do the wait status encoding and signal numbers 1-31.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL, ENOSYS};
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

/// `struct clone_args` (the same on both ABIs; versions of 64, 80 and 88 bytes).
#[repr(C)]
#[derive(Copy, Clone, Default, Debug)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}
const CLONE_ARGS_SIZE_VER0: u64 = 64;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// clone3(args, size). Threads (CLONE_VM without CLONE_VFORK) become `thread::clone_thread` with
/// the equivalent clone arguments (the new guest SP is stack + stack_size); fork- and vfork-like
/// calls become a host clone3 on the host's own stack (as `clone` does), with the guest stack and
/// TLS switched in the child's guest state. Kernel checks on the struct (size, unknown fields) are
/// left to the host where it sees the struct.
pub fn clone3(st: &mut CpuState, a: &Args) -> i64 {
    let size = a[1];
    if size < CLONE_ARGS_SIZE_VER0 {
        return EINVAL;
    }
    if size > 4096 {
        return -(libc::E2BIG as i64);
    }
    let mut raw = vec![0u8; size as usize];
    if guest::read(a[0], &mut raw).is_err() {
        return EFAULT;
    }
    let n = raw.len().min(core::mem::size_of::<CloneArgs>());
    if raw[n..].iter().any(|&b| b != 0) {
        return -(libc::E2BIG as i64);
    }
    let mut ca = CloneArgs::default();
    // SAFETY: CloneArgs is plain u64 fields; n bytes fit in it.
    unsafe { core::ptr::copy_nonoverlapping(raw.as_ptr(), &mut ca as *mut CloneArgs as *mut u8, n) };
    if ca.exit_signal > 64 || (ca.stack == 0) != (ca.stack_size == 0) && ca.stack_size != 0 {
        return EINVAL;
    }
    let sp = if ca.stack != 0 { ca.stack.wrapping_add(ca.stack_size) } else { 0 };
    if ca.flags & CLONE_VM != 0 && ca.flags & CLONE_VFORK == 0 {
        if ca.flags & (CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) != 0 || ca.set_tid != 0 || ca.exit_signal != 0 {
            return ENOSYS;
        }
        return super::thread::clone_thread(st, &[ca.flags & 0xffff_ffff, sp, ca.parent_tid, ca.tls, ca.child_tid, 0]);
    }
    let mut host = ca;
    host.flags &= !(CLONE_VM | CLONE_SETTLS);
    host.stack = 0;
    host.stack_size = 0;
    host.tls = 0;
    let r = sys(libc::SYS_clone3, &[&host as *const CloneArgs as u64, n as u64]);
    if r == 0 {
        if sp != 0 {
            st.sp = sp;
        }
        if ca.flags & CLONE_SETTLS != 0 {
            st.tpidr = ca.tls;
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
    #[test]
    fn clone3_fork() {
        let mut st = CpuState::default();
        let ca = CloneArgs { exit_signal: libc::SIGCHLD as u64, stack: 0x1230_0000, stack_size: 0x1_0000, ..Default::default() };
        let r = clone3(&mut st, &[&ca as *const _ as u64, 88, 0, 0, 0, 0]);
        if r == 0 {
            crate::trap::exit_group(if st.sp == 0x1231_0000 { 7 } else { 1 });
        }
        assert!(r > 0, "{r}");
        assert_eq!(wait_status(r), 7);
        assert_eq!(clone3(&mut st, &[&ca as *const _ as u64, 32, 0, 0, 0, 0]), EINVAL);
        assert_eq!(clone3(&mut st, &[8, 64, 0, 0, 0, 0]), EFAULT);
        let mut big = [0u64; 12];
        big[11] = 1;
        assert_eq!(clone3(&mut st, &[big.as_ptr() as u64, 96, 0, 0, 0, 0]), -(libc::E2BIG as i64));
    }
}
