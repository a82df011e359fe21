//! Loading the embedded guest ELF into the reserved range and building the initial stack exactly as
//! Linux does for an aarch64 process.

use crate::elf::{Elf, PF_R, PF_W, PF_X, PT_LOAD};
use crate::mem::{self, page_down, page_up, PAGE};

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_PLATFORM: u64 = 15;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;
pub const AT_HWCAP2: u64 = 26;
pub const AT_EXECFN: u64 = 31;
pub const AT_MINSIGSTKSZ: u64 = 51;

fn prot_of(flags: u32) -> u64 {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= libc::PROT_READ;
    }
    if flags & PF_W != 0 {
        p |= libc::PROT_WRITE;
    }
    if flags & PF_X != 0 {
        p |= libc::PROT_EXEC;
    }
    p as u64
}

/// Map every PT_LOAD of `elf` at its own address; returns the initial brk (page-aligned end of the
/// highest segment).
pub fn map_segments(elf: &Elf) -> Result<u64, String> {
    if elf.machine != crate::elf::EM_AARCH64 {
        return Err(format!("embedded image is not AArch64 (e_machine {})", elf.machine));
    }
    if elf.e_type != 2 {
        return Err(format!("embedded image is not a static executable (e_type {})", elf.e_type));
    }
    let loads: Vec<_> = elf.phdrs.iter().filter(|p| p.p_type == PT_LOAD && p.memsz > 0).collect();
    if loads.is_empty() {
        return Err("embedded image has no PT_LOAD segment".into());
    }
    let mut ranges = Vec::new();
    for p in &loads {
        let start = page_down(p.vaddr);
        let end = p.vaddr.checked_add(p.memsz).and_then(page_up).ok_or("segment overflows")?;
        if !mem::in_guest(start, end - start) {
            return Err(format!("segment at 0x{:x} is outside the guest range", p.vaddr));
        }
        if p.filesz > p.memsz || p.offset.checked_add(p.filesz).is_none_or(|e| e > elf.data.len() as u64) {
            return Err(format!("segment at 0x{:x} has bad sizes", p.vaddr));
        }
        ranges.push((start, end));
    }
    // 1. map all pages RW (segments may share a page), 2. copy, 3. protect.
    for &(s, e) in &ranges {
        let r = mem::map_fixed_anon(s, e - s, (libc::PROT_READ | libc::PROT_WRITE) as u64);
        if r < 0 {
            return Err(format!("cannot map guest segment 0x{s:x}..0x{e:x} ({r})"));
        }
    }
    for p in &loads {
        let src = &elf.data[p.offset as usize..(p.offset + p.filesz) as usize];
        // SAFETY: [vaddr, vaddr+filesz) lies inside a range just mapped read-write above, inside the
        // reserved guest range where nothing of the host lives; src is inside the image.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), p.vaddr as *mut u8, src.len()) };
    }
    for (i, p) in loads.iter().enumerate() {
        let (s, e) = ranges[i];
        let mut prot = prot_of(p.flags);
        // A page shared with another segment gets the union of both protections.
        for (j, q) in loads.iter().enumerate() {
            let (s2, e2) = ranges[j];
            if j != i && s2 < e && s < e2 {
                prot |= prot_of(q.flags);
            }
        }
        crate::guest::sys(libc::SYS_mprotect, &[s, e - s, prot]);
    }
    let top = ranges.iter().map(|r| r.1).max().unwrap_or(PAGE);
    Ok(top)
}

/// Everything needed to build the initial stack.
pub struct StackSpec<'a> {
    pub args: &'a [&'a [u8]],
    pub envs: &'a [&'a [u8]],
    pub execfn: &'a [u8],
    pub platform: &'a [u8],
    pub random: [u8; 16],
    /// auxv pairs without AT_RANDOM/AT_EXECFN/AT_PLATFORM/AT_NULL (added by the builder).
    pub auxv: &'a [(u64, u64)],
}

/// Build the initial stack into `buf`, which stands for guest addresses [base, base+buf.len()),
/// with the stack top at the end of `buf`. Returns the initial sp, or None if it does not fit.
pub fn build_stack(buf: &mut [u8], base: u64, spec: &StackSpec) -> Option<u64> {
    let top = base + buf.len() as u64;
    let mut p = top - 8; // an 8-byte NULL end marker, as Linux leaves
    let put = |buf: &mut [u8], p: &mut u64, data: &[u8], nul: bool| -> Option<u64> {
        let len = data.len() as u64 + nul as u64;
        *p = p.checked_sub(len)?;
        if *p < base {
            return None;
        }
        let off = (*p - base) as usize;
        buf[off..off + data.len()].copy_from_slice(data);
        if nul {
            buf[off + data.len()] = 0;
        }
        Some(*p)
    };
    let execfn = put(buf, &mut p, spec.execfn, true)?;
    // Strings: argv[0] lowest, then the others, then the environment (Linux's order).
    let mut env_ptrs = vec![0u64; spec.envs.len()];
    for (i, e) in spec.envs.iter().enumerate().rev() {
        env_ptrs[i] = put(buf, &mut p, e, true)?;
    }
    let mut arg_ptrs = vec![0u64; spec.args.len()];
    for (i, a) in spec.args.iter().enumerate().rev() {
        arg_ptrs[i] = put(buf, &mut p, a, true)?;
    }
    p &= !15;
    let platform = put(buf, &mut p, spec.platform, true)?;
    p &= !15;
    let random = put(buf, &mut p, &spec.random, false)?;
    let mut auxv: Vec<(u64, u64)> = spec.auxv.to_vec();
    auxv.push((AT_RANDOM, random));
    auxv.push((AT_EXECFN, execfn));
    auxv.push((AT_PLATFORM, platform));
    auxv.push((AT_NULL, 0));
    let words = 1 + spec.args.len() + 1 + spec.envs.len() + 1 + 2 * auxv.len();
    let sp = p.checked_sub(words as u64 * 8)? & !15;
    if sp < base {
        return None;
    }
    let mut w = sp;
    let mut push = |buf: &mut [u8], v: u64| {
        let off = (w - base) as usize;
        buf[off..off + 8].copy_from_slice(&v.to_le_bytes());
        w += 8;
    };
    push(buf, spec.args.len() as u64);
    for &a in &arg_ptrs {
        push(buf, a);
    }
    push(buf, 0);
    for &e in &env_ptrs {
        push(buf, e);
    }
    push(buf, 0);
    for &(k, v) in &auxv {
        push(buf, k);
        push(buf, v);
    }
    Some(sp)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn word(buf: &[u8], base: u64, a: u64) -> u64 {
        let o = (a - base) as usize;
        u64::from_le_bytes(buf[o..o + 8].try_into().unwrap())
    }
    fn cstr(buf: &[u8], base: u64, a: u64) -> Vec<u8> {
        let o = (a - base) as usize;
        let n = buf[o..].iter().position(|&c| c == 0).unwrap();
        buf[o..o + n].to_vec()
    }
    #[test]
    fn initial_stack_layout() {
        let base = 0x3fff_fff0_0000u64;
        let mut buf = vec![0u8; 0x10000];
        let spec = StackSpec {
            args: &[b"prog", b"a1", b"arg two"],
            envs: &[b"A=1", b"PATH=/bin"],
            execfn: b"/abs/prog",
            platform: b"aarch64",
            random: [7; 16],
            auxv: &[(AT_PAGESZ, 4096), (AT_ENTRY, 0x400123)],
        };
        let sp = build_stack(&mut buf, base, &spec).unwrap();
        assert_eq!(sp % 16, 0);
        assert_eq!(word(&buf, base, sp), 3);
        let argv: Vec<Vec<u8>> = (0..3).map(|i| cstr(&buf, base, word(&buf, base, sp + 8 + 8 * i))).collect();
        assert_eq!(argv, vec![b"prog".to_vec(), b"a1".to_vec(), b"arg two".to_vec()]);
        assert_eq!(word(&buf, base, sp + 32), 0);
        let envp = sp + 40;
        assert_eq!(cstr(&buf, base, word(&buf, base, envp)), b"A=1");
        assert_eq!(cstr(&buf, base, word(&buf, base, envp + 8)), b"PATH=/bin");
        assert_eq!(word(&buf, base, envp + 16), 0);
        let mut a = envp + 24;
        let mut aux = Vec::new();
        loop {
            let (k, v) = (word(&buf, base, a), word(&buf, base, a + 8));
            aux.push((k, v));
            a += 16;
            if k == AT_NULL {
                break;
            }
        }
        assert_eq!(aux[0], (AT_PAGESZ, 4096));
        assert_eq!(aux[1], (AT_ENTRY, 0x400123));
        let get = |k| aux.iter().find(|x| x.0 == k).unwrap().1;
        assert_eq!(cstr(&buf, base, get(AT_EXECFN)), b"/abs/prog");
        assert_eq!(cstr(&buf, base, get(AT_PLATFORM)), b"aarch64");
        let r = get(AT_RANDOM);
        assert_eq!(&buf[(r - base) as usize..(r - base) as usize + 16], &[7u8; 16]);
        // strings live above the vectors, inside the buffer
        assert!(r >= a && get(AT_EXECFN) < base + buf.len() as u64);
        // too small a buffer is reported, not a panic
        let mut small = vec![0u8; 64];
        assert!(build_stack(&mut small, base, &spec).is_none());
    }
}
