//! Signals. Guest handlers are recorded but not yet delivered (a later issue): only SIG_DFL and
//! SIG_IGN dispositions reach the host. Signal numbers are identical on aarch64 and x86-64.

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL};
use crate::CpuState;
use std::sync::Mutex;

/// Guest `struct sigaction` as the aarch64 kernel sees it: handler, flags, restorer, mask.
pub type GuestSigaction = [u64; 4];

pub static ACTIONS: Mutex<[Option<GuestSigaction>; 65]> = Mutex::new([None; 65]);

const SA_RESTORER: u64 = 0x0400_0000;

/// Signals host glibc reserves for itself (SIGCANCEL, SIGSETXID): recorded, never touched on the host.
fn host_reserved(sig: u64) -> bool {
    sig == 32 || sig == 33
}

pub fn rt_sigaction(_: &mut CpuState, a: &Args) -> i64 {
    let (sig, act, oact, size) = (a[0], a[1], a[2], a[3]);
    if size != 8 || !(1..=64).contains(&sig) {
        return EINVAL;
    }
    let new = if act != 0 {
        let mut b = [0u8; 32];
        if guest::read(act, &mut b).is_err() {
            return EFAULT;
        }
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        Some([w(0), w(1), w(2), w(3)])
    } else {
        None
    };
    if new.is_some() && (sig == libc::SIGKILL as u64 || sig == libc::SIGSTOP as u64) {
        return EINVAL;
    }
    let mut tab = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    let old = match tab[sig as usize] {
        Some(o) => o,
        None => {
            let mut h = [0u64; 4];
            let r = sys(libc::SYS_rt_sigaction, &[sig, 0, h.as_mut_ptr() as u64, 8]);
            if r < 0 {
                return r;
            }
            [h[0], h[1] & !SA_RESTORER, 0, h[3]]
        }
    };
    if let Some(n) = new {
        if n[0] <= 1 && !host_reserved(sig) {
            let h = [n[0], n[1] & !SA_RESTORER, 0, n[3]];
            let r = sys(libc::SYS_rt_sigaction, &[sig, h.as_ptr() as u64, 0, 8]);
            if r < 0 {
                return r;
            }
        }
        tab[sig as usize] = Some(n);
    }
    if oact != 0 {
        let mut b = [0u8; 32];
        for (i, w) in old.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        if guest::write(oact, &b).is_err() {
            return EFAULT;
        }
    }
    0
}

/// The guest's alternate signal stack: (ss_sp, ss_flags, ss_size).
pub static ALTSTACK: Mutex<(u64, u64, u64)> = Mutex::new((0, SS_DISABLE, 0));
const SS_DISABLE: u64 = 2;
const SS_AUTODISARM: u64 = 1 << 31;
const MINSIGSTKSZ: u64 = 5120;

pub fn sigaltstack(_: &mut CpuState, a: &Args) -> i64 {
    let mut alt = ALTSTACK.lock().unwrap_or_else(|e| e.into_inner());
    let old = *alt;
    if a[0] != 0 {
        let mut b = [0u8; 24];
        if guest::read(a[0], &mut b).is_err() {
            return EFAULT;
        }
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4])) as u64;
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8]));
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE {
            return EINVAL;
        }
        if mode == SS_DISABLE {
            *alt = (0, SS_DISABLE, 0);
        } else {
            if size < MINSIGSTKSZ {
                return -(libc::ENOMEM as i64);
            }
            *alt = (sp, flags, size);
        }
    }
    if a[1] != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&old.0.to_le_bytes());
        b[8..12].copy_from_slice(&(old.1 as u32).to_le_bytes());
        b[16..24].copy_from_slice(&old.2.to_le_bytes());
        if guest::write(a[1], &b).is_err() {
            return EFAULT;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sigaction_records_guest_handler() {
        let mut st = CpuState::default();
        let act: [u64; 4] = [0x401234, 0x4000000, 0, 1 << 9];
        let mut old = [7u64; 4];
        // SIGUSR2 with a guest handler: recorded, host untouched
        assert_eq!(rt_sigaction(&mut st, &[12, act.as_ptr() as u64, old.as_mut_ptr() as u64, 8, 0, 0]), 0);
        assert_eq!(old[0], 0);
        assert_eq!(rt_sigaction(&mut st, &[12, 0, old.as_mut_ptr() as u64, 8, 0, 0]), 0);
        assert_eq!(old, act);
        assert_eq!(rt_sigaction(&mut st, &[9, act.as_ptr() as u64, 0, 8, 0, 0]), EINVAL);
        assert_eq!(rt_sigaction(&mut st, &[12, 0, 0, 16, 0, 0]), EINVAL);
        assert_eq!(rt_sigaction(&mut st, &[12, 8, 0, 8, 0, 0]), EFAULT);
    }
}
