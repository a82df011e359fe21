//! Memory syscalls: everything stays inside the reserved guest range (see crate::mem).

use super::Args;
use crate::guest::{self, sys, EFAULT, EINVAL, ENOMEM};
use crate::mem as gm;
use crate::CpuState;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

pub fn brk(_: &mut CpuState, a: &Args) -> i64 {
    let (start, cur) = gm::with_space(|s| (s.brk_start, s.brk_cur));
    if a[0] > cur && start != 0 {
        let data = LIMIT_CUR[DATA].load(Ordering::Relaxed);
        if a[0] - start > data || !as_allows(a[0] - cur) {
            return cur as i64;
        }
    }
    gm::guest_brk(a[0])
}
pub fn mmap(_: &mut CpuState, a: &Args) -> i64 {
    if LIMIT_CUR[AS].load(Ordering::Relaxed) != u64::MAX {
        let len = gm::page_up(a[1]).unwrap_or(u64::MAX);
        let fixed = a[3] & 0x10 != 0; // MAP_FIXED
        let already = if fixed { used_bytes_in(a[0], a[0].saturating_add(len)) } else { 0 };
        if !as_allows(len - already.min(len)) {
            return ENOMEM;
        }
    }
    let r = gm::guest_mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
    crate::smc::maps_changed();
    r
}
pub fn munmap(_: &mut CpuState, a: &Args) -> i64 {
    let r = gm::guest_munmap(a[0], a[1]);
    crate::smc::maps_changed();
    if r == 0 {
        // Code that is gone cannot be run again: its JIT translations are retired.
        crate::jit::invalidate(a[0], a[0].saturating_add(a[1]));
    }
    r
}
pub fn mprotect(_: &mut CpuState, a: &Args) -> i64 {
    let r = gm::guest_mprotect(a[0], a[1], a[2]);
    crate::smc::maps_changed();
    r
}
pub fn mremap(_: &mut CpuState, a: &Args) -> i64 {
    if a[2] > a[1] && !as_allows(gm::page_up(a[2] - a[1]).unwrap_or(u64::MAX)) {
        return ENOMEM;
    }
    let r = gm::guest_mremap(a[0], a[1], a[2], a[3], a[4]);
    crate::smc::maps_changed();
    r
}

/// Attached SysV shared-memory segments: address -> size.
static SHM: Mutex<BTreeMap<u64, u64>> = Mutex::new(BTreeMap::new());
const SHM_RND: u64 = 0o20000;
const SHM_REMAP: u64 = 0o40000;
const SHMLBA: u64 = gm::PAGE;

pub fn shmat(_: &mut CpuState, a: &Args) -> i64 {
    let (id, addr, flags) = (a[0], a[1], a[2]);
    let mut ds = [0u8; 256];
    let r = sys(libc::SYS_shmctl, &[id, libc::IPC_STAT as u64, ds.as_mut_ptr() as u64]);
    if r < 0 {
        return r;
    }
    let segsz = u64::from_le_bytes(ds[48..56].try_into().unwrap_or([0; 8]));
    let Some(len) = gm::page_up(segsz) else { return ENOMEM };
    if !as_allows(len) {
        return ENOMEM;
    }
    let mut shm = SHM.lock().unwrap_or_else(|e| e.into_inner());
    gm::with_space(|s| {
        let target = if addr == 0 {
            match s.find_top_down(len, gm::mmap_top()) {
                Some(t) => t,
                None => return ENOMEM,
            }
        } else {
            let t = if flags & SHM_RND != 0 { addr & !(SHMLBA - 1) } else { addr };
            if t & (gm::PAGE - 1) != 0 || !gm::in_guest(t, len) {
                return EINVAL;
            }
            if flags & SHM_REMAP == 0 && !s.is_free(t, t + len) {
                return EINVAL;
            }
            t
        };
        let r = sys(libc::SYS_shmat, &[id, target, (flags & !SHM_RND) | SHM_REMAP]);
        if r >= 0 {
            s.mark(target, target + len);
            shm.insert(target, len);
            crate::smc::maps_changed();
        }
        r
    })
}

pub fn shmdt(_: &mut CpuState, a: &Args) -> i64 {
    let mut shm = SHM.lock().unwrap_or_else(|e| e.into_inner());
    let Some(&len) = shm.get(&a[0]) else { return EINVAL };
    let r = sys(libc::SYS_shmdt, &[a[0]]);
    if r < 0 {
        return r;
    }
    shm.remove(&a[0]);
    crate::smc::maps_changed();
    gm::with_space(|s| {
        gm::rereserve(a[0], len);
        s.unmark(a[0], a[0] + len);
    });
    r
}

// ---------------------------------------------------------------- resource limits
//
// RLIMIT_* numbers, struct rlimit and RLIM_INFINITY (~0) are the same on aarch64 and x86-64, so
// most limits pass through. RLIMIT_AS and RLIMIT_DATA cannot: the host process's address space
// holds the runtime's PROT_NONE reservation of the whole guest range (64 TiB) and the host stacks
// of the translated code, so a guest limit of, say, 1 GiB set on the host would make every later
// host mapping fail (thread creation, runtime allocations) while guest mmaps, which replace
// reserved pages, would never be refused. Instead the guest's values are kept here (first read from
// the host, inherited across fork) and enforced on guest mappings: RLIMIT_AS on the total of guest
// mappings (mmap, mremap growth, brk), RLIMIT_DATA on the brk heap. qemu-user ignores attempts to
// set RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK (a deviation from Linux); we follow Linux.
// Not kept: the values do not survive execve (the new program starts from the host's limits), and
// RLIMIT_DATA does not count private writable mmaps as Linux does.

const RLIMIT_DATA: u64 = 2;
const RLIMIT_AS: u64 = 9;
const DATA: usize = 0;
const AS: usize = 1;
const CAP_SYS_RESOURCE: u32 = 24;

/// Guest soft limits for [DATA, AS] (u64::MAX = unlimited or not yet set), read on every mmap/brk.
static LIMIT_CUR: [AtomicU64; 2] = [AtomicU64::new(u64::MAX), AtomicU64::new(u64::MAX)];
/// Guest (soft, hard) limits for [DATA, AS]; None until the guest first asks.
static LIMITS: Mutex<[Option<[u64; 2]>; 2]> = Mutex::new([None, None]);

fn virtual_slot(res: u64) -> Option<usize> {
    match res {
        RLIMIT_DATA => Some(DATA),
        RLIMIT_AS => Some(AS),
        _ => None,
    }
}

/// Bytes of guest mappings inside [a, b).
fn used_bytes_in(a: u64, b: u64) -> u64 {
    gm::with_space(|s| s.regions().iter().map(|&(s, e)| e.min(b).saturating_sub(s.max(a))).sum())
}

/// May the guest's mappings grow by `grow` bytes under its RLIMIT_AS?
fn as_allows(grow: u64) -> bool {
    let lim = LIMIT_CUR[AS].load(Ordering::Relaxed);
    lim == u64::MAX || used_bytes_in(0, u64::MAX).saturating_add(grow) <= lim
}

fn has_cap_sys_resource() -> bool {
    let hdr = [0x2008_0522u32, 0]; // _LINUX_CAPABILITY_VERSION_3, this process
    let mut data = [0u32; 6];
    sys(libc::SYS_capget, &[hdr.as_ptr() as u64, data.as_mut_ptr() as u64]) == 0 && data[0] & (1 << CAP_SYS_RESOURCE) != 0
}

/// prlimit64 for RLIMIT_DATA/RLIMIT_AS of the calling process, in the kernel's order of checks:
/// EFAULT for the new value, EINVAL when soft > hard, EPERM when raising the hard limit without
/// CAP_SYS_RESOURCE, then the old value is written.
fn guest_prlimit(slot: usize, res: u64, new: u64, old: u64) -> i64 {
    let newv = if new != 0 {
        match guest::read_obj::<[u64; 2]>(new) {
            Ok(v) => Some(v),
            Err(_) => return EFAULT,
        }
    } else {
        None
    };
    if let Some(n) = newv {
        if n[0] > n[1] {
            return EINVAL;
        }
    }
    let mut lim = LIMITS.lock().unwrap_or_else(|e| e.into_inner());
    let cur = match lim[slot] {
        Some(v) => v,
        None => {
            let mut h = [u64::MAX; 2];
            let r = sys(libc::SYS_prlimit64, &[0, res, 0, h.as_mut_ptr() as u64]);
            if r < 0 {
                return r;
            }
            h
        }
    };
    if let Some(n) = newv {
        if n[1] > cur[1] && !has_cap_sys_resource() {
            return -(libc::EPERM as i64);
        }
    }
    if old != 0 {
        if let Err(e) = guest::write(old, guest::bytes_of(&cur)) {
            return e;
        }
    }
    let v = newv.unwrap_or(cur);
    lim[slot] = Some(v);
    LIMIT_CUR[slot].store(v[0], Ordering::Relaxed);
    0
}

pub fn prlimit64(_: &mut CpuState, a: &Args) -> i64 {
    let own = a[0] == 0 || a[0] as i64 == sys(libc::SYS_getpid, &[]);
    match virtual_slot(a[1] & 0xffff_ffff) {
        Some(slot) if own => guest_prlimit(slot, a[1] & 0xffff_ffff, a[2], a[3]),
        _ => sys(libc::SYS_prlimit64, &a[..4]),
    }
}

pub fn getrlimit(_: &mut CpuState, a: &Args) -> i64 {
    match virtual_slot(a[0] & 0xffff_ffff) {
        Some(slot) => guest_prlimit(slot, a[0] & 0xffff_ffff, 0, a[1]),
        None => sys(libc::SYS_getrlimit, &a[..2]),
    }
}

pub fn setrlimit(_: &mut CpuState, a: &Args) -> i64 {
    match virtual_slot(a[0] & 0xffff_ffff) {
        Some(slot) => guest_prlimit(slot, a[0] & 0xffff_ffff, a[1], 0),
        None => sys(libc::SYS_setrlimit, &a[..2]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rlimit_as_is_kept_for_the_guest() {
        let mut st = CpuState::default();
        let mut old = [0u64; 2];
        assert_eq!(prlimit64(&mut st, &[0, RLIMIT_AS, 0, old.as_mut_ptr() as u64, 0, 0]), 0);
        let host_before = {
            let mut h = [0u64; 2];
            sys(libc::SYS_prlimit64, &[0, RLIMIT_AS, 0, h.as_mut_ptr() as u64]);
            h
        };
        assert_eq!(old, host_before);
        // soft > hard: EINVAL; a bad pointer: EFAULT
        let bad = [10u64, 5];
        assert_eq!(prlimit64(&mut st, &[0, RLIMIT_AS, bad.as_ptr() as u64, 0, 0, 0]), EINVAL);
        assert_eq!(setrlimit(&mut st, &[RLIMIT_AS, 8, 0, 0, 0, 0]), EFAULT);
        let new = [1u64 << 40, old[1]];
        assert_eq!(setrlimit(&mut st, &[RLIMIT_AS, new.as_ptr() as u64, 0, 0, 0, 0]), 0);
        let mut got = [0u64; 2];
        assert_eq!(getrlimit(&mut st, &[RLIMIT_AS, got.as_mut_ptr() as u64, 0, 0, 0, 0]), 0);
        assert_eq!(got, new);
        // the host's own limit is untouched
        let mut h = [0u64; 2];
        sys(libc::SYS_prlimit64, &[0, RLIMIT_AS, 0, h.as_mut_ptr() as u64]);
        assert_eq!(h, host_before);
        assert!(as_allows(0));
        assert!(!as_allows(1u64 << 41));
        assert_eq!(setrlimit(&mut st, &[RLIMIT_AS, old.as_ptr() as u64, 0, 0, 0, 0]), 0);
        assert!(as_allows(1u64 << 41) || old[0] != u64::MAX);
        // other resources pass through: RLIMIT_NOFILE (7) reads the host's value
        let mut nf = [0u64; 2];
        assert_eq!(getrlimit(&mut st, &[7, nf.as_mut_ptr() as u64, 0, 0, 0, 0]), 0);
        // SAFETY: getrlimit writes the local struct.
        let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) };
        assert_eq!(nf, [l.rlim_cur, l.rlim_max]);
    }
}
