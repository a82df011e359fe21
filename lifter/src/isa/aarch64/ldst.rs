//! ldst instructions.

use super::decode::Pattern;

pub const PATTERNS: &[Pattern] = &[];
