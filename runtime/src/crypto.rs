//! `aot_crypto_<name>`: the functions translated code calls for the IR's `crypto` op (AESE, SHA256H,
//! PMULL .1Q, ...; see `aot_lifter::ir::CryptoOp`). Pure functions of their I128 operands, passed
//! and returned by value (LLVM and Rust agree on i128 in register pairs on x86-64).
//!
//! The portable code is the lifter's reference (`aot_lifter::ir::crypto`), the same the IR
//! interpreter runs; on a host with AES-NI / PCLMULQDQ (checked at run time, once) the AES steps
//! and the carry-less multiply use them instead, so a program translated for a baseline x86-64
//! still runs everywhere. SHA stays portable (x86's SHA-NI rounds group the state differently).
//! `AOT_PORTABLE_CRYPTO=1` forces the portable code (to test it on a host that has the features).

use aot_lifter::ir::crypto as reference;
use std::sync::atomic::{AtomicU8, Ordering};

const AES: u8 = 1;
const PCLMUL: u8 = 2;
const UNSET: u8 = 0x80;
/// Host features the functions below may use (AES | PCLMUL), decided once.
static HW: AtomicU8 = AtomicU8::new(UNSET);

/// Called at start-up: use the host's AES-NI / PCLMULQDQ unless `portable`.
pub fn init(portable: bool) {
    HW.store(if portable { 0 } else { detect() }, Ordering::Relaxed);
}

fn detect() -> u8 {
    (if hw::aes() { AES } else { 0 }) | (if hw::pclmul() { PCLMUL } else { 0 })
}

fn has(f: u8) -> bool {
    let mut h = HW.load(Ordering::Relaxed);
    if h == UNSET {
        h = detect();
        HW.store(h, Ordering::Relaxed);
    }
    h & f != 0
}

#[cfg(target_arch = "x86_64")]
mod hw {
    use std::arch::x86_64::*;

    fn v(x: u128) -> __m128i {
        // SAFETY: same size, any bit pattern is valid; byte 0 is the low byte in both.
        unsafe { std::mem::transmute::<u128, __m128i>(x) }
    }
    fn u(x: __m128i) -> u128 {
        // SAFETY: as above.
        unsafe { std::mem::transmute::<__m128i, u128>(x) }
    }

    pub fn aes() -> bool {
        std::arch::is_x86_feature_detected!("aes") && std::arch::is_x86_feature_detected!("sse2")
    }
    pub fn pclmul() -> bool {
        std::arch::is_x86_feature_detected!("pclmulqdq")
    }

    // AESENCLAST = ShiftRows, SubBytes, AddRoundKey; AESDECLAST the inverses: with a zero round
    // key they are Arm's AESE/AESD after the XOR that Arm does first. AESIMC is the same
    // operation on both. MixColumns alone is AESENC after undoing its ShiftRows+SubBytes with
    // AESDECLAST.
    #[target_feature(enable = "aes")]
    pub unsafe fn aese(d: u128, n: u128) -> u128 {
        u(_mm_aesenclast_si128(v(d ^ n), _mm_setzero_si128()))
    }
    #[target_feature(enable = "aes")]
    pub unsafe fn aesd(d: u128, n: u128) -> u128 {
        u(_mm_aesdeclast_si128(v(d ^ n), _mm_setzero_si128()))
    }
    #[target_feature(enable = "aes")]
    pub unsafe fn aesmc(n: u128) -> u128 {
        let z = _mm_setzero_si128();
        u(_mm_aesenc_si128(_mm_aesdeclast_si128(v(n), z), z))
    }
    #[target_feature(enable = "aes")]
    pub unsafe fn aesimc(n: u128) -> u128 {
        u(_mm_aesimc_si128(v(n)))
    }
    #[target_feature(enable = "pclmulqdq")]
    pub unsafe fn clmul(a: u128, b: u128) -> u128 {
        u(_mm_clmulepi64_si128(v(a), v(b), 0x00))
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod hw {
    pub fn aes() -> bool {
        false
    }
    pub fn pclmul() -> bool {
        false
    }
    pub unsafe fn aese(_: u128, _: u128) -> u128 {
        unreachable!()
    }
    pub unsafe fn aesd(_: u128, _: u128) -> u128 {
        unreachable!()
    }
    pub unsafe fn aesmc(_: u128) -> u128 {
        unreachable!()
    }
    pub unsafe fn aesimc(_: u128) -> u128 {
        unreachable!()
    }
    pub unsafe fn clmul(_: u128, _: u128) -> u128 {
        unreachable!()
    }
}

#[no_mangle]
pub extern "C" fn aot_crypto_aese(d: u128, n: u128) -> u128 {
    if has(AES) {
        // SAFETY: the CPU has AES-NI (checked at start-up).
        unsafe { hw::aese(d, n) }
    } else {
        reference::aese(d, n)
    }
}
#[no_mangle]
pub extern "C" fn aot_crypto_aesd(d: u128, n: u128) -> u128 {
    if has(AES) {
        // SAFETY: the CPU has AES-NI.
        unsafe { hw::aesd(d, n) }
    } else {
        reference::aesd(d, n)
    }
}
#[no_mangle]
pub extern "C" fn aot_crypto_aesmc(n: u128) -> u128 {
    if has(AES) {
        // SAFETY: the CPU has AES-NI.
        unsafe { hw::aesmc(n) }
    } else {
        reference::aesmc(n)
    }
}
#[no_mangle]
pub extern "C" fn aot_crypto_aesimc(n: u128) -> u128 {
    if has(AES) {
        // SAFETY: the CPU has AES-NI.
        unsafe { hw::aesimc(n) }
    } else {
        reference::aesimc(n)
    }
}
#[no_mangle]
pub extern "C" fn aot_crypto_clmul(a: u128, b: u128) -> u128 {
    if has(PCLMUL) {
        // SAFETY: the CPU has PCLMULQDQ.
        unsafe { hw::clmul(a, b) }
    } else {
        reference::clmul(a as u64, b as u64)
    }
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha1c(abcd: u128, e: u128, wk: u128) -> u128 {
    reference::sha1c(abcd, e, wk)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha1p(abcd: u128, e: u128, wk: u128) -> u128 {
    reference::sha1p(abcd, e, wk)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha1m(abcd: u128, e: u128, wk: u128) -> u128 {
    reference::sha1m(abcd, e, wk)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha1su1(d: u128, n: u128) -> u128 {
    reference::sha1su1(d, n)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha256h(d: u128, n: u128, m: u128) -> u128 {
    reference::sha256h(d, n, m)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha256h2(d: u128, n: u128, m: u128) -> u128 {
    reference::sha256h2(d, n, m)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha256su0(d: u128, n: u128) -> u128 {
    reference::sha256su0(d, n)
}
#[no_mangle]
pub extern "C" fn aot_crypto_sha256su1(d: u128, n: u128, m: u128) -> u128 {
    reference::sha256su1(d, n, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hardware paths agree with the reference on random operands (when the host has them;
    /// the machine this was written on has AES-NI and PCLMULQDQ).
    #[test]
    fn hardware_matches_reference() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut r128 = || (rnd() as u128) << 64 | rnd() as u128;
        let (aes, pclmul) = (hw::aes(), hw::pclmul());
        for _ in 0..10_000 {
            let (a, b) = (r128(), r128());
            // SAFETY: each hardware function only where the CPU has its feature.
            unsafe {
                if aes {
                    assert_eq!(hw::aese(a, b), reference::aese(a, b));
                    assert_eq!(hw::aesd(a, b), reference::aesd(a, b));
                    assert_eq!(hw::aesmc(a), reference::aesmc(a));
                    assert_eq!(hw::aesimc(a), reference::aesimc(a));
                }
                if pclmul {
                    assert_eq!(hw::clmul(a, b), reference::clmul(a as u64, b as u64));
                }
            }
        }
        eprintln!("host AES-NI: {aes}, PCLMULQDQ: {pclmul}");
    }
}
