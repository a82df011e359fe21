//! Measure both backends on every function of a guest (docs/performance.md "Translation time",
//! "Cranelift tier"): `cargo run --release --example tier-times -- GUEST [-O LEVEL] [-j JOBS]`.
//! Prints one CSV line per function: name, address, ops, loops, self_calls, tail_calls, the
//! backend `auto` picks, LLVM and Cranelift compile times in thread CPU milliseconds, object sizes,
//! then the `auto` key, whether a loop calls nothing (`tier::leaf_loop`), direct callers and
//! whether it makes a system call, its blocks, entries and `Function::indirect_jump_edges`.
//! `--sample N`: only every Nth function (in recovery order), for big programs. `--shapes 1`: no
//! compiling (times and sizes 0), to see the choices. The `auto` key is the function's `aot_f_<key>`
//! symbol in a `--tier auto` translation (e.g. in a callgrind profile).

use aot_translate::llvm::{self, Options};
use aot_translate::tier::{auto_backend, shape, tail_cycles, Shape};
use aot_translate::{clif, elf, pipeline, recover};
use rayon::prelude::*;

fn cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

thread_local! {
    static TM: std::cell::RefCell<Option<inkwell::targets::TargetMachine>> = const { std::cell::RefCell::new(None) };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: tier-times GUEST [-O LEVEL] [-j JOBS] [--sample N]");
    let mut opt = 2u8;
    let mut jobs = 1usize;
    let mut sample = 1usize;
    let mut shapes_only = false;
    let mut i = 2;
    while i + 1 < args.len() {
        match args[i].as_str() {
            "-O" => opt = args[i + 1].parse().expect("level"),
            "-j" => jobs = args[i + 1].parse().expect("jobs"),
            "--sample" => sample = args[i + 1].parse::<usize>().expect("sample").max(1),
            "--shapes" => shapes_only = args[i + 1] == "1",
            a => panic!("unknown argument {a}"),
        }
        i += 2;
    }
    rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global().unwrap();
    let data = std::fs::read(path).expect("read guest");
    let guest = elf::parse(&data).expect("parse");
    let rec = recover::recover(&guest).expect("recover");
    let mut funcs = pipeline::lift_all(&rec).expect("lift");
    pipeline::mark_flags_local(&mut funcs);
    let opts = Options { opt_level: opt, target_cpu: "x86-64-v3".into() };
    let keys = pipeline::keys(&funcs, &opts);
    let cyc = tail_cycles(&funcs);
    let ncallers = aot_translate::tier::callers(&funcs);
    // The keys of the `--tier auto` translation (its `aot_f_<key>` symbols).
    let auto_keys = pipeline::keys_for(&funcs, &aot_translate::tier::choose_all(aot_translate::tier::Tier::Auto, &funcs), &opts);
    llvm::init_targets();
    println!("name,addr,ops,loops,self_calls,indirect_tail,tail_cycle,auto,llvm_ms,cranelift_ms,llvm_bytes,cranelift_bytes,cranelift_error,key,leaf_loop,callers,syscalls,blocks,entries,indirect_jump_edges");
    let rows: Vec<String> = funcs
        .par_iter()
        .zip(keys.par_iter())
        .zip(cyc.par_iter())
        .zip(auto_keys.par_iter())
        .zip(ncallers.par_iter())
        .enumerate()
        .filter(|(i, _)| i % sample == 0)
        .map(|(_, ((((f, key), &c), akey), &n))| {
            let s = Shape { tail_cycle: c, callers: n, ..shape(f) };
            let auto = auto_backend(&s).name();
            // The columns both forms share: the function and its shape.
            let shape = format!(
                "{},{:#x},{},{},{},{},{}",
                f.name.replace(',', ";"),
                f.base(),
                s.ops,
                s.loops as u8,
                s.self_calls as u8,
                s.indirect_tail as u8,
                s.tail_cycle as u8
            );
            let leaf = aot_translate::tier::leaf_loop(f) as u8;
            let cfg = format!("{},{},{}", f.blocks.len(), f.entries.len(), f.indirect_jump_edges());
            if shapes_only {
                return format!("{shape},{auto},0,0,0,0,,{akey},{leaf},{},{},{cfg}", s.callers, s.syscalls as u8);
            }
            let t0 = cpu_ms();
            let lo = TM.with(|tm| {
                let mut tm = tm.borrow_mut();
                if tm.is_none() {
                    *tm = Some(llvm::target_machine(&opts).expect("target machine"));
                }
                llvm::compile(f, key, &opts, tm.as_ref().unwrap()).map(|o| o.len()).unwrap_or(0)
            });
            let t1 = cpu_ms();
            let co = clif::compile(f, key, &opts.target_cpu);
            let t2 = cpu_ms();
            let (cb, ce) = match co {
                Ok(o) => (o.len(), String::new()),
                Err(e) => (0, e.replace([',', '\n'], " ")),
            };
            format!(
                "{shape},{auto},{:.3},{:.3},{lo},{cb},{ce},{akey},{leaf},{},{},{cfg}",
                t1 - t0,
                t2 - t1,
                s.callers,
                s.syscalls as u8
            )
        })
        .collect();
    for r in rows {
        println!("{r}");
    }
}
