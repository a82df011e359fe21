//! Files and paths: openat/openat2 (open-flag conversion), stat conversion, readlinkat.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;

/// Open-flag bits whose values differ: (aarch64, x86-64).
const FLAG_MAP: [(u64, u64); 4] = [
    (0x4000, 0x1_0000), // O_DIRECTORY
    (0x8000, 0x2_0000), // O_NOFOLLOW
    (0x1_0000, 0x4000), // O_DIRECT
    (0x2_0000, 0x8000), // O_LARGEFILE
];
const DIFFERING_G: u64 = 0x4000 | 0x8000 | 0x1_0000 | 0x2_0000;

/// aarch64 open flags -> x86-64 (O_TMPFILE = __O_TMPFILE | O_DIRECTORY follows automatically).
pub fn open_flags_to_host(g: u64) -> u64 {
    let mut h = g & !DIFFERING_G;
    for (a, x) in FLAG_MAP {
        if g & a != 0 {
            h |= x;
        }
    }
    h
}

/// x86-64 open flags -> aarch64.
pub fn open_flags_to_guest(h: u64) -> u64 {
    let mut g = h & !DIFFERING_G;
    for (a, x) in FLAG_MAP {
        if h & x != 0 {
            g |= a;
        }
    }
    g
}

pub fn openat(_: &mut CpuState, a: &Args) -> i64 {
    let flags = open_flags_to_host(a[2]);
    if flags & libc::O_ACCMODE as u64 == libc::O_RDONLY as u64 {
        if let Ok(path) = guest::read_cstr(a[1], 64) {
            if is_self_exe(&path) {
                return open_guest_image(flags);
            }
            if let Some(fd) = super::procfs::open(&path, flags) {
                return fd;
            }
        }
    }
    sys(libc::SYS_openat, &[a[0], a[1], flags, a[3]])
}

/// Opening /proc/self/exe read-only gives the guest its own (AArch64) ELF file: a memfd holding the
/// embedded image.
fn open_guest_image(flags: u64) -> i64 {
    let cloexec = if flags & libc::O_CLOEXEC as u64 != 0 { libc::MFD_CLOEXEC as u64 } else { 0 };
    let fd = sys(libc::SYS_memfd_create, &[c"aot-guest-exe".as_ptr() as u64, cloexec]);
    if fd < 0 {
        return fd;
    }
    let mut img = crate::glue::image();
    while !img.is_empty() {
        let r = sys(libc::SYS_write, &[fd as u64, img.as_ptr() as u64, img.len() as u64]);
        if r <= 0 {
            sys(libc::SYS_close, &[fd as u64]);
            return if r < 0 { r } else { -(libc::EIO as i64) };
        }
        img = &img[r as usize..];
    }
    sys(libc::SYS_lseek, &[fd as u64, 0, libc::SEEK_SET as u64]);
    fd
}

/// fanotify_init(flags, event_f_flags): the second argument holds the open(2) flags of the
/// descriptors the events will carry (O_RDONLY, O_LARGEFILE, O_CLOEXEC, ...).
pub fn fanotify_init(_: &mut CpuState, a: &Args) -> i64 {
    sys(libc::SYS_fanotify_init, &[a[0], open_flags_to_host(a[1])])
}

/// open_by_handle_at(mount_fd, handle, flags): struct file_handle is arch-independent; the flags
/// are open(2) flags.
pub fn open_by_handle_at(_: &mut CpuState, a: &Args) -> i64 {
    sys(libc::SYS_open_by_handle_at, &[a[0], a[1], open_flags_to_host(a[2])])
}

#[repr(C)]
#[derive(Copy, Clone, Default)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

pub fn openat2(_: &mut CpuState, a: &Args) -> i64 {
    // openat2(dfd, path, how, size): convert the flags of the (first 24 bytes of the) struct.
    if a[3] < 24 {
        return EINVAL;
    }
    let Ok(mut how) = guest::read_obj::<OpenHow>(a[2]) else { return EFAULT };
    if a[3] > 24 {
        // Extension fields must be zero for a kernel that knows only these; let the host decide by
        // passing the guest's own struct with converted flags.
        how.flags = open_flags_to_host(how.flags);
        let mut buf = vec![0u8; a[3].min(4096) as usize];
        if a[3] > 4096 || guest::read(a[2], &mut buf).is_err() {
            return if a[3] > 4096 { -(libc::E2BIG as i64) } else { EFAULT };
        }
        buf[..24].copy_from_slice(guest::bytes_of(&how));
        return sys(libc::SYS_openat2, &[a[0], a[1], buf.as_ptr() as u64, a[3]]);
    }
    how.flags = open_flags_to_host(how.flags);
    sys(libc::SYS_openat2, &[a[0], a[1], &how as *const _ as u64, 24])
}

/// x86-64 `struct stat` (144 bytes).
#[repr(C)]
#[derive(Copy, Clone, Default, Debug)]
pub struct HostStat {
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub pad0: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i64,
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: u64,
    pub mtime: i64,
    pub mtime_nsec: u64,
    pub ctime: i64,
    pub ctime_nsec: u64,
    pub reserved: [i64; 3],
}

/// aarch64 (asm-generic) `struct stat` (128 bytes).
#[repr(C)]
#[derive(Copy, Clone, Default, Debug, PartialEq, Eq)]
pub struct GuestStat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub pad1: u64,
    pub size: i64,
    pub blksize: i32,
    pub pad2: i32,
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: u64,
    pub mtime: i64,
    pub mtime_nsec: u64,
    pub ctime: i64,
    pub ctime_nsec: u64,
    pub unused: [u32; 2],
}

const _: () = assert!(core::mem::size_of::<HostStat>() == 144);
const _: () = assert!(core::mem::size_of::<GuestStat>() == 128);

pub fn stat_to_guest(h: &HostStat) -> GuestStat {
    GuestStat {
        dev: h.dev,
        ino: h.ino,
        mode: h.mode,
        nlink: h.nlink.min(u32::MAX as u64) as u32,
        uid: h.uid,
        gid: h.gid,
        rdev: h.rdev,
        pad1: 0,
        size: h.size,
        blksize: h.blksize as i32,
        pad2: 0,
        blocks: h.blocks,
        atime: h.atime,
        atime_nsec: h.atime_nsec,
        mtime: h.mtime,
        mtime_nsec: h.mtime_nsec,
        ctime: h.ctime,
        ctime_nsec: h.ctime_nsec,
        unused: [0; 2],
    }
}

fn put_stat(r: i64, h: &HostStat, addr: u64) -> i64 {
    if r < 0 {
        return r;
    }
    match guest::write(addr, guest::bytes_of(&stat_to_guest(h))) {
        Ok(()) => r,
        Err(e) => e,
    }
}

pub fn newfstatat(_: &mut CpuState, a: &Args) -> i64 {
    let mut h = HostStat::default();
    let r = sys(libc::SYS_newfstatat, &[a[0], a[1], &mut h as *mut _ as u64, a[3]]);
    put_stat(r, &h, a[2])
}

pub fn fstat(_: &mut CpuState, a: &Args) -> i64 {
    let mut h = HostStat::default();
    let r = sys(libc::SYS_fstat, &[a[0], &mut h as *mut _ as u64]);
    put_stat(r, &h, a[1])
}

pub(crate) fn is_self_exe(path: &[u8]) -> bool {
    if path == b"/proc/self/exe" || path == b"/proc/thread-self/exe" {
        return true;
    }
    let pid = sys(libc::SYS_getpid, &[]);
    path == format!("/proc/{pid}/exe").as_bytes()
}

pub fn readlinkat(_: &mut CpuState, a: &Args) -> i64 {
    if let Ok(path) = guest::read_cstr(a[1], 4096) {
        if is_self_exe(&path) {
            if (a[3] as i64) <= 0 {
                return EINVAL;
            }
            let exe = crate::entry::exe_path();
            let n = exe.len().min(a[3] as usize);
            return match guest::write(a[2], &exe[..n]) {
                Ok(()) => n as i64,
                Err(e) => e,
            };
        }
    }
    sys(libc::SYS_readlinkat, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn open_flags_roundtrip() {
        // O_RDONLY|O_DIRECTORY|O_CLOEXEC as aarch64 glibc's opendir passes it
        assert_eq!(open_flags_to_host(0x4000 | 0x80000), (libc::O_DIRECTORY | libc::O_CLOEXEC) as u64);
        assert_eq!(open_flags_to_host(0x8000), libc::O_NOFOLLOW as u64);
        assert_eq!(open_flags_to_host(0x10000), libc::O_DIRECT as u64);
        assert_eq!(open_flags_to_host(0x20000), 0x8000);
        // O_TMPFILE: aarch64 0x404000 -> x86-64 0x410000
        assert_eq!(open_flags_to_host(0x404000 | 2), libc::O_TMPFILE as u64 | 2);
        let common = (libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC | libc::O_APPEND | libc::O_NONBLOCK) as u64;
        assert_eq!(open_flags_to_host(common), common);
        for g in [0u64, 0x4000, 0x8000, 0x10000, 0x20000, 0x404002, common | 0x4000 | 0x20000] {
            assert_eq!(open_flags_to_guest(open_flags_to_host(g)), g);
        }
        assert_eq!(open_flags_to_guest(0x8000 | 2), 0x20000 | 2);
        assert_eq!(open_flags_to_guest(libc::O_DIRECTORY as u64), 0x4000);
    }
    #[test]
    fn stat_conversion() {
        let h = HostStat {
            dev: 1, ino: 2, nlink: 3, mode: 0o100644, uid: 5, gid: 6, pad0: 0, rdev: 7, size: 8, blksize: 4096,
            blocks: 10, atime: 11, atime_nsec: 12, mtime: 13, mtime_nsec: 14, ctime: 15, ctime_nsec: 16, reserved: [0; 3],
        };
        let g = stat_to_guest(&h);
        let b = guest::bytes_of(&g);
        let w64 = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let w32 = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        assert_eq!((w64(0), w64(8)), (1, 2));
        assert_eq!((w32(16), w32(20), w32(24), w32(28)), (0o100644, 3, 5, 6));
        assert_eq!((w64(32), w64(48), w32(56), w64(64)), (7, 8, 4096, 10));
        assert_eq!((w64(72), w64(80), w64(88), w64(96), w64(104), w64(112)), (11, 12, 13, 14, 15, 16));
    }
    #[test]
    fn fstat_real_file() {
        let f = std::fs::File::open("/proc/self/exe").unwrap();
        use std::os::fd::AsRawFd;
        let mut g = GuestStat::default();
        let mut st = CpuState::default();
        let r = fstat(&mut st, &[f.as_raw_fd() as u64, &mut g as *mut _ as u64, 0, 0, 0, 0]);
        assert_eq!(r, 0);
        let md = f.metadata().unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(g.size as u64, md.size());
        assert_eq!(g.ino, md.ino());
        assert_eq!(g.mode, md.mode());
        assert_eq!(fstat(&mut st, &[f.as_raw_fd() as u64, 8, 0, 0, 0, 0]), EFAULT);
    }
}
