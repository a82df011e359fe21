//! Guest ELF reading: a static AArch64 Linux executable -> segments, symbols, entry point and the
//! sections recovery needs (.eh_frame, .gcc_except_table, .init_array/.fini_array).
//!
//! Accepted input: ELF64, little-endian, EM_AARCH64, ET_EXEC, no PT_INTERP. Everything else is
//! rejected with an [`ElfError`] whose message is one line. Decision: ET_DYN (static-pie and shared
//! objects) is rejected for now: the translator maps guest segments at their link addresses, so a
//! position-independent image would need a chosen load base and its RELATIVE relocations applied.
//!
//! Parsing never panics: every file-controlled offset/size goes through checked arithmetic or
//! `get()`; malformed optional information (symbols, sections) is an error, not a crash.

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, Sym};
use object::LittleEndian as LE;

/// A loadable segment (PT_LOAD).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub filesz: u64,
    pub offset: u64,
    pub r: bool,
    pub w: bool,
    pub x: bool,
    /// The file bytes (`filesz` of them); the rest up to `memsz` is zero.
    pub data: Vec<u8>,
}

impl Segment {
    fn contains(&self, addr: u64) -> bool {
        addr >= self.vaddr && addr - self.vaddr < self.memsz
    }
    /// File bytes from `addr` to the end of the file part, if `addr` is in the file part.
    fn file_bytes_from(&self, addr: u64) -> Option<&[u8]> {
        let off = addr.checked_sub(self.vaddr)?;
        let off = usize::try_from(off).ok()?;
        self.data.get(off..)
    }
}

/// A symbol: a function or a code label (mapping symbols `$x`/`$d` are skipped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub addr: u64,
    pub size: u64,
    /// STT_FUNC or STT_GNU_IFUNC; false for labels (STT_NOTYPE).
    pub is_func: bool,
}

/// The contents of a section, with its virtual address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub addr: u64,
    pub data: Vec<u8>,
}

/// What recovery needs of a guest executable.
#[derive(Clone, Debug)]
pub struct GuestElf {
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// Sorted by (addr, name).
    pub symbols: Vec<Symbol>,
    pub eh_frame: Option<Section>,
    pub eh_frame_hdr: Option<Section>,
    pub gcc_except_table: Option<Section>,
    /// Go's function table (Go binaries only; see gopclntab.rs).
    pub gopclntab: Option<Section>,
    /// .preinit_array and .init_array entries (both are functions the start-up code calls).
    pub init_array: Vec<u64>,
    pub fini_array: Vec<u64>,
    /// Allocated sections without SHF_EXECINSTR that lie in an executable segment (.rodata,
    /// .eh_frame...): [start, end). Recovery looks for code pointers there as in data segments.
    /// Empty without section headers.
    pub exec_data: Vec<(u64, u64)>,
    /// Sections with SHF_EXECINSTR: [start, end). Empty without section headers.
    pub code_sections: Vec<(u64, u64)>,
    /// Always false for now: static-pie executables are rejected (see the module docs).
    pub is_static_pie: bool,
}

/// Why a file cannot be translated. Display is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file{0}")]
    NotElf(String),
    #[error("truncated ELF file ({0})")]
    Truncated(String),
    #[error("32-bit ELF is not supported")]
    Elf32,
    #[error("big-endian ELF is not supported")]
    BigEndian,
    #[error("invalid ELF identification: {0}")]
    BadIdent(String),
    #[error("machine is {name} ({machine:#x}), expected AArch64")]
    WrongMachine { machine: u16, name: &'static str },
    #[error("relocatable object (ET_REL), not an executable")]
    Relocatable,
    #[error("core dump (ET_CORE), not an executable")]
    CoreDump,
    #[error("shared library (ET_DYN without entry point), not an executable")]
    SharedLibrary,
    #[error("unsupported ELF type {0:#x}, expected an executable")]
    UnknownType(u16),
    #[error("dynamically linked executables are not supported yet (PT_INTERP {0})")]
    Dynamic(String),
    #[error("static-pie executables are not supported yet")]
    StaticPie,
    #[error("inconsistent ELF headers: {0}")]
    BadHeader(String),
    #[error("segment {index} at {vaddr:#x} lies outside the file")]
    SegmentOutsideFile { index: usize, vaddr: u64 },
    #[error("segments {a} and {b} overlap at {addr:#x}")]
    SegmentOverlap { a: usize, b: usize, addr: u64 },
    #[error("no executable segment")]
    NoExecSegment,
    #[error("entry point {0:#x} is not in an executable segment")]
    EntryNotExecutable(u64),
    #[error("entry point {0:#x} is not 4-byte aligned")]
    EntryMisaligned(u64),
    #[error("malformed section headers: {0}")]
    BadSections(String),
    #[error("malformed symbol table: {0}")]
    BadSymbols(String),
}

fn machine_name(m: u16) -> &'static str {
    match m {
        elf::EM_386 => "i386",
        elf::EM_X86_64 => "x86-64",
        elf::EM_ARM => "32-bit Arm",
        elf::EM_RISCV => "RISC-V",
        elf::EM_PPC64 => "PowerPC64",
        elf::EM_PPC => "PowerPC",
        elf::EM_S390 => "s390",
        elf::EM_MIPS => "MIPS",
        elf::EM_SPARCV9 => "SPARC V9",
        elf::EM_LOONGARCH => "LoongArch",
        elf::EM_NONE => "none",
        _ => "unknown",
    }
}

type Hdr = elf::FileHeader64<LE>;

/// Parse and validate a guest executable.
pub fn parse(data: &[u8]) -> Result<GuestElf, ElfError> {
    if data.is_empty() {
        return Err(ElfError::NotElf(" (empty file)".into()));
    }
    if data.len() < 4 {
        if elf::ELFMAG.starts_with(data) {
            return Err(ElfError::Truncated(format!("{} bytes, the ELF header needs 64", data.len())));
        }
        return Err(ElfError::NotElf(String::new()));
    }
    if data[..4] != elf::ELFMAG {
        return Err(ElfError::NotElf(String::new()));
    }
    if data.len() < 16 {
        return Err(ElfError::Truncated(format!("{} bytes, the ELF header needs 64", data.len())));
    }
    match data[4] {
        elf::ELFCLASS64 => {}
        elf::ELFCLASS32 => return Err(ElfError::Elf32),
        c => return Err(ElfError::BadIdent(format!("class byte {c:#x}"))),
    }
    match data[5] {
        elf::ELFDATA2LSB => {}
        elf::ELFDATA2MSB => return Err(ElfError::BigEndian),
        d => return Err(ElfError::BadIdent(format!("data encoding byte {d:#x}"))),
    }
    if data.len() < 64 {
        return Err(ElfError::Truncated(format!("{} bytes, the ELF header needs 64", data.len())));
    }
    let hdr = Hdr::parse(data).map_err(|e| ElfError::BadHeader(e.to_string()))?;
    let en = LE;
    let machine = hdr.e_machine(en);
    if machine != elf::EM_AARCH64 {
        return Err(ElfError::WrongMachine { machine, name: machine_name(machine) });
    }
    let etype = hdr.e_type(en);
    match etype {
        elf::ET_EXEC | elf::ET_DYN => {}
        elf::ET_REL => return Err(ElfError::Relocatable),
        elf::ET_CORE => return Err(ElfError::CoreDump),
        t => return Err(ElfError::UnknownType(t)),
    }

    // Program headers.
    let phoff = hdr.e_phoff(en);
    let phnum = hdr.e_phnum(en) as u64;
    if phoff == 0 || phnum == 0 {
        return Err(ElfError::BadHeader("no program headers".into()));
    }
    if hdr.e_phentsize(en) as usize != std::mem::size_of::<elf::ProgramHeader64<LE>>() {
        return Err(ElfError::BadHeader(format!(
            "program header entry size is {}, expected 56",
            hdr.e_phentsize(en)
        )));
    }
    let ph_end = phnum.checked_mul(56).and_then(|n| n.checked_add(phoff));
    if ph_end.is_none_or(|e| e > data.len() as u64) {
        return Err(ElfError::Truncated(format!(
            "program headers at {phoff:#x} ({phnum} entries) end past the file size {:#x}",
            data.len()
        )));
    }
    let phdrs = hdr.program_headers(en, data).map_err(|e| ElfError::BadHeader(e.to_string()))?;

    // Dynamic linking first: the most useful message for a wrong kind of executable.
    for ph in phdrs {
        if ph.p_type(en) == elf::PT_INTERP {
            let interp = ph
                .data(en, data)
                .ok()
                .map(|d| {
                    let d = d.split(|&b| b == 0).next().unwrap_or(&[]);
                    String::from_utf8_lossy(d).chars().filter(|c| !c.is_control()).take(200).collect()
                })
                .unwrap_or_else(|| "<unreadable>".to_string());
            return Err(ElfError::Dynamic(interp));
        }
    }
    let entry = hdr.e_entry(en);
    if etype == elf::ET_DYN {
        if entry == 0 {
            return Err(ElfError::SharedLibrary);
        }
        return Err(ElfError::StaticPie);
    }

    // Loadable segments.
    let mut segments: Vec<Segment> = Vec::new();
    let mut seg_index: Vec<usize> = Vec::new();
    for (index, ph) in phdrs.iter().enumerate() {
        if ph.p_type(en) != elf::PT_LOAD {
            continue;
        }
        let vaddr = ph.p_vaddr(en);
        let memsz = ph.p_memsz(en);
        let filesz = ph.p_filesz(en);
        let offset = ph.p_offset(en);
        let flags = ph.p_flags(en);
        let file_end = offset.checked_add(filesz);
        // A segment with nothing in the file (only .bss) may name any offset: Linux maps no
        // file bytes for it.
        if filesz > 0 && file_end.is_none_or(|e| e > data.len() as u64) {
            return Err(ElfError::SegmentOutsideFile { index, vaddr });
        }
        if filesz > memsz {
            return Err(ElfError::BadHeader(format!(
                "segment {index} at {vaddr:#x} has file size {filesz:#x} larger than memory size {memsz:#x}"
            )));
        }
        if vaddr.checked_add(memsz).is_none() {
            return Err(ElfError::BadHeader(format!(
                "segment {index} at {vaddr:#x} with size {memsz:#x} wraps around the address space"
            )));
        }
        if memsz == 0 {
            continue;
        }
        // Checked above: offset + filesz <= len, or filesz is 0.
        let bytes = data.get(offset as usize..(offset + filesz) as usize).unwrap_or(&[]).to_vec();
        segments.push(Segment {
            vaddr,
            memsz,
            filesz,
            offset,
            r: flags & elf::PF_R != 0,
            w: flags & elf::PF_W != 0,
            x: flags & elf::PF_X != 0,
            data: bytes,
        });
        seg_index.push(index);
    }
    // Overlap check (sorted by address; the order of the headers is kept in `segments`).
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| (segments[i].vaddr, i));
    for w in order.windows(2) {
        let (a, b) = (&segments[w[0]], &segments[w[1]]);
        if a.vaddr + a.memsz > b.vaddr {
            return Err(ElfError::SegmentOverlap { a: seg_index[w[0]], b: seg_index[w[1]], addr: b.vaddr });
        }
    }
    if !segments.iter().any(|s| s.x && s.filesz > 0) {
        return Err(ElfError::NoExecSegment);
    }
    if !segments.iter().any(|s| s.x && s.contains(entry)) {
        return Err(ElfError::EntryNotExecutable(entry));
    }
    if entry % 4 != 0 {
        return Err(ElfError::EntryMisaligned(entry));
    }

    let mut g = GuestElf {
        entry,
        segments,
        symbols: Vec::new(),
        eh_frame: None,
        eh_frame_hdr: None,
        gcc_except_table: None,
        gopclntab: None,
        init_array: Vec::new(),
        fini_array: Vec::new(),
        exec_data: Vec::new(),
        code_sections: Vec::new(),
        is_static_pie: false,
    };
    read_sections(&mut g, hdr, data)?;
    Ok(g)
}

fn read_sections(g: &mut GuestElf, hdr: &Hdr, data: &[u8]) -> Result<(), ElfError> {
    let en = LE;
    let sections = hdr.sections(en, data).map_err(|e| ElfError::BadSections(e.to_string()))?;
    let file_data = |sh: &elf::SectionHeader64<LE>| -> Result<Option<Section>, ElfError> {
        if sh.sh_type(en) == elf::SHT_NOBITS {
            return Ok(None);
        }
        let d = sh.data(en, data).map_err(|_| {
            ElfError::BadSections(format!(
                "section at {:#x} (offset {:#x}, size {:#x}) lies outside the file",
                sh.sh_addr(en),
                sh.sh_offset(en),
                sh.sh_size(en)
            ))
        })?;
        Ok(Some(Section { addr: sh.sh_addr(en), data: d.to_vec() }))
    };
    for sh in sections.iter() {
        let name = sections.section_name(en, sh).unwrap_or(&[]);
        let ty = sh.sh_type(en);
        let flags = sh.sh_flags(en);
        if ty != elf::SHT_NOBITS
            && flags & u64::from(elf::SHF_ALLOC) != 0
            && flags & u64::from(elf::SHF_EXECINSTR) == 0
            && sh.sh_size(en) > 0
            && g.is_exec(sh.sh_addr(en))
        {
            if let Some(end) = sh.sh_addr(en).checked_add(sh.sh_size(en)) {
                g.exec_data.push((sh.sh_addr(en), end));
            }
        }
        if ty == elf::SHT_PROGBITS && flags & u64::from(elf::SHF_EXECINSTR) != 0 && g.is_exec(sh.sh_addr(en)) {
            if let Some(end) = sh.sh_addr(en).checked_add(sh.sh_size(en)) {
                g.code_sections.push((sh.sh_addr(en), end));
            }
        }
        match (name, ty) {
            (b".eh_frame", _) => g.eh_frame = file_data(sh)?,
            (b".eh_frame_hdr", _) => g.eh_frame_hdr = file_data(sh)?,
            (b".gcc_except_table", _) => g.gcc_except_table = file_data(sh)?,
            (b".gopclntab", _) => g.gopclntab = file_data(sh)?,
            (_, elf::SHT_INIT_ARRAY) | (_, elf::SHT_FINI_ARRAY) | (_, elf::SHT_PREINIT_ARRAY) => {
                if let Some(s) = file_data(sh)? {
                    let v: Vec<u64> = s
                        .data
                        .chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                        .filter(|&p| p != 0 && p != u64::MAX)
                        .collect();
                    if ty != elf::SHT_FINI_ARRAY {
                        g.init_array.extend(v);
                    } else {
                        g.fini_array.extend(v);
                    }
                }
            }
            _ => {}
        }
    }
    // Without section headers, .eh_frame_hdr is still found through PT_GNU_EH_FRAME.
    if g.eh_frame_hdr.is_none() {
        if let Ok(phdrs) = hdr.program_headers(en, data) {
            for ph in phdrs {
                if ph.p_type(en) == elf::PT_GNU_EH_FRAME {
                    if let Ok(d) = ph.data(en, data) {
                        g.eh_frame_hdr = Some(Section { addr: ph.p_vaddr(en), data: d.to_vec() });
                    }
                }
            }
        }
    }

    // Without section headers, .eh_frame is found through .eh_frame_hdr's eh_frame_ptr.
    if g.eh_frame.is_none() {
        if let Some(ptr) = g.eh_frame_hdr.as_ref().and_then(eh_frame_ptr) {
            if let Some(d) = g.bytes_at(ptr) {
                g.eh_frame = Some(Section { addr: ptr, data: d.to_vec() });
            }
        }
    }

    // Symbols: .symtab, else .dynsym.
    let mut table = sections
        .symbols(en, data, elf::SHT_SYMTAB)
        .map_err(|e| ElfError::BadSymbols(e.to_string()))?;
    if table.is_empty() {
        table = sections
            .symbols(en, data, elf::SHT_DYNSYM)
            .map_err(|e| ElfError::BadSymbols(e.to_string()))?;
    }
    for sym in table.iter() {
        let ty = sym.st_type();
        let is_func = ty == elf::STT_FUNC || ty == elf::STT_GNU_IFUNC;
        if !is_func && ty != elf::STT_NOTYPE {
            continue;
        }
        if sym.st_shndx(en) == elf::SHN_UNDEF {
            continue;
        }
        let addr = sym.st_value(en);
        if addr == 0 {
            continue;
        }
        let name = match table.symbol_name(en, sym) {
            Ok(n) => n,
            Err(_) => continue,
        };
        if name.is_empty() || name.starts_with(b"$") {
            continue; // mapping symbols ($x, $d, $x.N) and anonymous
        }
        if !is_func && !g.is_exec(addr) {
            continue; // a label that is not code
        }
        g.symbols.push(Symbol {
            name: String::from_utf8_lossy(name).into_owned(),
            addr,
            size: sym.st_size(en),
            is_func,
        });
    }
    g.symbols.sort_by(|a, b| (a.addr, &a.name, a.size, a.is_func).cmp(&(b.addr, &b.name, b.size, b.is_func)));
    g.symbols.dedup();
    Ok(())
}

/// The address of .eh_frame from an .eh_frame_hdr (version 1; pc-relative or absolute pointer).
fn eh_frame_ptr(hdr: &Section) -> Option<u64> {
    let d = &hdr.data;
    if *d.first()? != 1 {
        return None;
    }
    let enc = *d.get(1)?;
    let field = hdr.addr.checked_add(4)?;
    let raw = |n: usize| -> Option<u64> {
        let b = d.get(4..4 + n)?;
        let mut x = [0u8; 8];
        x[..n].copy_from_slice(b);
        Some(u64::from_le_bytes(x))
    };
    let v = match enc & 0x0f {
        0x03 => raw(4)?,
        0x0b => raw(4)? as u32 as i32 as i64 as u64,
        0x00 | 0x04 | 0x0c => raw(8)?,
        _ => return None,
    };
    match enc & 0x70 {
        0x00 => Some(v),
        0x10 => Some(field.wrapping_add(v)),
        _ => None,
    }
}

impl GuestElf {
    /// The executable segment whose file bytes hold `[addr, addr + len)`.
    fn exec_bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
        self.segments.iter().filter(|s| s.x).find_map(|s| s.file_bytes_from(addr)?.get(..len))
    }

    /// An instruction word from an executable segment (file part only).
    pub fn read_u32(&self, addr: u64) -> Option<u32> {
        let b = self.exec_bytes(addr, 4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    /// A 64-bit little-endian word from any loadable segment (zero in the part past the file bytes).
    pub fn read_u64(&self, addr: u64) -> Option<u64> {
        let s = self.segments.iter().find(|s| s.contains(addr))?;
        let end = addr.checked_add(8)?;
        if end - s.vaddr > s.memsz {
            return None;
        }
        let mut b = [0u8; 8];
        let tail = s.file_bytes_from(addr).unwrap_or(&[]);
        let n = tail.len().min(8);
        b[..n].copy_from_slice(&tail[..n]);
        Some(u64::from_le_bytes(b))
    }

    /// File bytes at `addr` to the end of its segment's file part (for tables such as LSDAs).
    pub fn bytes_at(&self, addr: u64) -> Option<&[u8]> {
        self.segments.iter().find(|s| s.contains(addr)).and_then(|s| s.file_bytes_from(addr))
    }

    /// Whether `addr` is inside an executable segment.
    pub fn is_exec(&self, addr: u64) -> bool {
        self.segments.iter().any(|s| s.x && s.contains(addr))
    }
}

/// Helpers to build guest programs in tests (skipped when the cross compiler is missing).
#[cfg(test)]
pub(crate) mod testbin {
    use std::path::PathBuf;
    use std::process::Command;

    /// Compile `src` (C, or C++ when `cxx`) with the given flags; None (after a note) if the cross
    /// compiler is unavailable.
    pub fn build(name: &str, src: &str, cxx: bool, flags: &[&str]) -> Option<(tempfile::TempDir, PathBuf)> {
        let cc = if cxx { "aarch64-linux-gnu-g++" } else { "aarch64-linux-gnu-gcc" };
        if Command::new(cc).arg("--version").output().is_err() {
            eprintln!("note: {cc} not found, skipping test");
            return None;
        }
        let dir = tempfile::tempdir().ok()?;
        let ext = if cxx { "cc" } else { "c" };
        let srcp = dir.path().join(format!("{name}.{ext}"));
        std::fs::write(&srcp, src).ok()?;
        let out = dir.path().join(name);
        let st = Command::new(cc).args(flags).arg(&srcp).arg("-o").arg(&out).status().ok()?;
        assert!(st.success(), "{cc} failed on {name}");
        Some((dir, out))
    }

    /// The same with clang-19 for aarch64 (lld, the cross gcc's sysroot); None if clang is absent.
    pub fn build_clang(name: &str, src: &str, flags: &[&str]) -> Option<(tempfile::TempDir, PathBuf)> {
        let cc = "clang-19";
        if Command::new(cc).arg("--version").output().is_err() {
            eprintln!("note: {cc} not found, skipping test");
            return None;
        }
        let dir = tempfile::tempdir().ok()?;
        let srcp = dir.path().join(format!("{name}.c"));
        std::fs::write(&srcp, src).ok()?;
        let out = dir.path().join(name);
        let st = Command::new(cc)
            .args(["--target=aarch64-linux-gnu", "-fuse-ld=lld"])
            .args(flags)
            .arg(&srcp)
            .arg("-o")
            .arg(&out)
            .status()
            .ok()?;
        assert!(st.success(), "{cc} failed on {name}");
        Some((dir, out))
    }

    pub const HELLO: &str = r#"
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(int argc, char **argv) {
    int v[5] = {5, 3, 9, 1, argc};
    qsort(v, 5, sizeof v[0], cmp);
    for (int i = 0; i < 5; i++) printf("%d %s\n", v[i], argc > 7 ? argv[0] : "x");
    return 0;
}
"#;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_hello() {
        let Some((_d, p)) = testbin::build("hello", testbin::HELLO, false, &["-static", "-O2"]) else {
            return;
        };
        let data = std::fs::read(&p).unwrap();
        let g = parse(&data).unwrap();
        assert!(g.is_exec(g.entry));
        assert!(g.read_u32(g.entry).is_some());
        assert!(g.symbols.iter().any(|s| s.name == "main" && s.is_func && s.size > 0));
        assert!(g.symbols.iter().any(|s| s.name == "_start" && s.addr == g.entry));
        assert!(g.symbols.iter().all(|s| !s.name.starts_with('$')));
        assert!(g.eh_frame.is_some());
        assert!(!g.init_array.is_empty() || !g.fini_array.is_empty());
        assert!(g.segments.iter().any(|s| s.w && !s.x));
        let main = g.symbols.iter().find(|s| s.name == "main").unwrap();
        assert!(g.read_u64(main.addr).is_some());
        assert_eq!(g.read_u32(0), None);
        assert_eq!(g.read_u64(u64::MAX - 3), None);
    }

    #[test]
    fn stripped_sections() {
        // No section headers at all (like sstrip): .eh_frame comes from PT_GNU_EH_FRAME (static
        // links only have one with --eh-frame-hdr).
        let flags = ["-static", "-O2", "-Wl,--eh-frame-hdr"];
        let Some((_d, p)) = testbin::build("hello", testbin::HELLO, false, &flags) else {
            return;
        };
        let mut data = std::fs::read(&p).unwrap();
        let full = parse(&data).unwrap();
        data[40..48].fill(0); // e_shoff
        data[60..64].fill(0); // e_shnum, e_shstrndx
        let g = parse(&data).unwrap();
        assert!(g.symbols.is_empty());
        let (a, b) = (full.eh_frame.unwrap(), g.eh_frame.expect("eh_frame from eh_frame_hdr"));
        assert_eq!(a.addr, b.addr);
        assert!(b.data.starts_with(&a.data));
    }

    #[test]
    fn tiny_inputs() {
        assert!(matches!(parse(b""), Err(ElfError::NotElf(_))));
        assert!(matches!(parse(b"\x7fEL"), Err(ElfError::Truncated(_))));
        assert!(matches!(parse(b"#!/bin/sh\n"), Err(ElfError::NotElf(_))));
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[18] = 183;
        h[16] = 2;
        assert!(matches!(parse(&h), Err(ElfError::BadHeader(_))));
        for n in 0..h.len() {
            let _ = parse(&h[..n]);
        }
    }
}
