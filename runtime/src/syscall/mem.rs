//! Memory syscalls: everything stays inside the reserved guest range (see crate::mem).

use super::Args;
use crate::guest::{sys, EINVAL, ENOMEM};
use crate::mem as gm;
use crate::CpuState;
use std::collections::BTreeMap;
use std::sync::Mutex;

pub fn brk(_: &mut CpuState, a: &Args) -> i64 {
    gm::guest_brk(a[0])
}
pub fn mmap(_: &mut CpuState, a: &Args) -> i64 {
    gm::guest_mmap(a[0], a[1], a[2], a[3], a[4], a[5])
}
pub fn munmap(_: &mut CpuState, a: &Args) -> i64 {
    gm::guest_munmap(a[0], a[1])
}
pub fn mprotect(_: &mut CpuState, a: &Args) -> i64 {
    gm::guest_mprotect(a[0], a[1], a[2])
}
pub fn mremap(_: &mut CpuState, a: &Args) -> i64 {
    gm::guest_mremap(a[0], a[1], a[2], a[3], a[4])
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
    let mut shm = SHM.lock().unwrap_or_else(|e| e.into_inner());
    gm::with_space(|s| {
        let target = if addr == 0 {
            match s.find_top_down(len, gm::MMAP_TOP) {
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
    gm::with_space(|s| {
        gm::rereserve(a[0], len);
        s.unmark(a[0], a[0] + len);
    });
    r
}
