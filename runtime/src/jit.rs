//! The fallback JIT (docs/jit.md): a guest address with no AOT translation is recovered from
//! guest memory at run time, lifted with the AOT frontend and compiled with Cranelift (aot-jit).
//!
//! Lookups read a map under a read lock; compilation runs under one mutex (one compilation at a
//! time, the map re-checked under it). Invalidated code is retired and freed once no thread can
//! be running it (crate::reclaim).

use crate::glue::HostFn;
use crate::CpuState;
use aot_jit::{Jit, Symbols};
use aot_lifter::isa::aarch64::{flow, lift_function};
use aot_lifter::isa::{Flow, FunctionSpec};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// Counters for AOT_STATS=1.
pub static DISPATCHES: AtomicU64 = AtomicU64::new(0);
/// Dispatcher entries into AOT code (the others entered JIT'd code).
pub static AOT_DISPATCHES: AtomicU64 = AtomicU64::new(0);
/// Lookups answered with JIT'd code (the first one of each address compiles it).
pub static JIT_LOOKUPS: AtomicU64 = AtomicU64::new(0);
pub static COMPILES: AtomicU64 = AtomicU64::new(0);
pub static FAILURES: AtomicU64 = AtomicU64::new(0);
pub static COMPILE_NS: AtomicU64 = AtomicU64::new(0);
pub static GUEST_INSNS: AtomicU64 = AtomicU64::new(0);
static CODE_BYTES: AtomicU64 = AtomicU64::new(0);

/// Most instructions one run-time recovered function may hold.
const MAX_INSNS: usize = 20_000;
/// Direct branches further than this from the entry are left as tail calls.
const MAX_REACH: u64 = 1 << 20;

fn map() -> &'static RwLock<HashMap<u64, HostFn>> {
    static M: OnceLock<RwLock<HashMap<u64, HostFn>>> = OnceLock::new();
    M.get_or_init(|| RwLock::new(HashMap::new()))
}

static JIT: Mutex<Option<Jit>> = Mutex::new(None);

/// Take the JIT's lock, parked while waiting (crate::reclaim: a thread that holds it may be
/// waiting for every other thread to answer a scan).
fn lock_jit() -> std::sync::MutexGuard<'static, Option<Jit>> {
    let _parked = crate::reclaim::park();
    JIT.lock().unwrap_or_else(|e| e.into_inner())
}

/// AOT_JIT_CACHE_MB=<n>: the code cache's size in MiB (default 256; tests use a small one to
/// make reclamation necessary).
fn cache_size() -> usize {
    match std::env::var("AOT_JIT_CACHE_MB") {
        Ok(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=4096).contains(&n) => n << 20,
            _ => crate::trap::fatal(crate::trap::EXIT_STARTUP, &format!("AOT_JIT_CACHE_MB={s}: not a number of MiB from 1 to 4096")),
        },
        Err(_) => aot_jit::CODE_CACHE_SIZE,
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// AOT_JIT_ONLY_ABOVE=<hex address>: guest addresses at or above it ignore their AOT
/// translation and run JIT-compiled (0 = everything JIT: a test mode for the JIT).
/// In run mode (glue::foreign_path) the embedded AOT code is another program's: all of it is.
pub fn aot_disabled(pc: u64) -> bool {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    let lim = *LIMIT.get_or_init(|| match std::env::var("AOT_JIT_ONLY_ABOVE") {
        _ if crate::glue::foreign_path().is_some() => 0,
        Ok(s) => {
            let t = s.trim();
            let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
            u64::from_str_radix(t, 16).unwrap_or_else(|_| {
                crate::trap::fatal(crate::trap::EXIT_STARTUP, &format!("AOT_JIT_ONLY_ABOVE={s}: not a hexadecimal address"))
            })
        }
        Err(_) => u64::MAX,
    });
    pc >= lim
}

pub fn stats_enabled() -> bool {
    static S: OnceLock<bool> = OnceLock::new();
    *S.get_or_init(|| env_flag("AOT_STATS"))
}

/// Print the counters (at exit, with AOT_STATS=1).
pub fn print_stats() {
    if !stats_enabled() {
        return;
    }
    let ms = COMPILE_NS.load(Ordering::Relaxed) as f64 / 1e6;
    // Lookups of AOT code on the fast path are not counted (it stays free of counters): every
    // lookup that is not a JIT lookup found AOT code.
    crate::guest::write_stderr(&format!(
        "aot-translate stats: {}dispatcher entries {} ({} into AOT code, {} into JIT code), JIT lookups {} (lookups answered with JIT code; AOT ones are not counted), JIT compilations {} ({} guest instructions, {} bytes of code, {} failed), JIT compile time {:.1} ms, JIT code reclaimed {} KiB ({} functions), inline-cache misses calling the runtime {} ({} not filling their slot)\n",
        if crate::glue::foreign_path().is_some() { "JIT-only run, " } else { "" },
        DISPATCHES.load(Ordering::Relaxed),
        AOT_DISPATCHES.load(Ordering::Relaxed),
        DISPATCHES.load(Ordering::Relaxed).saturating_sub(AOT_DISPATCHES.load(Ordering::Relaxed)),
        JIT_LOOKUPS.load(Ordering::Relaxed),
        COMPILES.load(Ordering::Relaxed),
        GUEST_INSNS.load(Ordering::Relaxed),
        CODE_BYTES.load(Ordering::Relaxed),
        FAILURES.load(Ordering::Relaxed),
        ms,
        crate::reclaim::RECLAIMED_BYTES.load(Ordering::Relaxed) / 1024,
        crate::reclaim::RECLAIMED_FNS.load(Ordering::Relaxed),
        crate::ic::RUNTIME_CALLS.load(Ordering::Relaxed),
        crate::ic::MISSES.load(Ordering::Relaxed)
    ));
    if let Some(r) = crate::instrument::report(20) {
        crate::guest::write_stderr(&r);
    }
}

/// The runtime functions JIT'd code calls (the same names the LLVM backend's objects link to).
struct RuntimeSymbols;
impl Symbols for RuntimeSymbols {
    fn addr(&self, name: &str) -> Option<u64> {
        use crate::crypto::*;
        use crate::syscall::misc::*;
        let p: *const () = match name {
            "aot_lookup" => crate::dispatch::aot_lookup as *const (),
            "aot_lookup_start" => crate::dispatch::aot_lookup_start as *const (),
            aot_lifter::ic::MISS_CALL => crate::ic::aot_ic_miss as *const (),
            aot_lifter::ic::MISS_JUMP => crate::ic::aot_ic_miss_start as *const (),
            "aot_safepoint" => crate::dispatch::aot_safepoint as *const (),
            "aot_trap" => crate::trap::aot_trap as *const (),
            "aot_excl_table" => &aot_lifter::excl::aot_excl_table as *const _ as *const (),
            "aot_helper_syscall" => crate::syscall::aot_helper_syscall as *const (),
            "aot_helper_read_cntvct" => crate::syscall::time::aot_helper_read_cntvct as *const (),
            "aot_helper_write_fpcr" => aot_helper_write_fpcr as *const (),
            "aot_helper_cache_maint" => aot_helper_cache_maint as *const (),
            "aot_helper_sync_fpsr" => aot_helper_sync_fpsr as *const (),
            "aot_helper_trace" => crate::trace::aot_helper_trace as *const (),
            "aot_helper_count" => crate::instrument::aot_helper_count as *const (),
            "aot_crypto_aese" => aot_crypto_aese as *const (),
            "aot_crypto_aesd" => aot_crypto_aesd as *const (),
            "aot_crypto_aesmc" => aot_crypto_aesmc as *const (),
            "aot_crypto_aesimc" => aot_crypto_aesimc as *const (),
            "aot_crypto_sha1c" => aot_crypto_sha1c as *const (),
            "aot_crypto_sha1p" => aot_crypto_sha1p as *const (),
            "aot_crypto_sha1m" => aot_crypto_sha1m as *const (),
            "aot_crypto_sha1su1" => aot_crypto_sha1su1 as *const (),
            "aot_crypto_sha256h" => aot_crypto_sha256h as *const (),
            "aot_crypto_sha256h2" => aot_crypto_sha256h2 as *const (),
            "aot_crypto_sha256su0" => aot_crypto_sha256su0 as *const (),
            "aot_crypto_sha256su1" => aot_crypto_sha256su1 as *const (),
            "aot_crypto_clmul" => aot_crypto_clmul as *const (),
            "aot_fp_tiny" => crate::fp::aot_fp_tiny as *const (),
            _ => return None,
        };
        Some(p as u64)
    }
    fn chain_slot(&self, pc: u64) -> Option<u64> {
        Some(crate::chain::slot(pc))
    }
    fn ic_slot(&self, base: u64, site: u32) -> Option<u64> {
        Some(crate::ic::jit_slot(base, site))
    }
}

/// Read 4 bytes of guest memory if they are mapped and readable (process_vm_readv on our own
/// process fails with EFAULT instead of faulting).
fn read_word(addr: u64, page_cache: &mut HashMap<u64, Option<Box<[u8; 4096]>>>) -> Option<u32> {
    if addr & 3 != 0 {
        return None;
    }
    let page = addr & !4095;
    let p = page_cache.entry(page).or_insert_with(|| {
        let mut buf = Box::new([0u8; 4096]);
        let local = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: 4096 };
        let remote = libc::iovec { iov_base: page as *mut libc::c_void, iov_len: 4096 };
        // SAFETY: reads into our own buffer; the kernel checks the remote range.
        let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
        if n == 4096 {
            Some(buf)
        } else {
            None
        }
    });
    let b = p.as_ref()?;
    let o = (addr - page) as usize;
    Some(u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]))
}

/// Recursive descent from `pc` over guest memory, as translator/src/recover.rs does statically:
/// fall-through, conditional and direct branches are followed; returns, indirect jumps and
/// stopping words end a path; a direct branch to a known function start (or far away) is left
/// as a tail call.
pub fn recover(pc: u64) -> Option<FunctionSpec> {
    let starts = crate::glue::fn_starts();
    let is_start = |a: u64| a != pc && starts.binary_search(&a).is_ok();
    let mut pages = HashMap::new();
    let mut insns = BTreeMap::new();
    let mut work = vec![pc];
    while let Some(a) = work.pop() {
        if insns.contains_key(&a) || insns.len() >= MAX_INSNS {
            continue;
        }
        let Some(w) = read_word(a, &mut pages) else { continue };
        insns.insert(a, w);
        let follow = |t: u64| !is_start(t) && t.abs_diff(pc) < MAX_REACH;
        match flow(a, w) {
            Flow::Next | Flow::Call(_) | Flow::CallInd => {
                if !is_start(a + 4) {
                    work.push(a + 4)
                }
            }
            Flow::Jump(t) => {
                if follow(t) {
                    work.push(t)
                }
            }
            Flow::CondJump(t) => {
                if !is_start(a + 4) {
                    work.push(a + 4);
                }
                if follow(t) {
                    work.push(t)
                }
            }
            _ => {}
        }
    }
    if !insns.contains_key(&pc) {
        return None;
    }
    Some(FunctionSpec { name: format!("jit_{pc:x}"), start: pc, entries: vec![pc], insns, tables: Default::default() })
}

fn perf_map_line(addr: u64, len: usize, pc: u64) {
    static ON: OnceLock<bool> = OnceLock::new();
    if !*ON.get_or_init(|| env_flag("AOT_PERF_MAP")) {
        return;
    }
    use std::io::Write;
    // SAFETY: getpid has no preconditions.
    let path = format!("/tmp/perf-{}.map", unsafe { libc::getpid() });
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{addr:x} {len:x} guest_{pc:x}");
    }
}

/// The JIT'd function for `pc`, compiling it on first use. `None` when there is no code there
/// (unmapped) or the JIT failed (the error is printed with AOT_DEBUG=1).
pub fn lookup_or_compile(pc: u64) -> Option<HostFn> {
    if let Some(&f) = map().read().unwrap_or_else(|e| e.into_inner()).get(&pc) {
        return Some(f);
    }
    let mut guard = lock_jit();
    if let Some(&f) = map().read().unwrap_or_else(|e| e.into_inner()).get(&pc) {
        return Some(f);
    }
    let t0 = std::time::Instant::now();
    let spec = recover(pc)?;
    let mut f = lift_function(&spec);
    aot_lifter::ir::counted::relax_affine(&mut f);
    aot_lifter::ir::safepoint::insert(&mut f);
    if let Err(e) = aot_lifter::ir::verify::verify(&f) {
        FAILURES.fetch_add(1, Ordering::Relaxed);
        if crate::trap::debug() {
            crate::guest::write_stderr(&format!("aot-translate runtime: JIT: invalid IR at 0x{pc:x}: {}\n", e.msg));
        }
        return None;
    }
    if guard.is_none() {
        match Jit::with_cache_size(cache_size()) {
            Ok(mut j) => {
                let (lo, hi) = j.cache().range();
                crate::reclaim::set_cache_range(lo, hi);
                *guard = Some(j)
            }
            Err(e) => crate::trap::fatal(crate::trap::EXIT_NO_TRANSLATION, &format!("no translation for guest address 0x{pc:x} and {e}")),
        }
    }
    let jit = guard.as_mut().unwrap();
    // Free retired code nobody runs any more; ask the threads for a scan once an eighth of the
    // cache is waiting.
    let cap = jit.cache().capacity() as u64;
    let ask = crate::reclaim::limbo_bytes() >= cap / 8;
    crate::reclaim::collect(ask, &mut |a, l| free_code(jit, a, l));
    let mut compiled = jit.compile(&f, &RuntimeSymbols);
    while matches!(compiled, Err(aot_jit::JitError::CacheFull(_))) {
        // Full: wait for retired code to become free (exit 70 below if none can be).
        if crate::reclaim::collect_urgently(&mut |a, l| free_code(jit, a, l)) == 0 {
            break;
        }
        compiled = jit.compile(&f, &RuntimeSymbols);
    }
    match compiled {
        Ok(c) => {
            COMPILES.fetch_add(1, Ordering::Relaxed);
            GUEST_INSNS.fetch_add(spec.insns.len() as u64, Ordering::Relaxed);
            CODE_BYTES.fetch_add(c.len as u64, Ordering::Relaxed);
            COMPILE_NS.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
            perf_map_line(c.addr, c.len, pc);
            // Before the function is reachable: a fault in it finds its guest PC.
            crate::fault::jitmap::publish(c.addr, c.len as u64, f.base(), c.srclocs);
            // SAFETY: the code follows the HostFn contract (aot-jit); it is freed only after it
            // left the map and no thread can be running it (crate::reclaim).
            let hf: HostFn = unsafe { std::mem::transmute::<usize, HostFn>(c.addr as usize) };
            map().write().unwrap_or_else(|e| e.into_inner()).insert(pc, hf);
            record(pc, &spec, (c.addr, c.len as u64));
            Some(hf)
        }
        Err(aot_jit::JitError::CacheFull(n)) => crate::trap::fatal(
            crate::trap::EXIT_NO_TRANSLATION,
            &format!(
                "no translation for guest address 0x{pc:x}: the JIT code cache is full ({} MiB, {} KiB of it retired code not freeable yet; AOT_JIT_CACHE_MB sets its size)",
                n >> 20,
                crate::reclaim::limbo_bytes() / 1024
            ),
        ),
        Err(e) => {
            FAILURES.fetch_add(1, Ordering::Relaxed);
            crate::guest::write_stderr(&format!("aot-translate runtime: JIT at 0x{pc:x}: {e}\n"));
            None
        }
    }
}

/// Give the code of a retired function back to the code cache (crate::reclaim decided that no
/// thread can be running it): first out of the fault table, then into the free list.
fn free_code(jit: &mut Jit, addr: u64, len: u64) {
    crate::fault::jitmap::remove(addr);
    // SAFETY: a block the cache gave for one function (retired with its compiled length), freed
    // once: it left the limbo list.
    unsafe { jit.cache().free(addr as *mut u8, len as usize) };
}

/// The guest code each JIT'd function was compiled from (for invalidation): entry pc -> its
/// address ranges, and a page index of them. Changed only with `JIT` held.
#[derive(Default)]
struct Sources {
    ranges: HashMap<u64, Vec<(u64, u64)>>,
    by_page: BTreeMap<u64, Vec<u64>>,
    /// Entry pc -> its host code (address, length).
    code: HashMap<u64, (u64, u64)>,
}
static SOURCES: Mutex<Option<Sources>> = Mutex::new(None);
/// Set once a JIT'd function exists: invalidation is free before.
static ANY_JIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Functions invalidated (AOT_STATS).
pub static INVALIDATED: AtomicU64 = AtomicU64::new(0);

/// Contiguous `[lo, hi)` ranges of the instruction addresses of a function.
fn ranges_of(spec: &FunctionSpec) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = vec![];
    for &a in spec.insns.keys() {
        match out.last_mut() {
            Some(r) if r.1 == a => r.1 = a + 4,
            _ => out.push((a, a + 4)),
        }
    }
    out
}

fn pages(r: &[(u64, u64)]) -> impl Iterator<Item = u64> + '_ {
    r.iter().flat_map(|&(lo, hi)| (lo >> 12..=(hi - 1) >> 12).map(|p| p << 12))
}

fn record(pc: u64, spec: &FunctionSpec, code: (u64, u64)) {
    let r = ranges_of(spec);
    let mut g = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
    let s = g.get_or_insert_with(Sources::default);
    for p in pages(&r) {
        let v = s.by_page.entry(p).or_default();
        if !v.contains(&pc) {
            v.push(pc);
        }
    }
    s.ranges.insert(pc, r);
    s.code.insert(pc, code);
    ANY_JIT.store(true, Ordering::Release);
}

/// Invalidate every JIT'd function compiled from guest code overlapping `[lo, hi)`: it leaves
/// the map (the next lookup recompiles from memory) and the chaining slots of its entry are
/// reset. Its code is retired (crate::reclaim), freed once no thread can be running it: a
/// thread running it finishes what it started.
/// Returns the number of functions invalidated.
pub fn invalidate(lo: u64, hi: u64) -> usize {
    if hi <= lo || !ANY_JIT.load(Ordering::Acquire) {
        return 0;
    }
    // Under JIT: a compilation that read the old bytes is either finished (and found here) or
    // not yet started.
    let _jit = lock_jit();
    let mut g = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(s) = g.as_mut() else { return 0 };
    let mut victims: Vec<u64> = vec![];
    for (_, pcs) in s.by_page.range(lo & !4095..=(hi - 1) & !4095) {
        for pc in pcs {
            if s.ranges.get(pc).is_some_and(|r| r.iter().any(|&(a, b)| a < hi && lo < b)) {
                victims.push(*pc);
            }
        }
    }
    if victims.is_empty() {
        return 0;
    }
    victims.sort_unstable();
    victims.dedup();
    {
        let mut m = map().write().unwrap_or_else(|e| e.into_inner());
        for pc in &victims {
            m.remove(pc);
            let r = s.ranges.remove(pc).unwrap_or_default();
            for p in pages(&r) {
                if let Some(v) = s.by_page.get_mut(&p) {
                    v.retain(|x| x != pc);
                    if v.is_empty() {
                        s.by_page.remove(&p);
                    }
                }
            }
        }
    }
    crate::chain::reset(&victims);
    // Unreachable now (map and slots): retire the code.
    for pc in &victims {
        if let Some((addr, len)) = s.code.remove(pc) {
            crate::reclaim::retire(addr, len);
        }
    }
    INVALIDATED.fetch_add(victims.len() as u64, Ordering::Relaxed);
    victims.len()
}

/// Entry for the link step's stub (`aot_dispatch_stub`): a direct call or tail call to a guest
/// address that has no AOT function runs its JIT translation (or whatever `aot_lookup` finds).
///
/// # Safety
/// Called by translated code with the live state of the calling guest thread.
#[no_mangle]
pub unsafe extern "C" fn aot_jit_enter(st: *mut CpuState, pc: u64) {
    let f = crate::dispatch::aot_lookup(pc);
    f(st, pc)
}

/// `aot_jit_enter` for a patched direct entry (translator/src/llvm.rs `direct_symbol`): the
/// registers the caller passed in host registers (x0, x1, x30: translator/src/llvm.rs `DIRECT_REGS`) go to the
/// state first.
///
/// # Safety
/// As `aot_jit_enter`.
#[no_mangle]
pub unsafe extern "C" fn aot_jit_enter_d(st: *mut CpuState, pc: u64, x0: u64, x1: u64, x30: u64) {
    // SAFETY: `st` is the thread's live state (the caller's argument).
    unsafe {
        (*st).x[0] = x0;
        (*st).x[1] = x1;
        (*st).x[30] = x30;
    }
    let f = crate::dispatch::aot_lookup(pc);
    f(st, pc)
}
