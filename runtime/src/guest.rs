//! Raw host system calls and checked access to guest memory.
//!
//! Guest addresses are host addresses. The runtime never dereferences a guest pointer directly when
//! the guest chose it: copies go through process_vm_readv/writev on our own process, so a bad
//! pointer yields -EFAULT instead of a host crash.

use core::arch::asm;
use std::sync::atomic::{AtomicBool, Ordering};

/// Raw x86-64 Linux system call; returns the kernel's value (negative errno on failure).
#[inline]
pub fn raw_syscall6(nr: i64, a0: u64, a1: u64, a2: u64, a3: u64, a4: u64, a5: u64) -> i64 {
    let ret: i64;
    // SAFETY: a plain `syscall` instruction; which memory the kernel touches is decided by the
    // arguments, exactly as for libc::syscall. Callers pass guest pointers (guest memory) or
    // pointers to live runtime objects.
    unsafe {
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3, in("r8") a4, in("r9") a5,
            lateout("rcx") _, lateout("r11") _,
            options(nostack));
    }
    ret
}

pub fn sys(nr: i64, a: &[u64]) -> i64 {
    let g = |i: usize| a.get(i).copied().unwrap_or(0);
    raw_syscall6(nr, g(0), g(1), g(2), g(3), g(4), g(5))
}

pub const EFAULT: i64 = -(libc::EFAULT as i64);
pub const EINVAL: i64 = -(libc::EINVAL as i64);
pub const ENOMEM: i64 = -(libc::ENOMEM as i64);
pub const ENOSYS: i64 = -(libc::ENOSYS as i64);

/// Set when the host refuses process_vm_readv/writev (e.g. a seccomp profile): then copies are
/// checked against the guest-space bookkeeping instead and done directly.
static VM_COPY_UNAVAILABLE: AtomicBool = AtomicBool::new(false);

fn direct_copy(to_guest: bool, local: *mut u8, remote: u64, len: usize) -> Result<(), i64> {
    let ok = crate::mem::in_guest(remote, len as u64)
        && crate::mem::with_space(|s| s.is_covered(crate::mem::page_down(remote), remote + len as u64));
    if !ok {
        return Err(EFAULT);
    }
    // SAFETY: [remote, remote+len) is inside the guest range and mapped by the guest (checked just
    // above); `local` is a runtime buffer of `len` bytes.
    unsafe {
        if to_guest {
            core::ptr::copy(local, remote as *mut u8, len);
        } else {
            core::ptr::copy(remote as *const u8, local, len);
        }
    }
    Ok(())
}

fn vm_copy(nr: i64, local: *mut u8, remote: u64, len: usize) -> Result<(), i64> {
    if len == 0 {
        return Ok(());
    }
    if VM_COPY_UNAVAILABLE.load(Ordering::Relaxed) {
        return direct_copy(nr == libc::SYS_process_vm_writev, local, remote, len);
    }
    let liov = libc::iovec { iov_base: local as *mut libc::c_void, iov_len: len };
    let riov = libc::iovec { iov_base: remote as *mut libc::c_void, iov_len: len };
    let pid = sys(libc::SYS_getpid, &[]);
    let r = sys(nr, &[pid as u64, &liov as *const _ as u64, 1, &riov as *const _ as u64, 1, 0]);
    if r == len as i64 {
        Ok(())
    } else if r == ENOSYS || r == -(libc::EPERM as i64) {
        VM_COPY_UNAVAILABLE.store(true, Ordering::Relaxed);
        direct_copy(nr == libc::SYS_process_vm_writev, local, remote, len)
    } else if r < 0 {
        Err(r)
    } else {
        Err(EFAULT)
    }
}

/// Copy `buf.len()` bytes from guest address `addr`.
pub fn read(addr: u64, buf: &mut [u8]) -> Result<(), i64> {
    vm_copy(libc::SYS_process_vm_readv, buf.as_mut_ptr(), addr, buf.len())
}

/// Copy `buf` to guest address `addr`.
pub fn write(addr: u64, buf: &[u8]) -> Result<(), i64> {
    vm_copy(libc::SYS_process_vm_writev, buf.as_ptr() as *mut u8, addr, buf.len())
}

pub fn read_u64(addr: u64) -> Result<u64, i64> {
    let mut b = [0u8; 8];
    read(addr, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Read a NUL-terminated guest string (without the NUL), at most `max` bytes.
pub fn read_cstr(addr: u64, max: usize) -> Result<Vec<u8>, i64> {
    let mut out = Vec::new();
    let mut a = addr;
    while out.len() < max {
        let chunk = (4096 - (a & 4095)) as usize;
        let mut buf = vec![0u8; chunk];
        read(a, &mut buf)?;
        if let Some(p) = buf.iter().position(|&c| c == 0) {
            out.extend_from_slice(&buf[..p]);
            return Ok(out);
        }
        out.extend_from_slice(&buf);
        a = a.checked_add(chunk as u64).ok_or(EFAULT)?;
    }
    Err(-(libc::ENAMETOOLONG as i64))
}

/// Plain-old-data view of a `#[repr(C)]` value, for copying to the guest.
pub fn bytes_of<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: T is Copy plain data (repr(C) structs of integers here); reading its bytes is fine.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, core::mem::size_of::<T>()) }
}

/// Read a `#[repr(C)]` plain-data value from the guest.
pub fn read_obj<T: Copy + Default>(addr: u64) -> Result<T, i64> {
    let mut v = T::default();
    // SAFETY: T is plain data made only of integers, so any byte pattern is a valid value.
    let b = unsafe { core::slice::from_raw_parts_mut(&mut v as *mut T as *mut u8, core::mem::size_of::<T>()) };
    read(addr, b)?;
    Ok(v)
}

pub fn write_stderr(s: &str) {
    let mut b = s.as_bytes();
    while !b.is_empty() {
        let r = sys(libc::SYS_write, &[2, b.as_ptr() as u64, b.len() as u64]);
        if r <= 0 {
            if r == -(libc::EINTR as i64) {
                continue;
            }
            return;
        }
        b = &b[r as usize..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn copies_and_faults() {
        let src = *b"hello\0world";
        let mut dst = [0u8; 5];
        read(src.as_ptr() as u64, &mut dst).unwrap();
        assert_eq!(&dst, b"hello");
        assert_eq!(read_cstr(src.as_ptr() as u64, 100).unwrap(), b"hello");
        assert_eq!(read(8, &mut dst), Err(EFAULT));
        assert_eq!(write(8, b"x"), Err(EFAULT));
    }
}
