//! FPCR.FZ through MXCSR traps: Arm's IDC (a denormal input flushed) and UFC without IXC (a
//! tiny result flushed) at no cost on the FZ hot path. Design: docs/design.md ("FPCR.FZ").
//!
//! Under FZ the runtime runs with MXCSR.FTZ set, DAZ clear, and the Denormal and Underflow
//! exceptions unmasked, Invalid and Precision unmasked while their flag is clear
//! (lifter `cpu::trapping_mxcsr_for_fpcr`; Invalid because x86 checks it before Denormal:
//! SQRTSD of a negative denormal gives a NaN where Arm flushes to -0.0). x86 raises Denormal before the instruction computes
//! and, for an unmasked exception, SSE/AVX instructions write no result; so the instruction can
//! run again:
//!
//! - SIGFPE (#XM) with one of those flags set and unmasked: ours (a guest SIGFPE handler
//!   never sees it). Remember whether Precision was set before the instruction (it was iff
//!   Precision is masked: it is unmasked exactly while its flag is clear), set DAZ (a denormal
//!   input is read as a zero of its sign, as Arm's FZ does), mask Underflow and Precision, clear
//!   the Precision flag and set EFLAGS.TF: the instruction reruns, flushed, and traps after it.
//! - SIGTRAP of that single step: restore DAZ clear and Underflow unmasked; the Precision flag is
//!   the one from before unless the instruction raised it without Underflow (a flushed result is
//!   UFC alone on Arm: FPRoundBase), and Precision stays masked iff its flag is set. The Denormal
//!   flag of the trap stays set: `SyncFpsr` reads it as IDC in this mode. Invalid is handled
//!   like Precision; an Invalid trap whose flushed step is valid sets the Denormal flag.
//!
//! The runtime's own code (and the JIT compiler) runs under the same MXCSR and is handled the
//! same way. A signal arriving between the trap and the step runs its host handler under the
//! kernel's default MXCSR and TF clear; its sigreturn restores both.

use aot_lifter::cpu::{MXCSR_DAZ, MXCSR_DE, MXCSR_FTZ, MXCSR_IE, MXCSR_IM, MXCSR_PE, MXCSR_PM, MXCSR_UE, MXCSR_UM};

const FPE_FLTUND: i32 = 5;
const FPE_FLTRES: i32 = 6;
const FPE_FLTINV: i32 = 7;
const TRAP_TRACE: i32 = 2;
const EFLAGS_TF: i64 = 0x100;

// The state of this thread's single step: 0 none, else 1 | (Precision set before << 1) |
// (a scalar instruction << 2) | (Underflow set before << 3) | (Invalid set before << 4) |
// (an Invalid trap << 5).
thread_local! {
    static STEP: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// The flags of MXCSR `m` that trapped: set and unmasked (mask bit = flag bit + 7).
fn trapped(m: u32) -> u32 {
    m & !(m >> 7) & (MXCSR_IE | MXCSR_DE | MXCSR_UE | MXCSR_PE)
}

/// The SIGFPE trap of the instruction: the new MXCSR for its single step and the step state.
/// Underflow and Precision are cleared for the step, to see what the instruction itself raises.
/// Invalid likewise (unmasked while its flag is clear, like Precision).
pub fn on_trap(m: u32) -> (u32, u32) {
    let pe_before = m & MXCSR_PM != 0 && m & MXCSR_PE != 0;
    let ue_before = m & MXCSR_UE != 0;
    let ie_before = m & MXCSR_IM != 0 && m & MXCSR_IE != 0;
    let ie_trap = m & MXCSR_IM == 0 && m & MXCSR_IE != 0;
    let n = (m & !(MXCSR_PE | MXCSR_UE | MXCSR_IE)) | MXCSR_DAZ | MXCSR_IM | MXCSR_UM | MXCSR_PM;
    (n, 1 | (pe_before as u32) << 1 | (ue_before as u32) << 3 | (ie_before as u32) << 4 | (ie_trap as u32) << 5)
}

/// The SIGTRAP after the step: the MXCSR to continue with. `scalar`: the instruction computes one
/// lane (`scalar_sse`); a packed one may have raised Precision in a lane that was not flushed,
/// so there its Precision flag stays (an extra IXC when every inexact lane was flushed).
pub fn after_step(m: u32, step: u32, scalar: bool) -> u32 {
    let pe_before = step & 2 != 0;
    let pe = pe_before || (m & MXCSR_PE != 0 && (m & MXCSR_UE == 0 || !scalar));
    let mut n = m & !(MXCSR_DAZ | MXCSR_UM | MXCSR_PE | MXCSR_PM | MXCSR_IM);
    if step & 8 != 0 {
        n |= MXCSR_UE;
    }
    // An Invalid trap (x86 checks Invalid before Denormal: SQRTSD of a negative denormal) whose
    // flushed step is valid: the invalidity was the denormal's, Arm flushes it and sets IDC.
    if step & 32 != 0 && m & MXCSR_IE == 0 {
        n |= MXCSR_DE;
    }
    if step & 16 != 0 {
        n |= MXCSR_IE;
    }
    if n & MXCSR_IE != 0 {
        n |= MXCSR_IM;
    }
    if pe {
        n |= MXCSR_PE | MXCSR_PM;
    }
    n
}

/// Whether the SSE/AVX instruction at `code` computes a single lane: a scalar op (legacy prefix
/// F3/F2, or VEX.pp F3/F2), or a scalar FMA (VEX 0F38 opcodes 99/9B/9D/9F, A9.., B9..). A
/// compare or conversion to integer is also reported packed unless it has such a prefix.
pub fn scalar_sse(code: &[u8]) -> bool {
    let mut i = 0;
    let mut rep = false;
    while i < code.len() && matches!(code[i], 0x66 | 0xf2 | 0xf3 | 0x40..=0x4f) {
        rep |= code[i] == 0xf2 || code[i] == 0xf3;
        i += 1;
    }
    match code.get(i..i + 4) {
        Some([0xc5, b1, ..]) => b1 & 2 != 0,
        Some([0xc4, b1, b2, op]) => {
            let fma_scalar = b1 & 0x1f == 2 && matches!(op & 0xf0, 0x90 | 0xa0 | 0xb0) && op & 1 == 1 && op & 0xf >= 9;
            b2 & 2 != 0 || fma_scalar
        }
        _ => rep,
    }
}

/// Handle the runtime's own FP traps (host signal `s` with siginfo code `code`); true if it was
/// one, and the thread continues by returning from the host handler.
///
/// # Safety
/// `uc` is the ucontext of the host signal being handled.
pub unsafe fn handle(s: i32, code: i32, uc: *mut libc::ucontext_t) -> bool {
    // SAFETY: the kernel's ucontext; fpregs points into the signal frame (null only without FPU state).
    let fp = unsafe { (*uc).uc_mcontext.fpregs };
    if fp.is_null() {
        return false;
    }
    // SAFETY: as above.
    let (m, efl) = unsafe { (&mut (*fp).mxcsr, &mut (*uc).uc_mcontext.gregs[libc::REG_EFL as usize]) };
    if s == libc::SIGFPE {
        if !matches!(code, FPE_FLTUND | FPE_FLTRES | FPE_FLTINV) || *m & (MXCSR_FTZ | MXCSR_DAZ) != MXCSR_FTZ || trapped(*m) == 0 {
            return false;
        }
        let (n, step) = on_trap(*m);
        // SAFETY: RIP is the instruction that trapped (it faulted before completing, so its
        // bytes are mapped and executable); an SSE/AVX instruction is at most 15 bytes.
        let code = unsafe { core::slice::from_raw_parts((*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as *const u8, 6) };
        let step = step | (scalar_sse(code) as u32) << 2;
        *m = n;
        *efl |= EFLAGS_TF;
        STEP.with(|c| c.set(step));
        return true;
    }
    let step = STEP.with(|c| c.get());
    if s != libc::SIGTRAP || code != TRAP_TRACE || step == 0 {
        return false;
    }
    STEP.with(|c| c.set(0));
    let scalar = step & 4 != 0;
    *m = after_step(*m, step, scalar);
    *efl &= !EFLAGS_TF;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use aot_lifter::cpu::{fpsr_flags_from_mxcsr, trapping_mxcsr_for_fpcr, MXCSR_DM};

    const FZ: u64 = 1 << 24;

    #[test]
    fn trap_mode_only_under_fz() {
        assert_eq!(trapping_mxcsr_for_fpcr(0x1f80, 0), 0x1f80);
        assert_eq!(trapping_mxcsr_for_fpcr(0x1f80 | MXCSR_PE, 0), 0x1f80 | MXCSR_PE);
        // FZ: FTZ, no DAZ, DE/UE/PE unmasked (PE only while its flag is clear).
        assert_eq!(trapping_mxcsr_for_fpcr(0x1f80, FZ), 0x1f80 & !(MXCSR_IM | MXCSR_DM | MXCSR_UM | MXCSR_PM) | MXCSR_FTZ);
        assert_eq!(trapping_mxcsr_for_fpcr(0x1f80 | MXCSR_PE, FZ) & MXCSR_PM, MXCSR_PM);
        // Back to FZ clear: today's MXCSR.
        assert_eq!(trapping_mxcsr_for_fpcr(trapping_mxcsr_for_fpcr(0x1f80, FZ), 0), 0x1f80);
    }

    #[test]
    fn denormal_trap_reruns_flushed_and_leaves_idc() {
        let fz = trapping_mxcsr_for_fpcr(0x1f80, FZ);
        let at_trap = fz | MXCSR_DE;
        assert_eq!(trapped(at_trap), MXCSR_DE);
        let (n, st) = on_trap(at_trap);
        assert_eq!(n & (MXCSR_DAZ | MXCSR_UM | MXCSR_PM), MXCSR_DAZ | MXCSR_UM | MXCSR_PM);
        // The step raised nothing (denormal x 1.5 flushed: 0): IDC only, traps armed again.
        let back = after_step(n, st, true);
        assert_eq!(back, fz | MXCSR_DE);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x80);
        // The same flag outside the FZ mode is not IDC.
        assert_eq!(fpsr_flags_from_mxcsr(0x1f80 | MXCSR_DE), 0);
    }

    #[test]
    fn flushed_result_is_ufc_without_ixc() {
        let fz = trapping_mxcsr_for_fpcr(0x1f80, FZ);
        // Underflow trap with Precision clear before: the trap itself sets PE.
        let (n, st) = on_trap(fz | MXCSR_UE | MXCSR_PE);
        assert_eq!(n & MXCSR_PE, 0);
        let back = after_step(n | MXCSR_UE | MXCSR_PE, st, true);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x8);
        assert_eq!(back & MXCSR_PM, 0);
        // Precision already set (and masked) before: it stays.
        let pe = trapping_mxcsr_for_fpcr(0x1f80 | MXCSR_PE, FZ);
        let (n, st) = on_trap(pe | MXCSR_UE);
        let back = after_step(n | MXCSR_UE | MXCSR_PE, st, true);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x18);
        // A first inexact result: IXC, Precision masked from then on.
        let (n, st) = on_trap(fz | MXCSR_PE);
        let back = after_step(n | MXCSR_PE, st, true);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x10);
        assert_eq!(back & MXCSR_PM, MXCSR_PM);
        // Underflow left from an earlier flush does not make this inexact result a flushed one.
        let (n, st) = on_trap(fz | MXCSR_UE | MXCSR_PE);
        let back = after_step(n | MXCSR_UE | MXCSR_PE, st, true);
        let (n, st) = on_trap(back | MXCSR_PE);
        assert_eq!(fpsr_flags_from_mxcsr(after_step(n | MXCSR_PE, st, true)), 0x18);
        // A packed op: another lane may have been inexact, its Precision stays.
        let (n, st) = on_trap(fz | MXCSR_UE | MXCSR_PE);
        assert_eq!(fpsr_flags_from_mxcsr(after_step(n | MXCSR_UE | MXCSR_PE, st, false)), 0x18);
    }

    #[test]
    fn invalid_trap_of_a_negative_denormal_is_idc() {
        let fz = trapping_mxcsr_for_fpcr(0x1f80, FZ);
        // sqrt(-denormal): Invalid traps; the flushed step (sqrt(-0) = -0) raises nothing.
        let (n, st) = on_trap(fz | MXCSR_IE);
        assert_eq!(n & MXCSR_IE, 0);
        let back = after_step(n, st, true);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x80);
        assert_eq!(back & MXCSR_IM, 0);
        // sqrt(-1): the step raises Invalid again: IOC, Invalid masked until the flags are read.
        let (n, st) = on_trap(fz | MXCSR_IE);
        let back = after_step(n | MXCSR_IE, st, true);
        assert_eq!(fpsr_flags_from_mxcsr(back), 0x1);
        assert_eq!(back & MXCSR_IM, MXCSR_IM);
        // Invalid set before (masked): it stays, also when this trap is another one.
        let (n, st) = on_trap(back | MXCSR_DE);
        assert_eq!(fpsr_flags_from_mxcsr(after_step(n, st, true)), 0x81);
    }

    #[test]
    fn scalar_and_packed_encodings() {
        assert!(scalar_sse(&[0xf2, 0x0f, 0x59, 0xc1, 0, 0])); // mulsd %xmm1,%xmm0
        assert!(!scalar_sse(&[0x66, 0x0f, 0x59, 0xc1, 0, 0])); // mulpd
        assert!(!scalar_sse(&[0x0f, 0x59, 0xc1, 0, 0, 0])); // mulps
        assert!(scalar_sse(&[0xc5, 0xf3, 0x59, 0xc2, 0, 0])); // vmulsd %xmm2,%xmm1,%xmm0
        assert!(!scalar_sse(&[0xc5, 0xf0, 0x59, 0xc2, 0, 0])); // vmulps %xmm2,%xmm1,%xmm0
        assert!(scalar_sse(&[0xc4, 0xe2, 0xf1, 0xa9, 0xc2, 0])); // vfmadd213sd %xmm2,%xmm1,%xmm0
        assert!(!scalar_sse(&[0xc4, 0xe2, 0xf1, 0xa8, 0xc2, 0])); // vfmadd213pd
        assert!(scalar_sse(&[0xc4, 0xe2, 0x71, 0xbb, 0xc2, 0])); // vfmsub231ss
    }
}
