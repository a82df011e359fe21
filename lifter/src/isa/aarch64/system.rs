//! System instructions: hints, barriers, MRS/MSR, cache maintenance.

use super::decode::{pat, Pattern};
use super::Lift;

pub const PATTERNS: &[Pattern] = &[
    // HINT space (NOP, YIELD, BTI, PACIASP, AUTIASP, XPACLRI, ...): all no-ops for us.
    pat("11010101 00000011 0010 mmmm ooo 11111", "HINT", trans_hint),
];

fn trans_hint(_l: &mut Lift, _insn: u32) -> bool {
    true
}
