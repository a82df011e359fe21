//! The guest CPU state: the one layout shared by the lifter (IR register file), the LLVM backend
//! (field offsets), the runtime (loader, syscalls, signal frames) and, later, the JIT.
//!
//! Offsets are derived from the `#[repr(C)]` struct with `offset_of!`; they are never typed twice.

use core::mem::offset_of;

/// AArch64 guest CPU state. Translated code receives a pointer to one of these per guest thread.
#[repr(C, align(16))]
#[derive(Clone, Debug)]
pub struct CpuState {
    /// V0..V31, 128 bits each (little-endian lanes).
    pub v: [u128; 32],
    /// X0..X30.
    pub x: [u64; 31],
    pub sp: u64,
    /// Guest program counter. Valid at every exit from translated code.
    pub pc: u64,
    /// Condition flags, one byte each (0 or 1): N, Z, C, V.
    pub n: u8,
    pub z: u8,
    pub c: u8,
    pub vf: u8,
    pub fpcr: u32,
    pub fpsr: u32,
    /// Non-zero when this thread has an asynchronous signal waiting for delivery: set by the
    /// runtime's host signal handler, tested by translated code at safe points
    /// (`ir::Op::SafePoint`, offset [`SIGPOLL_OFFSET`]). Not a guest register.
    pub sigpoll: u32,
    /// TPIDR_EL0, the guest thread pointer.
    pub tpidr: u64,
    /// Exclusive monitor, this thread's half: address and value(s) seen by the last LDXR/LDXP,
    /// whether it is armed, and the granule's version counter it read (see `crate::excl`).
    pub excl_addr: u64,
    pub excl_val: u64,
    pub excl_val2: u64,
    pub excl_valid: u64,
    /// Scratch word the runtime may use (e.g. the syscall number being restarted).
    pub scratch: u64,
    pub excl_ver: u64,
}

impl Default for CpuState {
    fn default() -> Self {
        CpuState {
            v: [0; 32],
            x: [0; 31],
            sp: 0,
            pc: 0,
            n: 0,
            z: 0,
            c: 0,
            vf: 0,
            fpcr: 0,
            fpsr: 0,
            sigpoll: 0,
            tpidr: 0,
            excl_addr: 0,
            excl_val: 0,
            excl_val2: 0,
            excl_valid: 0,
            scratch: 0,
            excl_ver: 0,
        }
    }
}

impl CpuState {
    /// NZCV packed as the MRS NZCV register value (bits 31..28).
    pub fn nzcv(&self) -> u64 {
        ((self.n as u64) << 31)
            | ((self.z as u64) << 30)
            | ((self.c as u64) << 29)
            | ((self.vf as u64) << 28)
    }
    pub fn set_nzcv(&mut self, v: u64) {
        self.n = ((v >> 31) & 1) as u8;
        self.z = ((v >> 30) & 1) as u8;
        self.c = ((v >> 29) & 1) as u8;
        self.vf = ((v >> 28) & 1) as u8;
    }
}

/// Offset of [`CpuState::sigpoll`] (a 32-bit word) for code generators.
pub const SIGPOLL_OFFSET: usize = offset_of!(CpuState, sigpoll);

/// Scalar type of a register-file slot, as seen by the IR.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SlotTy {
    I8,
    I32,
    I64,
    I128,
}

/// A guest register as the IR names it (`getreg`/`setreg`). Index space:
/// 0..=30 X regs, 31 SP, 32 PC, 33..=36 N Z C V, 37 FPCR, 38 FPSR, 39 TPIDR,
/// 40..=43 and 45 exclusive monitor, 44 scratch, 64..=95 V0..V31.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(pub u8);

impl Reg {
    pub const SP: Reg = Reg(31);
    pub const PC: Reg = Reg(32);
    pub const N: Reg = Reg(33);
    pub const Z: Reg = Reg(34);
    pub const C: Reg = Reg(35);
    pub const V: Reg = Reg(36);
    pub const FPCR: Reg = Reg(37);
    pub const FPSR: Reg = Reg(38);
    pub const TPIDR: Reg = Reg(39);
    pub const EXCL_ADDR: Reg = Reg(40);
    pub const EXCL_VAL: Reg = Reg(41);
    pub const EXCL_VAL2: Reg = Reg(42);
    pub const EXCL_VALID: Reg = Reg(43);
    pub const SCRATCH: Reg = Reg(44);
    pub const EXCL_VER: Reg = Reg(45);
    pub const LR: Reg = Reg(30);

    pub const fn x(n: u32) -> Reg {
        assert!(n <= 30);
        Reg(n as u8)
    }
    pub const fn vreg(n: u32) -> Reg {
        assert!(n < 32);
        Reg(64 + n as u8)
    }
    /// Every register slot, in index order.
    pub fn all() -> impl Iterator<Item = Reg> {
        (0u8..=45).chain(64u8..96).map(Reg)
    }
    pub fn is_valid(self) -> bool {
        self.0 <= 45 || (64..96).contains(&self.0)
    }
    /// Byte offset in [`CpuState`] and the slot's type.
    pub fn slot(self) -> (usize, SlotTy) {
        let r = self.0 as usize;
        match r {
            0..=30 => (offset_of!(CpuState, x) + 8 * r, SlotTy::I64),
            31 => (offset_of!(CpuState, sp), SlotTy::I64),
            32 => (offset_of!(CpuState, pc), SlotTy::I64),
            33 => (offset_of!(CpuState, n), SlotTy::I8),
            34 => (offset_of!(CpuState, z), SlotTy::I8),
            35 => (offset_of!(CpuState, c), SlotTy::I8),
            36 => (offset_of!(CpuState, vf), SlotTy::I8),
            37 => (offset_of!(CpuState, fpcr), SlotTy::I32),
            38 => (offset_of!(CpuState, fpsr), SlotTy::I32),
            39 => (offset_of!(CpuState, tpidr), SlotTy::I64),
            40 => (offset_of!(CpuState, excl_addr), SlotTy::I64),
            41 => (offset_of!(CpuState, excl_val), SlotTy::I64),
            42 => (offset_of!(CpuState, excl_val2), SlotTy::I64),
            43 => (offset_of!(CpuState, excl_valid), SlotTy::I64),
            44 => (offset_of!(CpuState, scratch), SlotTy::I64),
            45 => (offset_of!(CpuState, excl_ver), SlotTy::I64),
            64..=95 => (offset_of!(CpuState, v) + 16 * (r - 64), SlotTy::I128),
            _ => panic!("invalid guest register index {r}"),
        }
    }
    pub fn name(self) -> String {
        let r = self.0;
        match r {
            0..=30 => format!("x{r}"),
            31 => "sp".into(),
            32 => "pc".into(),
            33 => "n".into(),
            34 => "z".into(),
            35 => "c".into(),
            36 => "v".into(),
            37 => "fpcr".into(),
            38 => "fpsr".into(),
            39 => "tpidr".into(),
            40 => "excl_addr".into(),
            41 => "excl_val".into(),
            42 => "excl_val2".into(),
            43 => "excl_valid".into(),
            44 => "scratch".into(),
            45 => "excl_ver".into(),
            64..=95 => format!("q{}", r - 64),
            _ => format!("reg{r}"),
        }
    }
}

/// Read a slot of a state as u128 (zero-extended). Used by the IR interpreter and tests.
pub fn read_slot(st: &CpuState, r: Reg) -> u128 {
    let (off, ty) = r.slot();
    let base = st as *const CpuState as *const u8;
    // SAFETY: offsets come from offset_of! on CpuState and are in bounds and aligned for their type.
    unsafe {
        let p = base.add(off);
        match ty {
            SlotTy::I8 => *p as u128,
            SlotTy::I32 => *(p as *const u32) as u128,
            SlotTy::I64 => *(p as *const u64) as u128,
            SlotTy::I128 => *(p as *const u128),
        }
    }
}

/// Write a slot of a state (truncating to the slot's width).
pub fn write_slot(st: &mut CpuState, r: Reg, v: u128) {
    let (off, ty) = r.slot();
    let base = st as *mut CpuState as *mut u8;
    // SAFETY: as in read_slot.
    unsafe {
        let p = base.add(off);
        match ty {
            SlotTy::I8 => *p = v as u8,
            SlotTy::I32 => *(p as *mut u32) = v as u32,
            SlotTy::I64 => *(p as *mut u64) = v as u64,
            SlotTy::I128 => *(p as *mut u128) = v,
        }
    }
}

/// What the runtime advertises and the lifter implements (AT_HWCAP bits, arm64 uapi).
pub mod hwcap {
    pub const FP: u64 = 1 << 0;
    pub const ASIMD: u64 = 1 << 1;
    /// AESE/AESD/AESMC/AESIMC.
    pub const AES: u64 = 1 << 3;
    /// PMULL/PMULL2 with the 1Q (64 x 64 -> 128 bits) arrangement.
    pub const PMULL: u64 = 1 << 4;
    /// SHA1C/P/M/H/SU0/SU1.
    pub const SHA1: u64 = 1 << 5;
    /// SHA256H/H2/SU0/SU1.
    pub const SHA2: u64 = 1 << 6;
    pub const CRC32: u64 = 1 << 7;
    pub const ATOMICS: u64 = 1 << 8;
    /// The set advertised to guests. No CPUID (so MIDR/ID registers are not read), no SVE.
    pub const ADVERTISED: u64 = FP | ASIMD | AES | PMULL | SHA1 | SHA2 | CRC32 | ATOMICS;
    pub const ADVERTISED2: u64 = 0;
}

/// Values of read-only system registers as the runtime presents them.
pub mod sysreg {
    /// DCZID_EL0: DC ZVA allowed, block = 4 << 4 = 64 bytes.
    pub const DCZID_EL0: u64 = 4;
    pub const DC_ZVA_BLOCK: u64 = 64;
    /// CTR_EL0: IDC=DIC=0, DminLine=IminLine=4 (64-byte lines), CWG=ERG=4.
    pub const CTR_EL0: u64 = (1 << 31) | (4 << 24) | (4 << 20) | (4 << 16) | 4;
    /// CNTFRQ_EL0 in Hz; CNTVCT_EL0 counts nanoseconds of CLOCK_MONOTONIC.
    pub const CNTFRQ_EL0: u64 = 1_000_000_000;
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn slots_do_not_overlap() {
        let mut seen: Vec<(usize, usize)> = Vec::new();
        for r in Reg::all() {
            let (off, ty) = r.slot();
            let len = match ty {
                SlotTy::I8 => 1,
                SlotTy::I32 => 4,
                SlotTy::I64 => 8,
                SlotTy::I128 => 16,
            };
            assert!(off + len <= core::mem::size_of::<CpuState>());
            for &(o, l) in &seen {
                assert!(off + len <= o || o + l <= off, "{} overlaps", r.name());
            }
            seen.push((off, len));
        }
    }
    #[test]
    fn slot_roundtrip() {
        let mut st = CpuState::default();
        for r in Reg::all() {
            write_slot(&mut st, r, 0x1234_5678_9abc_def0_1122_3344_5566_7788);
        }
        assert_eq!(st.x[5], 0x1122_3344_5566_7788);
        assert_eq!(st.n, 0x88);
        assert_eq!(st.fpcr, 0x5566_7788);
        assert_eq!(st.v[3], 0x1234_5678_9abc_def0_1122_3344_5566_7788);
        for r in Reg::all() {
            assert_ne!(read_slot(&st, r), 0, "{}", r.name());
        }
    }
}

/// MXCSR's exception flags (IE, DE, ZE, OE, UE, PE).
pub const MXCSR_FLAGS: u32 = 0x3f;

/// FPSR cumulative exception bits for the flags accumulated in MXCSR: IE -> IOC, ZE -> DZC,
/// OE -> OFC, UE -> UFC, PE -> IXC, and DE -> IDC only in the runtime's FZ mode
/// (`trapping_mxcsr_for_fpcr`: FTZ set, DAZ clear), where DE is set only by the runtime's
/// handling of a denormal-operand trap, i.e. a denormal input that was flushed. Elsewhere DE
/// (a denormal operand that was used as it is, FZ clear) has no Arm counterpart and is dropped.
pub fn fpsr_flags_from_mxcsr(mxcsr: u32) -> u32 {
    let mut f = 0;
    for (x86, arm) in [(0, 0), (2, 1), (3, 2), (4, 3), (5, 4)] {
        if mxcsr & (1 << x86) != 0 {
            f |= 1 << arm;
        }
    }
    if mxcsr & (MXCSR_FTZ | MXCSR_DAZ | MXCSR_DE) == MXCSR_FTZ | MXCSR_DE {
        f |= 1 << 7;
    }
    f
}

/// This thread's MXCSR.
#[cfg(target_arch = "x86_64")]
pub fn host_mxcsr() -> u32 {
    let mut m: u32 = 0;
    // SAFETY: stmxcsr writes the 4-byte local only. Not `nomem`: the asm orders the FP ops
    // around it as a memory clobber does (ir::interp's host_fp relies on it).
    unsafe { core::arch::asm!("stmxcsr [{p}]", p = in(reg) &mut m as *mut u32, options(nostack)) };
    m
}

/// Load this thread's MXCSR (bits 16-31 are reserved and kept clear).
#[cfg(target_arch = "x86_64")]
pub fn set_host_mxcsr(m: u32) {
    let m = m & 0xffff;
    // SAFETY: ldmxcsr reads the 4-byte local; reserved bits are clear, so it cannot fault.
    unsafe { core::arch::asm!("ldmxcsr [{p}]", p = in(reg) &m as *const u32, options(nostack)) };
}

/// MXCSR bits: the Invalid, Denormal, Underflow and Precision flags, Denormals-Are-Zero, their
/// exception masks, Flush-To-Zero.
pub const MXCSR_IE: u32 = 1 << 0;
pub const MXCSR_DE: u32 = 1 << 1;
pub const MXCSR_UE: u32 = 1 << 4;
pub const MXCSR_PE: u32 = 1 << 5;
pub const MXCSR_DAZ: u32 = 1 << 6;
pub const MXCSR_IM: u32 = 1 << 7;
pub const MXCSR_DM: u32 = 1 << 8;
pub const MXCSR_UM: u32 = 1 << 11;
pub const MXCSR_PM: u32 = 1 << 12;
pub const MXCSR_FTZ: u32 = 1 << 15;

/// The MXCSR translated code runs under in the runtime (`mxcsr_for_fpcr` is the interpreter's).
/// FPCR.FZ clear: exactly `mxcsr_for_fpcr` with the Invalid, Denormal, Underflow and Precision
/// exceptions masked (their default). FPCR.FZ set: FTZ set but DAZ clear, Denormal and Underflow
/// unmasked, and Invalid and Precision unmasked while their flag is clear: a denormal operand, a
/// flushed result, the first invalid and the first inexact result trap (#XM) before the
/// instruction commits, and the runtime's SIGFPE handler makes them Arm's IDC and
/// UFC-without-IXC (runtime `fault::fztrap`, docs/design.md).
pub fn trapping_mxcsr_for_fpcr(mxcsr: u32, fpcr: u64) -> u32 {
    let m = mxcsr_for_fpcr(mxcsr, fpcr);
    if fpcr & crate::ir::fpnan::FPCR_FZ == 0 {
        return m | MXCSR_IM | MXCSR_DM | MXCSR_UM | MXCSR_PM;
    }
    let mut m = (m & !(MXCSR_DAZ | MXCSR_IM | MXCSR_DM | MXCSR_UM | MXCSR_PM)) | MXCSR_FTZ;
    if m & MXCSR_PE != 0 {
        m |= MXCSR_PM;
    }
    if m & MXCSR_IE != 0 {
        m |= MXCSR_IM;
    }
    m
}

/// The host (x86-64) MXCSR that gives the FP behaviour guest FPCR asks for: the runtime loads it
/// when the guest writes FPCR, the IR interpreter around FP ops.
/// FPCR.RMode (bits 23:22) -> MXCSR.RC (bits 14:13); FPCR.FZ (bit 24) -> MXCSR.FTZ|DAZ.
pub fn mxcsr_for_fpcr(mxcsr: u32, fpcr: u64) -> u32 {
    let rc = match (fpcr >> 22) & 3 {
        0 => 0, // to nearest
        1 => 2, // towards +inf
        2 => 1, // towards -inf
        _ => 3, // towards zero
    };
    let mut m = (mxcsr & !(3 << 13)) | (rc << 13);
    if fpcr & (1 << 24) != 0 {
        m |= (1 << 15) | (1 << 6);
    } else {
        m &= !((1 << 15) | (1 << 6));
    }
    m
}
