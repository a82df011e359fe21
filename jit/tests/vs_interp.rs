//! The JIT against the IR interpreter (the reference semantics): random encodings of every
//! data-processing pattern in the decoder tables, lifted, compiled with Cranelift and run on
//! random states; and hand-picked memory, atomic and control-flow snippets.

use aot_jit::{Jit, Symbols};
use aot_lifter::cpu::{mxcsr_for_fpcr, CpuState, MXCSR_FLAGS};
use aot_lifter::ir::interp::{Exit, Interp, Memory};
use aot_lifter::ir::{self, crypto, CryptoOp, Function, Op, Term};
use aot_lifter::isa::aarch64::{decode, lift_snippet};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

extern "C" fn no_lookup(pc: u64) -> u64 {
    panic!("test code looked up 0x{pc:x}")
}
extern "C" fn no_trap(_: *mut CpuState, k: u32) {
    panic!("test code trapped ({k})")
}
extern "C" fn no_safepoint(_: *mut CpuState) {}
macro_rules! crypto_fns {
    ($($name:ident $op:ident $n:tt;)*) => {
        $(crypto_fns!(@one $name $op $n);)*
        fn crypto_addr(name: &str) -> Option<u64> {
            match name { $(concat!("aot_crypto_", stringify!($name)) => Some($name as *const () as u64),)* _ => None }
        }
    };
    (@one $name:ident $op:ident 1) => { extern "C" fn $name(a: u128) -> u128 { crypto::eval(CryptoOp::$op, &[a]) } };
    (@one $name:ident $op:ident 2) => { extern "C" fn $name(a: u128, b: u128) -> u128 { crypto::eval(CryptoOp::$op, &[a, b]) } };
    (@one $name:ident $op:ident 3) => { extern "C" fn $name(a: u128, b: u128, c: u128) -> u128 { crypto::eval(CryptoOp::$op, &[a, b, c]) } };
}
crypto_fns! {
    aese Aese 2; aesd Aesd 2; aesmc Aesmc 1; aesimc Aesimc 1; sha1c Sha1c 3; sha1p Sha1p 3; sha1m Sha1m 3;
    sha1su1 Sha1su1 2; sha256h Sha256h 3; sha256h2 Sha256h2 3; sha256su0 Sha256su0 2; sha256su1 Sha256su1 3; clmul Clmul 2;
}

/// The runtime's `aot_fp_tiny` without the host flag (FPSR is not compared here).
extern "C" fn fp_tiny(kind: u64, fpcr: u64, a: u64, b: u64, c: u64, r: u64) -> u64 {
    aot_lifter::ir::fptiny::arm_tiny_word(kind, fpcr, a, b, c, r).unwrap_or(r)
}

struct TestSyms;
impl Symbols for TestSyms {
    fn addr(&self, name: &str) -> Option<u64> {
        Some(match name {
            "aot_lookup" | "aot_lookup_start" => no_lookup as *const () as u64,
            "aot_trap" => no_trap as *const () as u64,
            "aot_safepoint" => no_safepoint as *const () as u64,
            "aot_excl_table" => &aot_lifter::excl::aot_excl_table as *const _ as u64,
            "aot_fp_tiny" => fp_tiny as *const () as u64,
            _ => return crypto_addr(name),
        })
    }
}

/// Guest memory for the interpreter: a copy of the JIT's buffer at another host address.
struct Shadow {
    real_base: u64,
    bytes: Vec<u8>,
}
impl Memory for Shadow {
    fn read(&mut self, addr: u64, size: usize) -> Result<u128, u64> {
        let o = addr.wrapping_sub(self.real_base) as usize;
        if o + size > self.bytes.len() {
            return Err(addr);
        }
        let mut v = 0u128;
        for k in 0..size {
            v |= (self.bytes[o + k] as u128) << (8 * k);
        }
        Ok(v)
    }
    fn write(&mut self, addr: u64, size: usize, v: u128) -> Result<(), u64> {
        let o = addr.wrapping_sub(self.real_base) as usize;
        if o + size > self.bytes.len() {
            return Err(addr);
        }
        for k in 0..size {
            self.bytes[o + k] = (v >> (8 * k)) as u8;
        }
        Ok(())
    }
}

fn set_mxcsr(v: u32) -> u32 {
    let mut old = 0u32;
    // SAFETY: stmxcsr/ldmxcsr on locals.
    unsafe {
        core::arch::asm!("stmxcsr [{p}]", p = in(reg) &mut old as *mut u32, options(nostack));
        core::arch::asm!("ldmxcsr [{p}]", p = in(reg) &v as *const u32, options(nostack));
    }
    old
}

fn run_jit(jit: &mut Jit, f: &Function, st: &mut CpuState) {
    let c = jit.compile(f, &TestSyms).unwrap_or_else(|e| panic!("{e}\n{}", ir::print::print_function(f, true)));
    // SAFETY: compiled code with the host function contract.
    let func: extern "C" fn(*mut CpuState, u64) = unsafe { std::mem::transmute(c.addr as usize) };
    let old = set_mxcsr(0x1f80);
    let m = mxcsr_for_fpcr(0x1f80, st.fpcr as u64) & !MXCSR_FLAGS;
    set_mxcsr(m);
    func(st, f.base());
    set_mxcsr(old);
}

const FPCRS: [u32; 6] = [0, 1 << 25, 1 << 24, 3 << 24, 1 << 22, 3 << 22];

fn random_state(r: &mut Rng) -> CpuState {
    let specials: [u64; 10] = [
        0, 0x8000_0000_0000_0000, 0x7ff0_0000_0000_0000, 0x7ff8_0000_0000_0001, 0x7ff4_0000_0000_0000, 0x3ff0_0000_0000_0000,
        0x0000_0000_0000_0001, 0xc008_0000_0000_0000, 0x7fc0_0001_7fa0_0000, 0x0040_0000_8000_0001,
    ];
    let mut st = CpuState::default();
    for x in st.x.iter_mut() {
        *x = match r.next() % 4 {
            0 => r.next() % 64,
            1 => r.next() | 1 << 63,
            _ => r.next(),
        };
    }
    for v in st.v.iter_mut() {
        let mut half = || match r.next() % 3 {
            0 => specials[(r.next() % 10) as usize],
            1 => (r.next() & 0x3ff0_ffff_ffff_ffff) | 0x3000_0000_0000_0000,
            _ => r.next(),
        };
        *v = (half() as u128) << 64 | half() as u128;
    }
    st.sp = 0x7fff_0000;
    st.set_nzcv(r.next() << 28);
    st.fpcr = FPCRS[(r.next() % 6) as usize];
    st
}

fn same(a: &CpuState, b: &CpuState) -> Result<(), String> {
    let mut d = String::new();
    for k in 0..31 {
        if a.x[k] != b.x[k] {
            d += &format!(" x{k}: {:#x} vs {:#x};", a.x[k], b.x[k]);
        }
    }
    for k in 0..32 {
        if a.v[k] != b.v[k] {
            d += &format!(" q{k}: {:#034x} vs {:#034x};", a.v[k], b.v[k]);
        }
    }
    if (a.sp, a.pc, a.nzcv(), a.fpcr) != (b.sp, b.pc, b.nzcv(), b.fpcr) {
        d += &format!(" sp/pc/nzcv/fpcr: {:x?} vs {:x?};", (a.sp, a.pc, a.nzcv(), a.fpcr), (b.sp, b.pc, b.nzcv(), b.fpcr));
    }
    if d.is_empty() {
        Ok(())
    } else {
        Err(d)
    }
}

/// Straight-line data processing: no memory, helpers or exits but the final RET.
fn pure(f: &Function) -> bool {
    f.insts.iter().all(|i| {
        !matches!(
            i.op,
            Op::Load | Op::Store | Op::Helper | Op::AtomicRmw | Op::CmpXchg | Op::ExclVer | Op::ExclClaim | Op::Fence
        )
    }) && f.blocks.iter().all(|b| matches!(b.term, Term::Ret { .. } | Term::Br(_) | Term::BrIf { .. }))
}

const RET: u32 = 0xd65f_03c0;

#[test]
fn every_data_processing_pattern_matches_the_interpreter() {
    let mut jit = Jit::new().unwrap();
    let mut r = Rng(0x1234_5678_9abc_def1);
    let (mut patterns, mut runs) = (0, 0);
    let mut fails = vec![];
    let mut ops_seen = std::collections::BTreeSet::new();
    // Tables 0..=2 are system, branch and load/store: covered by the hand-written tests below.
    for table in &decode::tables()[3..] {
        for p in table.iter() {
            let mut tested = false;
            for _ in 0..24 {
                let w = (r.next() as u32 & !p.mask) | p.bits;
                if decode::decode(w).map(|q| q.name) != Some(p.name) {
                    continue;
                }
                let f = lift_snippet(0x40_0000, &[w, RET]);
                if !pure(&f) || ir::verify::verify(&f).is_err() {
                    continue;
                }
                for i in &f.insts {
                    ops_seen.insert(i.op.text());
                }
                tested = true;
                for _ in 0..6 {
                    let st0 = random_state(&mut r);
                    let (mut a, mut b) = (st0.clone(), st0.clone());
                    let mut mem = Shadow { real_base: 0, bytes: vec![] };
                    match Interp::new(&f).run(&mut a, &mut mem, 0, 10_000) {
                        Exit::Ret { target } => a.pc = target,
                        _ => break,
                    }
                    run_jit(&mut jit, &f, &mut b);
                    runs += 1;
                    if let Err(d) = same(&a, &b) {
                        fails.push(format!("{} {w:08x} fpcr={:#x}:{d}", p.name, st0.fpcr));
                        break;
                    }
                }
            }
            patterns += tested as usize;
        }
    }
    let total: usize = decode::tables()[3..].iter().map(|t| t.len()).sum();
    eprintln!("{patterns} of {total} patterns, {runs} runs, ops: {ops_seen:?}");
    assert!(patterns * 10 >= total * 8, "only {patterns} of {total} patterns tested");
    assert!(fails.is_empty(), "{} mismatches:\n{}", fails.len(), fails.join("\n"));
}

/// Memory, exclusive and atomic instructions on a real buffer (the interpreter on a copy).
#[test]
fn memory_and_atomics_match_the_interpreter() {
    let words: Vec<u32> = vec![
        0xf9400001, // ldr x1, [x0]
        0xb9400803, // ldr w3, [x0, #8]
        0x8b010042, // add x2, x2, x1
        0xf9000802, // str x2, [x0, #16]
        0xa9410c04, // ldp x4, x3, [x0, #16]
        0x3dc00805, // ldr q5, [x0, #32]
        0x3d800c05, // str q5, [x0, #48]
        0xbd400806, // ldr s6, [x0, #8]
        0xfd000c06, // str d6, [x0, #24]
        0x889ffc01, // stlr w1, [x0]
        0x88dffc02, // ldar w2, [x0]
        0xf8210007, // ldadd x1, x7, [x0]
        0xf8a18008, // swpa? (ldaddal family) x1 -> x8
        0xc85f7c09, // ldxr x9, [x0]
        0xc80a7c09, // stxr w10, x9, [x0]
        0xc8a17c0b, // cas x1, x11, [x0]
        0xd5033bbf, // dmb ish
        0x386068ac, // ldrb w12, [x5, x0] (x5 = 0 after a reset below)
        RET,
    ];
    let mut jit = Jit::new().unwrap();
    let mut r = Rng(77);
    for _ in 0..20 {
        let mut buf: Vec<u8> = (0..128).map(|_| r.next() as u8).collect();
        let base = buf.as_mut_ptr() as u64;
        let mut st = random_state(&mut r);
        st.x[0] = base;
        let f0 = lift_snippet(0x40_0000, &words[..17]);
        let mut f = f0.clone();
        // x5 holds q5's... no: ldrb through x5 needs x5 = 0 (register offset x0).
        st.x[5] = 0;
        let _ = &mut f;
        let f = lift_snippet(0x40_0000, &[&words[..17], &[0xd2800005, words[17], RET]].concat());
        let _ = f0;
        let mut shadow = Shadow { real_base: base, bytes: buf.clone() };
        let (mut a, mut b) = (st.clone(), st.clone());
        match Interp::new(&f).run(&mut a, &mut shadow, 0, 10_000) {
            Exit::Ret { target } => a.pc = target,
            e => panic!("interpreter: {e:?}"),
        }
        run_jit(&mut jit, &f, &mut b);
        same(&a, &b).unwrap();
        assert_eq!(shadow.bytes, buf, "memory differs");
    }
}

/// Loops, calls out and safe points: a loop summing 1..=10 with a safe point at its header.
#[test]
fn loops_with_safepoints() {
    // 0: mov x0, #0 ; 4: add x0, x0, #1 ; 8: cmp x0, #10 ; c: b.ne 4 ; 10: ret
    let mut f = lift_snippet(0x40_0000, &[0xd280_0000, 0x9100_0400, 0xf100_281f, 0x54ff_ffc1, RET]);
    ir::safepoint::insert(&mut f);
    ir::verify::verify(&f).unwrap();
    let mut jit = Jit::new().unwrap();
    let mut st = CpuState::default();
    st.x[30] = 0x1234;
    run_jit(&mut jit, &f, &mut st);
    assert_eq!((st.x[0], st.pc, st.z), (10, 0x1234, 1));
}

/// Arm's underflow rule (ir::fptiny): an FMUL/FMSUB/FDIV result rounded to +-the smallest
/// normal from a tiny exact one is a signed zero under FPCR.FZ (x86's FTZ keeps the smallest
/// normal); the JIT's cold block through `aot_fp_tiny` gives the interpreter's value.
#[test]
fn tiny_results_under_fz_match_the_interpreter() {
    let mut jit = Jit::new().unwrap();
    let a = 0x1fff_ffff_ffff_ffffu64; // 0x1.fffffffffffffp-512
    let b = 0x2000_0000_0000_0000u64; // 2^-511
    let near = 0x001f_ffff_ffff_ffffu64; // 0x1.fffffffffffffp-1022
    // (insn, d1/s1, d2/s2, sign of the result)
    for (insn, v1, v2, fz_bits) in [
        (0x1e62_0820u32, a, b, 0u64),               // fmul d0, d1, d2: +min normal -> +0
        (0x1e62_0820, a | 1 << 63, b, 1 << 63),     // -min normal -> -0
        (0x1f42_8c20, a | 1 << 63, b, 0),           // fmsub d0, d1, d2, d3 (d3 = 0): 0 - (-a * b)
        (0x1e62_1820, near, 0x4000_0000_0000_0000, 0), // fdiv d0, d1, d2 (/ 2.0)
        (0x1e22_0820, 0x3f7f_ffff - (63 << 23), 0x3f80_0000 - (63 << 23), 0), // fmul s0, s1, s2
    ] {
        let f = lift_snippet(0x40_0000, &[insn, RET]);
        for fpcr in [0u32, 1 << 24] {
            let mut st0 = CpuState::default();
            st0.fpcr = fpcr;
            st0.v[1] = v1 as u128;
            st0.v[2] = v2 as u128;
            let (mut x, mut y) = (st0.clone(), st0.clone());
            let mut mem = Shadow { real_base: 0, bytes: vec![] };
            assert!(matches!(Interp::new(&f).run(&mut x, &mut mem, 0, 10_000), Exit::Ret { .. }));
            run_jit(&mut jit, &f, &mut y);
            let single = insn == 0x1e22_0820;
            let sign = (fz_bits >> if single { 32 } else { 0 }) as u128;
            let min = if single { 0x0080_0000u128 } else { 0x0010_0000_0000_0000 };
            let want = if fpcr != 0 { sign } else { sign | min };
            assert_eq!(x.v[0], want, "interpreter {insn:08x} fpcr {fpcr:#x}");
            assert_eq!(y.v[0], want, "JIT {insn:08x} fpcr {fpcr:#x}");
        }
    }
}
