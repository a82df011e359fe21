//! The guest address space: one PROT_NONE reservation of [GUEST_LO, guest_hi()) made at start-up,
//! guest mappings made with MAP_FIXED inside it, and a sorted map of what the guest uses so that
//! non-fixed guest mmaps get an address inside the range (top-down below the stack area).
//! Guest munmap re-reserves instead of unmapping, so the host never places anything in the range.

use crate::guest::{sys, EINVAL, ENOMEM};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub const PAGE: u64 = 4096;
pub const GUEST_LO: u64 = 0x1_0000;
/// The usual top of the guest range; `AOT_GUEST_TOP` lowers it (see `guest_hi`).
pub const GUEST_HI_DEFAULT: u64 = 0x4000_0000_0000;
/// Lowest top `AOT_GUEST_TOP` accepts.
pub const GUEST_HI_MIN: u64 = 0x1_0000_0000;
pub const STACK_SIZE: u64 = 16 << 20;
/// Kept PROT_NONE below the stack.
pub const STACK_GUARD: u64 = 1 << 20;

static GUEST_HI_CUR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(GUEST_HI_DEFAULT);

/// End (exclusive) of the guest range: 0x4000_0000_0000 unless the host environment sets
/// `AOT_GUEST_TOP` (a 64 KiB-aligned address from 4 GiB up, e.g. 0x1000000000), read once at
/// start-up. Profilers that own the top of the address space (valgrind keeps client memory below
/// 128 GiB) need the lower range; nothing else changes.
pub fn guest_hi() -> u64 {
    GUEST_HI_CUR.load(std::sync::atomic::Ordering::Relaxed)
}
/// Top of the guest stack (exclusive).
pub fn stack_top() -> u64 {
    guest_hi() - 0x1_0000
}
/// Non-fixed guest mmaps are placed top-down from here.
pub fn mmap_top() -> u64 {
    stack_top() - STACK_SIZE - STACK_GUARD
}

/// Parse an `AOT_GUEST_TOP` value (hex with 0x, or decimal).
pub fn parse_guest_top(v: &str) -> Result<u64, String> {
    let v = v.trim();
    let n = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => v.parse::<u64>(),
    };
    match n {
        Ok(n) if (GUEST_HI_MIN..=GUEST_HI_DEFAULT).contains(&n) && n % 0x1_0000 == 0 => Ok(n),
        _ => Err(format!(
            "AOT_GUEST_TOP={v}: expected a 64 KiB-aligned address from 0x{GUEST_HI_MIN:x} to 0x{GUEST_HI_DEFAULT:x}"
        )),
    }
}

const PROT_BTI: u64 = 0x10;
const PROT_MTE: u64 = 0x20;
const MAP_FIXED: u64 = 0x10;
const MAP_32BIT_X86: u64 = 0x40; // not an aarch64 flag: never passed to the host
const MAP_GROWSDOWN: u64 = 0x100;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;

pub fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE - 1).map(|v| v & !(PAGE - 1))
}
pub fn page_down(x: u64) -> u64 {
    x & !(PAGE - 1)
}
pub fn in_guest(addr: u64, len: u64) -> bool {
    addr >= GUEST_LO && addr.checked_add(len).is_some_and(|e| e <= guest_hi())
}

/// Bookkeeping of used guest ranges (pure data; no system calls).
#[derive(Debug, Default)]
pub struct Space {
    /// start -> end (exclusive), disjoint.
    used: BTreeMap<u64, u64>,
    pub brk_start: u64,
    pub brk_cur: u64,
    /// Host mappings found inside the guest range at start-up (only when the kernel put something
    /// there, e.g. the legacy mmap layout under `ulimit -s unlimited`): marked used and never
    /// touched by guest mmap/munmap/mprotect/mremap.
    host: Vec<(u64, u64)>,
}

impl Space {
    pub fn new() -> Space {
        Space::default()
    }
    pub fn is_free(&self, a: u64, b: u64) -> bool {
        if let Some((_, &e)) = self.used.range(..b).next_back() {
            if e > a {
                return false;
            }
        }
        true
    }
    /// Is every byte of [a, b) used?
    pub fn is_covered(&self, a: u64, b: u64) -> bool {
        let mut pos = a;
        for (&s, &e) in self.used.range(..b) {
            if e <= pos {
                continue;
            }
            if s > pos {
                return false;
            }
            pos = e;
            if pos >= b {
                return true;
            }
        }
        pos >= b
    }
    pub fn unmark(&mut self, a: u64, b: u64) {
        let over: Vec<(u64, u64)> =
            self.used.range(..b).filter(|(_, &e)| e > a).map(|(&s, &e)| (s, e)).collect();
        for (s, e) in over {
            self.used.remove(&s);
            if s < a {
                self.used.insert(s, a);
            }
            if e > b {
                self.used.insert(b, e);
            }
        }
    }
    pub fn mark(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        self.unmark(a, b);
        self.used.insert(a, b);
    }
    /// Highest free `len`-byte range ending at or below `top`, inside the guest range.
    pub fn find_top_down(&self, len: u64, top: u64) -> Option<u64> {
        let mut end = top.min(guest_hi());
        for (&s, &e) in self.used.range(..end).rev() {
            if e < end && end - e >= len {
                return Some(end - len);
            }
            end = end.min(s);
        }
        if end >= GUEST_LO && end - GUEST_LO >= len {
            Some(end - len)
        } else {
            None
        }
    }
    pub fn host_overlap(&self, a: u64, b: u64) -> bool {
        self.host.iter().any(|&(s, e)| s < b && a < e)
    }
    /// May the guest map/unmap/protect [addr, addr+len)?
    pub fn guest_ok(&self, addr: u64, len: u64) -> bool {
        in_guest(addr, len) && !self.host_overlap(addr, addr + len)
    }
    pub fn add_host(&mut self, a: u64, b: u64) {
        self.host.push((a, b));
        self.mark(a, b);
    }
    pub fn regions(&self) -> Vec<(u64, u64)> {
        self.used.iter().map(|(&s, &e)| (s, e)).collect()
    }
}

pub static SPACE: Mutex<Space> = Mutex::new(Space { used: BTreeMap::new(), brk_start: 0, brk_cur: 0, host: Vec::new() });

fn space() -> std::sync::MutexGuard<'static, Space> {
    SPACE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` with the guest-space bookkeeping locked (callers that map by other means, e.g. shmat).
pub fn with_space<R>(f: impl FnOnce(&mut Space) -> R) -> R {
    f(&mut space())
}

fn host_mmap(addr: u64, len: u64, prot: u64, flags: u64, fd: u64, off: u64) -> i64 {
    sys(libc::SYS_mmap, &[addr, len, prot, flags, fd, off])
}

/// Put [addr, addr+len) back to the reserved PROT_NONE state.
pub fn rereserve(addr: u64, len: u64) -> i64 {
    let f = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED) as u64;
    let r = host_mmap(addr, len, 0, f, u64::MAX, 0);
    if r < 0 {
        r
    } else {
        0
    }
}

/// Reserve the whole guest range. Called first thing at start-up.
pub fn reserve_guest_range() -> Result<(), String> {
    if let Some(v) = std::env::var_os("AOT_GUEST_TOP") {
        let top = parse_guest_top(&v.to_string_lossy())?;
        GUEST_HI_CUR.store(top, std::sync::atomic::Ordering::Relaxed);
    }
    let hi = guest_hi();
    let len = hi - GUEST_LO;
    let base = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE) as u64;
    let r = host_mmap(GUEST_LO, len, 0, base | libc::MAP_FIXED_NOREPLACE as u64, u64::MAX, 0);
    if r == GUEST_LO as i64 {
        return Ok(());
    }
    if r >= 0 {
        // An old kernel treated FIXED_NOREPLACE as a hint and put it elsewhere.
        sys(libc::SYS_munmap, &[r as u64, len]);
    } else if r == -(libc::EEXIST as i64) || (r == -(libc::EINVAL as i64) && hi != GUEST_HI_DEFAULT) {
        // EINVAL: valgrind refuses a request overlapping its own mappings (it runs its tool inside
        // the lowered range); they are in /proc/self/maps like any host mapping.
        return reserve_around_host();
    }
    let r = host_mmap(GUEST_LO, len, 0, base, u64::MAX, 0);
    if r == GUEST_LO as i64 {
        return Ok(());
    }
    if r >= 0 {
        sys(libc::SYS_munmap, &[r as u64, len]);
    }
    Err(format!("cannot reserve guest address range 0x{GUEST_LO:x}..0x{hi:x} ({r})"))
}

/// The kernel already placed host mappings inside the guest range: reserve every gap around them
/// and record them as host-owned.
fn reserve_around_host() -> Result<(), String> {
    let hi = guest_hi();
    let maps = std::fs::read_to_string("/proc/self/maps").map_err(|e| format!("cannot read /proc/self/maps: {e}"))?;
    let mut host = Vec::new();
    for line in maps.lines() {
        let Some(range) = line.split_whitespace().next() else { continue };
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else { continue };
        if a < hi && b > GUEST_LO {
            host.push((a.max(GUEST_LO), b.min(hi)));
        }
    }
    host.sort();
    let base = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE) as u64;
    let mut pos = GUEST_LO;
    let mut s = space();
    for &(a, b) in host.iter().chain(std::iter::once(&(hi, hi))) {
        if a > pos {
            let r = host_mmap(pos, a - pos, 0, base, u64::MAX, 0);
            if r != pos as i64 {
                return Err(format!("cannot reserve guest range 0x{pos:x}..0x{a:x} around host mappings ({r})"));
            }
        }
        if b > a {
            s.add_host(a, b);
        }
        pos = pos.max(b);
    }
    Ok(())
}

/// Map anonymous RW memory at a fixed guest address and record it (loader, stack).
pub fn map_fixed_anon(addr: u64, len: u64, prot: u64) -> i64 {
    let f = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64;
    let r = host_mmap(addr, len, prot, f, u64::MAX, 0);
    if r >= 0 {
        space().mark(addr, addr + len);
    }
    r
}

/// Record a range as used without mapping it (guard areas).
pub fn mark_used(a: u64, b: u64) {
    space().mark(a, b);
}

pub fn init_brk(start: u64) {
    let mut s = space();
    s.brk_start = start;
    s.brk_cur = start;
}

pub fn guest_mmap(addr: u64, len: u64, prot: u64, flags: u64, fd: u64, off: u64) -> i64 {
    if prot & PROT_MTE != 0 {
        return EINVAL;
    }
    let prot = prot & !PROT_BTI;
    if len == 0 {
        return EINVAL;
    }
    let Some(len) = page_up(len) else { return ENOMEM };
    let mut host_flags = flags & !(MAP_32BIT_X86 | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE);
    let mut s = space();
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let target;
    if fixed {
        if addr & (PAGE - 1) != 0 {
            return EINVAL;
        }
        if !s.guest_ok(addr, len) {
            return ENOMEM;
        }
        if flags & MAP_FIXED == 0 && !s.is_free(addr, addr + len) {
            return -(libc::EEXIST as i64);
        }
        target = addr;
    } else {
        let hint = page_down(addr);
        if hint != 0 && in_guest(hint, len) && s.is_free(hint, hint + len) {
            target = hint;
        } else {
            match s.find_top_down(len, mmap_top()) {
                Some(a) => target = a,
                None => return ENOMEM,
            }
        }
    }
    host_flags |= MAP_FIXED;
    let r = host_mmap(target, len, prot, host_flags, fd, off);
    if r < 0 {
        if !fixed {
            rereserve(target, len);
        }
        return r;
    }
    s.mark(target, target + len);
    r
}

pub fn guest_munmap(addr: u64, len: u64) -> i64 {
    if addr & (PAGE - 1) != 0 || len == 0 {
        return EINVAL;
    }
    let Some(len) = page_up(len) else { return EINVAL };
    let mut s = space();
    if !s.guest_ok(addr, len) {
        return EINVAL;
    }
    let r = rereserve(addr, len);
    if r < 0 {
        return r;
    }
    s.unmark(addr, addr + len);
    0
}

pub fn guest_mprotect(addr: u64, len: u64, prot: u64) -> i64 {
    if prot & PROT_MTE != 0 || addr & (PAGE - 1) != 0 {
        return EINVAL;
    }
    let prot = prot & !PROT_BTI;
    let Some(len) = page_up(len) else { return ENOMEM };
    if len == 0 {
        return 0;
    }
    let s = space();
    if !s.guest_ok(addr, len) {
        return EINVAL;
    }
    if !s.is_covered(addr, addr + len) {
        return ENOMEM;
    }
    sys(libc::SYS_mprotect, &[addr, len, prot])
}

pub fn guest_brk(new: u64) -> i64 {
    let mut s = space();
    let cur = s.brk_cur;
    if new < s.brk_start || !in_guest(s.brk_start, new.saturating_sub(s.brk_start)) {
        return cur as i64;
    }
    let (Some(cur_a), Some(new_a)) = (page_up(cur), page_up(new)) else { return cur as i64 };
    if new_a > cur_a {
        if !s.is_free(cur_a, new_a) {
            return cur as i64;
        }
        let f = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64;
        let r = host_mmap(cur_a, new_a - cur_a, (libc::PROT_READ | libc::PROT_WRITE) as u64, f, u64::MAX, 0);
        if r < 0 {
            rereserve(cur_a, new_a - cur_a);
            return cur as i64;
        }
        s.mark(cur_a, new_a);
    } else if new_a < cur_a {
        rereserve(new_a, cur_a - new_a);
        s.unmark(new_a, cur_a);
    }
    s.brk_cur = new;
    new as i64
}

pub fn guest_mremap(old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> i64 {
    if old & (PAGE - 1) != 0 || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return EINVAL;
    }
    let (Some(old_len), Some(new_len)) = (page_up(old_len), page_up(new_len)) else { return ENOMEM };
    if new_len == 0 || old_len == 0 {
        return EINVAL;
    }
    let mut s = space();
    if !s.guest_ok(old, old_len) {
        return -(libc::EFAULT as i64);
    }
    if !s.is_covered(old, old + old_len) {
        return -(libc::EFAULT as i64);
    }
    let keep_old = flags & MREMAP_DONTUNMAP != 0;
    let moved = |s: &mut Space, dest: u64| {
        if !keep_old {
            let tail = if dest == old { 0 } else { old_len };
            if tail > 0 {
                rereserve(old, old_len);
                s.unmark(old, old + old_len);
            }
        }
        s.mark(dest, dest + new_len);
    };
    if flags & MREMAP_FIXED != 0 {
        if new_addr & (PAGE - 1) != 0 || !s.guest_ok(new_addr, new_len) {
            return EINVAL;
        }
        let r = sys(libc::SYS_mremap, &[old, old_len, new_len, flags, new_addr]);
        if r >= 0 {
            moved(&mut s, new_addr);
        }
        return r;
    }
    if new_len <= old_len && !keep_old {
        let r = sys(libc::SYS_mremap, &[old, old_len, new_len, 0]);
        if r >= 0 && new_len < old_len {
            rereserve(old + new_len, old_len - new_len);
            s.unmark(old + new_len, old + old_len);
        }
        return r;
    }
    // Grow in place if the following guest range is free.
    let tail = old + old_len;
    if !keep_old && in_guest(tail, new_len - old_len) && s.is_free(tail, old + new_len) {
        sys(libc::SYS_munmap, &[tail, new_len - old_len]);
        let r = sys(libc::SYS_mremap, &[old, old_len, new_len, 0]);
        if r >= 0 {
            s.mark(tail, old + new_len);
            return r;
        }
        rereserve(tail, new_len - old_len);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return ENOMEM;
    }
    let Some(dest) = s.find_top_down(new_len, mmap_top()) else { return ENOMEM };
    let r = sys(libc::SYS_mremap, &[old, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED | (flags & MREMAP_DONTUNMAP), dest]);
    if r < 0 {
        rereserve(dest, new_len);
        return r;
    }
    moved(&mut s, dest);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn guest_top_values() {
        assert_eq!(parse_guest_top("0x1000000000"), Ok(0x10_0000_0000));
        assert_eq!(parse_guest_top("68719476736"), Ok(0x10_0000_0000));
        assert_eq!(parse_guest_top("0x400000000000"), Ok(GUEST_HI_DEFAULT));
        for bad in ["", "x", "0x1000", "0x400000010000", "0x1000000001", "-1"] {
            assert!(parse_guest_top(bad).is_err(), "{bad}");
        }
        assert_eq!(guest_hi(), GUEST_HI_DEFAULT);
        assert_eq!(mmap_top(), 0x3fff_ffff_0000 - STACK_SIZE - STACK_GUARD);
    }

    #[test]
    fn placement_inside_range() {
        let mut s = Space::new();
        s.mark(mmap_top(), guest_hi());
        s.mark(0x400000, 0x500000);
        let a = s.find_top_down(0x10000, mmap_top()).unwrap();
        assert_eq!(a, mmap_top() - 0x10000);
        s.mark(a, a + 0x10000);
        let b = s.find_top_down(0x2000, mmap_top()).unwrap();
        assert_eq!(b, a - 0x2000);
        // a gap between two regions is reused
        s.unmark(a, a + 0x1000);
        assert_eq!(s.find_top_down(0x1000, mmap_top()), Some(a));
        // everything placed stays inside the reserved range
        assert!(s.find_top_down(guest_hi(), mmap_top()).is_none());
        let big = s.find_top_down(0x1000_0000_0000, mmap_top()).unwrap();
        assert!(in_guest(big, 0x1000_0000_0000));
        // fill everything below 0x400000
        let low = s.find_top_down(0x400000 - GUEST_LO, 0x400000).unwrap();
        assert_eq!(low, GUEST_LO);
        s.mark(GUEST_LO, 0x400000);
        assert!(s.find_top_down(0x1000, 0x400000).is_none());
        for (st, e) in s.regions() {
            assert!(in_guest(st, e - st));
        }
    }
    #[test]
    fn host_regions_are_refused() {
        let mut s = Space::new();
        s.add_host(0x2aaa_0000_0000, 0x2aaa_0010_0000);
        assert!(!s.guest_ok(0x2aaa_0000_0000, 0x1000));
        assert!(!s.guest_ok(0x2aa9_ffff_f000, 0x2000));
        assert!(s.guest_ok(0x2aaa_0010_0000, 0x1000));
        assert!(!s.is_free(0x2aaa_0000_0000, 0x2aaa_0000_1000));
        let a = s.find_top_down(0x20_0000, 0x2aaa_0010_0000).unwrap();
        assert_eq!(a + 0x20_0000, 0x2aaa_0000_0000);
    }
    #[test]
    fn coverage_and_unmark() {
        let mut s = Space::new();
        s.mark(0x10000, 0x20000);
        s.mark(0x20000, 0x30000);
        assert!(s.is_covered(0x10000, 0x30000));
        assert!(!s.is_covered(0x10000, 0x31000));
        s.unmark(0x18000, 0x22000);
        assert!(!s.is_covered(0x10000, 0x30000));
        assert!(s.is_covered(0x22000, 0x30000));
        assert!(s.is_free(0x18000, 0x22000));
        assert!(!s.is_free(0x17000, 0x19000));
        assert_eq!(s.regions(), vec![(0x10000, 0x18000), (0x22000, 0x30000)]);
    }
    #[test]
    fn range_checks() {
        assert!(in_guest(GUEST_LO, 0x1000));
        assert!(!in_guest(0, 0x1000));
        assert!(!in_guest(guest_hi() - 0x1000, 0x2000));
        assert!(!in_guest(u64::MAX - 10, 100));
    }
}

#[cfg(test)]
mod host_tests {
    use super::*;
    /// Exercise the real system-call paths inside a reservation made in the test process.
    #[test]
    fn mmap_brk_mremap_in_reserved_range() {
        if reserve_guest_range().is_err() {
            eprintln!("guest range not reservable in this test process; skipped");
            return;
        }
        mark_used(mmap_top(), guest_hi());
        init_brk(0x1000_0000);
        let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
        let anon = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        let a = guest_mmap(0, 0x3000, rw, anon, u64::MAX, 0);
        assert!(a > 0 && in_guest(a as u64, 0x3000), "{a:x}");
        assert_eq!(a as u64, mmap_top() - 0x3000);
        // SAFETY: just mapped read-write.
        unsafe { *(a as *mut u64) = 5 };
        // grow: moves or grows in place, stays inside
        let b = guest_mremap(a as u64, 0x3000, 0x10000, MREMAP_MAYMOVE, 0);
        assert!(b > 0 && in_guest(b as u64, 0x10000));
        // SAFETY: the mapping moved with its contents.
        assert_eq!(unsafe { *(b as *const u64) }, 5);
        assert_eq!(guest_munmap(b as u64, 0x10000), 0);
        // fixed outside the range / above 2^47 fails
        assert_eq!(guest_mmap(0x5000_0000_0000, 0x1000, rw, anon | MAP_FIXED, u64::MAX, 0), ENOMEM);
        assert_eq!(guest_mmap(0x8000, 0x1000, rw, anon | MAP_FIXED, u64::MAX, 0), ENOMEM);
        assert_eq!(guest_munmap(0x7e00_0000_0000, 0x1000), EINVAL);
        assert_eq!(guest_mprotect(0x7e00_0000_0000, 0x1000, 1), EINVAL);
        assert_eq!(guest_mprotect(0x2000_0000, 0x1000, rw | PROT_MTE), EINVAL);
        // mprotect of unmapped guest memory is refused, of mapped memory (with BTI) fine
        assert_eq!(guest_mprotect(0x2000_0000, 0x1000, rw), ENOMEM);
        let c = guest_mmap(0x2000_0000, 0x2000, rw, anon | MAP_FIXED_NOREPLACE, u64::MAX, 0);
        assert_eq!(c, 0x2000_0000);
        assert_eq!(guest_mmap(0x2000_0000, 0x1000, rw, anon | MAP_FIXED_NOREPLACE, u64::MAX, 0), -(libc::EEXIST as i64));
        assert_eq!(guest_mprotect(0x2000_0000, 0x1000, libc::PROT_READ as u64 | PROT_BTI), 0);
        assert_eq!(guest_munmap(0x2000_0000, 0x2000), 0);
        // brk
        assert_eq!(guest_brk(0), 0x1000_0000);
        assert_eq!(guest_brk(0x1000_2345), 0x1000_2345);
        // SAFETY: brk area just grown.
        unsafe { *(0x1000_2000 as *mut u8) = 1 };
        assert_eq!(guest_brk(0x1000_0010), 0x1000_0010);
        assert_eq!(guest_brk(0x10), 0x1000_0010);
        for (s, e) in space().regions() {
            assert!(in_guest(s, e - s));
        }
    }
}
