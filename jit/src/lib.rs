//! aot-jit: the fallback JIT. Compiles one IR function (aot_lifter::ir) with Cranelift into a
//! code cache of our own (docs/jit.md). The runtime uses it when a guest address has no AOT
//! translation; it links no LLVM.
//!
//! `Jit::compile` gives the address of an `extern "C" fn(*mut CpuState, u64)` with the same
//! contract as the LLVM backend's functions (translator/src/llvm.rs).

pub mod lower;
pub mod object;

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{ExternalName, LibCall, SourceLoc, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{FinalizedRelocTarget, Context};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

pub use lower::Symbols;

#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("JIT set-up: {0}")]
    Setup(String),
    #[error("JIT lowering of {name}: {msg}")]
    Lower { name: String, msg: String },
    #[error("Cranelift could not compile {name}: {msg}")]
    Codegen { name: String, msg: String },
    #[error("JIT code cache is full ({0} bytes)")]
    CacheFull(usize),
    #[error("JIT relocation not supported: {0}")]
    Reloc(String),
}

/// Executable memory: one reserved RWX region with a free-list allocator over it (first fit,
/// 16-byte granules, freed blocks coalesced with their free neighbours). Functions are freed only
/// by the runtime's reclamation (docs/jit.md "Reclaiming retired code"), once no thread can be
/// running them.
pub struct CodeCache {
    base: *mut u8,
    len: usize,
    /// Bytes in allocated blocks (rounded to the granule).
    used: usize,
    /// Free blocks: offset -> length, never adjacent (coalesced), all multiples of `GRANULE`.
    free: std::collections::BTreeMap<usize, usize>,
}

// SAFETY: the region is only written under the owner's `&mut self`; executing it needs no
// synchronisation beyond what publishes the function pointer (the runtime's map).
unsafe impl Send for CodeCache {}

/// Where the code cache is placed when possible: in the host range above the guest range
/// (docs/design.md memory map); the kernel may put it elsewhere, which is fine since JIT'd code
/// reaches everything through absolute addresses.
pub const CODE_CACHE_HINT: usize = 0x7e00_0000_0000;
pub const CODE_CACHE_SIZE: usize = 256 << 20;
/// Allocation unit of the code cache (functions start 16-byte aligned).
pub const GRANULE: usize = 16;

fn round_up(n: usize) -> usize {
    n.div_ceil(GRANULE).max(1) * GRANULE
}

impl CodeCache {
    pub fn new(size: usize) -> Result<CodeCache, JitError> {
        let size = size / GRANULE * GRANULE;
        // SAFETY: an anonymous private mapping; no existing memory is affected (no MAP_FIXED).
        let p = unsafe {
            libc::mmap(
                CODE_CACHE_HINT as *mut libc::c_void,
                size,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(JitError::Setup(format!("cannot map {size} bytes of executable memory: {}", std::io::Error::last_os_error())));
        }
        let mut free = std::collections::BTreeMap::new();
        if size > 0 {
            free.insert(0, size);
        }
        Ok(CodeCache { base: p as *mut u8, len: size, used: 0, free })
    }

    /// First fit: the lowest free block with room for `n` bytes.
    fn alloc(&mut self, n: usize) -> Result<*mut u8, JitError> {
        let n = round_up(n);
        let Some((&off, &flen)) = self.free.iter().find(|(_, &l)| l >= n) else {
            return Err(JitError::CacheFull(self.len));
        };
        self.free.remove(&off);
        if flen > n {
            self.free.insert(off + n, flen - n);
        }
        self.used += n;
        // SAFETY: in bounds of the mapping.
        Ok(unsafe { self.base.add(off) })
    }

    /// Return the block of a function (`addr`, its length as compiled) to the free list.
    ///
    /// # Safety
    /// `addr` and `len` must be those of one block given by `alloc` and not freed since, and no
    /// thread may execute it any more.
    pub unsafe fn free(&mut self, addr: *mut u8, len: usize) {
        let off = addr as usize - self.base as usize;
        let mut n = round_up(len);
        debug_assert!(off % GRANULE == 0 && off + n <= self.len);
        self.used -= n;
        let mut start = off;
        // merge with the free block before it, then the one after it
        if let Some((&p, &pl)) = self.free.range(..off).next_back() {
            debug_assert!(p + pl <= off, "double free in the code cache");
            if p + pl == off {
                self.free.remove(&p);
                start = p;
                n += pl;
            }
        }
        if let Some(&nl) = self.free.get(&(off + round_up(len))) {
            self.free.remove(&(off + round_up(len)));
            n += nl;
        }
        self.free.insert(start, n);
    }

    /// Bytes in allocated blocks.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Size of the region.
    pub fn capacity(&self) -> usize {
        self.len
    }

    /// Start and end of the region.
    pub fn range(&self) -> (u64, u64) {
        (self.base as u64, self.base as u64 + self.len as u64)
    }

    /// Number of free blocks (fragmentation; tests).
    pub fn free_blocks(&self) -> usize {
        self.free.len()
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`; dropping the cache means nothing runs it (tests).
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.len) };
    }
}

/// One compiled function.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub addr: u64,
    pub len: usize,
    /// Host offset -> guest instruction, sorted by host offset: each row covers the host bytes
    /// from its offset to the next row's (the last one to `len`); the guest instruction is the
    /// IR's `insn` offset from the function's base, or `NO_GUEST` for code of no single guest
    /// instruction (prologue, state loads, safe-point polls). From Cranelift's source locations.
    pub srclocs: Vec<(u32, u32)>,
}

/// `Compiled::srclocs` value of host code that belongs to no guest instruction.
pub const NO_GUEST: u32 = u32::MAX;

pub struct Jit {
    isa: OwnedTargetIsa,
    /// The same at opt_level=none: Cranelift's mid-end rewrites some I128 patterns into ops the
    /// x64 backend cannot lower (e.g. select+icmp -> smax.i128); such functions are retried here.
    isa_plain: OwnedTargetIsa,
    pub retries: usize,
    ctx: Context,
    fctx: FunctionBuilderContext,
    cache: CodeCache,
}

// Round to integral in the current MXCSR rounding mode (FRINTX/FRINTI: the runtime keeps MXCSR
// in step with FPCR). ROUNDSS/ROUNDSD with immediate 12 use MXCSR.RC and suppress the precision
// exception: FRINTI raises nothing, FRINTX's Inexact is raised by the lifter.
// Unmangled: the AOT translator's Cranelift tier calls them by name (jit/src/object.rs).
#[cfg(target_arch = "x86_64")]
#[no_mangle]
pub extern "C" fn aot_jit_rint_f64(x: f64) -> f64 {
    let r: f64;
    // SAFETY: SSE4.1 ROUNDSD on registers only; the runtime requires SSE4.1 hosts (x86-64-v2).
    unsafe { core::arch::asm!("roundsd {0}, {1}, 12", out(xmm_reg) r, in(xmm_reg) x, options(pure, nomem, nostack)) };
    r
}
#[cfg(target_arch = "x86_64")]
#[no_mangle]
pub extern "C" fn aot_jit_rint_f32(x: f32) -> f32 {
    let r: f32;
    // SAFETY: as above.
    unsafe { core::arch::asm!("roundss {0}, {1}, 12", out(xmm_reg) r, in(xmm_reg) x, options(pure, nomem, nostack)) };
    r
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}
extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn ceil_f64(a: f64) -> f64 {
    a.ceil()
}
extern "C" fn ceil_f32(a: f32) -> f32 {
    a.ceil()
}
extern "C" fn floor_f64(a: f64) -> f64 {
    a.floor()
}
extern "C" fn floor_f32(a: f32) -> f32 {
    a.floor()
}
extern "C" fn trunc_f64(a: f64) -> f64 {
    a.trunc()
}
extern "C" fn trunc_f32(a: f32) -> f32 {
    a.trunc()
}
extern "C" fn nearest_f64(a: f64) -> f64 {
    a.round_ties_even()
}
extern "C" fn nearest_f32(a: f32) -> f32 {
    a.round_ties_even()
}

/// The JIT's own helpers (not runtime functions).
pub fn own_symbol(name: &str) -> Option<u64> {
    Some(match name {
        "aot_jit_rint_f64" => aot_jit_rint_f64 as *const () as u64,
        "aot_jit_rint_f32" => aot_jit_rint_f32 as *const () as u64,
        _ => return None,
    })
}

fn libcall_addr(l: LibCall) -> Option<u64> {
    Some(match l {
        LibCall::FmaF64 => fma_f64 as *const () as u64,
        LibCall::FmaF32 => fma_f32 as *const () as u64,
        LibCall::CeilF64 => ceil_f64 as *const () as u64,
        LibCall::CeilF32 => ceil_f32 as *const () as u64,
        LibCall::FloorF64 => floor_f64 as *const () as u64,
        LibCall::FloorF32 => floor_f32 as *const () as u64,
        LibCall::TruncF64 => trunc_f64 as *const () as u64,
        LibCall::TruncF32 => trunc_f32 as *const () as u64,
        LibCall::NearestF64 => nearest_f64 as *const () as u64,
        LibCall::NearestF32 => nearest_f32 as *const () as u64,
        _ => return None,
    })
}

struct WithOwn<'a>(&'a dyn Symbols);
impl Symbols for WithOwn<'_> {
    fn addr(&self, name: &str) -> Option<u64> {
        own_symbol(name).or_else(|| self.0.addr(name))
    }
    fn chain_slot(&self, pc: u64) -> Option<u64> {
        self.0.chain_slot(pc)
    }
    fn ic_slot(&self, base: u64, site: u32) -> Option<u64> {
        self.0.ic_slot(base, site)
    }
}

impl Jit {
    /// A JIT for this host CPU (cranelift-native detects SSE4.1, AVX, FMA, BMI...).
    pub fn new() -> Result<Jit, JitError> {
        Self::with_cache_size(CODE_CACHE_SIZE)
    }

    /// A JIT whose code cache holds `size` bytes.
    pub fn with_cache_size(size: usize) -> Result<Jit, JitError> {
        Ok(Jit { isa: Self::isa("speed")?, isa_plain: Self::isa("none")?, retries: 0, ctx: Context::new(), fctx: FunctionBuilderContext::new(), cache: CodeCache::new(size)? })
    }

    /// The code cache (its range, use, and `free` for the runtime's reclamation).
    pub fn cache(&mut self) -> &mut CodeCache {
        &mut self.cache
    }

    fn isa(level: &str) -> Result<OwnedTargetIsa, JitError> {
        let mut flags = settings::builder();
        for (k, v) in [("opt_level", level), ("is_pic", "false"), ("use_colocated_libcalls", "false"), ("enable_verifier", "false"), ("enable_llvm_abi_extensions", "true")] {
            flags.set(k, v).map_err(|e| JitError::Setup(format!("{k}={v}: {e}")))?;
        }
        let isa_builder = cranelift_native::builder().map_err(|e| JitError::Setup(e.to_string()))?;
        isa_builder.finish(settings::Flags::new(flags)).map_err(|e| JitError::Setup(e.to_string()))
    }

    /// Bytes of code in the cache now (freed blocks excluded).
    pub fn code_bytes(&self) -> usize {
        self.cache.used()
    }

    /// Compile `f` (verified IR, safe points inserted) into the code cache.
    pub fn compile(&mut self, f: &aot_lifter::ir::Function, syms: &dyn Symbols) -> Result<Compiled, JitError> {
        match self.compile_with(f, syms, false) {
            Err(JitError::Codegen { .. }) => {
                self.retries += 1;
                self.compile_with(f, syms, true)
            }
            r => r,
        }
    }

    fn compile_with(&mut self, f: &aot_lifter::ir::Function, syms: &dyn Symbols, plain: bool) -> Result<Compiled, JitError> {
        let cc = CallConv::SystemV;
        self.ctx.clear();
        self.ctx.func.signature = lower::host_fn_sig(cc);
        self.ctx.func.name = UserFuncName::user(0, 0);
        let own = WithOwn(syms);
        {
            let b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            lower::Lower::new(f, b, &own, cc, self.isa.frontend_config())
                .emit()
                .map_err(|e| JitError::Lower { name: f.name.clone(), msg: e.0 })?;
        }
        let isa = if plain { &self.isa_plain } else { &self.isa };
        let code = self
            .ctx
            .compile(&**isa, &mut ControlPlane::default())
            .map_err(|e| JitError::Codegen { name: f.name.clone(), msg: format!("{:?}", e.inner) })?;
        let bytes = code.code_buffer().to_vec();
        let relocs: Vec<_> = code.buffer.relocs().to_vec();
        let srclocs = srcloc_rows(code.buffer.get_srclocs_sorted().iter().map(|l| (l.start, l.end, l.loc)));
        let p = self.cache.alloc(bytes.len())?;
        // SAFETY: `p` has room for `bytes.len()` bytes (alloc) and nothing executes it yet.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        for r in &relocs {
            let target = match &r.target {
                FinalizedRelocTarget::ExternalName(ExternalName::LibCall(l)) => {
                    libcall_addr(*l).ok_or_else(|| JitError::Reloc(format!("libcall {l:?}")))?
                }
                FinalizedRelocTarget::Func(off) => p as u64 + *off as u64,
                other => return Err(JitError::Reloc(format!("{other:?}"))),
            };
            let v = target.wrapping_add(r.addend as u64);
            // SAFETY: relocation offsets lie inside the function just copied.
            unsafe {
                let at = p.add(r.offset as usize);
                match r.kind {
                    Reloc::Abs8 => (at as *mut u64).write_unaligned(v),
                    Reloc::X86PCRel4 | Reloc::X86CallPCRel4 => {
                        let d = v.wrapping_sub(at as u64) as i64;
                        let d32 = i32::try_from(d).map_err(|_| JitError::Reloc("PC-relative target out of range".into()))?;
                        (at as *mut i32).write_unaligned(d32)
                    }
                    k => return Err(JitError::Reloc(format!("{k:?}"))),
                }
            }
        }
        Ok(Compiled { addr: p as u64, len: bytes.len(), srclocs })
    }
}

/// Cranelift's sorted (start, end, source location) ranges as `Compiled::srclocs` rows: gaps and
/// ranges without a location become `NO_GUEST`, neighbours with the same value merge.
pub fn srcloc_rows(ranges: impl Iterator<Item = (u32, u32, SourceLoc)>) -> Vec<(u32, u32)> {
    let mut rows: Vec<(u32, u32)> = Vec::new();
    let push = |rows: &mut Vec<(u32, u32)>, at: u32, g: u32| {
        if rows.last().is_some_and(|r| r.1 == g) {
            return;
        }
        if rows.last().is_some_and(|r| r.0 == at) {
            rows.pop();
            if rows.last().is_some_and(|r| r.1 == g) {
                return;
            }
        }
        rows.push((at, g));
    };
    let mut end = 0;
    for (s, e, loc) in ranges {
        if s > end {
            push(&mut rows, end, NO_GUEST);
        }
        push(&mut rows, s, if loc.is_default() { NO_GUEST } else { loc.bits() });
        end = e;
    }
    push(&mut rows, end, NO_GUEST);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cache_allocates_frees_and_coalesces() {
        let mut c = CodeCache::new(16 * GRANULE).unwrap();
        let (lo, hi) = c.range();
        assert_eq!(hi - lo, 16 * GRANULE as u64);
        let a = c.alloc(1).unwrap();
        let b = c.alloc(3 * GRANULE - 5).unwrap();
        let d = c.alloc(4 * GRANULE).unwrap();
        assert_eq!(a as u64, lo);
        assert_eq!(b as u64, lo + GRANULE as u64);
        assert_eq!(d as u64, lo + 4 * GRANULE as u64);
        assert_eq!(c.used(), 8 * GRANULE);
        // 8 granules left: 9 do not fit
        assert!(matches!(c.alloc(9 * GRANULE), Err(JitError::CacheFull(_))));
        // SAFETY: blocks from alloc above, executed by nobody.
        unsafe { c.free(b, 3 * GRANULE - 5) };
        assert_eq!(c.free_blocks(), 2);
        // first fit reuses the hole
        let e = c.alloc(2 * GRANULE).unwrap();
        assert_eq!(e, b);
        // SAFETY: as above.
        unsafe {
            c.free(a, 1);
            c.free(e, 2 * GRANULE);
        }
        // a, e and the rest of the old hole merge: [0, 4) free, d, [8, 16) free
        assert_eq!(c.free_blocks(), 2);
        let f = c.alloc(4 * GRANULE).unwrap();
        assert_eq!(f as u64, lo);
        // SAFETY: as above.
        unsafe {
            c.free(d, 4 * GRANULE);
            c.free(f, 4 * GRANULE);
        }
        assert_eq!(c.free_blocks(), 1);
        assert_eq!(c.used(), 0);
        let g = c.alloc(16 * GRANULE).unwrap();
        assert_eq!(g as u64, lo);
        assert!(c.alloc(1).is_err());
    }
    #[test]
    fn cache_churn_keeps_one_block_when_all_freed() {
        let mut c = CodeCache::new(1 << 16).unwrap();
        let mut live: Vec<(*mut u8, usize)> = vec![];
        let mut seed = 12345u64;
        for i in 0..5000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let n = 1 + (seed >> 33) as usize % 700;
            match c.alloc(n) {
                Ok(p) => live.push((p, n)),
                Err(_) => {
                    // free every other live block, oldest first, and go on
                    let keep: Vec<_> = live.iter().enumerate().filter(|(j, _)| (j + i) % 2 == 0).map(|(_, b)| *b).collect();
                    for (j, b) in live.iter().enumerate() {
                        if (j + i) % 2 != 0 {
                            // SAFETY: live blocks from alloc.
                            unsafe { c.free(b.0, b.1) };
                        }
                    }
                    live = keep;
                }
            }
            // blocks never overlap
            let mut v: Vec<_> = live.iter().map(|&(p, n)| (p as usize, round_up(n))).collect();
            v.sort();
            assert!(v.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0));
            assert_eq!(c.used(), v.iter().map(|b| b.1).sum::<usize>());
        }
        for (p, n) in live.drain(..) {
            // SAFETY: as above.
            unsafe { c.free(p, n) };
        }
        assert_eq!(c.free_blocks(), 1);
        assert_eq!(c.used(), 0);
    }
    #[test]
    fn srcloc_rows_cover_gaps_and_merge() {
        let l = SourceLoc::new;
        let d = SourceLoc::default();
        let r = srcloc_rows([(0, 4, d), (4, 10, l(8)), (10, 12, l(8)), (14, 20, l(12)), (20, 22, d)].into_iter());
        assert_eq!(r, vec![(0, NO_GUEST), (4, 8), (12, NO_GUEST), (14, 12), (20, NO_GUEST)]);
        assert_eq!(srcloc_rows([].into_iter()), vec![(0, NO_GUEST)]);
        assert_eq!(srcloc_rows([(0, 6, l(0))].into_iter()), vec![(0, 0), (6, NO_GUEST)]);
    }
}
