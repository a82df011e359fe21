//! Host PC -> guest PC, from the .debug_line of our own executable.
//!
//! The translator gives every host instruction of a translated function the debug line of the
//! guest instruction it implements (`pc_line` in translator/src/llvm.rs: line = offset / 4 + 1
//! from the guest function's start), one DWARF line program per function. Nothing is stored at
//! run time until the first fault: then /proc/self/exe is read once and the rows that fall inside
//! `aot_text` are kept, sorted by host address.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Sorted rows: (host address, guest PC). `NONE` ends a sequence (a function's end); 0 is a host
/// instruction with line 0 (no single guest instruction).
pub struct PcMap {
    rows: Vec<(u64, u64)>,
}

const NONE: u64 = u64::MAX;

impl PcMap {
    /// Build from an ELF image (our executable), its load bias, the host range of translated code
    /// and the guest start of each translated host function.
    pub fn build(exe: &[u8], code: (u64, u64), base_of: &HashMap<u64, u64>) -> Option<PcMap> {
        let (_, text_addr, _) = section(exe, b"aot_text")?;
        let (line_off, _, line_size) = section(exe, b".debug_line")?;
        let bias = code.0.wrapping_sub(text_addr);
        let data = exe.get(line_off as usize..(line_off as usize).checked_add(line_size as usize)?)?;
        let dl = gimli::DebugLine::new(data, gimli::LittleEndian);
        let mut rows = Vec::new();
        let mut off = 0usize;
        while off < data.len() {
            let Ok(prog) = dl.program(gimli::DebugLineOffset(off), 8, None, None) else { break };
            let h = prog.header();
            let len = h.unit_length() as usize + h.format().initial_length_size() as usize;
            if len == 0 {
                break;
            }
            off += len;
            let mut it = prog.rows();
            // Guest base of the sequence being read (None: not translated code).
            let mut base: Option<Option<u64>> = None;
            while let Ok(Some((_, row))) = it.next_row() {
                let a = row.address().wrapping_add(bias);
                if row.end_sequence() {
                    if let Some(Some(_)) = base {
                        rows.push((a, NONE));
                    }
                    base = None;
                    continue;
                }
                let b = *base.get_or_insert_with(|| if (code.0..code.1).contains(&a) { base_of.get(&a).copied() } else { None });
                let Some(b) = b else { continue };
                let g = match row.line() {
                    Some(l) => b.wrapping_add((l.get() - 1).wrapping_mul(4)),
                    None => 0,
                };
                rows.push((a, g));
            }
        }
        rows.sort_by_key(|r| r.0);
        Some(PcMap { rows })
    }

    /// The guest PC of the instruction at host address `pc`: the row covering it, or for a row
    /// without a line the closest earlier row of the same function that has one.
    pub fn lookup(&self, pc: u64) -> Option<u64> {
        let i = self.rows.partition_point(|r| r.0 <= pc).checked_sub(1)?;
        for &(_, g) in self.rows[..=i].iter().rev() {
            match g {
                NONE => return None,
                0 => continue,
                g => return Some(g),
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// (file offset, address, size) of the section called `name` in an ELF64 little-endian image.
pub fn section(elf: &[u8], name: &[u8]) -> Option<(u64, u64, u64)> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?) as usize);
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?) as usize);
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?));
    if elf.get(..5)? != b"\x7fELF\x02" {
        return None;
    }
    let shoff = u64_at(0x28)? as usize;
    let (shentsize, shnum, shstrndx) = (u16_at(0x3a)?, u16_at(0x3c)?, u16_at(0x3e)?);
    let sh = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
    let strtab = u64_at(sh(shstrndx)? + 0x18)? as usize;
    for i in 0..shnum {
        let h = sh(i)?;
        let n = strtab.checked_add(u32_at(h)?)?;
        let s = elf.get(n..)?;
        let end = s.iter().position(|&c| c == 0)?;
        if &s[..end] == name {
            return Some((u64_at(h + 0x18)?, u64_at(h + 0x10)?, u64_at(h + 0x20)?));
        }
    }
    None
}

static MAP: OnceLock<Option<PcMap>> = OnceLock::new();

/// The map of this program (built on first use).
pub fn get() -> Option<&'static PcMap> {
    MAP.get_or_init(|| {
        let exe = std::fs::read("/proc/self/exe").ok()?;
        let starts = crate::glue::fn_starts();
        let mut base_of: HashMap<u64, u64> = crate::glue::entries()
            .iter()
            .filter(|e| starts.binary_search(&e.guest_pc).is_ok())
            .map(|e| (e.host_fn as usize as u64, e.guest_pc))
            .collect();
        // The LLVM tier's line table starts at the body, the direct entry `aot_d_`
        // (docs/design.md "Direct calls"), not at the full-state entry of the entry table.
        for &[f, d] in crate::glue::direct_entries() {
            if let Some(&g) = base_of.get(&f) {
                base_of.insert(d, g);
            }
        }
        PcMap::build(&exe, crate::glue::code_range(), &base_of)
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn lookup_rows() {
        let m = PcMap { rows: vec![(0x100, 0x400000), (0x108, 0x400004), (0x110, 0), (0x118, NONE), (0x200, 0x500000)] };
        assert_eq!(m.lookup(0xff), None);
        assert_eq!(m.lookup(0x100), Some(0x400000));
        assert_eq!(m.lookup(0x107), Some(0x400000));
        assert_eq!(m.lookup(0x10c), Some(0x400004));
        assert_eq!(m.lookup(0x114), Some(0x400004));
        assert_eq!(m.lookup(0x118), None);
        assert_eq!(m.lookup(0x1ff), None);
        assert_eq!(m.lookup(0x300), Some(0x500000));
    }
    #[test]
    fn bad_images_give_nothing() {
        assert!(section(b"", b".text").is_none());
        assert!(section(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", b".text").is_none());
        assert!(PcMap::build(&[0u8; 64], (0, 0), &HashMap::new()).is_none());
    }
    #[test]
    fn finds_sections_of_the_test_binary() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        assert!(section(&exe, b".text").is_some());
    }
}
