//! Time: the CNTVCT_EL0 helper (time syscalls themselves pass through: identical layouts).

use crate::CpuState;

/// CNTVCT_EL0: nanoseconds of CLOCK_MONOTONIC (CNTFRQ_EL0 is 1 GHz).
#[no_mangle]
pub extern "C" fn aot_helper_read_cntvct(_st: *mut CpuState, _a0: u64, _a1: u64, _a2: u64) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    crate::guest::sys(libc::SYS_clock_gettime, &[libc::CLOCK_MONOTONIC as u64, &mut ts as *mut _ as u64]);
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cntvct_monotonic() {
        let a = super::aot_helper_read_cntvct(core::ptr::null_mut(), 0, 0, 0);
        let b = super::aot_helper_read_cntvct(core::ptr::null_mut(), 0, 0, 0);
        assert!(a > 0 && b >= a);
    }
}
