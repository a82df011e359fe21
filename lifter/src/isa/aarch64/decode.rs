//! The decoder: pattern tables in decodetree style.
//!
//! A pattern is written most-significant bit first as 32 significant characters: `0` and `1` are
//! fixed bits, any other letter or `.` is a field bit (don't care for matching). Spaces and `_` are
//! ignored. Each pattern names the Arm mnemonic and form and the `trans_*` function that lifts it.
//! The first matching pattern in table order wins, so a specific form is listed before the general
//! one it overlaps.

use super::Lift;

pub type Trans = fn(&mut Lift, u32) -> bool;

#[derive(Copy, Clone)]
pub struct Pattern {
    pub mask: u32,
    pub bits: u32,
    /// Arm mnemonic and form, e.g. "ADD (immediate)".
    pub name: &'static str,
    pub trans: Trans,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{:08x}/{:08x}]", self.name, self.bits, self.mask)
    }
}

/// Build a pattern from its bit string (checked at compile time when used in a `const`).
pub const fn pat(s: &str, name: &'static str, trans: Trans) -> Pattern {
    let b = s.as_bytes();
    let mut mask = 0u32;
    let mut bits = 0u32;
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c == b' ' || c == b'_' {
            continue;
        }
        mask <<= 1;
        bits <<= 1;
        if c == b'0' {
            mask |= 1;
        } else if c == b'1' {
            mask |= 1;
            bits |= 1;
        }
        n += 1;
    }
    assert!(n == 32, "pattern must have 32 bits");
    Pattern {
        mask,
        bits,
        name,
        trans,
    }
}

/// All tables in match order.
pub fn tables() -> [&'static [Pattern]; 7] {
    [
        super::system::PATTERNS,
        super::branch::PATTERNS,
        super::ldst::PATTERNS,
        super::int::PATTERNS,
        super::fp::PATTERNS,
        super::crypto::PATTERNS,
        super::simd::PATTERNS,
    ]
}

/// The first pattern matching `insn`.
pub fn decode(insn: u32) -> Option<&'static Pattern> {
    for t in tables() {
        for p in t {
            if insn & p.mask == p.bits {
                return Some(p);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    fn nop(_: &mut Lift, _: u32) -> bool {
        true
    }
    #[test]
    fn pattern_bits() {
        let p = pat("1101 0101 0000 0011 0010 0000 0001 1111", "NOP", nop);
        assert_eq!(p.mask, 0xffff_ffff);
        assert_eq!(p.bits, 0xd503_201f);
        let q = pat("s0010001 0s iiiiiiiiiiii nnnnn ddddd", "ADD", nop);
        assert_eq!(q.mask, 0x7f80_0000);
        assert_eq!(q.bits, 0x1100_0000);
    }
    #[test]
    fn no_pattern_is_shadowed_entirely() {
        // A pattern whose fixed bits are implied by an earlier pattern's can never match.
        let all: Vec<&Pattern> = tables().iter().flat_map(|t| t.iter()).collect();
        for (j, q) in all.iter().enumerate() {
            for p in &all[..j] {
                // p shadows q if every encoding q matches also matches p.
                if p.mask & q.mask == p.mask && q.bits & p.mask == p.bits {
                    panic!("{:?} is shadowed by earlier {:?}", q, p);
                }
            }
        }
    }
}
