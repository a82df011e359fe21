//! Guest (aarch64, asm-generic numbering) Linux system calls.
//!
//! [`TABLE`] is the one table: every aarch64 syscall number with its name, how it is handled
//! (`Passthrough` to the x86-64 syscall with the same meaning and identical argument layout,
//! `Translated` by a handler in one of the area modules, or `Enosys`) and a note. Numbers that are
//! not in the table return -ENOSYS too. docs/syscalls.md is rendered from it (see the test
//! `syscall_doc_is_current`; regenerate with `UPDATE_SYSCALL_DOC=1 cargo test -p aot-runtime`).
//!
//! AOT_STRACE=1 logs every guest syscall to stderr as `name(args) = result`.

pub mod exec;
pub mod fd;
pub mod fs;
pub mod mem;
pub mod misc;
pub mod net;
pub mod process;
pub mod procfs;
pub mod signal;
pub mod strace;
pub mod thread;
pub mod time;

use crate::guest::{sys, write_stderr, ENOSYS};
use crate::CpuState;
use libc::*;
use std::sync::atomic::{AtomicBool, Ordering};

pub static STRACE: AtomicBool = AtomicBool::new(false);

pub type Args = [u64; 6];
pub type HandlerFn = fn(&mut CpuState, &Args) -> i64;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    Translated,
    Passthrough,
    Enosys,
}

#[derive(Copy, Clone)]
pub enum Handler {
    /// x86-64 syscall number; arguments passed unchanged.
    Host(c_long),
    Func(HandlerFn),
    None,
}

#[derive(Copy, Clone)]
pub struct Sys {
    pub nr: u32,
    pub name: &'static str,
    pub handler: Handler,
    pub note: &'static str,
}

impl Sys {
    pub fn class(&self) -> Class {
        match self.handler {
            Handler::Host(_) => Class::Passthrough,
            Handler::Func(_) => Class::Translated,
            Handler::None => Class::Enosys,
        }
    }
}

const fn p(nr: u32, name: &'static str, host: c_long) -> Sys {
    Sys { nr, name, handler: Handler::Host(host), note: "" }
}
const fn pnote(nr: u32, name: &'static str, host: c_long, note: &'static str) -> Sys {
    Sys { nr, name, handler: Handler::Host(host), note }
}
const fn t(nr: u32, name: &'static str, f: HandlerFn, note: &'static str) -> Sys {
    Sys { nr, name, handler: Handler::Func(f), note }
}
const fn e(nr: u32, name: &'static str, note: &'static str) -> Sys {
    Sys { nr, name, handler: Handler::None, note }
}
/// Numbers from 424 on are shared by all architectures.
const fn pn(nr: u32, name: &'static str) -> Sys {
    p(nr, name, nr as c_long)
}

#[rustfmt::skip]
pub static TABLE: &[Sys] = &[
    p(0, "io_setup", SYS_io_setup),
    p(1, "io_destroy", SYS_io_destroy),
    pnote(2, "io_submit", SYS_io_submit, "struct iocb arch-independent (little-endian field order)"),
    p(3, "io_cancel", SYS_io_cancel),
    p(4, "io_getevents", SYS_io_getevents),
    p(5, "setxattr", SYS_setxattr),
    p(6, "lsetxattr", SYS_lsetxattr),
    p(7, "fsetxattr", SYS_fsetxattr),
    p(8, "getxattr", SYS_getxattr),
    p(9, "lgetxattr", SYS_lgetxattr),
    p(10, "fgetxattr", SYS_fgetxattr),
    p(11, "listxattr", SYS_listxattr),
    p(12, "llistxattr", SYS_llistxattr),
    p(13, "flistxattr", SYS_flistxattr),
    p(14, "removexattr", SYS_removexattr),
    p(15, "lremovexattr", SYS_lremovexattr),
    p(16, "fremovexattr", SYS_fremovexattr),
    p(17, "getcwd", SYS_getcwd),
    e(18, "lookup_dcookie", "removed from Linux"),
    pnote(19, "eventfd2", SYS_eventfd2, "EFD_* flags = O_CLOEXEC/O_NONBLOCK, same values"),
    pnote(20, "epoll_create1", SYS_epoll_create1, "EPOLL_CLOEXEC same value"),
    t(21, "epoll_ctl", fd::epoll_ctl, "struct epoll_event is 16 bytes on aarch64, 12 (packed) on x86-64"),
    t(22, "epoll_pwait", fd::epoll_pwait, "epoll_event conversion"),
    p(23, "dup", SYS_dup),
    pnote(24, "dup3", SYS_dup3, "O_CLOEXEC same value"),
    t(25, "fcntl", fd::fcntl, "F_GETFL/F_SETFL open-flag conversion; F_SETSIG/F_GETSIG signal numbers mapped; F_SETLKW/F_OFD_SETLKW as safe syscalls; all other commands identical (F_*LK, F_OFD_*, struct flock 32 bytes, F_DUPFD_CLOEXEC, F_*PIPE_SZ, F_*OWN_EX, seals, leases)"),
    pnote(26, "inotify_init1", SYS_inotify_init1, "IN_CLOEXEC/IN_NONBLOCK same values"),
    pnote(27, "inotify_add_watch", SYS_inotify_add_watch, "IN_* masks identical"),
    p(28, "inotify_rm_watch", SYS_inotify_rm_watch),
    t(29, "ioctl", fd::ioctl, "the ioctl table below: identical requests pass through, TIOCGPTPEER converted; others -ENOTTY, logged once"),
    p(30, "ioprio_set", SYS_ioprio_set),
    p(31, "ioprio_get", SYS_ioprio_get),
    pnote(32, "flock", SYS_flock, "LOCK_* identical"),
    pnote(33, "mknodat", SYS_mknodat, "S_IF* and the dev_t encoding identical"),
    p(34, "mkdirat", SYS_mkdirat),
    p(35, "unlinkat", SYS_unlinkat),
    p(36, "symlinkat", SYS_symlinkat),
    p(37, "linkat", SYS_linkat),
    p(38, "renameat", SYS_renameat),
    p(39, "umount2", SYS_umount2),
    p(40, "mount", SYS_mount),
    p(41, "pivot_root", SYS_pivot_root),
    e(42, "nfsservctl", "removed from Linux"),
    pnote(43, "statfs", SYS_statfs, "struct statfs identical (120 bytes)"),
    pnote(44, "fstatfs", SYS_fstatfs, "struct statfs identical"),
    p(45, "truncate", SYS_truncate),
    p(46, "ftruncate", SYS_ftruncate),
    pnote(47, "fallocate", SYS_fallocate, "FALLOC_FL_* identical"),
    p(48, "faccessat", SYS_faccessat),
    p(49, "chdir", SYS_chdir),
    p(50, "fchdir", SYS_fchdir),
    p(51, "chroot", SYS_chroot),
    p(52, "fchmod", SYS_fchmod),
    p(53, "fchmodat", SYS_fchmodat),
    p(54, "fchownat", SYS_fchownat),
    p(55, "fchown", SYS_fchown),
    t(56, "openat", fs::openat, "open-flag conversion (O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE); read-only opens of /proc/self/exe give the guest ELF, of /proc/self/maps, /proc/self/auxv and /proc/cpuinfo the guest's view (procfs.rs)"),
    p(57, "close", SYS_close),
    p(58, "vhangup", SYS_vhangup),
    t(59, "pipe2", fd::pipe2, "flag conversion (O_DIRECT)"),
    p(60, "quotactl", SYS_quotactl),
    pnote(61, "getdents64", SYS_getdents64, "struct linux_dirent64 is arch-independent"),
    p(62, "lseek", SYS_lseek),
    p(63, "read", SYS_read),
    p(64, "write", SYS_write),
    p(65, "readv", SYS_readv),
    p(66, "writev", SYS_writev),
    p(67, "pread64", SYS_pread64),
    p(68, "pwrite64", SYS_pwrite64),
    pnote(69, "preadv", SYS_preadv, "64-bit: pos_l is the whole offset on both"),
    pnote(70, "pwritev", SYS_pwritev, "as preadv"),
    p(71, "sendfile", SYS_sendfile),
    t(72, "pselect6", signal::pselect6, "safe syscall; the sigmask applied for the call is mapped and followed by the guest mask"),
    t(73, "ppoll", signal::ppoll, "safe syscall; sigmask mapped, as pselect6"),
    t(74, "signalfd4", signal::signalfd4, "mask mapped to host signal numbers (ssi_signo read from the fd is the host number: differs only for guest 32/33)"),
    p(75, "vmsplice", SYS_vmsplice),
    pnote(76, "splice", SYS_splice, "SPLICE_F_* identical"),
    p(77, "tee", SYS_tee),
    t(78, "readlinkat", fs::readlinkat, "/proc/self/exe and /proc/<own pid>/exe give the guest program's path (the one it was exec'd as, else the translated executable's)"),
    t(79, "newfstatat", fs::newfstatat, "struct stat conversion (128 vs 144 bytes)"),
    t(80, "fstat", fs::fstat, "struct stat conversion"),
    p(81, "sync", SYS_sync),
    p(82, "fsync", SYS_fsync),
    p(83, "fdatasync", SYS_fdatasync),
    pnote(84, "sync_file_range", SYS_sync_file_range, "(fd, offset, nbytes, flags) on both (not arm32's sync_file_range2)"),
    pnote(85, "timerfd_create", SYS_timerfd_create, "TFD_* = O_CLOEXEC/O_NONBLOCK, same values"),
    p(86, "timerfd_settime", SYS_timerfd_settime),
    p(87, "timerfd_gettime", SYS_timerfd_gettime),
    pnote(88, "utimensat", SYS_utimensat, "UTIME_NOW/UTIME_OMIT, AT_* identical"),
    p(89, "acct", SYS_acct),
    p(90, "capget", SYS_capget),
    p(91, "capset", SYS_capset),
    p(92, "personality", SYS_personality),
    t(93, "exit", process::exit, "exits the calling thread; clear-child-tid store + futex wake by the runtime"),
    t(94, "exit_group", process::exit_group, ""),
    t(95, "waitid", signal::waitid, "safe syscall; si_status signal mapped"),
    t(96, "set_tid_address", thread::set_tid_address, "recorded per thread (used at thread exit); returns the thread id"),
    p(97, "unshare", SYS_unshare),
    p(98, "futex", SYS_futex),
    pnote(99, "set_robust_list", SYS_set_robust_list, "Linux semantics (qemu-user returns ENOSYS): struct robust_list_head is the same on both ABIs and guest addresses are host addresses, so the kernel marks the guest's robust futexes FUTEX_OWNER_DIED when the thread dies; replaces host glibc's list for the host thread, which the runtime does not use"),
    p(100, "get_robust_list", SYS_get_robust_list),
    p(101, "nanosleep", SYS_nanosleep),
    pnote(102, "getitimer", SYS_getitimer, "struct itimerval identical"),
    pnote(103, "setitimer", SYS_setitimer, "struct itimerval identical"),
    e(104, "kexec_load", "not for guests"),
    e(105, "init_module", "not for guests"),
    e(106, "delete_module", "not for guests"),
    p(107, "timer_create", SYS_timer_create),
    p(108, "timer_gettime", SYS_timer_gettime),
    p(109, "timer_getoverrun", SYS_timer_getoverrun),
    p(110, "timer_settime", SYS_timer_settime),
    p(111, "timer_delete", SYS_timer_delete),
    p(112, "clock_settime", SYS_clock_settime),
    t(113, "clock_gettime", time::clock_gettime, "through the host vDSO (no host syscall for the common clocks)"),
    t(114, "clock_getres", time::clock_getres, "through the host vDSO"),
    p(115, "clock_nanosleep", SYS_clock_nanosleep),
    p(116, "syslog", SYS_syslog),
    e(117, "ptrace", "not supported"),
    p(118, "sched_setparam", SYS_sched_setparam),
    p(119, "sched_setscheduler", SYS_sched_setscheduler),
    p(120, "sched_getscheduler", SYS_sched_getscheduler),
    p(121, "sched_getparam", SYS_sched_getparam),
    p(122, "sched_setaffinity", SYS_sched_setaffinity),
    p(123, "sched_getaffinity", SYS_sched_getaffinity),
    p(124, "sched_yield", SYS_sched_yield),
    p(125, "sched_get_priority_max", SYS_sched_get_priority_max),
    p(126, "sched_get_priority_min", SYS_sched_get_priority_min),
    p(127, "sched_rr_get_interval", SYS_sched_rr_get_interval),
    e(128, "restart_syscall", "only meaningful after signal delivery"),
    t(129, "kill", signal::kill, "signal number mapped (docs/signals.md)"),
    t(130, "tkill", signal::tkill, "signal number mapped"),
    t(131, "tgkill", signal::tgkill, "signal number mapped"),
    t(132, "sigaltstack", signal::sigaltstack, "per thread, kept by the runtime; SS_ONSTACK, SS_AUTODISARM"),
    t(133, "rt_sigsuspend", signal::rt_sigsuspend, "waits with the mapped mask; the frame saves the old guest mask"),
    t(134, "rt_sigaction", signal::rt_sigaction, "guest handlers run by the runtime (aarch64 rt_sigframe); asynchronous signals delivered at safe points (loop back edges, function entries, syscalls); synchronous faults (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE) reach guest handlers with the exact guest PC (crate::fault)"),
    t(135, "rt_sigprocmask", signal::rt_sigprocmask, "guest mask per thread, mirrored to the host mask"),
    t(136, "rt_sigpending", signal::rt_sigpending, "host pending set mapped, plus a signal the runtime holds"),
    t(137, "rt_sigtimedwait", signal::rt_sigtimedwait, "set and siginfo mapped; safe syscall"),
    t(138, "rt_sigqueueinfo", signal::rt_sigqueueinfo, "signal number and si_signo mapped"),
    e(139, "rt_sigreturn", "handlers return through a runtime trampoline instead"),
    p(140, "setpriority", SYS_setpriority),
    p(141, "getpriority", SYS_getpriority),
    e(142, "reboot", "not for guests"),
    p(143, "setregid", SYS_setregid),
    p(144, "setgid", SYS_setgid),
    p(145, "setreuid", SYS_setreuid),
    p(146, "setuid", SYS_setuid),
    p(147, "setresuid", SYS_setresuid),
    p(148, "getresuid", SYS_getresuid),
    p(149, "setresgid", SYS_setresgid),
    p(150, "getresgid", SYS_getresgid),
    p(151, "setfsuid", SYS_setfsuid),
    p(152, "setfsgid", SYS_setfsgid),
    pnote(153, "times", SYS_times, "struct tms identical"),
    p(154, "setpgid", SYS_setpgid),
    p(155, "getpgid", SYS_getpgid),
    p(156, "getsid", SYS_getsid),
    p(157, "setsid", SYS_setsid),
    p(158, "getgroups", SYS_getgroups),
    p(159, "setgroups", SYS_setgroups),
    t(160, "uname", misc::uname, "machine = aarch64"),
    p(161, "sethostname", SYS_sethostname),
    p(162, "setdomainname", SYS_setdomainname),
    t(163, "getrlimit", mem::getrlimit, "RLIMIT_* numbers and struct rlimit identical, RLIM_INFINITY ~0 on both; RLIMIT_AS/RLIMIT_DATA kept per guest (see prlimit64)"),
    t(164, "setrlimit", mem::setrlimit, "as getrlimit"),
    pnote(165, "getrusage", SYS_getrusage, "struct rusage identical (144 bytes)"),
    p(166, "umask", SYS_umask),
    t(167, "prctl", misc::prctl, "arm64-specific options (SVE, PAC, MTE, tagged addresses) -EINVAL"),
    p(168, "getcpu", SYS_getcpu),
    t(169, "gettimeofday", time::gettimeofday, "through the host vDSO (a timezone request: host syscall)"),
    p(170, "settimeofday", SYS_settimeofday),
    p(171, "adjtimex", SYS_adjtimex),
    p(172, "getpid", SYS_getpid),
    p(173, "getppid", SYS_getppid),
    p(174, "getuid", SYS_getuid),
    p(175, "geteuid", SYS_geteuid),
    p(176, "getgid", SYS_getgid),
    p(177, "getegid", SYS_getegid),
    p(178, "gettid", SYS_gettid),
    pnote(179, "sysinfo", SYS_sysinfo, "struct sysinfo identical (112 bytes)"),
    pnote(180, "mq_open", SYS_mq_open, "O_CREAT/O_EXCL/O_NONBLOCK/O_CLOEXEC and struct mq_attr identical"),
    p(181, "mq_unlink", SYS_mq_unlink),
    p(182, "mq_timedsend", SYS_mq_timedsend),
    p(183, "mq_timedreceive", SYS_mq_timedreceive),
    pnote(184, "mq_notify", SYS_mq_notify, "struct sigevent identical; sigev_signo is not mapped (guest and host numbers differ only for 32/33 and 59-61, which glibc reserves)"),
    p(185, "mq_getsetattr", SYS_mq_getsetattr),
    p(186, "msgget", SYS_msgget),
    pnote(187, "msgctl", SYS_msgctl, "struct msqid64_ds identical: asm-generic msgbuf.h on both (no padding words on 64-bit)"),
    pnote(188, "msgrcv", SYS_msgrcv, "MSG_NOERROR/MSG_EXCEPT/MSG_COPY identical"),
    p(189, "msgsnd", SYS_msgsnd),
    p(190, "semget", SYS_semget),
    t(191, "semctl", misc::semctl, "struct semid64_ds conversion (88 vs 104 bytes)"),
    pnote(192, "semtimedop", SYS_semtimedop, "struct sembuf identical"),
    p(193, "semop", SYS_semop),
    p(194, "shmget", SYS_shmget),
    pnote(195, "shmctl", SYS_shmctl, "struct shmid64_ds and ipc64_perm identical: asm-generic shmbuf.h/ipcbuf.h on both (mode 32-bit)"),
    t(196, "shmat", mem::shmat, "placed inside the guest range"),
    t(197, "shmdt", mem::shmdt, "re-reserves the range"),
    pnote(198, "socket", SYS_socket, "SOCK_NONBLOCK/SOCK_CLOEXEC, AF_*, SOCK_* identical (see net.rs)"),
    pnote(199, "socketpair", SYS_socketpair, "see net.rs"),
    p(200, "bind", SYS_bind),
    p(201, "listen", SYS_listen),
    p(202, "accept", SYS_accept),
    p(203, "connect", SYS_connect),
    p(204, "getsockname", SYS_getsockname),
    p(205, "getpeername", SYS_getpeername),
    p(206, "sendto", SYS_sendto),
    p(207, "recvfrom", SYS_recvfrom),
    pnote(208, "setsockopt", SYS_setsockopt, "SOL_SOCKET = 1 and SO_* identical (asm-generic socket.h on both); linger, timeval, ucred identical"),
    pnote(209, "getsockopt", SYS_getsockopt, "as setsockopt"),
    p(210, "shutdown", SYS_shutdown),
    pnote(211, "sendmsg", SYS_sendmsg, "struct msghdr/cmsghdr identical (LP64); SCM_RIGHTS fds are host fds, SCM_CREDENTIALS ucred identical"),
    pnote(212, "recvmsg", SYS_recvmsg, "as sendmsg; MSG_CMSG_CLOEXEC identical"),
    p(213, "readahead", SYS_readahead),
    t(214, "brk", mem::brk, "emulated inside the guest range"),
    t(215, "munmap", mem::munmap, "re-reserves; outside the guest range -EINVAL"),
    t(216, "mremap", mem::mremap, "kept inside the guest range"),
    p(217, "add_key", SYS_add_key),
    p(218, "request_key", SYS_request_key),
    p(219, "keyctl", SYS_keyctl),
    t(220, "clone", process::clone, "fork; vfork (CLONE_VM|CLONE_VFORK) as a host vfork without shared memory; threads on new host threads"),
    t(221, "execve", exec::execve, "AArch64 ELF: its translation from the executable cache (by SHA-256), else a message and -ENOEXEC; /proc/self/exe: the same guest again; #! with an AArch64 interpreter; anything else: host execve"),
    t(222, "mmap", mem::mmap, "placed inside the guest range; PROT_BTI stripped, PROT_MTE -EINVAL; MAP_* values identical (asm-generic mman on both; x86 MAP_32BIT dropped), MAP_GROWSDOWN dropped"),
    pnote(223, "fadvise64", SYS_fadvise64, "aarch64's is fadvise64_64(fd, offset, len, advice): same order as x86-64's fadvise64; POSIX_FADV_* identical"),
    p(224, "swapon", SYS_swapon),
    p(225, "swapoff", SYS_swapoff),
    t(226, "mprotect", mem::mprotect, "PROT_BTI stripped, PROT_MTE -EINVAL; outside the guest range -EINVAL"),
    pnote(227, "msync", SYS_msync, "MS_* identical"),
    p(228, "mlock", SYS_mlock),
    p(229, "munlock", SYS_munlock),
    pnote(230, "mlockall", SYS_mlockall, "MCL_* identical"),
    p(231, "munlockall", SYS_munlockall),
    p(232, "mincore", SYS_mincore),
    pnote(233, "madvise", SYS_madvise, "MADV_* identical"),
    e(234, "remap_file_pages", "deprecated"),
    p(235, "mbind", SYS_mbind),
    p(236, "get_mempolicy", SYS_get_mempolicy),
    p(237, "set_mempolicy", SYS_set_mempolicy),
    p(238, "migrate_pages", SYS_migrate_pages),
    p(239, "move_pages", SYS_move_pages),
    t(240, "rt_tgsigqueueinfo", signal::rt_tgsigqueueinfo, "signal number and si_signo mapped"),
    p(241, "perf_event_open", SYS_perf_event_open),
    pnote(242, "accept4", SYS_accept4, "SOCK_NONBLOCK/SOCK_CLOEXEC same values"),
    pnote(243, "recvmmsg", SYS_recvmmsg, "struct mmsghdr identical (64 bytes)"),
    t(260, "wait4", signal::wait4, "safe syscall; signal numbers in the status mapped"),
    t(261, "prlimit64", mem::prlimit64, "own process: RLIMIT_AS and RLIMIT_DATA are recorded and enforced on guest mmap/mremap/brk (AS) and brk (DATA) instead of being set on the host, whose address space includes the runtime's 64 TiB guest reservation and host stacks; other resources and other processes pass through"),
    t(262, "fanotify_init", fs::fanotify_init, "event_f_flags are open flags: converted"),
    pnote(263, "fanotify_mark", SYS_fanotify_mark, "FAN_* identical"),
    p(264, "name_to_handle_at", SYS_name_to_handle_at),
    t(265, "open_by_handle_at", fs::open_by_handle_at, "open-flag conversion"),
    p(266, "clock_adjtime", SYS_clock_adjtime),
    p(267, "syncfs", SYS_syncfs),
    p(268, "setns", SYS_setns),
    pnote(269, "sendmmsg", SYS_sendmmsg, "struct mmsghdr identical"),
    p(270, "process_vm_readv", SYS_process_vm_readv),
    p(271, "process_vm_writev", SYS_process_vm_writev),
    p(272, "kcmp", SYS_kcmp),
    e(273, "finit_module", "not for guests"),
    pnote(274, "sched_setattr", SYS_sched_setattr, "struct sched_attr arch-independent"),
    p(275, "sched_getattr", SYS_sched_getattr),
    pnote(276, "renameat2", SYS_renameat2, "RENAME_* identical"),
    e(277, "seccomp", "a guest filter would apply to the runtime's host syscalls"),
    p(278, "getrandom", SYS_getrandom),
    pnote(279, "memfd_create", SYS_memfd_create, "MFD_* flags arch-independent"),
    e(280, "bpf", "not supported"),
    t(281, "execveat", exec::execveat, "as execve (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW)"),
    pnote(282, "userfaultfd", SYS_userfaultfd, "O_CLOEXEC/O_NONBLOCK same values"),
    p(283, "membarrier", SYS_membarrier),
    pnote(284, "mlock2", SYS_mlock2, "MLOCK_ONFAULT identical"),
    p(285, "copy_file_range", SYS_copy_file_range),
    pnote(286, "preadv2", SYS_preadv2, "as preadv; RWF_* identical"),
    pnote(287, "pwritev2", SYS_pwritev2, "as preadv2"),
    e(288, "pkey_mprotect", "no memory protection keys"),
    e(289, "pkey_alloc", "no memory protection keys"),
    e(290, "pkey_free", "no memory protection keys"),
    pnote(291, "statx", SYS_statx, "struct statx is arch-independent"),
    p(292, "io_pgetevents", 333),
    e(293, "rseq", "kept ENOSYS (glibc then runs without it): the kernel would compare the host PC with the guest's critical-section addresses and rewrite the wrong PC, and host glibc has registered its own rseq area for the thread"),
    e(294, "kexec_file_load", "not for guests"),
    t(424, "pidfd_send_signal", signal::pidfd_send_signal, "signal number mapped"),
    e(425, "io_uring_setup", "not supported (submissions would bypass translation)"),
    e(426, "io_uring_enter", "not supported"),
    e(427, "io_uring_register", "not supported"),
    pnote(428, "open_tree", 428, "OPEN_TREE_CLOEXEC = O_CLOEXEC, same value"),
    pn(429, "move_mount"),
    pn(430, "fsopen"),
    pn(431, "fsconfig"),
    pn(432, "fsmount"),
    pn(433, "fspick"),
    pnote(434, "pidfd_open", 434, "PIDFD_NONBLOCK = O_NONBLOCK, same value"),
    t(435, "clone3", process::clone3, "fork/vfork-like: host clone3; threads: as clone (stack + stack_size is the new SP)"),
    pn(436, "close_range"),
    t(437, "openat2", fs::openat2, "open-flag conversion in struct open_how"),
    pn(438, "pidfd_getfd"),
    pnote(439, "faccessat2", 439, "AT_EACCESS etc. identical"),
    pn(440, "process_madvise"),
    t(441, "epoll_pwait2", fd::epoll_pwait2, "epoll_event conversion"),
    pn(442, "mount_setattr"),
    pn(443, "quotactl_fd"),
    pn(444, "landlock_create_ruleset"),
    pn(445, "landlock_add_rule"),
    pn(446, "landlock_restrict_self"),
    e(447, "memfd_secret", "not available on arm64"),
    pn(448, "process_mrelease"),
    pnote(449, "futex_waitv", 449, "struct futex_waitv arch-independent"),
    pn(450, "set_mempolicy_home_node"),
    pn(451, "cachestat"),
    pn(452, "fchmodat2"),
    e(453, "map_shadow_stack", "not available on arm64"),
    pn(454, "futex_wake"),
    pn(455, "futex_wait"),
    pn(456, "futex_requeue"),
    pn(457, "statmount"),
    pn(458, "listmount"),
    pn(459, "lsm_get_self_attr"),
    pn(460, "lsm_set_self_attr"),
    pn(461, "lsm_list_modules"),
    e(462, "mseal", "would pin guest-range bookkeeping"),
];

/// Index of each syscall number's [`TABLE`] entry (`u16::MAX`: none): one load per syscall
/// where a binary search over the table took about 55 instructions.
static INDEX: [u16; INDEX_LEN] = {
    let mut ix = [u16::MAX; INDEX_LEN];
    let mut i = 0;
    while i < TABLE.len() {
        ix[TABLE[i].nr as usize] = i as u16;
        i += 1;
    }
    ix
};
const INDEX_LEN: usize = TABLE[TABLE.len() - 1].nr as usize + 1;

pub fn lookup(nr: u64) -> Option<&'static Sys> {
    match INDEX.get(usize::try_from(nr).ok()?) {
        Some(&i) if i != u16::MAX => Some(&TABLE[i as usize]),
        _ => None,
    }
}

/// The host number of a syscall that [`do_syscall`] would pass through unchanged with nothing
/// else to do (no tracing, no change of the mappings): the hot path of [`aot_helper_syscall`].
#[inline(always)]
fn plain_passthrough(nr: u64) -> Option<i64> {
    if STRACE.load(Ordering::Relaxed) || changes_mappings(nr) {
        return None;
    }
    match lookup(nr)?.handler {
        Handler::Host(h) => Some(h),
        _ => None,
    }
}

/// shmdt, brk, munmap, mremap, mmap, mprotect: /proc/self/maps and the time vDSO state follow.
#[inline(always)]
fn changes_mappings(nr: u64) -> bool {
    matches!(nr, 197 | 214 | 215 | 216 | 222 | 226)
}

pub fn do_syscall(st: &mut CpuState, nr: u64, a: &Args) -> i64 {
    if let Some(h) = plain_passthrough(nr) {
        return signal::safe_syscall(h, a);
    }
    do_syscall_slow(st, nr, a)
}

#[inline(never)]
fn do_syscall_slow(st: &mut CpuState, nr: u64, a: &Args) -> i64 {
    let ent = lookup(nr);
    let trace = STRACE.load(Ordering::Relaxed);
    // Printed before the call: exit/exit_group and a successful execve do not come back.
    let call = trace.then(|| strace::format_call(nr, ent.map_or("unknown", |s| s.name), a));
    if let Some(c) = &call {
        if matches!(nr, 93 | 94 | 221 | 281) {
            write_stderr(&format!("{c}{}", if matches!(nr, 93 | 94) { " = ?\n" } else { "\n" }));
        }
    }
    if changes_mappings(nr) {
        time::mappings_changed();
    }
    let r = match ent.map(|s| s.handler) {
        // Passthrough syscalls may block: a signal must interrupt them, never be lost.
        Some(Handler::Host(h)) => signal::safe_syscall(h, a),
        Some(Handler::Func(f)) => f(st, a),
        Some(Handler::None) | None => {
            strace::unsupported_syscall(nr, ent.map(|s| s.name));
            ENOSYS
        }
    };
    if let Some(mut c) = call {
        if matches!(nr, 220 | 435) && r == 0 {
            // the child's line: its own thread id
            let tid = sys(libc::SYS_gettid, &[]);
            c = format!("{tid}{}", &c[c.find(' ').unwrap_or(0)..]);
        }
        write_stderr(&format!("{c}{}", strace::format_result(nr, r)));
    }
    r
}

/// SVC: syscall number in x8, arguments in x0..x5, result to x0.
///
/// # Safety
/// `st` must be the live state of the calling guest thread (called by translated code).
#[no_mangle]
pub unsafe extern "C" fn aot_helper_syscall(st: *mut CpuState, _a0: u64, _a1: u64, _a2: u64) -> u64 {
    // SAFETY: translated code passes the live state of the current guest thread.
    let st = unsafe { &mut *st };
    let nr = st.x[8];
    // The hot path (read, write, ... with no signal around them): the same steps as the loop
    // below without its set-up; anything else continues there with the result.
    if let Some(h) = plain_passthrough(nr) {
        let r = {
            let _parked = crate::reclaim::park();
            signal::safe_syscall(h, &[st.x[0], st.x[1], st.x[2], st.x[3], st.x[4], st.x[5]])
        };
        if r != signal::ERESTART_INTERNAL && !signal::pending() {
            st.x[0] = r as u64;
            return r as u64;
        }
        return syscall_loop(st, nr, Some(r));
    }
    syscall_loop(st, nr, None)
}

/// Make syscall `nr` (unless `done` holds the result of a first attempt), deliver the signals
/// that came meanwhile and restart it as the kernel would.
#[inline(never)]
fn syscall_loop(st: &mut CpuState, nr: u64, mut done: Option<i64>) -> u64 {
    let a = [st.x[0], st.x[1], st.x[2], st.x[3], st.x[4], st.x[5]];
    loop {
        // Parked: no guest code runs inside do_syscall (handlers run below, after it), so the
        // reclaimer may scan this thread while it blocks (crate::reclaim).
        let r = done.take().unwrap_or_else(|| {
            let _parked = crate::reclaim::park();
            do_syscall(st, nr, &a)
        });
        if r == signal::ERESTART_INTERNAL {
            // A signal came before the syscall started: deliver it, then make the syscall.
            signal::deliver_pending(st);
            continue;
        }
        st.x[0] = r as u64;
        if !signal::pending() {
            return r as u64;
        }
        let d = signal::deliver_pending(st);
        if !(r == -(libc::EINTR as i64) && d.restart && restartable(nr)) {
            return st.x[0];
        }
    }
}

/// Interrupted syscalls the kernel restarts for SA_RESTART handlers (not the ERESTARTNOHAND /
/// restart-block ones: sleeps, poll/select, signal waits).
fn restartable(nr: u64) -> bool {
    !matches!(nr, 22 | 72 | 73 | 101 | 115 | 133 | 137 | 441)
}

/// docs/syscalls.md, rendered from [`TABLE`].
pub fn render_markdown() -> String {
    let mut s = String::new();
    s += "# Guest system calls\n\n";
    s += "Generated from `runtime/src/syscall/mod.rs` (`TABLE`) by the test `syscall_doc_is_current`;\n";
    s += "regenerate with `UPDATE_SYSCALL_DOC=1 cargo test -p aot-runtime`.\n\n";
    s += "Numbers are aarch64 (asm-generic). *passthrough*: the x86-64 syscall with the same meaning is\n";
    s += "called with the arguments unchanged (identical layouts); *translated*: a runtime handler converts\n";
    s += "arguments/results or emulates it; *ENOSYS*: returns -ENOSYS. Any number not listed returns -ENOSYS.\n";
    s += "`AOT_STRACE=1` logs every guest syscall to stderr with decoded arguments (`syscall/strace.rs`);\n";
    s += "a syscall that gets -ENOSYS here (except rseq) and an ioctl request the runtime does not know are\n";
    s += "reported once each on stderr even without it.\n\n";
    let count = |c| TABLE.iter().filter(|s| s.class() == c).count();
    s += &format!(
        "{} entries: {} translated, {} passthrough, {} ENOSYS.\n\n",
        TABLE.len(),
        count(Class::Translated),
        count(Class::Passthrough),
        count(Class::Enosys)
    );
    s += "| nr | name | class | x86-64 nr | notes |\n|---:|---|---|---:|---|\n";
    for e in TABLE {
        let (class, host) = match e.handler {
            Handler::Host(h) => ("passthrough", h.to_string()),
            Handler::Func(_) => ("translated", String::new()),
            Handler::None => ("ENOSYS", String::new()),
        };
        s += &format!("| {} | {} | {} | {} | {} |\n", e.nr, e.name, class, host, e.note);
    }
    s += &fd::render_ioctl_markdown();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn table_sorted_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} / {}", w[0].name, w[1].name);
        }
        let mut names: Vec<_> = TABLE.iter().map(|s| s.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate names");
        assert!(TABLE.iter().all(|s| s.nr < 512));
    }

    #[test]
    fn lookup_finds_every_entry_and_nothing_else() {
        for nr in (0..1024u64).chain([u32::MAX as u64 + 64, u64::MAX]) {
            let want = TABLE.iter().find(|s| s.nr as u64 == nr);
            assert_eq!(lookup(nr).map(|s| s.name), want.map(|s| s.name), "nr {nr}");
        }
    }
    #[test]
    fn known_numbers() {
        for (nr, name) in [(56, "openat"), (57, "close"), (63, "read"), (64, "write"), (79, "newfstatat"), (93, "exit"),
            (94, "exit_group"), (98, "futex"), (113, "clock_gettime"), (160, "uname"), (214, "brk"), (222, "mmap"),
            (226, "mprotect"), (261, "prlimit64"), (278, "getrandom"), (291, "statx"), (293, "rseq"), (435, "clone3")] {
            assert_eq!(lookup(nr).map(|s| s.name), Some(name));
        }
        assert!(lookup(250).is_none());
        assert!(lookup(u64::MAX).is_none());
    }
    #[test]
    fn unknown_is_enosys() {
        let mut st = CpuState::default();
        assert_eq!(do_syscall(&mut st, 9999, &[0; 6]), ENOSYS);
        assert_eq!(do_syscall(&mut st, 293, &[0; 6]), ENOSYS);
        // SAFETY: getpid has no preconditions.
        assert_eq!(do_syscall(&mut st, 172, &[0; 6]), unsafe { libc::getpid() } as i64);
    }
    #[test]
    fn syscall_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/syscalls.md");
        let want = render_markdown();
        if std::env::var_os("UPDATE_SYSCALL_DOC").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/syscalls.md is stale: run UPDATE_SYSCALL_DOC=1 cargo test -p aot-runtime");
    }
}
