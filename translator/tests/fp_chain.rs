//! Chains of scalar FP ops sharing one NaN test (`fp_chains` in translator/src/llvm.rs): a
//! guest runs two blocks of chained FADD/FSUB/FMUL/FDIV/FSQRT/FMADD on inputs drawn from NaNs
//! (signalling and quiet, both signs), infinities, zeros and numbers, so that NaNs enter or
//! appear mid-chain (a signalling NaN input, 0 * inf, inf - inf, sqrt of a negative), under
//! FPCR 0, DN and FZ, and every register the chains write must equal the IR interpreter's.

use aot_lifter::cpu::CpuState;
use aot_lifter::ir::interp::{Exit, FlatMemory, Interp};
use std::fmt::Write;

mod common;
use common::{translated_stdout, with_sys, F32_SPECIALS, F64_SPECIALS};

/// The chains, as assembly for the guest and as words for the interpreter.
const CHAIN: [(&str, u32); 19] = [
    ("fmul d0, d1, d2", 0x1e62_0820),
    ("fadd d5, d0, d3", 0x1e63_2805),
    ("fsub d6, d5, d4", 0x1e64_38a6),
    ("fdiv d7, d6, d1", 0x1e61_18c7),
    ("fsqrt d8, d7", 0x1e61_c0e8),
    ("fmadd d9, d8, d2, d3", 0x1f42_0d09),
    ("fnmul d10, d9, d4", 0x1e64_892a),
    ("fadd d10, d10, d1", 0x1e61_294a),
    ("fmul s11, s12, s13", 0x1e2d_098b),
    ("fadd s11, s11, s14", 0x1e2e_296b),
    ("fmsub s15, s11, s12, s13", 0x1f0c_b56f),
    ("fsqrt s16, s15", 0x1e21_c1f0),
    // mandelbrot's inner loop: two interleaved chains, registers overwritten mid-chain.
    ("fadd d17, d1, d1", 0x1e61_2831),
    ("fsub d18, d2, d3", 0x1e63_3852),
    ("fmul d19, d17, d4", 0x1e64_0a33),
    ("fadd d17, d18, d3", 0x1e63_2a51),
    ("fadd d19, d19, d1", 0x1e61_2a73),
    ("fmul d18, d17, d17", 0x1e71_0a32),
    ("fmul d20, d19, d19", 0x1e73_0a74),
];

/// The registers compared: every one the chains write.
const OUT: [usize; 14] = [0, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20];

const FPCRS: [u32; 3] = [0, 1 << 25, 1 << 24];

struct Case {
    d: [u64; 4],
    s: [u32; 3],
}

/// Inputs from a fixed xorshift sequence: each operand a special value or, one time in four, a
/// number near 1.
fn cases(n: usize) -> Vec<Case> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let mut d = [0u64; 4];
            for v in &mut d {
                let r = next();
                *v = if r % 4 == 0 { (0.5 + (r >> 11) as f64 / (1u64 << 53) as f64).to_bits() } else { F64_SPECIALS[(r >> 8) as usize % F64_SPECIALS.len()] };
            }
            let mut s = [0u32; 3];
            for v in &mut s {
                let r = next();
                *v = if r % 4 == 0 { (0.5 + (r >> 40) as f32 / (1u32 << 24) as f32).to_bits() } else { F32_SPECIALS[(r >> 8) as usize % F32_SPECIALS.len()] };
            }
            Case { d, s }
        })
        .collect()
}

/// The guest: for each case and FPCR, loads the inputs, runs the chains (one function that
/// does not touch FPCR/FPSR, so the backend chains them) and prints the registers of OUT.
fn guest(cases: &[Case]) -> String {
    let mut table = String::new();
    for c in cases {
        let s01 = c.s[0] as u64 | (c.s[1] as u64) << 32;
        writeln!(table, "{{{:#x}ul, {:#x}ul, {:#x}ul, {:#x}ul, {:#x}ul, {:#x}ul}},", c.d[0], c.d[1], c.d[2], c.d[3], s01, c.s[2]).unwrap();
    }
    let chain: String = CHAIN.iter().map(|(a, _)| format!("\"{a}\\n\"\n")).collect();
    let stores: String = OUT.iter().enumerate().map(|(k, r)| format!("\"str q{r}, [%1, #{}]\\n\"\n", 16 * k)).collect();
    let clobbers: String = (0..21).map(|r| format!("\"v{r}\", ")).collect();
    let fpcrs: String = FPCRS.iter().map(|f| format!("{f}ul, ")).collect();
    with_sys(&format!(
        r#"
typedef unsigned long u64;
static const u64 IN[][6] = {{
{table}}};
static const u64 FPCR[] = {{ {fpcrs} }};
/* Initialised (.data), like `line`: aot-translate rejects this guest's RW segment when it is
   .bss only ("segment 1 at ... lies outside the file"). */
static unsigned char out[{nout} * 16] = {{1}};
__attribute__((noinline)) void set_fpcr(u64 v) {{ __asm__ volatile("msr fpcr, %0" :: "r"(v)); }}
__attribute__((noinline)) void chain(const u64 *in, unsigned char *o) {{
    __asm__ volatile(
        "ldp d1, d2, [%0]\n ldp d3, d4, [%0, #16]\n ldp s12, s13, [%0, #32]\n ldr s14, [%0, #40]\n"
{chain}{stores}        :: "r"(in), "r"(o) : {clobbers} "memory");
}}
void _start(void) {{
    static char line[{nout} * 33 + 1] = {{1}};
    static const char hex[] = "0123456789abcdef";
    for (unsigned k = 0; k < sizeof IN / sizeof IN[0]; k++) {{
        for (unsigned f = 0; f < sizeof FPCR / sizeof FPCR[0]; f++) {{
            set_fpcr(FPCR[f]);
            chain(IN[k], out);
            set_fpcr(0);
            char *p = line;
            for (int r = 0; r < {nout}; r++) {{
                for (int b = 15; b >= 0; b--) {{ *p++ = hex[out[16 * r + b] >> 4]; *p++ = hex[out[16 * r + b] & 15]; }}
                *p++ = r + 1 < {nout} ? ' ' : '\n';
            }}
            sys(64, 1, (long)line, p - line);
        }}
    }}
    sys(93, 0, 0, 0);
    for (;;) {{}}
}}
"#,
        nout = OUT.len()
    ))
}

#[test]
fn chained_fp_ops_match_the_interpreter_when_nans_appear_mid_chain() {
    let cases = cases(300);
    let Some(text) = translated_stdout(&guest(&cases)) else { return };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len() * FPCRS.len());

    let words: Vec<u32> = CHAIN.iter().map(|c| c.1).collect();
    let f = aot_lifter::isa::aarch64::lift_snippet(0x1000, &words);
    aot_lifter::ir::verify::verify(&f).unwrap();
    let mut nans_mid_chain = 0;
    for (k, c) in cases.iter().enumerate() {
        for (j, &fpcr) in FPCRS.iter().enumerate() {
            let mut st = CpuState::default();
            for (r, &d) in [1, 2, 3, 4].iter().zip(&c.d) {
                st.v[*r] = d as u128;
            }
            for (r, &s) in [12, 13, 14].iter().zip(&c.s) {
                st.v[*r] = s as u128;
            }
            st.fpcr = fpcr;
            let e = Interp::new(&f).run(&mut st, &mut FlatMemory::default(), 0, 10_000);
            assert!(matches!(e, Exit::Trap { .. }), "{e:?}");
            let got: Vec<u128> = lines[k * FPCRS.len() + j].split(' ').map(|h| u128::from_str_radix(h, 16).unwrap()).collect();
            for (n, &r) in OUT.iter().enumerate() {
                assert_eq!(
                    got[n], st.v[r],
                    "case {k} (d1-d4 {:016x?}, s12-s14 {:08x?}), FPCR {fpcr:#x}: v{r} translated {:#x}, interpreter {:#x}",
                    c.d, c.s, got[n], st.v[r]
                );
            }
            // A default NaN made from numbers inside the first chain (inf - inf, 0 * inf...).
            let is_nan = |x: u128| (x as u64 & !(1 << 63)) > 0x7ff0_0000_0000_0000;
            if !c.d.iter().any(|&d| is_nan(d as u128)) && is_nan(st.v[10]) {
                nans_mid_chain += 1;
            }
        }
    }
    assert!(nans_mid_chain > 20, "the inputs make NaNs mid-chain: {nans_mid_chain}");
}
