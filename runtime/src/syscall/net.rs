//! Sockets.
//!
//! Every socket syscall passes through unchanged: the audit (kernel uapi headers, and glibc's
//! socket structs and constants compiled for aarch64 and x86-64 with their sizes, offsets and values
//! diffed) found no difference:
//! - both architectures use asm-generic `socket.h`/`sockios.h`: SOL_SOCKET is 1 and every SO_*,
//!   SCM_*, MSG_*, AF_*, SOCK_* value is the same (SOCK_NONBLOCK/SOCK_CLOEXEC are O_NONBLOCK/
//!   O_CLOEXEC, which are equal on both);
//! - LP64 on both: `struct msghdr` (56 bytes, msg_controllen a size_t), `struct cmsghdr` (16,
//!   CMSG_ALIGN to 8), `struct mmsghdr` (64), `struct linger` (8), `struct ucred` (12), timeval
//!   (16), sockaddr_* and `struct ifreq`/`ifconf` (40/16) have one layout;
//! - SCM_RIGHTS carries host descriptors, which are the guest's descriptors (one fd table);
//!   SCM_CREDENTIALS carries host pid/uid/gid, which is what the guest sees from getpid().
//!
//! The socket ioctls (SIOCGIF*, SIOCGSTAMP, FIOSETOWN...) are in the ioctl table in fd.rs.
//! What follows are the checks that keep this true.

#[cfg(test)]
mod tests {
    use super::super::{do_syscall, lookup, Class};
    use crate::CpuState;
    use core::mem::{offset_of, size_of};

    /// aarch64 sizes and offsets (from the aarch64 glibc headers) that the host's must equal for
    /// passthrough to be right.
    #[test]
    fn socket_layouts_match_aarch64() {
        assert_eq!(size_of::<libc::msghdr>(), 56);
        assert_eq!(offset_of!(libc::msghdr, msg_control), 32);
        assert_eq!(offset_of!(libc::msghdr, msg_controllen), 40);
        assert_eq!(offset_of!(libc::msghdr, msg_flags), 48);
        assert_eq!(size_of::<libc::cmsghdr>(), 16);
        assert_eq!(size_of::<libc::mmsghdr>(), 64);
        assert_eq!(size_of::<libc::linger>(), 8);
        assert_eq!(size_of::<libc::ucred>(), 12);
        assert_eq!(size_of::<libc::sockaddr_un>(), 110);
        assert_eq!(size_of::<libc::sockaddr_in6>(), 28);
        assert_eq!(size_of::<libc::sockaddr_storage>(), 128);
        assert_eq!(size_of::<libc::timeval>(), 16);
        assert_eq!(size_of::<libc::ifreq>(), 40);
        // asm-generic values the guest uses
        assert_eq!((libc::SOL_SOCKET, libc::SO_REUSEADDR, libc::SO_RCVBUF, libc::SO_LINGER), (1, 2, 8, 13));
        assert_eq!((libc::SO_PASSCRED, libc::SO_PEERCRED, libc::SO_RCVTIMEO, libc::SO_ACCEPTCONN), (16, 17, 20, 30));
        assert_eq!((libc::SCM_RIGHTS, libc::SCM_CREDENTIALS), (1, 2));
        assert_eq!((libc::SOCK_NONBLOCK, libc::SOCK_CLOEXEC), (0o4000, 0o2000000));
        assert_eq!(libc::MSG_CMSG_CLOEXEC, 0x4000_0000);
    }

    #[test]
    fn socket_calls_pass_through() {
        for nr in 198..=212 {
            assert_eq!(lookup(nr).map(|s| s.class()), Some(Class::Passthrough), "{nr}");
        }
        for nr in [242, 243, 269] {
            assert_eq!(lookup(nr).map(|s| s.class()), Some(Class::Passthrough), "{nr}");
        }
    }

    /// socketpair + sendmsg(SCM_RIGHTS) + recvmsg through the guest syscall numbers: the received
    /// descriptor works.
    #[test]
    fn scm_rights_through_guest_numbers() {
        let mut st = CpuState::default();
        let mut sv = [0i32; 2];
        let r = do_syscall(&mut st, 199, &[libc::AF_UNIX as u64, libc::SOCK_DGRAM as u64, 0, sv.as_mut_ptr() as u64, 0, 0]);
        assert_eq!(r, 0);
        let mut p = [0i32; 2];
        assert_eq!(do_syscall(&mut st, 59, &[p.as_mut_ptr() as u64, 0, 0, 0, 0, 0]), 0);
        let mut ctl = [0u64; 3]; // cmsghdr (16) + one int, CMSG_SPACE = 24
        ctl[0] = 20; // CMSG_LEN(4)
        ctl[1] = (libc::SOL_SOCKET as u64) | ((libc::SCM_RIGHTS as u64) << 32);
        ctl[2] = p[1] as u32 as u64;
        let byte = [b'x'];
        let iov = libc::iovec { iov_base: byte.as_ptr() as *mut _, iov_len: 1 };
        // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the syscalls.
        let mut mh: libc::msghdr = unsafe { core::mem::zeroed() };
        mh.msg_iov = &iov as *const _ as *mut _;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.as_mut_ptr() as *mut _;
        mh.msg_controllen = 24;
        assert_eq!(do_syscall(&mut st, 211, &[sv[0] as u64, &mh as *const _ as u64, 0, 0, 0, 0]), 1);
        let mut rctl = [0u64; 3];
        let mut rb = [0u8; 1];
        let riov = libc::iovec { iov_base: rb.as_mut_ptr() as *mut _, iov_len: 1 };
        // SAFETY: as above.
        let mut rh: libc::msghdr = unsafe { core::mem::zeroed() };
        rh.msg_iov = &riov as *const _ as *mut _;
        rh.msg_iovlen = 1;
        rh.msg_control = rctl.as_mut_ptr() as *mut _;
        rh.msg_controllen = 24;
        assert_eq!(do_syscall(&mut st, 212, &[sv[1] as u64, &mut rh as *mut _ as u64, 0, 0, 0, 0]), 1);
        assert_eq!(rctl[0], 20);
        let fd = rctl[2] as u32 as u64;
        assert_eq!(do_syscall(&mut st, 64, &[fd, b"ok".as_ptr() as u64, 2, 0, 0, 0]), 2);
        let mut got = [0u8; 2];
        assert_eq!(do_syscall(&mut st, 63, &[p[0] as u64, got.as_mut_ptr() as u64, 2, 0, 0, 0]), 2);
        assert_eq!(&got, b"ok");
        for f in [sv[0] as u64, sv[1] as u64, p[0] as u64, p[1] as u64, fd] {
            do_syscall(&mut st, 57, &[f, 0, 0, 0, 0, 0]);
        }
    }
}
