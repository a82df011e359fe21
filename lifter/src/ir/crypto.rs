//! Meaning of the `crypto` IR op: the Armv8 Cryptographic Extension steps that do not map onto a
//! handful of other IR ops (AES rounds, SHA-1/SHA-256 hash updates and schedule updates, the
//! 64 x 64-bit carry-less multiply), written after the Arm ARM pseudocode (AESSubBytes,
//! SHA256hash, ...). Vectors are 128-bit values with lane/byte 0 in the low bits, as in the guest
//! V registers.
//!
//! These are the interpreter's semantics and, through `aot_crypto_<name>` in the runtime, the
//! portable code translated programs call (the runtime uses AES-NI/PCLMULQDQ instead when the host
//! CPU has them). Table-based AES leaks key bits through cache timing; the hardware path does not.

use super::CryptoOp;

/// Evaluate `op` on its operands (only the first `op.nargs()` are read).
pub fn eval(op: CryptoOp, a: &[u128]) -> u128 {
    match op {
        CryptoOp::Aese => aese(a[0], a[1]),
        CryptoOp::Aesd => aesd(a[0], a[1]),
        CryptoOp::Aesmc => aesmc(a[0]),
        CryptoOp::Aesimc => aesimc(a[0]),
        CryptoOp::Sha1c => sha1c(a[0], a[1], a[2]),
        CryptoOp::Sha1p => sha1p(a[0], a[1], a[2]),
        CryptoOp::Sha1m => sha1m(a[0], a[1], a[2]),
        CryptoOp::Sha1su1 => sha1su1(a[0], a[1]),
        CryptoOp::Sha256h => sha256h(a[0], a[1], a[2]),
        CryptoOp::Sha256h2 => sha256h2(a[0], a[1], a[2]),
        CryptoOp::Sha256su0 => sha256su0(a[0], a[1]),
        CryptoOp::Sha256su1 => sha256su1(a[0], a[1], a[2]),
        CryptoOp::Clmul => clmul(a[0] as u64, a[1] as u64),
    }
}

// ---- AES (FIPS-197; the state is column-major: byte r + 4c is row r, column c) ----

const SBOX: [u8; 256] = sbox();
const INV_SBOX: [u8; 256] = inv_sbox();

/// Multiply by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
const fn xtime(b: u8) -> u8 {
    (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 }
}

const fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        a = xtime(a);
        b >>= 1;
    }
    p
}

/// The S-box from its definition (multiplicative inverse, then the affine map), so that the
/// table is not one more thing to trust.
const fn sbox() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        // x^254 = x^-1 in GF(2^8) (0 for 0).
        let mut inv = 1u8;
        let mut k = 0;
        while k < 254 {
            inv = gmul(inv, x as u8);
            k += 1;
        }
        if x == 0 {
            inv = 0;
        }
        let s = inv ^ inv.rotate_left(1) ^ inv.rotate_left(2) ^ inv.rotate_left(3) ^ inv.rotate_left(4) ^ 0x63;
        t[x] = s;
        x += 1;
    }
    t
}

const fn inv_sbox() -> [u8; 256] {
    let s = sbox();
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        t[s[x] as usize] = x as u8;
        x += 1;
    }
    t
}

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

/// ShiftRows then SubBytes (they commute): row r rotates left by r columns.
fn sub_shift(v: u128, sbox: &[u8; 256], inverse: bool) -> u128 {
    let s = bytes(v);
    let mut o = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            let from = if inverse { (c + 4 - r) % 4 } else { (c + r) % 4 };
            o[r + 4 * c] = sbox[s[r + 4 * from] as usize];
        }
    }
    u128::from_le_bytes(o)
}

fn mix(v: u128, m: [u8; 4]) -> u128 {
    let s = bytes(v);
    let mut o = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            let mut acc = 0;
            for k in 0..4 {
                acc ^= gmul(m[(k + 4 - r) % 4], s[k + 4 * c]);
            }
            o[r + 4 * c] = acc;
        }
    }
    u128::from_le_bytes(o)
}

/// AESE: SubBytes(ShiftRows(d ^ n)).
pub fn aese(d: u128, n: u128) -> u128 {
    sub_shift(d ^ n, &SBOX, false)
}
/// AESD: InvSubBytes(InvShiftRows(d ^ n)).
pub fn aesd(d: u128, n: u128) -> u128 {
    sub_shift(d ^ n, &INV_SBOX, true)
}
/// AESMC: MixColumns (each column times {02 03 01 01} circulant).
pub fn aesmc(n: u128) -> u128 {
    mix(n, [2, 3, 1, 1])
}
/// AESIMC: InvMixColumns ({0e 0b 0d 09}).
pub fn aesimc(n: u128) -> u128 {
    mix(n, [0x0e, 0x0b, 0x0d, 0x09])
}

// ---- SHA-1 and SHA-256 (Arm ARM: SHA1C, SHA256hash, ...) ----

fn lane(v: u128, e: usize) -> u32 {
    (v >> (32 * e)) as u32
}
fn lanes(v: u128) -> [u32; 4] {
    [lane(v, 0), lane(v, 1), lane(v, 2), lane(v, 3)]
}
fn from_lanes(l: [u32; 4]) -> u128 {
    l.iter().enumerate().fold(0, |acc, (e, &x)| acc | (x as u128) << (32 * e))
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}
fn parity(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}
fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}

/// Four SHA-1 rounds: `abcd` in lanes 0..3 (a in lane 0), `e` in the low 32 bits of `e`, the
/// four schedule words plus constant in `wk`. Returns the new abcd.
fn sha1_rounds(abcd: u128, e: u128, wk: u128, f: fn(u32, u32, u32) -> u32) -> u128 {
    let mut x = lanes(abcd);
    let mut y = e as u32;
    for w in lanes(wk) {
        let t = f(x[1], x[2], x[3]);
        y = y.wrapping_add(x[0].rotate_left(5)).wrapping_add(t).wrapping_add(w);
        x[1] = x[1].rotate_left(30);
        // <Y, X> = ROL(Y:X, 32)
        let top = x[3];
        x = [y, x[0], x[1], x[2]];
        y = top;
    }
    from_lanes(x)
}

pub fn sha1c(abcd: u128, e: u128, wk: u128) -> u128 {
    sha1_rounds(abcd, e, wk, choose)
}
pub fn sha1p(abcd: u128, e: u128, wk: u128) -> u128 {
    sha1_rounds(abcd, e, wk, parity)
}
pub fn sha1m(abcd: u128, e: u128, wk: u128) -> u128 {
    sha1_rounds(abcd, e, wk, majority)
}

/// SHA1SU1 (schedule update 1): d = W[i..i+4] partial (from SHA1SU0), n = W[i+12..i+16].
pub fn sha1su1(d: u128, n: u128) -> u128 {
    let t = lanes(d ^ (n >> 32));
    let mut w = t.map(|x| x.rotate_left(1));
    w[3] ^= t[0].rotate_left(2);
    from_lanes(w)
}

/// SHA256hash(X, Y, W, part1): four rounds; X = abcd, Y = efgh (lane 0 = a / e).
fn sha256_hash(x: u128, y: u128, w: u128, part1: bool) -> u128 {
    let (mut x, mut y) = (lanes(x), lanes(y));
    for wk in lanes(w) {
        let chs = choose(y[0], y[1], y[2]);
        let maj = majority(x[0], x[1], x[2]);
        let s1 = y[0].rotate_right(6) ^ y[0].rotate_right(11) ^ y[0].rotate_right(25);
        let s0 = x[0].rotate_right(2) ^ x[0].rotate_right(13) ^ x[0].rotate_right(22);
        let t = y[3].wrapping_add(s1).wrapping_add(chs).wrapping_add(wk);
        x[3] = t.wrapping_add(x[3]);
        y[3] = t.wrapping_add(s0).wrapping_add(maj);
        // <Y, X> = ROL(Y:X, 32) on 256 bits
        let (xt, yt) = (x[3], y[3]);
        x = [yt, x[0], x[1], x[2]];
        y = [xt, y[0], y[1], y[2]];
    }
    from_lanes(if part1 { x } else { y })
}

/// SHA256H Qd, Qn, Vm.4S: d = abcd, n = efgh; returns the new abcd.
pub fn sha256h(d: u128, n: u128, m: u128) -> u128 {
    sha256_hash(d, n, m, true)
}
/// SHA256H2 Qd, Qn, Vm.4S: d = efgh, n = abcd (before SHA256H); returns the new efgh.
pub fn sha256h2(d: u128, n: u128, m: u128) -> u128 {
    sha256_hash(n, d, m, false)
}

fn sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}
fn sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// SHA256SU0: d = W[i..i+4], n = W[i+4..i+8]; returns W[i..i+4] + sigma0(W[i+1..i+5]).
pub fn sha256su0(d: u128, n: u128) -> u128 {
    let t = lanes((n << 96) | (d >> 32));
    let o = lanes(d);
    from_lanes([0, 1, 2, 3].map(|e| sigma0(t[e]).wrapping_add(o[e])))
}

/// SHA256SU1: d = result of SHA256SU0, n = W[i+8..i+12], m = W[i+12..i+16].
pub fn sha256su1(d: u128, n: u128, m: u128) -> u128 {
    let t0 = lanes((m << 96) | (n >> 32));
    let o = lanes(d);
    let mut r = [0u32; 4];
    for e in 0..4 {
        let src = if e < 2 { lane(m, e + 2) } else { r[e - 2] };
        r[e] = sigma1(src).wrapping_add(o[e]).wrapping_add(t0[e]);
    }
    from_lanes(r)
}

// ---- PMULL/PMULL2 .1Q ----

/// Carry-less (GF(2)[x]) product of two 64-bit polynomials.
pub fn clmul(a: u64, b: u64) -> u128 {
    let mut r = 0u128;
    for i in 0..64 {
        if b >> i & 1 != 0 {
            r ^= (a as u128) << i;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn be128(s: &str) -> u128 {
        // FIPS-197 prints bytes in memory order: byte 0 first.
        let b: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
        u128::from_le_bytes(b.try_into().unwrap())
    }

    #[test]
    fn sbox_is_fips197() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0xff], 0x16);
        assert_eq!(INV_SBOX[0x63], 0x00);
        assert_eq!(gmul(0x57, 0x83), 0xc1); // FIPS-197 section 4.2
    }

    /// FIPS-197 appendix B (cipher example), round 1: start of round, after SubBytes+ShiftRows,
    /// after MixColumns.
    #[test]
    fn aes_round_fips197_appendix_b() {
        let input = be128("3243f6a8885a308d313198a2e0370734");
        let key = be128("2b7e151628aed2a6abf7158809cf4f3c");
        assert_eq!(input ^ key, be128("193de3bea0f4e22b9ac68d2ae9f84808"));
        let sr = aese(input, key);
        assert_eq!(sr, be128("d4bf5d30e0b452aeb84111f11e2798e5"));
        let mc = aesmc(sr);
        assert_eq!(mc, be128("046681e5e0cb199a48f8d37a2806264c"));
        assert_eq!(aesimc(mc), sr);
        assert_eq!(aesd(sr, 0), input ^ key);
    }

    /// Key expansion for AES-128 (FIPS-197 5.2).
    fn expand(key: [u8; 16]) -> Vec<u128> {
        let mut w: Vec<[u8; 4]> = key.chunks(4).map(|c| c.try_into().unwrap()).collect();
        let mut rcon = 1u8;
        for i in 4..44 {
            let mut t = w[i - 1];
            if i % 4 == 0 {
                t = [SBOX[t[1] as usize] ^ rcon, SBOX[t[2] as usize], SBOX[t[3] as usize], SBOX[t[0] as usize]];
                rcon = xtime(rcon);
            }
            let p = w[i - 4];
            w.push([p[0] ^ t[0], p[1] ^ t[1], p[2] ^ t[2], p[3] ^ t[3]]);
        }
        w.chunks(4).map(|c| u128::from_le_bytes(c.concat().try_into().unwrap())).collect()
    }

    /// FIPS-197 appendix C.1: AES-128 encryption and decryption with the Arm instruction
    /// sequence (AESE+AESMC rounds; AESD+AESIMC with InvMixColumns'd round keys).
    #[test]
    fn aes128_fips197_appendix_c1() {
        let key: [u8; 16] = (0..16u8).collect::<Vec<_>>().try_into().unwrap();
        let rk = expand(key);
        let pt = be128("00112233445566778899aabbccddeeff");
        let mut s = pt;
        for k in rk.iter().take(9) {
            s = aesmc(aese(s, *k));
        }
        s = aese(s, rk[9]) ^ rk[10];
        assert_eq!(s, be128("69c4e0d86a7b0430d8cdb78070b4c55a"));
        let mut p = aesimc(aesd(s, rk[10]));
        for k in rk[2..10].iter().rev() {
            p = aesimc(aesd(p, aesimc(*k)));
        }
        p = aesd(p, aesimc(rk[1])) ^ rk[0];
        assert_eq!(p, pt);
    }

    /// The padded one-block message "abc" (FIPS 180-4 examples) as four big-endian word vectors.
    fn abc_block() -> Vec<u128> {
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        let w: Vec<u32> = block.chunks(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect();
        w.chunks(4).map(|c| from_lanes(c.try_into().unwrap())).collect()
    }

    /// SHA-1 of "abc" (FIPS 180-4 example) through SHA1C/P/M, SHA1H, SHA1SU0/1 as Arm code does.
    #[test]
    fn sha1_abc() {
        let mut q = abc_block();
        let h0: [u32; 5] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
        let mut abcd = from_lanes([h0[0], h0[1], h0[2], h0[3]]);
        let mut e = h0[4];
        let kk = [0x5a827999u32, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
        for g in 0..20 {
            let k = kk[g / 5];
            let wk = from_lanes(lanes(q[g % 4]).map(|x| x.wrapping_add(k)));
            let e_next = (abcd as u32).rotate_left(30); // SHA1H
            abcd = match g / 5 {
                0 => sha1c(abcd, e as u128, wk),
                2 => sha1m(abcd, e as u128, wk),
                _ => sha1p(abcd, e as u128, wk),
            };
            e = e_next;
            // schedule: W[i+16..] from SHA1SU0 + SHA1SU1
            let (a, b, c, d) = (q[g % 4], q[(g + 1) % 4], q[(g + 2) % 4], q[(g + 3) % 4]);
            let su0 = ((b as u64 as u128) << 64 | a >> 64) ^ a ^ c; // SHA1SU0 a, b, c
            q[g % 4] = sha1su1(su0, d);
        }
        let l = lanes(abcd);
        let h: Vec<u32> = (0..4).map(|i| h0[i].wrapping_add(l[i])).chain([h0[4].wrapping_add(e)]).collect();
        assert_eq!(h, [0xa9993e36, 0x4706816a, 0xba3e2571, 0x7850c26c, 0x9cd0d89d]);
    }

    /// SHA-256 of "abc" through SHA256H/H2/SU0/SU1.
    #[test]
    fn sha256_abc() {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ];
        let h0: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        let mut q = abc_block();
        let mut abcd = from_lanes([h0[0], h0[1], h0[2], h0[3]]);
        let mut efgh = from_lanes([h0[4], h0[5], h0[6], h0[7]]);
        for g in 0..16 {
            let k = from_lanes(K[4 * g..4 * g + 4].try_into().unwrap());
            let wk = from_lanes([0, 1, 2, 3].map(|e| lane(q[g % 4], e).wrapping_add(lane(k, e))));
            let old = abcd;
            abcd = sha256h(abcd, efgh, wk);
            efgh = sha256h2(efgh, old, wk);
            let (a, b, c, d) = (q[g % 4], q[(g + 1) % 4], q[(g + 2) % 4], q[(g + 3) % 4]);
            q[g % 4] = sha256su1(sha256su0(a, b), c, d);
        }
        let (l1, l2) = (lanes(abcd), lanes(efgh));
        let h: Vec<u32> = (0..8).map(|i| h0[i].wrapping_add(if i < 4 { l1[i] } else { l2[i - 4] })).collect();
        assert_eq!(h, [0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad]);
    }

    #[test]
    fn clmul_values() {
        assert_eq!(clmul(0b11, 0b11), 0b101);
        assert_eq!(clmul(u64::MAX, 1 << 63), (u64::MAX as u128) << 63);
        // (x^64 + ...) reduction-free GHASH spot value: (1+x)(1+x+x^2) = 1 + x^3
        assert_eq!(clmul(0b11, 0b111), 0b1001);
        assert_eq!(clmul(0x8000_0000_0000_0001, 0x8000_0000_0000_0001), (1u128 << 126) | 1);
    }
}
