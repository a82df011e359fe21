//! Go's function table (`.gopclntab`, Go 1.18 and later): the code addresses the Go runtime enters
//! other than by a call or at a function start, which recovery must make dispatcher entries.
//!
//! - `runtime.goexit + 4`: every goroutine's first frame returns there (newproc sets the new
//!   goroutine's LR to goexit + PCQuantum, the `BL runtime.goexit1` inside goexit).
//! - `entry + _func.deferreturn` of each function with open-coded defers: after a recovered panic,
//!   `runtime.recovery` resumes the frame at its `BL runtime.deferreturn` instruction (not after it).
//! - every function's entry (a stripped Go binary keeps its pclntab), with its extent up to the
//!   next function.
//!
//! Layout (runtime/symtab.go, runtime2.go): a `pcHeader` (magic 0xfffffff0 for Go 1.18/1.19,
//! 0xfffffff1 for 1.20+; pad, pad, minLC, ptrSize; then nfunc, nfiles, textStart, funcnameOffset,
//! cuOffset, filetabOffset, pctabOffset, pclnOffset as pointer-sized words); at pclnOffset the
//! functab, nfunc + 1 pairs `{entryoff u32, funcoff u32}` (the last one is the end of text), and
//! each `_func` at pclnOffset + funcoff starts `{entryoff u32, nameoff i32, args i32,
//! deferreturn u32, ...}` in every supported version. Anything malformed yields no information.

use crate::elf::Section;

/// One Go function: its entry, its end (the next function's entry) and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoFunc {
    pub entry: u64,
    pub end: u64,
    pub name: String,
    /// Offset of the `BL runtime.deferreturn` a recovered panic resumes at (0: none).
    pub deferreturn: u32,
}

/// What recovery uses of a Go binary's pclntab.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoInfo {
    pub funcs: Vec<GoFunc>,
    /// Code addresses entered by the Go runtime that are neither function starts nor return sites.
    pub entries: Vec<u64>,
}

/// Instruction size on arm64 (the runtime's sys.PCQuantum).
const PC_QUANTUM: u64 = 4;
/// Upper bound on the function count accepted (a corrupt header must not allocate without limit).
const MAX_FUNCS: u64 = 1 << 22;

fn u32_at(d: &[u8], off: u64) -> Option<u32> {
    let o = usize::try_from(off).ok()?;
    Some(u32::from_le_bytes(d.get(o..o.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(d: &[u8], off: u64) -> Option<u64> {
    let o = usize::try_from(off).ok()?;
    Some(u64::from_le_bytes(d.get(o..o.checked_add(8)?)?.try_into().ok()?))
}

fn cstr_at(d: &[u8], off: u64) -> Option<String> {
    let o = usize::try_from(off).ok()?;
    let rest = d.get(o..)?;
    let n = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..n]).into_owned())
}

/// Parse a `.gopclntab` section; None when it is not a supported, well-formed Go 1.18+ table.
pub fn parse(sec: &Section) -> Option<GoInfo> {
    let d = &sec.data[..];
    let magic = u32_at(d, 0)?;
    if !(magic == 0xffff_fff0 || magic == 0xffff_fff1) || d.get(4..8)? != [0, 0, 4, 8] {
        return None;
    }
    let nfunc = u64_at(d, 8)?;
    if nfunc > MAX_FUNCS {
        return None;
    }
    let text = u64_at(d, 24)?;
    let funcname = u64_at(d, 32)?;
    let pcln = u64_at(d, 64)?;
    let mut raw = Vec::with_capacity(nfunc as usize + 1);
    for i in 0..=nfunc {
        let at = pcln.checked_add(i.checked_mul(8)?)?;
        raw.push((u32_at(d, at)? as u64, u32_at(d, at.checked_add(4)?)? as u64));
    }
    let mut info = GoInfo::default();
    for w in raw.windows(2) {
        let ((entryoff, funcoff), (nextoff, _)) = (w[0], w[1]);
        let f = pcln.checked_add(funcoff)?;
        if u32_at(d, f)? as u64 != entryoff || nextoff < entryoff {
            return None;
        }
        let nameoff = u32_at(d, f.checked_add(4)?)? as i32;
        let deferreturn = u32_at(d, f.checked_add(12)?)?;
        let name = if nameoff >= 0 {
            cstr_at(d, funcname.checked_add(nameoff as u64)?).unwrap_or_default()
        } else {
            String::new()
        };
        let entry = text.checked_add(entryoff)?;
        let end = text.checked_add(nextoff)?;
        if deferreturn != 0 && (deferreturn as u64) < end - entry {
            info.entries.push(entry + deferreturn as u64);
        }
        if name == "runtime.goexit" && end - entry > PC_QUANTUM {
            info.entries.push(entry + PC_QUANTUM);
        }
        info.funcs.push(GoFunc { entry, end, name, deferreturn });
    }
    info.entries.sort_unstable();
    info.entries.dedup();
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table with two functions: f at text+0 (deferreturn at +8) and runtime.goexit at text+0x10.
    fn table(magic: u32) -> Vec<u8> {
        let text = 0x11000u64;
        let mut d = Vec::new();
        d.extend(magic.to_le_bytes());
        d.extend([0, 0, 4, 8]);
        let names = b"main.f\0runtime.goexit\0";
        let funcname = 72u64;
        let pcln = (funcname + names.len() as u64 + 7) & !7;
        for v in [2u64, 0, text, funcname, 0, 0, 0, pcln] {
            d.extend(v.to_le_bytes());
        }
        d.extend(names);
        d.resize(pcln as usize, 0);
        // functab: 3 pairs, then two _func records
        let f0 = 24u32;
        let f1 = f0 + 16;
        for (e, o) in [(0u32, f0), (0x10, f1), (0x1c, 0)] {
            d.extend(e.to_le_bytes());
            d.extend(o.to_le_bytes());
        }
        for (e, name, dr) in [(0u32, 0i32, 8u32), (0x10, 7, 0)] {
            d.extend(e.to_le_bytes());
            d.extend(name.to_le_bytes());
            d.extend(0i32.to_le_bytes());
            d.extend(dr.to_le_bytes());
        }
        d
    }

    #[test]
    fn parses_entries() {
        for magic in [0xffff_fff0u32, 0xffff_fff1] {
            let g = parse(&Section { addr: 0x100000, data: table(magic) }).unwrap();
            assert_eq!(g.funcs.len(), 2);
            assert_eq!(g.funcs[0], GoFunc { entry: 0x11000, end: 0x11010, name: "main.f".into(), deferreturn: 8 });
            assert_eq!(g.funcs[1].name, "runtime.goexit");
            assert_eq!(g.entries, vec![0x11008, 0x11014]);
        }
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(parse(&Section { addr: 0, data: table(0xffff_fffb) }).is_none());
        let t = table(0xffff_fff0);
        for n in 0..t.len() {
            // every truncation is rejected or parsed without panicking
            let _ = parse(&Section { addr: 0, data: t[..n].to_vec() });
        }
        let mut t = table(0xffff_fff0);
        t[8] = 0xff; // nfunc out of range
        t[15] = 0x7f;
        assert!(parse(&Section { addr: 0, data: t }).is_none());
    }
}
