//! /proc as an AArch64 process sees it. Opening one of these files gives a memfd holding what an
//! arm64 kernel would show (read-only opens only; anything else goes to the host file):
//! - `/proc/self/maps` (also `/proc/thread-self/maps`, `/proc/<own pid>/maps`): only guest mappings,
//!   from the host's own list clipped to what the guest has mapped (mem.rs bookkeeping); the guest
//!   stack is `[stack]` (glibc's pthread_getattr_np looks for the line holding __libc_stack_end),
//!   the brk area `[heap]`, the loaded segments of the guest ELF carry its path;
//! - `/proc/self/auxv` (same aliases): the guest's auxiliary vector;
//! - `/proc/cpuinfo`: arm64 format, `Features` exactly the AT_HWCAP bits we advertise.
//!
//! /proc/self/exe (readlink and open) is in fs.rs; uname's machine in misc.rs.

use crate::guest::sys;
use crate::mem;

/// The file `path` names, if it is one of ours, relative to the process: "maps", "auxv",
/// "cpuinfo".
fn which(path: &[u8]) -> Option<&'static str> {
    if path == b"/proc/cpuinfo" {
        return Some("cpuinfo");
    }
    let rest = path.strip_prefix(b"/proc/")?;
    let slash = rest.iter().position(|&c| c == b'/')?;
    let (who, file) = (&rest[..slash], &rest[slash + 1..]);
    let me = who == b"self" || who == b"thread-self" || {
        let pid = sys(libc::SYS_getpid, &[]);
        who == pid.to_string().as_bytes()
    };
    if !me {
        return None;
    }
    match file {
        b"maps" => Some("maps"),
        b"auxv" => Some("auxv"),
        _ => None,
    }
}

/// openat hook: Some(fd or -errno) when `path` is emulated here.
pub fn open(path: &[u8], host_flags: u64) -> Option<i64> {
    if host_flags & libc::O_ACCMODE as u64 != libc::O_RDONLY as u64 {
        return None;
    }
    let content = match which(path)? {
        "maps" => maps(),
        "auxv" => auxv(),
        _ => cpuinfo(),
    };
    Some(memfd_with(&content, host_flags))
}

/// A sealed-size memfd holding `data`, positioned at 0.
pub fn memfd_with(mut data: &[u8], host_flags: u64) -> i64 {
    let cloexec = if host_flags & libc::O_CLOEXEC as u64 != 0 { libc::MFD_CLOEXEC as u64 } else { 0 };
    let fd = sys(libc::SYS_memfd_create, &[c"aot-proc".as_ptr() as u64, cloexec]);
    if fd < 0 {
        return fd;
    }
    while !data.is_empty() {
        let r = sys(libc::SYS_write, &[fd as u64, data.as_ptr() as u64, data.len() as u64]);
        if r == -(libc::EINTR as i64) {
            continue;
        }
        if r <= 0 {
            sys(libc::SYS_close, &[fd as u64]);
            return if r < 0 { r } else { -(libc::EIO as i64) };
        }
        data = &data[r as usize..];
    }
    sys(libc::SYS_lseek, &[fd as u64, 0, libc::SEEK_SET as u64]);
    fd
}

pub fn auxv() -> Vec<u8> {
    super::misc::AUXV.get().map(|v| v.iter().flat_map(|w| w.to_le_bytes()).collect()).unwrap_or_default()
}

/// One line of /proc/<pid>/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapLine {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    pub dev: String,
    pub inode: u64,
    pub name: String,
}

impl MapLine {
    pub fn parse(line: &str) -> Option<MapLine> {
        let mut f = line.splitn(6, ' ');
        let (range, perms, off, dev, inode) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
        let (a, b) = range.split_once('-')?;
        Some(MapLine {
            start: u64::from_str_radix(a, 16).ok()?,
            end: u64::from_str_radix(b, 16).ok()?,
            perms: perms.to_string(),
            offset: u64::from_str_radix(off, 16).ok()?,
            dev: dev.to_string(),
            inode: inode.parse().ok()?,
            name: f.next().unwrap_or("").trim_start().to_string(),
        })
    }
    /// The kernel's format (fs/proc/task_mmu.c show_map_vma: the name starts at column 73).
    pub fn render(&self, out: &mut String) {
        let head = format!("{:08x}-{:08x} {} {:08x} {} {} ", self.start, self.end, self.perms, self.offset, self.dev, self.inode);
        out.push_str(&head);
        if !self.name.is_empty() {
            for _ in head.len()..73 {
                out.push(' ');
            }
            out.push_str(&self.name);
        }
        out.push('\n');
    }
}

/// What the guest sees of the address space: `host` (the host's maps lines) clipped to the
/// `used` guest ranges, minus `hidden` ranges (runtime reservations such as the stack guard), with
/// the `labels` (range, name, file offset of the range start or None) applied.
pub fn guest_maps(host: &[MapLine], used: &[(u64, u64)], hidden: &[(u64, u64)], labels: &[(u64, u64, String, Option<u64>)]) -> Vec<MapLine> {
    let mut out: Vec<MapLine> = Vec::new();
    for h in host {
        for &(us, ue) in used {
            let (mut s, e) = (h.start.max(us), h.end.min(ue));
            if s >= e {
                continue;
            }
            // Cut at every hidden range and label boundary inside [s, e).
            let mut cuts: Vec<u64> = hidden.iter().chain(labels.iter().map(|l| (l.0, l.1)).collect::<Vec<_>>().iter()).flat_map(|&(a, b)| [a, b]).filter(|&c| c > s && c < e).collect();
            cuts.push(e);
            cuts.sort_unstable();
            cuts.dedup();
            for c in cuts {
                let piece = (s, c);
                s = c;
                if hidden.iter().any(|&(a, b)| a <= piece.0 && piece.1 <= b) {
                    continue;
                }
                let mut l = h.clone();
                l.start = piece.0;
                l.end = piece.1;
                if l.name.is_empty() || l.inode == 0 {
                    if let Some((ls, _, name, off)) = labels.iter().find(|x| x.0 <= piece.0 && piece.1 <= x.1) {
                        l.name = name.clone();
                        if let Some(o) = off {
                            l.offset = o.wrapping_add(piece.0 - ls);
                        }
                    }
                }
                if l.offset != 0 && l.inode == 0 && !labels.iter().any(|x| x.0 <= piece.0 && piece.1 <= x.1 && x.3.is_some()) {
                    l.offset = 0;
                }
                // Merge with the previous line when the kernel would show one mapping.
                if let Some(p) = out.last_mut() {
                    if p.end == l.start && p.perms == l.perms && p.name == l.name && p.inode == l.inode && p.dev == l.dev
                        && (p.inode == 0 && p.offset == 0 && l.offset == 0 || p.offset.wrapping_add(p.end - p.start) == l.offset)
                    {
                        p.end = l.end;
                        continue;
                    }
                }
                out.push(l);
            }
        }
    }
    out
}

pub fn maps() -> Vec<u8> {
    let host_text = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let host: Vec<MapLine> = host_text.lines().filter_map(MapLine::parse).filter(|l| l.start < mem::guest_hi() && l.end > mem::GUEST_LO).collect();
    let (used, brk_start, brk_cur) = mem::with_space(|s| {
        let used: Vec<(u64, u64)> = s.regions().into_iter().filter(|&(a, b)| !s.host_overlap(a, b)).collect();
        (used, s.brk_start, s.brk_cur)
    });
    let stack_lo = mem::stack_top() - mem::STACK_SIZE;
    let hidden = [(mem::mmap_top(), stack_lo), (mem::stack_top(), mem::guest_hi())];
    let exe = String::from_utf8_lossy(crate::entry::exe_path()).into_owned();
    let mut labels = vec![(stack_lo, mem::stack_top(), "[stack]".to_string(), None)];
    if let Some(top) = mem::page_up(brk_cur).filter(|&t| t > brk_start) {
        labels.push((brk_start, top, "[heap]".to_string(), None));
    }
    if let Ok(elf) = crate::elf::Elf::parse(crate::glue::image()) {
        for p in elf.phdrs.iter().filter(|p| p.p_type == crate::elf::PT_LOAD && p.filesz > 0) {
            let s = mem::page_down(p.vaddr);
            if let Some(e) = p.vaddr.checked_add(p.filesz).and_then(mem::page_up) {
                labels.push((s, e, exe.clone(), Some(mem::page_down(p.offset))));
            }
        }
    }
    let mut out = String::new();
    for l in guest_maps(&host, &used, &hidden, &labels) {
        l.render(&mut out);
    }
    out.into_bytes()
}

/// Linux's arm64 hwcap names (arch/arm64/kernel/cpuinfo.c), by AT_HWCAP bit.
const HWCAP_NAMES: [&str; 32] = [
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid",
    "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512", "sve", "asimdfhm",
    "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg",
];

pub fn features(hwcap: u64) -> String {
    HWCAP_NAMES.iter().enumerate().filter(|(i, _)| hwcap >> i & 1 != 0).map(|(_, n)| *n).collect::<Vec<_>>().join(" ")
}

pub fn cpuinfo() -> Vec<u8> {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1);
    let feat = features(aot_lifter::cpu::hwcap::ADVERTISED);
    let mut s = String::new();
    for i in 0..n {
        // A generic Armv8.0 core (Cortex-A72's MIDR fields); BogoMIPS from the 1 GHz CNTFRQ_EL0.
        s += &format!(
            "processor\t: {i}\nBogoMIPS\t: {}.00\nFeatures\t: {feat}\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n",
            aot_lifter::cpu::sysreg::CNTFRQ_EL0 / 500_000
        );
    }
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    fn ml(s: &str) -> MapLine {
        MapLine::parse(s).unwrap()
    }
    #[test]
    fn parse_and_render() {
        let l = ml("7f2db9ff6000-7f2db9ff8000 rw-p 001d3000 fe:00 326279                     /usr/lib/libc.so.6");
        assert_eq!((l.start, l.end, l.offset, l.inode), (0x7f2db9ff6000, 0x7f2db9ff8000, 0x1d3000, 326279));
        assert_eq!(l.name, "/usr/lib/libc.so.6");
        let mut s = String::new();
        l.render(&mut s);
        assert_eq!(s, "7f2db9ff6000-7f2db9ff8000 rw-p 001d3000 fe:00 326279                     /usr/lib/libc.so.6\n");
        let a = ml("7f2db9ff8000-7f2dba005000 rw-p 00000000 00:00 0 ");
        assert_eq!(a.name, "");
        let mut s = String::new();
        a.render(&mut s);
        assert_eq!(s, "7f2db9ff8000-7f2dba005000 rw-p 00000000 00:00 0 \n");
        assert!(MapLine::parse("garbage").is_none());
        assert!(MapLine::parse("zz-10 r--p 0 00:00 0").is_none());
    }
    #[test]
    fn only_guest_ranges_with_labels() {
        let host = vec![
            ml("00010000-00400000 ---p 00000000 00:00 0"),
            ml("00400000-00480000 r-xp 00000000 00:00 0"),
            ml("00480000-004a0000 rw-p 00000000 00:00 0"),
            ml("004a0000-3ffffe000000 ---p 00000000 00:00 0"),
            ml("3ffffe000000-3fffff000000 rw-p 00000000 00:00 0"),
            ml("3fffff000000-400000000000 ---p 00000000 00:00 0"),
        ];
        let used = vec![(0x400000, 0x4a0000), (0x3ffffd000000, 0x400000000000)];
        let hidden = [(0x3ffffd000000, 0x3ffffe000000), (0x3fffff000000, 0x400000000000)];
        let labels = vec![
            (0x3ffffe000000, 0x3fffff000000, "[stack]".to_string(), None),
            (0x400000, 0x480000, "/g/prog".to_string(), Some(0)),
            (0x490000, 0x4a0000, "[heap]".to_string(), None),
        ];
        let m = guest_maps(&host, &used, &hidden, &labels);
        let names: Vec<(u64, u64, &str)> = m.iter().map(|l| (l.start, l.end, l.name.as_str())).collect();
        assert_eq!(
            names,
            vec![
                (0x400000, 0x480000, "/g/prog"),
                (0x480000, 0x490000, ""),
                (0x490000, 0x4a0000, "[heap]"),
                (0x3ffffe000000, 0x3fffff000000, "[stack]"),
            ]
        );
    }
    #[test]
    fn cpuinfo_matches_hwcap() {
        assert_eq!(features(aot_lifter::cpu::hwcap::ADVERTISED), "fp asimd aes pmull sha1 sha2 crc32 atomics");
        let c = String::from_utf8(cpuinfo()).unwrap();
        assert!(c.starts_with("processor\t: 0\nBogoMIPS\t: 2000.00\nFeatures\t: fp asimd aes"));
    }
    #[test]
    fn which_files() {
        assert_eq!(which(b"/proc/self/maps"), Some("maps"));
        assert_eq!(which(b"/proc/thread-self/auxv"), Some("auxv"));
        assert_eq!(which(b"/proc/cpuinfo"), Some("cpuinfo"));
        let own = format!("/proc/{}/maps", std::process::id());
        assert_eq!(which(own.as_bytes()), Some("maps"));
        assert_eq!(which(b"/proc/1/maps"), None.filter(|_| std::process::id() != 1));
        assert_eq!(which(b"/proc/self/status"), None);
        assert_eq!(which(b"/etc/passwd"), None);
    }
}
