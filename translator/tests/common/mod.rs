//! Shared by the translator's integration tests.

use std::path::PathBuf;
use std::process::Command;

/// Compile `src` with the AArch64 cross compiler and `args` into a temporary directory, as
/// `out_name`. None (with a note) when the cross compiler is not installed.
pub fn cross(args: &[&str], src: &str, out_name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if Command::new("aarch64-linux-gnu-gcc").arg("--version").output().is_err() {
        eprintln!("note: aarch64-linux-gnu-gcc not found, skipping");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("p.c");
    std::fs::write(&c, src).unwrap();
    let out = dir.path().join(out_name);
    let st = Command::new("aarch64-linux-gnu-gcc").args(args).arg(&c).arg("-o").arg(&out).status().unwrap();
    assert!(st.success());
    Some((dir, out))
}

/// `body`, a freestanding (`-nostdlib`) C guest, after `sys(n, a, b, c)`: a Linux syscall
/// through `svc 0` (x8 = number, result in x0).
#[allow(dead_code)] // not every test file builds freestanding guests
pub fn with_sys(body: &str) -> String {
    const SYS: &str = r#"
static long sys(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n; register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b; register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
"#;
    format!("{SYS}{body}")
}

/// Translate `guest` into `out` with aot-translate, `args` first (e.g. `--tier llvm`), a function
/// cache in `cache` and no executable cache; the command's output, to check.
#[allow(dead_code)] // not every test file translates
pub fn translate(args: &[&str], cache: &std::path::Path, guest: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aot-translate"))
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .arg(guest)
        .arg("-o")
        .arg(out)
        .env("AOT_XLAT_CACHE", "")
        .output()
        .unwrap()
}

/// The stdout lines of a freestanding guest (`src`, built `-static -nostdlib -O2`) translated
/// with default options and run; None (with a note) without the cross compiler. Asserts that the
/// translation and the run succeed.
#[allow(dead_code)] // not every test file runs a freestanding guest
pub fn translated_stdout(src: &str) -> Option<String> {
    translated_run(src).map(|(out, _, _)| out)
}

/// As `translated_stdout`, with the translated program (in the returned directory) kept for a
/// look at its code.
#[allow(dead_code)]
pub fn translated_run(src: &str) -> Option<(String, tempfile::TempDir, PathBuf)> {
    let (dir, guest) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], src, "g")?;
    let prog = dir.path().join("g.x86");
    let out = translate(&[], &dir.path().join("cache"), &guest, &prog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&prog).output().unwrap();
    assert!(run.status.success(), "{run:?}");
    Some((String::from_utf8(run.stdout).unwrap(), dir, prog))
}

/// F64 inputs for FP tests: numbers, zeros, infinities, quiet and signalling NaNs of both signs
/// with payloads, a denormal and extremes.
#[allow(dead_code)]
pub const F64_SPECIALS: [u64; 15] = [
    0x3ff0_0000_0000_0000, // 1.0
    0xc004_0000_0000_0000, // -2.5
    0,
    0x8000_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0001, // quiet NaNs with payloads
    0xfff8_0000_0000_0002,
    0x7ff0_0000_0000_0003, // signalling NaNs
    0xfff4_0000_0000_0004,
    1,                     // denormal
    0x7fef_ffff_ffff_ffff, // max
    0x4008_0000_0000_0000, // 3.0
    0x01a5_6e1f_c2f8_f359, // 1e-300
    0x7e37_e43c_8800_759c, // 1e300
];

/// F32 inputs of the same kinds.
#[allow(dead_code)]
pub const F32_SPECIALS: [u32; 12] = [
    0x3f80_0000, 0xc020_0000, 0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0001, 0xffc0_0002, 0x7f80_0003,
    0xffa0_0004, 1, 0x4040_0000,
];
