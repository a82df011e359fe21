//! Minimal, bounds-checked ELF64 little-endian reader for the embedded guest image: program
//! headers (for loading) and `.symtab` (for diagnostics). Never panics on malformed input.

pub const PT_LOAD: u32 = 1;
pub const PT_PHDR: u32 = 6;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const EM_AARCH64: u16 = 183;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Phdr {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

#[derive(Clone, Debug)]
pub struct Elf<'a> {
    pub data: &'a [u8],
    pub e_type: u16,
    pub machine: u16,
    pub entry: u64,
    pub phoff: u64,
    pub phentsize: u16,
    pub phdrs: Vec<Phdr>,
    shoff: u64,
    shentsize: u16,
    shnum: u16,
}

fn rd<const N: usize>(d: &[u8], off: u64) -> Option<[u8; N]> {
    let off = usize::try_from(off).ok()?;
    d.get(off..off.checked_add(N)?)?.try_into().ok()
}
pub fn u16_at(d: &[u8], off: u64) -> Option<u16> {
    rd::<2>(d, off).map(u16::from_le_bytes)
}
pub fn u32_at(d: &[u8], off: u64) -> Option<u32> {
    rd::<4>(d, off).map(u32::from_le_bytes)
}
pub fn u64_at(d: &[u8], off: u64) -> Option<u64> {
    rd::<8>(d, off).map(u64::from_le_bytes)
}

impl<'a> Elf<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, String> {
        if data.len() < 64 || &data[0..4] != b"\x7fELF" {
            return Err("not an ELF file".into());
        }
        if data[4] != 2 || data[5] != 1 {
            return Err("not a 64-bit little-endian ELF".into());
        }
        let bad = || "truncated ELF header".to_string();
        let e_type = u16_at(data, 16).ok_or_else(bad)?;
        let machine = u16_at(data, 18).ok_or_else(bad)?;
        let entry = u64_at(data, 24).ok_or_else(bad)?;
        let phoff = u64_at(data, 32).ok_or_else(bad)?;
        let shoff = u64_at(data, 40).ok_or_else(bad)?;
        let phentsize = u16_at(data, 54).ok_or_else(bad)?;
        let phnum = u16_at(data, 56).ok_or_else(bad)?;
        let shentsize = u16_at(data, 58).ok_or_else(bad)?;
        let shnum = u16_at(data, 60).ok_or_else(bad)?;
        if phentsize < 56 && phnum > 0 {
            return Err("bad e_phentsize".into());
        }
        let mut phdrs = Vec::new();
        for i in 0..phnum as u64 {
            let b = phoff.checked_add(i * phentsize as u64).ok_or("bad e_phoff")?;
            let ph = (|| {
                Some(Phdr {
                    p_type: u32_at(data, b)?,
                    flags: u32_at(data, b + 4)?,
                    offset: u64_at(data, b + 8)?,
                    vaddr: u64_at(data, b + 16)?,
                    filesz: u64_at(data, b + 32)?,
                    memsz: u64_at(data, b + 40)?,
                })
            })()
            .ok_or("truncated program header table")?;
            phdrs.push(ph);
        }
        Ok(Elf { data, e_type, machine, entry, phoff, phentsize, phdrs, shoff, shentsize, shnum })
    }

    /// Guest address of the program header table (for AT_PHDR).
    pub fn phdr_vaddr(&self) -> Option<u64> {
        if let Some(p) = self.phdrs.iter().find(|p| p.p_type == PT_PHDR) {
            return Some(p.vaddr);
        }
        self.phdrs
            .iter()
            .find(|p| p.p_type == PT_LOAD && p.offset <= self.phoff && self.phoff < p.offset.saturating_add(p.filesz))
            .map(|p| p.vaddr + (self.phoff - p.offset))
    }

    /// Function and object symbols of `.symtab`: (address, size, name), sorted by address.
    pub fn symbols(&self) -> Vec<(u64, u64, String)> {
        self.symtab(|t| t == 0 || t == 1 || t == 2)
    }

    /// Addresses of the STT_FUNC symbols of `.symtab` (run-time recovery's function starts in run
    /// mode), sorted; empty for a stripped file.
    pub fn function_starts(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.symtab(|t| t == 2).into_iter().map(|s| s.0).collect();
        v.dedup();
        v
    }

    /// Named, non-zero `.symtab` symbols whose type passes `keep`, sorted by address.
    fn symtab(&self, keep: impl Fn(u8) -> bool) -> Vec<(u64, u64, String)> {
        let mut out = Vec::new();
        let d = self.data;
        let sh = |i: u64, f: u64| self.shoff.checked_add(i * self.shentsize as u64 + f);
        for i in 0..self.shnum as u64 {
            let Some(ty) = sh(i, 4).and_then(|o| u32_at(d, o)) else { continue };
            if ty != 2 {
                continue; // SHT_SYMTAB
            }
            let (Some(off), Some(size), Some(link), Some(entsize)) = (
                sh(i, 24).and_then(|o| u64_at(d, o)),
                sh(i, 32).and_then(|o| u64_at(d, o)),
                sh(i, 40).and_then(|o| u32_at(d, o)),
                sh(i, 56).and_then(|o| u64_at(d, o)),
            ) else {
                continue;
            };
            let Some(stroff) = sh(link as u64, 24).and_then(|o| u64_at(d, o)) else { continue };
            let Some(strsize) = sh(link as u64, 32).and_then(|o| u64_at(d, o)) else { continue };
            if entsize < 24 {
                continue;
            }
            for k in 0..size / entsize {
                let b = off + k * entsize;
                let (Some(name), Some(info), Some(value), Some(sz)) =
                    (u32_at(d, b), d.get(b as usize + 4).copied(), u64_at(d, b + 8), u64_at(d, b + 16))
                else {
                    break;
                };
                let st_type = info & 0xf;
                if !keep(st_type) || name == 0 || value == 0 {
                    continue;
                }
                if name as u64 >= strsize {
                    continue;
                }
                let start = (stroff + name as u64) as usize;
                let Some(rest) = d.get(start..) else { continue };
                let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
                let s = String::from_utf8_lossy(&rest[..end]).into_owned();
                if s.starts_with('$') {
                    continue; // mapping symbols $x / $d
                }
                out.push((value, sz, s));
            }
        }
        out.sort();
        out
    }
}

/// `name+0xoff` of the nearest symbol at or below `addr`, or "?".
pub fn describe(syms: &[(u64, u64, String)], addr: u64) -> String {
    let i = syms.partition_point(|s| s.0 <= addr);
    if i == 0 {
        return "?".into();
    }
    let (a, _, ref n) = syms[i - 1];
    format!("{}+0x{:x}", n, addr - a)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rejects_garbage() {
        assert!(Elf::parse(b"hello").is_err());
        let mut h = vec![0u8; 64];
        h[0..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[56] = 5; // phnum with phentsize 0
        assert!(Elf::parse(&h).is_err());
    }
    #[test]
    fn describe_nearest() {
        let s = vec![(0x100, 4, "a".to_string()), (0x200, 4, "b".to_string())];
        assert_eq!(describe(&s, 0x80), "?");
        assert_eq!(describe(&s, 0x104), "a+0x4");
        assert_eq!(describe(&s, 0x200), "b+0x0");
    }
}
