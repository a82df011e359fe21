//! Every cycle of every lifted function of real guests passes a safe point (docs/signals.md
//! "Safe points in translated code"), checked by `ir::safepoint::unpolled_cycle` (strongly
//! connected components of the blocks without a poll, counted loops exempt), which works by other
//! means than `ir::safepoint::insert` and its pruning of redundant polls.

use aot_translate::{elf, pipeline, recover};

mod common;
use common::cross;

/// Loops of the shapes the pruning of redundant polls must get right: nested loops whose inner
/// loop may run zero times, a loop entered in the middle, a switch in a loop (a jump table), a
/// computed-goto interpreter (indirect jumps without a table), loops through calls.
const LOOPS: &str = r#"
#include <stdio.h>
#include <stdlib.h>
volatile int flag;
static long nested(long *a, long n, long m) {
    long s = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < a[i] && j < m; j++) s += a[j] ^ i;   /* may run zero times */
    return s;
}
static long middle(long *a, long n) {
    long i = 0, s = 0;
    if (n & 1) goto inside;
    for (;;) {
        s += a[i & 7];
    inside:
        if (++i >= n) break;
        s ^= i;
    }
    return s;
}
static long sw(const unsigned char *p, long n) {
    long s = 0;
    for (long i = 0; i < n; i++) {
        switch (p[i] & 7) {
        case 0: s += 1; break;
        case 1: s *= 3; break;
        case 2: s ^= i; break;
        case 3: s -= p[i]; break;
        case 4: s += s >> 3; break;
        case 5: s = ~s; break;
        case 6: while (flag) s++; break;
        default: s--; break;
        }
    }
    return s;
}
static long cgoto(const unsigned char *p) {
    static void *ops[] = { &&op0, &&op1, &&op2, &&op3 };
    long s = 0;
    goto *ops[*p++ & 3];
op0: s++; goto *ops[*p++ & 3];
op1: s *= 5; goto *ops[*p++ & 3];
op2: if (s > 100) return s; goto *ops[*p++ & 3];
op3: s += 7; goto *ops[*p++ & 3];
}
int main(int argc, char **argv) {
    long a[16];
    for (int i = 0; i < 16; i++) a[i] = rand() % 5;
    unsigned char p[64];
    for (int i = 0; i < 64; i++) p[i] = (unsigned char)rand();
    long r = nested(a, argc + 7, 9) + middle(a, argc + 10) + sw(p, 64) + cgoto(p);
    while (r > 1000) { printf("%ld\n", r); r /= 3; }
    return (int)r;
}
"#;

/// Lift every function of a static -O2 guest built from `src` and check each one.
fn check(src: &str) {
    let Some((_d, guest)) = cross(&["-static", "-O2"], src, "g") else { return };
    let data = std::fs::read(&guest).unwrap();
    let g = elf::parse(&data).unwrap();
    let rec = recover::recover(&g).unwrap();
    let funcs = pipeline::lift_all(&rec).unwrap();
    assert!(funcs.len() > 100, "{} functions", funcs.len());
    let mut polls = 0;
    for f in &funcs {
        if let Some(cycle) = aot_lifter::ir::safepoint::unpolled_cycle(f) {
            let offs: Vec<String> = cycle.iter().map(|&b| format!("+{:#x}", f.blocks[b].off)).collect();
            panic!("{}: a cycle through {} passes no safe point", f.name, offs.join(" "));
        }
        polls += f.insts.iter().filter(|i| i.op == aot_lifter::ir::Op::SafePoint).count();
    }
    assert!(polls > 100, "{polls} safe points");
}

/// The bench programs' sources with their shared header inlined (the cross compiler runs in a
/// temporary directory).
fn bench(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../benches/");
    let common = std::fs::read_to_string(format!("{dir}common.h")).unwrap();
    let src = std::fs::read_to_string(format!("{dir}{name}.c")).unwrap();
    src.replace("#include \"common.h\"", &common)
}

#[test]
fn every_cycle_of_a_guest_with_tricky_loops_passes_a_safe_point() {
    check(LOOPS);
}

#[test]
fn every_cycle_of_the_interp_and_sort_benches_passes_a_safe_point() {
    check(&bench("interp"));
    check(&bench("sort"));
}
