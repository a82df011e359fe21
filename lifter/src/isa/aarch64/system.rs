//! System instructions: hints, barriers, MRS/MSR, cache maintenance.

use super::decode::{pat, Pattern};
use super::{bits, Lift};
use crate::cpu::{sysreg, Reg};
use crate::ir::{FenceKind, Helper, Ty};

pub const PATTERNS: &[Pattern] = &[
    // HINT space (NOP, YIELD, BTI, PACIASP, AUTIASP, XPACLRI, ...): all no-ops for us.
    pat("11010101 00000011 0010 mmmm ooo 11111", "HINT", trans_hint),
    pat(
        "11010101 00000011 0011 mmmm 010 11111",
        "CLREX",
        trans_clrex,
    ),
    pat("11010101 00000011 0011 mmmm 100 11111", "DSB", trans_dsb),
    pat("11010101 00000011 0011 mmmm 101 11111", "DMB", trans_dmb),
    pat("11010101 00000011 0011 mmmm 110 11111", "ISB", trans_hint),
    pat("11010101 00000011 0011 0000 111 11111", "SB", trans_hint),
    pat(
        "11010101 00000 ppp 0100 mmmm qqq 11111",
        "MSR (immediate)",
        trans_msr_imm,
    ),
    pat(
        "11010101 00001 ppp nnnn mmmm qqq ttttt",
        "SYS (DC/IC)",
        trans_sys,
    ),
    pat(
        "11010101 0001 o ppp nnnn mmmm qqq ttttt",
        "MSR (register)",
        trans_msr,
    ),
    pat("11010101 0011 o ppp nnnn mmmm qqq ttttt", "MRS", trans_mrs),
];

fn trans_hint(_l: &mut Lift, _insn: u32) -> bool {
    true
}

fn trans_clrex(l: &mut Lift, _insn: u32) -> bool {
    let z = l.b.c64(0);
    l.b.setreg(Reg::EXCL_VALID, z);
    true
}

fn trans_dsb(l: &mut Lift, insn: u32) -> bool {
    // CRm 0000 (SSBB) and 0100 (PSSBB) are speculation barriers: a full fence is fine too.
    let _ = insn;
    l.b.fence(FenceKind::SeqCst);
    true
}

fn trans_dmb(l: &mut Lift, insn: u32) -> bool {
    // CRm<1:0>: 01 = loads (LD), 10 = stores (ST), 11 = all; CRm<3:2> is the domain.
    let kind = match bits(insn, 9, 8) {
        1 => FenceKind::Acquire,
        2 => FenceKind::Release,
        _ => FenceKind::SeqCst,
    };
    l.b.fence(kind);
    true
}

fn trans_msr_imm(_l: &mut Lift, insn: u32) -> bool {
    let op1 = bits(insn, 18, 16);
    let op2 = bits(insn, 7, 5);
    // EL0 may write SSBS (op1=3, op2=1), DIT (3, 2) and TCO (3, 4); we accept them as no-ops.
    // DAIFSet/DAIFClr trap at EL0 under Linux (SCTLR_EL1.UMA = 0); the rest are EL1 only.
    matches!((op1, op2), (3, 1) | (3, 2) | (3, 4))
}

/// op0<0>:op1:CRn:CRm:op2 packed like the MRS/MSR encoding bits 19..5 (op0<1> is always 1).
const fn sr(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    ((op0 & 1) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
}
const TPIDR_EL0: u32 = sr(3, 3, 13, 0, 2);
const TPIDRRO_EL0: u32 = sr(3, 3, 13, 0, 3);
const NZCV: u32 = sr(3, 3, 4, 2, 0);
const FPCR: u32 = sr(3, 3, 4, 4, 0);
const FPSR: u32 = sr(3, 3, 4, 4, 1);
const DCZID_EL0: u32 = sr(3, 3, 0, 0, 7);
const CTR_EL0: u32 = sr(3, 3, 0, 0, 1);
const CNTFRQ_EL0: u32 = sr(3, 3, 14, 0, 0);
const CNTVCT_EL0: u32 = sr(3, 3, 14, 0, 2);
const CNTVCTSS_EL0: u32 = sr(3, 3, 14, 0, 6);

fn trans_mrs(l: &mut Lift, insn: u32) -> bool {
    let rt = bits(insn, 4, 0);
    let key = bits(insn, 19, 5);
    let val = match key {
        TPIDR_EL0 => l.b.getreg(Reg::TPIDR),
        // Readable at EL0; Linux keeps it 0 for 64-bit tasks.
        TPIDRRO_EL0 => l.b.c64(0),
        NZCV => {
            let mut acc = l.b.c64(0);
            for (k, r) in [Reg::N, Reg::Z, Reg::C, Reg::V].into_iter().enumerate() {
                let f = l.b.getreg(r);
                let f = l.b.zext(f, Ty::I64);
                let s = l.b.shl_i(f, 31 - k as u32);
                acc = l.b.or(acc, s);
            }
            acc
        }
        FPCR => {
            let v = l.b.getreg(Reg::FPCR);
            l.b.zext(v, Ty::I64)
        }
        FPSR => {
            // The host accumulates FP exception flags in MXCSR: fold them in first.
            l.b.helper(Helper::SyncFpsr, &[], 0);
            let v = l.b.getreg(Reg::FPSR);
            l.b.zext(v, Ty::I64)
        }
        DCZID_EL0 => l.b.c64(sysreg::DCZID_EL0),
        CTR_EL0 => l.b.c64(sysreg::CTR_EL0),
        CNTFRQ_EL0 => l.b.c64(sysreg::CNTFRQ_EL0),
        CNTVCT_EL0 | CNTVCTSS_EL0 => l.b.helper(Helper::ReadCntvct, &[], 0),
        // MIDR_EL1 / ID_AA64*: readable only with HWCAP_CPUID, which we do not advertise.
        _ => return false,
    };
    l.set_xr(rt, val);
    true
}

/// FPCR bits that stick: AHP, DN, FZ, RMode, Stride, Len. Trap enables (IOE..IDE) are RAZ/WI as on
/// cores without FP trapping (glibc's feenableexcept reads them back to detect that), FZ16 needs
/// FP16 (not advertised). Matches qemu-aarch64 -cpu cortex-a72.
pub const FPCR_WRITABLE: u64 = 0x07f7_0000;
/// FPSR: N, Z, C, V, QC and the cumulative exception flags IDC, IXC, UFC, OFC, DZC, IOC.
pub const FPSR_WRITABLE: u64 = 0xf800_009f;

fn trans_msr(l: &mut Lift, insn: u32) -> bool {
    let rt = bits(insn, 4, 0);
    let key = bits(insn, 19, 5);
    match key {
        TPIDR_EL0 | NZCV | FPCR | FPSR => {}
        _ => return false,
    }
    let v = l.xr(rt, true);
    match key {
        TPIDR_EL0 => l.b.setreg(Reg::TPIDR, v),
        NZCV => {
            for (k, r) in [Reg::N, Reg::Z, Reg::C, Reg::V].into_iter().enumerate() {
                let s = l.b.lshr_i(v, 31 - k as u32);
                let f = l.b.trunc(s, Ty::I1);
                l.b.setreg(r, f);
            }
        }
        FPCR => {
            let m = l.b.and_i(v, FPCR_WRITABLE as u128);
            let w = l.b.trunc(m, Ty::I32);
            l.b.setreg(Reg::FPCR, w);
            l.b.helper(Helper::WriteFpcr, &[m], 0);
        }
        _ => {
            // Clear the host's accumulated flags, then set FPSR.
            l.b.helper(Helper::SyncFpsr, &[], 0);
            let m = l.b.and_i(v, FPSR_WRITABLE as u128);
            let w = l.b.trunc(m, Ty::I32);
            l.b.setreg(Reg::FPSR, w);
        }
    }
    true
}

fn trans_sys(l: &mut Lift, insn: u32) -> bool {
    let op1 = bits(insn, 18, 16);
    let crn = bits(insn, 15, 12);
    let crm = bits(insn, 11, 8);
    let op2 = bits(insn, 7, 5);
    let rt = bits(insn, 4, 0);
    if op1 != 3 || crn != 7 || op2 != 1 {
        return false;
    }
    match crm {
        // DC ZVA: zero the aligned block.
        4 => {
            let a = l.xr(rt, true);
            let base = l.b.and_i(a, !(sysreg::DC_ZVA_BLOCK as u128 - 1));
            let z = l.b.c64(0);
            for k in 0..sysreg::DC_ZVA_BLOCK / 8 {
                let p = if k == 0 {
                    base
                } else {
                    l.b.add_i(base, (k * 8) as u128)
                };
                l.b.store(p, z, crate::ir::Ordering::Relaxed);
            }
        }
        // IC IVAU, DC CVAC, DC CVAU, DC CVAP, DC CVADP, DC CIVAC.
        5 | 10 | 11 | 12 | 13 | 14 => {
            let a = l.xr(rt, true);
            let kind = if crm == 5 { crate::ir::CACHE_MAINT_IC } else { crate::ir::CACHE_MAINT_DC };
            l.b.helper(Helper::CacheMaint, &[a], kind);
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::int::testutil::*;
    use crate::cpu::{sysreg, CpuState};
    use crate::ir::interp::{FlatMemory, Memory};
    use crate::ir::{FenceKind, Helper, Op};

    fn fences(words: &[u32]) -> Vec<u64> {
        let f = crate::isa::aarch64::lift_snippet(BASE, words);
        f.insts
            .iter()
            .filter(|i| i.op == Op::Fence)
            .map(|i| i.imm)
            .collect()
    }

    #[test]
    fn barriers_and_hints() {
        // dmb ish, dmb ishld, dmb ishst, dsb sy, isb, nop, paciasp, bti c
        let words = [
            0xd5033bbf, 0xd50339bf, 0xd5033abf, 0xd5033f9f, 0xd5033fdf, 0xd503201f, 0xd503233f,
            0xd503245f,
        ];
        let mut st = CpuState::default();
        run(&words, &mut st, &mut FlatMemory::default());
        let k = |f: FenceKind| f as u64;
        assert_eq!(
            fences(&words),
            vec![
                k(FenceKind::SeqCst),
                k(FenceKind::Acquire),
                k(FenceKind::Release),
                k(FenceKind::SeqCst)
            ]
        );
        // sb
        assert!(!is_sigill(0xd50330ff));
    }

    #[test]
    fn mrs_msr() {
        let mut st = CpuState::default();
        st.x[1] = 0xdead_beef_0000_1234;
        // msr tpidr_el0, x1; mrs x0, tpidr_el0
        run(
            &[0xd51bd041, 0xd53bd040],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!(
            (st.tpidr, st.x[0]),
            (0xdead_beef_0000_1234, 0xdead_beef_0000_1234)
        );
        // msr nzcv, x1 (N and C); mrs x0, nzcv
        st.x[1] = 0xa000_0000;
        run(
            &[0xd51b4201, 0xd53b4200],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!(flags(&st), (1, 0, 1, 0));
        assert_eq!(st.x[0], 0xa000_0000);
        // msr fpcr, x1 calls the helper; mrs x0, fpcr; msr fpsr; mrs fpsr
        st.x[1] = 0x0040_0000;
        let h = run(
            &[0xd51b4401, 0xd53b4400],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!((st.fpcr, st.x[0]), (0x0040_0000, 0x0040_0000));
        assert_eq!(h, vec![(Helper::WriteFpcr, vec![0x0040_0000])]);
        st.x[1] = 0x8000_0001;
        run(
            &[0xd51b4421, 0xd53b4420],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!((st.fpsr, st.x[0]), (0x8000_0001, 0x8000_0001));
        // Unwritable bits read as zero (values seen on qemu-aarch64 -cpu cortex-a72).
        st.x[1] = u64::MAX;
        let h = run(
            &[0xd51b4401, 0xd53b4400, 0xd51b4421, 0xd53b4422],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!((st.x[0], st.x[2]), (0x07f7_0000, 0xf800_009f));
        // FPSR accesses first fold in the host's exception flags (SyncFpsr).
        assert_eq!(
            h,
            vec![(Helper::WriteFpcr, vec![0x07f7_0000]), (Helper::SyncFpsr, vec![]), (Helper::SyncFpsr, vec![])]
        );
        // dczid, ctr, cntfrq, cntvct
        run(
            &[0xd53b00e0, 0xd53b0021, 0xd53be002],
            &mut st,
            &mut FlatMemory::default(),
        );
        assert_eq!(
            (st.x[0], st.x[1], st.x[2]),
            (sysreg::DCZID_EL0, sysreg::CTR_EL0, sysreg::CNTFRQ_EL0)
        );
        let h = run(&[0xd53be040], &mut st, &mut FlatMemory::default());
        assert_eq!((st.x[0], h.len()), (0x1234_5678, 1));
        // midr_el1, id_aa64isar0_el1: SIGILL (no HWCAP_CPUID); msr daifset: SIGILL; msr ssbs: ok.
        assert!(is_sigill(0xd5380000));
        assert!(is_sigill(0xd5380600));
        assert!(is_sigill(0xd50342df));
        assert!(!is_sigill(0xd503413f));
    }

    #[test]
    fn cache_ops_and_dc_zva() {
        let mut mem = FlatMemory::default();
        for k in 0..192u64 {
            mem.write(0x9000 + k, 1, 0xaa).unwrap();
        }
        let mut st = CpuState::default();
        st.x[1] = 0x9000 + 64 + 13;
        // dc zva, x1
        run(&[0xd50b7421], &mut st, &mut mem);
        assert_eq!(mem.read(0x9000 + 63, 1).unwrap(), 0xaa);
        for k in 64..128 {
            assert_eq!(mem.read(0x9000 + k, 1).unwrap(), 0, "byte {k}");
        }
        assert_eq!(mem.read(0x9000 + 128, 1).unwrap(), 0xaa);
        // dc cvau, ic ivau, dc civac -> cache_maint helper with the address
        let h = run(&[0xd50b7b21, 0xd50b7521, 0xd50b7e21], &mut st, &mut mem);
        assert_eq!(h.len(), 3);
        assert!(h
            .iter()
            .all(|(k, a)| *k == Helper::CacheMaint && a == &vec![st.x[1]]));
        // the kind: only IC IVAU invalidates translations
        let f = crate::isa::aarch64::lift_snippet(BASE, &[0xd50b7b21, 0xd50b7521, 0xd50b7e21]);
        let kinds: Vec<u64> = f.insts.iter().filter(|i| i.op == Op::Helper).map(|i| i.imm2).collect();
        assert_eq!(kinds, [crate::ir::CACHE_MAINT_DC, crate::ir::CACHE_MAINT_IC, crate::ir::CACHE_MAINT_DC]);
        // dc ivac is EL1 only
        assert!(is_sigill(0xd5087621));
    }
}
