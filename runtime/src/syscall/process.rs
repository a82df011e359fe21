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
/// vfork-like ones (CLONE_VM|CLONE_VFORK, as glibc's posix_spawn/system and Go's os/exec use)
/// which become a fork *without* shared memory ([`host_fork`]): the parent still waits until the
/// child execs or exits, but writes the child makes before exec are not seen by the parent
/// (posix_spawn then cannot report an exec failure; the child exits 127 as the shell would). Threads (CLONE_VM without CLONE_VFORK):
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
    let r = if exit_sig == libc::SIGCHLD as u64 {
        host_fork(flags, a[2], a[4])
    } else {
        let host_flags = (flags & !(CLONE_VM | CLONE_SETTLS | 0xff)) | exit_sig;
        // x86-64 order: clone(flags, stack, parent_tid, child_tid, tls). The host child keeps
        // running on a copy of the host stack; the guest stack switch is done below.
        sys(libc::SYS_clone, &[host_flags, 0, a[2], a[4], 0])
    };
    if r == 0 {
        // The child's only thread is this one.
        crate::reclaim::after_fork();
        if a[1] != 0 {
            st.sp = a[1];
        }
        if flags & CLONE_SETTLS != 0 {
            st.tpidr = a[3];
        }
    }
    r
}

/// A fork-like clone (exit signal SIGCHLD) through host glibc's fork(), not a raw clone: in a
/// process with several threads, a raw clone leaves the child with host glibc's malloc locks as
/// other threads held them and with the parent's thread id cached in its thread descriptor, so
/// the runtime's own work in the child (exec's file hashing and argument building, raise) could
/// hang or crash (Go's os/exec did, about one run in five). glibc's fork takes its locks around
/// the clone and fixes the child up. The clone flags are then applied by hand:
/// CLONE_PARENT_SETTID writes the child's id in the parent, CLONE_CHILD_SETTID in the child,
/// CLONE_CHILD_CLEARTID becomes the child's set_tid_address, and CLONE_VFORK makes the parent
/// wait until the child execs or exits (the end of a close-on-exec pipe the child holds).
fn host_fork(flags: u64, ptid: u64, ctid: u64) -> i64 {
    let mut vfork_pipe = [-1i32; 2];
    if flags & CLONE_VFORK != 0 {
        // SAFETY: pipe2 writes two descriptors into the local array.
        if unsafe { libc::pipe2(vfork_pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            vfork_pipe = [-1, -1];
        } else {
            // Out of the way of the descriptors a child typically sets up before exec.
            for fd in vfork_pipe.iter_mut() {
                let hi = sys(libc::SYS_fcntl, &[*fd as u64, libc::F_DUPFD_CLOEXEC as u64, 512]);
                if hi >= 0 {
                    sys(libc::SYS_close, &[*fd as u64]);
                    *fd = hi as i32;
                }
            }
        }
    }
    // SAFETY: fork() in a multi-threaded process: the child only continues this thread, and
    // glibc's fork makes malloc and its own state usable there.
    let r = unsafe { libc::fork() };
    if r < 0 {
        // SAFETY: errno of the failed fork.
        let e = unsafe { *libc::__errno_location() };
        for fd in vfork_pipe.into_iter().filter(|&f| f >= 0) {
            sys(libc::SYS_close, &[fd as u64]);
        }
        return -(e as i64);
    }
    if r == 0 {
        let tid = sys(libc::SYS_gettid, &[]);
        if flags & CLONE_CHILD_SETTID != 0 {
            let _ = guest::write(ctid, &(tid as u32).to_le_bytes());
        }
        if flags & CLONE_CHILD_CLEARTID != 0 {
            sys(libc::SYS_set_tid_address, &[ctid]);
        }
        if vfork_pipe[0] >= 0 {
            sys(libc::SYS_close, &[vfork_pipe[0] as u64]);
        }
        return 0;
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = guest::write(ptid, &(r as u32).to_le_bytes());
    }
    if vfork_pipe[0] >= 0 {
        sys(libc::SYS_close, &[vfork_pipe[1] as u64]);
        let mut b = [0u8; 1];
        // EOF once the child's exec or exit closed the write end; a signal (EINTR) ends the wait
        // early, as it may for a vfork parent only when the child is gone, which is harmless here.
        while sys(libc::SYS_read, &[vfork_pipe[0] as u64, b.as_mut_ptr() as u64, 1]) == -(libc::EINTR as i64) {}
        sys(libc::SYS_close, &[vfork_pipe[0] as u64]);
    }
    r as i64
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
    let plain = CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    if ca.flags & !plain == 0 && ca.exit_signal == libc::SIGCHLD as u64 && ca.set_tid == 0 {
        let r = host_fork(ca.flags, ca.parent_tid, ca.child_tid);
        if r == 0 {
            crate::reclaim::after_fork();
            if sp != 0 {
                st.sp = sp;
            }
            if ca.flags & CLONE_SETTLS != 0 {
                st.tpidr = ca.tls;
            }
        }
        return r;
    }
    let mut host = ca;
    host.flags &= !(CLONE_VM | CLONE_SETTLS);
    host.stack = 0;
    host.stack_size = 0;
    host.tls = 0;
    let r = sys(libc::SYS_clone3, &[&host as *const CloneArgs as u64, n as u64]);
    if r == 0 {
        crate::reclaim::after_fork();
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
