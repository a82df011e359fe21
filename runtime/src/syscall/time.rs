//! Time: clock_gettime, clock_getres and gettimeofday through host glibc, which uses the host vDSO
//! (no system call for the clocks the vDSO serves: CLOCK_REALTIME, MONOTONIC, their COARSE
//! variants, BOOTTIME, TAI). The guest has no vDSO of its own (no AT_SYSINFO_EHDR), so its glibc
//! makes an `svc` for every clock read; this keeps that a function call. Clock ids, `struct
//! timespec`, `struct timeval` and `struct timezone` are the same on both ABIs. Also the
//! CNTVCT_EL0 helper.
//!
//! Results are stored into guest memory directly once the page is known to be writable: the first
//! store to a page (per thread) goes through the checked copy (guest::write, -EFAULT on a bad
//! pointer) and the page is remembered until the guest next changes its mappings
//! ([`mappings_changed`], called by the syscall dispatcher for mmap, munmap, mprotect, mremap, brk,
//! shmdt).

use super::Args;
use crate::guest::{self, EFAULT};
use crate::CpuState;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static MAP_GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// (page, generation) of the last guest page this thread stored a time result to.
    static WRITABLE: Cell<(u64, u64)> = const { Cell::new((u64::MAX, 0)) };
}

/// The guest changed its mappings: forget which pages are known writable.
pub fn mappings_changed() {
    MAP_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Store `data` at guest address `addr`, without a system call when the page is known writable.
fn store(addr: u64, data: &[u8]) -> Result<(), i64> {
    let page = addr & !0xfff;
    let last = addr.checked_add(data.len() as u64 - 1).ok_or(EFAULT)?;
    let gen = MAP_GENERATION.load(Ordering::Relaxed);
    if last & !0xfff == page && crate::mem::in_guest(addr, data.len() as u64) && WRITABLE.with(|w| w.get()) == (page, gen) {
        // SAFETY: this thread stored to this page of the guest range through the checked copy
        // since the last change of guest mappings, so the page is mapped writable.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, data.len()) };
        return Ok(());
    }
    guest::write(addr, data)?;
    if last & !0xfff == page && crate::mem::in_guest(addr, data.len() as u64) {
        WRITABLE.with(|w| w.set((page, gen)));
    }
    Ok(())
}

fn timespec_bytes(ts: &libc::timespec) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&ts.tv_sec.to_le_bytes());
    b[8..].copy_from_slice(&ts.tv_nsec.to_le_bytes());
    b
}

fn errno() -> i64 {
    -(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL) as i64)
}

pub fn clock_gettime(_: &mut CpuState, a: &Args) -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the local timespec only.
    if unsafe { libc::clock_gettime(a[0] as i32 as libc::clockid_t, &mut ts) } != 0 {
        return errno();
    }
    match store(a[1], &timespec_bytes(&ts)) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

pub fn clock_getres(_: &mut CpuState, a: &Args) -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the local timespec only.
    if unsafe { libc::clock_getres(a[0] as i32 as libc::clockid_t, &mut ts) } != 0 {
        return errno();
    }
    if a[1] == 0 {
        return 0;
    }
    match store(a[1], &timespec_bytes(&ts)) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

pub fn gettimeofday(_: &mut CpuState, a: &Args) -> i64 {
    if a[1] != 0 {
        // The timezone: the kernel's sys_tz, which the vDSO does not give; rarely asked for.
        return crate::guest::sys(libc::SYS_gettimeofday, &[a[0], a[1]]);
    }
    if a[0] == 0 {
        return 0;
    }
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the local timespec only.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
        return errno();
    }
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&ts.tv_sec.to_le_bytes());
    b[8..].copy_from_slice(&(ts.tv_nsec / 1000).to_le_bytes());
    match store(a[0], &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// CNTVCT_EL0: nanoseconds of CLOCK_MONOTONIC (CNTFRQ_EL0 is 1 GHz), from the host vDSO.
#[no_mangle]
pub extern "C" fn aot_helper_read_cntvct(_st: *mut CpuState, _a0: u64, _a1: u64, _a2: u64) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the local timespec only.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cntvct_monotonic() {
        let a = super::aot_helper_read_cntvct(core::ptr::null_mut(), 0, 0, 0);
        let b = super::aot_helper_read_cntvct(core::ptr::null_mut(), 0, 0, 0);
        assert!(a > 0 && b >= a);
    }
    #[test]
    fn clocks_and_faults() {
        let mut st = CpuState::default();
        let mut ts = [0i64; 2];
        let p = ts.as_mut_ptr() as u64;
        assert_eq!(clock_gettime(&mut st, &[libc::CLOCK_MONOTONIC as u64, p, 0, 0, 0, 0]), 0);
        assert!(ts[0] > 0 || ts[1] > 0);
        assert_eq!(clock_gettime(&mut st, &[libc::CLOCK_MONOTONIC as u64, 8, 0, 0, 0, 0]), EFAULT);
        assert_eq!(clock_gettime(&mut st, &[12345, p, 0, 0, 0, 0]), -(libc::EINVAL as i64));
        assert_eq!(clock_getres(&mut st, &[libc::CLOCK_MONOTONIC as u64, p, 0, 0, 0, 0]), 0);
        assert_eq!(ts, [0, 1]);
        let mut tv = [0i64; 2];
        assert_eq!(gettimeofday(&mut st, &[tv.as_mut_ptr() as u64, 0, 0, 0, 0, 0]), 0);
        assert!(tv[0] > 1_700_000_000 && (0..1_000_000).contains(&tv[1]));
        assert_eq!(gettimeofday(&mut st, &[16, 0, 0, 0, 0, 0]), EFAULT);
    }
    #[test]
    fn known_page_is_written_directly() {
        let mut buf = vec![0u8; 64];
        let p = buf.as_mut_ptr() as u64;
        // test memory is not inside the guest range: always the checked copy, still correct
        assert_eq!(store(p, &[1, 2, 3]), Ok(()));
        assert_eq!(&buf[..3], &[1, 2, 3]);
        mappings_changed();
        assert_eq!(store(u64::MAX - 2, &[1, 2, 3, 4]), Err(EFAULT));
    }
}
