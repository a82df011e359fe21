//! Counted loops of binary FP ops that LLVM vectorises (`vv_blocks` in translator/src/llvm.rs:
//! the NaN fix-up as a call with vector variants, one packed "any lane NaN" test per op): a
//! guest runs six such loops (F64 multiply-add and subtract-divide, F32 multiply-add and
//! divide-subtract, the loaded value as first and as second operand, FSQRT then FMADD/FMSUB,
//! whose inf * 0 + quiet NaN is the default NaN) over arrays drawn from
//! NaNs (signalling and quiet, both signs), infinities, zeros, denormals and numbers, under FPCR
//! 0, DN and FZ, with 67 elements (vector body and scalar remainder). Every element must equal
//! what the IR interpreter computes from the loop body's two instructions, and the translation
//! must hold the packed tests (else the loops were not vectorised and this tests nothing new).

use aot_lifter::cpu::CpuState;
use aot_lifter::ir::interp::{Exit, FlatMemory, Interp};
use std::fmt::Write;

mod common;
use common::{translated_run, with_sys, F32_SPECIALS, F64_SPECIALS};

const N: usize = 67;

/// The loops: name, element width in bits, the two ops as assembly and as words for the
/// interpreter. Registers: d0/s0 = a, d1/s1 = c[j] (read and written), d2/s2 = b[j].
const LOOPS: [(&str, u32, [(&str, u32); 2]); 6] = [
    ("muladd_d", 64, [("fmul d2, d0, d2", 0x1e62_0802), ("fadd d1, d1, d2", 0x1e62_2821)]),
    ("subdiv_d", 64, [("fsub d2, d2, d0", 0x1e60_3842), ("fdiv d1, d2, d1", 0x1e61_1841)]),
    ("muladd_s", 32, [("fmul s2, s2, s0", 0x1e20_0842), ("fadd s1, s2, s1", 0x1e21_2841)]),
    ("divsub_s", 32, [("fdiv s2, s0, s2", 0x1e22_1802), ("fsub s1, s1, s2", 0x1e22_3821)]),
    ("sqrtfma_d", 64, [("fsqrt d2, d2", 0x1e61_c042), ("fmadd d1, d0, d2, d1", 0x1f42_0401)]),
    ("sqrtfms_s", 32, [("fsqrt s2, s2", 0x1e21_c042), ("fmsub s1, s2, s0, s1", 0x1f00_8441)]),
];

const FPCRS: [u32; 3] = [0, 1 << 25, 1 << 24];

/// The scalar operand `a` of each run: a number, a quiet and a signalling NaN, an infinity, a zero.
fn scalars(bits: u32) -> [u64; 5] {
    if bits == 64 {
        [0x3ff8_0000_0000_0000, 0x7ff8_0000_0000_0009, 0xfff0_0000_0000_0005, 0x7ff0_0000_0000_0000, 0]
    } else {
        [0x3fc0_0000, 0x7fc0_0009, 0xff80_0005, 0x7f80_0000, 0]
    }
}

/// Array contents from a fixed xorshift sequence: half special values, half numbers near 1.
fn array(bits: u32, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..N)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let near1 = 0.5 + (x >> 11) as f64 / (1u64 << 53) as f64;
            match (x % 2 == 0, bits) {
                (true, 64) => near1.to_bits(),
                (true, _) => (near1 as f32).to_bits() as u64,
                (false, 64) => F64_SPECIALS[(x >> 8) as usize % F64_SPECIALS.len()],
                (false, _) => F32_SPECIALS[(x >> 8) as usize % F32_SPECIALS.len()] as u64,
            }
        })
        .collect()
}

fn c_array(name: &str, ty: &str, v: &[u64]) -> String {
    let items: String = v.iter().map(|x| format!("{x:#x}, ")).collect();
    format!("static const {ty} {name}[{N}] = {{ {items} }};\n")
}

/// One loop as a guest function `name(out, c, b, a_bits, n)`: out[j] = op2(c[j], op1(b[j], a)),
/// the shape of matmul's inner loop (index register stepping by 1 up to n, `b.ne`).
fn asm_loop(name: &str, bits: u32, ops: &[(&str, u32); 2]) -> String {
    let (r, sh) = if bits == 64 { ('d', 3) } else { ('s', 2) };
    let fmov = if bits == 64 { "fmov d0, x3" } else { "fmov s0, w3" };
    format!(
        "\".text\\n.global {name}\\n.type {name}, %function\\n{name}:\\n {fmov}\\n mov x5, #0\\n\"\n\
         \"1: ldr {r}2, [x2, x5, lsl #{sh}]\\n ldr {r}1, [x1, x5, lsl #{sh}]\\n {}\\n {}\\n str {r}1, [x0, x5, lsl #{sh}]\\n\"\n\
         \" add x5, x5, #1\\n cmp x5, x4\\n b.ne 1b\\n ret\\n.size {name}, .-{name}\\n\"\n",
        ops[0].0, ops[1].0
    )
}

struct Data {
    b: Vec<Vec<u64>>,
    c: Vec<Vec<u64>>,
}

fn guest(d: &Data) -> String {
    let mut arrays = String::new();
    let mut asm = String::new();
    let mut calls = String::new();
    for (k, (name, bits, ops)) in LOOPS.iter().enumerate() {
        let ty = if *bits == 64 { "u64" } else { "u32" };
        arrays += &c_array(&format!("B{k}"), ty, &d.b[k]);
        arrays += &c_array(&format!("C{k}"), ty, &d.c[k]);
        let a: String = scalars(*bits).iter().map(|x| format!("{x:#x}, ")).collect();
        writeln!(arrays, "static const u64 A{k}[] = {{ {a} }};").unwrap();
        asm += &asm_loop(name, *bits, ops);
        writeln!(arrays, "void {name}({ty} *out, const {ty} *c, const {ty} *b, u64 a, long n);").unwrap();
        writeln!(
            calls,
            "    for (unsigned i = 0; i < 5; i++) for (unsigned f = 0; f < 3; f++) {{\n\
             \x20       set_fpcr(FPCR[f]); {name}(({ty} *)out, C{k}, B{k}, A{k}[i], {N}); set_fpcr(0);\n\
             \x20       print({bits});\n    }}"
        )
        .unwrap();
    }
    let fpcrs: String = FPCRS.iter().map(|f| format!("{f}ul, ")).collect();
    with_sys(&format!(
        r#"
typedef unsigned long u64;
typedef unsigned int u32;
{arrays}
static const u64 FPCR[] = {{ {fpcrs} }};
/* Initialised (.data): a .bss-only RW segment is rejected by aot-translate. */
static u64 out[{N}] = {{1}};
static char line[{N} * 17 + 1] = {{1}};
__asm__(
{asm});
__attribute__((noinline)) void set_fpcr(u64 v) {{ __asm__ volatile("msr fpcr, %0" :: "r"(v)); }}
__attribute__((noinline)) void print(int bits) {{
    static const char hex[] = "0123456789abcdef";
    char *p = line;
    for (int j = 0; j < {N}; j++) {{
        u64 v = bits == 64 ? out[j] : ((u32 *)out)[j];
        for (int s = bits - 4; s >= 0; s -= 4) *p++ = hex[(v >> s) & 15];
        *p++ = j + 1 < {N} ? ' ' : '\n';
    }}
    sys(64, 1, (long)line, p - line);
}}
void _start(void) {{
{calls}
    sys(93, 0, 0, 0);
    for (;;) {{}}
}}
"#
    ))
}

#[test]
fn vectorised_fp_loops_make_arm_nans_in_every_lane() {
    let mut data = Data {
        b: LOOPS.iter().enumerate().map(|(k, l)| array(l.1, 0x9e37_79b9_7f4a_7c15 + k as u64)).collect(),
        c: LOOPS.iter().enumerate().map(|(k, l)| array(l.1, 0x2545_f491_4f6c_dd1d + k as u64)).collect(),
    };
    // FMA's own rule: inf * 0 + a quiet NaN is the default NaN (x86 returns the addend). The
    // multiplicand from the array is sqrt(b): 0 or inf, against a = inf or 0, with a quiet NaN
    // addend, in the vector body and in the scalar remainder.
    for (k, (_, bits, _)) in LOOPS.iter().enumerate().filter(|(_, l)| l.0.starts_with("sqrtfm")) {
        let (zero, inf, qnan) = if *bits == 64 { (0, 0x7ff0_0000_0000_0000, 0xfff8_0000_0000_0007) } else { (0, 0x7f80_0000, 0xffc0_0007) };
        for (j, b) in [(5, zero), (6, inf), (40, inf), (41, zero), (65, zero), (66, inf)] {
            data.b[k][j] = b;
            data.c[k][j] = qnan;
        }
    }
    let Some((text, _dir, prog)) = translated_run(&guest(&data)) else { return };
    let dis = std::process::Command::new("objdump").arg("-d").arg(&prog).output().unwrap();
    let dis = String::from_utf8_lossy(&dis.stdout);
    for want in ["vcmpunordpd", "vcmpunordps", "vsqrtpd", "vsqrtps", "vfmadd"] {
        assert!(dis.contains(want), "no {want} in the translation: the loops were not vectorised");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), LOOPS.len() * 5 * FPCRS.len());
    let mut nans = 0;
    let mut line = 0;
    for (k, (name, bits, ops)) in LOOPS.iter().enumerate() {
        let f = aot_lifter::isa::aarch64::lift_snippet(0x1000, &[ops[0].1, ops[1].1]);
        aot_lifter::ir::verify::verify(&f).unwrap();
        let mask = if *bits == 64 { u64::MAX } else { u32::MAX as u64 };
        for a in scalars(*bits) {
            for &fpcr in &FPCRS {
                let got: Vec<u64> = lines[line].split(' ').map(|h| u64::from_str_radix(h, 16).unwrap()).collect();
                line += 1;
                assert_eq!(got.len(), N);
                for j in 0..N {
                    let mut st = CpuState::default();
                    st.v[0] = a as u128;
                    st.v[1] = data.c[k][j] as u128;
                    st.v[2] = data.b[k][j] as u128;
                    st.fpcr = fpcr;
                    let e = Interp::new(&f).run(&mut st, &mut FlatMemory::default(), 0, 100);
                    assert!(matches!(e, Exit::Trap { .. }), "{e:?}");
                    let want = st.v[1] as u64 & mask;
                    assert_eq!(
                        got[j], want,
                        "{name} element {j} (c {:#x}, b {:#x}, a {a:#x}), FPCR {fpcr:#x}: translated {:#x}, interpreter {want:#x}",
                        data.c[k][j], data.b[k][j], got[j]
                    );
                    let exp = if *bits == 64 { 0x7ff0_0000_0000_0000 } else { 0x7f80_0000 };
                    if want & (mask >> 1) > exp {
                        nans += 1;
                    }
                }
            }
        }
    }
    assert!(nans > 1000, "the inputs make NaNs: {nans}");
}
