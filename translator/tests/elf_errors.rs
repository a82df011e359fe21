//! Every way a guest file is rejected gives the right error with a one-line message.

use aot_translate::elf::{parse, ElfError};
mod common;
use common::cross;

const PROG: &str = "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";

fn static_bin() -> Option<Vec<u8>> {
    let (_d, p) = cross(&["-static", "-O2"], PROG, "p")?;
    Some(std::fs::read(p).unwrap())
}

/// Checks the message is one non-empty line containing `needle`.
fn check(r: Result<aot_translate::elf::GuestElf, ElfError>, needle: &str) -> ElfError {
    let e = match r {
        Ok(_) => panic!("expected an error containing {needle:?}, got Ok"),
        Err(e) => e,
    };
    let m = e.to_string();
    assert!(!m.is_empty() && !m.contains('\n'), "{m:?}");
    assert!(m.contains(needle), "{m:?} does not contain {needle:?}");
    eprintln!("ok: {m}");
    e
}

fn put_u16(d: &mut [u8], off: usize, v: u16) {
    d[off..off + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(d: &mut [u8], off: usize, v: u64) {
    d[off..off + 8].copy_from_slice(&v.to_le_bytes());
}
fn get_u64(d: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(d[off..off + 8].try_into().unwrap())
}
fn get_u32(d: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(d[off..off + 4].try_into().unwrap())
}
/// Offsets of the program headers of type PT_LOAD.
fn loads(d: &[u8]) -> Vec<usize> {
    let phoff = get_u64(d, 32) as usize;
    let phnum = u16::from_le_bytes([d[56], d[57]]) as usize;
    (0..phnum).map(|i| phoff + i * 56).filter(|&o| get_u32(d, o) == 1).collect()
}

#[test]
fn not_elf() {
    assert!(matches!(check(parse(b"hello, world\n"), "not an ELF file"), ElfError::NotElf(_)));
    assert!(matches!(check(parse(b"#!/bin/sh\necho hi\n"), "not an ELF file"), ElfError::NotElf(_)));
    assert!(matches!(check(parse(b""), "not an ELF file"), ElfError::NotElf(_)));
    assert!(matches!(check(parse(b"MZ\x90\x00"), "not an ELF file"), ElfError::NotElf(_)));
}

#[test]
fn truncated_header() {
    let Some(d) = static_bin() else { return };
    for n in [3, 4, 10, 16, 40, 63] {
        assert!(matches!(check(parse(&d[..n]), "truncated ELF file"), ElfError::Truncated(_)), "{n}");
    }
    // Program headers cut off.
    assert!(matches!(check(parse(&d[..80]), "truncated ELF file"), ElfError::Truncated(_)));
    // Segments cut off.
    let e = check(parse(&d[..4096]), "lies outside the file");
    assert!(matches!(e, ElfError::SegmentOutsideFile { .. }));
}

#[test]
fn class_and_endianness() {
    let Some(d) = static_bin() else { return };
    let mut e32 = d.clone();
    e32[4] = 1;
    assert_eq!(check(parse(&e32), "32-bit ELF is not supported"), ElfError::Elf32);
    let mut be = d.clone();
    be[5] = 2;
    assert_eq!(check(parse(&be), "big-endian ELF is not supported"), ElfError::BigEndian);
    let mut bad = d.clone();
    bad[4] = 9;
    assert!(matches!(check(parse(&bad), "class"), ElfError::BadIdent(_)));
}

#[test]
fn wrong_machine() {
    // A dynamically linked x86-64 executable: the machine check comes first.
    let d = std::fs::read("/bin/true").unwrap();
    let e = check(parse(&d), "machine is x86-64 (0x3e), expected AArch64");
    assert_eq!(e, ElfError::WrongMachine { machine: 0x3e, name: "x86-64" });
    if let Some(mut a) = static_bin() {
        put_u16(&mut a, 18, 0xf3);
        assert!(matches!(check(parse(&a), "machine is RISC-V (0xf3)"), ElfError::WrongMachine { .. }));
    }
}

#[test]
fn relocatable() {
    let Some((_d, p)) = cross(&["-c", "-O2"], PROG, "p.o") else { return };
    let d = std::fs::read(p).unwrap();
    let e = check(parse(&d), "relocatable object (ET_REL), not an executable");
    assert_eq!(e, ElfError::Relocatable);
}

#[test]
fn dynamic() {
    let Some((_d, p)) = cross(&["-O2"], PROG, "p") else { return };
    let d = std::fs::read(p).unwrap();
    let e = check(
        parse(&d),
        "dynamically linked executables are not supported yet (PT_INTERP /lib/ld-linux-aarch64.so.1)",
    );
    assert!(matches!(e, ElfError::Dynamic(_)));
    // Non-PIE dynamic (ET_EXEC with PT_INTERP) too.
    let Some((_d2, p2)) = cross(&["-O2", "-no-pie"], PROG, "p") else { return };
    let d2 = std::fs::read(p2).unwrap();
    assert!(matches!(check(parse(&d2), "dynamically linked"), ElfError::Dynamic(_)));
}

#[test]
fn static_pie() {
    let Some((_d, p)) = cross(&["-static-pie", "-O2"], PROG, "p") else { return };
    let d = std::fs::read(p).unwrap();
    assert_eq!(check(parse(&d), "static-pie executables are not supported yet"), ElfError::StaticPie);
}

#[test]
fn inconsistent_headers() {
    let Some(d) = static_bin() else { return };
    parse(&d).expect("the unmodified binary parses");
    let l = loads(&d);
    assert!(l.len() >= 2);

    // Segment file range past the end of the file.
    let mut m = d.clone();
    put_u64(&mut m, l[1] + 8, d.len() as u64); // p_offset
    let e = check(parse(&m), "segment ");
    assert!(matches!(e, ElfError::SegmentOutsideFile { .. }), "{e:?}");
    assert!(e.to_string().ends_with("lies outside the file"));
    // A segment with no file bytes (only .bss) may have its offset past the end of the file.
    let mut m = d.clone();
    put_u64(&mut m, l[1] + 8, d.len() as u64 + 0x10000); // p_offset
    put_u64(&mut m, l[1] + 32, 0); // p_filesz
    let img = parse(&m).expect("a bss-only segment past the end of the file parses");
    assert!(img.segments.iter().any(|s| s.filesz == 0 && s.data.is_empty()));
    // Offset + size overflows.
    let mut m = d.clone();
    put_u64(&mut m, l[0] + 8, u64::MAX - 2);
    assert!(matches!(check(parse(&m), "lies outside the file"), ElfError::SegmentOutsideFile { .. }));

    // Wrong program header entry size.
    let mut m = d.clone();
    put_u16(&mut m, 54, 32);
    assert!(matches!(check(parse(&m), "program header entry size"), ElfError::BadHeader(_)));

    // Overlapping segments: move the second PT_LOAD onto the first.
    let mut m = d.clone();
    let v0 = get_u64(&d, l[0] + 16);
    put_u64(&mut m, l[1] + 16, v0 + 0x100); // p_vaddr
    assert!(matches!(check(parse(&m), "overlap"), ElfError::SegmentOverlap { .. }));

    // Segment wrapping around the address space.
    let mut m = d.clone();
    put_u64(&mut m, l[1] + 40, u64::MAX - 0x10); // p_memsz
    assert!(matches!(check(parse(&m), "wraps around"), ElfError::BadHeader(_)));

    // filesz > memsz.
    let mut m = d.clone();
    let fs = get_u64(&d, l[0] + 32);
    put_u64(&mut m, l[0] + 40, fs / 2);
    assert!(matches!(check(parse(&m), "larger than memory size"), ElfError::BadHeader(_)));

    // No executable segment: clear PF_X everywhere.
    let mut m = d.clone();
    for &o in &l {
        m[o + 4] &= !1;
    }
    assert_eq!(check(parse(&m), "no executable segment"), ElfError::NoExecSegment);

    // Entry point outside the executable segments.
    let mut m = d.clone();
    put_u64(&mut m, 24, 0x10);
    assert_eq!(check(parse(&m), "entry point 0x10 is not in an executable segment"), ElfError::EntryNotExecutable(0x10));
    let entry = get_u64(&d, 24);
    let mut m = d.clone();
    put_u64(&mut m, 24, entry + 2);
    assert!(matches!(check(parse(&m), "not 4-byte aligned"), ElfError::EntryMisaligned(_)));

    // No program headers at all.
    let mut m = d.clone();
    put_u16(&mut m, 56, 0);
    assert!(matches!(check(parse(&m), "no program headers"), ElfError::BadHeader(_)));

    // Section header table outside the file.
    let mut m = d.clone();
    put_u64(&mut m, 40, d.len() as u64 - 8);
    assert!(matches!(check(parse(&m), "malformed section headers"), ElfError::BadSections(_)));

    // Core dump and unknown types.
    let mut m = d.clone();
    put_u16(&mut m, 16, 4);
    assert_eq!(check(parse(&m), "core dump"), ElfError::CoreDump);
    let mut m = d.clone();
    put_u16(&mut m, 16, 0x77);
    assert!(matches!(check(parse(&m), "unsupported ELF type 0x77"), ElfError::UnknownType(0x77)));
}
