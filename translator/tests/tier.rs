//! The Cranelift tier (docs/design.md "Backends"): its objects have the LLVM objects' symbols,
//! entry pad, relocations and line rows, and a program translated with `--tier cranelift` links,
//! runs and reports a fault at the exact guest PC.

use aot_lifter::ir::Op;
use aot_translate::{clif, elf, pipeline, recover};
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use std::process::Command;

mod common;
use common::{cross, translate, with_sys};


/// Writes "ok <sum>\n", then loads from address 16 at the global label `fault_here`, in a
/// function with a loop and calls.
const FAULT: &str = r#"
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
long *volatile nullp = (long *)16; /* .data, not .bss: an unmapped address */
void _start(void) {
    int s = 0;
    for (int i = 0; i < 12; i++) s += fib(i);
    char buf[8] = "ok ...\n";
    buf[3] = '0' + s / 100; buf[4] = '0' + s / 10 % 10; buf[5] = '0' + s % 10;
    sys(64, 1, (long)buf, 7);
    long v, *p = nullp;
    __asm__ volatile(".globl fault_here\nfault_here: ldr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
    sys(93, (int)v, 0, 0);
    for (;;) {}
}
"#;

/// The lifted functions of the freestanding guest `src` (`-O2 -static -nostdlib`) and their
/// cache keys at -O2 for x86-64-v3; None without the cross compiler.
fn lift_guest(src: &str) -> Option<(Vec<aot_lifter::ir::Function>, Vec<String>)> {
    let (_d, p) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], &with_sys(src), "p")?;
    let data = std::fs::read(&p).unwrap();
    let g = elf::parse(&data).unwrap();
    let rec = recover::recover(&g).unwrap();
    let funcs = pipeline::lift_all(&rec).unwrap();
    let opts = aot_translate::llvm::Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
    let keys = pipeline::keys(&funcs, &opts);
    Some((funcs, keys))
}

#[test]
fn cranelift_object_matches_the_llvm_contract() {
    let Some((funcs, keys)) = lift_guest(FAULT) else { return };
    assert!(!funcs.is_empty());
    for (f, key) in funcs.iter().zip(&keys) {
        let obj = clif::compile(f, key, "x86-64-v3").unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let o = object::File::parse(&*obj).unwrap();
        let text = o.section_by_name("aot_text").expect("aot_text");
        assert_eq!(text.align(), 16);
        let code = text.data().unwrap();
        assert_eq!(&code[..8], &clif::ENTRY_PAD, "{}: entry pad", f.name);
        let fsym = o.symbol_by_name(&format!("aot_f_{key}")).expect("function symbol");
        // The function, then its direct entry: the adapter that stores the three registers and
        // jumps back to the entry pad (docs/design.md "Direct calls").
        let dsym = o.symbol_by_name(&format!("aot_d_{key}")).expect("direct entry symbol");
        assert!(fsym.is_global() && fsym.address() == 0 && fsym.size() > 8);
        assert!(dsym.is_global() && dsym.address() == fsym.size() && dsym.address() + dsym.size() == code.len() as u64);
        assert_eq!(dsym.section_index(), Some(text.index()));
        let adapter = &code[dsym.address() as usize..];
        assert_eq!(adapter.len(), 3 * 7 + 5, "{}: three stores and a jmp", f.name);
        let rel = i32::from_le_bytes(adapter[22..26].try_into().unwrap()) as i64;
        assert_eq!((adapter[21], code.len() as i64 + rel), (0xe9, 0), "{}: the adapter jumps to the entry pad", f.name);
        assert_eq!(fsym.section_index(), Some(text.index()));
        // Every relocation names a relocation slot or callee of this key, or a runtime symbol.
        let mut base_refs = 0;
        for (_, r) in text.relocations() {
            let RelocationTarget::Symbol(si) = r.target() else { panic!("{}: relocation {r:?}", f.name) };
            let name = o.symbol_by_index(si).unwrap().name().unwrap().to_string();
            if let Some(rest) = name.strip_prefix(&format!("aot_r_{key}_")) {
                let slot: usize = rest.parse().unwrap();
                assert!(slot < f.relocs.len(), "{}: {name}", f.name);
                base_refs += (slot == 0) as usize;
            } else if let Some(rest) = name.strip_prefix(&format!("aot_c_{key}_")) {
                let slot: usize = rest.parse().unwrap();
                assert!(matches!(f.relocs[slot], aot_lifter::ir::Reloc::Func(_)), "{}: {name}", f.name);
            } else {
                assert!(name.starts_with("aot_") && !name.contains(key.as_str()), "{}: {name}", f.name);
            }
        }
        if f.entries.len() > 1 {
            assert!(base_refs > 0, "{}: the entry switch needs the base", f.name);
        }
        // .debug_line: one sequence from the function start; every line is a guest instruction
        // of the function (line = offset / 4 + 1), addresses inside the code.
        let insns: std::collections::HashSet<u64> = f.insts.iter().filter(|i| i.op == Op::Insn).map(|i| i.imm).collect();
        let dl = o.section_by_name(".debug_line").expect(".debug_line");
        let dl = gimli::DebugLine::new(dl.data().unwrap(), gimli::LittleEndian);
        let prog = dl.program(gimli::DebugLineOffset(0), 8, None, None).unwrap();
        let mut rows = prog.rows();
        let (mut first, mut lines, mut ended) = (None, 0, false);
        while let Some((_, row)) = rows.next_row().unwrap() {
            first.get_or_insert(row.address());
            assert!(row.address() <= fsym.size());
            if row.end_sequence() {
                assert_eq!(row.address(), fsym.size());
                ended = true;
                continue;
            }
            if let Some(l) = row.line() {
                assert!(row.address() >= 8, "{}: the entry pad has no line", f.name);
                assert!(insns.contains(&((l.get() - 1) * 4)), "{}: line {} is no guest instruction", f.name, l.get());
                lines += 1;
            }
        }
        assert_eq!(first, Some(0));
        assert!(ended);
        assert!(lines > 0 || insns.is_empty(), "{}: no line rows", f.name);
    }
}

/// Translated with each tier, the program prints the same and dies of SIGSEGV with the guest PC
/// of the faulting load (the runtime's fault map reads the Cranelift objects' line rows).
#[test]
fn cranelift_tier_links_runs_and_faults_at_the_exact_pc() {
    use std::os::unix::process::ExitStatusExt;
    let Some((d, p)) = cross(&["-static", "-nostdlib", "-O2", "-fno-stack-protector"], &with_sys(FAULT), "p") else { return };
    let data = std::fs::read(&p).unwrap();
    let g = elf::parse(&data).unwrap();
    let fault_pc = g.symbols.iter().find(|s| s.name == "fault_here").expect("fault_here symbol").addr;
    for tier in ["cranelift", "llvm", "auto"] {
        let out = d.path().join(format!("p.{tier}"));
        let t = translate(&["--tier", tier, "-v"], &d.path().join("cache"), &p, &out);
        let err = String::from_utf8_lossy(&t.stderr);
        assert!(t.status.success(), "--tier {tier}: {err}");
        if tier == "cranelift" {
            assert!(err.contains(" 0 in LLVM") || err.contains("tier: 0 functions in LLVM"), "{err}");
        }
        let r = Command::new(&out).env("AOT_DEBUG", "1").output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(String::from_utf8_lossy(&r.stdout), "ok 232\n", "--tier {tier}");
        assert_eq!(r.status.signal(), Some(11), "--tier {tier}: {:?}\n{stderr}", r.status);
        let want = format!("guest signal 11 at pc {fault_pc:#x}");
        assert!(stderr.contains(&want), "--tier {tier}: want {want:?} in\n{stderr}");
    }
}

/// Calls through a function pointer (a BLR) and tail-calls through one (a BR in a function with
/// one entry).
const INDIRECT: &str = r#"
__attribute__((noinline)) static long f0(long x) { return x + 1; }
__attribute__((noinline)) static long f1(long x) { return x * 3; }
long (*volatile table[2])(long) = {f0, f1};
__attribute__((noinline)) long tail(long i, long x) { return table[i & 1](x); }
void _start(void) {
    long s = 1;
    for (long i = 0; i < 10; i++) s = table[i & 1](s) + tail(i, s);
    sys(93, (int)s & 1, 0, 0);
    for (;;) {}
}
"#;

/// The Cranelift tier's indirect calls and jumps out of a function probe an inline-cache slot of
/// the object's own `aot_ic` section (the LLVM backend's layout, aot_lifter::ic) and miss into
/// the runtime's `aot_ic_miss`/`aot_ic_miss_start`, never calling `aot_lookup` directly.
#[test]
fn cranelift_indirect_sites_have_inline_caches() {
    use aot_lifter::ir::Term;
    use object::RelocationFlags;
    let Some((funcs, keys)) = lift_guest(INDIRECT) else { return };
    let (mut calls, mut jumps) = (0, 0);
    for (f, key) in funcs.iter().zip(&keys) {
        let sites = f
            .blocks
            .iter()
            .filter(|b| matches!(b.term, Term::CallInd { .. }) || (matches!(b.term, Term::JumpInd { .. }) && f.entries.len() == 1))
            .count();
        calls += f.blocks.iter().filter(|b| matches!(b.term, Term::CallInd { .. })).count();
        jumps += f.blocks.iter().filter(|b| matches!(b.term, Term::JumpInd { .. }) && f.entries.len() == 1).count();
        let obj = clif::compile(f, key, "x86-64-v3").unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let o = object::File::parse(&*obj).unwrap();
        let text = o.section_by_name("aot_text").unwrap();
        let names: Vec<String> = text
            .relocations()
            .filter_map(|(_, r)| match r.target() {
                RelocationTarget::Symbol(si) => Some(o.symbol_by_index(si).unwrap().name().unwrap().to_string()),
                _ => None,
            })
            .collect();
        assert!(!names.iter().any(|n| n == "aot_lookup"), "{}: {names:?}", f.name);
        let Some(ic) = o.section_by_name("aot_ic") else {
            assert_eq!(sites, 0, "{}: inline-cached sites without slots", f.name);
            continue;
        };
        assert_eq!(ic.size() as usize, sites * aot_lifter::ic::SLOT_BYTES, "{}", f.name);
        assert_eq!(ic.align(), 8);
        let object::SectionFlags::Elf { sh_flags } = ic.flags() else { panic!() };
        assert_eq!(sh_flags & 3, 3, "{}: aot_ic writable and allocated", f.name);
        // Level 1 and every way of every slot start at the empty record.
        let mut entries = vec![];
        for (off, r) in ic.relocations() {
            let RelocationTarget::Symbol(si) = r.target() else { panic!() };
            assert_eq!(o.symbol_by_index(si).unwrap().name().unwrap(), aot_lifter::ic::EMPTY_RECORD);
            assert!(matches!(r.flags(), RelocationFlags::Elf { r_type: 1 }), "{}: R_X86_64_64", f.name);
            entries.push(off as usize);
        }
        entries.sort();
        let want: Vec<usize> = (0..sites)
            .flat_map(|s| {
                let at = s * aot_lifter::ic::SLOT_BYTES;
                std::iter::once(at + aot_lifter::ic::REC_OFFSET as usize)
                    .chain((0..aot_lifter::ic::WAYS).map(move |w| at + aot_lifter::ic::WAYS_OFFSET as usize + 8 * w))
            })
            .collect();
        assert_eq!(entries, want, "{}", f.name);
        assert!(names.iter().any(|n| n == aot_lifter::ic::MISS_CALL || n == aot_lifter::ic::MISS_JUMP), "{}: {names:?}", f.name);
        assert!(names.iter().any(|n| n == aot_jit::lower::IC_SLOTS_SYMBOL), "{}: {names:?}", f.name);
    }
    assert!(calls > 0 && jumps > 0, "the program has both kinds of site ({calls} calls, {jumps} jumps)");
}
