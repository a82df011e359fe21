//! `aot-translate`: the command-line interface.

use aot_translate::llvm::Options;
use aot_translate::pipeline::{self, Config};
use aot_translate::tier::Tier;
use clap::Parser;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit statuses (documented in README.md).
const EXIT_TRANSLATION_FAILED: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "aot-translate",
    version,
    about = "Translate a static AArch64 Linux executable into a native x86-64 Linux executable",
    long_about = "Translate a statically linked AArch64 Linux ELF executable into a native, static x86-64 Linux \
executable ahead of time. The output runs without any emulator: guest code is recovered, lifted to our IR, \
compiled with LLVM and linked with the aot-translate runtime (loader and Linux syscall translation).\n\n\
Compiled functions are cached by the hash of their position-independent code, so translating a second \
program that shares library code (e.g. glibc) is fast.\n\n\
Exit status: 0 success; 1 translation or link failure; 2 bad input (not a supported AArch64 executable) \
or bad usage.\n\n\
`aot-translate run GUEST [ARGS...]` runs GUEST at once, JIT-compiled, with no translation (see \
`aot-translate run --help`). To translate a file named `run`, write its path: `./run`.\n\n\
Needs a host C compiler driver (`cc`) with GNU ld and glibc's static libc.a (Debian: build-essential), and \
libaot_runtime.a beside the aot-translate executable (or AOT_RUNTIME_LIB).",
    after_help = "Examples:\n  aot-translate hello -o hello.x86 && ./hello.x86\n  aot-translate run hello arg1 arg2\n\n\
Environment of translated programs: AOT_DEBUG=1 prints the guest PC, nearest symbol and registers on a \
fatal signal; AOT_STRACE=1 logs every guest syscall."
)]
struct Cli {
    /// The AArch64 ELF executable to translate.
    input: PathBuf,
    /// Where to write the x86-64 executable.
    #[arg(short, long)]
    output: PathBuf,
    /// Optimisation level of the generated code (0-3).
    #[arg(short = 'O', default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=3))]
    opt_level: u8,
    /// x86-64 CPU to generate code for (LLVM name). The default needs AVX2 and FMA (2013+ CPUs).
    #[arg(long, default_value = "x86-64-v3")]
    target_cpu: String,
    /// Translation cache directory [default: $AOT_CACHE_DIR, else ~/.cache/aot-translate]. The
    /// finished executable is also stored by the guest's SHA-256 in $AOT_XLAT_CACHE [default:
    /// ${XDG_CACHE_HOME:-~/.cache}/aot-translate/exe], where translated programs look up the
    /// AArch64 programs they execve.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the translation caches (function objects and executables).
    #[arg(long)]
    no_cache: bool,
    /// Worker threads for lifting and compiling [default: number of CPUs].
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Print statistics: functions, cache hits and time per phase.
    #[arg(short, long)]
    verbose: bool,
    /// Write the lifted IR of every function to this file.
    #[arg(long)]
    emit_ir: Option<PathBuf>,
    /// Debugging: print the guest PC and registers at every block to stderr (see scripts/tracediff.py).
    #[arg(long)]
    trace: bool,
    /// Store the condition flags (NZCV) at every call and return, even when no function of the
    /// program reads them across one (the default then leaves them out: docs/design.md, "Flags
    /// at calls"). For hand-written code that passes flags between functions in a way the check
    /// cannot see (through code found only at run time).
    #[arg(long)]
    flags_at_calls: bool,
    /// Add a counter to every translated block; with AOT_STATS=1 the program prints at exit how
    /// often each ran (hottest first, with guest address and symbol). Slows the program down.
    #[arg(long)]
    instrument: bool,
    /// Write a JSON report of what recovery found (functions with how each was found, blocks,
    /// jump tables, share of executable bytes covered) to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Which backend compiles each function: `auto` (the default): code that looks hot (loops,
    /// recursion, system calls, main, much-called and small functions) in LLVM, the rest in
    /// Cranelift (docs/design.md "Backends"); `llvm` (fastest code, slowest translation) or
    /// `cranelift` (fastest translation; the code is slower) for every function.
    #[arg(long, default_value = "auto", value_parser = clap::value_parser!(Tier))]
    tier: Tier,
    /// Host linker driver.
    #[arg(long, default_value = "cc")]
    linker: String,
    /// Print where the translation time went: wall and CPU time of each phase (parse and
    /// recovery, lifting, analyses, compiling, linking), the compile CPU split into LLVM IR
    /// building, LLVM optimisation, LLVM code generation and Cranelift, how busy the worker
    /// threads were, and the functions that cost most.
    #[arg(long)]
    time_report: bool,
    /// Write one CSV line per compiled function (cache misses): name, address, backend,
    /// operations, wall and thread-CPU milliseconds, LLVM's build, optimisation and code
    /// generation CPU milliseconds.
    #[arg(long, value_name = "FILE.csv")]
    time_csv: Option<PathBuf>,
}

/// `aot-translate run ...` (the first argument is exactly `run`; a file named so is `./run`).
fn run_mode(args: &[std::ffi::OsString]) -> ExitCode {
    if args.first().is_some_and(|a| a == "-h" || a == "--help") {
        print!("{}", aot_translate::run::HELP);
        return ExitCode::SUCCESS;
    }
    let cache_dir = aot_translate::cache::Cache::default_dir();
    let linker = std::env::var("AOT_LINKER").unwrap_or_else(|_| "cc".into());
    match aot_translate::run::run(args, cache_dir, &linker) {
        aot_translate::run::RunError::Input(e) => {
            eprintln!("aot-translate: error: {e}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
        aot_translate::run::RunError::Runner(e) => {
            eprintln!("aot-translate: error: {}", e.trim_end());
            ExitCode::from(EXIT_TRANSLATION_FAILED)
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "run") {
        return run_mode(&argv[2..]);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let file = cli.input.display().to_string();
    if let Some(j) = cli.jobs {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build_global();
    }
    if !aot_translate::llvm::cpu_is_known(&cli.target_cpu) {
        eprintln!("aot-translate: error: unknown --target-cpu '{}'", cli.target_cpu);
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let cache_dir = if cli.no_cache { None } else { cli.cache_dir.clone().or_else(aot_translate::cache::Cache::default_dir) };
    let cfg = Config {
        opts: Options { opt_level: cli.opt_level, target_cpu: cli.target_cpu.clone() },
        cache_dir,
        linker: cli.linker.clone(),
        emit_ir: cli.emit_ir.clone(),
        progress: std::io::stderr().is_terminal(),
        trace: cli.trace,
        flags_at_calls: cli.flags_at_calls,
        instrument: cli.instrument,
        report: cli.report.clone(),
        tier: cli.tier,
    };
    match pipeline::translate(&cli.input, &cli.output, &cfg) {
        Ok(r) => {
            // Also keep the translation by the guest's content hash, for execve of this program by
            // other translated programs. A failure here only costs that; say so and go on.
            if !cli.no_cache {
                if let Some(dir) = aot_translate::cache::exe_cache_dir() {
                    let stored = std::fs::read(&cli.input).and_then(|g| aot_translate::cache::store_exe(&dir, &g, &cli.output));
                    match stored {
                        Ok(p) if cli.verbose => eprintln!("executable cache: {}", p.display()),
                        Ok(_) => {}
                        Err(e) => eprintln!("aot-translate: warning: {file}: cannot store in executable cache {}: {e}", dir.display()),
                    }
                }
            }
            if cli.verbose {
                eprintln!(
                    "functions: {} ({} instructions, {} entries, {:.1}% of executable bytes)",
                    r.functions,
                    r.instructions,
                    r.stats.entries,
                    100.0 * r.stats.bytes_covered as f64 / (r.stats.exec_bytes.max(1)) as f64
                );
                match r.flags_not_local.as_slice() {
                    _ if cli.flags_at_calls || cli.trace => eprintln!("flags: stored at every call and return (--flags-at-calls or --trace)"),
                    [] => eprintln!("flags: local to functions (calls and returns do not store NZCV)"),
                    v => eprintln!(
                        "flags: cross calls in {} function(s) ({}), so every call and return stores NZCV",
                        v.len(),
                        v.iter().take(3).map(|(n, a)| format!("{n} at {a:#x}")).collect::<Vec<_>>().join(", ")
                    ),
                }
                eprintln!("cache: {} hits, {} misses", r.cache_hits, r.cache_misses);
                eprintln!(
                    "tier: {} functions in LLVM ({} of them with little optimisation), {} in Cranelift",
                    r.per_backend[0] + r.per_backend[1],
                    r.per_backend[1],
                    r.per_backend[2]
                );
                for (name, addr, why) in r.fallbacks.iter().take(5) {
                    eprintln!("  Cranelift could not compile {name} at {addr:#x} (LLVM did): {why}");
                }
                if r.fallbacks.len() > 5 {
                    eprintln!("  ... {} functions in all went from Cranelift to LLVM", r.fallbacks.len());
                }
                let mut slow = r.compiled.clone();
                slow.sort_by(|a, b| b.wall.cmp(&a.wall));
                for t in slow.iter().take(5) {
                    eprintln!("  compiled {} at {:#x} in {:.2}s ({})", t.name, t.addr, t.wall.as_secs_f64(), t.backend.name());
                }
                eprintln!(
                    "time: parse+recover {:.2}s, lift {:.2}s, compile {:.2}s, link {:.2}s",
                    r.t_parse.as_secs_f64(),
                    r.t_lift.as_secs_f64(),
                    r.t_compile.as_secs_f64(),
                    r.t_link.as_secs_f64()
                );
                eprintln!("total: {:.2}s", r.t_total.as_secs_f64());
            }
            if cli.time_report {
                eprint!("{}", pipeline::time_report(&r, rayon::current_num_threads()));
            }
            if let Some(p) = &cli.time_csv {
                if let Err(e) = std::fs::write(p, pipeline::time_csv(&r)) {
                    eprintln!("aot-translate: error: cannot write {}: {e}", p.display());
                    return ExitCode::from(EXIT_TRANSLATION_FAILED);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line for input errors; link errors carry the linker's own output below.
            eprintln!("aot-translate: error: {file}: {e}");
            ExitCode::from(if e.is_input_error() { EXIT_BAD_INPUT } else { EXIT_TRANSLATION_FAILED })
        }
    }
}
