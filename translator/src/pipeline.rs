//! The whole translation: parse -> recover -> lift (parallel) -> compile or reuse (parallel) -> link.

use crate::cache::{self, Cache};
use crate::link::{self, LinkFn};
use crate::llvm::{self, Options};
use crate::tier::{self, Backend, Tier};
use crate::{clif, elf, recover};
use aot_lifter::ir::{print::print_function, verify::verify, Function};
use aot_lifter::isa::aarch64::lift_function;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
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
    /// The functions compiled in this run (cache misses): name, guest address, compile time,
    /// the backend that compiled it.
    pub compiled: Vec<(String, u64, Duration, Backend)>,
    /// Functions per backend chosen (all functions, hits included): LLVM, Cranelift.
    pub per_backend: [usize; 2],
    /// Functions Cranelift could not compile, compiled by LLVM instead (name, address, why).
    pub fallbacks: Vec<(String, u64, String)>,
    /// Functions that pass flags across a call boundary (ir::abi); empty: no call or return
    /// stores the flags.
    pub flags_not_local: Vec<(String, u64)>,
}

/// Lift every recovered function (parallel; the result is in recovery order).
pub fn lift_all(rec: &recover::Recovered) -> Result<Vec<Function>, TranslateError> {
    rec.functions
        .par_iter()
        .map(|spec| {
            let mut f = lift_function(spec);
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

fn compile_one(f: &Function, key: &str, opts: &Options) -> Result<Vec<u8>, TranslateError> {
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
        llvm::compile(f, key, opts, m).map_err(|e| err(e.to_string()))
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
    let mut rep = Report::default();
    let data = std::fs::read(input).map_err(TranslateError::Read)?;
    let guest = elf::parse(&data)?;
    let rec = recover::recover(&guest)?;
    if let Some(p) = &cfg.report {
        let text = crate::report::to_json(&input.display().to_string(), &guest, &rec);
        std::fs::write(p, text).map_err(|e| TranslateError::Report { path: p.display().to_string(), err: e })?;
    }
    rep.t_parse = t0.elapsed();
    rep.stats = rec.stats.clone();

    let t1 = Instant::now();
    let mut funcs = lift_all(&rec)?;
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
    let backends = tier::choose_all(cfg.tier, &funcs);
    for b in &backends {
        rep.per_backend[(*b == Backend::Cranelift) as usize] += 1;
    }
    let keys = keys_for(&funcs, &backends, &cfg.opts);
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
    type Compiled = (PathBuf, Option<(Duration, Backend)>, Option<String>);
    let results: Vec<Result<Compiled, TranslateError>> = funcs
        .par_iter()
        .zip(keys.par_iter())
        .zip(backends.par_iter())
        .map(|((f, key), &backend)| {
            let r = (|| {
                if let Some(c) = &cache {
                    if let Some(p) = c.get(key) {
                        return Ok((p, None, None));
                    }
                }
                let tc = Instant::now();
                // A function Cranelift cannot compile (an op its x86 backend cannot lower with
                // these features) goes to LLVM, under the same key: the result is the same
                // every time.
                let (obj, used, fallback) = match backend {
                    Backend::Llvm => (compile_one(f, key, &cfg.opts)?, Backend::Llvm, None),
                    Backend::Cranelift => match clif::compile(f, key, &cfg.opts.target_cpu) {
                        Ok(o) => (o, Backend::Cranelift, None),
                        Err(e) => (compile_one(f, key, &cfg.opts)?, Backend::Llvm, Some(e)),
                    },
                };
                let dt = tc.elapsed();
                let p = match &cache {
                    Some(c) => c.put(key, &obj).map_err(|e| TranslateError::Cache { dir: "put".into(), err: e })?,
                    None => {
                        let p = tmp.path().join(format!("{key}.o"));
                        std::fs::write(&p, &obj)?;
                        p
                    }
                };
                Ok((p, Some((dt, used)), fallback))
            })();
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut objects = Vec::with_capacity(results.len());
    for (r, f) in results.into_iter().zip(&funcs) {
        let (p, compiled, fallback) = r?;
        match compiled {
            None => rep.cache_hits += 1,
            Some((dt, b)) => {
                rep.cache_misses += 1;
                rep.compiled.push((f.name.clone(), f.base(), dt, b));
            }
        }
        if let Some(why) = fallback {
            rep.fallbacks.push((f.name.clone(), f.base(), why));
        }
        objects.push(p);
    }
    rep.t_compile = t2.elapsed();

    let t3 = Instant::now();
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
    rep.t_total = t0.elapsed();
    Ok(rep)
}
