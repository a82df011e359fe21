//! Miscellaneous: uname, prctl, semctl, and the FPCR / cache-maintenance helpers.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;

pub fn uname(_: &mut CpuState, a: &Args) -> i64 {
    let mut u = [0u8; 6 * 65];
    let r = sys(libc::SYS_uname, &[u.as_mut_ptr() as u64]);
    if r < 0 {
        return r;
    }
    let m = &mut u[4 * 65..5 * 65];
    m.fill(0);
    m[..7].copy_from_slice(b"aarch64");
    match guest::write(a[0], &u) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// arm64-only prctl options (SVE/SME vector length, pointer authentication, tagged addresses,
/// MTE, guarded control stack): the translated CPU has none of these.
const ARM64_PRCTL: &[u64] = &[50, 51, 54, 55, 56, 60, 61, 63, 64, 74, 75, 76];

const PR_GET_AUXV: u64 = 0x4155_5856;

/// The guest's auxiliary vector (pairs, ending with AT_NULL), for PR_GET_AUXV.
pub static AUXV: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();

pub fn prctl(_: &mut CpuState, a: &Args) -> i64 {
    if ARM64_PRCTL.contains(&a[0]) {
        return EINVAL;
    }
    if a[0] == PR_GET_AUXV {
        if a[3] != 0 || a[4] != 0 {
            return EINVAL;
        }
        let aux: Vec<u8> = AUXV.get().map(|v| v.iter().flat_map(|w| w.to_le_bytes()).collect()).unwrap_or_default();
        let n = aux.len().min(a[2] as usize);
        if let Err(e) = guest::write(a[1], &aux[..n]) {
            return e;
        }
        return aux.len() as i64;
    }
    sys(libc::SYS_prctl, &a[..5])
}

const IPC_SET: u64 = 1;
const IPC_STAT: u64 = 2;
const SEM_STAT: u64 = 18;
const SEM_STAT_ANY: u64 = 20;

/// semctl(id, num, cmd, arg): `struct semid64_ds` is 88 bytes on aarch64 (otime, ctime, nsems after
/// the common 48-byte ipc64_perm) and 104 on x86-64 (each time followed by an unused word).
pub fn semctl(_: &mut CpuState, a: &Args) -> i64 {
    // IPC_64 (0x100) is not stripped: both 64-bit kernels treat it the same (EINVAL).
    let cmd = a[2];
    match cmd {
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            let mut h = [0u8; 104];
            let r = sys(libc::SYS_semctl, &[a[0], a[1], cmd, h.as_mut_ptr() as u64]);
            if r < 0 {
                return r;
            }
            let mut g = [0u8; 88];
            g[..48].copy_from_slice(&h[..48]);
            g[48..56].copy_from_slice(&h[48..56]);
            g[56..64].copy_from_slice(&h[64..72]);
            g[64..72].copy_from_slice(&h[80..88]);
            match guest::write(a[3], &g) {
                Ok(()) => r,
                Err(e) => e,
            }
        }
        IPC_SET => {
            let mut g = [0u8; 88];
            if guest::read(a[3], &mut g).is_err() {
                return EFAULT;
            }
            let mut h = [0u8; 104];
            h[..48].copy_from_slice(&g[..48]);
            h[48..56].copy_from_slice(&g[48..56]);
            h[64..72].copy_from_slice(&g[56..64]);
            h[80..88].copy_from_slice(&g[64..72]);
            sys(libc::SYS_semctl, &[a[0], a[1], cmd, h.as_ptr() as u64])
        }
        _ => sys(libc::SYS_semctl, &[a[0], a[1], cmd, a[3]]),
    }
}

/// # Safety
/// `st` is null or the live guest state (called by translated code).
#[no_mangle]
pub unsafe extern "C" fn aot_helper_write_fpcr(st: *mut CpuState, fpcr: u64, _a1: u64, _a2: u64) -> u64 {
    // The flags raised so far are read under the MXCSR they were raised in (DE means IDC only in
    // the FZ mode: lifter cpu::fpsr_flags_from_mxcsr).
    let flags = take_host_fp_flags();
    set_host_fp_env(fpcr);
    if !st.is_null() {
        // SAFETY: translated code passes the live guest state.
        unsafe {
            (*st).fpsr |= flags;
            (*st).fpcr = fpcr as u32;
        }
    }
    0
}

/// DC CVAU/CVAC/CIVAC... (`kind` CACHE_MAINT_DC) change nothing for translated code; IC IVAU
/// (CACHE_MAINT_IC) invalidates the translations of the line (crate::smc).
#[no_mangle]
pub extern "C" fn aot_helper_cache_maint(_st: *mut CpuState, addr: u64, kind: u64, _a2: u64) -> u64 {
    if kind == aot_lifter::ir::CACHE_MAINT_IC {
        crate::smc::ic_ivau(addr);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn fpcr_to_mxcsr() {
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80, 0), 0x1f80);
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80, 1 << 22), 0x1f80 | (2 << 13));
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80, 2 << 22), 0x1f80 | (1 << 13));
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80, 3 << 22), 0x1f80 | (3 << 13));
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80, 1 << 24), 0x1f80 | 0x8040);
        assert_eq!(aot_lifter::cpu::mxcsr_for_fpcr(0x1f80 | 0x8040 | (3 << 13), 0), 0x1f80);
    }
    #[test]
    fn uname_says_aarch64() {
        let mut u = [0u8; 390];
        let mut st = CpuState::default();
        assert_eq!(uname(&mut st, &[u.as_mut_ptr() as u64, 0, 0, 0, 0, 0]), 0);
        assert_eq!(&u[260..268], b"aarch64\0");
        assert_eq!(uname(&mut st, &[8, 0, 0, 0, 0, 0]), EFAULT);
    }
}

/// Make this thread's MXCSR follow guest `fpcr` (rounding mode, flush-to-zero): translated FP
/// code runs under it (`trapping_mxcsr_for_fpcr`: under FZ some exceptions trap, handled by
/// crate::fault::fztrap). Called when the guest writes FPCR, when a signal handler is entered
/// from a host signal and when it returns.
pub fn set_host_fp_env(fpcr: u64) {
    let m = aot_lifter::cpu::host_mxcsr();
    aot_lifter::cpu::set_host_mxcsr(aot_lifter::cpu::trapping_mxcsr_for_fpcr(m, fpcr));
}

/// FPSR read or write: fold the FP exception flags the host accumulated in MXCSR into the
/// guest's FPSR and clear them (ir::Helper::SyncFpsr).
#[no_mangle]
pub unsafe extern "C" fn aot_helper_sync_fpsr(st: *mut CpuState, _a0: u64, _a1: u64, _a2: u64) -> u64 {
    let flags = take_host_fp_flags();
    if !st.is_null() {
        // SAFETY: translated code passes the live guest state.
        unsafe { (*st).fpsr |= flags };
    }
    0
}

/// The FPSR bits for the FP exceptions raised on this thread since the last call; clears them.
pub fn take_host_fp_flags() -> u32 {
    use aot_lifter::cpu::{MXCSR_DAZ, MXCSR_FLAGS, MXCSR_FTZ, MXCSR_IM, MXCSR_PM};
    let m = aot_lifter::cpu::host_mxcsr();
    let mut n = m & !MXCSR_FLAGS;
    if n & (MXCSR_FTZ | MXCSR_DAZ) == MXCSR_FTZ {
        // FZ mode: Invalid and Precision trap again until their flag is set
        // (crate::fault::fztrap).
        n &= !(MXCSR_PM | MXCSR_IM);
    }
    aot_lifter::cpu::set_host_mxcsr(n);
    aot_lifter::cpu::fpsr_flags_from_mxcsr(m)
}
