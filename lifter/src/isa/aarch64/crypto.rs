//! Cryptographic Extension (C4.1.96 "Cryptographic AES", "Cryptographic three-register SHA",
//! "Cryptographic two-register SHA"; FEAT_AES, FEAT_PMULL, FEAT_SHA1, FEAT_SHA256) and the
//! 64-bit PMULL/PMULL2 form.
//!
//! The AES steps, SHA hash and schedule updates and the carry-less multiply are one `crypto` IR
//! op each (semantics in `ir::crypto`, compiled as calls to the runtime's `aot_crypto_*`);
//! SHA1H and SHA1SU0 are a rotate and a few XORs, so they are plain IR.

use super::decode::{pat, Pattern};
use super::{bit, bits, Lift};
use crate::ir::{CryptoOp, Ty};

pub const PATTERNS: &[Pattern] = &[
    // AESE <Vd>.16B, <Vn>.16B
    pat("01001110 00 10100 00100 10 nnnnn ddddd", "AESE", trans_aese),
    // AESD <Vd>.16B, <Vn>.16B
    pat("01001110 00 10100 00101 10 nnnnn ddddd", "AESD", trans_aesd),
    // AESMC <Vd>.16B, <Vn>.16B
    pat("01001110 00 10100 00110 10 nnnnn ddddd", "AESMC", trans_aesmc),
    // AESIMC <Vd>.16B, <Vn>.16B
    pat("01001110 00 10100 00111 10 nnnnn ddddd", "AESIMC", trans_aesimc),
    // SHA1C <Qd>, <Sn>, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 000 00 nnnnn ddddd", "SHA1C", trans_sha1c),
    // SHA1P <Qd>, <Sn>, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 001 00 nnnnn ddddd", "SHA1P", trans_sha1p),
    // SHA1M <Qd>, <Sn>, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 010 00 nnnnn ddddd", "SHA1M", trans_sha1m),
    // SHA1SU0 <Vd>.4S, <Vn>.4S, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 011 00 nnnnn ddddd", "SHA1SU0", trans_sha1su0),
    // SHA256H <Qd>, <Qn>, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 100 00 nnnnn ddddd", "SHA256H", trans_sha256h),
    // SHA256H2 <Qd>, <Qn>, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 101 00 nnnnn ddddd", "SHA256H2", trans_sha256h2),
    // SHA256SU1 <Vd>.4S, <Vn>.4S, <Vm>.4S
    pat("01011110 00 0 mmmmm 0 110 00 nnnnn ddddd", "SHA256SU1", trans_sha256su1),
    // SHA1H <Sd>, <Sn>
    pat("01011110 00 10100 00000 10 nnnnn ddddd", "SHA1H", trans_sha1h),
    // SHA1SU1 <Vd>.4S, <Vn>.4S
    pat("01011110 00 10100 00001 10 nnnnn ddddd", "SHA1SU1", trans_sha1su1),
    // SHA256SU0 <Vd>.4S, <Vn>.4S
    pat("01011110 00 10100 00010 10 nnnnn ddddd", "SHA256SU0", trans_sha256su0),
    // PMULL{2} <Vd>.1Q, <Vn>.{1D|2D}, <Vm>.{1D|2D}: before simd.rs's "three different", which
    // also matches it (and lifts the 8-bit form).
    pat("0 q 001110 11 1 mmmmm 1110 00 nnnnn ddddd", "PMULL/PMULL2 (1Q)", trans_pmull_1q),
];

fn rn(insn: u32) -> u32 {
    bits(insn, 9, 5)
}
fn rd(insn: u32) -> u32 {
    bits(insn, 4, 0)
}
fn rm(insn: u32) -> u32 {
    bits(insn, 20, 16)
}

/// Vd = op(Vd, Vn[, Vm]) or op(Vn) for the one-operand forms.
fn crypto(l: &mut Lift, insn: u32, op: CryptoOp, reads_d: bool, reads_m: bool) -> bool {
    let mut args = vec![];
    if reads_d {
        args.push(l.vreg(rd(insn)));
    }
    args.push(l.vreg(rn(insn)));
    if reads_m {
        args.push(l.vreg(rm(insn)));
    }
    let r = l.b.crypto(op, &args);
    l.set_vreg(rd(insn), r);
    true
}

fn trans_aese(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Aese, true, false)
}
fn trans_aesd(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Aesd, true, false)
}
fn trans_aesmc(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Aesmc, false, false)
}
fn trans_aesimc(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Aesimc, false, false)
}
fn trans_sha1c(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha1c, true, true)
}
fn trans_sha1p(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha1p, true, true)
}
fn trans_sha1m(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha1m, true, true)
}
fn trans_sha256h(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha256h, true, true)
}
fn trans_sha256h2(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha256h2, true, true)
}
fn trans_sha256su1(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha256su1, true, true)
}
fn trans_sha1su1(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha1su1, true, false)
}
fn trans_sha256su0(l: &mut Lift, insn: u32) -> bool {
    crypto(l, insn, CryptoOp::Sha256su0, true, false)
}

/// SHA1SU0: Vd = (Vn<63:0> : Vd<127:64>) ^ Vd ^ Vm.
fn trans_sha1su0(l: &mut Lift, insn: u32) -> bool {
    let vd = l.vreg(rd(insn));
    let vn = l.vreg(rn(insn));
    let vm = l.vreg(rm(insn));
    let b = &mut l.b;
    let hi = b.shl_i(vn, 64);
    let lo = b.lshr_i(vd, 64);
    let t = b.or(hi, lo);
    let t = b.xor(t, vd);
    let r = b.xor(t, vm);
    l.set_vreg(rd(insn), r);
    true
}

/// SHA1H: Sd = ROL(Sn, 30) (the next round's e).
fn trans_sha1h(l: &mut Lift, insn: u32) -> bool {
    let x = l.vreg_low(rn(insn), 32);
    let two = l.b.iconst(Ty::I32, 2);
    let r = l.b.rotr(x, two);
    l.set_vreg_low(rd(insn), r);
    true
}

/// PMULL (Q = 0, low doublewords) / PMULL2 (Q = 1, high doublewords) into a 128-bit product.
fn trans_pmull_1q(l: &mut Lift, insn: u32) -> bool {
    let q = bit(insn, 30);
    let vn = l.vreg(rn(insn));
    let vm = l.vreg(rm(insn));
    let (x, y) = if q {
        (l.b.lshr_i(vn, 64), l.b.lshr_i(vm, 64))
    } else {
        (vn, vm)
    };
    let r = l.b.crypto(CryptoOp::Clmul, &[x, y]);
    l.set_vreg(rd(insn), r);
    true
}

#[cfg(test)]
mod tests {
    use crate::cpu::CpuState;
    use crate::ir::crypto;
    use crate::isa::aarch64::fp::tests::run1;

    fn st_with(vs: &[(usize, u128)]) -> CpuState {
        let mut st = CpuState::default();
        for &(r, v) in vs {
            st.v[r] = v;
        }
        st
    }
    const A: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
    const B: u128 = 0x6a09_e667_bb67_ae85_3c6e_f372_a54f_f53a;
    const C: u128 = 0x510e_527f_9b05_688c_1f83_d9ab_5be0_cd19;

    /// Each encoding (from `llvm-mc -mattr=+aes,+sha2`) lifts to the reference operation with the
    /// operands in the right order and writes the right register.
    #[test]
    fn encodings_and_operand_order() {
        let cases: &[(u32, u128)] = &[
            (0x4e284a20, crypto::aese(A, B)),        // aese v0.16b, v17.16b
            (0x4e285a20, crypto::aesd(A, B)),        // aesd v0.16b, v17.16b
            (0x4e286a20, crypto::aesmc(B)),          // aesmc v0.16b, v17.16b
            (0x4e287a20, crypto::aesimc(B)),         // aesimc v0.16b, v17.16b
            (0x5e020220, crypto::sha1c(A, B, C)),    // sha1c q0, s17, v2.4s
            (0x5e021220, crypto::sha1p(A, B, C)),    // sha1p q0, s17, v2.4s
            (0x5e022220, crypto::sha1m(A, B, C)),    // sha1m q0, s17, v2.4s
            (0x5e024220, crypto::sha256h(A, B, C)),  // sha256h q0, q17, v2.4s
            (0x5e025220, crypto::sha256h2(A, B, C)), // sha256h2 q0, q17, v2.4s
            (0x5e026220, crypto::sha256su1(A, B, C)), // sha256su1 v0.4s, v17.4s, v2.4s
            (0x5e281a20, crypto::sha1su1(A, B)),     // sha1su1 v0.4s, v17.4s
            (0x5e282a20, crypto::sha256su0(A, B)),   // sha256su0 v0.4s, v17.4s
            (0x5e280a20, ((B as u32).rotate_left(30)) as u128), // sha1h s0, s17
            (0x5e023220, ((B as u64 as u128) << 64 | A >> 64) ^ A ^ C), // sha1su0 v0.4s, v17.4s, v2.4s
            (0x0ee2e220, crypto::clmul(B as u64, C as u64)), // pmull v0.1q, v17.1d, v2.1d
            (0x4ee2e220, crypto::clmul((B >> 64) as u64, (C >> 64) as u64)), // pmull2 v0.1q, v17.2d, v2.2d
        ];
        for &(w, want) in cases {
            let mut st = st_with(&[(0, A), (17, B), (2, C)]);
            run1(&[w], &mut st);
            assert_eq!(st.v[0], want, "word {w:08x}");
            assert_eq!((st.v[17], st.v[2]), (B, C), "word {w:08x} changed a source");
        }
    }

    /// Unallocated neighbours (size != 00, SHA three-register opcode 111, SHA two-register
    /// opcode 00011, AES opcode 01000) raise SIGILL.
    #[test]
    fn unallocated_neighbours_refused() {
        for w in [0x4e684a20u32, 0x5e027220, 0x5e283a20, 0x4e288a20, 0x5e420220, 0x5e682a20] {
            let f = crate::isa::aarch64::lift_snippet(0x1000, &[w]);
            assert!(crate::isa::aarch64::raises_undefined(&f), "{w:08x} lifted");
        }
    }
}
