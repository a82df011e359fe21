//! File descriptors: fcntl, ioctl, pipe2, epoll.

use super::fs::{open_flags_to_guest, open_flags_to_host};
use super::{signal, Args};
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;

const F_SETSIG: i32 = 10;
const F_GETSIG: i32 = 11;

pub fn fcntl(_: &mut CpuState, a: &Args) -> i64 {
    match a[1] as i32 {
        libc::F_GETFL => {
            let r = sys(libc::SYS_fcntl, &[a[0], a[1]]);
            if r < 0 {
                r
            } else {
                open_flags_to_guest(r as u64) as i64
            }
        }
        libc::F_SETFL => sys(libc::SYS_fcntl, &[a[0], a[1], open_flags_to_host(a[2])]),
        // Signal numbers go through the signal table (0 = SIGIO stays 0).
        F_SETSIG => match a[2] {
            0 => sys(libc::SYS_fcntl, &[a[0], a[1], 0]),
            g => match signal::host_sig(g) {
                Some(h) => sys(libc::SYS_fcntl, &[a[0], a[1], h as u64]),
                None => EINVAL,
            },
        },
        F_GETSIG => {
            let r = sys(libc::SYS_fcntl, &[a[0], a[1]]);
            if r > 0 {
                signal::guest_sig(r as i32).map(|g| g as i64).unwrap_or(r)
            } else {
                r
            }
        }
        // Lock waits block: a safe syscall, so a guest signal interrupts them (EINTR) and none
        // is lost before the wait starts.
        libc::F_SETLKW | libc::F_OFD_SETLKW => signal::safe_syscall(libc::SYS_fcntl, &a[..3]),
        // Every other command has the same number and argument layout on both (struct flock and
        // f_owner_ex are identical on 64-bit).
        _ => sys(libc::SYS_fcntl, &a[..3]),
    }
}

/// How one ioctl request is handled.
#[derive(Copy, Clone)]
pub enum IoctlKind {
    /// Same number and argument layout on aarch64 and x86-64: passed to the host unchanged.
    Pass,
    /// Converted by a handler (fd, request, argument).
    Func(fn(u64, u64, u64) -> i64),
}

/// One ioctl request the guest may use: aarch64 number (also the x86-64 number: both use the
/// asm-generic `_IOC` encoding and ioctl numbers), name, handling and a note.
#[derive(Copy, Clone)]
pub struct Ioctl {
    pub nr: u32,
    pub name: &'static str,
    pub kind: IoctlKind,
    pub note: &'static str,
}

const fn io(nr: u32, name: &'static str) -> Ioctl {
    Ioctl { nr, name, kind: IoctlKind::Pass, note: "" }
}
const fn ion(nr: u32, name: &'static str, note: &'static str) -> Ioctl {
    Ioctl { nr, name, kind: IoctlKind::Pass, note }
}
const fn iot(nr: u32, name: &'static str, f: fn(u64, u64, u64) -> i64, note: &'static str) -> Ioctl {
    Ioctl { nr, name, kind: IoctlKind::Func(f), note }
}

/// The ioctl table (sorted by number). Every number and argument layout here was compared between
/// aarch64 and x86-64 (kernel uapi headers; glibc's termios, ifreq, ifconf, winsize, serial and
/// fs structs compiled for both and their sizes/offsets diffed): struct termios (asm-generic
/// termbits, NCCS 19, 36 bytes) and termios2 (44), struct termio, winsize, ifreq (40 bytes, ifmap
/// 24), ifconf (16), the `_IOC` direction/size encoding and every number below are identical, so
/// only requests whose *argument values* carry differing constants are translated. Anything else
/// returns -ENOTTY (what the kernel answers for a request the file does not implement; qemu-user
/// does the same) and is logged once on stderr: passing an unknown request through could hand the
/// host a struct laid out for another architecture.
#[rustfmt::skip]
pub static IOCTLS: &[Ioctl] = &[
    io(0x0001, "FIBMAP"),
    io(0x0002, "FIGETBSZ"),
    io(0x125d, "BLKROSET"),
    io(0x125e, "BLKROGET"),
    io(0x125f, "BLKRRPART"),
    io(0x1260, "BLKGETSIZE"),
    io(0x1261, "BLKFLSBUF"),
    io(0x1262, "BLKRASET"),
    io(0x1263, "BLKRAGET"),
    io(0x1267, "BLKSECTGET"),
    io(0x1268, "BLKSSZGET"),
    io(0x1277, "BLKDISCARD"),
    io(0x1278, "BLKIOMIN"),
    io(0x1279, "BLKIOOPT"),
    io(0x127b, "BLKPBSZGET"),
    io(0x127c, "BLKDISCARDZEROES"),
    io(0x127f, "BLKZEROOUT"),
    io(0x5401, "TCGETS"),
    io(0x5402, "TCSETS"),
    io(0x5403, "TCSETSW"),
    io(0x5404, "TCSETSF"),
    io(0x5405, "TCGETA"),
    io(0x5406, "TCSETA"),
    io(0x5407, "TCSETAW"),
    io(0x5408, "TCSETAF"),
    io(0x5409, "TCSBRK"),
    io(0x540a, "TCXONC"),
    io(0x540b, "TCFLSH"),
    io(0x540c, "TIOCEXCL"),
    io(0x540d, "TIOCNXCL"),
    io(0x540e, "TIOCSCTTY"),
    io(0x540f, "TIOCGPGRP"),
    io(0x5410, "TIOCSPGRP"),
    io(0x5411, "TIOCOUTQ"),
    io(0x5412, "TIOCSTI"),
    io(0x5413, "TIOCGWINSZ"),
    io(0x5414, "TIOCSWINSZ"),
    io(0x5415, "TIOCMGET"),
    io(0x5416, "TIOCMBIS"),
    io(0x5417, "TIOCMBIC"),
    io(0x5418, "TIOCMSET"),
    io(0x5419, "TIOCGSOFTCAR"),
    io(0x541a, "TIOCSSOFTCAR"),
    ion(0x541b, "FIONREAD", "also TIOCINQ, SIOCINQ"),
    io(0x541d, "TIOCCONS"),
    ion(0x541e, "TIOCGSERIAL", "struct serial_struct: same LP64 layout"),
    io(0x541f, "TIOCSSERIAL"),
    io(0x5420, "TIOCPKT"),
    io(0x5421, "FIONBIO"),
    io(0x5422, "TIOCNOTTY"),
    io(0x5423, "TIOCSETD"),
    io(0x5424, "TIOCGETD"),
    io(0x5425, "TCSBRKP"),
    io(0x5427, "TIOCSBRK"),
    io(0x5428, "TIOCCBRK"),
    io(0x5429, "TIOCGSID"),
    io(0x542e, "TIOCGRS485"),
    io(0x542f, "TIOCSRS485"),
    io(0x5432, "TCGETX"),
    io(0x5437, "TIOCVHANGUP"),
    iot(0x5441, "TIOCGPTPEER", tiocgptpeer, "the argument is open flags: converted"),
    io(0x5450, "FIONCLEX"),
    io(0x5451, "FIOCLEX"),
    io(0x5452, "FIOASYNC"),
    io(0x5459, "TIOCSERGETLSR"),
    io(0x545c, "TIOCMIWAIT"),
    io(0x545d, "TIOCGICOUNT"),
    io(0x5460, "FIOQSIZE"),
    io(0x8901, "FIOSETOWN"),
    io(0x8902, "SIOCSPGRP"),
    io(0x8903, "FIOGETOWN"),
    io(0x8904, "SIOCGPGRP"),
    io(0x8905, "SIOCATMARK"),
    ion(0x8906, "SIOCGSTAMP", "struct timeval: 16 bytes on both"),
    io(0x8907, "SIOCGSTAMPNS"),
    ion(0x8910, "SIOCGIFNAME", "struct ifreq: 40 bytes on both"),
    ion(0x8912, "SIOCGIFCONF", "struct ifconf: 16 bytes on both"),
    io(0x8913, "SIOCGIFFLAGS"),
    io(0x8914, "SIOCSIFFLAGS"),
    io(0x8915, "SIOCGIFADDR"),
    io(0x8916, "SIOCSIFADDR"),
    io(0x8917, "SIOCGIFDSTADDR"),
    io(0x8919, "SIOCGIFBRDADDR"),
    io(0x891b, "SIOCGIFNETMASK"),
    io(0x891d, "SIOCGIFMETRIC"),
    io(0x8921, "SIOCGIFMTU"),
    io(0x8922, "SIOCSIFMTU"),
    io(0x8927, "SIOCGIFHWADDR"),
    io(0x8933, "SIOCGIFINDEX"),
    io(0x8935, "SIOCGIFPFLAGS"),
    io(0x8938, "SIOCGIFCOUNT"),
    io(0x8942, "SIOCGIFTXQLEN"),
    ion(0x8946, "SIOCETHTOOL", "ethtool structs are fixed-width"),
    io(0x894b, "SIOCOUTQNSD"),
    io(0x8970, "SIOCGIFMAP"),
    io(0x4004_5431, "TIOCSPTLCK"),
    iot(0x4004_5436, "TIOCSIG", tiocsig, "signal number mapped through the signal table"),
    io(0x4004_9409, "FICLONE"),
    io(0x4008_6602, "FS_IOC_SETFLAGS"),
    io(0x4008_7602, "FS_IOC_SETVERSION"),
    io(0x401c_5820, "FS_IOC_FSSETXATTR"),
    io(0x4020_940d, "FICLONERANGE"),
    io(0x402c_542b, "TCSETS2"),
    io(0x402c_542c, "TCSETSW2"),
    io(0x402c_542d, "TCSETSF2"),
    io(0x8004_5430, "TIOCGPTN"),
    io(0x8004_5432, "TIOCGDEV"),
    io(0x8004_5438, "TIOCGPKT"),
    io(0x8004_5439, "TIOCGPTLCK"),
    io(0x8004_5440, "TIOCGEXCL"),
    io(0x8008_1270, "BLKBSZGET"),
    io(0x8008_1272, "BLKGETSIZE64"),
    io(0x8008_6601, "FS_IOC_GETFLAGS"),
    io(0x8008_7601, "FS_IOC_GETVERSION"),
    io(0x8010_8906, "SIOCGSTAMP_NEW"),
    io(0x8010_8907, "SIOCGSTAMPNS_NEW"),
    io(0x801c_581f, "FS_IOC_FSGETXATTR"),
    io(0x802c_542a, "TCGETS2"),
    io(0x8100_9431, "FS_IOC_GETFSLABEL"),
    io(0xc004_5877, "FIFREEZE"),
    io(0xc004_5878, "FITHAW"),
    io(0xc018_5879, "FITRIM"),
    io(0xc018_9436, "FIDEDUPERANGE"),
    io(0xc020_660b, "FS_IOC_FIEMAP"),
];

pub fn ioctl_entry(req: u32) -> Option<&'static Ioctl> {
    IOCTLS.binary_search_by_key(&req, |e| e.nr).ok().map(|i| &IOCTLS[i])
}

/// TIOCGPTPEER(master, flags): opens the slave with open(2) flags.
fn tiocgptpeer(fd: u64, req: u64, flags: u64) -> i64 {
    sys(libc::SYS_ioctl, &[fd, req, open_flags_to_host(flags)])
}

/// TIOCSIG(master, sig): a signal number for the slave's foreground process group.
fn tiocsig(fd: u64, req: u64, sig: u64) -> i64 {
    match signal::host_sig(sig) {
        Some(h) => sys(libc::SYS_ioctl, &[fd, req, h as u64]),
        None => EINVAL,
    }
}

/// ioctl(fd, request, arg). The request is 32 bits wide for the kernel (`unsigned int cmd`).
pub fn ioctl(_: &mut CpuState, a: &Args) -> i64 {
    let req = a[1] as u32;
    match ioctl_entry(req).map(|e| e.kind) {
        // Some wait (TCSBRK/tcdrain, TCSETSW, TIOCMIWAIT): safe syscall, as for passthrough.
        Some(IoctlKind::Pass) => signal::safe_syscall(libc::SYS_ioctl, &[a[0], req as u64, a[2]]),
        Some(IoctlKind::Func(f)) => f(a[0], req as u64, a[2]),
        None => {
            // A bad descriptor is reported before the request is looked at, as by the kernel.
            let r = sys(libc::SYS_fcntl, &[a[0], libc::F_GETFD as u64]);
            if r < 0 {
                return r;
            }
            super::strace::unsupported_ioctl(req as u64);
            -(libc::ENOTTY as i64)
        }
    }
}

/// The ioctl section of docs/syscalls.md.
pub fn render_ioctl_markdown() -> String {
    let mut s = String::from("\n## ioctl requests\n\n");
    s += "Generated from `runtime/src/syscall/fd.rs` (`IOCTLS`). The request numbers are the same on aarch64\n";
    s += "and x86-64 (asm-generic `_IOC` encoding); *passthrough* requests have identical argument layouts,\n";
    s += "*translated* ones have converted arguments. Other requests return -ENOTTY (after -EBADF for a bad\n";
    s += "descriptor) and are logged once on stderr.\n\n";
    let tr = IOCTLS.iter().filter(|e| matches!(e.kind, IoctlKind::Func(_))).count();
    s += &format!("{} requests: {} translated, {} passthrough.\n\n", IOCTLS.len(), tr, IOCTLS.len() - tr);
    s += "| request | name | class | notes |\n|---:|---|---|---|\n";
    for e in IOCTLS {
        let class = if matches!(e.kind, IoctlKind::Func(_)) { "translated" } else { "passthrough" };
        s += &format!("| 0x{:x} | {} | {} | {} |\n", e.nr, e.name, class, e.note);
    }
    s
}

pub fn pipe2(_: &mut CpuState, a: &Args) -> i64 {
    sys(libc::SYS_pipe2, &[a[0], open_flags_to_host(a[1])])
}

const EPOLL_CTL_DEL: u64 = 2;
const MAX_EVENTS: usize = 1024;

pub fn epoll_ctl(_: &mut CpuState, a: &Args) -> i64 {
    if a[1] == EPOLL_CTL_DEL || a[3] == 0 {
        return sys(libc::SYS_epoll_ctl, &a[..4]);
    }
    let mut ev = [0u8; 16];
    if guest::read(a[3], &mut ev).is_err() {
        return EFAULT;
    }
    let mut host = [0u8; 12];
    host[..4].copy_from_slice(&ev[..4]);
    host[4..].copy_from_slice(&ev[8..]);
    sys(libc::SYS_epoll_ctl, &[a[0], a[1], a[2], host.as_ptr() as u64])
}

fn epoll_wait_common(nr: i64, a: &Args) -> i64 {
    let max = a[2] as i32;
    if max <= 0 {
        return EINVAL;
    }
    let n = (max as usize).min(MAX_EVENTS);
    let mut buf = vec![0u8; n * 12];
    let r = super::signal::with_temp_mask(nr, &[a[0], buf.as_mut_ptr() as u64, n as u64, a[3], a[4], a[5]], 4);
    if r <= 0 {
        return r;
    }
    let mut out = vec![0u8; r as usize * 16];
    for i in 0..r as usize {
        out[i * 16..i * 16 + 4].copy_from_slice(&buf[i * 12..i * 12 + 4]);
        out[i * 16 + 8..i * 16 + 16].copy_from_slice(&buf[i * 12 + 4..i * 12 + 12]);
    }
    match guest::write(a[1], &out) {
        Ok(()) => r,
        Err(e) => e,
    }
}

pub fn epoll_pwait(_: &mut CpuState, a: &Args) -> i64 {
    epoll_wait_common(libc::SYS_epoll_pwait, a)
}

pub fn epoll_pwait2(_: &mut CpuState, a: &Args) -> i64 {
    epoll_wait_common(libc::SYS_epoll_pwait2, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ioctl_unknown_is_enotty() {
        let mut st = CpuState::default();
        assert_eq!(ioctl(&mut st, &[0, 0x1234, 0, 0, 0, 0]), -(libc::ENOTTY as i64));
        // a bad descriptor comes first, as in the kernel
        assert_eq!(ioctl(&mut st, &[9999, 0x1234, 0, 0, 0, 0]), -(libc::EBADF as i64));
        // the upper 32 bits of the request are ignored (the kernel's cmd is an unsigned int)
        let mut n = 0i32;
        let mut fds = [0i32; 2];
        assert_eq!(pipe2(&mut st, &[fds.as_mut_ptr() as u64, 0, 0, 0, 0, 0]), 0);
        sys(libc::SYS_write, &[fds[1] as u64, b"abc".as_ptr() as u64, 3]);
        assert_eq!(ioctl(&mut st, &[fds[0] as u64, 0xffff_ffff_0000_541b, &mut n as *mut i32 as u64, 0, 0, 0]), 0);
        assert_eq!(n, 3);
        sys(libc::SYS_close, &[fds[0] as u64]);
        sys(libc::SYS_close, &[fds[1] as u64]);
    }
    #[test]
    fn tiocgptpeer_converts_open_flags() {
        let mut st = CpuState::default();
        let m = sys(libc::SYS_openat, &[libc::AT_FDCWD as u64, c"/dev/ptmx".as_ptr() as u64, (libc::O_RDWR | libc::O_NOCTTY) as u64]);
        if m < 0 {
            return; // no pty support in this environment
        }
        let unlock = 0i32;
        assert_eq!(ioctl(&mut st, &[m as u64, 0x4004_5431, &unlock as *const i32 as u64, 0, 0, 0]), 0);
        // aarch64 O_RDWR | O_NOCTTY | O_LARGEFILE (0x20000) | O_CLOEXEC
        let peer = ioctl(&mut st, &[m as u64, 0x5441, 0x2 | 0x100 | 0x2_0000 | 0x8_0000, 0, 0, 0]);
        assert!(peer >= 0, "{peer}");
        let host_fl = sys(libc::SYS_fcntl, &[peer as u64, libc::F_GETFL as u64]);
        assert_eq!(host_fl & 0x8000, 0x8000, "host O_LARGEFILE set");
        assert_eq!(host_fl & 0x2_0000, 0, "not the host's O_NOFOLLOW");
        let mut fcst = CpuState::default();
        let g = fcntl(&mut fcst, &[peer as u64, libc::F_GETFL as u64, 0, 0, 0, 0]);
        assert_eq!(g & 0x2_0003, 0x2_0002, "guest sees its own O_LARGEFILE and O_RDWR");
        assert_eq!(sys(libc::SYS_fcntl, &[peer as u64, libc::F_GETFD as u64]), libc::FD_CLOEXEC as i64);
        sys(libc::SYS_close, &[peer as u64]);
        sys(libc::SYS_close, &[m as u64]);
    }
    #[test]
    fn ioctl_table_sorted_and_matches_host_numbers() {
        for w in IOCTLS.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} / {}", w[0].name, w[1].name);
        }
        // spot checks against the host's (x86-64) constants: the numbers must be equal
        for (nr, host) in [
            ("TCGETS", libc::TCGETS as u32), ("TCSETSF", libc::TCSETSF as u32), ("TIOCGWINSZ", libc::TIOCGWINSZ as u32),
            ("TIOCSWINSZ", libc::TIOCSWINSZ as u32), ("FIONREAD", libc::FIONREAD as u32), ("FIONBIO", libc::FIONBIO as u32),
            ("FIOCLEX", libc::FIOCLEX as u32), ("FIONCLEX", libc::FIONCLEX as u32), ("TIOCGPTN", libc::TIOCGPTN as u32),
            ("TIOCSPTLCK", libc::TIOCSPTLCK as u32), ("TIOCSCTTY", libc::TIOCSCTTY as u32), ("TIOCGPGRP", libc::TIOCGPGRP as u32),
            ("SIOCGIFCONF", libc::SIOCGIFCONF as u32), ("SIOCGIFFLAGS", libc::SIOCGIFFLAGS as u32),
            ("SIOCGIFINDEX", libc::SIOCGIFINDEX as u32), ("TCGETS2", libc::TCGETS2 as u32), ("TIOCGPTPEER", libc::TIOCGPTPEER as u32),
            ("FICLONE", libc::FICLONE as u32), ("FS_IOC_GETFLAGS", libc::FS_IOC_GETFLAGS as u32),
        ] {
            assert_eq!(IOCTLS.iter().find(|e| e.name == nr).map(|e| e.nr), Some(host), "{nr}");
        }
        assert_eq!(core::mem::size_of::<libc::termios>(), 60, "glibc's own termios; the kernel's is 36");
        assert_eq!(core::mem::size_of::<libc::winsize>(), 8);
        assert_eq!(core::mem::size_of::<libc::ifreq>(), 40);
    }
    #[test]
    fn epoll_roundtrip() {
        let mut st = CpuState::default();
        let ep = sys(libc::SYS_epoll_create1, &[0]);
        assert!(ep >= 0);
        let mut fds = [0i32; 2];
        assert_eq!(pipe2(&mut st, &[fds.as_mut_ptr() as u64, 0, 0, 0, 0, 0]), 0);
        let mut ev = [0u8; 16];
        ev[..4].copy_from_slice(&(libc::EPOLLIN as u32).to_le_bytes());
        ev[8..].copy_from_slice(&0x1122334455667788u64.to_le_bytes());
        assert_eq!(epoll_ctl(&mut st, &[ep as u64, 1, fds[0] as u64, ev.as_ptr() as u64, 0, 0]), 0);
        assert_eq!(sys(libc::SYS_write, &[fds[1] as u64, b"x".as_ptr() as u64, 1]), 1);
        let mut out = [0u8; 32];
        assert_eq!(epoll_pwait(&mut st, &[ep as u64, out.as_mut_ptr() as u64, 2, 0, 0, 8]), 1);
        assert_eq!(u32::from_le_bytes(out[..4].try_into().unwrap()), libc::EPOLLIN as u32);
        assert_eq!(u64::from_le_bytes(out[8..16].try_into().unwrap()), 0x1122334455667788);
        for fd in [ep as u64, fds[0] as u64, fds[1] as u64] {
            sys(libc::SYS_close, &[fd]);
        }
    }
}
