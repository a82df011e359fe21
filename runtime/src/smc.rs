//! Self-modifying and generated code (docs/jit.md "Self-modifying code"): IC IVAU invalidates
//! every translation of the 64-byte line it names, at that address and at every other mapping
//! of the same shared file page (W^X double mappings through memfd: IC IVAU acts on the physical
//! line).
//!
//! - JIT'd functions overlapping the line leave the JIT map and their chaining slots are reset
//!   (crate::jit::invalidate): the next call recompiles from memory.
//! - AOT functions overlapping the line (their guest code is in the program's executable
//!   segments) are marked invalid: `aot_lookup` stops returning them (its cache is emptied) and
//!   their host entry is patched into a jump to `aot_jit_enter`, so direct calls from other AOT
//!   functions, the dispatcher, JIT'd code and chaining slots all reach a JIT translation of the
//!   new code; the inline caches of indirect calls are emptied (crate::ic).
//!
//! Code already running in an invalidated translation finishes as translated (like a core that
//! has fetched the old instructions, only for longer).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// CTR_EL0.IminLine: 4 words << 4 = 64-byte instruction cache lines.
pub const LINE: u64 = 4 << (aot_lifter::cpu::sysreg::CTR_EL0 & 0xf);

/// Bumped by every guest mmap/munmap/mremap/mprotect/shmat/shmdt: the cached parse of
/// /proc/self/maps is stale when it differs.
static MAPS_GEN: AtomicU64 = AtomicU64::new(1);

pub fn maps_changed() {
    MAPS_GEN.fetch_add(1, Ordering::Release);
}

/// One line of /proc/self/maps that maps a file (or memfd, or SysV segment) page range.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FileMap {
    start: u64,
    end: u64,
    offset: u64,
    dev: u64,
    inode: u64,
    shared: bool,
}

/// Parse /proc/self/maps text: the mappings backed by an inode.
fn parse_maps(text: &str) -> Vec<FileMap> {
    let mut out = vec![];
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let (Some(range), Some(perms), Some(off), Some(dev), Some(ino)) = (f.next(), f.next(), f.next(), f.next(), f.next()) else { continue };
        let Some((a, b)) = range.split_once('-') else { continue };
        let Some((maj, min)) = dev.split_once(':') else { continue };
        let hex = |s: &str| u64::from_str_radix(s, 16).ok();
        let (Some(start), Some(end), Some(offset), Some(maj), Some(min), Ok(inode)) = (hex(a), hex(b), hex(off), hex(maj), hex(min), ino.parse::<u64>()) else { continue };
        if inode == 0 {
            continue;
        }
        out.push(FileMap { start, end, offset, dev: maj << 32 | min, inode, shared: perms.as_bytes().get(3) == Some(&b's') });
    }
    out
}

/// The other addresses at which the byte at `addr` is mapped, when `addr` lies in a shared file
/// mapping (same device, inode and file offset).
fn aliases_in(maps: &[FileMap], addr: u64) -> Vec<u64> {
    let Some(m) = maps.iter().find(|m| m.start <= addr && addr < m.end && m.shared) else { return vec![] };
    let off = m.offset + (addr - m.start);
    maps.iter()
        .filter(|n| n.dev == m.dev && n.inode == m.inode && n.start != m.start && n.offset <= off && off < n.offset + (n.end - n.start))
        .map(|n| n.start + (off - n.offset))
        .collect()
}

static MAPS: Mutex<(u64, Vec<FileMap>)> = Mutex::new((0, Vec::new()));

fn aliases(addr: u64) -> Vec<u64> {
    let mut g = MAPS.lock().unwrap_or_else(|e| e.into_inner());
    let gen = MAPS_GEN.load(Ordering::Acquire);
    if g.0 != gen {
        let text = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        *g = (gen, parse_maps(&text));
    }
    aliases_in(&g.1, addr)
}

/// Guest entry addresses whose AOT translation must not be used any more.
static AOT_INVALID: RwLock<BTreeSet<u64>> = RwLock::new(BTreeSet::new());
static ANY_AOT_INVALID: AtomicBool = AtomicBool::new(false);

/// Whether the AOT translation of entry `pc` was invalidated (cheap when none was).
#[inline]
pub fn aot_invalid(pc: u64) -> bool {
    ANY_AOT_INVALID.load(Ordering::Acquire) && marked_invalid(pc)
}

/// Whether any AOT entry was invalidated yet.
#[inline(always)]
pub fn any_aot_invalid() -> bool {
    ANY_AOT_INVALID.load(Ordering::Acquire)
}

#[cold]
#[inline(never)]
fn marked_invalid(pc: u64) -> bool {
    AOT_INVALID.read().unwrap_or_else(|e| e.into_inner()).contains(&pc)
}

/// The executable segments of the guest program (where AOT functions come from).
fn guest_text() -> &'static [(u64, u64)] {
    static T: OnceLock<Vec<(u64, u64)>> = OnceLock::new();
    T.get_or_init(|| match crate::elf::Elf::parse(crate::glue::image()) {
        Ok(e) => e
            .phdrs
            .iter()
            .filter(|p| p.p_type == crate::elf::PT_LOAD && p.flags & crate::elf::PF_X != 0)
            .map(|p| (p.vaddr, p.vaddr + p.memsz))
            .collect(),
        Err(_) => vec![],
    })
}

/// Mark the AOT functions overlapping `[lo, hi)` invalid. A function is taken to span from its
/// start to the next function start (aot_fn_starts).
fn invalidate_aot(lo: u64, hi: u64) {
    if !guest_text().iter().any(|&(a, b)| a < hi && lo < b) {
        return;
    }
    let starts = crate::glue::fn_starts();
    // First function: the last start <= lo (or the first one after it).
    let first = match starts.binary_search(&lo) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) => i - 1,
    };
    let Some(&from) = starts.get(first) else { return };
    let last = starts.partition_point(|&s| s < hi);
    let to = starts.get(last).copied().unwrap_or(u64::MAX);
    let entries = crate::glue::entries();
    let i0 = entries.partition_point(|e| e.guest_pc < from);
    let i1 = entries.partition_point(|e| e.guest_pc < to);
    if i0 >= i1 {
        return;
    }
    // The host functions of those entries; every entry of such a host function (a function
    // with several entries is one host function) stops being used, since the patched entry
    // sends all of them to the JIT.
    let mut hosts: Vec<u64> = entries[i0..i1].iter().map(|e| e.host_fn as usize as u64).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let victims: Vec<u64> = entries.iter().filter(|e| hosts.binary_search(&(e.host_fn as usize as u64)).is_ok()).map(|e| e.guest_pc).collect();
    {
        let mut s = AOT_INVALID.write().unwrap_or_else(|e| e.into_inner());
        s.extend(victims.iter().copied());
        ANY_AOT_INVALID.store(true, Ordering::Release);
    }
    crate::dispatch::clear_cache();
    crate::ic::reset_all();
    crate::chain::reset(&victims);
    for h in hosts {
        // The direct entry of the same function (translator/src/llvm.rs `direct_symbol`): direct
        // calls enter there without passing through `h`. LLVM's has a patch pad; the Cranelift
        // tier's is an adapter that stores the registers and jumps to `h` (no pad, nothing to do).
        if let Some(&[_, d]) = crate::glue::direct_entries().iter().find(|e| e[0] == h) {
            if d != h {
                redirect_to(d, crate::jit::aot_jit_enter_d as *const () as u64);
            }
        }
        if !redirect(h) && crate::trap::debug() {
            crate::guest::write_stderr(&format!("aot-translate runtime: cannot redirect the host function at 0x{h:x}: direct calls still enter it\n"));
        }
    }
    crate::jit::INVALIDATED.fetch_add(victims.len() as u64, Ordering::Relaxed);
}

/// Serialises the patching of host code (mprotect RWX, store, mprotect RX).
static PATCH: Mutex<()> = Mutex::new(());

/// The 8 bytes that replace an entry pad at `host`: `jmp rel32` to `target`, then three int3.
fn jump_word(host: u64, target: u64) -> Option<u64> {
    let rel = i32::try_from((target as i64).wrapping_sub(host as i64 + 5)).ok()?;
    Some(0xe9 | (rel as u32 as u64) << 8 | 0xcc_cccc << 40)
}

/// Redirect the AOT host function at `host` to `aot_jit_enter`: its entry pad (one 8-byte NOP,
/// translator/src/llvm.rs PATCH_PAD) becomes a jump there, written with one aligned 8-byte store
/// (a thread reaching the entry runs either the NOP or the jump). `aot_jit_enter(state,
/// entry_pc)` receives the function's own arguments and runs what `aot_lookup` finds for
/// `entry_pc` (a JIT translation: the entry is invalid). False if the pad is not there.
fn redirect(host: u64) -> bool {
    redirect_to(host, crate::jit::aot_jit_enter as *const () as u64)
}

/// `redirect` to `target` (`aot_jit_enter_d` for a direct entry).
fn redirect_to(host: u64, target: u64) -> bool {
    let (lo, hi) = crate::glue::code_range();
    if host % 8 != 0 || host < lo || host + 8 > hi {
        return false;
    }
    let Some(word) = jump_word(host, target) else { return false };
    let _g = PATCH.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: `host` is 8-byte aligned inside the translated code section (mapped, readable).
    let cell = unsafe { &*(host as *const AtomicU64) };
    let cur = cell.load(Ordering::Acquire);
    if cur == word {
        return true;
    }
    // LLVM's 8-byte NOP: 0f 1f 84 (SIB, disp32), `nopl 0x0(%rax,%rax,1)`-style.
    let b = cur.to_le_bytes();
    if !(b[0] == 0x0f && b[1] == 0x1f && b[2] == 0x84) {
        return false;
    }
    let page = host & !4095;
    let rwx = libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC;
    // SAFETY: the page holds translated code only (aot_text); it stays executable throughout.
    if unsafe { libc::mprotect(page as *mut libc::c_void, 4096, rwx) } != 0 {
        return false;
    }
    cell.store(word, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { libc::mprotect(page as *mut libc::c_void, 4096, libc::PROT_READ | libc::PROT_EXEC) };
    true
}

/// Invalidate the translations of guest code in `[lo, hi)` at this address only.
pub fn invalidate_range(lo: u64, hi: u64) {
    crate::jit::invalidate(lo, hi);
    invalidate_aot(lo, hi);
}

/// IC IVAU on `addr`: the line and its aliases.
pub fn ic_ivau(addr: u64) {
    let lo = addr & !(LINE - 1);
    invalidate_range(lo, lo + LINE);
    for a in aliases(lo) {
        invalidate_range(a, a + LINE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn jump_encoding() {
        // jmp from 0x1000 to 0x2000: rel32 = 0x2000 - 0x1005 = 0xffb
        assert_eq!(jump_word(0x1000, 0x2000), Some(0xcccccc_00000ffb_e9));
        assert_eq!(jump_word(0x2000, 0x1000).map(|w| (w >> 8) as u32 as i32), Some(-0x1005));
        assert_eq!(jump_word(0, 1 << 40), None);
    }
    #[test]
    fn line_size() {
        assert_eq!(LINE, 64);
    }
    #[test]
    fn maps_and_aliases() {
        let text = "\
00400000-00480000 r-xp 00000000 08:01 1234 /bin/prog
7f0000000000-7f0000002000 rw-s 00000000 00:01 77 /memfd:jit (deleted)
7f0000010000-7f0000011000 r-xs 00001000 00:01 77 /memfd:jit (deleted)
7f0000020000-7f0000022000 r--p 00000000 00:01 77 /memfd:jit (deleted)
7f0000030000-7f0000031000 rw-s 00001000 00:01 78 /memfd:other (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
";
        let m = parse_maps(text);
        assert_eq!(m.len(), 5);
        assert!(m[1].shared && !m[0].shared && !m[3].shared);
        // page 1 of the memfd: at 0x7f0000001000 (RW view), 0x7f0000010000 (RX view) and the
        // private view's second page
        let mut a = aliases_in(&m, 0x7f0000001040);
        a.sort();
        assert_eq!(a, [0x7f0000010040, 0x7f0000021040]);
        assert_eq!(aliases_in(&m, 0x7f0000010040), [0x7f0000001040, 0x7f0000021040]);
        // page 0 is not in the RX view
        assert_eq!(aliases_in(&m, 0x7f0000000040), [0x7f0000020040]);
        // private and anonymous mappings have no aliases
        assert!(aliases_in(&m, 0x400040).is_empty());
        assert!(aliases_in(&m, 0x7ffd00000040).is_empty());
    }
}
