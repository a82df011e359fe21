//! `AOT_STRACE=1`: one line per guest syscall on stderr, in qemu-user's `-strace` style:
//! `<tid> name(arg,arg,...) = result`, with paths and argument vectors read from the guest,
//! open/mmap/clone flags, protections and signals shown by name, errors as
//! `-1 errno=N (text)`. Calls that do not return (exit, exit_group, a successful execve) are
//! printed before they run.
//!
//! Unsupported syscalls (no handler) and ioctls (not in fd.rs's list) are reported once each on
//! stderr even without AOT_STRACE, so a gap shows up where it bites (rseq is expected and quiet:
//! glibc probes it at every start).

use crate::guest;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Copy, Clone)]
enum A {
    /// signed decimal
    I,
    /// unsigned hex
    X,
    /// octal (modes)
    O,
    Fd,
    Dirfd,
    Path,
    /// guest buffer with its length in the argument of this index
    Buf(usize),
    Argv,
    OFlags,
    Prot,
    MFlags,
    Clone,
    Sig,
}
use A::*;

fn spec(nr: u64) -> Option<&'static [A]> {
    Some(match nr {
        17 => &[X, I],
        23 => &[Fd],
        24 => &[Fd, Fd, OFlags],
        25 => &[Fd, I, X],
        29 => &[Fd, X, X],
        33 => &[Dirfd, Path, O, X],
        34 => &[Dirfd, Path, O],
        35 => &[Dirfd, Path, X],
        36 => &[Path, Dirfd, Path],
        37 | 38 => &[Dirfd, Path, Dirfd, Path, X],
        43 => &[Path, X],
        45 => &[Path, I],
        46 => &[Fd, I],
        48 => &[Dirfd, Path, O],
        49 | 51 => &[Path],
        50 | 57 => &[Fd],
        52 => &[Fd, O],
        53 => &[Dirfd, Path, O],
        54 => &[Dirfd, Path, I, I, X],
        56 => &[Dirfd, Path, OFlags, O],
        59 => &[X, OFlags],
        61 => &[Fd, X, I],
        62 => &[Fd, I, I],
        63 | 65 | 66 => &[Fd, X, I],
        64 => &[Fd, Buf(2), I],
        67 | 68 => &[Fd, X, I, I],
        78 => &[Dirfd, Path, X, I],
        79 => &[Dirfd, Path, X, X],
        80 => &[Fd, X],
        88 => &[Dirfd, Path, X, X],
        93 | 94 => &[I],
        96 => &[X],
        98 => &[X, I, I, X, X, I],
        99 => &[X, I],
        101 => &[X, X],
        113 | 114 => &[I, X],
        115 => &[I, X, X, X],
        129 | 130 => &[I, Sig],
        131 => &[I, I, Sig],
        134 => &[Sig, X, X, I],
        135 => &[I, X, X, I],
        160 => &[X],
        167 => &[I, X, X, X, X],
        169 => &[X, X],
        172..=178 => &[],
        198 => &[I, I, I],
        203 | 200 => &[Fd, X, I],
        214 => &[X],
        215 => &[X, X],
        216 => &[X, X, X, X, X],
        220 => &[Clone, X, X, X, X],
        221 => &[Path, Argv, X],
        222 => &[X, X, Prot, MFlags, Fd, X],
        226 => &[X, X, Prot],
        233 => &[X, X, I],
        260 => &[I, X, X, X],
        261 => &[I, I, X, X],
        278 => &[X, I, X],
        281 => &[Dirfd, Path, Argv, X, X],
        291 => &[Dirfd, Path, X, X, X],
        435 => &[X, I],
        437 => &[Dirfd, Path, X, I],
        439 => &[Dirfd, Path, O, X],
        _ => return None,
    })
}

const OFLAG_NAMES: &[(u64, &str)] = &[
    (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"),
    (0x800, "O_NONBLOCK"), (0x1000, "O_DSYNC"), (0x2000, "O_ASYNC"), (0x4000, "O_DIRECTORY"), (0x8000, "O_NOFOLLOW"),
    (0x1_0000, "O_DIRECT"), (0x2_0000, "O_LARGEFILE"), (0x4_0000, "O_NOATIME"), (0x8_0000, "O_CLOEXEC"),
    (0x10_0000, "__O_SYNC"), (0x20_0000, "O_PATH"), (0x40_0000, "__O_TMPFILE"),
];
const PROT_NAMES: &[(u64, &str)] = &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (0x10, "PROT_BTI"), (0x20, "PROT_MTE")];
const MAP_NAMES: &[(u64, &str)] = &[
    (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x100, "MAP_GROWSDOWN"), (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"),
    (0x1_0000, "MAP_NONBLOCK"), (0x2_0000, "MAP_STACK"), (0x4_0000, "MAP_HUGETLB"), (0x10_0000, "MAP_FIXED_NOREPLACE"),
];
const CLONE_NAMES: &[(u64, &str)] = &[
    (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"), (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"), (0x4000, "CLONE_VFORK"), (0x8000, "CLONE_PARENT"), (0x1_0000, "CLONE_THREAD"),
    (0x2_0000, "CLONE_NEWNS"), (0x4_0000, "CLONE_SYSVSEM"), (0x8_0000, "CLONE_SETTLS"), (0x10_0000, "CLONE_PARENT_SETTID"),
    (0x20_0000, "CLONE_CHILD_CLEARTID"), (0x40_0000, "CLONE_DETACHED"), (0x100_0000, "CLONE_CHILD_SETTID"),
];
const SIGNALS: [&str; 32] = [
    "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
    "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
];

fn flags(out: &mut String, mut v: u64, names: &[(u64, &str)], zero: &str) {
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push('|');
        }
        first = false;
    };
    if v == 0 {
        out.push_str(zero);
        return;
    }
    for &(bit, name) in names {
        if v & bit == bit {
            sep(out);
            out.push_str(name);
            v &= !bit;
        }
    }
    if v != 0 {
        sep(out);
        let _ = write!(out, "0x{v:x}");
    }
}

fn signal(out: &mut String, s: u64) {
    match SIGNALS.get(s as usize) {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "{}", s as i64);
        }
    }
}

fn quoted(out: &mut String, b: &[u8], more: bool) {
    out.push('"');
    for &c in b {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{c:o}");
            }
        }
    }
    out.push('"');
    if more {
        out.push_str("...");
    }
}

fn string_at(out: &mut String, p: u64, max: usize) {
    if p == 0 {
        out.push_str("NULL");
        return;
    }
    match guest::read_cstr(p, max) {
        Ok(s) => quoted(out, &s, false),
        Err(e) if e == -(libc::ENAMETOOLONG as i64) => {
            let mut b = vec![0u8; max];
            let _ = guest::read(p, &mut b);
            quoted(out, &b, true);
        }
        Err(_) => {
            let _ = write!(out, "0x{p:x}");
        }
    }
}

fn arg(out: &mut String, kind: A, v: u64, args: &[u64; 6]) {
    match kind {
        I => {
            let _ = write!(out, "{}", v as i64);
        }
        X => {
            let _ = write!(out, "0x{v:x}");
        }
        O => {
            let _ = write!(out, "0{v:o}");
        }
        Fd => {
            let _ = write!(out, "{}", v as i32);
        }
        Dirfd if v as i32 == -100 => out.push_str("AT_FDCWD"),
        Dirfd => {
            let _ = write!(out, "{}", v as i32);
        }
        Path => string_at(out, v, 256),
        Buf(len) => {
            let n = (args[len] as usize).min(32);
            let mut b = vec![0u8; n];
            if guest::read(v, &mut b).is_ok() {
                quoted(out, &b, (args[len] as usize) > n);
            } else {
                let _ = write!(out, "0x{v:x}");
            }
        }
        Argv => {
            if v == 0 {
                out.push_str("NULL");
                return;
            }
            out.push('[');
            for i in 0..8u64 {
                match guest::read_u64(v + 8 * i) {
                    Ok(0) => break,
                    Ok(p) => {
                        if i > 0 {
                            out.push(',');
                        }
                        string_at(out, p, 64);
                    }
                    Err(_) => break,
                }
                if i == 7 {
                    out.push_str(",...");
                }
            }
            out.push(']');
        }
        OFlags => {
            out.push_str(["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][(v & 3) as usize]);
            if v & !3 != 0 {
                out.push('|');
                flags(out, v & !3, OFLAG_NAMES, "");
            }
        }
        Prot => flags(out, v, PROT_NAMES, "PROT_NONE"),
        MFlags => {
            out.push_str(match v & 3 {
                1 => "MAP_SHARED",
                2 => "MAP_PRIVATE",
                3 => "MAP_SHARED_VALIDATE",
                _ => "0",
            });
            if v & !3 != 0 {
                out.push('|');
                flags(out, v & !3, MAP_NAMES, "");
            }
        }
        Clone => {
            flags(out, v & !0xff, CLONE_NAMES, "0");
            if v & 0xff != 0 {
                out.push('|');
                signal(out, v & 0xff);
            }
        }
        Sig => signal(out, v),
    }
}

/// `tid name(args)` for a call about to run.
pub fn format_call(nr: u64, name: &str, a: &[u64; 6]) -> String {
    let tid = crate::guest::sys(libc::SYS_gettid, &[]);
    let mut out = format!("{tid} {name}(");
    match spec(nr) {
        Some(kinds) => {
            for (i, &k) in kinds.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                arg(&mut out, k, a[i], a);
            }
        }
        None => {
            let _ = write!(out, "0x{:x},0x{:x},0x{:x},0x{:x},0x{:x},0x{:x}", a[0], a[1], a[2], a[3], a[4], a[5]);
        }
    }
    out.push(')');
    out
}

/// ` = result` as qemu prints it.
pub fn format_result(nr: u64, r: i64) -> String {
    if (-4095..0).contains(&r) {
        let e = std::io::Error::from_raw_os_error(-r as i32).to_string();
        let text = e.split(" (os error").next().unwrap_or(&e).to_string();
        format!(" = -1 errno={} ({text})\n", -r)
    } else if matches!(nr, 214 | 216 | 222) || r > 0xffff {
        format!(" = 0x{r:x}\n")
    } else {
        format!(" = {r}\n")
    }
}

/// One bit per syscall number below 512 and per hash slot of larger numbers / per hash slot of
/// ioctl requests: reported already.
static REPORTED_SYSCALLS: [AtomicU64; 16] = [const { AtomicU64::new(0) }; 16];
static REPORTED_IOCTLS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

fn first_time(set: &[AtomicU64], key: u64) -> bool {
    let slot = (key as usize / 64) % set.len();
    let bit = 1u64 << (key % 64);
    set[slot].fetch_or(bit, Ordering::Relaxed) & bit == 0
}

/// Syscalls that return -ENOSYS as documented behaviour that programs probe at start-up.
const QUIET_ENOSYS: &[u64] = &[293];

/// Report an unsupported syscall number once per process.
pub fn unsupported_syscall(nr: u64, name: Option<&str>) {
    let key = if nr < 512 { nr } else { 512 + (nr.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 55) };
    if QUIET_ENOSYS.contains(&nr) || !first_time(&REPORTED_SYSCALLS, key) {
        return;
    }
    guest::write_stderr(&format!("aot-runtime: unsupported syscall {nr} ({}): -ENOSYS\n", name.unwrap_or("unknown")));
}

/// `_IOC(dir, type, nr, size)` of an ioctl request, as text.
pub fn ioctl_name(req: u64) -> String {
    let (dir, ty, nr, size) = (req >> 30 & 3, (req >> 8 & 0xff) as u8, req & 0xff, req >> 16 & 0x3fff);
    let t = if ty.is_ascii_graphic() { format!("'{}'", ty as char) } else { format!("0x{ty:x}") };
    match dir {
        0 => format!("_IO({t}, 0x{nr:x})"),
        1 => format!("_IOW({t}, 0x{nr:x}, {size})"),
        2 => format!("_IOR({t}, 0x{nr:x}, {size})"),
        _ => format!("_IOWR({t}, 0x{nr:x}, {size})"),
    }
}

/// Report an ioctl request the runtime does not handle, once per request (hash slot).
pub fn unsupported_ioctl(req: u64) {
    let h = req.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52;
    if !first_time(&REPORTED_IOCTLS, h) {
        return;
    }
    guest::write_stderr(&format!("aot-runtime: unsupported ioctl 0x{req:x} ({}): -ENOTTY\n", ioctl_name(req)));
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn decodes_arguments() {
        let path = c"/etc/passwd";
        let a = [(-100i64) as u64, path.as_ptr() as u64, 0x80000 | 0x4000, 0, 0, 0];
        let s = format_call(56, "openat", &a);
        assert!(s.ends_with(" openat(AT_FDCWD,\"/etc/passwd\",O_RDONLY|O_DIRECTORY|O_CLOEXEC,00)"), "{s}");
        let m = format_call(222, "mmap", &[0, 0x1000, 3, 0x22, u64::MAX, 0]);
        assert!(m.ends_with("mmap(0x0,0x1000,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0x0)"), "{m}");
        let c = format_call(220, "clone", &[0x1200011, 0, 0, 0, 0, 0]);
        assert!(c.contains("clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD,"), "{c}");
        let msg = b"hi\n";
        let w = format_call(64, "write", &[1, msg.as_ptr() as u64, 3, 0, 0, 0]);
        assert!(w.ends_with("write(1,\"hi\\n\",3)"), "{w}");
        let argv = [c"echo".as_ptr() as u64, c"x y".as_ptr() as u64, 0];
        let e = format_call(221, "execve", &[c"/bin/echo".as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0]);
        assert!(e.ends_with("execve(\"/bin/echo\",[\"echo\",\"x y\"],0x0)"), "{e}");
        assert!(format_call(129, "kill", &[5, 9, 0, 0, 0, 0]).ends_with("kill(5,SIGKILL)"));
        assert!(format_call(56, "openat", &[3, 8, 0, 0, 0, 0]).ends_with("openat(3,0x8,O_RDONLY,00)"));
        assert!(format_call(9999, "x", &[1, 2, 3, 4, 5, 6]).ends_with("x(0x1,0x2,0x3,0x4,0x5,0x6)"));
    }
    #[test]
    fn results() {
        assert_eq!(format_result(56, -2), " = -1 errno=2 (No such file or directory)\n");
        assert_eq!(format_result(56, 3), " = 3\n");
        assert_eq!(format_result(222, 0x1000), " = 0x1000\n");
    }
    #[test]
    fn ioctl_names() {
        assert_eq!(ioctl_name(0x5401), "_IO('T', 0x1)");
        assert_eq!(ioctl_name(0x8004_5430), "_IOR('T', 0x30, 4)");
        assert!(first_time(&REPORTED_IOCTLS, 3));
        assert!(!first_time(&REPORTED_IOCTLS, 3));
    }
}
