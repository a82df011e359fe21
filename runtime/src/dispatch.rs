//! Entry lookup and the dispatcher loop.

use crate::glue::{entries, EntryRec, HostFn};
use crate::CpuState;

/// Binary search of a sorted entry table.
pub fn find(table: &[EntryRec], pc: u64) -> Option<HostFn> {
    table.binary_search_by_key(&pc, |e| e.guest_pc).ok().map(|i| table[i].host_fn)
}

/// The translated function for guest address `pc`. A miss is fatal (exit status 70).
#[no_mangle]
pub extern "C" fn aot_lookup(pc: u64) -> HostFn {
    match find(entries(), pc) {
        Some(f) => f,
        None => crate::trap::fatal(
            crate::trap::EXIT_NO_TRANSLATION,
            &format!("no translation for guest address 0x{pc:x} ({})", crate::trap::symbolize(pc)),
        ),
    }
}

/// Run guest code forever (the guest leaves through exit/exit_group).
///
/// # Safety
/// `st` must point to a guest state owned by this thread for the rest of the process.
pub unsafe extern "C" fn dispatcher(st: *mut CpuState) -> ! {
    loop {
        // SAFETY: `st` is the guest thread's state, owned by this loop for the thread's lifetime;
        // translated functions only access it through the pointer while they run.
        let pc = unsafe { (*st).pc };
        let f = aot_lookup(pc);
        f(st, pc);
    }
}

/// Switch to the stack whose (16-byte aligned) top is `top` and run `f(arg)` there.
///
/// # Safety
/// `top` must be the top of a mapped, writable region large enough for everything `f` does.
pub unsafe fn run_on_stack(top: u64, f: unsafe extern "C" fn(*mut CpuState) -> !, arg: *mut CpuState) -> ! {
    debug_assert!(top.is_multiple_of(16));
    // SAFETY: per the function contract; `call` pushes the return address so `f` starts with the
    // stack aligned as the SysV ABI requires; `f` never returns.
    unsafe {
        core::arch::asm!(
            "mov rsp, {top}",
            "xor ebp, ebp",
            "call {f}",
            "ud2",
            top = in(reg) top,
            f = in(reg) f,
            in("rdi") arg,
            options(noreturn)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern "C" fn f1(_: *mut CpuState, _: u64) {}
    extern "C" fn f2(_: *mut CpuState, _: u64) {}
    #[test]
    fn lookup_table() {
        let t = [EntryRec { guest_pc: 0x400000, host_fn: f1 }, EntryRec { guest_pc: 0x400010, host_fn: f2 }];
        assert!(find(&t, 0x400010).is_some_and(|f| f as usize == (f2 as HostFn) as usize));
        assert!(find(&t, 0x400000).is_some_and(|f| f as usize == (f1 as HostFn) as usize));
        assert!(find(&t, 0x400008).is_none());
        assert!(find(&[], 0).is_none());
    }
}
