//! Block tracing for translations made with `aot-translate --trace`: one line per executed block
//! with the guest PC and registers, in the order qemu's `-d cpu` log lists them, so
//! `scripts/tracediff.py` can find the first block where the two disagree.

use aot_lifter::cpu::CpuState;
use std::io::Write;

/// # Safety
/// `st` must point to the calling thread's guest CPU state.
#[no_mangle]
pub unsafe extern "C" fn aot_helper_trace(st: *mut CpuState, _a0: u64, _a1: u64, _a2: u64) -> u64 {
    // SAFETY: translated code passes its own live state.
    let st = unsafe { &*st };
    let mut line = format!("T {:016x}", st.pc);
    for r in st.x.iter() {
        line.push_str(&format!(" {r:x}"));
    }
    line.push_str(&format!(" sp={:x} nzcv={:x}\n", st.sp, st.nzcv() >> 28));
    let _ = std::io::stderr().write_all(line.as_bytes());
    0
}
