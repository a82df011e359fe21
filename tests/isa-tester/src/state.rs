//! The guest driver's PRNG, register/memory fill and hash, reproduced bit for bit (see
//! guest/driver.c; change both together). The dump mode of the driver echoes its `ctx_in`, and
//! the tester checks it against [`fill`], so a drift between the two is reported, not silent.

pub const WINDOW: usize = 2048;
/// Words of `struct state` that are hashed and dumped: x0..x30, sp, nzcv, fpcr, fpsr, pad, v0..v31.
pub const WORDS: usize = 100;

/// `struct state` as 64-bit words.
pub type Words = [u64; WORDS];
pub const SP: usize = 31;
pub const NZCV: usize = 32;
pub const FPCR: usize = 33;
pub const FPSR: usize = 34;
pub const PAD: usize = 35;
pub const V0: usize = 36;

pub const FLAG_RANDOM_FPCR: u64 = 1;
pub const FLAG_FPSR: u64 = 2;

/// Per-snippet metadata shared with the guest (`struct meta`).
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    pub base: u8,
    pub off: u8,
    pub align: bool,
}
pub const NONE: u8 = 255;

fn sm(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const XSPECIAL: [u64; 16] = [
    0, 1, 2, !0, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
    0x1_0000_0000, 31, 32, 63, 64, 0xffff_ffff_ffff_fffe, 0x0000_0000_ffff_0000,
];
const F32SPECIAL: [u32; 24] = [
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
    0x7fc12345, 0xffc00000, 0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0x00800000, 0x3f000000,
    0x4f000000, 0xcf000000, 0x4f800000, 0x3effffff, 0x3fc00000, 0x40400000, 0x5f000000, 0xdf000001,
];
const F64SPECIAL: [u64; 24] = [
    0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x7ff0000000000000,
    0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 0x7ff8000000012345,
    0xfff8000000000000, 0x7ff4000000000000, 0x0000000000000001, 0x800fffffffffffff,
    0x7fefffffffffffff, 0x0010000000000000, 0x3fe0000000000000, 0x41e0000000000000,
    0xc1e0000000000000, 0x43e0000000000000, 0x3fdfffffffffffff, 0x3ff8000000000000,
    0x4008000000000000, 0x47efffffe0000000, 0x36a0000000000000,
];

fn xval(s: &mut u64) -> u64 {
    let r = sm(s);
    match r & 7 {
        0 | 1 => sm(s),
        2 => sm(s) & 0xff,
        3 => sm(s) & 0xffff_ffff,
        4 => sm(s) as u32 as i32 as i64 as u64,
        _ => XSPECIAL[((r >> 8) % XSPECIAL.len() as u64) as usize],
    }
}

fn f32lane(s: &mut u64) -> u64 {
    let r = sm(s);
    if r & 3 == 0 {
        return F32SPECIAL[((r >> 8) % F32SPECIAL.len() as u64) as usize] as u64;
    }
    ((r >> 2) & 1) << 31 | (107 + (r >> 3) % 41) << 23 | ((r >> 16) & 0x7f_ffff)
}

fn f64lane(s: &mut u64) -> u64 {
    let r = sm(s);
    if r & 3 == 0 {
        return F64SPECIAL[((r >> 8) % F64SPECIAL.len() as u64) as usize];
    }
    ((r >> 2) & 1) << 63 | (1003 + (r >> 3) % 41) << 52 | (sm(s) & 0xf_ffff_ffff_ffff)
}

fn vval(s: &mut u64) -> (u64, u64) {
    let r = sm(s);
    match r & 7 {
        0 | 1 => {
            let lo = sm(s);
            (lo, sm(s))
        }
        2 | 3 => {
            let (a, b, c, d) = (f32lane(s), f32lane(s), f32lane(s), f32lane(s));
            (a | b << 32, c | d << 32)
        }
        4 | 5 => {
            let lo = f64lane(s);
            (lo, f64lane(s))
        }
        6 => {
            const B: [u64; 5] = [0, 1, 0x7f, 0x80, 0xff];
            let (mut lo, mut hi) = (0, 0);
            for i in 0..8 {
                lo |= B[(sm(s) % 5) as usize] << (8 * i);
                hi |= B[(sm(s) % 5) as usize] << (8 * i);
            }
            (lo, hi)
        }
        _ => {
            let lo = xval(s);
            (lo, xval(s))
        }
    }
}

/// `fill()` of driver.c: the registers and (for memory snippets) the window contents.
pub fn fill(seed: u64, i: u64, k: u64, flags: u64, m: &Meta, window_addr: u64, win: &mut [u8; WINDOW]) -> Words {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ i.wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
        ^ k.wrapping_mul(0x1656_67b1_9e37_79f9);
    let mut w = [0u64; WORDS];
    for r in 0..31 {
        w[r] = xval(&mut s);
    }
    for r in 0..32 {
        let (lo, hi) = vval(&mut s);
        w[V0 + 2 * r] = lo;
        w[V0 + 2 * r + 1] = hi;
    }
    w[NZCV] = (sm(&mut s) & 0xf) << 28;
    w[FPCR] = if flags & FLAG_RANDOM_FPCR != 0 { (sm(&mut s) & 0xf) << 22 } else { 0 };
    w[FPSR] = 0;
    w[PAD] = 0;
    w[SP] = window_addr + WINDOW as u64 / 2;
    if m.base != NONE {
        let r = sm(&mut s);
        let delta = if m.align { (16 * (r % 16)).wrapping_sub(128) } else { (r % 256).wrapping_sub(128) };
        let a = (window_addr + WINDOW as u64 / 2).wrapping_add(delta);
        if m.base == 31 {
            w[SP] = a & !15;
        } else {
            w[m.base as usize] = a;
        }
        if m.off != NONE {
            w[m.off as usize] = sm(&mut s) % 32;
        }
        for j in 0..WINDOW / 8 {
            win[8 * j..8 * j + 8].copy_from_slice(&sm(&mut s).to_le_bytes());
        }
    }
    w
}

pub const FNV_INIT: u64 = 0xcbf2_9ce4_8422_2325;

pub fn fnv(mut h: u64, words: impl IntoIterator<Item = u64>) -> u64 {
    for x in words {
        h ^= x;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Fold one execution's result into the snippet's running hash (as driver.c does).
pub fn fold(h: u64, out: &Words, win: Option<&[u8; WINDOW]>) -> u64 {
    let h = fnv(h, out.iter().copied());
    match win {
        Some(b) => fnv(h, b.chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap()))),
        None => h,
    }
}

pub fn words_from_bytes(b: &[u8]) -> Words {
    let mut w = [0u64; WORDS];
    for (j, c) in b.chunks(8).take(WORDS).enumerate() {
        w[j] = u64::from_le_bytes(c.try_into().unwrap());
    }
    w
}

/// Human name of word `j`.
pub fn word_name(j: usize) -> String {
    match j {
        0..=30 => format!("x{j}"),
        SP => "sp".into(),
        NZCV => "nzcv".into(),
        FPCR => "fpcr".into(),
        FPSR => "fpsr".into(),
        PAD => "pad".into(),
        _ => format!("v{}.{}", (j - V0) / 2, if (j - V0) % 2 == 0 { "lo" } else { "hi" }),
    }
}
