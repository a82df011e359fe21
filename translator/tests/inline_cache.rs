//! Inline caches of indirect calls (docs/design.md "Inline caches", runtime/src/ic.rs): a call
//! site rotating among a few targets is answered by the slot's level-2 ways, not by the runtime.

use std::process::Command;

mod common;
use common::{cross, translate, with_sys};

/// One BLR site calls three functions in turn, `N` times, and a second site one function (a
/// monomorphic site); writes "sum <decimal>\n" and exits 0.
const ROTATE: &str = r#"
__attribute__((noinline)) static long f0(long x) { return x + 1; }
__attribute__((noinline)) static long f1(long x) { return x * 3; }
__attribute__((noinline)) static long f2(long x) { return x ^ 0x55; }
__attribute__((noinline)) static long g(long x) { return x - 7; }
long (*volatile table[3])(long) = {f0, f1, f2};
long (*volatile mono)(long) = g;
void _start(void) {
    long s = 1;
    for (long i = 0; i < 3000; i++) {
        s = table[i % 3](s) & 0xffffffff;
        s = mono(s) & 0xffffffff;
    }
    char buf[32], *p = buf + sizeof buf;
    *--p = '\n';
    unsigned long v = s;
    do { *--p = '0' + v % 10; v /= 10; } while (v);
    p -= 4; p[0] = 's'; p[1] = 'u'; p[2] = 'm'; p[3] = ' ';
    sys(64, 1, (long)p, buf + sizeof buf - p);
    sys(94, 0, 0, 0);
    for (;;) {}
}
"#;

/// What ROTATE computes, to check the translated run.
fn expected_sum() -> u64 {
    let fs: [fn(u64) -> u64; 3] = [|x| x.wrapping_add(1), |x| x.wrapping_mul(3), |x| x ^ 0x55];
    let mut s: u64 = 1;
    for i in 0..3000 {
        s = fs[i % 3](s) & 0xffff_ffff;
        s = s.wrapping_sub(7) & 0xffff_ffff;
    }
    s
}

/// 6,000 indirect calls, 3,000 of them at a site rotating among three targets: with only a
/// one-record cache per site each of those misses (3,000 runtime calls); with the level-2 ways
/// the runtime is called about once per target and site. Both backends: the Cranelift tier's
/// code probes the same slots (jit/src/lower.rs `ic_probe`).
#[test]
fn rotating_call_site_stays_out_of_the_runtime() {
    let Some((d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector", "-fno-tree-loop-distribute-patterns"], &with_sys(ROTATE), "p") else { return };
    for tier in ["llvm", "cranelift"] {
        let out = d.path().join(format!("p.{tier}"));
        let t = translate(&["--tier", tier], &d.path().join("cache"), &p, &out);
        assert!(t.status.success(), "--tier {tier}: {}", String::from_utf8_lossy(&t.stderr));
        let r = Command::new(&out).env("AOT_STATS", "1").output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(r.status.success(), "--tier {tier}: {:?}\n{stderr}", r.status);
        assert_eq!(String::from_utf8_lossy(&r.stdout), format!("sum {}\n", expected_sum()), "--tier {tier}");
        let calls: u64 = stderr
            .split("inline-cache misses calling the runtime ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("--tier {tier}: no inline-cache counter in\n{stderr}"));
        // At least one miss per target (slots start empty); far fewer than one per rotating call.
        assert!((4..=40).contains(&calls), "--tier {tier}: runtime calls {calls}\n{stderr}");
    }
}

/// The same program with `_start` (the loop and both call sites) left to the JIT
/// (`AOT_JIT_ONLY_ABOVE`) and the targets in AOT code: the JIT'd sites probe their slots
/// (runtime/src/ic.rs `jit_slot`) as AOT code does, so the runtime is called about once per
/// target and site, not at each of the 6,000 calls.
#[test]
fn jit_call_site_to_aot_targets_stays_out_of_the_runtime() {
    use object::{Object, ObjectSymbol};
    let Some((d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector", "-fno-tree-loop-distribute-patterns"], &with_sys(ROTATE), "p") else { return };
    let data = std::fs::read(&p).unwrap();
    let o = object::File::parse(&*data).unwrap();
    let addr = |n: &str| o.symbols().find(|s| s.name() == Ok(n)).unwrap_or_else(|| panic!("no {n}")).address();
    let start = addr("_start");
    for f in ["f0", "f1", "f2", "g"] {
        assert!(addr(f) < start, "{f} must lie below _start for AOT_JIT_ONLY_ABOVE");
    }
    let out = d.path().join("p.x");
    let t = translate(&["--tier", "llvm"], &d.path().join("cache"), &p, &out);
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let r = Command::new(&out).env("AOT_STATS", "1").env("AOT_JIT_ONLY_ABOVE", format!("{start:x}")).output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{:?}\n{stderr}", r.status);
    assert_eq!(String::from_utf8_lossy(&r.stdout), format!("sum {}\n", expected_sum()));
    let num = |after: &str| -> u64 {
        stderr
            .split(after)
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no '{after}' in\n{stderr}"))
    };
    assert!(num("JIT compilations ") >= 1, "_start was JIT'd\n{stderr}");
    let calls = num("inline-cache misses calling the runtime ");
    assert!((4..=40).contains(&calls), "runtime calls {calls}\n{stderr}");
}
