//! Show what one guest function becomes (docs/performance.md "Where translated code loses"):
//! `cargo run --release --example fn-ir -- GUEST ADDR [lifted|llvm|asm]...` prints the lifted IR,
//! the unoptimised LLVM IR and the -O2 x86-64-v3 assembly of the function starting at ADDR (hex),
//! lifted as the translator lifts it (safe points, flags local to functions when the whole program
//! allows it). Pipe the `llvm` part to `opt -O2 -S` to see what LLVM makes of it.

use aot_translate::llvm::{self, Options};
use aot_translate::{elf, pipeline, recover};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: fn-ir GUEST ADDR [lifted|llvm|asm]...");
        std::process::exit(2);
    }
    let addr = u64::from_str_radix(args[2].trim_start_matches("0x"), 16).unwrap_or_else(|e| {
        eprintln!("fn-ir: bad address {}: {e}", args[2]);
        std::process::exit(2)
    });
    let what: Vec<&str> = if args.len() > 3 { args[3..].iter().map(String::as_str).collect() } else { vec!["lifted", "llvm", "asm"] };
    let data = std::fs::read(&args[1]).unwrap_or_else(|e| {
        eprintln!("fn-ir: {}: {e}", args[1]);
        std::process::exit(1)
    });
    let guest = elf::parse(&data).unwrap_or_else(|e| {
        eprintln!("fn-ir: {e}");
        std::process::exit(1)
    });
    let rec = recover::recover(&guest).unwrap_or_else(|e| {
        eprintln!("fn-ir: {e}");
        std::process::exit(1)
    });
    let mut funcs = pipeline::lift_all(&rec).unwrap_or_else(|e| {
        eprintln!("fn-ir: {e}");
        std::process::exit(1)
    });
    pipeline::mark_flags_local(&mut funcs);
    let Some(f) = funcs.iter().find(|f| f.base() == addr) else {
        eprintln!("fn-ir: no function starts at {addr:#x}");
        std::process::exit(1)
    };
    llvm::init_targets();
    let opts = Options { opt_level: 2, target_cpu: "x86-64-v3".into() };
    for w in what {
        match w {
            "lifted" => println!("{}", aot_lifter::ir::print::print_function(f, false)),
            "llvm" => println!("{}", llvm::llvm_text(f, "f").expect("llvm")),
            "asm" => {
                let tm = llvm::target_machine(&opts).expect("target");
                println!("{}", llvm::compile_asm(f, "f", &opts, &tm).expect("asm"));
            }
            o => eprintln!("fn-ir: unknown part {o}"),
        }
    }
}
