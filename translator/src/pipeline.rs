//! The whole translation: parse -> recover -> lift (parallel) -> compile or reuse (parallel) -> link.

use crate::cache::{self, Cache};
use crate::link::{self, LinkFn};
use crate::llvm::{self, Options};
use crate::tier::{self, Backend, Tier};
use crate::{clif, elf, recover};
use aot_lifter::ir::{print::print_function, verify::verify, Function, Reloc, Term};
use std::collections::HashSet;
use aot_lifter::isa::aarch64::lift_function;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use crate::timing::{Span, Stopwatch};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Config {
    pub opts: Options,
    /// None: no persistent cache (objects go to a temporary directory).
    pub cache_dir: Option<PathBuf>,
    pub linker: String,
    /// Write the IR of every function here (debugging).
    pub emit_ir: Option<PathBuf>,
    /// Show a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// Instrument every block with a trace call (debugging against qemu's `-d cpu` log).
    pub trace: bool,
    /// Store NZCV at every call and return even when the program keeps its flags local (ir::abi).
    pub flags_at_calls: bool,
    /// Count the executions of every block (`--instrument`; printed at exit with AOT_STATS=1).
    pub instrument: bool,
    /// Write the recovery report (JSON) here, right after recovery.
    pub report: Option<PathBuf>,
    /// Which backend compiles each function (`--tier`).
    pub tier: Tier,
}

/// Why a translation failed. `Input` errors are the user's file (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    #[error("{0}")]
    Elf(#[from] elf::ElfError),
    #[error("code recovery failed: {0}")]
    Recover(#[from] recover::RecoverError),
    #[error("cannot read input: {0}")]
    Read(std::io::Error),
    #[error("internal error lifting {func} at {addr:#x}: {msg}")]
    Lift { func: String, addr: u64, msg: String },
    #[error("code generation failed for {func} at {addr:#x}: {msg}")]
    Codegen { func: String, addr: u64, msg: String },
    #[error("translation cache {dir}: {err}")]
    Cache { dir: String, err: std::io::Error },
    #[error("{0}")]
    Link(#[from] link::LinkError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the report {path}: {err}")]
    Report { path: String, err: std::io::Error },
}

impl TranslateError {
    /// Is this about the input file (exit status 2) rather than the translator (1)?
    pub fn is_input_error(&self) -> bool {
        matches!(self, TranslateError::Elf(_) | TranslateError::Recover(_) | TranslateError::Read(_))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub functions: usize,
    pub instructions: usize,
    pub cache_hits: usize,
    pub cache_misses: usize,
    pub t_parse: Duration,
    pub t_lift: Duration,
    pub t_compile: Duration,
    pub t_link: Duration,
    pub t_total: Duration,
    pub stats: recover::RecoverStats,
    /// The functions compiled in this run (cache misses).
    pub compiled: Vec<FnTime>,
    /// Wall and CPU time of each phase, in order (`--time-report`).
    pub phases: Vec<(&'static str, Span)>,
    /// Functions per backend chosen (all functions, hits included): LLVM, LLVM with little
    /// optimisation, Cranelift.
    pub per_backend: [usize; 3],
    /// Functions Cranelift could not compile, compiled by LLVM instead (name, address, why).
    pub fallbacks: Vec<(String, u64, String)>,
    /// Functions that pass flags across a call boundary (ir::abi); empty: no call or return
    /// stores the flags.
    pub flags_not_local: Vec<(String, u64)>,
}

/// What compiling one function cost (a cache miss).
#[derive(Clone, Debug)]
pub struct FnTime {
    pub name: String,
    pub addr: u64,
    /// The backend that compiled it (LLVM also for Cranelift's fallbacks).
    pub backend: Backend,
    /// Its operations (`Function::op_count`).
    pub ops: usize,
    /// Wall time of its compilation (on a loaded machine, more than its CPU time).
    pub wall: Duration,
    /// Thread CPU time of its compilation, all phases.
    pub cpu: Duration,
    /// LLVM's phases (zero for Cranelift).
    pub llvm: llvm::PhaseTimes,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The `--time-report` text: each phase's wall and CPU seconds, the compile phase's CPU by
/// backend phase (thread CPU of the workers, summed), the workers' average busy threads, and the
/// ten functions that took the most CPU.
pub fn time_report(r: &Report, threads: usize) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "time report ({threads} worker threads; CPU = user + system of all threads, children included):");
    let _ = writeln!(s, "  {:<16} {:>9} {:>9}", "phase", "wall s", "CPU s");
    let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
    for (name, sp) in &r.phases {
        let _ = writeln!(s, "  {:<16} {:>9.2} {:>9.2}", name, secs(sp.wall), secs(sp.cpu));
        wall += sp.wall;
        cpu += sp.cpu;
    }
    let _ = writeln!(s, "  {:<16} {:>9.2} {:>9.2}", "all phases", secs(wall), secs(cpu));
    let sum = |f: &dyn Fn(&FnTime) -> Duration, b: Option<Backend>| -> Duration {
        r.compiled.iter().filter(|t| b.is_none_or(|b| t.backend == b)).map(f).sum()
    };
    let n = |b: Backend| r.compiled.iter().filter(|t| t.backend == b).count();
    let llvm_sum = |f: &dyn Fn(&FnTime) -> Duration| sum(f, Some(Backend::Llvm)) + sum(f, Some(Backend::LlvmCold));
    let all = sum(&|t| t.cpu, None);
    let _ = writeln!(s, "compile CPU by backend phase ({} functions compiled, {} cache hits):", r.compiled.len(), r.cache_hits);
    let rows = [
        ("LLVM IR build", llvm_sum(&|t| t.llvm.build)),
        ("LLVM optimise", llvm_sum(&|t| t.llvm.opt)),
        ("LLVM codegen", llvm_sum(&|t| t.llvm.codegen)),
        ("Cranelift", sum(&|t| t.cpu, Some(Backend::Cranelift))),
    ];
    for (name, d) in rows {
        let _ = writeln!(s, "  {:<16} {:>9.2} s {:>5.1} %", name, secs(d), 100.0 * secs(d) / secs(all).max(1e-9));
    }
    let _ = writeln!(
        s,
        "  LLVM {} functions {:.2} s, LLVM cold {} functions {:.2} s, Cranelift {} functions {:.2} s",
        n(Backend::Llvm),
        secs(sum(&|t| t.cpu, Some(Backend::Llvm))),
        n(Backend::LlvmCold),
        secs(sum(&|t| t.cpu, Some(Backend::LlvmCold))),
        n(Backend::Cranelift),
        secs(sum(&|t| t.cpu, Some(Backend::Cranelift)))
    );
    if let Some((_, sp)) = r.phases.iter().find(|(n, _)| *n == "compile") {
        // Compile CPU over compile wall: how many workers were running on average (at most the
        // thread count; less when one big function is the last to finish or the machine is busy).
        let _ = writeln!(s, "  busy threads on average: {:.2} of {threads}", secs(sp.cpu) / secs(sp.wall).max(1e-9));
    }
    let mut slow: Vec<&FnTime> = r.compiled.iter().collect();
    slow.sort_by(|a, b| b.cpu.cmp(&a.cpu));
    if !slow.is_empty() {
        let _ = writeln!(s, "most expensive functions (CPU s: all = build + optimise + codegen for LLVM):");
        for t in slow.iter().take(10) {
            let _ = writeln!(
                s,
                "  {:>7.2} {:<9} {:>6} ops  {:.2} + {:.2} + {:.2}  {} at {:#x}",
                secs(t.cpu),
                t.backend.name(),
                t.ops,
                secs(t.llvm.build),
                secs(t.llvm.opt),
                secs(t.llvm.codegen),
                t.name,
                t.addr
            );
        }
    }
    s
}

/// The `--time-csv` text: a header and one line per compiled function.
pub fn time_csv(r: &Report) -> String {
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e3);
    let mut s = String::from("name,addr,backend,ops,wall_ms,cpu_ms,llvm_build_ms,llvm_opt_ms,llvm_codegen_ms\n");
    for t in &r.compiled {
        // Names come from the symbol table: keep a comma in one from splitting the line.
        let name = t.name.replace([',', '\n'], "_");
        s += &format!(
            "{name},{:#x},{},{},{},{},{},{},{}\n",
            t.addr,
            t.backend.name(),
            t.ops,
            ms(t.wall),
            ms(t.cpu),
            ms(t.llvm.build),
            ms(t.llvm.opt),
            ms(t.llvm.codegen)
        );
    }
    s
}

/// A guess at how long compiling `f` takes, to start the longest first: its operations, more
/// per operation for a dense CFG (`Function::indirect_jump_edges`), a tenth for Cranelift
/// (about 10x faster than LLVM -O2 per function, docs/performance.md "Cranelift tier").
fn expected_cost(f: &Function, backend: Backend) -> u64 {
    let ops = f.op_count() as u64;
    let dense = ops * (1 + f.indirect_jump_edges() as u64 / 64);
    match backend {
        Backend::Llvm => dense,
        Backend::LlvmCold => dense / 4,
        Backend::Cranelift => dense / 10,
    }
}

/// `work(i)` for every `i` in `0..n` on the worker threads, taking the jobs in decreasing
/// `cost(i)` from one shared queue, so one big function started last does not keep a single
/// core busy after the others have finished (the longest-processing-time-first rule). The
/// results are in index order.
fn longest_first<T: Send>(n: usize, cost: impl Fn(usize) -> u64 + Sync, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut order: Vec<usize> = (0..n).collect();
    // Stable: equal costs keep recovery order.
    order.sort_by_key(|&i| std::cmp::Reverse(cost(i)));
    let next = AtomicUsize::new(0);
    let threads = rayon::current_num_threads().max(1);
    let mut done: Vec<(usize, T)> = (0..threads)
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut out = vec![];
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                out.push((i, work(i)));
            }
            out
        })
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// Lift every recovered function (parallel; the result is in recovery order).
pub fn lift_all(rec: &recover::Recovered) -> Result<Vec<Function>, TranslateError> {
    rec.functions
        .par_iter()
        .map(|spec| {
            let mut f = lift_function(spec);
            aot_lifter::ir::counted::relax_affine(&mut f);
            aot_lifter::ir::safepoint::insert(&mut f);
            verify(&f).map_err(|e| TranslateError::Lift { func: spec.name.clone(), addr: spec.start, msg: e.msg })?;
            Ok(f)
        })
        .collect()
}

/// Check that no lifted function passes N, Z, C, V across a call boundary (ir::abi) and, if so,
/// mark every function so backends leave the flags out of calls and returns. Returns the
/// functions that break it (empty: the fact holds).
pub fn mark_flags_local(funcs: &mut [Function]) -> Vec<(String, u64)> {
    let noreturn = aot_lifter::ir::abi::noreturn_starts(funcs);
    let breakers: Vec<(String, u64)> = funcs
        .par_iter()
        .filter(|f| !aot_lifter::ir::abi::function_keeps_flags_local(f, &noreturn))
        .map(|f| (f.name.clone(), f.base()))
        .collect();
    let local = breakers.is_empty();
    funcs.iter_mut().for_each(|f| f.flags_local = local);
    if local {
        // Tail calls to a function start need not store the flags: no start reads them.
        let starts: HashSet<u64> = funcs.iter().map(|f| f.base()).collect();
        for f in funcs.iter_mut() {
            let relocs = f.relocs.clone();
            for b in f.blocks.iter_mut() {
                if let Term::Tail { target, to_start } = &mut b.term {
                    *to_start = relocs.get(*target as usize).is_some_and(|r| matches!(r, Reloc::Func(a) if starts.contains(a)));
                }
            }
        }
    }
    breakers
}

/// Cache keys, made unique within the program: a second function with the same code gets a suffix.
pub fn keys(funcs: &[Function], opts: &Options) -> Vec<String> {
    keys_for(funcs, &vec![Backend::Llvm; funcs.len()], opts)
}

/// Cache keys of functions compiled by the given backends.
pub fn keys_for(funcs: &[Function], backends: &[Backend], opts: &Options) -> Vec<String> {
    let texts: Vec<String> = funcs.par_iter().map(|f| print_function(f, false)).collect();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    texts
        .iter()
        .zip(backends)
        .map(|(t, &b)| {
            let k = cache::key_for(t, opts.opt_level, &opts.target_cpu, b);
            let n = seen.entry(k.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                k
            } else {
                format!("{k}d{}", *n - 1)
            }
        })
        .collect()
}

thread_local! {
    static TM: std::cell::RefCell<Option<(String, u8, inkwell::targets::TargetMachine)>> = const { std::cell::RefCell::new(None) };
}

fn compile_one(f: &Function, key: &str, opts: &Options, effort: llvm::Effort) -> Result<Vec<u8>, TranslateError> {
    let err = |msg: String| TranslateError::Codegen { func: f.name.clone(), addr: f.base(), msg };
    TM.with(|tm| {
        let mut tm = tm.borrow_mut();
        let stale = match &*tm {
            Some((cpu, lvl, _)) => cpu != &opts.target_cpu || *lvl != opts.opt_level,
            None => true,
        };
        if stale {
            let m = llvm::target_machine(opts).map_err(|e| err(e.to_string()))?;
            *tm = Some((opts.target_cpu.clone(), opts.opt_level, m));
        }
        let (_, _, m) = tm.as_ref().expect("target machine set");
        llvm::compile_with(f, key, opts, m, effort).map_err(|e| err(e.to_string()))
    })
}

/// x86-64-v3 features the output needs (checked by the runtime at start-up).
pub fn required_features(cpu: &str) -> u64 {
    match cpu {
        "x86-64-v3" | "x86-64-v4" | "haswell" | "skylake" | "znver1" | "znver2" | "znver3" | "znver4" | "native" => 1,
        _ => 0,
    }
}

pub fn translate(input: &Path, output: &Path, cfg: &Config) -> Result<Report, TranslateError> {
    let t0 = Instant::now();
    let sw = Stopwatch::start();
    let mut rep = Report::default();
    let data = std::fs::read(input).map_err(TranslateError::Read)?;
    let guest = elf::parse(&data)?;
    let rec = recover::recover(&guest)?;
    if let Some(p) = &cfg.report {
        let text = crate::report::to_json(&input.display().to_string(), &guest, &rec);
        std::fs::write(p, text).map_err(|e| TranslateError::Report { path: p.display().to_string(), err: e })?;
    }
    rep.t_parse = t0.elapsed();
    rep.phases.push(("parse+recover", sw.stop()));
    rep.stats = rec.stats.clone();

    let t1 = Instant::now();
    let sw = Stopwatch::start();
    let mut funcs = lift_all(&rec)?;
    rep.phases.push(("lift", sw.stop()));
    let sw = Stopwatch::start();
    // The trace compares every block's full state with qemu's: flags must stay exact there.
    if !cfg.trace && !cfg.flags_at_calls {
        rep.flags_not_local = mark_flags_local(&mut funcs);
    }
    if cfg.trace {
        funcs.iter_mut().for_each(aot_lifter::ir::Builder::instrument_trace);
    }
    if cfg.instrument {
        funcs.iter_mut().for_each(aot_lifter::ir::Builder::instrument_count);
    }
    rep.phases.push(("flags analysis", sw.stop()));
    let sw = Stopwatch::start();
    let backends = tier::choose_all(cfg.tier, &funcs);
    for b in &backends {
        rep.per_backend[*b as usize] += 1;
    }
    rep.phases.push(("tier choice", sw.stop()));
    let sw = Stopwatch::start();
    let keys = keys_for(&funcs, &backends, &cfg.opts);
    rep.phases.push(("cache keys", sw.stop()));
    rep.functions = funcs.len();
    rep.instructions = rec.functions.iter().map(|f| f.insns.len()).sum();
    rep.t_lift = t1.elapsed();
    if let Some(p) = &cfg.emit_ir {
        let mut s = String::new();
        for f in &funcs {
            s.push_str(&print_function(f, true));
            s.push('\n');
        }
        std::fs::write(p, s)?;
    }

    let t2 = Instant::now();
    let sw = Stopwatch::start();
    llvm::init_targets();
    let tmp = tempfile::tempdir()?;
    let cache = match &cfg.cache_dir {
        Some(d) => Some(Cache::open(d).map_err(|e| TranslateError::Cache { dir: d.display().to_string(), err: e })?),
        None => None,
    };
    let bar = if cfg.progress {
        let b = indicatif::ProgressBar::new(funcs.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} compiling {pos}/{len} functions [{bar:40}] {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    type Compiled = (PathBuf, Option<(Duration, Duration, llvm::PhaseTimes, Backend)>, Option<String>);
    let compile = |i: usize| -> Result<Compiled, TranslateError> {
        let (f, key, backend) = (&funcs[i], &keys[i], backends[i]);
        {
            let r = (|| {
                if let Some(c) = &cache {
                    if let Some(p) = c.get(key) {
                        return Ok((p, None, None));
                    }
                }
                let tc = Instant::now();
                let cc = crate::timing::thread_cpu();
                // A function Cranelift cannot compile (an op its x86 backend cannot lower with
                // these features) goes to LLVM, under the same key: the result is the same
                // every time.
                let (obj, used, fallback) = match backend {
                    Backend::Llvm => (compile_one(f, key, &cfg.opts, llvm::Effort::Full)?, Backend::Llvm, None),
                    Backend::LlvmCold => (compile_one(f, key, &cfg.opts, llvm::Effort::Cold)?, Backend::LlvmCold, None),
                    Backend::Cranelift => match clif::compile(f, key, &cfg.opts.target_cpu) {
                        Ok(o) => (o, Backend::Cranelift, None),
                        Err(e) => (compile_one(f, key, &cfg.opts, llvm::Effort::Full)?, Backend::Llvm, Some(e)),
                    },
                };
                let dt = tc.elapsed();
                let dc = crate::timing::thread_cpu().saturating_sub(cc);
                let phases = if used == Backend::Cranelift { llvm::PhaseTimes::default() } else { llvm::last_phase_times() };
                let p = match &cache {
                    Some(c) => c.put(key, &obj).map_err(|e| TranslateError::Cache { dir: "put".into(), err: e })?,
                    None => {
                        let p = tmp.path().join(format!("{key}.o"));
                        std::fs::write(&p, &obj)?;
                        p
                    }
                };
                Ok((p, Some((dt, dc, phases, used)), fallback))
            })();
            bar.inc(1);
            r
        }
    };
    let results = longest_first(funcs.len(), |i| expected_cost(&funcs[i], backends[i]), compile);
    bar.finish_and_clear();
    let mut objects = Vec::with_capacity(results.len());
    for (r, f) in results.into_iter().zip(&funcs) {
        let (p, compiled, fallback) = r?;
        match compiled {
            None => rep.cache_hits += 1,
            Some((wall, cpu, llvm, backend)) => {
                rep.cache_misses += 1;
                rep.compiled.push(FnTime { name: f.name.clone(), addr: f.base(), backend, ops: f.op_count(), wall, cpu, llvm });
            }
        }
        if let Some(why) = fallback {
            rep.fallbacks.push((f.name.clone(), f.base(), why));
        }
        objects.push(p);
    }
    rep.t_compile = t2.elapsed();
    rep.phases.push(("compile", sw.stop()));

    let t3 = Instant::now();
    let sw = Stopwatch::start();
    let runtime = link::find_runtime()?;
    let link_fns: Vec<LinkFn> = funcs
        .iter()
        .zip(keys.iter())
        .zip(objects)
        .map(|((f, k), object)| LinkFn {
            key: k,
            start: f.base(),
            relocs: &f.relocs,
            entries: f.entries.iter().map(|e| e.0).collect(),
            object,
        })
        .collect();
    link::link(&link_fns, &data, output, &runtime, required_features(&cfg.opts.target_cpu), &cfg.linker)?;
    rep.t_link = t3.elapsed();
    rep.phases.push(("link", sw.stop()));
    rep.t_total = t0.elapsed();
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aot_lifter::isa::aarch64::lift_snippet;
    #[test]
    fn longest_first_runs_each_job_once_biggest_first() {
        let costs = [3u64, 9, 1, 9, 5];
        // One worker: the jobs run in decreasing cost (ties in index order).
        let ran = std::sync::Mutex::new(vec![]);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let out = pool.install(|| {
            longest_first(costs.len(), |i| costs[i], |i| {
                ran.lock().unwrap().push(i);
                i * 10
            })
        });
        assert_eq!(out, vec![0, 10, 20, 30, 40]);
        assert_eq!(*ran.lock().unwrap(), vec![1, 3, 4, 0, 2]);
        // Three workers: every job once, results still in index order.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let out = pool.install(|| {
            longest_first(100, |i| (i % 7) as u64, |i| {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i
            })
        });
        assert_eq!(out, (0..100).collect::<Vec<_>>());
        assert_eq!(count.into_inner(), 100);
        assert!(longest_first(0, |_| 0, |i| i).is_empty());
    }

    #[test]
    fn time_report_sums_phases_and_ranks_functions() {
        let ms = Duration::from_millis;
        let t = |name: &str, backend, cpu, build, opt, codegen| FnTime {
            name: name.into(),
            addr: 0x1000,
            backend,
            ops: 7,
            wall: ms(cpu * 2),
            cpu: ms(cpu),
            llvm: llvm::PhaseTimes { build: ms(build), opt: ms(opt), codegen: ms(codegen) },
        };
        let r = Report {
            compiled: vec![
                t("cheap", Backend::Cranelift, 100, 0, 0, 0),
                t("dear,x", Backend::Llvm, 900, 100, 300, 500),
                t("cold", Backend::LlvmCold, 400, 0, 100, 300),
            ],
            phases: vec![("lift", Span { wall: ms(500), cpu: ms(250) }), ("compile", Span { wall: ms(1000), cpu: ms(1400) })],
            ..Report::default()
        };
        let text = time_report(&r, 2);
        assert!(text.contains("all phases            1.50      1.65"), "{text}");
        assert!(text.contains("LLVM optimise         0.40 s  28.6 %"), "{text}");
        assert!(text.contains("LLVM codegen          0.80 s  57.1 %"), "{text}");
        assert!(text.contains("Cranelift             0.10 s   7.1 %"), "{text}");
        assert!(text.contains("busy threads on average: 1.40 of 2"), "{text}");
        let (dear, cold, cheap) = (text.find("dear,x").unwrap(), text.find("cold at").unwrap(), text.find("cheap at").unwrap());
        assert!(dear < cold && cold < cheap, "{text}");
        let csv = time_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[2], "dear_x,0x1000,llvm,7,1800.0,900.0,100.0,300.0,500.0");
        assert_eq!(lines[3], "cold,0x1000,llvm-cold,7,800.0,400.0,0.0,100.0,300.0");
    }

    /// When the flags are local to functions, a tail call whose target is another lifted
    /// function's start is marked `to_start` (the backend stores no flag there); one to an
    /// address that starts no function is not, and nothing is marked when the fact fails.
    #[test]
    fn tail_calls_to_function_starts_are_marked() {
        let tails = |f: &Function| -> Vec<bool> {
            f.blocks.iter().filter_map(|b| if let Term::Tail { to_start, .. } = b.term { Some(to_start) } else { None }).collect()
        };
        // cmp x0, x1 ; b.eq 0x401000 ; b 0x401004   (0x401000 starts a function, 0x401004 not)
        let a = lift_snippet(0x400000, &[0xeb01_001f, 0x5400_7fe0, 0x1400_03ff]);
        let b = lift_snippet(0x401000, &[0xd503_201f, 0xd65f_03c0]); // nop ; ret
        let mut funcs = vec![a.clone(), b.clone()];
        assert!(mark_flags_local(&mut funcs).is_empty());
        let mut t = tails(&funcs[0]);
        t.sort();
        assert_eq!(t, vec![false, true], "{}", print_function(&funcs[0], false));
        // A function reading the flags at its start (b.eq first) breaks the fact: no marks.
        let c = lift_snippet(0x402000, &[0x5400_0040, 0xd65f_03c0, 0xd65f_03c0]);
        let mut funcs = vec![a, b, c];
        assert!(!mark_flags_local(&mut funcs).is_empty());
        assert_eq!(tails(&funcs[0]), vec![false, false]);
    }
}
