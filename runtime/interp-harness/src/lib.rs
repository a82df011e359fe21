//! Test harness (not part of the product): every guest text address maps to `interp_fn`, which lifts a basic block with the
//! lifter and runs it in the IR interpreter. Exercises the runtime end to end without LLVM.
use aot_lifter::cpu::CpuState;
use aot_lifter::ir::interp::{Exit, Interp, Memory};
use aot_lifter::ir::{Function, Helper};
use aot_lifter::isa::{aarch64, Flow, FunctionSpec};
use std::cell::RefCell;
use std::collections::HashMap;
pub use aot_runtime;

struct HostMem;
impl Memory for HostMem {
    fn read(&mut self, addr: u64, size: usize) -> Result<u128, u64> {
        let mut b = [0u8; 16];
        // SAFETY: guest address = host address; a bad guest access faults like the guest would.
        unsafe { core::ptr::copy_nonoverlapping(addr as *const u8, b.as_mut_ptr(), size) };
        Ok(u128::from_le_bytes(b))
    }
    fn write(&mut self, addr: u64, size: usize, v: u128) -> Result<(), u64> {
        let b = v.to_le_bytes();
        // SAFETY: as in read.
        unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), addr as *mut u8, size) };
        Ok(())
    }
}

thread_local! { static CACHE: RefCell<HashMap<u64, &'static Function>> = RefCell::new(HashMap::new()); }

fn block(pc: u64) -> &'static Function {
    CACHE.with(|c| {
        *c.borrow_mut().entry(pc).or_insert_with(|| {
            let mut insns = std::collections::BTreeMap::new();
            let mut a = pc;
            loop {
                // SAFETY: the entry table only lists addresses inside mapped guest text.
                let insn = unsafe { *(a as *const u32) };
                insns.insert(a, insn);
                if !matches!(aarch64::flow(a, insn), Flow::Next) || insns.len() >= 64 {
                    break;
                }
                a += 4;
            }
            let spec = FunctionSpec { name: format!("b_{pc:x}"), start: pc, entries: vec![pc], insns, tables: Default::default() };
            Box::leak(Box::new(aarch64::lift_function(&spec)))
        })
    })
}

extern "C" {
    fn aot_helper_syscall(st: *mut CpuState, a: u64, b: u64, c: u64) -> u64;
    fn aot_helper_read_cntvct(st: *mut CpuState, a: u64, b: u64, c: u64) -> u64;
    fn aot_helper_write_fpcr(st: *mut CpuState, a: u64, b: u64, c: u64) -> u64;
    fn aot_trap(st: *mut CpuState, kind: u32) -> !;
}

#[no_mangle]
pub extern "C" fn interp_fn(stp: *mut CpuState, pc: u64) {
    // SAFETY: the dispatcher passes the live guest state.
    let st = unsafe { &mut *stp };
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if n & ((1 << 22) - 1) == 0 && std::env::var_os("HTRACE").is_some() {
        eprintln!("harness: {n} blocks, pc {pc:x} {}", aot_runtime::trap::symbolize(pc));
    }
    let f = block(pc);
    let mut it = Interp::new(f);
    let mut mem = HostMem;
    let mut ex = it.run(st, &mut mem, 0, u64::MAX);
    loop {
        match ex {
            Exit::Helper { helper, args, resume, .. } => {
                let g = |i: usize| args.get(i).copied().unwrap_or(0);
                // SAFETY: runtime helpers called as translated code would.
                let r = unsafe {
                    match helper {
                        Helper::Syscall => aot_helper_syscall(stp, g(0), g(1), g(2)),
                        Helper::ReadCntvct => aot_helper_read_cntvct(stp, g(0), g(1), g(2)),
                        Helper::WriteFpcr => aot_helper_write_fpcr(stp, g(0), g(1), g(2)),
                        Helper::CacheMaint => 0,
                        #[allow(unreachable_patterns)]
                        _ => 0, // Helper::Trace: ignored here
                    }
                };
                ex = it.resume(st, &mut mem, resume, r, u64::MAX);
            }
            Exit::Call { target, .. } | Exit::CallInd { target, .. } => { st.pc = target; return; }
            Exit::Ret { target } | Exit::Tail { target } | Exit::JumpInd { target } => { st.pc = target; return; }
            Exit::Trap { kind: aot_lifter::ir::TrapKind::NotCode, pc } => { st.pc = pc; return; }
            Exit::Trap { kind, pc } => {
                st.pc = pc;
                // SAFETY: as for the helpers.
                unsafe { aot_trap(stp, kind as u32) }
            }
            other => panic!("harness: {other:?}"),
        }
    }
}
