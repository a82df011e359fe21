//! Snippet generation, driven by the decoder's pattern tables: random fillings of each pattern's
//! field bits that (1) decode to that pattern (first match wins), (2) we lift (the `trans_*`
//! accepts them), (3) capstone accepts (a second opinion, so qemu does not SIGILL on them) and
//! (4) are architecturally predictable and safe to run in the harness (memory accesses through a
//! base register pointing into the window, no control flow, no system state the harness uses).

use crate::state::{Meta, NONE};
use aot_lifter::isa::aarch64::{self, decode, Pattern};
use capstone::prelude::*;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct Snippet {
    pub word: u32,
    pub pattern: &'static str,
    pub mnemonic: String,
    pub text: String,
    pub meta: Meta,
}

/// Which kind of pattern, by the decoder table it sits in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    System,
    Branch,
    LoadStore,
    Other,
}

fn class_of(p: &Pattern, table: usize) -> Class {
    // The A64 load/store group is op0 = x1x0 (bit 27 set, bit 25 clear), whichever table
    // (ldst.rs or simd.rs) holds the pattern; decode::tables() starts with system, branch.
    const LS: u32 = 1 << 27 | 1 << 25;
    if p.mask & LS == LS && p.bits & LS == 1 << 27 {
        return Class::LoadStore;
    }
    match table {
        0 => Class::System,
        1 => Class::Branch,
        _ => Class::Other,
    }
}

/// Patterns the tester exercises, with the reason for each one it leaves out.
fn testable(p: &Pattern, class: Class) -> Result<(), &'static str> {
    match class {
        Class::Branch => match p.name {
            "ADR" | "ADRP" => Ok(()),
            _ => Err("control flow (the harness runs straight-line snippets)"),
        },
        Class::System => match p.name {
            "HINT" | "DSB" | "DMB" | "ISB" | "SB" | "CLREX" => Ok(()),
            "MRS" => Err("system registers: TPIDR_EL0 is the harness's scratch, CNTVCT_EL0 is time"),
            "MSR (register)" | "MSR (immediate)" => Err("writes system state the harness depends on"),
            _ => Err("cache maintenance / DC ZVA on arbitrary addresses"),
        },
        _ => Ok(()),
    }
}

fn bits(w: u32, hi: u32, lo: u32) -> u32 {
    (w >> lo) & ((1 << (hi - lo + 1)) - 1)
}

fn set_bits(w: u32, hi: u32, lo: u32, v: u32) -> u32 {
    let m = ((1u32 << (hi - lo + 1)) - 1) << lo;
    (w & !m) | ((v << lo) & m)
}

/// Memory-access metadata and constraints for a load/store encoding; `None` rejects the word
/// (CONSTRAINED UNPREDICTABLE register overlaps, or an access that could leave the window).
/// May narrow immediate fields so every access stays within +-1 KiB of the base.
fn ldst_meta(p: &Pattern, w: &mut u32, r: u64) -> Option<Meta> {
    let rn = bits(*w, 9, 5) as u8;
    let rt = bits(*w, 4, 0) as u8;
    let rm = bits(*w, 20, 16) as u8;
    let mut m = Meta { base: rn, off: NONE, align: false };
    let name = p.name;
    if name.contains("(literal)") {
        // PC-relative: keep it within +-64 words of the snippet (harness code or padding).
        *w = set_bits(*w, 23, 5, (r as u32 % 128).wrapping_sub(64));
        return Some(Meta { base: NONE, off: NONE, align: false });
    }
    if name.contains("(unsigned offset)") {
        *w = set_bits(*w, 21, 10, r as u32 % 32);
    } else if name.contains("(pre/post-index)") {
        let xx = bits(*w, 11, 10);
        if (xx == 1 || xx == 3) && rn == rt && rn != 31 {
            return None; // writeback with Rn == Rt
        }
    } else if name.contains("(register offset)") {
        if rm == rn {
            return None;
        }
        if rm != 31 {
            m.off = rm;
        }
    } else if name.starts_with("LDP/STP") {
        let rt2 = bits(*w, 14, 10) as u8;
        let wb = matches!(bits(*w, 24, 23), 1 | 3);
        let load = bits(*w, 22, 22) == 1;
        let simd = bits(*w, 26, 26) == 1;
        if wb && !simd && rn != 31 && (rn == rt || rn == rt2) {
            return None;
        }
        if load && rt == rt2 {
            return None;
        }
        *w = set_bits(*w, 21, 15, (r as u32 % 32).wrapping_sub(16));
    } else if name.starts_with("LD1-4") {
        if bits(*w, 23, 23) == 1 && rm != 31 {
            if rm == rn {
                return None;
            }
            m.off = rm;
        }
    } else {
        // Exclusives, acquire/release, CAS/CASP, LDAPR and the LSE atomics: aligned accesses.
        m.align = true;
        let rs = bits(*w, 20, 16) as u8;
        let rt2 = bits(*w, 14, 10) as u8;
        let store = bits(*w, 22, 22) == 0;
        if name.starts_with("LDXR") && store && (rs == rt || (rs == rn && rn != 31)) {
            return None;
        }
        if name.starts_with("LDXP") {
            if store && (rs == rt || rs == rt2 || (rs == rn && rn != 31)) {
                return None;
            }
            if !store && rt == rt2 {
                return None;
            }
        }
    }
    Some(m)
}

fn implemented(w: u32) -> bool {
    !aarch64::raises_undefined(&aarch64::lift_snippet(0x1000, &[w]))
}

/// Every pattern of the decoder with its class, in table order.
pub fn all_patterns() -> Vec<(&'static Pattern, usize)> {
    let mut v = vec![];
    for (t, table) in decode::tables().iter().enumerate() {
        for p in table.iter() {
            v.push((p, t));
        }
    }
    v
}

pub struct Generated {
    pub snippets: Vec<Snippet>,
    /// Patterns left out, with the reason.
    pub skipped: Vec<(&'static str, &'static str)>,
    /// Patterns for which no acceptable encoding was found.
    pub barren: Vec<&'static str>,
}

/// `n` snippets spread evenly over the testable patterns (optionally only those whose name
/// contains `only`), preferring operand shapes not seen yet within a pattern.
pub fn generate(seed: u64, n: usize, only: Option<&str>) -> anyhow::Result<Generated> {
    let cs = Capstone::new()
        .arm64()
        .mode(arch::arm64::ArchMode::Arm)
        .build()
        .map_err(|e| anyhow::anyhow!("capstone: {e}"))?;
    let mut x = seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut pats = vec![];
    let mut skipped = vec![];
    for (p, t) in all_patterns() {
        if only.is_some_and(|o| !p.name.contains(o)) {
            continue;
        }
        match testable(p, class_of(p, t)) {
            Ok(()) => pats.push((p, class_of(p, t))),
            Err(why) => skipped.push((p.name, why)),
        }
    }
    if pats.is_empty() {
        anyhow::bail!("no testable decoder pattern matches {:?}", only.unwrap_or(""));
    }
    let mut out = vec![];
    let mut barren = vec![];
    let quota = n.div_ceil(pats.len());
    for (p, class) in pats {
        let mut shapes: HashMap<String, u32> = HashMap::new();
        let mut got = 0;
        let mut tries = 0;
        while got < quota && tries < quota * 400 {
            // Several candidates per slot; keep the one of the least-seen operand shape.
            let mut best: Option<(u32, Snippet, String)> = None;
            for _ in 0..16 {
                tries += 1;
                let mut w = (rnd() as u32 & !p.mask) | p.bits;
                let meta = if class == Class::LoadStore {
                    match ldst_meta(p, &mut w, rnd()) {
                        Some(m) => m,
                        None => continue,
                    }
                } else {
                    Meta { base: NONE, off: NONE, align: false }
                };
                if w & p.mask != p.bits || !decode(w).is_some_and(|d| d.mask == p.mask && d.bits == p.bits && d.name == p.name) || !implemented(w) {
                    continue;
                }
                let Ok(insns) = cs.disasm_count(&w.to_le_bytes(), 0x1000, 1) else { continue };
                let Some(i) = insns.iter().next() else { continue };
                let mnemonic = i.mnemonic().unwrap_or("?").to_string();
                let text = format!("{} {}", mnemonic, i.op_str().unwrap_or(""));
                let shape: String = text.chars().filter(|c| !c.is_ascii_digit()).collect();
                let seen = shapes.get(&shape).copied().unwrap_or(0);
                if best.as_ref().is_none_or(|b| seen < b.0) {
                    best = Some((seen, Snippet { word: w, pattern: p.name, mnemonic, text, meta }, shape));
                }
                if seen == 0 {
                    break;
                }
            }
            if let Some((_, s, shape)) = best {
                *shapes.entry(shape).or_default() += 1;
                out.push(s);
                got += 1;
            }
        }
        if got == 0 {
            barren.push(p.name);
        }
    }
    Ok(Generated { snippets: out, skipped, barren })
}
