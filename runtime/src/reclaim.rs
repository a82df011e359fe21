//! Reclaiming retired JIT code (docs/jit.md "Reclaiming retired code").
//!
//! A JIT'd function invalidated by IC IVAU or munmap is *retired*: it leaves the pc -> function
//! map and its chaining slot is reset (crate::jit::invalidate), so no thread can find it any more,
//! but a thread may still be running it or have a host return address into it on its stack. Its
//! code goes on a limbo list stamped with the current scan request number, and is freed (back to
//! the code cache's free list, its fault-table entry removed) once every live guest thread has
//! answered a later scan request without holding a reference to it.
//!
//! A thread answers a request by scanning itself conservatively: every 8-byte word of its host
//! stack(s) from its current stack pointer to the top, and its callee-saved registers, that lies
//! in the code cache is a reference (return addresses into JIT'd code, a function pointer a
//! caller keeps). It does so only at points where everything it holds is there: safe points of
//! translated code (`aot_safepoint`, reached soon after the reclaimer raises its `sigpoll`) and
//! the tops of dispatcher loops. A thread blocked in the runtime (a guest syscall, waiting for the
//! JIT's lock) is *parked*: it saved its stack pointer and callee-saved registers on the way in,
//! and its frames above that point do not change until it leaves, so the reclaimer scans it
//! itself and keeps the answer only if the thread was parked (the same park) throughout. A thread
//! parked for minutes in futex_wait therefore does not hold reclamation up, although the syscall
//! came from JIT'd code whose return address is on that stack: that code stays, the rest goes.
//! An exited thread no longer counts.

use crate::CpuState;
use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One guest thread as the reclaimer sees it.
pub struct ThreadRec {
    st: AtomicU64,
    /// Host stack the dispatcher runs on: [lo, top).
    main: (u64, u64),
    /// Host signal stack (guest handlers of synchronous faults run there): [lo, top).
    alt: (u64, u64),
    /// Stack pointer of the outermost fault interrupted on the main stack (0: none), so that a
    /// scan from the signal stack also covers the frames waiting on the main stack.
    fault_rsp: AtomicU64,
    /// Odd while parked.
    park_seq: AtomicU64,
    /// rsp, rbx, rbp, r12, r13, r14, r15 as saved by the outermost park.
    park_regs: [AtomicU64; 7],
    /// The request number of the last answer, and the references found then (sorted).
    answer: Mutex<(u64, Vec<u64>)>,
    acked: AtomicU64,
}

/// A spin lock that a forked child can take over (the registry must be usable in a child whose
/// other threads vanished while one of them held it).
struct Spin<T> {
    locked: AtomicBool,
    v: UnsafeCell<T>,
}
// SAFETY: access to `v` is serialised by `locked`.
unsafe impl<T: Send> Sync for Spin<T> {}
struct SpinGuard<'a, T>(&'a Spin<T>);
impl<T> Spin<T> {
    fn lock(&self) -> SpinGuard<'_, T> {
        while self.locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            std::thread::yield_now();
        }
        SpinGuard(self)
    }
}
impl<T> std::ops::Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held.
        unsafe { &*self.0.v.get() }
    }
}
impl<T> std::ops::DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held.
        unsafe { &mut *self.0.v.get() }
    }
}
impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.0.locked.store(false, Ordering::Release);
    }
}

/// Live guest threads. A thread leaves it (thread exit) before its stacks are unmapped, and
/// remote scans run under the lock, so a scanned stack is always mapped.
static THREADS: Spin<Vec<Arc<ThreadRec>>> = Spin { locked: AtomicBool::new(false), v: UnsafeCell::new(Vec::new()) };
/// Scan requests issued so far.
static REQ: AtomicU64 = AtomicU64::new(0);
/// The code cache: words in [lo, hi] are references.
static CACHE_LO: AtomicU64 = AtomicU64::new(u64::MAX);
static CACHE_HI: AtomicU64 = AtomicU64::new(0);

/// AOT_STATS: bytes and functions freed.
pub static RECLAIMED_BYTES: AtomicU64 = AtomicU64::new(0);
pub static RECLAIMED_FNS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ME: Cell<*const ThreadRec> = const { Cell::new(core::ptr::null()) };
    static PARK_DEPTH: Cell<u32> = const { Cell::new(0) };
}

fn me() -> Option<&'static ThreadRec> {
    let p = ME.with(|m| m.get());
    // SAFETY: ME holds one strong count of the record until `leave` drops it.
    (!p.is_null()).then(|| unsafe { &*p })
}

pub fn set_cache_range(lo: u64, hi: u64) {
    CACHE_LO.store(lo, Ordering::SeqCst);
    CACHE_HI.store(hi, Ordering::SeqCst);
}

/// The calling thread enters (or re-enters, after its host frames were dropped) its outermost
/// dispatcher with `st`: nothing translated is on its stack, which is an answer to every request
/// so far.
pub fn enter_dispatcher(st: *mut CpuState) {
    let rec = match me() {
        Some(r) => r,
        None => {
            let (main, alt) = crate::fault::stack::bounds();
            let rec = Arc::new(ThreadRec {
                st: AtomicU64::new(0),
                main,
                alt,
                fault_rsp: AtomicU64::new(0),
                park_seq: AtomicU64::new(0),
                park_regs: Default::default(),
                answer: Mutex::new((0, Vec::new())),
                acked: AtomicU64::new(0),
            });
            THREADS.lock().push(rec.clone());
            ME.with(|m| m.set(Arc::into_raw(rec)));
            me().unwrap()
        }
    };
    rec.st.store(st as u64, Ordering::SeqCst);
    rec.fault_rsp.store(0, Ordering::SeqCst);
    if PARK_DEPTH.with(|d| d.replace(0)) != 0 {
        rec.park_seq.fetch_add(1, Ordering::SeqCst);
    }
    answer(rec, REQ.load(Ordering::SeqCst), Vec::new());
}

/// The calling guest thread exits: it stops counting (its stacks may be unmapped after this).
pub fn leave() {
    let p = ME.with(|m| m.replace(core::ptr::null()));
    if p.is_null() {
        return;
    }
    THREADS.lock().retain(|r| !core::ptr::eq(Arc::as_ptr(r), p));
    // SAFETY: the count ME held (enter_dispatcher).
    drop(unsafe { Arc::from_raw(p) });
}

/// In a forked child: the only thread is the caller.
pub fn after_fork() {
    let p = ME.with(|m| m.get());
    // The lock may have been held by a thread that does not exist here.
    THREADS.locked.store(false, Ordering::SeqCst);
    THREADS.lock().retain(|r| core::ptr::eq(Arc::as_ptr(r), p));
}

/// While this lives, the calling thread is parked (blocked in the runtime, no guest code runs on
/// it): the reclaimer may scan it.
pub struct Parked(Option<&'static ThreadRec>);

/// Park the calling thread (nested parks count once). Callers must not run guest code before
/// the guard is dropped.
#[inline(never)]
pub fn park() -> Parked {
    let Some(rec) = me() else { return Parked(None) };
    if PARK_DEPTH.with(|d| d.replace(d.get() + 1)) == 0 {
        // SAFETY: seven aligned words of this thread's own record; no other thread writes them.
        unsafe { capture_into(rec.park_regs[0].as_ptr()) };
        // park_seq is written by its own thread only (park, unpark, enter_dispatcher), so a
        // plain store does what a locked increment did: the seqlock writer's step to odd,
        // ordered after the register words by Release (a MOV on x86-64, no LOCK prefix).
        rec.park_seq.store(rec.park_seq.load(Ordering::Relaxed) + 1, Ordering::Release);
    }
    Parked(Some(rec))
}

impl Drop for Parked {
    fn drop(&mut self) {
        let Some(rec) = self.0 else { return };
        if PARK_DEPTH.with(|d| d.replace(d.get().saturating_sub(1))) == 1 {
            // The step to even must be visible before anything this thread writes next (its
            // stack, once guest code runs): the seqlock writer's store + release fence; the
            // reclaimer reads the words, then an acquire fence, then park_seq (scan_parked).
            rec.park_seq.store(rec.park_seq.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            std::sync::atomic::fence(Ordering::Release);
        }
    }
}

/// A guest handler runs on the signal stack for a fault interrupted at `rsp`: remember where the
/// interrupted frames are. Returns what `leave_fault` restores.
pub fn enter_fault(rsp: u64) -> u64 {
    let Some(rec) = me() else { return 0 };
    let prev = rec.fault_rsp.load(Ordering::SeqCst);
    if prev == 0 && (rec.main.0..rec.main.1).contains(&rsp) {
        rec.fault_rsp.store(rsp, Ordering::SeqCst);
    }
    prev
}

pub fn leave_fault(prev: u64) {
    if let Some(rec) = me() {
        rec.fault_rsp.store(prev, Ordering::SeqCst);
    }
}

/// rsp and the callee-saved registers of the caller's caller chain at this point. Everything
/// the frames above hold is in these registers or on the stack from that rsp up.
#[inline(always)]
fn capture() -> [u64; 7] {
    let mut r = [0u64; 7];
    // SAFETY: seven words of the local array.
    unsafe { capture_into(r.as_mut_ptr()) };
    r
}

/// [`capture`] into seven words at `p`.
///
/// # Safety
/// `p` must be valid for seven aligned 8-byte writes.
#[inline(always)]
unsafe fn capture_into(p: *mut u64) {
    // SAFETY: the caller's contract.
    unsafe {
        core::arch::asm!(
            "mov [{p}], rsp",
            "mov [{p} + 8], rbx",
            "mov [{p} + 16], rbp",
            "mov [{p} + 24], r12",
            "mov [{p} + 32], r13",
            "mov [{p} + 40], r14",
            "mov [{p} + 48], r15",
            p = in(reg) p,
            options(nostack, preserves_flags)
        )
    }
}

/// The words of [lo, hi) that lie in the code cache.
fn scan_words(lo: u64, hi: u64, out: &mut Vec<u64>) {
    let (clo, chi) = (CACHE_LO.load(Ordering::Relaxed), CACHE_HI.load(Ordering::Relaxed));
    let mut a = (lo + 7) & !7;
    while a + 8 <= hi {
        // SAFETY: [lo, hi) is a live part of a mapped host stack (callers); volatile because the
        // owner may be writing below its saved rsp, never in this range while the answer counts.
        let w = unsafe { core::ptr::read_volatile(a as *const u64) };
        if w.wrapping_sub(clo) <= chi.wrapping_sub(clo) {
            out.push(w);
        }
        a += 8;
    }
}

/// The references of a thread whose registers are `regs` (rsp first). None if rsp is on no
/// stack of the thread (it cannot vouch for itself then).
fn scan(rec: &ThreadRec, regs: &[u64; 7]) -> Option<Vec<u64>> {
    let rsp = regs[0];
    let mut out = Vec::new();
    let (clo, chi) = (CACHE_LO.load(Ordering::Relaxed), CACHE_HI.load(Ordering::Relaxed));
    out.extend(regs[1..].iter().copied().filter(|w| w.wrapping_sub(clo) <= chi.wrapping_sub(clo)));
    if (rec.main.0..rec.main.1).contains(&rsp) {
        scan_words(rsp, rec.main.1, &mut out);
    } else if (rec.alt.0..rec.alt.1).contains(&rsp) {
        scan_words(rsp, rec.alt.1, &mut out);
        let f = rec.fault_rsp.load(Ordering::SeqCst);
        if !(rec.main.0..rec.main.1).contains(&f) {
            return None;
        }
        scan_words(f, rec.main.1, &mut out);
    } else {
        return None;
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

fn answer(rec: &ThreadRec, req: u64, refs: Vec<u64>) {
    let mut a = rec.answer.lock().unwrap_or_else(|e| e.into_inner());
    if req >= a.0 {
        *a = (req, refs);
        rec.acked.store(req, Ordering::SeqCst);
    }
}

/// Answer the outstanding request, if any, by scanning the calling thread (not parked, at a point
/// where it holds no code pointer outside its stack and callee-saved registers).
#[inline(never)]
fn scan_self(rec: &ThreadRec) {
    let req = REQ.load(Ordering::SeqCst);
    let regs = capture();
    if let Some(refs) = scan(rec, &regs) {
        answer(rec, req, refs);
    }
}

/// A safe point of translated code, or a dispatcher loop's top: answer a request if one is open.
/// `st` is the thread's state, whose `sigpoll` the reclaimer may have raised.
#[inline]
pub fn quiescent(st: *mut CpuState) {
    let Some(rec) = me() else { return };
    if REQ.load(Ordering::SeqCst) == rec.acked.load(Ordering::Relaxed) {
        return;
    }
    quiescent_slow(rec, st)
}

#[cold]
#[inline(never)]
fn quiescent_slow(rec: &ThreadRec, st: *mut CpuState) {
    if !st.is_null() {
        // SAFETY: this thread's live state; sigpoll is an aligned 4-byte word. Lowered before
        // reading REQ (in scan_self), so a request issued after this is seen now or polled again.
        let p = unsafe { AtomicU32::from_ptr(core::ptr::addr_of_mut!((*st).sigpoll)) };
        p.store(0, Ordering::SeqCst);
        if crate::syscall::signal::pending() {
            p.store(1, Ordering::SeqCst);
        }
    }
    scan_self(rec)
}

/// Issue a new scan request and make every thread that has not answered it reach a safe point.
fn request() -> u64 {
    let req = REQ.fetch_add(1, Ordering::SeqCst) + 1;
    poke();
    req
}

fn poke() {
    let req = REQ.load(Ordering::SeqCst);
    for rec in THREADS.lock().iter() {
        let st = rec.st.load(Ordering::SeqCst);
        if rec.acked.load(Ordering::SeqCst) < req && st != 0 {
            // SAFETY: a registered thread's state lives as long as the thread, which stays
            // registered (THREADS is locked) until it exits.
            unsafe { AtomicU32::from_ptr(core::ptr::addr_of_mut!((*(st as *mut CpuState)).sigpoll)) }.store(1, Ordering::SeqCst);
        }
    }
}

/// Scan the parked threads that have not answered the current request.
fn scan_parked() {
    let req = REQ.load(Ordering::SeqCst);
    let threads = THREADS.lock();
    for rec in threads.iter() {
        if rec.acked.load(Ordering::SeqCst) >= req {
            continue;
        }
        let s1 = rec.park_seq.load(Ordering::SeqCst);
        if s1 % 2 == 0 {
            continue;
        }
        let regs: [u64; 7] = core::array::from_fn(|i| rec.park_regs[i].load(Ordering::SeqCst));
        let refs = scan(rec, &regs);
        // Seqlock reader: the words read above before the second read of park_seq.
        std::sync::atomic::fence(Ordering::Acquire);
        if rec.park_seq.load(Ordering::SeqCst) == s1 {
            if let Some(refs) = refs {
                answer(rec, req, refs);
            }
        }
    }
}

/// AOT_JIT_RECLAIM=0: never free retired code (the behaviour before reclamation; a check that
/// a test needs it).
fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("AOT_JIT_RECLAIM").is_none_or(|v| v != "0"))
}

/// Retired code waiting to be freed: (host address, length, request number when retired).
static LIMBO: Mutex<Vec<(u64, u64, u64)>> = Mutex::new(Vec::new());

/// `len` bytes of JIT'd code at `addr` can no longer be reached through the map or a chaining
/// slot (the caller unlinked it first, under the JIT's lock).
pub fn retire(addr: u64, len: u64) {
    let stamp = REQ.load(Ordering::SeqCst);
    LIMBO.lock().unwrap_or_else(|e| e.into_inner()).push((addr, len, stamp));
}

/// Bytes waiting in limbo.
pub fn limbo_bytes() -> u64 {
    LIMBO.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|e| e.1).sum()
}

/// Free what no thread can be running any more: `free(addr, len)` for each such block. With
/// `ask`, issue a scan request first if some retired code is not covered by one yet. Returns the
/// bytes freed. Callers hold the JIT's lock.
pub fn collect(ask: bool, free: &mut dyn FnMut(u64, u64)) -> u64 {
    let mut limbo = LIMBO.lock().unwrap_or_else(|e| e.into_inner());
    if limbo.is_empty() || !enabled() {
        return 0;
    }
    let req = REQ.load(Ordering::SeqCst);
    if ask && limbo.iter().any(|e| e.2 >= req) {
        request();
    } else if ask {
        poke();
    }
    if let Some(rec) = me() {
        scan_self(rec);
    }
    scan_parked();
    let answers: Vec<(u64, Vec<u64>)> = {
        let threads = THREADS.lock();
        threads.iter().map(|r| r.answer.lock().unwrap_or_else(|e| e.into_inner()).clone()).collect()
    };
    let mut freed = 0;
    limbo.retain(|&(addr, len, stamp)| {
        let held = answers.iter().any(|(acked, refs)| {
            *acked <= stamp || {
                let i = refs.partition_point(|&r| r < addr);
                refs.get(i).is_some_and(|&r| r <= addr + len)
            }
        });
        if !held {
            free(addr, len);
            freed += len;
            RECLAIMED_FNS.fetch_add(1, Ordering::Relaxed);
        }
        held
    });
    RECLAIMED_BYTES.fetch_add(freed, Ordering::Relaxed);
    freed
}

/// The code cache is full: wait (up to `AOT_JIT_RECLAIM_WAIT_MS`, 10 s by default) until some
/// retired code can be freed, while the other threads answer. Returns the bytes freed (0: none
/// could be, and nothing is in limbo or the time is up). Callers hold the JIT's lock; threads
/// that want it meanwhile park, so they are scanned where they wait.
pub fn collect_urgently(free: &mut dyn FnMut(u64, u64)) -> u64 {
    let wait_ms: u64 = std::env::var("AOT_JIT_RECLAIM_WAIT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let t0 = std::time::Instant::now();
    loop {
        if limbo_bytes() == 0 || !enabled() {
            return 0;
        }
        let n = collect(true, free);
        if n > 0 {
            return n;
        }
        if t0.elapsed().as_millis() as u64 >= wait_ms {
            return 0;
        }
        std::thread::sleep(std::time::Duration::from_micros(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn scan_finds_cache_words_on_a_stack() {
        set_cache_range(0x7e00_0000_0000, 0x7e00_0000_ffff);
        let mut stack = vec![0u64; 64];
        stack[3] = 0x7e00_0000_1234;
        stack[10] = 0x7e00_0001_0000; // just past the cache
        stack[20] = 0x7e00_0000_0000;
        stack[63] = 0x7e00_0000_ffff;
        let lo = stack.as_ptr() as u64;
        let hi = lo + 64 * 8;
        let rec = ThreadRec {
            st: AtomicU64::new(0),
            main: (lo, hi),
            alt: (0, 0),
            fault_rsp: AtomicU64::new(0),
            park_seq: AtomicU64::new(0),
            park_regs: Default::default(),
            answer: Mutex::new((0, vec![])),
            acked: AtomicU64::new(0),
        };
        // from word 4 up: word 3 is below the stack pointer
        let regs = [lo + 32, 0x7e00_0000_0042, 5, 0, 0, 0, 0];
        assert_eq!(scan(&rec, &regs), Some(vec![0x7e00_0000_0000, 0x7e00_0000_0042, 0x7e00_0000_ffff]));
        // a stack pointer on no stack of the thread: no answer
        assert_eq!(scan(&rec, &[8, 0, 0, 0, 0, 0, 0]), None);
    }
    #[test]
    fn park_is_one_seqlock_step_and_saves_the_registers() {
        std::thread::spawn(|| {
            enter_dispatcher(core::ptr::null_mut());
            let rec = me().expect("registered");
            let seq = || rec.park_seq.load(Ordering::SeqCst);
            let s0 = seq();
            assert_eq!(s0 % 2, 0, "not parked at the start");
            let here = 0u64;
            {
                let _p = park();
                assert_eq!(seq(), s0 + 1, "parked: odd");
                // park's own frame was below this one: the saved rsp is under this local
                let rsp = rec.park_regs[0].load(Ordering::SeqCst);
                assert!(rsp < &here as *const u64 as u64 && &here as *const u64 as u64 - rsp < 4096, "rsp {rsp:#x}");
                {
                    let _q = park();
                    assert_eq!(seq(), s0 + 1, "a nested park counts once");
                }
                assert_eq!(seq(), s0 + 1, "still parked after the nested one");
            }
            assert_eq!(seq(), s0 + 2, "unparked: even again");
            leave();
        })
        .join()
        .unwrap();
    }
    #[test]
    fn capture_sees_this_stack() {
        let here = 0u64;
        let r = capture();
        // rsp is below a local of this frame, and close to it
        assert!(r[0] <= &here as *const u64 as u64 && &here as *const u64 as u64 - r[0] < 4096);
    }
}
