//! The Cranelift tier: one lifted function compiled by Cranelift (aot_jit::object, the JIT's
//! lowering in object mode) into an ELF relocatable object that is interchangeable with the LLVM
//! backend's (translator/src/llvm.rs): the same global symbol `aot_f_<key>` in section
//! `aot_text`, 16-byte aligned, starting with the same 8-byte NOP (runtime/src/smc.rs patches
//! it), the same undefined symbols (`aot_r_<key>_<slot>` for guest addresses, `aot_c_<key>_<slot>`
//! for direct callees, runtime functions by name), and a `.debug_line` program in which host code
//! has line `guest offset / 4 + 1` (`llvm::pc_line`), so the runtime's fault map
//! (runtime/src/fault/pcmap.rs) reads it like LLVM's. docs/design.md "Backends".

use crate::llvm::{direct_symbol, fn_symbol, pc_line, CODE_SECTION, DIRECT_REGS, IC_SECTION};
use aot_jit::lower::IC_SLOTS_SYMBOL;
use aot_lifter::ic;
use aot_jit::object::{Features, ObjectCode, PicCompiler, RelocKind};
use aot_jit::NO_GUEST;
use aot_lifter::ir::Function;

/// The 8-byte NOP every translated function starts with (LLVM's `patchable-function-entry`
/// pad; `nopl 0x0(%rax,%rax,1)`).
pub const ENTRY_PAD: [u8; 8] = [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00];

thread_local! {
    static PIC: std::cell::RefCell<Option<(Features, PicCompiler)>> = const { std::cell::RefCell::new(None) };
}

/// Compile `f` into an object whose symbols are named after `key`.
pub fn compile(f: &Function, key: &str, target_cpu: &str) -> Result<Vec<u8>, String> {
    let feat = Features::of_cpu(target_cpu);
    let code = PIC.with(|c| -> Result<ObjectCode, String> {
        let mut c = c.borrow_mut();
        if c.as_ref().is_none_or(|(f0, _)| *f0 != feat) {
            *c = Some((feat, PicCompiler::new(feat).map_err(|e| e.to_string())?));
        }
        c.as_mut().expect("set above").1.compile(f, key).map_err(|e| e.to_string())
    })?;
    Ok(write_object(key, &code))
}

/// Section index of `aot_ic` in an object with inline-cache slots (after the eight others).
const IC_SHNDX: u16 = 9;

const R_X86_64_64: u32 = 1;
const R_X86_64_PC32: u32 = 2;
const R_X86_64_PLT32: u32 = 4;
const R_X86_64_GOTPCREL: u32 = 9;
const R_X86_64_REX_GOTPCRELX: u32 = 42;

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A DWARF 4 line program for one function of `len` bytes: `rows` are (host offset, line),
/// sorted, the first at 0. Returns the section and the offset of the 8-byte start address
/// (to relocate against the function symbol).
pub fn debug_line(rows: &[(u32, u32)], len: u32) -> (Vec<u8>, usize) {
    let mut hdr = vec![
        1,          // minimum_instruction_length
        1,          // maximum_operations_per_instruction
        1,          // default_is_stmt
        (-5i8) as u8, // line_base
        14,         // line_range
        13,         // opcode_base
    ];
    hdr.extend_from_slice(&[0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]); // standard_opcode_lengths
    hdr.push(0); // no include directories
    hdr.extend_from_slice(b"guest\0");
    hdr.extend_from_slice(&[0, 0, 0]); // directory, mtime, length
    hdr.push(0); // end of file names
    let mut prog = vec![0, 9, 2]; // DW_LNE_set_address
    let addr_at_prog = prog.len();
    prog.extend_from_slice(&[0; 8]);
    let (mut addr, mut line) = (0u32, 1i64);
    for &(a, l) in rows {
        if a > addr {
            prog.push(2); // DW_LNS_advance_pc
            uleb(&mut prog, (a - addr) as u64);
            addr = a;
        }
        if l as i64 != line {
            prog.push(3); // DW_LNS_advance_line
            sleb(&mut prog, l as i64 - line);
            line = l as i64;
        }
        prog.push(1); // DW_LNS_copy
    }
    if len > addr {
        prog.push(2);
        uleb(&mut prog, (len - addr) as u64);
    }
    prog.extend_from_slice(&[0, 1, 1]); // DW_LNE_end_sequence
    let mut out = Vec::new();
    let unit_len = 2 + 4 + hdr.len() + prog.len();
    out.extend_from_slice(&(unit_len as u32).to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&(hdr.len() as u32).to_le_bytes());
    out.extend_from_slice(&hdr);
    let addr_off = out.len() + addr_at_prog;
    out.extend_from_slice(&prog);
    (out, addr_off)
}

/// Line rows of the padded function: the pad and host code of no guest instruction have line 0.
fn line_rows(srclocs: &[(u32, u32)], pad: u32) -> Vec<(u32, u32)> {
    let mut rows = vec![(0u32, 0u32)];
    for &(off, g) in srclocs {
        let l = if g == NO_GUEST { 0 } else { pc_line(g as u64) };
        let at = off + pad;
        if rows.last().is_some_and(|r| r.0 == at) {
            rows.pop();
        }
        if rows.last().is_some_and(|r| r.1 == l) {
            continue;
        }
        rows.push((at, l));
    }
    rows
}

struct Strtab(Vec<u8>);
impl Strtab {
    fn add(&mut self, s: &str) -> u32 {
        let o = self.0.len() as u32;
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
        o
    }
}

fn rela(out: &mut Vec<u8>, offset: u64, sym: u32, ty: u32, addend: i64) {
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&(((sym as u64) << 32) | ty as u64).to_le_bytes());
    out.extend_from_slice(&addend.to_le_bytes());
}

fn sym(out: &mut Vec<u8>, name: u32, info: u8, shndx: u16, value: u64, size: u64) {
    out.extend_from_slice(&name.to_le_bytes());
    out.push(info);
    out.push(0);
    out.extend_from_slice(&shndx.to_le_bytes());
    out.extend_from_slice(&value.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
}

/// The direct entry `aot_d_<key>` (translator/src/llvm.rs `direct_symbol`) of a Cranelift
/// function, placed at `at` after it: store the registers passed in rdx, rcx and r8
/// (`DIRECT_REGS`) to the state and jump to the full-state entry at offset 0 (through its patch
/// pad, so a redirected function is redirected for direct calls too).
fn direct_adapter(at: usize) -> Vec<u8> {
    // mov %rdx/%rcx/%r8, disp32(%rdi): one per register of DIRECT_REGS.
    let ops: [[u8; 3]; DIRECT_REGS.len()] = [[0x48, 0x89, 0x97], [0x48, 0x89, 0x8f], [0x4c, 0x89, 0x87]];
    let mut out = vec![];
    for (r, op) in DIRECT_REGS.iter().zip(ops) {
        out.extend_from_slice(&op);
        out.extend_from_slice(&(r.slot().0 as u32).to_le_bytes());
    }
    let rel = -((at + out.len() + 5) as i64) as i32;
    out.push(0xe9);
    out.extend_from_slice(&rel.to_le_bytes());
    out
}

/// The ELF64 x86-64 relocatable object of one compiled function.
pub fn write_object<'a>(key: &str, c: &'a ObjectCode) -> Vec<u8> {
    let pad = ENTRY_PAD.len() as u32;
    let mut text = ENTRY_PAD.to_vec();
    text.extend_from_slice(&c.code);
    let (line, line_addr) = debug_line(&line_rows(&c.srclocs, pad), text.len() as u32);
    let fn_len = text.len();
    let adapter = fn_len;
    text.extend_from_slice(&direct_adapter(fn_len));

    // Symbols: 0 null, then the local symbol of the inline-cache slots (when there are any),
    // the function, then the undefined ones in order of first use.
    let mut strtab = Strtab(vec![0]);
    let mut syms = vec![0u8; 24];
    let ic_bytes = c.ic_slots as usize * ic::SLOT_BYTES;
    let ic_sym = if c.ic_slots > 0 {
        let n = strtab.add(IC_SLOTS_SYMBOL);
        sym(&mut syms, n, 0x01, IC_SHNDX, 0, ic_bytes as u64); // LOCAL OBJECT in aot_ic
        Some(1u32)
    } else {
        None
    };
    let fsym = 1 + ic_sym.is_some() as u32;
    let fname = strtab.add(&fn_symbol(key));
    sym(&mut syms, fname, 0x12, 1, 0, fn_len as u64); // GLOBAL FUNC in section 1
    let mut undef: Vec<&str> = vec![];
    let mut rela_text = vec![];
    let undef_index = |n: &'a str, undef: &mut Vec<&'a str>| -> u32 {
        let i = match undef.iter().position(|u| *u == n) {
            Some(i) => i,
            None => {
                undef.push(n);
                undef.len() - 1
            }
        };
        fsym + 1 + i as u32
    };
    for r in &c.relocs {
        let s = match &r.symbol {
            None => fsym,
            Some(n) if n == IC_SLOTS_SYMBOL => ic_sym.expect("relocations against the slots come with slots"),
            Some(n) => undef_index(n, &mut undef),
        };
        let (ty, addend) = match r.kind {
            RelocKind::Call32 => (R_X86_64_PLT32, r.addend),
            RelocKind::PcRel32 => (R_X86_64_PC32, r.addend),
            // `mov sym@GOTPCREL(%rip), %r64` (REX.W 8B, what Cranelift emits for a symbol's
            // address) is marked relaxable as LLVM marks it: GNU ld 2.40 rejects a plain
            // GOTPCREL to an absolute symbol (the relocation symbols) in a PIE.
            RelocKind::GotPcRel32 => {
                let o = r.offset as usize;
                let rex_mov = o >= 3 && (0x48..=0x4f).contains(&c.code[o - 3]) && c.code[o - 2] == 0x8b;
                (if rex_mov { R_X86_64_REX_GOTPCRELX } else { R_X86_64_GOTPCREL }, r.addend)
            }
        };
        // A reference to the function itself is to its code, after the pad.
        let addend = if r.symbol.is_none() { addend + pad as i64 } else { addend };
        rela(&mut rela_text, (r.offset + pad) as u64, s, ty, addend);
    }
    // The slots (aot_lifter::ic layout): zero miss counters, every entry at the empty record.
    let ic_data = vec![0u8; ic_bytes];
    let mut rela_ic = vec![];
    if c.ic_slots > 0 {
        let e = undef_index(ic::EMPTY_RECORD, &mut undef);
        for i in 0..c.ic_slots as usize {
            let at = i * ic::SLOT_BYTES;
            rela(&mut rela_ic, (at + ic::REC_OFFSET as usize) as u64, e, R_X86_64_64, 0);
            for w in 0..ic::WAYS {
                rela(&mut rela_ic, (at + ic::WAYS_OFFSET as usize + 8 * w) as u64, e, R_X86_64_64, 0);
            }
        }
    }
    for n in &undef {
        let o = strtab.add(n);
        sym(&mut syms, o, 0x10, 0, 0, 0); // GLOBAL NOTYPE undefined
    }
    let dname = strtab.add(&direct_symbol(key));
    sym(&mut syms, dname, 0x12, 1, adapter as u64, (text.len() - adapter) as u64);
    let mut rela_line = vec![];
    rela(&mut rela_line, line_addr as u64, fsym, R_X86_64_64, 0);

    let mut shstr = Strtab(vec![0]);
    let names = [
        shstr.add(CODE_SECTION),
        shstr.add(&format!(".rela{CODE_SECTION}")),
        shstr.add(".debug_line"),
        shstr.add(".rela.debug_line"),
        shstr.add(".symtab"),
        shstr.add(".strtab"),
        shstr.add(".shstrtab"),
        shstr.add(".note.GNU-stack"),
        shstr.add(IC_SECTION),
        shstr.add(&format!(".rela{IC_SECTION}")),
    ];
    // (name, type, flags, data, link, info, align, entsize)
    let mut secs: Vec<(u32, u32, u64, &[u8], u32, u32, u64, u64)> = vec![
        (names[0], 1, 0x6, &text, 0, 0, 16, 0),
        (names[1], 4, 0x40, &rela_text, 5, 1, 8, 24),
        (names[2], 1, 0, &line, 0, 0, 1, 0),
        (names[3], 4, 0x40, &rela_line, 5, 3, 8, 24),
        (names[4], 2, 0, &syms, 6, fsym, 8, 24),
        (names[5], 3, 0, &strtab.0, 0, 0, 1, 0),
        (names[6], 3, 0, &shstr.0, 0, 0, 1, 0),
        (names[7], 1, 0, &[], 0, 0, 1, 0),
    ];
    if c.ic_slots > 0 {
        secs.push((names[8], 1, 0x3, &ic_data, 0, 0, 8, 0)); // PROGBITS, WRITE | ALLOC
        secs.push((names[9], 4, 0x40, &rela_ic, 5, IC_SHNDX as u32, 8, 24));
    }
    let mut out = vec![0u8; 64];
    let mut offs = vec![];
    for s in &secs {
        while out.len() as u64 % s.6.max(1) != 0 {
            out.push(0);
        }
        offs.push(out.len() as u64);
        out.extend_from_slice(s.3);
    }
    while out.len() % 8 != 0 {
        out.push(0);
    }
    let shoff = out.len() as u64;
    out.extend_from_slice(&[0u8; 64]); // section 0
    for (s, off) in secs.iter().zip(&offs) {
        out.extend_from_slice(&s.0.to_le_bytes());
        out.extend_from_slice(&s.1.to_le_bytes());
        out.extend_from_slice(&s.2.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // addr
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&(s.3.len() as u64).to_le_bytes());
        out.extend_from_slice(&s.4.to_le_bytes());
        out.extend_from_slice(&s.5.to_le_bytes());
        out.extend_from_slice(&s.6.to_le_bytes());
        out.extend_from_slice(&s.7.to_le_bytes());
    }
    // ELF header
    let h = &mut out[..64];
    h[..16].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    h[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
    h[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[40..48].copy_from_slice(&shoff.to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
    h[58..60].copy_from_slice(&64u16.to_le_bytes()); // shentsize
    h[60..62].copy_from_slice(&((secs.len() + 1) as u16).to_le_bytes());
    h[62..64].copy_from_slice(&7u16.to_le_bytes()); // shstrndx
    out
}
