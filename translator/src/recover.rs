//! Code recovery: recursive descent from every known function start, giving the functions the
//! lifter translates and every address the runtime dispatcher may be asked to enter.
//!
//! Rules (see also docs/design.md):
//! - Seeds (function starts): the ELF entry; STT_FUNC/IFUNC symbols in executable segments; .eh_frame
//!   FDE initial locations; Go's pclntab functions; .init_array/.fini_array entries; every direct call target; every direct
//!   jump target that leaves the function containing it; entry addresses that end up in no function.
//! - A direct jump from function `f` (start `s`) to `t` stays internal when `t == s`, or when `t` is
//!   not a seed and `t` lies in `f`'s known range (symbol size, else FDE length), or `f` has no known
//!   range. Otherwise it leaves `f`: if `t` lies strictly inside another function's known range (a
//!   `.cold` part jumping back into its hot part), `t` becomes an extra entry of that function;
//!   otherwise it is a tail call and `t` becomes a seed.
//! - An indirect jump ending gcc's jump-table sequence (cmp/b.hi, adrp+add table, ldr{b,h,} index,
//!   adr base, add with extend, br) continues at every table target; the targets are entries too.
//! - Extra entries (not function starts): return sites (the instruction after BL/BLR/SVC, entries of the
//!   calling function), 8-byte words in non-executable segments that point at a plausible instruction
//!   (computed-goto tables), C++ landing pads from LSDAs (entries of the FDE's function), and
//!   code labels (non-function symbols), and in Go binaries the runtime's own re-entry points
//!   (`runtime.goexit`+4, each function's deferreturn call: gopclntab.rs). An entry inside a seed's known range is descended from as
//!   part of that function; otherwise, after descent, it becomes an entry of every function whose
//!   instructions contain it, and if there is none, a seed of its own.
//! - Seeds are found to a fixed point in rounds, each round descending the new seeds against the same
//!   seed-set snapshot (in parallel, collected in seed order); then every function is descended again
//!   against the final seed set. The output only depends on the input.

use crate::elf::GuestElf;
use aot_lifter::isa::aarch64::flow;
use aot_lifter::isa::{Flow, FunctionSpec};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Largest function recovery accepts (instructions).
pub const MAX_FUNCTION_INSNS: usize = 1 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoverStats {
    pub functions: usize,
    /// Instructions over all functions (overlapping code counts once per function).
    pub instructions: usize,
    /// Entry points over all functions (including their starts).
    pub entries: usize,
    /// Distinct code addresses found in data words.
    pub data_code_pointers: usize,
    /// Distinct landing pads found in LSDAs.
    pub landing_pads: usize,
    /// Distinct bytes of executable segments covered by recovered instructions.
    pub bytes_covered: u64,
    /// Bytes of executable sections (SHF_EXECINSTR); without section headers, file bytes of
    /// executable segments.
    pub exec_bytes: u64,
}

/// How a function start was found (the first reason, in the order recovery looks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The ELF entry point.
    Entry,
    /// An STT_FUNC/STT_GNU_IFUNC symbol.
    Symbol,
    /// An .eh_frame FDE's initial location.
    Fde,
    /// An .init_array/.fini_array/.preinit_array entry.
    InitFini,
    /// Go's pclntab.
    GoPclntab,
    /// The target of a direct call (BL).
    Call,
    /// The target of a direct jump that leaves the function containing it (tail call).
    TailCall,
    /// An address in no other function: a code pointer in data, an ADR/ADRP+ADD result, a
    /// landing pad or a code label.
    CodePointer,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Entry => "entry",
            Origin::Symbol => "symbol",
            Origin::Fde => "eh_frame",
            Origin::InitFini => "init_fini_array",
            Origin::GoPclntab => "go_pclntab",
            Origin::Call => "call",
            Origin::TailCall => "tail_call",
            Origin::CodePointer => "code_pointer",
        }
    }
}

/// A multi-way branch through a jump table (`br` ending a switch idiom).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JumpTable {
    /// The function containing the branch.
    pub function: u64,
    /// The BR instruction.
    pub branch: u64,
    /// The table in memory.
    pub table: u64,
    /// The targets, in table order (duplicates kept).
    pub targets: Vec<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Recovered {
    /// Sorted by start.
    pub functions: Vec<FunctionSpec>,
    /// How each function start was found (same order as `functions`).
    pub origins: Vec<Origin>,
    /// Whether the function's name came from the binary (symbol, Go pclntab), not `sub_<addr>`.
    pub named: Vec<bool>,
    /// Sorted by branch address (a branch shared by several functions once).
    pub jump_tables: Vec<JumpTable>,
    pub stats: RecoverStats,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoverError {
    #[error("function at {start:#x} exceeds {limit} instructions")]
    FunctionTooLarge { start: u64, limit: usize },
    #[error("recovery visits more than {limit} instructions in total (overlapping functions?)")]
    TooLarge { limit: usize },
}

/// Outcome of descending one function.
struct Descent {
    insns: BTreeMap<u64, u32>,
    /// Direct call targets.
    out: Vec<u64>,
    /// Direct jump targets that leave the function.
    jout: Vec<u64>,
    /// Jump targets other than the start that were followed as internal.
    followed: Vec<u64>,
    /// Return sites (the instruction after each call) and jump-table targets.
    rets: Vec<u64>,
    /// Jump tables: (branch, table, targets).
    tables: Vec<(u64, u64, Vec<u64>)>,
}

struct Ctx<'a> {
    elf: &'a GuestElf,
    /// Executable segments: (vaddr, file bytes, index of their first word in a visited map).
    exec: Vec<(u64, &'a [u8], usize)>,
    /// Size of a visited map.
    nwords: usize,
    /// Known ranges [start, end) of seeds (symbol size, else FDE length).
    ranges: BTreeMap<u64, u64>,
}

/// Per-thread scratch for descents: visited marks by epoch.
struct Scratch {
    stamp: Vec<u32>,
    epoch: u32,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch { stamp: vec![0; n], epoch: 0 }
    }
    fn next_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|x| *x = 0);
            self.epoch = 1;
        }
    }
}

impl<'a> Ctx<'a> {
    fn new(elf: &'a GuestElf, ranges: BTreeMap<u64, u64>) -> Self {
        let mut exec = Vec::new();
        let mut nwords = 0usize;
        for s in elf.segments.iter().filter(|s| s.x) {
            exec.push((s.vaddr, &s.data[..], nwords));
            nwords = nwords.saturating_add(s.data.len() / 4 + 1);
        }
        Ctx { elf, exec, nwords, ranges }
    }

    /// The visited-map index and the instruction at `pc`, if `pc` is aligned readable code.
    fn word_at(&self, pc: u64) -> Option<(usize, u32)> {
        if !pc.is_multiple_of(4) {
            return None;
        }
        self.exec.iter().find_map(|&(va, data, base)| {
            let off = usize::try_from(pc.checked_sub(va)?).ok()?;
            let b = data.get(off..off.checked_add(4)?)?;
            Some((base + off / 4, u32::from_le_bytes(b.try_into().ok()?)))
        })
    }

    /// Targets of the gcc and clang AArch64 jump-table sequences ending in `br xD` at `pc`:
    /// gcc: `cmp wI, #n; b.hi ..; adrp xT, tbl; add xT, xT, :lo12:tbl; ldr{b,h,} wE, [xT, wI, uxtw #s];
    /// adr xB, base; add xD, xB, wE, {s,u}xt{b,h,w} #k; br xD`;
    /// clang: `cmp wJ, #n; b.hi ..; mov wI, wJ; adr xT, tbl; adr xB, base;
    /// ldr{b,h} wE, [xT, xI{, lsl #s}] (or ldrsw xE); add xD, xB, xE, lsl #k; br xD`
    /// (within a few instructions, in order). Targets are `base + (ext(tbl[i]) << k)` for i in 0..=n.
    /// Empty when the pattern does not match. Without the `cmp` nearby (the bound check is in
    /// another block), the table is read while its targets stay inside the function's known
    /// `range` (nothing is read without one).
    /// Returns the table's address and the targets.
    fn jump_table(&self, pc: u64, br: u32, range: Option<(u64, u64)>) -> Option<(u64, Vec<u64>)> {
        let reg = |w: u32, lo: u32| (w >> lo) & 31;
        let back = |from: u64, dist: u64| from.checked_sub(4 * dist).and_then(|a| self.word(a).map(|w| (a, w)));
        let find = |from: u64, pred: &dyn Fn(u32) -> bool| (1..=8).find_map(|d| back(from, d).filter(|x| pred(x.1)));
        let xd = reg(br, 5);
        // add xD, xB, wE, ext #k (gcc) or add xD, xB, xE, lsl #k (clang; option None below)
        let is_add_ext = |w: u32| w & 0xffe0_0000 == 0x8b20_0000;
        let is_add_lsl = |w: u32| w & 0xffe0_0000 == 0x8b00_0000;
        let Some((add_pc, add)) = find(pc, &|w| (is_add_ext(w) || is_add_lsl(w)) && reg(w, 0) == xd) else {
            return None;
        };
        let (xb, xe) = (reg(add, 5), reg(add, 16));
        let (option, k) = if is_add_ext(add) {
            (Some((add >> 13) & 7), (add >> 10) & 7)
        } else {
            (None, (add >> 10) & 63)
        };
        if k > 4 {
            return None;
        }
        // adr xB, base
        let adr_target = |a: u64, w: u32| {
            let imm = (((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 3);
            a.wrapping_add((((imm as i64) << 43) >> 43) as u64)
        };
        let is_adr = |w: u32| w & 0x9f00_0000 == 0x1000_0000;
        let Some((adr_pc, adr)) = find(add_pc, &|w| is_adr(w) && reg(w, 0) == xb) else {
            return self.self_relative_table(add_pc, add, range);
        };
        let base = adr_target(adr_pc, adr);
        // ldrb/ldrh/ldr wE, [xT, wI, uxtw {#s}] or [xT, xI, lsl {#s}]; ldrsw xE, [...]
        let is_ld = |w: u32| {
            let size = w >> 30;
            let zext = w & 0x3fe0_0c00 == 0x3860_0800 && size <= 2;
            let ldrsw = w & 0xffe0_0c00 == 0xb8a0_0800;
            (zext || ldrsw) && reg(w, 0) == xe && matches!((w >> 13) & 7, 2 | 3)
        };
        let Some((ld_pc, ld)) = find(adr_pc.max(add_pc), &is_ld)
            .or_else(|| find(adr_pc, &is_ld))
        else {
            return None;
        };
        let (size, xt, xi) = (ld >> 30, reg(ld, 5), reg(ld, 16));
        let ld_signed = ld & 0xffe0_0c00 == 0xb8a0_0800;
        // The table: `adr xT, tbl`, or `add xT, xT2, #lo12` after `adrp xT2, page`.
        // The table base is often set up once, far before the switch (a callee-saved register
        // holding it across a loop): look back through the function if it is not close by.
        // The table's address: what last set xT before the load (often far before it, a
        // callee-saved register or a stack slot holding it across a loop).
        let lo = range.map_or(ld_pc.saturating_sub(4 * 4096), |(a, _)| a);
        let Some(table) = self.reg_value(ld_pc, xt, lo, 0) else {
            return None;
        };
        let esz = 1u64 << size;
        if !table.is_multiple_of(esz) || self.in_code_section(table) {
            return None;
        }
        // cmp wI, #n (subs wzr/xzr, xI, #n) before the table load: n + 1 entries. clang and gcc
        // may compare another register and copy it into the index (`mov wI, wJ`), before or
        // after the check.
        let is_cmp = |w: u32, r: u32| w & 0x7f80_001f == 0x7100_001f && reg(w, 5) == r;
        let is_mov = |w: u32| w & 0x7fe0_ffe0 == 0x2a00_03e0 && reg(w, 0) == xi;
        let alias = (1..=12).find_map(|d| back(ld_pc, d).filter(|x| is_mov(x.1))).map(|(_, m)| reg(m, 16));
        let cmp = (1..=12).find_map(|d| back(ld_pc, d).filter(|x| is_cmp(x.1, xi) || alias.is_some_and(|r| is_cmp(x.1, r))));
        let (n, bounded) = match cmp {
            Some((_, cmp)) => {
                let n = ((cmp >> 10) & 0xfff) as u64 + 1;
                (if cmp & (1 << 22) != 0 { n << 12 } else { n }, true)
            }
            None if range.is_some() => (1024, false),
            None => return None,
        };
        let esz = esz as usize;
        let Some(bytes) = self.bytes_at(table) else { return None };
        let mut out = Vec::new();
        for i in 0..n.min(4096) as usize {
            let Some(e) = bytes.get(i * esz..i * esz + esz) else { break };
            let mut v = [0u8; 8];
            v[..esz].copy_from_slice(e);
            let raw = u64::from_le_bytes(v);
            let ext = match option {
                Some(0) => raw & 0xff,
                Some(1) => raw & 0xffff,
                Some(2) => raw & 0xffff_ffff,
                Some(4) => raw as u8 as i8 as i64 as u64,
                Some(5) => raw as u16 as i16 as i64 as u64,
                Some(6) => raw as u32 as i32 as i64 as u64,
                // LSL: the loaded register as it is (zero-extended by LDRB/LDRH/LDR W, sign by LDRSW)
                None if ld_signed => raw as u32 as i32 as i64 as u64,
                None => raw,
                _ => return None,
            };
            let t = base.wrapping_add(ext << k);
            if !bounded && range.is_some_and(|(a, b)| t < a || t >= b) {
                break;
            }
            if self.word(t).is_some() {
                out.push(t);
            }
        }
        Some((table, out))
    }

    /// Whether `a` lies in an executable section (not .rodata sharing the segment); without
    /// section headers, in an executable segment.
    fn in_code_section(&self, a: u64) -> bool {
        self.word(a & !3).is_some() && !self.elf.exec_data.iter().any(|&(s, e)| a >= s && a < e)
    }

    /// The address register `r` holds at `pc` when it was set by `adr`, `adrp`, `add #imm` to such
    /// a register,
    /// or loaded from a stack slot (`ldr xR, [sp, #o]`) that an earlier `str`/`stp` filled with
    /// such a register. Walks back in address order (not by control flow) down to `lo`; gives up
    /// at any other instruction that writes `r`, and at a call when `r` is caller-saved.
    fn reg_value(&self, pc: u64, r: u32, lo: u64, depth: u32) -> Option<u64> {
        let reg = |w: u32, at: u32| (w >> at) & 31;
        let sext21 = |w: u32| {
            let imm = (((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 3);
            ((imm as i64) << 43) >> 43
        };
        let mut a = pc;
        for _ in 0..4096 {
            a = a.checked_sub(4).filter(|&a| a >= lo)?;
            let w = self.word(a)?;
            let rd = w & 31;
            if w & 0x9f00_0000 == 0x1000_0000 && rd == r {
                return Some(a.wrapping_add(sext21(w) as u64)); // adr
            }
            if w & 0xffc0_0000 == 0x9100_0000 && rd == r {
                // add xR, xS, #imm: xS from an adrp close by
                let xs = reg(w, 5);
                let imm = ((w >> 10) & 0xfff) as u64;
                let page = if depth < 3 { self.reg_value(a, xs, lo, depth + 1)? } else { return None };
                return Some(page.wrapping_add(imm));
            }
            if w & 0x9f00_0000 == 0x9000_0000 && rd == r {
                return Some((a & !0xfff).wrapping_add((sext21(w) << 12) as u64)); // adrp
            }
            if w & 0xffc0_03e0 == 0xf940_03e0 && rd == r && depth < 3 {
                // ldr xR, [sp, #o]: find the store to that slot
                let off = ((w >> 10) & 0xfff) as u64 * 8;
                let mut b = a;
                for _ in 0..4096 {
                    b = b.checked_sub(4).filter(|&b| b >= lo)?;
                    let s = self.word(b)?;
                    let str_x = s & 0xffc0_03e0 == 0xf900_03e0 && ((s >> 10) & 0xfff) as u64 * 8 == off;
                    // stp xA, xB, [sp, #o] (signed offset or pre-index)
                    let stp = (s & 0xffc0_03e0 == 0xa900_03e0 || s & 0xffc0_03e0 == 0xa980_03e0)
                        && s & (1 << 22) == 0;
                    let stp_off = ((((s >> 15) & 0x7f) as i64) << 57 >> 57) * 8;
                    if str_x {
                        return self.reg_value(b, s & 31, lo, depth + 1);
                    }
                    if stp && stp_off as u64 == off {
                        return self.reg_value(b, s & 31, lo, depth + 1);
                    }
                    if stp && (stp_off + 8) as u64 == off {
                        return self.reg_value(b, reg(s, 10), lo, depth + 1);
                    }
                }
                return None;
            }
            if Self::writes(w, r) {
                return None;
            }
        }
        None
    }

    /// Conservatively, whether instruction `w` may change register `r` (a call clobbers the
    /// caller-saved registers).
    fn writes(w: u32, r: u32) -> bool {
        let rd = w & 31;
        let call = w & 0xfc00_0000 == 0x9400_0000 || w & 0xffff_fc1f == 0xd63f_0000;
        if call {
            return r <= 18 || r == 30;
        }
        let dp_imm = (w >> 26) & 7 == 0b100;
        let dp_reg = (w >> 25) & 7 == 0b101;
        // FP <-> integer conversions and moves, UMOV/SMOV: may write a general register
        let fp_to_gp = w & 0x5f20_fc00 == 0x1e20_0000 || w & 0xbfe0_fc00 == 0x0e00_3c00 || w & 0xbfe0_fc00 == 0x0e00_2c00;
        if (dp_imm || dp_reg || fp_to_gp) && rd == r {
            return true;
        }
        if (w >> 25) & 5 == 0b100 {
            // loads and stores
            let simd = w & (1 << 26) != 0;
            let base = (w >> 5) & 31;
            let literal = (w >> 27) & 7 == 0b011 && w & (1 << 24) == 0;
            if literal {
                return !simd && rd == r;
            }
            let pair = (w >> 27) & 7 == 0b101;
            let load = w & (1 << 22) != 0;
            if load && !simd && (rd == r || (pair && reg2(w) == r)) {
                return true;
            }
            let wb = if pair {
                matches!((w >> 23) & 3, 1 | 3)
            } else {
                (w >> 27) & 7 == 0b111 && w & (1 << 24) == 0 && w & (1 << 21) == 0 && matches!((w >> 10) & 3, 1 | 3)
            };
            return wb && base == r;
        }
        false
    }

    /// glibc's self-relative table (memcpy/memmove variants): `adrp xT; add xT, xT, #lo12;
    /// add xT, xT, xI, lsl #2; ldr wE, [xT]; add xD, xT, wE, sxtw; br xD`: the target of entry i
    /// is the entry's own address plus its signed value. The bound is not nearby (an `and` far
    /// before): entries are read while they lead into code, skipping a first unused entry.
    fn self_relative_table(&self, add_pc: u64, add: u32, range: Option<(u64, u64)>) -> Option<(u64, Vec<u64>)> {
        let reg = |w: u32, at: u32| (w >> at) & 31;
        let (xt, xe) = (reg(add, 5), reg(add, 16));
        // add xD, xT, wE, sxtw (no shift)
        if (add >> 13) & 7 != 6 || (add >> 10) & 7 != 0 {
            return None;
        }
        let back = |d: u64| add_pc.checked_sub(4 * d).and_then(|a| self.word(a).map(|w| (a, w)));
        // ldr wE, [xT]
        let (ld_pc, _) = (1..=3).find_map(|d| back(d).filter(|&(_, w)| w == 0xb940_0000 | (xt << 5) | xe))?;
        // add xT, xT, xI, lsl #2
        let (idx_pc, _) = (1..=3u64)
            .filter_map(|d| ld_pc.checked_sub(4 * d).and_then(|a| self.word(a).map(|w| (a, w))))
            .find(|&(_, w)| w & 0xffe0_fc00 == 0x8b00_0800 && reg(w, 0) == xt && reg(w, 5) == xt)?;
        let lo = range.map_or(idx_pc.saturating_sub(4 * 64), |(a, _)| a);
        let table = self.reg_value(idx_pc, xt, lo, 0)?;
        if !table.is_multiple_of(4) || self.in_code_section(table) {
            return None;
        }
        let bytes = self.bytes_at(table)?;
        let mut out = Vec::new();
        let mut bad_run = 0;
        for i in 0..256usize {
            let Some(e) = bytes.get(i * 4..i * 4 + 4) else { break };
            let v = i32::from_le_bytes(e.try_into().ok()?) as i64;
            let t = table.wrapping_add(4 * i as u64).wrapping_add(v as u64);
            if self.in_code_section(t) && self.plausible(t) && range.is_none_or(|(a, b)| t >= a && t < b) {
                out.push(t);
                bad_run = 0;
            } else if i > 0 {
                bad_run += 1;
                if bad_run == 2 {
                    break;
                }
            }
        }
        (!out.is_empty()).then_some((table, out))
    }

    fn bytes_at(&self, a: u64) -> Option<&[u8]> {
        self.elf.bytes_at(a)
    }

    /// The readable instruction at `pc`, if `pc` is aligned code.
    fn word(&self, pc: u64) -> Option<u32> {
        self.word_at(pc).map(|x| x.1)
    }

    /// Whether `pc` holds something that could be an instruction (readable, not UDF/BRK, not in
    /// a data section such as .rodata that shares the executable segment).
    fn plausible(&self, pc: u64) -> bool {
        !self.elf.exec_data.iter().any(|&(a, b)| pc >= a && pc < b)
            && self.word(pc).is_some_and(|w| flow(pc, w) != Flow::Stop)
    }

    fn descend(
        &self,
        scr: &mut Scratch,
        start: u64,
        extra: &[u64],
        seeds: &BTreeSet<u64>,
        work_done: &AtomicUsize,
        work_limit: usize,
    ) -> Result<Descent, RecoverError> {
        scr.next_epoch();
        let range = self.ranges.get(&start).map(|&end| (start, end));
        let internal = |t: u64| {
            t == start || (!seeds.contains(&t) && range.is_none_or(|(a, b)| t >= a && t < b))
        };
        let mut insns: Vec<(u64, u32)> = Vec::new();
        let mut out = BTreeSet::new();
        let mut followed = BTreeSet::new();
        let mut jout = BTreeSet::new();
        let mut rets = Vec::new();
        let mut tables = Vec::new();
        let mut work: Vec<u64> = Vec::with_capacity(64);
        work.push(start);
        work.extend(extra.iter().rev().copied());
        while let Some(pc) = work.pop() {
            let Some((idx, w)) = self.word_at(pc) else { continue };
            let Some(st) = scr.stamp.get_mut(idx) else { continue };
            if *st == scr.epoch {
                continue;
            }
            *st = scr.epoch;
            if insns.len() >= MAX_FUNCTION_INSNS {
                return Err(RecoverError::FunctionTooLarge { start, limit: MAX_FUNCTION_INSNS });
            }
            insns.push((pc, w));
            // Global work bound (all descents of a recovery), checked every 4096 instructions:
            // exceeding it mid-round implies exceeding it at the end of the round.
            if insns.len().is_multiple_of(4096) && work_done.fetch_add(4096, Ordering::Relaxed) + 4096 > work_limit {
                return Err(RecoverError::TooLarge { limit: work_limit });
            }
            let next = pc.checked_add(4);
            match flow(pc, w) {
                Flow::Next => {
                    work.extend(next);
                    // After an unallocated encoding (SIGILL): where a handler that skips it
                    // continues, from the dispatcher (docs/signals.md).
                    if aot_lifter::isa::aarch64::decode(w).is_none() {
                        rets.extend(next);
                    }
                    // After an SVC: where a new thread (clone) or a signal return resumes, from
                    // the dispatcher.
                    if w & 0xffe0_001f == 0xd400_0001 {
                        rets.extend(next);
                    }
                }
                Flow::CondJump(t) => {
                    work.extend(next);
                    if internal(t) {
                        if t != start {
                            followed.insert(t);
                        }
                        work.push(t);
                    } else {
                        jout.insert(t);
                    }
                }
                Flow::Jump(t) => {
                    if internal(t) {
                        if t != start {
                            followed.insert(t);
                        }
                        work.push(t);
                    } else {
                        jout.insert(t);
                    }
                }
                Flow::Call(t) => {
                    out.insert(t);
                    work.extend(next);
                    rets.extend(next);
                }
                Flow::CallInd => {
                    work.extend(next);
                    rets.extend(next);
                }
                Flow::JumpInd => {
                    // A switch through a jump table: its targets are code of this function and
                    // entries (the BR goes through the dispatcher).
                    if let Some((table, targets)) = self.jump_table(pc, w, range) {
                        for &t in &targets {
                            rets.push(t);
                            work.push(t);
                        }
                        tables.push((pc, table, targets));
                    }
                }
                Flow::Stop => {
                    // After BRK, HLT or UDF inside the function's symbol: a guest SIGTRAP/SIGILL
                    // handler that advances PC by 4 continues there, from the dispatcher
                    // (docs/signals.md). Beyond the symbol (or without one) it is padding or the
                    // next function, and stays unexplored.
                    let trap = w & 0xffe0_001f == 0xd420_0000 || w & 0xffe0_001f == 0xd440_0000 || w & 0xffff_0000 == 0;
                    if let Some(n) = next.filter(|&n| trap && range.is_some_and(|(a, b)| n > a && n < b)) {
                        work.push(n);
                        rets.push(n);
                    }
                }
                Flow::Ret => {}
            }
        }
        work_done.fetch_add(insns.len() % 4096, Ordering::Relaxed);
        insns.sort_unstable();
        let insns: BTreeMap<u64, u32> = insns.into_iter().collect();
        Ok(Descent { insns, out: out.into_iter().collect(), jout: jout.into_iter().collect(), followed: followed.into_iter().collect(), rets, tables })
    }
}

/// The second register (Rt2, bits 10..15) of a load/store pair.
fn reg2(w: u32) -> u32 {
    (w >> 10) & 31
}

/// Encoded-pointer reader for LSDAs (DW_EH_PE_*).
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl Reader<'_> {
    fn addr(&self) -> u64 {
        self.base.wrapping_add(self.pos as u64)
    }
    fn u8(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let b: [u8; N] = self.data.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(b)
    }
    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift < 64 {
                v |= ((b & 0x7f) as u64) << shift;
            }
            shift = shift.saturating_add(7);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
    }
    fn sleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift < 64 {
                v |= ((b & 0x7f) as u64) << shift;
            }
            shift = shift.saturating_add(7);
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    v |= u64::MAX << shift;
                }
                return Some(v);
            }
        }
    }
    /// Read a pointer with encoding `enc`; `elf` resolves indirect pointers.
    fn encoded(&mut self, enc: u8, elf: &GuestElf) -> Option<u64> {
        if enc == 0xff {
            return Some(0);
        }
        let field = self.addr();
        let v = match enc & 0x0f {
            0x00 => u64::from_le_bytes(self.bytes::<8>()?),
            0x01 => self.uleb()?,
            0x02 => u16::from_le_bytes(self.bytes::<2>()?) as u64,
            0x03 => u32::from_le_bytes(self.bytes::<4>()?) as u64,
            0x04 => u64::from_le_bytes(self.bytes::<8>()?),
            0x09 => self.sleb()?,
            0x0a => i16::from_le_bytes(self.bytes::<2>()?) as i64 as u64,
            0x0b => i32::from_le_bytes(self.bytes::<4>()?) as i64 as u64,
            0x0c => u64::from_le_bytes(self.bytes::<8>()?),
            _ => return None,
        };
        let v = match enc & 0x70 {
            0x00 => v,
            0x10 => v.wrapping_add(field),
            _ => return None, // textrel/datarel/funcrel/aligned: not produced by gcc for aarch64
        };
        if enc & 0x80 != 0 {
            return elf.read_u64(v);
        }
        Some(v)
    }
}

/// Landing pads of the LSDA at `lsda` for a function starting at `func`.
fn landing_pads(elf: &GuestElf, lsda: u64, func: u64) -> Vec<u64> {
    let mut pads = Vec::new();
    let data = match &elf.gcc_except_table {
        Some(s) if lsda >= s.addr && lsda - s.addr < s.data.len() as u64 => &s.data[(lsda - s.addr) as usize..],
        _ => match elf.bytes_at(lsda) {
            Some(d) => d,
            None => return pads,
        },
    };
    let mut r = Reader { data, pos: 0, base: lsda };
    let parse = |r: &mut Reader, pads: &mut Vec<u64>| -> Option<()> {
        let lp_enc = r.u8()?;
        let lpstart = if lp_enc == 0xff { func } else { r.encoded(lp_enc, elf)? };
        let tt_enc = r.u8()?;
        if tt_enc != 0xff {
            r.uleb()?;
        }
        let cs_enc = r.u8()?;
        let cs_len = r.uleb()?;
        let end = r.pos.checked_add(usize::try_from(cs_len).ok()?)?;
        if end > r.data.len() {
            return None;
        }
        while r.pos < end {
            let _start = r.encoded(cs_enc, elf)?;
            let _len = r.encoded(cs_enc, elf)?;
            let lp = r.encoded(cs_enc, elf)?;
            let _action = r.uleb()?;
            if lp != 0 {
                pads.push(lpstart.wrapping_add(lp));
            }
        }
        Some(())
    };
    let _ = parse(&mut r, &mut pads);
    pads
}

/// FDEs of .eh_frame: (initial location, length, LSDA).
fn fdes(elf: &GuestElf) -> Vec<(u64, u64, Option<u64>)> {
    use gimli::UnwindSection;
    let mut v = Vec::new();
    let Some(sec) = &elf.eh_frame else { return v };
    let mut eh = gimli::EhFrame::new(&sec.data, gimli::LittleEndian);
    eh.set_address_size(8);
    let mut bases = gimli::BaseAddresses::default().set_eh_frame(sec.addr);
    if let Some(h) = &elf.eh_frame_hdr {
        bases = bases.set_eh_frame_hdr(h.addr);
    }
    if let Some(text) = elf.segments.iter().find(|s| s.x) {
        bases = bases.set_text(text.vaddr);
    }
    let mut entries = eh.entries(&bases);
    // Bounded: each entry consumes at least 4 bytes.
    for _ in 0..=sec.data.len() / 4 {
        let e = match entries.next() {
            Ok(Some(e)) => e,
            Ok(None) | Err(_) => break,
        };
        if let gimli::CieOrFde::Fde(partial) = e {
            let Ok(fde) = partial.parse(|s, b, o| s.cie_from_offset(b, o)) else { continue };
            let lsda = fde.lsda().and_then(|p| match p {
                gimli::Pointer::Direct(a) => Some(a),
                gimli::Pointer::Indirect(a) => elf.read_u64(a),
            });
            v.push((fde.initial_address(), fde.len(), lsda));
        }
    }
    v
}

/// Code addresses taken in code: formed by `adr xD, t` or `adrp xP, page; add xD, xP, #lo12` (the
/// ADD within the next eight instructions), or loaded from a literal pool by `ldr xD, lit`, that
/// could be code (decoded, in an executable section). Function pointers (callbacks, thread start
/// routines, signal handlers) and label addresses (`&&label`, non-local goto targets).
fn computed_code_addrs(elf: &GuestElf, ctx: &Ctx) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    let sext21 = |w: u32| {
        let imm = (((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 3);
        ((imm as i64) << 43) >> 43
    };
    for seg in elf.segments.iter().filter(|s| s.x) {
        let words: Vec<u32> =
            seg.data.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap_or([0; 4]))).collect();
        for (i, &w) in words.iter().enumerate() {
            let pc = seg.vaddr + 4 * i as u64;
            let t = if w & 0x9f00_0000 == 0x1000_0000 {
                pc.wrapping_add(sext21(w) as u64)
            } else if w & 0xff00_0000 == 0x5800_0000 {
                // LDR Xt, literal
                let off = ((((w >> 5) & 0x7ffff) as i64) << 45) >> 43;
                match elf.read_u64(pc.wrapping_add(off as u64)) {
                    Some(v) => v,
                    None => continue,
                }
            } else if w & 0x9f00_0000 == 0x9000_0000 {
                // every `add xD, xP, #lo12` on the page register within the next 8 instructions,
                // until xP is written again (one page serves several pointers, to any xD)
                let rd = w & 31;
                let page = (pc & !0xfff).wrapping_add((sext21(w) << 12) as u64);
                for &a in &words[i + 1..words.len().min(i + 9)] {
                    if a & 0xffc0_0000 == 0x9100_0000 && (a >> 5) & 31 == rd {
                        let t = page.wrapping_add(((a >> 10) & 0xfff) as u64);
                        if ctx.plausible(t) {
                            out.insert(t);
                        }
                    }
                    if Ctx::writes(a, rd) {
                        break;
                    }
                }
                continue;
            } else {
                continue;
            };
            if ctx.plausible(t) {
                out.insert(t);
            }
        }
    }
    out
}

/// The innermost known function range that contains `a` (among the 64 nearest starts below it).
fn owner_of(ranges: &BTreeMap<u64, u64>, a: u64) -> Option<u64> {
    ranges.range(..=a).rev().take(64).find(|(_, &end)| a < end).map(|(&s, _)| s)
}

/// Sorted distinct instruction addresses of several functions.
fn all_addrs<'a>(it: impl Iterator<Item = &'a BTreeMap<u64, u32>>) -> Vec<u64> {
    let mut v: Vec<u64> = Vec::new();
    for m in it {
        v.extend(m.keys().copied());
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Recover the functions of a guest executable.
pub fn recover(elf: &GuestElf) -> Result<Recovered, RecoverError> {
    let mut ranges: BTreeMap<u64, u64> = BTreeMap::new();
    let mut seeds: BTreeSet<u64> = BTreeSet::new();
    let mut names: BTreeMap<u64, String> = BTreeMap::new();
    let mut origin: BTreeMap<u64, Origin> = BTreeMap::new();
    let ctx0 = Ctx::new(elf, BTreeMap::new());
    let code = |a: u64| ctx0.word(a).is_some();

    seeds.insert(elf.entry);
    origin.insert(elf.entry, Origin::Entry);
    for s in &elf.symbols {
        if s.is_func && code(s.addr) {
            seeds.insert(s.addr);
            origin.entry(s.addr).or_insert(Origin::Symbol);
            if s.size > 0 {
                if let Some(end) = s.addr.checked_add(s.size) {
                    let e = ranges.entry(s.addr).or_insert(end);
                    *e = (*e).max(end);
                }
            }
            // Prefer the plainest alias: fewest leading underscores, then shortest (printf over _IO_printf).
            let key = |n: &str| (n.len() - n.trim_start_matches('_').len(), n.len(), n.to_string());
            let better = names.get(&s.addr).is_none_or(|old| key(&s.name) < key(old));
            if better {
                names.insert(s.addr, s.name.clone());
            }
        }
    }
    let fde_list = fdes(elf);
    let mut lp_by_func: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    let mut all_pads = BTreeSet::new();
    for &(start, len, lsda) in &fde_list {
        if !code(start) {
            continue;
        }
        seeds.insert(start);
        origin.entry(start).or_insert(Origin::Fde);
        if len > 0 && !ranges.contains_key(&start) {
            if let Some(end) = start.checked_add(len) {
                ranges.insert(start, end);
            }
        }
        if let Some(lsda) = lsda {
            for p in landing_pads(elf, lsda, start) {
                if code(p) {
                    all_pads.insert(p);
                    lp_by_func.entry(start).or_default().insert(p);
                }
            }
        }
    }
    for &a in elf.init_array.iter().chain(&elf.fini_array) {
        if code(a) {
            seeds.insert(a);
            origin.entry(a).or_insert(Origin::InitFini);
        }
    }
    // Go binaries: every function of the pclntab (with its extent, when the symbol table gave none)
    // and the addresses the Go runtime enters that are neither starts nor return sites.
    let go = elf.gopclntab.as_ref().and_then(crate::gopclntab::parse).unwrap_or_default();
    for f in &go.funcs {
        if code(f.entry) {
            seeds.insert(f.entry);
            origin.entry(f.entry).or_insert(Origin::GoPclntab);
            if f.end > f.entry {
                ranges.entry(f.entry).or_insert(f.end);
            }
            if !f.name.is_empty() {
                names.entry(f.entry).or_insert_with(|| f.name.clone());
            }
        }
    }
    let ctx = Ctx::new(elf, ranges);

    // Entry addresses that are not function starts.
    let mut floating: BTreeSet<u64> = BTreeSet::new();
    let mut data_ptrs = BTreeSet::new();
    // Aligned 8-byte words of data segments, and of the data sections in executable segments
    // (const tables of function pointers in .rodata), that point at plausible code.
    let mut data_areas: Vec<(u64, &[u8])> = elf.segments.iter().filter(|s| !s.x).map(|s| (s.vaddr, &s.data[..])).collect();
    data_areas.extend(elf.exec_data.iter().filter_map(|&(a, b)| {
        let d = elf.bytes_at(a)?;
        Some((a, d.get(..usize::try_from(b - a).ok()?.min(d.len()))?))
    }));
    for (vaddr, data) in data_areas {
        let skip = ((8 - vaddr % 8) % 8) as usize;
        let Some(d) = data.get(skip..) else { continue };
        for c in d.chunks_exact(8) {
            let v = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            if ctx.plausible(v) {
                data_ptrs.insert(v);
            }
        }
    }
    floating.extend(data_ptrs.iter().copied());
    // Code addresses computed in code (ADR, ADRP + ADD) that land inside a known function: label
    // addresses (`&&label`, the target of a non-local goto from a nested function).
    floating.extend(computed_code_addrs(elf, &ctx));
    for s in &elf.symbols {
        if !s.is_func && ctx.plausible(s.addr) {
            floating.insert(s.addr);
        }
    }
    floating.extend(go.entries.iter().copied().filter(|&a| ctx.plausible(a)));
    // Landing pads outside their function's range float too.
    let mut extra: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for (f, pads) in &lp_by_func {
        for &p in pads {
            match ctx.ranges.get(f) {
                Some(&end) if p >= *f && p < end => {
                    extra.entry(*f).or_default().insert(p);
                }
                _ => {
                    floating.insert(p);
                }
            }
        }
    }
    // Floating entries inside a known range become extra entries of the innermost such seed.
    let mut unplaced: BTreeSet<u64> = BTreeSet::new();
    for &e in &floating {
        if seeds.contains(&e) {
            continue;
        }
        match owner_of(&ctx.ranges, e) {
            Some(s) => {
                extra.entry(s).or_default().insert(e);
            }
            None => {
                unplaced.insert(e);
            }
        }
    }

    let exec_words: usize =
        elf.segments.iter().filter(|s| s.x).map(|s| s.data.len() / 4).sum::<usize>();
    let total_limit = exec_words.saturating_mul(16).saturating_add(MAX_FUNCTION_INSNS);
    let no_extra: BTreeSet<u64> = BTreeSet::new();
    // Instructions visited by all descents so far (redone descents count again).
    let work_done = AtomicUsize::new(0);
    let run = |todo: &[u64],
               seeds: &BTreeSet<u64>,
               extra: &BTreeMap<u64, BTreeSet<u64>>|
     -> Result<Vec<Descent>, RecoverError> {
        let res: Vec<Result<Descent, RecoverError>> = todo
            .par_iter()
            .map_init(
                || Scratch::new(ctx.nwords),
                |scr, &s| {
                    let ex: Vec<u64> = extra.get(&s).unwrap_or(&no_extra).iter().copied().collect();
                    ctx.descend(scr, s, &ex, seeds, &work_done, total_limit)
                },
            )
            .collect();
        res.into_iter().collect::<Result<_, _>>()
    };

    // Incremental fixed point: a descent only depends on the seed set through the internal jump
    // targets it followed, so it is redone only when one of those became a seed. At the end every
    // descent equals a descent against the final seed set, whatever the order of discovery.
    let mut results: BTreeMap<u64, Descent> = BTreeMap::new();
    loop {
        let todo: Vec<u64> = seeds
            .iter()
            .copied()
            .filter(|s| match results.get(s) {
                None => true,
                Some(d) => d.followed.iter().any(|t| seeds.contains(t)),
            })
            .collect();
        if !todo.is_empty() {
            let res = run(&todo, &seeds, &extra)?;
            let mut stale = BTreeSet::new();
            for (s, d) in todo.iter().zip(res) {
                for &t in &d.out {
                    if code(t) {
                        seeds.insert(t);
                        origin.entry(t).or_insert(Origin::Call);
                    }
                }
                for &t in &d.jout {
                    if !code(t) || seeds.contains(&t) {
                        continue;
                    }
                    // A jump into the middle of another function's known range (e.g. from a .cold
                    // part back into its hot part) enters that function there.
                    match owner_of(&ctx.ranges, t) {
                        Some(o) => {
                            if extra.entry(o).or_default().insert(t) {
                                stale.insert(o);
                            }
                        }
                        None => {
                            seeds.insert(t);
                            origin.entry(t).or_insert(Origin::TailCall);
                        }
                    }
                }
                results.insert(*s, d);
            }
            for o in stale {
                results.remove(&o);
            }
            if work_done.load(Ordering::Relaxed) > total_limit {
                return Err(RecoverError::TooLarge { limit: total_limit });
            }
            continue;
        }
        // Unplaced entries that no function covers become seeds.
        let all = all_addrs(results.values().map(|d| &d.insns));
        let new: Vec<u64> = unplaced
            .iter()
            .copied()
            .filter(|e| !seeds.contains(e) && all.binary_search(e).is_err())
            .collect();
        if new.is_empty() {
            break;
        }
        for &e in &new {
            origin.entry(e).or_insert(Origin::CodePointer);
        }
        seeds.extend(new);
    }
    let (starts, descents): (Vec<u64>, Vec<Descent>) = results.into_iter().unzip();

    // Assemble functions.
    let mut functions = Vec::with_capacity(starts.len());
    let mut origins = Vec::with_capacity(starts.len());
    let mut named = Vec::with_capacity(starts.len());
    let mut jt: BTreeMap<u64, JumpTable> = BTreeMap::new();
    for (&start, d) in starts.iter().zip(descents) {
        origins.push(origin.get(&start).copied().unwrap_or(Origin::CodePointer));
        named.push(names.contains_key(&start));
        for (branch, table, targets) in &d.tables {
            jt.entry(*branch).or_insert_with(|| JumpTable { function: start, branch: *branch, table: *table, targets: targets.clone() });
        }
        let mut entries: BTreeSet<u64> = BTreeSet::new();
        entries.insert(start);
        if let Some(ex) = extra.get(&start) {
            entries.extend(ex.iter().copied().filter(|e| d.insns.contains_key(e)));
        }
        if let (Some((&lo, _)), Some((&hi, _))) = (d.insns.first_key_value(), d.insns.last_key_value()) {
            entries.extend(unplaced.range(lo..=hi).copied().filter(|e| d.insns.contains_key(e)));
        }
        entries.extend(d.rets.iter().copied().filter(|r| d.insns.contains_key(r)));
        let mut ent = vec![start];
        ent.extend(entries.into_iter().filter(|&e| e != start));
        let name = names.get(&start).cloned().unwrap_or_else(|| format!("sub_{start:x}"));
        let tables = d.tables.iter().map(|(branch, _, targets)| (*branch, targets.clone())).collect();
        functions.push(FunctionSpec { name, start, entries: ent, insns: d.insns, tables });
    }

    let covered = all_addrs(functions.iter().map(|f| &f.insns));
    let stats = RecoverStats {
        functions: functions.len(),
        instructions: functions.iter().map(|f| f.insns.len()).sum(),
        entries: functions.iter().map(|f| f.entries.len()).sum(),
        data_code_pointers: data_ptrs.len(),
        landing_pads: all_pads.len(),
        bytes_covered: covered.len() as u64 * 4,
        exec_bytes: if elf.code_sections.is_empty() {
            elf.segments.iter().filter(|s| s.x).map(|s| s.filesz).sum()
        } else {
            elf.code_sections.iter().map(|&(a, b)| b - a).sum()
        },
    };
    Ok(Recovered { functions, origins, named, jump_tables: jt.into_values().collect(), stats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{parse, testbin};

    #[test]
    fn static_hello() {
        let Some((_d, p)) = testbin::build("hello", testbin::HELLO, false, &["-static", "-O2"]) else {
            return;
        };
        let g = parse(&std::fs::read(&p).unwrap()).unwrap();
        let t = std::time::Instant::now();
        let r = recover(&g).unwrap();
        eprintln!("recovered in {:?}: {:?}", t.elapsed(), r.stats);
        let by_name = |n: &str| r.functions.iter().find(|f| f.name == n);
        let entry = r.functions.iter().find(|f| f.start == g.entry).expect("entry function");
        assert_eq!(entry.entries[0], g.entry);
        let main = by_name("main").expect("main");
        assert!(main.insns.len() > 10);
        assert!(by_name("printf").is_some());
        let vf = r.functions.iter().find(|f| f.name.contains("vfprintf")).expect("vfprintf");
        assert!(vf.entries.len() > 10, "vfprintf has return sites and computed-goto targets");
        // Return sites after BL in main are entries of main.
        for (&pc, &w) in &main.insns {
            if let Flow::Call(_) = flow(pc, w) {
                if main.insns.contains_key(&(pc + 4)) {
                    assert!(main.entries.contains(&(pc + 4)), "return site {:#x}", pc + 4);
                }
            }
        }
        assert!(r.stats.data_code_pointers > 0);
        // Some data code pointer lands in the middle of a function.
        let starts: BTreeSet<u64> = r.functions.iter().map(|f| f.start).collect();
        assert!(r.functions.iter().any(|f| f.entries.iter().any(|e| *e != f.start && !starts.contains(e))));
        // Sorted, unique starts; entries sorted after the start; every entry (but start) is code.
        assert!(r.functions.windows(2).all(|w| w[0].start < w[1].start));
        for f in &r.functions {
            assert!(f.entries[1..].windows(2).all(|w| w[0] < w[1]));
            assert!(f.entries[1..].iter().all(|e| f.insns.contains_key(e)));
        }
        assert!(r.stats.bytes_covered * 2 > r.stats.exec_bytes, "{:?}", r.stats);
        // Deterministic regardless of thread count.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let r1 = pool.install(|| recover(&g).unwrap());
        assert_eq!(format!("{:?}", r1.functions), format!("{:?}", r.functions));
    }

    #[test]
    fn cxx_landing_pads() {
        let src = r#"
#include <cstdio>
#include <stdexcept>
#include <string>
__attribute__((noinline)) int f(int x) { if (x > 2) throw std::runtime_error("big"); return x; }
int main(int argc, char **) {
    std::string s = "a";
    try { s += std::to_string(f(argc + 5)); } catch (const std::exception &e) { std::puts(e.what()); return 1; }
    std::puts(s.c_str());
    return 0;
}
"#;
        let Some((_d, p)) = testbin::build("exc", src, true, &["-static", "-O2"]) else { return };
        let g = parse(&std::fs::read(&p).unwrap()).unwrap();
        assert!(g.gcc_except_table.is_some());
        let r = recover(&g).unwrap();
        eprintln!("{:?}", r.stats);
        assert!(r.stats.landing_pads > 0);
        let main = r.functions.iter().find(|f| f.name == "main").expect("main");
        // main's landing pad(s): entries that are not return sites.
        let lp = landing_pads_of(&g, main.start);
        assert!(!lp.is_empty(), "main has an LSDA with landing pads");
        for p in lp {
            assert!(r.functions.iter().any(|f| f.entries.contains(&p)), "landing pad {p:#x} is an entry");
        }
    }

    #[test]
    fn stripped() {
        let Some((_d, p)) = testbin::build("hello", testbin::HELLO, false, &["-static", "-O2"]) else {
            return;
        };
        let full = parse(&std::fs::read(&p).unwrap()).unwrap();
        let st = std::process::Command::new("aarch64-linux-gnu-strip").arg("-s").arg(&p).status();
        if !st.is_ok_and(|s| s.success()) {
            eprintln!("note: aarch64-linux-gnu-strip failed, skipping");
            return;
        }
        let g = parse(&std::fs::read(&p).unwrap()).unwrap();
        assert!(g.symbols.is_empty());
        let r = recover(&g).unwrap();
        eprintln!("stripped: {:?}", r.stats);
        // main is still found (through its FDE), under a generated name.
        let main = full.symbols.iter().find(|s| s.name == "main").unwrap().addr;
        let f = r.functions.iter().find(|f| f.start == main).expect("main recovered");
        assert_eq!(f.name, format!("sub_{main:x}"));
        assert!(r.stats.functions > 500);
    }

    #[test]
    fn switch_jump_tables() {
        let src = r#"
#include <stdio.h>
__attribute__((noinline)) int sw(int x, int y) {
    switch (x) {
    case 0: return y + 1; case 1: return y * 3; case 2: return y - 7; case 3: return y ^ 0x55;
    case 4: return y << 2; case 5: return y / 3; case 6: return puts("six");
    case 7: return y % 11; case 8: return -y; case 9: return y | 12; case 10: return y & 99;
    default: return 0;
    }
}
int main(int argc, char **argv) { return sw(argc, argc * 5) + sw(argc + 3, 2); }
"#;
        // clang -O2 makes a compare tree of `sw` but a jump table of this one.
        let src_sh = r#"
#include <stdio.h>
__attribute__((noinline)) long sw(long v, int s) {
    switch (s) {
    case 0: return v; case 1: return v >> 1; case 2: return v >> 2; case 3: return v >> 3;
    case 4: return v * 7; case 5: return v >> 5; case 6: return v + 99; case 7: return v >> 7;
    case 8: return v ^ 3; case 9: return v >> 9; case 10: return v / 3; case 11: return v >> 11;
    case 12: return v - 5; case 13: return v % 13; case 14: return v | 7; case 15: return v >> 15;
    default: return -1;
    }
}
int main(int argc, char **argv) { long t = 0; for (int i = 0; i < 17; i++) t += sw(9L * argc, i); return t; }
"#;
        // gcc's idiom (adrp/add table, uxtw index, extended-register add) and clang's (adr table,
        // lsl index, shifted-register add, bound checked on a copy of the index).
        let builds = [
            ("gcc sw", testbin::build("sw", src, false, &["-static", "-O2"])),
            ("gcc sh", testbin::build("sh", src_sh, false, &["-static", "-O2"])),
            ("clang sh", testbin::build_clang("sh", src_sh, &["-static", "-O2"])),
        ];
        for (who, built) in builds {
            let Some((_d, p)) = built else { continue };
            let g = parse(&std::fs::read(&p).unwrap()).unwrap();
            let r = recover(&g).unwrap();
            let sym = g.symbols.iter().find(|s| s.name == "sw").unwrap();
            let f = r.functions.iter().find(|f| f.name == "sw").unwrap();
            // Every instruction of sw is reached (the cases only through the jump table).
            assert_eq!(f.insns.len() as u64 * 4, sym.size, "{who}: {:x?}", f.insns.keys().collect::<Vec<_>>());
            assert!(f.entries.len() >= 8, "{who}: jump-table targets are entries: {:x?}", f.entries);
        }
    }

    fn synth(words: &[u32], base: u64, syms: &[(&str, u64, u64)]) -> GuestElf {
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        GuestElf {
            entry: base,
            segments: vec![crate::elf::Segment {
                vaddr: base,
                memsz: data.len() as u64,
                filesz: data.len() as u64,
                offset: 0,
                r: true,
                w: false,
                x: true,
                data,
            }],
            symbols: syms
                .iter()
                .map(|&(n, a, sz)| crate::elf::Symbol { name: n.into(), addr: a, size: sz, is_func: true })
                .collect(),
            eh_frame: None,
            eh_frame_hdr: None,
            gcc_except_table: None,
            gopclntab: None,
            init_array: vec![],
            fini_array: vec![],
            exec_data: vec![],
            code_sections: vec![],
            is_static_pie: false,
        }
    }
    const RET: u32 = 0xd65f03c0;
    const NOP: u32 = 0xd503201f;
    fn b(from: u64, to: u64) -> u32 {
        0x1400_0000 | ((to.wrapping_sub(from) as i64 >> 2) as u32 & 0x3ff_ffff)
    }
    fn bl(from: u64, to: u64) -> u32 {
        0x9400_0000 | ((to.wrapping_sub(from) as i64 >> 2) as u32 & 0x3ff_ffff)
    }
    fn cbz(from: u64, to: u64) -> u32 {
        0xb400_0000 | (((to.wrapping_sub(from) as i64 >> 2) as u32 & 0x7ffff) << 5)
    }

    #[test]
    fn code_after_a_trap_inside_the_symbol_is_an_entry() {
        let mut w = vec![NOP; 8];
        w[1] = 0xd4200f60; // brk #0x7b
        w[3] = 0x0000_0000; // udf #0
        w[5] = RET;
        w[6] = 0xd4200000; // brk #0 at the symbol's last word: nothing after it is explored
        let g = synth(&w, 0x1000, &[("f", 0x1000, 0x1c)]);
        let r = recover(&g).unwrap();
        let f = &r.functions[0];
        assert_eq!(f.entries, [0x1000, 0x1008, 0x1010]);
        assert_eq!(f.insns.keys().copied().collect::<Vec<_>>(), [0x1000, 0x1004, 0x1008, 0x100c, 0x1010, 0x1014]);
    }

    #[test]
    fn rules_on_synthetic_code() {
        let mut w = vec![NOP; 0x20];
        let at = |a: u64| ((a - 0x1000) / 4) as usize;
        w[at(0x1000)] = cbz(0x1000, 0x1008); // internal
        w[at(0x1004)] = b(0x1004, 0x1020); // tail call to g (a symbol)
        w[at(0x1008)] = bl(0x1008, 0x1040); // call: h becomes a seed
        w[at(0x100c)] = RET;
        w[at(0x1020)] = b(0x1020, 0x1008); // back into f's range: an entry of f
        w[at(0x1040)] = RET;
        let g = synth(&w, 0x1000, &[("f", 0x1000, 0x10), ("g", 0x1020, 0x10)]);
        let r = recover(&g).unwrap();
        let names: Vec<&str> = r.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["f", "g", "sub_1040"]);
        let f = &r.functions[0];
        assert_eq!(f.insns.keys().copied().collect::<Vec<_>>(), [0x1000, 0x1004, 0x1008, 0x100c]);
        assert_eq!(f.entries, [0x1000, 0x1008, 0x100c]);
        assert_eq!(r.functions[1].insns.keys().copied().collect::<Vec<_>>(), [0x1020]);
        assert_eq!(r.functions[2].entries, [0x1040]);
        assert_eq!(r.stats.bytes_covered, 6 * 4);
    }

    #[test]
    fn jump_table_base_spilled_to_the_stack() {
        // gcc -Os (busybox): the table's address is kept in a stack slot across a call, the
        // function has no symbol or FDE (no known range).
        let mut w = vec![NOP; 0x48];
        let at = |a: u64| ((a - 0x1000) / 4) as usize;
        w[at(0x1000)] = 0x9000_0001; // adrp x1, 0x1000
        w[at(0x1004)] = 0x9104_0021; // add x1, x1, #0x100
        w[at(0x1008)] = 0xf900_07e1; // str x1, [sp, #8]
        w[at(0x100c)] = bl(0x100c, 0x1080); // clobbers x1
        w[at(0x1010)] = 0x7100_081f; // cmp w0, #2
        w[at(0x1014)] = 0x5400_0168; // b.hi 0x1040
        w[at(0x1018)] = 0xf940_07e1; // ldr x1, [sp, #8]
        w[at(0x101c)] = 0x7860_5820; // ldrh w0, [x1, w0, uxtw #1]
        w[at(0x1020)] = 0x1000_0061; // adr x1, 0x102c
        w[at(0x1024)] = 0x8b20_a820; // add x0, x1, w0, sxth #2
        w[at(0x1028)] = 0xd61f_0000; // br x0
        for a in [0x102c, 0x1030, 0x1034, 0x1040, 0x1080] {
            w[at(a)] = RET;
        }
        w[at(0x1100)] = 0x0001_0000; // table: 0, 1, 2 (halfwords)
        w[at(0x1104)] = 0x0000_0002;
        let mut g = synth(&w, 0x1000, &[]);
        g.exec_data = vec![(0x1100, 0x1108)];
        let r = recover(&g).unwrap();
        assert_eq!(r.jump_tables.len(), 1, "{:?}", r.jump_tables);
        let t = &r.jump_tables[0];
        assert_eq!((t.function, t.branch, t.table), (0x1000, 0x1028, 0x1100));
        assert_eq!(t.targets, [0x102c, 0x1030, 0x1034]);
        let f = &r.functions[0];
        assert!([0x102c, 0x1030, 0x1034].iter().all(|e| f.entries.contains(e)), "{:x?}", f.entries);
        assert_eq!(r.origins[0], Origin::Entry);
        // Without the store, the call clobbers x1 and the base is unknown: no table is guessed.
        w[at(0x1008)] = NOP;
        let mut g = synth(&w, 0x1000, &[]);
        g.exec_data = vec![(0x1100, 0x1108)];
        assert!(recover(&g).unwrap().jump_tables.is_empty());
    }

    #[test]
    fn function_size_cap() {
        let mut w = vec![NOP; MAX_FUNCTION_INSNS + 8];
        *w.last_mut().unwrap() = RET;
        let g = synth(&w, 0x10000, &[]);
        assert!(matches!(recover(&g), Err(RecoverError::FunctionTooLarge { start: 0x10000, .. })));
        w.truncate(1000);
        *w.last_mut().unwrap() = RET;
        assert_eq!(recover(&synth(&w, 0x10000, &[])).unwrap().stats.instructions, 1000);
    }

    fn landing_pads_of(g: &GuestElf, start: u64) -> Vec<u64> {
        fdes(g)
            .into_iter()
            .filter(|f| f.0 == start)
            .filter_map(|f| f.2)
            .flat_map(|l| landing_pads(g, l, start))
            .collect()
    }

    #[test]
    fn leb() {
        let d = [0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f];
        let mut r = Reader { data: &d, pos: 0, base: 0 };
        assert_eq!(r.uleb(), Some(624485));
        assert_eq!(r.sleb(), Some(-1i64 as u64));
        assert_eq!(r.sleb(), Some(-128i64 as u64));
        assert_eq!(r.uleb(), None);
    }
}
