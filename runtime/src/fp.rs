//! `aot_fp_tiny`: the rare path of Arm's underflow rule (tininess before rounding, see
//! `aot_lifter::ir::fptiny`), called by translated and JIT code when the result `r` of an
//! FMUL/FDIV/FMA-type op is +-the smallest normal. Returns Arm's result (`r`, or a zero of its
//! sign under FPCR.FZ) and, when Arm detects tininess, raises the host's Underflow flag, which
//! FPSR reads fold into UFC as for any other op (the Inexact it also raises was raised already
//! by the op itself).

/// `kind`: `ir::fptiny::TinyOp` | 0x100 for single precision; operands and `r` as bits.
#[no_mangle]
pub extern "C" fn aot_fp_tiny(kind: u64, fpcr: u64, a: u64, b: u64, c: u64, r: u64) -> u64 {
    match aot_lifter::ir::fptiny::arm_tiny_word(kind, fpcr, a, b, c, r) {
        Some(x) => {
            raise_underflow();
            x
        }
        None => r,
    }
}

/// A product of two normal numbers that is tiny and inexact: Underflow and Inexact under any
/// MXCSR rounding mode, with or without FTZ/DAZ.
fn raise_underflow() {
    let x = std::hint::black_box(f64::MIN_POSITIVE);
    let y = std::hint::black_box(3.0 * 2f64.powi(-60));
    std::hint::black_box(x * y);
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use aot_lifter::cpu::{host_mxcsr as mxcsr, set_host_mxcsr as set_mxcsr};

    /// UE (MXCSR bit 4) is raised exactly when Arm detects tininess, with or without FTZ/DAZ.
    #[test]
    fn raises_the_host_underflow_flag() {
        let old = mxcsr();
        let a = 0x1fff_ffff_ffff_ffffu64; // 0x1.fffffffffffffp-512
        let b = 0x2000_0000_0000_0000u64; // 2^-511: a * b rounds up to 2^-1022, tiny
        let min = 0x0010_0000_0000_0000u64;
        for (base, fpcr, want) in [(0x1f80u32, 0u64, min), (0x1f80 | 0x8040, 1 << 24, 0)] {
            set_mxcsr(base);
            assert_eq!(aot_fp_tiny(0, fpcr, a, b, 0, min), want);
            assert_eq!(mxcsr() & 0x10, 0x10, "{base:#x}");
            // Not tiny (2^-511 * 2^-511 is exact): r unchanged, no flag.
            set_mxcsr(base);
            assert_eq!(aot_fp_tiny(0, fpcr, b, b, 0, min), min);
            assert_eq!(mxcsr() & 0x10, 0, "{base:#x}");
        }
        set_mxcsr(old);
    }
}
