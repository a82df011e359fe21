//! File descriptors: fcntl, ioctl, pipe2, epoll.

use super::fs::{open_flags_to_guest, open_flags_to_host};
use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;

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
        // Every other command has the same number and argument layout on both (struct flock and
        // f_owner_ex are identical on 64-bit).
        _ => sys(libc::SYS_fcntl, &a[..3]),
    }
}

/// ioctl requests passed through unchanged (same number and argument layout on aarch64 and
/// x86-64: asm-generic termbits, struct termios with NCCS 19, struct winsize, int).
pub const IOCTL_PASSTHROUGH: &[(u64, &str)] = &[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x5409, "TCSBRK"),
    (0x540A, "TCXONC"),
    (0x540B, "TCFLSH"),
    (0x540E, "TIOCSCTTY"),
    (0x540F, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x541B, "FIONREAD"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5429, "TIOCGSID"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x8004_5430, "TIOCGPTN"),
    (0x4004_5431, "TIOCSPTLCK"),
];

/// Requests not in [`IOCTL_PASSTHROUGH`] return -ENOTTY ("inappropriate ioctl for device"), which is
/// what the kernel answers for a request a device does not implement; programs treat it as "not a
/// terminal / not supported" and carry on.
pub fn ioctl(_: &mut CpuState, a: &Args) -> i64 {
    let req = a[1] & 0xffff_ffff;
    if IOCTL_PASSTHROUGH.iter().any(|&(n, _)| n == req) {
        sys(libc::SYS_ioctl, &[a[0], req, a[2]])
    } else {
        -(libc::ENOTTY as i64)
    }
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
