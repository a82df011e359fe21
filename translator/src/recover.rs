//! Code recovery: recursive descent from every known function start, giving the functions the
//! lifter translates and every address the runtime dispatcher may be asked to enter.
//!
//! Rules (see also docs/design.md):
//! - Seeds (function starts): the ELF entry; STT_FUNC/IFUNC symbols in executable segments; .eh_frame
//!   FDE initial locations; .init_array/.fini_array entries; every direct call target; every direct
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
//!   code labels (non-function symbols). An entry inside a seed's known range is descended from as
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
    /// File bytes of executable segments.
    pub exec_bytes: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Recovered {
    /// Sorted by start.
    pub functions: Vec<FunctionSpec>,
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
    fn jump_table(&self, pc: u64, br: u32, range: Option<(u64, u64)>) -> Vec<u64> {
        let reg = |w: u32, lo: u32| (w >> lo) & 31;
        let back = |from: u64, dist: u64| from.checked_sub(4 * dist).and_then(|a| self.word(a).map(|w| (a, w)));
        let find = |from: u64, pred: &dyn Fn(u32) -> bool| (1..=8).find_map(|d| back(from, d).filter(|x| pred(x.1)));
        let xd = reg(br, 5);
        // add xD, xB, wE, ext #k (gcc) or add xD, xB, xE, lsl #k (clang; option None below)
        let is_add_ext = |w: u32| w & 0xffe0_0000 == 0x8b20_0000;
        let is_add_lsl = |w: u32| w & 0xffe0_0000 == 0x8b00_0000;
        let Some((add_pc, add)) = find(pc, &|w| (is_add_ext(w) || is_add_lsl(w)) && reg(w, 0) == xd) else {
            return vec![];
        };
        let (xb, xe) = (reg(add, 5), reg(add, 16));
        let (option, k) = if is_add_ext(add) {
            (Some((add >> 13) & 7), (add >> 10) & 7)
        } else {
            (None, (add >> 10) & 63)
        };
        if k > 4 {
            return vec![];
        }
        // adr xB, base
        let adr_target = |a: u64, w: u32| {
            let imm = (((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 3);
            a.wrapping_add((((imm as i64) << 43) >> 43) as u64)
        };
        let is_adr = |w: u32| w & 0x9f00_0000 == 0x1000_0000;
        let Some((adr_pc, adr)) = find(add_pc, &|w| is_adr(w) && reg(w, 0) == xb) else {
            return vec![];
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
            return vec![];
        };
        let (size, xt, xi) = (ld >> 30, reg(ld, 5), reg(ld, 16));
        let ld_signed = ld & 0xffe0_0c00 == 0xb8a0_0800;
        // The table: `adr xT, tbl`, or `add xT, xT2, #lo12` after `adrp xT2, page`.
        // The table base is often set up once, far before the switch (a callee-saved register
        // holding it across a loop): look back through the function if it is not close by.
        let is_addi = |w: u32| w & 0xffc0_0000 == 0x9100_0000 && reg(w, 0) == xt;
        let is_adr_t = |w: u32| is_adr(w) && reg(w, 0) == xt;
        let sets_t = |w: u32| is_addi(w) || is_adr_t(w);
        let far = || {
            let lo = range.map_or(ld_pc.saturating_sub(4 * 4096), |(a, _)| a);
            (9..=4096u64).find_map(|d| back(ld_pc, d).filter(|x| x.0 >= lo && sets_t(x.1)))
        };
        let Some((addi_pc, addi)) = find(ld_pc, &sets_t).or_else(far) else {
            return vec![];
        };
        let table = if is_adr_t(addi) {
            adr_target(addi_pc, addi)
        } else {
            let xt2 = reg(addi, 5);
            let Some((adrp_pc, adrp)) = find(addi_pc, &|w| w & 0x9f00_0000 == 0x9000_0000 && reg(w, 0) == xt2) else {
                return vec![];
            };
            let pimm = (((adrp >> 5) & 0x7ffff) << 2) | ((adrp >> 29) & 3);
            let page = (adrp_pc & !0xfff).wrapping_add(((((pimm as i64) << 43) >> 43) << 12) as u64);
            page.wrapping_add(((addi >> 10) & 0xfff) as u64)
        };
        // cmp wI, #n (subs wzr/xzr, xI, #n) before the table load: n + 1 entries. clang may
        // compare another register and copy it into the index (`mov wI, wJ`) after the check.
        let is_cmp = |w: u32, r: u32| w & 0x7f80_001f == 0x7100_001f && reg(w, 5) == r;
        let cmp = (1..=12)
            .find_map(|d| back(ld_pc, d).filter(|x| is_cmp(x.1, xi)))
            .or_else(|| {
                let is_mov = |w: u32| w & 0x7fe0_ffe0 == 0x2a00_03e0 && reg(w, 0) == xi;
                let (mov_pc, mov) = (1..=12).find_map(|d| back(ld_pc, d).filter(|x| is_mov(x.1)))?;
                let src = reg(mov, 16);
                (1..=6).find_map(|d| back(mov_pc, d).filter(|x| is_cmp(x.1, src)))
            });
        let (n, bounded) = match cmp {
            Some((_, cmp)) => {
                let n = ((cmp >> 10) & 0xfff) as u64 + 1;
                (if cmp & (1 << 22) != 0 { n << 12 } else { n }, true)
            }
            None if range.is_some() => (1024, false),
            None => return vec![],
        };
        let esz = 1usize << size;
        let Some(bytes) = self.bytes_at(table) else { return vec![] };
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
                _ => return vec![],
            };
            let t = base.wrapping_add(ext << k);
            if !bounded && range.is_some_and(|(a, b)| t < a || t >= b) {
                break;
            }
            if self.word(t).is_some() {
                out.push(t);
            }
        }
        out
    }

    fn bytes_at(&self, a: u64) -> Option<&[u8]> {
        self.elf.bytes_at(a)
    }

    /// The readable instruction at `pc`, if `pc` is aligned code.
    fn word(&self, pc: u64) -> Option<u32> {
        self.word_at(pc).map(|x| x.1)
    }

    /// Whether `pc` holds something that could be an instruction (readable, not UDF/BRK).
    fn plausible(&self, pc: u64) -> bool {
        self.word(pc).is_some_and(|w| flow(pc, w) != Flow::Stop)
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
                    for t in self.jump_table(pc, w, range) {
                        rets.push(t);
                        work.push(t);
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
        Ok(Descent { insns, out: out.into_iter().collect(), jout: jout.into_iter().collect(), followed: followed.into_iter().collect(), rets })
    }
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

/// The innermost known function range that contains `a` (among the 64 nearest starts below it).
/// Addresses formed by `adr xD, t` or `adrp xD, page; add xD, xD, #lo12` (the ADD within the next
/// three instructions) that fall inside a known function range and could be code.
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
            } else if w & 0x9f00_0000 == 0x9000_0000 {
                let rd = w & 31;
                let page = (pc & !0xfff).wrapping_add((sext21(w) << 12) as u64);
                let add = words[i + 1..words.len().min(i + 4)]
                    .iter()
                    .find(|&&a| a & 0xffc0_0000 == 0x9100_0000 && a & 31 == rd && (a >> 5) & 31 == rd);
                match add {
                    Some(a) => page.wrapping_add(((a >> 10) & 0xfff) as u64),
                    None => continue,
                }
            } else {
                continue;
            };
            if owner_of(&ctx.ranges, t).is_some_and(|f| f != t) && ctx.plausible(t) {
                out.insert(t);
            }
        }
    }
    out
}

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
    let ctx0 = Ctx::new(elf, BTreeMap::new());
    let code = |a: u64| ctx0.word(a).is_some();

    seeds.insert(elf.entry);
    for s in &elf.symbols {
        if s.is_func && code(s.addr) {
            seeds.insert(s.addr);
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
        }
    }
    let ctx = Ctx::new(elf, ranges);

    // Entry addresses that are not function starts.
    let mut floating: BTreeSet<u64> = BTreeSet::new();
    let mut data_ptrs = BTreeSet::new();
    for s in elf.segments.iter().filter(|s| !s.x) {
        let skip = ((8 - s.vaddr % 8) % 8) as usize;
        let Some(d) = s.data.get(skip..) else { continue };
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
        seeds.extend(new);
    }
    let (starts, descents): (Vec<u64>, Vec<Descent>) = results.into_iter().unzip();

    // Assemble functions.
    let mut functions = Vec::with_capacity(starts.len());
    for (&start, d) in starts.iter().zip(descents) {
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
        functions.push(FunctionSpec { name, start, entries: ent, insns: d.insns });
    }

    let covered = all_addrs(functions.iter().map(|f| &f.insns));
    let stats = RecoverStats {
        functions: functions.len(),
        instructions: functions.iter().map(|f| f.insns.len()).sum(),
        entries: functions.iter().map(|f| f.entries.len()).sum(),
        data_code_pointers: data_ptrs.len(),
        landing_pads: all_pads.len(),
        bytes_covered: covered.len() as u64 * 4,
        exec_bytes: elf.segments.iter().filter(|s| s.x).map(|s| s.filesz).sum(),
    };
    Ok(Recovered { functions, stats })
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
            init_array: vec![],
            fini_array: vec![],
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
