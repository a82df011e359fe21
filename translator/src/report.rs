//! `--report FILE.json`: what recovery found, for people and scripts (README "The recovery
//! report" documents the format).
//!
//! Addresses are strings of hexadecimal digits with `0x` (JSON numbers are doubles in many
//! readers; these are exact and read like objdump). Written by hand: the format is small and the
//! translator needs no JSON library otherwise.

use crate::elf::GuestElf;
use crate::recover::Recovered;
use aot_lifter::isa::aarch64::flow;
use aot_lifter::isa::{Flow, FunctionSpec};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Basic blocks of a recovered function: (start, instructions). A block starts at an entry, a
/// branch target inside the function or after a control transfer, and ends at a control transfer,
/// before the next block's start or at a gap in the function's instructions.
pub fn blocks(f: &FunctionSpec, jump_targets: &BTreeSet<u64>) -> Vec<(u64, usize)> {
    let mut leaders: BTreeSet<u64> = f.entries.iter().copied().collect();
    for (&pc, &w) in &f.insns {
        match flow(pc, w) {
            Flow::Next => continue,
            Flow::Jump(t) | Flow::CondJump(t) if f.insns.contains_key(&t) => {
                leaders.insert(t);
            }
            _ => {}
        }
        leaders.insert(pc + 4);
    }
    leaders.extend(jump_targets.iter().copied().filter(|t| f.insns.contains_key(t)));
    let mut out: Vec<(u64, usize)> = Vec::new();
    let mut prev: Option<u64> = None;
    for &pc in f.insns.keys() {
        let contiguous = prev.is_some_and(|p| p + 4 == pc);
        match out.last_mut() {
            Some(last) if contiguous && !leaders.contains(&pc) => last.1 += 1,
            _ => out.push((pc, 1)),
        }
        prev = Some(pc);
    }
    out
}

fn hex(a: u64) -> String {
    format!("\"{a:#x}\"")
}

fn string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The report as JSON text.
pub fn to_json(input: &str, elf: &GuestElf, rec: &Recovered) -> String {
    let st = &rec.stats;
    let mut o = String::new();
    let share = st.bytes_covered as f64 / st.exec_bytes.max(1) as f64;
    let _ = writeln!(o, "{{");
    let _ = writeln!(o, "  \"input\": {},", string(input));
    let _ = writeln!(o, "  \"entry\": {},", hex(elf.entry));
    let _ = writeln!(o, "  \"executable_bytes\": {},", st.exec_bytes);
    let _ = writeln!(o, "  \"covered_bytes\": {},", st.bytes_covered);
    let _ = writeln!(o, "  \"covered_share\": {share:.4},");
    let _ = writeln!(o, "  \"instructions\": {},", st.instructions);
    let _ = writeln!(o, "  \"entries\": {},", st.entries);
    let _ = writeln!(o, "  \"data_code_pointers\": {},", st.data_code_pointers);
    let _ = writeln!(o, "  \"landing_pads\": {},", st.landing_pads);
    let mut by_origin: std::collections::BTreeMap<&str, usize> = Default::default();
    for og in &rec.origins {
        *by_origin.entry(og.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = by_origin.iter().map(|(k, v)| format!("{}: {v}", string(k))).collect();
    let _ = writeln!(o, "  \"functions_by_origin\": {{{}}},", counts.join(", "));
    let targets: BTreeSet<u64> = rec.jump_tables.iter().flat_map(|t| t.targets.iter().copied()).collect();
    let mut nblocks = 0usize;
    let _ = writeln!(o, "  \"functions\": [");
    for (i, f) in rec.functions.iter().enumerate() {
        let end = f.insns.last_key_value().map_or(f.start, |(&a, _)| a + 4);
        let b = blocks(f, &targets);
        nblocks += b.len();
        let name = if rec.named.get(i).copied().unwrap_or(false) { string(&f.name) } else { "null".into() };
        let origin = rec.origins.get(i).map_or("code_pointer", |o| o.as_str());
        let bl: Vec<String> = b.iter().map(|&(a, n)| format!("[{}, {n}]", hex(a))).collect();
        let en: Vec<String> = f.entries.iter().map(|&e| hex(e)).collect();
        let _ = write!(
            o,
            "    {{\"address\": {}, \"size\": {}, \"instructions\": {}, \"name\": {name}, \"found_by\": {}, \
             \"entries\": [{}], \"blocks\": [{}]}}",
            hex(f.start),
            end - f.start.min(end),
            f.insns.len(),
            string(origin),
            en.join(", "),
            bl.join(", ")
        );
        let _ = writeln!(o, "{}", if i + 1 < rec.functions.len() { "," } else { "" });
    }
    let _ = writeln!(o, "  ],");
    let _ = writeln!(o, "  \"blocks\": {nblocks},");
    let _ = writeln!(o, "  \"jump_tables\": [");
    for (i, t) in rec.jump_tables.iter().enumerate() {
        let tg: Vec<String> = t.targets.iter().map(|&e| hex(e)).collect();
        let _ = write!(
            o,
            "    {{\"function\": {}, \"branch\": {}, \"address\": {}, \"entries\": [{}]}}",
            hex(t.function),
            hex(t.branch),
            hex(t.table),
            tg.join(", ")
        );
        let _ = writeln!(o, "{}", if i + 1 < rec.jump_tables.len() { "," } else { "" });
    }
    let _ = writeln!(o, "  ]");
    let _ = writeln!(o, "}}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_at_branches_and_entries() {
        // 0x1000: cbz x0, 0x100c; 0x1004: nop; 0x1008: ret; 0x100c: nop; 0x1010: ret
        let mut insns = std::collections::BTreeMap::new();
        insns.insert(0x1000, 0xb400_0060);
        insns.insert(0x1004, 0xd503_201f);
        insns.insert(0x1008, 0xd65f_03c0);
        insns.insert(0x100c, 0xd503_201f);
        insns.insert(0x1010, 0xd65f_03c0);
        let f = FunctionSpec { name: "f".into(), start: 0x1000, entries: vec![0x1000], insns, ..Default::default() };
        assert_eq!(blocks(&f, &BTreeSet::new()), [(0x1000, 1), (0x1004, 2), (0x100c, 2)]);
        assert_eq!(string("a\"b\\\n"), "\"a\\\"b\\\\\\u000a\"");
    }
}
