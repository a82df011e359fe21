//! Cross-check of the A64 decoder against `llvm-mc-19 --disassemble` (capstone: second opinion).
//!
//! Words: the system and branch (register) spaces enumerated (every system register with op1 = 3,
//! ...), then half "near pattern" (every pattern of `decode::tables()` with random fillings of its
//! field bits, or all of them when there are few), the rest uniform random 32-bit words. Each word
//! goes to llvm-mc (restricted to the features we advertise, see `MATTR`), to capstone, and to
//! our lifter. Compared:
//! 1. the verdict: llvm-mc rejects but we lift ("junk"), llvm-mc accepts but we raise SIGILL
//!    ("missing"; "unpredictable" when llvm-mc flags it as a potentially undefined encoding);
//! 2. for words both accept, our pattern's name against llvm's mnemonic (printed with
//!    `-M no-aliases`, plus a small table of the aliases llvm prints anyway, see `EXTRA`); broad
//!    "AdvSIMD ..." patterns get a class check (llvm's operands use SIMD&FP registers) ("name");
//! 3. our lifting itself: a panic, IR that fails verification, or a trans function that emitted
//!    code before refusing ("lift-panic", "verify", "dirty-refusal": never expected).
//! Plus a coverage table per llvm mnemonic and, for information only, where capstone disagrees
//! with llvm-mc on validity (capstone knows SVE/SME and later extensions).
//!
//! Mismatch groups not matched by `tests/xcheck-known.txt` fail the test.
//!
//! Quick (300,000 words, < 2 min):
//!   CARGO_TARGET_DIR=target/xcheck cargo test -p aot-lifter --release --test llvm_mc_xcheck -- --ignored --nocapture
//! Full (docs/decoder-xcheck.md): the same with AOT_XCHECK_WORDS=10000000
//!   AOT_XCHECK_REPORT=FILE (markdown tables). Also AOT_XCHECK_SEED, AOT_XCHECK_JOBS (default 2),
//!   AOT_LLVM_MC (default llvm-mc-19, Debian package llvm-19), AOT_XCHECK_KNOWN (allowlist),
//!   AOT_XCHECK_DUMP=FILE (every group with examples, tab-separated).

use aot_lifter::ir::verify::verify;
use aot_lifter::ir::Op;
use aot_lifter::isa::aarch64::{decode, decode::tables, lift_snippet, raises_undefined, Pattern};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What we advertise (lifter/src/cpu.rs hwcap::ADVERTISED = FP|ASIMD|AES|PMULL|SHA1|SHA2|CRC32|
/// ATOMICS; llvm's `aes` covers AES and PMULL .1Q, `sha2` SHA-1 and SHA-256), and every
/// other feature llvm-mc-19 knows that adds instructions or names system registers turned off
/// explicitly. The default "generic" aarch64 target of LLVM 19 is v8a + fp + neon plus el2vmsa,
/// el3 and ete: on 1M random words the minus list only removes SMC and DCPS3 (el3; UNDEFINED at
/// EL0 either way) and llvm's names for some EL2 and trace registers. It guards against a
/// different default.
const MATTR: &str = "-mattr=+v8a,+fp-armv8,+neon,+crc,+lse,+aes,+sha2,\
-v8.1a,-v8.2a,-v8.3a,-v8.4a,-v8.5a,-v8.6a,-v8.7a,-v8.8a,-v8.9a,-v9a,-v9.1a,-v9.2a,-v9.3a,-v9.4a,-v9.5a,\
-sve,-sve2,-sve2p1,-sve2-aes,-sve2-sm4,-sve2-sha3,-sve2-bitperm,-sve-b16b16,-f32mm,-f64mm,\
-sme,-sme2,-sme2p1,-sme-f64f64,-sme-i16i64,-sme-f16f16,-sme-fa64,-sme-b16b16,-sme-lutv2,\
-fullfp16,-fp16fml,-bf16,-i8mm,-dotprod,-rdm,-complxnum,-jsconv,-fp8,-fp8fma,-fp8dot2,-fp8dot4,\
-faminmax,-lut,-sha3,-sm4,-rcpc,-rcpc-immo,-rcpc3,-lse2,-lse128,-flagm,-altnzcv,\
-pauth,-pauth-lr,-fpac,-bti,-mte,-ls64,-mops,-hbc,-cssc,-sb,-ssbs,-dit,-predres,-specres2,-rand,\
-tme,-wfxt,-ras,-rasv2,-spe,-spe-eef,-tracev8.4,-the,-d128,-gcs,-chk,-cpa,-ccdp,-ccpp,-clrbhb,-xs,\
-ete,-trbe,-brbe,-lor,-pan,-pan-rwv,-vh,-uaops,-mpam,-mec,-nmi,-rme,-sel2,-tlb-rmi,-tlbiw,-ecv,-fgt,\
-hcx,-amvs,-perfmon,-el2vmsa,-el3,-nv,-ccidx,-ite,-sme-f8f16,-sme-f8f32,-ssve-fp8fma,-ssve-fp8dot2,\
-ssve-fp8dot4";

/// For naming the words we lift and llvm-mc rejects: which extension are they from?
const MATTR_ALL: &str = "-mattr=+all";

/// `brk #0x1234` after every word: llvm-mc prints nothing on stdout for an invalid word (its
/// warning goes to stderr, and printing those is what makes it slow), so the sentinel marks where
/// each word's output ends.
const SENTINEL: u32 = 0xd422_4680;
const SENTINEL_TEXT: &str = "brk\t#0x1234";

/// llvm mnemonics a pattern may print besides those its name spells out (`name_globs`): aliases
/// that `-M no-aliases` still prints, and the size/ordering variants of a load/store mnemonic.
/// Kept exact where a glob would also admit a different instruction (ldxr* would admit ldxp).
const EXTRA: &[(&str, &str)] = &[
    ("SYS (DC/IC)", "dc ic"),
    ("LDR/STR (unsigned offset)", "ldr* str* prfm"),
    (
        "LDUR/STUR/LDTR/STTR/LDR/STR (pre/post-index)",
        "ldur* stur* ldtr* sttr* ldr* str* prfum",
    ),
    // RPRFM (FEAT_RPRFM) is a hint in the PRFM (register) space: a prefetch, a no-op for us.
    ("LDR/STR (register offset)", "ldr* str* prfm rprfm"),
    (
        "LDXR/LDAXR/STXR/STLXR",
        "ldxrb ldxrh ldaxrb ldaxrh stxrb stxrh stlxrb stlxrh",
    ),
    (
        "LDAR/LDLAR/STLR/STLLR",
        "ldarb ldarh ldlarb ldlarh stlrb stlrh stllrb stllrh",
    ),
    (
        "CAS/CASA/CASL/CASAL",
        "casb casab caslb casalb cash casah caslh casalh",
    ),
    (
        "LDADD/LDCLR/LDEOR/LDSET/LD[SU]MAX/LD[SU]MIN/SWP",
        "ldadd* ldclr* ldeor* ldset* ldsmax* ldumax* ldsmin* ldumin* swp*",
    ),
    ("MOVN/MOVZ/MOVK", "mov"),
    ("AND/ORR/EOR/ANDS (immediate)", "mov"),
    ("LSLV/LSRV/ASRV/RORV", "lsl lsr asr ror"),
    (
        "SBFM/BFM/UBFM",
        "asr lsl lsr sxtb sxth sxtw uxtb uxth sbfx ubfx sbfiz ubfiz bfi bfxil bfc",
    ),
    ("EXTR", "ror"),
    (
        "CRC32/CRC32C",
        "crc32b crc32h crc32w crc32x crc32cb crc32ch crc32cw crc32cx",
    ),
    ("DUP/INS/UMOV/SMOV (AdvSIMD (scalar) copy)", "mov"),
];

// ---------------------------------------------------------------------------------------------
// Our verdict

thread_local! {
    static IN_LIFT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Implemented,
    /// An Undefined trap at the instruction: SIGILL.
    Refused,
    /// Refused, but only after the trans function had emitted code or blocks.
    DirtyRefusal,
    Panic(String),
    Verify(String),
}

/// Is `w` implemented? A word is refused iff lifting it yields a `Trap { Undefined }` terminator
/// (only `lift_insn` raises that kind). Looking at `blocks[0].insts` alone is not enough: NOP/HINT,
/// B, RET, BRK, UDF and friends lift to no instructions, and a trans function that emitted code
/// before returning false would look implemented.
fn verdict(w: u32) -> Verdict {
    IN_LIFT.with(|c| c.set(true));
    let r = std::panic::catch_unwind(|| lift_snippet(0x1000, &[w]));
    IN_LIFT.with(|c| c.set(false));
    let f = match r {
        Ok(f) => f,
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Verdict::Panic(msg);
        }
    };
    let undefined = raises_undefined(&f);
    if undefined {
        // The lifter's per-instruction `insn` marker (the guest-PC line table) is not code.
        let code = f.blocks[0].insts.iter().any(|&v| f.inst(v).op != Op::Insn);
        if f.blocks.len() > 1 || code {
            return Verdict::DirtyRefusal;
        }
        return Verdict::Refused;
    }
    if let Err(e) = verify(&f) {
        return Verdict::Verify(format!("{e}"));
    }
    Verdict::Implemented
}

/// The plain question: does the lifter implement `w` (no SIGILL, valid IR)?
pub fn implemented(w: u32) -> bool {
    verdict(w) == Verdict::Implemented
}

// ---------------------------------------------------------------------------------------------
// Names

/// Mnemonics (lower case, `*` a glob) a pattern name stands for: "LD[SU]MAX" -> ldsmax, ldumax;
/// "LD1-4" -> ld1..ld4; "LD1R-LD4R" -> ld1r..ld4r; the text from " (" on is the form, not a name.
fn name_globs(name: &str) -> Vec<String> {
    let head = match name.find(" (") {
        Some(i) => &name[..i],
        None => name,
    };
    let mut out = vec![];
    for t in head.split('/') {
        let t = t.trim().to_ascii_lowercase();
        if let (Some(a), Some(b)) = (t.find('['), t.find(']')) {
            for c in t[a + 1..b].chars() {
                out.push(format!("{}{}{}", &t[..a], c, &t[b + 1..]));
            }
        } else if let Some((a, b)) = t.split_once('-') {
            // ld1-4 or ld1r-ld4r
            let lo = a.trim_end_matches('r');
            let digit = |s: &str| s.chars().filter(|c| c.is_ascii_digit()).collect::<String>();
            let (d0, d1) = (digit(a), digit(b));
            let stem = lo.trim_end_matches(|c: char| c.is_ascii_digit());
            let suffix = if a.ends_with('r') { "r" } else { "" };
            if let (Ok(d0), Ok(d1)) = (d0.parse::<u32>(), d1.parse::<u32>()) {
                for d in d0..=d1 {
                    out.push(format!("{stem}{d}{suffix}"));
                }
            } else {
                out.push(t.clone());
            }
        } else {
            out.push(t);
        }
    }
    for (n, extra) in EXTRA {
        if *n == name {
            out.extend(extra.split_whitespace().map(str::to_string));
        }
    }
    out
}

fn glob(p: &str, s: &str) -> bool {
    match p.find('*') {
        None => p == s,
        Some(i) => {
            let (pre, rest) = (&p[..i], &p[i + 1..]);
            if !s.starts_with(pre) {
                return false;
            }
            let s = &s[pre.len()..];
            (0..=s.len()).any(|k| s.is_char_boundary(k) && glob(rest, &s[k..]))
        }
    }
}

/// llvm's mnemonic with the condition of b.cond/bc.cond folded.
fn norm_mnemonic(m: &str) -> String {
    if m.starts_with("b.") {
        "b.cond".into()
    } else if m.starts_with("bc.") {
        "bc.cond".into()
    } else {
        m.to_string()
    }
}

/// Operands with register numbers and immediates erased: "v.4s, v.4s, v.s[#]", "x, [x, #]".
fn shape(ops: &str) -> String {
    let mut out = String::new();
    let mut tok = String::new();
    let flush = |tok: &mut String, out: &mut String| {
        if tok.is_empty() {
            return;
        }
        let t = tok.as_str();
        let b = t.as_bytes();
        let num = t.starts_with('#')
            || b[0].is_ascii_digit()
            || (b[0] == b'-' && b.len() > 1 && b[1].is_ascii_digit());
        if num {
            out.push('#');
        } else if b.len() > 1 && b"xwvqdshbzp".contains(&b[0]) && b[1].is_ascii_digit() {
            out.push(b[0] as char);
            out.push_str(t[1..].trim_start_matches(|c: char| c.is_ascii_digit()));
        } else {
            out.push_str(t);
        }
        tok.clear();
    };
    for c in ops.chars() {
        if c.is_ascii_alphanumeric() || "_.#-+".contains(c) {
            tok.push(c);
        } else {
            flush(&mut tok, &mut out);
            out.push(c);
        }
    }
    flush(&mut tok, &mut out);
    out
}

/// Group key of an instruction llvm-mc accepts: mnemonic and operand shape; system register
/// accesses by register (with its op0_op1 prefix, which says who may access it: op1 = 3 is the
/// EL0 space), SYS/SYSL by operation.
fn insn_key(w: u32, m: &str, o: &str) -> String {
    let sysreg = |name: &str| format!("{m} S{}_{} {name}", (w >> 19) & 3, (w >> 16) & 7);
    match m {
        "mrs" => sysreg(o.split_once(", ").map_or(o, |x| x.1)),
        "msr" => sysreg(o.rsplit_once(", ").map_or(o, |x| x.0)),
        "sys" => format!("{m} {}", o.rsplit_once(", ").map_or(o, |x| x.0)),
        "sysl" => format!("{m} {}", o.split_once(", ").map_or(o, |x| x.1)),
        _ => format!("{m} {}", shape(o)).trim_end().to_string(),
    }
}

/// Does llvm's operand text use a SIMD&FP register (v0.4s, q1, d2, s3, h4, b5)?
fn uses_simd_fp_reg(ops: &str) -> bool {
    ops.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .any(|t| {
            let b = t.as_bytes();
            b.len() > 1 && b"vqdshb".contains(&b[0]) && b[1].is_ascii_digit()
        })
}

/// Is llvm's text (`mn`, `ops`) the instruction our pattern `p` claims to be?
fn same_insn(p: &Pattern, mn: &str, ops: &str) -> bool {
    if p.name.starts_with("AdvSIMD") {
        return uses_simd_fp_reg(ops);
    }
    let m = norm_mnemonic(mn);
    name_globs(p.name).iter().any(|g| glob(g, &m))
}

// ---------------------------------------------------------------------------------------------
// Statistics

#[derive(Default, Clone)]
struct Group {
    count: u64,
    examples: Vec<String>,
}

const EXAMPLES: usize = 4;

#[derive(Default)]
struct Stats {
    words: u64,
    uniform: u64,
    system: u64,
    /// [source][llvm valid?][we implement?]
    matrix: [[[u64; 2]; 2]; 3],
    /// [llvm valid?][capstone valid?]
    cs_matrix: [[u64; 2]; 2],
    /// llvm "potentially undefined" among the words it accepts and we refuse.
    softfail: u64,
    groups: BTreeMap<String, Group>,
    /// llvm mnemonic -> [uniform?][implemented?] counts
    coverage: BTreeMap<String, [[u64; 2]; 2]>,
    /// pattern index -> (words, implemented, llvm valid, name mismatches)
    per_pattern: BTreeMap<usize, [u64; 4]>,
    /// capstone/llvm validity disagreements (information)
    cs_groups: BTreeMap<String, Group>,
}

fn add(groups: &mut BTreeMap<String, Group>, key: String, example: String) {
    let g = groups.entry(key).or_default();
    g.count += 1;
    if g.examples.len() < EXAMPLES {
        g.examples.push(example);
    }
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.words += o.words;
        self.uniform += o.uniform;
        self.system += o.system;
        for u in 0..3 {
            for l in 0..2 {
                for i in 0..2 {
                    self.matrix[u][l][i] += o.matrix[u][l][i];
                }
            }
        }
        for l in 0..2 {
            for c in 0..2 {
                self.cs_matrix[l][c] += o.cs_matrix[l][c];
            }
        }
        self.softfail += o.softfail;
        let mg = |a: &mut BTreeMap<String, Group>, b: BTreeMap<String, Group>| {
            for (k, g) in b {
                let e = a.entry(k).or_default();
                e.count += g.count;
                for x in g.examples {
                    if e.examples.len() < EXAMPLES {
                        e.examples.push(x);
                    }
                }
            }
        };
        mg(&mut self.groups, o.groups);
        mg(&mut self.cs_groups, o.cs_groups);
        for (k, v) in o.coverage {
            let e = self.coverage.entry(k).or_default();
            for u in 0..2 {
                for i in 0..2 {
                    e[u][i] += v[u][i];
                }
            }
        }
        for (k, v) in o.per_pattern {
            let e = self.per_pattern.entry(k).or_default();
            for j in 0..4 {
                e[j] += v[j];
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// llvm-mc

fn llvm_mc() -> String {
    std::env::var("AOT_LLVM_MC").unwrap_or_else(|_| "llvm-mc-19".into())
}

fn byte_line(out: &mut String, w: u32) {
    let b = w.to_le_bytes();
    let _ = writeln!(
        out,
        "0x{:02x} 0x{:02x} 0x{:02x} 0x{:02x}",
        b[0], b[1], b[2], b[3]
    );
}

/// llvm-mc's text for each word: `Some((mnemonic, operands))`, or None if it is invalid.
fn llvm_disasm(
    dir: &std::path::Path,
    tag: &str,
    mattr: &str,
    words: &[u32],
) -> Vec<Option<(String, String)>> {
    if words.is_empty() {
        return vec![];
    }
    let mut input = String::with_capacity(words.len() * 40);
    for &w in words {
        byte_line(&mut input, w);
        byte_line(&mut input, SENTINEL);
    }
    let path = dir.join(format!("chunk-{tag}.txt"));
    std::fs::write(&path, input).unwrap();
    let out = Command::new(llvm_mc())
        .args([
            "--disassemble",
            "-triple=aarch64",
            mattr,
            "-M",
            "no-aliases",
        ])
        .arg(&path)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (Debian: apt-get install llvm-19)", llvm_mc()));
    assert!(out.status.success(), "llvm-mc failed: {:?}", out.status);
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8(out.stdout).expect("llvm-mc output is UTF-8");
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != ".text");
    let mut res = Vec::with_capacity(words.len());
    for &w in words {
        let l = lines
            .next()
            .unwrap_or_else(|| panic!("llvm-mc output ends early at {w:08x}"));
        if l == SENTINEL_TEXT {
            res.push(None);
            continue;
        }
        let (m, o) = l.split_once('\t').unwrap_or((l, ""));
        // Drop comments such as "// =0xf8000000000007ff" after a mov immediate.
        let o = o.split("//").next().unwrap();
        res.push(Some((m.to_string(), o.trim().to_string())));
        let s = lines.next();
        assert_eq!(
            s,
            Some(SENTINEL_TEXT),
            "llvm-mc output out of step after {w:08x} ({l})"
        );
    }
    assert!(
        lines.next().is_none(),
        "llvm-mc printed more lines than words"
    );
    res
}

/// Which of `words` (all valid for llvm-mc) does it flag as "potentially undefined"?
fn llvm_softfail(dir: &std::path::Path, tag: usize, words: &[u32]) -> Vec<bool> {
    let mut flags = vec![false; words.len()];
    if words.is_empty() {
        return flags;
    }
    let mut input = String::new();
    for &w in words {
        byte_line(&mut input, w);
    }
    let path = dir.join(format!("soft-{tag}.txt"));
    std::fs::write(&path, input).unwrap();
    let out = Command::new(llvm_mc())
        .args([
            "--disassemble",
            "-triple=aarch64",
            MATTR,
            "-M",
            "no-aliases",
        ])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("llvm-mc");
    let _ = std::fs::remove_file(&path);
    let prefix = format!("{}:", path.display());
    for l in String::from_utf8_lossy(&out.stderr).lines() {
        let Some(rest) = l.strip_prefix(&prefix) else {
            continue;
        };
        let line: usize = rest.split(':').next().unwrap().parse().unwrap();
        if l.contains("potentially undefined instruction encoding") {
            flags[line - 1] = true;
        } else if l.contains("invalid instruction encoding") {
            panic!("llvm-mc now rejects {:08x}", words[line - 1]);
        }
    }
    flags
}

// ---------------------------------------------------------------------------------------------
// Capstone

fn capstone() -> capstone::Capstone {
    use capstone::prelude::*;
    Capstone::new()
        .arm64()
        .mode(arch::arm64::ArchMode::Arm)
        .build()
        .unwrap()
}

fn cs_disasm(cs: &capstone::Capstone, w: u32) -> Option<String> {
    let insns = cs.disasm_count(&w.to_le_bytes(), 0x1000, 1).ok()?;
    let i = insns.iter().next()?;
    Some(
        format!(
            "{} {}",
            i.mnemonic().unwrap_or(""),
            i.op_str().unwrap_or("")
        )
        .trim()
        .to_string(),
    )
}

/// Top-level A64 encoding space of a word (op0 = bits 28:25), coarse.
fn space(w: u32) -> &'static str {
    let op0 = (w >> 25) & 15;
    match op0 {
        0b0000 if w >> 31 == 1 => "SME",
        0b0000 => "reserved",
        0b0010 => "SVE",
        0b0001 | 0b0011 => "unallocated",
        0b1000 | 0b1001 => "DP-imm",
        0b1010 | 0b1011 => "branch/system",
        0b0100 | 0b0110 | 0b1100 | 0b1110 => "ldst",
        0b0101 | 0b1101 => "DP-reg",
        _ => "FP/SIMD",
    }
}

// ---------------------------------------------------------------------------------------------
// Words

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn word(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
}

/// Deposit the low bits of `v` into the zero bits of `mask` (a software PDEP).
fn deposit(v: u64, mask: u32) -> u32 {
    let mut out = 0u32;
    let mut k = 0;
    for b in 0..32 {
        if mask & (1 << b) == 0 {
            if v >> k & 1 == 1 {
                out |= 1 << b;
            }
            k += 1;
        }
    }
    out
}

const UNIFORM: u8 = 0;
const NEAR: u8 = 1;
const SYSTEM: u8 = 2;
const SOURCES: [&str; 3] = ["uniform", "near-pattern", "system/branch enumerated"];

/// (word, source) pairs: enumerated system/branch-space and near-pattern words first, then uniform ones up to `n`
/// in all.
fn make_words(n: usize, seed: u64) -> Vec<(u32, u8)> {
    let pats: Vec<&Pattern> = tables().iter().flat_map(|t| t.iter()).collect();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut seen = HashSet::with_capacity(n);
    seen.insert(SENTINEL);
    let mut words = Vec::with_capacity(n);
    // The system instruction space where EL0 has business, exhaustively (Rt = 0): MRS/MSR of every
    // op0 = 2/3, op1 = 3 register, SYS/SYSL with op1 = 3, and op0 = 0 (hints, barriers, PSTATE)
    // with op1 = 0 or 3. So the named registers and operations are seen in every run.
    for l in 0..2u32 {
        for (op0, op1) in [(3u32, 3u32), (2, 3), (1, 3), (0, 0), (0, 3)] {
            if op0 == 0 && l == 1 {
                continue;
            }
            for low in 0..1u32 << 11 {
                let rt = if op0 == 0 { 31 } else { 0 };
                let w = 0xd500_0000 | l << 21 | op0 << 19 | op1 << 16 | low << 5 | rt;
                if seen.insert(w) {
                    words.push((w, SYSTEM));
                }
            }
        }
    }
    // Unconditional branch (register): every opc/op3 with op2 = 11111 (BR..RET, ERET, DRPS and the
    // PAC forms), Rn = 30 or 31, op4 = 0 or 31; exception generation: every opc/op2/LL.
    for opc in 0..16u32 {
        for op3 in 0..64u32 {
            for (rn, op4) in [(30u32, 0u32), (30, 31), (31, 0)] {
                let w = 0xd61f_0000 | opc << 21 | op3 << 10 | rn << 5 | op4;
                if seen.insert(w) {
                    words.push((w, SYSTEM));
                }
            }
        }
    }
    for opc in 0..8u32 {
        for low in 0..32u32 {
            let w = 0xd400_0000 | opc << 21 | 0x1234 << 5 | low;
            if seen.insert(w) {
                words.push((w, SYSTEM));
            }
        }
    }
    let quota = n.saturating_sub(words.len()) / 2 / pats.len();
    for p in &pats {
        let free = (!p.mask).count_ones();
        if free < 63 && (1u64 << free) <= quota as u64 {
            for v in 0..1u64 << free {
                let w = p.bits | deposit(v, p.mask);
                if seen.insert(w) {
                    words.push((w, NEAR));
                }
            }
        } else {
            let mut got = 0;
            let mut tries = 0;
            while got < quota && tries < quota * 4 {
                tries += 1;
                let w = (rng.word() & !p.mask) | p.bits;
                if seen.insert(w) {
                    words.push((w, NEAR));
                    got += 1;
                }
            }
        }
    }
    while words.len() < n {
        let w = rng.word();
        if seen.insert(w) {
            words.push((w, UNIFORM));
        }
    }
    words
}

// ---------------------------------------------------------------------------------------------
// One chunk

/// Index of `p` in table order (compared by value: the tables are `const`s, so addresses differ).
fn pattern_index(p: &Pattern) -> usize {
    tables()
        .iter()
        .flat_map(|t| t.iter())
        .position(|q| (q.mask, q.bits, q.name) == (p.mask, p.bits, p.name))
        .unwrap()
}

fn check_chunk(
    dir: &std::path::Path,
    tag: usize,
    chunk: &[(u32, u8)],
    cs: &capstone::Capstone,
) -> Stats {
    let words: Vec<u32> = chunk.iter().map(|c| c.0).collect();
    let llvm = llvm_disasm(dir, &format!("{tag}"), MATTR, &words);
    let verdicts: Vec<Verdict> = words.iter().map(|&w| verdict(w)).collect();
    // What the junk (llvm-mc rejects, we lift) is with every feature llvm-mc knows.
    let junk: Vec<usize> = (0..words.len())
        .filter(|&k| llvm[k].is_none() && verdicts[k] == Verdict::Implemented)
        .collect();
    let junk_all = llvm_disasm(
        dir,
        &format!("{tag}-all"),
        MATTR_ALL,
        &junk.iter().map(|&k| words[k]).collect::<Vec<_>>(),
    );
    let junk_all: BTreeMap<usize, String> = junk
        .iter()
        .zip(junk_all)
        .map(|(&k, t)| (k, t.map_or("-".to_string(), |(m, o)| format!("{m} {o}"))))
        .collect();
    // Second llvm-mc pass with its warnings, only for the words we refuse and llvm-mc accepts.
    let refused_valid: Vec<usize> = (0..words.len())
        .filter(|&k| llvm[k].is_some() && verdicts[k] != Verdict::Implemented)
        .collect();
    let soft = llvm_softfail(
        dir,
        tag,
        &refused_valid.iter().map(|&k| words[k]).collect::<Vec<_>>(),
    );
    let mut softset = HashSet::new();
    for (j, &k) in refused_valid.iter().enumerate() {
        if soft[j] {
            softset.insert(k);
        }
    }
    let mut st = Stats::default();
    for (k, &(w, src)) in chunk.iter().enumerate() {
        let uniform = src == UNIFORM;
        st.words += 1;
        st.uniform += uniform as u64;
        st.system += (src == SYSTEM) as u64;
        let p = decode(w);
        let pname = p.map_or("-", |p| p.name);
        let v = &verdicts[k];
        let imp = *v == Verdict::Implemented;
        let l = llvm[k].as_ref();
        let cs_text = cs_disasm(cs, w);
        st.matrix[src as usize][l.is_some() as usize][imp as usize] += 1;
        st.cs_matrix[l.is_some() as usize][cs_text.is_some() as usize] += 1;
        let llvm_text = l.map_or("(invalid)".to_string(), |(m, o)| {
            format!("{m} {o}").trim().to_string()
        });
        let ex = format!(
            "{w:08x}  llvm: {llvm_text};  ours: {pname};  capstone: {}",
            cs_text.as_deref().unwrap_or("(invalid)")
        );
        if let Some(p) = p {
            let e = st.per_pattern.entry(pattern_index(p)).or_default();
            e[0] += 1;
            e[1] += imp as u64;
            e[2] += l.is_some() as u64;
            if let Some((m, o)) = l {
                if imp && !same_insn(p, m, o) {
                    e[3] += 1;
                }
            }
        }
        match v {
            Verdict::Panic(msg) => add(
                &mut st.groups,
                format!("lift-panic {pname}"),
                format!("{ex};  {msg}"),
            ),
            Verdict::Verify(msg) => add(
                &mut st.groups,
                format!("verify {pname}"),
                format!("{ex};  {msg}"),
            ),
            Verdict::DirtyRefusal => {
                add(&mut st.groups, format!("dirty-refusal {pname}"), ex.clone())
            }
            _ => {}
        }
        match (l, imp) {
            (None, true) => {
                let all = &junk_all[&k];
                let m = norm_mnemonic(all.split(' ').next().unwrap());
                add(
                    &mut st.groups,
                    format!("junk {pname} :: {m}"),
                    format!("{ex};  llvm +all: {all}"),
                );
            }
            (Some((m, o)), false) => {
                let kind = if softset.contains(&k) {
                    st.softfail += 1;
                    "unpredictable"
                } else {
                    "missing"
                };
                add(
                    &mut st.groups,
                    format!("{kind} {}", insn_key(w, m, o)),
                    ex.clone(),
                );
            }
            (Some((m, o)), true) => {
                let p = p.unwrap();
                if !same_insn(p, m, o) {
                    add(
                        &mut st.groups,
                        format!("name {} ~ {}", p.name, norm_mnemonic(m)),
                        ex.clone(),
                    );
                }
            }
            (None, false) => {}
        }
        if let Some((m, _)) = l {
            st.coverage.entry(norm_mnemonic(m)).or_default()[uniform as usize][imp as usize] += 1;
        }
        match (l, &cs_text) {
            (None, Some(t)) => {
                let m = norm_mnemonic(t.split(' ').next().unwrap());
                add(
                    &mut st.cs_groups,
                    format!("capstone-only {} {m}", space(w)),
                    ex.clone(),
                );
            }
            (Some((m, _)), None) => {
                add(
                    &mut st.cs_groups,
                    format!("llvm-only {} {}", space(w), norm_mnemonic(m)),
                    ex.clone(),
                );
            }
            _ => {}
        }
    }
    st
}

// ---------------------------------------------------------------------------------------------
// Allowlist

struct Known {
    glob: String,
    reason: String,
    hits: u64,
}

fn load_known() -> Vec<Known> {
    let path = std::env::var("AOT_XCHECK_KNOWN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/xcheck-known.txt").into());
    let path = path.as_str();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (g, reason) = line
            .split_once(" # ")
            .unwrap_or_else(|| panic!("{path}:{}: entry without a ' # reason'", n + 1));
        assert!(!reason.trim().is_empty(), "{path}:{}: empty reason", n + 1);
        out.push(Known {
            glob: g.trim().to_string(),
            reason: reason.trim().to_string(),
            hits: 0,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v}"))
        })
        .unwrap_or(default)
}

fn pct(a: u64, b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.2}%", 100.0 * a as f64 / b as f64)
    }
}

#[test]
#[ignore = "needs llvm-mc-19 (package llvm-19); run with --ignored, size AOT_XCHECK_WORDS"]
fn llvm_mc_xcheck() {
    let t0 = std::time::Instant::now();
    let n = env_usize("AOT_XCHECK_WORDS", 300_000);
    let seed = env_usize("AOT_XCHECK_SEED", 1) as u64;
    let jobs = env_usize("AOT_XCHECK_JOBS", 2).max(1);
    let chunk_size = 50_000;
    // Lifting panics are results here, not noise: silence them, but no other panic.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_LIFT.with(|c| c.get()) {
            default_hook(info)
        }
    }));

    let words = make_words(n, seed);
    let dir = std::env::temp_dir().join(format!("aot-xcheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let chunks: Vec<&[(u32, u8)]> = words.chunks(chunk_size).collect();
    let next = AtomicUsize::new(0);
    let total = Mutex::new(Stats::default());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                let cs = capstone();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= chunks.len() {
                        break;
                    }
                    let st = check_chunk(&dir, k, chunks[k], &cs);
                    total.lock().unwrap().merge(st);
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let st = total.into_inner().unwrap();
    let secs = t0.elapsed().as_secs_f64();

    // ---- classify against the allowlist ----
    let mut known = load_known();
    let mut unexpected: Vec<(&String, &Group)> = vec![];
    let mut allowed: BTreeMap<usize, Vec<(&String, &Group)>> = BTreeMap::new();
    for (k, g) in &st.groups {
        match known.iter().position(|e| glob(&e.glob, k)) {
            Some(i) => {
                known[i].hits += g.count;
                allowed.entry(i).or_default().push((k, g));
            }
            None => unexpected.push((k, g)),
        }
    }
    unexpected.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));

    // ---- report ----
    let mut r = String::new();
    let m = &st.matrix;
    let _ = writeln!(r, "## Summary\n");
    let _ = writeln!(
        r,
        "{} words ({} uniform random, {} near-pattern, {} enumerated system/branch space), seed {seed}, {secs:.0} s, {} \
         (-mattr=+v8a,+fp-armv8,+neon,+crc,+lse,+aes,+sha2,-<everything else> -M no-aliases)\n",
        st.words,
        st.uniform,
        st.words - st.uniform - st.system,
        st.system,
        llvm_mc(),
    );
    let _ = writeln!(
        r,
        "| | {} | {} | {} | all |\n|---|---:|---:|---:|---:|",
        SOURCES[0], SOURCES[1], SOURCES[2]
    );
    let row = |r: &mut String, label: &str, f: &dyn Fn(usize, usize) -> bool| {
        let mut cells = vec![];
        let mut all = 0;
        for src in 0..3 {
            let mut n = 0;
            for l in 0..2 {
                for i in 0..2 {
                    if f(l, i) {
                        n += m[src][l][i];
                    }
                }
            }
            all += n;
            cells.push(n.to_string());
        }
        let _ = writeln!(r, "| {label} | {} | {all} |", cells.join(" | "));
    };
    row(&mut r, "llvm-mc valid", &|l, _| l == 1);
    row(&mut r, "we implement", &|_, i| i == 1);
    row(&mut r, "both valid", &|l, i| l == 1 && i == 1);
    row(&mut r, "llvm valid, we refuse (missing)", &|l, i| {
        l == 1 && i == 0
    });
    row(&mut r, "llvm invalid, we lift (junk)", &|l, i| {
        l == 0 && i == 1
    });
    let share = |srcs: &[usize]| {
        let imp: u64 = srcs.iter().map(|&s| m[s][1][1]).sum();
        let valid: u64 = srcs.iter().map(|&s| m[s][1][0] + m[s][1][1]).sum();
        pct(imp, valid)
    };
    let _ = writeln!(
        r,
        "| share of llvm-valid words we implement | {} | {} | {} | {} |",
        share(&[0]),
        share(&[1]),
        share(&[2]),
        share(&[0, 1, 2])
    );
    let _ = writeln!(
        r,
        "\nAmong the missing: {} words llvm-mc flags \"potentially undefined\" (kind `unpredictable`).",
        st.softfail
    );
    let c = &st.cs_matrix;
    let _ = writeln!(
        r,
        "Capstone vs llvm-mc: both valid {}, both invalid {}, capstone only {}, llvm-mc only {}.\n",
        c[1][1], c[0][0], c[0][1], c[1][0]
    );

    let group_table = |r: &mut String, list: &[(&String, &Group)], limit: usize| {
        let _ = writeln!(
            r,
            "| group | words | examples (word, llvm-mc, our pattern, capstone) |\n|---|---:|---|"
        );
        for (k, g) in list.iter().take(limit) {
            let _ = writeln!(
                r,
                "| `{k}` | {} | {} |",
                g.count,
                g.examples
                    .iter()
                    .take(2)
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        if list.len() > limit {
            let _ = writeln!(
                r,
                "| ... {} more groups | {} | |",
                list.len() - limit,
                list[limit..].iter().map(|x| x.1.count).sum::<u64>()
            );
        }
    };
    let _ = writeln!(
        r,
        "## Unexpected mismatches ({} groups)\n",
        unexpected.len()
    );
    if !unexpected.is_empty() {
        group_table(&mut r, &unexpected, 200);
    }
    let _ = writeln!(r, "\n## Known mismatches (tests/xcheck-known.txt)\n");
    let _ = writeln!(
        r,
        "| entry | reason | words | groups |\n|---|---|---:|---:|"
    );
    for (i, e) in known.iter().enumerate() {
        let ng = allowed.get(&i).map_or(0, |v| v.len());
        let _ = writeln!(r, "| `{}` | {} | {} | {ng} |", e.glob, e.reason, e.hits);
    }
    let mut allowed_flat: Vec<(&String, &Group)> = allowed.values().flatten().copied().collect();
    allowed_flat.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let _ = writeln!(r, "\nLargest known groups:\n");
    group_table(&mut r, &allowed_flat, 60);

    let _ = writeln!(r, "\n## Coverage per llvm-mc mnemonic\n");
    let _ = writeln!(r, "Sorted by refused words. uniform: uniform random words; targeted: near-pattern and enumerated system/branch-space words.\n");
    let _ = writeln!(r, "| mnemonic | uniform valid | uniform implemented | targeted valid | targeted implemented | implemented |\n|---|---:|---:|---:|---:|---:|");
    let mut cov: Vec<(&String, &[[u64; 2]; 2])> = st.coverage.iter().collect();
    cov.sort_by(|a, b| {
        (b.1[0][0] + b.1[1][0])
            .cmp(&(a.1[0][0] + a.1[1][0]))
            .then(a.0.cmp(b.0))
    });
    for (mn, v) in &cov {
        let uv = v[1][0] + v[1][1];
        let nv = v[0][0] + v[0][1];
        let _ = writeln!(
            r,
            "| {mn} | {uv} | {} | {nv} | {} | {} |",
            v[1][1],
            v[0][1],
            pct(v[0][1] + v[1][1], uv + nv)
        );
    }

    let _ = writeln!(r, "\n## Per pattern\n");
    let _ = writeln!(r, "| pattern | words | implemented | llvm-mc valid | name mismatches |\n|---|---:|---:|---:|---:|");
    let pats: Vec<&Pattern> = tables().iter().flat_map(|t| t.iter()).collect();
    for (i, p) in pats.iter().enumerate() {
        let e = st.per_pattern.get(&i).copied().unwrap_or_default();
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} |",
            p.name, e[0], e[1], e[2], e[3]
        );
    }

    let _ = writeln!(r, "\n## Capstone vs llvm-mc validity (information)\n");
    let mut csg: Vec<(&String, &Group)> = st.cs_groups.iter().collect();
    let mut by_space: BTreeMap<String, u64> = BTreeMap::new();
    for (k, g) in &csg {
        let mut it = k.split(' ');
        *by_space
            .entry(format!("{} {}", it.next().unwrap(), it.next().unwrap()))
            .or_default() += g.count;
    }
    let _ = writeln!(r, "| who accepts, encoding space | words |\n|---|---:|");
    for (k, n) in &by_space {
        let _ = writeln!(r, "| {k} | {n} |");
    }
    csg.retain(|(k, _)| !k.contains(" SVE ") && !k.contains(" SME "));
    csg.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let _ = writeln!(r, "\nOutside SVE/SME:\n");
    group_table(&mut r, &csg, 40);

    println!("{r}");
    if let Ok(path) = std::env::var("AOT_XCHECK_DUMP") {
        // Every group, one a line: count, key, examples (tab-separated).
        let mut d = String::new();
        for (k, g) in st.groups.iter().chain(st.cs_groups.iter()) {
            let _ = writeln!(d, "{}\t{k}\t{}", g.count, g.examples.join("\t"));
        }
        std::fs::write(&path, d).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    if let Ok(path) = std::env::var("AOT_XCHECK_REPORT") {
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(r.as_bytes()))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let stale: Vec<&str> = known
        .iter()
        .filter(|e| e.hits == 0)
        .map(|e| e.glob.as_str())
        .collect();
    if !stale.is_empty() {
        println!("allowlist entries that matched nothing in this run: {stale:?}");
    }
    assert!(
        unexpected.is_empty(),
        "{} mismatch groups not in tests/xcheck-known.txt (first: {})",
        unexpected.len(),
        unexpected
            .iter()
            .take(5)
            .map(|x| x.0.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
}
