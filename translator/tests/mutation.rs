//! Mutation robustness: truncated and corrupted guest executables go through `elf::parse` and
//! `recover::recover` without panicking and in bounded time.
//!
//! Panics are caught with `catch_unwind` (test targets are always built with unwinding, also
//! under the dev profile's `panic = "abort"`; `catch_unwind_works` checks it).

use aot_translate::{elf, recover};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;

mod common;
use common::{cross, with_sys};
use std::time::{Duration, Instant};


/// splitmix64: a fixed-seed PRNG, so every mutant is reproducible from (seed, index).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Interesting values for byte/word overwrites.
const MAGIC: [u64; 8] = [0, 1, 0xff, 0x7fff_ffff, 0xffff_ffff, u64::MAX, 1 << 63, 0x40_0000];

/// How mutants are made, in percent.
#[derive(Copy, Clone)]
struct Mix {
    /// Mutants that start with a truncation (a third of them are only truncated).
    truncate: usize,
    /// Overwrites that hit the ELF/program headers or the section header table rather than
    /// anywhere in the file.
    header_bias: usize,
}

/// Mutant number `i` of `orig` (deterministic in `seed` and `i`).
fn mutate(orig: &[u8], seed: u64, i: u64, mix: Mix) -> Vec<u8> {
    let header_bias = mix.header_bias;
    let mut r = Rng(seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut d = orig.to_vec();
    let shoff = u64::from_le_bytes(orig[40..48].try_into().unwrap()) as usize;
    let pick = |r: &mut Rng, len: usize| -> usize {
        match r.below(100) {
            p if p < header_bias / 2 => r.below(64 + 56 * 10).min(len.saturating_sub(1)),
            p if p < header_bias && shoff < len => shoff + r.below(len - shoff),
            _ => r.below(len),
        }
    };
    let kind = r.below(100);
    if kind < mix.truncate {
        // Truncation, maybe followed by flips.
        let n = r.below(d.len());
        d.truncate(n);
        if kind * 3 < mix.truncate || d.is_empty() {
            return d;
        }
    }
    let count = 1 + r.below(8);
    for _ in 0..count {
        if d.is_empty() {
            break;
        }
        let len = d.len();
        let at = pick(&mut r, len);
        match r.below(4) {
            0 | 1 => d[at] ^= 1 << r.below(8),
            2 => d[at] = r.next() as u8,
            _ => {
                let v = MAGIC[r.below(MAGIC.len())].to_le_bytes();
                let w = [1usize, 2, 4, 8][r.below(4)];
                for (k, &byte) in v.iter().enumerate().take(w) {
                    if let Some(b) = d.get_mut(at + k) {
                        *b = byte;
                    }
                }
            }
        }
    }
    d
}

struct Summary {
    parsed: usize,
    recovered: usize,
    max: Duration,
}

fn run(orig: &[u8], seed: u64, n: u64, mix: Mix, limit: Duration) -> Summary {
    let mut s = Summary { parsed: 0, recovered: 0, max: Duration::ZERO };
    let mut panics = Vec::new();
    for i in 0..n {
        let m = mutate(orig, seed, i, mix);
        let t = Instant::now();
        let res = catch_unwind(AssertUnwindSafe(|| match elf::parse(&m) {
            Ok(g) => {
                let ok = recover::recover(&g).is_ok();
                (true, ok)
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.is_empty() && !msg.contains('\n'), "bad message {msg:?}");
                (false, false)
            }
        }));
        let dt = t.elapsed();
        s.max = s.max.max(dt);
        match res {
            Ok((p, r)) => {
                s.parsed += p as usize;
                s.recovered += r as usize;
            }
            Err(_) => panics.push(i),
        }
        assert!(dt < limit, "mutant seed={seed:#x} index={i} took {dt:?}");
    }
    assert!(panics.is_empty(), "panics for seed={seed:#x} at mutant indices {panics:?}");
    s
}

#[test]
fn catch_unwind_works() {
    let r = catch_unwind(|| {
        let v: Vec<u8> = Vec::new();
        v[std::hint::black_box(3)]
    });
    assert!(r.is_err(), "panics must unwind in tests for the mutation test to mean anything");
}

const SMALL: &str = r#"
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static const char msg[] = "hello\n";
int (*volatile fp)(int) = fib;
void _start(void) {
    int s = 0;
    for (int i = 0; i < 10; i++) s += fp(i) & 1 ? i : -i;
    switch (s & 7) { case 0: s++; break; case 1: s += 3; break; case 2: s ^= 9; break; case 3: s--; break; default: break; }
    sys(64, 1, (long)msg, 6);
    sys(93, s & 1, 0, 0);
    for (;;) {}
}
"#;

#[test]
fn mutants_small_static() {
    let Some((_d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], &with_sys(SMALL), "p") else { return };
    let orig = std::fs::read(p).unwrap();
    let g = elf::parse(&orig).unwrap();
    let r = recover::recover(&g).unwrap();
    assert!(r.stats.functions >= 2);
    let t = Instant::now();
    let s = run(&orig, 0x5eed_0001, 10_000, Mix { truncate: 30, header_bias: 60 }, Duration::from_secs(5));
    eprintln!(
        "small: 10000 mutants in {:?}: {} parsed, {} recovered, slowest {:?}",
        t.elapsed(),
        s.parsed,
        s.recovered,
        s.max
    );
    assert!(s.parsed > 100, "the mutations should not all be rejected");
}

#[test]
fn mutants_glibc_static() {
    let Some((_d, p)) = cross(
        &["-static", "-O2"],
        "#include <stdio.h>\nint main(int c, char **v) { printf(\"%d %s\\n\", c, v[0]); return 0; }\n",
        "p",
    ) else {
        return;
    };
    let orig = std::fs::read(p).unwrap();
    recover::recover(&elf::parse(&orig).unwrap()).unwrap();
    let t = Instant::now();
    // Recovering a glibc binary takes ~0.1-0.2 s in a debug build: most mutants here are truncated
    // or hit the headers, so that about a quarter go through full recovery.
    let s = run(&orig, 0x5eed_0002, 1_000, Mix { truncate: 55, header_bias: 90 }, Duration::from_secs(20));
    eprintln!(
        "glibc: 1000 mutants in {:?}: {} parsed, {} recovered, slowest {:?}",
        t.elapsed(),
        s.parsed,
        s.recovered,
        s.max
    );
}

/// 20 mutants through the whole command line (parse, recover, lift, compile, link): each ends in
/// success or a clean one-line error with a documented status, never a panic or a signal.
#[test]
fn mutants_through_the_cli() {
    let Some((d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], &with_sys(SMALL), "p") else { return };
    let orig = std::fs::read(&p).unwrap();
    let exe = env!("CARGO_BIN_EXE_aot-translate");
    let cache = d.path().join("cache");
    let mut outcomes = [0usize; 3];
    for i in 0..20u64 {
        let m = mutate(&orig, 0x5eed_00c1, i, Mix { truncate: 30, header_bias: 60 });
        let input = d.path().join(format!("m{i}"));
        std::fs::write(&input, &m).unwrap();
        let out = Command::new(exe)
            .arg(&input)
            .arg("-o")
            .arg(d.path().join(format!("m{i}.x86")))
            .arg("--cache-dir")
            .arg(&cache)
            .env("AOT_XLAT_CACHE", d.path().join("exe"))
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or_else(|| panic!("mutant {i}: killed by a signal: {:?}", out.status));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(code, 0..=2), "mutant {i}: exit status {code}\n{stderr}");
        if code != 0 {
            assert!(stderr.starts_with("aot-translate: error: "), "mutant {i}: {stderr}");
            assert!(!stderr.contains("panicked"), "mutant {i}: {stderr}");
        }
        if code == 2 {
            assert_eq!(stderr.trim_end().lines().count(), 1, "mutant {i}: input errors are one line: {stderr}");
        }
        outcomes[code as usize] += 1;
    }
    eprintln!("cli mutants: {} translated, {} failed to link/compile, {} rejected", outcomes[0], outcomes[1], outcomes[2]);
    assert!(outcomes[2] > 0, "some mutants must be rejected");
}

/// The translated executable is byte-identical whatever the number of worker threads.
#[test]
fn output_is_identical_for_any_job_count() {
    let Some((d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], &with_sys(SMALL), "p") else { return };
    let exe = env!("CARGO_BIN_EXE_aot-translate");
    let mut outs = vec![];
    for jobs in ["1", "2", "3"] {
        let o = d.path().join(format!("out{jobs}"));
        let st = Command::new(exe).arg(&p).arg("-o").arg(&o).args(["--no-cache", "-j", jobs]).status().unwrap();
        assert!(st.success(), "translation with -j {jobs} failed");
        outs.push(std::fs::read(&o).unwrap());
    }
    assert!(outs[0] == outs[1] && outs[1] == outs[2], "outputs differ between job counts");
}
