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
