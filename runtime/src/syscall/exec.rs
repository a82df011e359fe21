//! execve / execveat.
//!
//! What runs depends on the target file, as the kernel would decide it on an arm64 machine:
//! - an AArch64 ELF: its translation, found by the SHA-256 of the file's bytes in the executable
//!   cache that `aot-translate` fills (`$AOT_XLAT_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/
//!   aot-translate/exe`, the rule of translator/src/cache.rs `exe_cache_dir`). argv and the
//!   environment are kept (argv[0] as given); the new process learns its guest path (for
//!   /proc/self/exe) from `AOT_GUEST_EXE`, which its runtime removes from the guest's environment.
//!   No translation: the program runs JIT-only (docs/jit.md, "run mode"): our own host executable
//!   (/proc/self/exe, which holds the whole runtime) is exec'd with `AOT_RUN_GUEST=<guest path>`,
//!   which makes its runtime read the guest from that file and ignore its own AOT code. With
//!   `AOT_EXEC_JIT=0` in the runtime's environment, the old behaviour: one line on stderr naming
//!   the file and how to translate it, and -ENOEXEC;
//! - `/proc/self/exe` (and `/proc/<own pid>/exe`): the same guest program again (our own host
//!   executable, with the same guest path, and in run mode the same AOT_RUN_GUEST);
//! - a `#!` script whose interpreter is an AArch64 ELF (or another such script): the interpreter's
//!   translation with Linux's argv rewriting (interpreter, the optional argument, the script path,
//!   argv[1..]);
//! - anything else (x86-64 programs, scripts with a native interpreter, errors): the host execve,
//!   with the guest's own argument arrays (same layout on both ABIs).

use super::Args;
use crate::guest::{self, sys, EFAULT};
use crate::CpuState;
use std::ffi::CString;

/// The variable that tells a translated program the guest path it was exec'd as.
pub const GUEST_EXE_VAR: &[u8] = b"AOT_GUEST_EXE";
/// The variable that hands the executable cache folder the parent used to the new program's
/// runtime (its guest may have been given an environment without AOT_XLAT_CACHE).
pub const CACHE_VAR: &[u8] = b"AOT_RUNTIME_XLAT_CACHE";
/// The variable that makes a runtime run the guest ELF at that path JIT-only instead of its
/// embedded one (`aot-translate run`, and execve of an AArch64 program without a translation).
pub const RUN_GUEST_VAR: &[u8] = b"AOT_RUN_GUEST";
/// The folder a translated parent handed down (from CACHE_VAR at start-up).
pub static INHERITED_CACHE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

const EM_AARCH64: u16 = 183;
/// Linux reads this much of a file to recognise it (BINPRM_BUF_SIZE).
const BINPRM_BUF: usize = 256;
/// Linux allows a script interpreter to be a script this many times.
const MAX_SCRIPT_DEPTH: usize = 4;
const AT_FDCWD: i64 = -100;
const AT_EMPTY_PATH: u64 = 0x1000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const ENOEXEC: i64 = -(libc::ENOEXEC as i64);
const EACCES: i64 = -(libc::EACCES as i64);

pub fn execve(_: &mut CpuState, a: &Args) -> i64 {
    exec_common(AT_FDCWD, a[0], a[1], a[2], 0)
}

pub fn execveat(_: &mut CpuState, a: &Args) -> i64 {
    exec_common(a[0] as i32 as i64, a[1], a[2], a[3], a[4])
}

/// A NULL-terminated guest array of string pointers (NULL array = empty, as Linux accepts).
fn read_str_array(mut p: u64) -> Result<Vec<Vec<u8>>, i64> {
    let mut out = Vec::new();
    if p == 0 {
        return Ok(out);
    }
    loop {
        let s = guest::read_u64(p)?;
        if s == 0 {
            return Ok(out);
        }
        if out.len() > 1 << 20 {
            return Err(-(libc::E2BIG as i64));
        }
        out.push(guest::read_cstr(s, 128 << 10)?);
        p = p.checked_add(8).ok_or(EFAULT)?;
    }
}

/// What a file is, from its first bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    GuestElf,
    /// `#!` line: interpreter and optional argument (Linux rules).
    Script(Vec<u8>, Option<Vec<u8>>),
    Other,
}

pub fn classify(head: &[u8]) -> Result<Kind, i64> {
    if head.len() >= 20 && head[..4] == *b"\x7fELF" {
        let machine = u16::from_le_bytes([head[18], head[19]]);
        return Ok(if head[5] == 1 && machine == EM_AARCH64 { Kind::GuestElf } else { Kind::Other });
    }
    if head.len() >= 2 && head[..2] == *b"#!" {
        return parse_shebang(&head[2..]).map(|(i, a)| Kind::Script(i, a));
    }
    Ok(Kind::Other)
}

/// The `#!` line after the two characters, as fs/binfmt_script.c reads it: the line ends at a
/// newline (or the end of the buffer); leading blanks are skipped; the interpreter ends at a blank;
/// the rest, without surrounding blanks, is one optional argument. An interpreter name that reaches
/// the end of the buffer without a newline is truncated: -ENOEXEC. No interpreter: -ENOEXEC.
pub fn parse_shebang(rest: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), i64> {
    let blank = |c: u8| c == b' ' || c == b'\t';
    let (line, complete) = match rest.iter().position(|&c| c == b'\n') {
        Some(n) => (&rest[..n], true),
        None => (rest, false),
    };
    let line = match line.iter().position(|&c| c == 0) {
        Some(n) => &line[..n],
        None => line,
    };
    let start = line.iter().position(|&c| !blank(c)).unwrap_or(line.len());
    let line = &line[start..];
    let end = line.iter().position(|&c| blank(c)).unwrap_or(line.len());
    if end == 0 || (!complete && end == line.len()) {
        return Err(ENOEXEC);
    }
    let interp = line[..end].to_vec();
    let arg = &line[end..];
    let a0 = arg.iter().position(|&c| !blank(c)).unwrap_or(arg.len());
    let a1 = arg.iter().rposition(|&c| !blank(c)).map_or(a0, |i| i + 1);
    let arg = &arg[a0..a1.max(a0)];
    Ok((interp, (!arg.is_empty()).then(|| arg.to_vec())))
}

/// An open file of a candidate target, closed on drop (and on exec: O_CLOEXEC).
struct File(i64);
impl Drop for File {
    fn drop(&mut self) {
        sys(libc::SYS_close, &[self.0 as u64]);
    }
}

fn cstring(b: &[u8]) -> Result<CString, i64> {
    CString::new(b.to_vec()).map_err(|_| -(libc::EINVAL as i64))
}

/// Open `path` (relative to `dirfd`) for reading what it is. Err: the host execve should decide.
fn open_target(dirfd: i64, path: &[u8], flags: u64) -> Result<File, i64> {
    let mut oflags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        oflags |= libc::O_NOFOLLOW as u64;
    }
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(-(libc::ENOENT as i64));
        }
        let fd = sys(libc::SYS_fcntl, &[dirfd as u64, libc::F_DUPFD_CLOEXEC as u64, 0]);
        return if fd < 0 { Err(fd) } else { Ok(File(fd)) };
    }
    let c = cstring(path)?;
    let fd = sys(libc::SYS_openat, &[dirfd as u64, c.as_ptr() as u64, oflags]);
    if fd < 0 {
        Err(fd)
    } else {
        Ok(File(fd))
    }
}

fn read_all(fd: &File, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while out.len() < limit {
        let want = buf.len().min(limit - out.len());
        let r = sys(libc::SYS_read, &[fd.0 as u64, buf.as_mut_ptr() as u64, want as u64]);
        if r == -(libc::EINTR as i64) {
            continue;
        }
        if r <= 0 {
            break;
        }
        out.extend_from_slice(&buf[..r as usize]);
    }
    out
}

/// The canonical path of an open file (what /proc/self/exe shows for it).
fn fd_path(fd: &File) -> Vec<u8> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.0)).map(|p| p.into_os_string().into_encoded_bytes()).unwrap_or_default()
}

/// Linux's checks before running a file: a regular file with execute permission.
fn check_exec_permission(fd: &File) -> Result<(), i64> {
    let mut h = super::fs::HostStat::default();
    let r = sys(libc::SYS_fstat, &[fd.0 as u64, &mut h as *mut _ as u64]);
    if r < 0 {
        return Err(r);
    }
    if h.mode & libc::S_IFMT != libc::S_IFREG {
        return Err(EACCES);
    }
    // X_OK for the caller on this very file (the path may have been a symlink or an fd).
    let p = format!("/proc/self/fd/{}\0", fd.0);
    let r = sys(libc::SYS_faccessat, &[AT_FDCWD as u64, p.as_ptr() as u64, libc::X_OK as u64]);
    if r < 0 {
        return Err(r);
    }
    Ok(())
}

/// The executable cache folder, by the rule of translator/src/cache.rs `exe_cache_dir`; the
/// environment given to execve wins over the runtime's own (what the new process would see), and a
/// folder handed down by a translated parent over the defaults.
pub fn exe_cache_dir(envp: &[Vec<u8>]) -> Option<Vec<u8>> {
    let var = |name: &[u8]| -> Option<Vec<u8>> {
        for e in envp {
            if e.len() > name.len() && e.starts_with(name) && e[name.len()] == b'=' {
                return Some(e[name.len() + 1..].to_vec());
            }
        }
        std::env::var_os(std::str::from_utf8(name).ok()?).map(|v| v.into_encoded_bytes())
    };
    cache_dir_rule(var, INHERITED_CACHE.get().map(|v| v.as_slice()))
}

fn cache_dir_rule(var: impl Fn(&[u8]) -> Option<Vec<u8>>, inherited: Option<&[u8]>) -> Option<Vec<u8>> {
    if let Some(d) = var(b"AOT_XLAT_CACHE") {
        return (!d.is_empty()).then_some(d);
    }
    if let Some(d) = inherited {
        return Some(d.to_vec());
    }
    if let Some(d) = var(b"XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some([d.as_slice(), b"/aot-translate/exe"].concat());
    }
    var(b"HOME").map(|h| [h.as_slice(), b"/.cache/aot-translate/exe"].concat())
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Execute host `prog` with `argv` and the guest environment plus AOT_GUEST_EXE=`guest_exe` (and
/// AOT_RUN_GUEST=`run_guest`: `prog` is then a runtime that runs that guest file JIT-only).
/// Returns only on failure.
fn host_exec(prog: &[u8], argv: &[Vec<u8>], envp: &[Vec<u8>], guest_exe: &[u8], run_guest: Option<&[u8]>) -> i64 {
    let prefix = [GUEST_EXE_VAR, b"="].concat();
    let cprefix = [CACHE_VAR, b"="].concat();
    let rprefix = [RUN_GUEST_VAR, b"="].concat();
    let mut env: Vec<Vec<u8>> = envp
        .iter()
        .filter(|e| !e.starts_with(&prefix) && !e.starts_with(&cprefix) && !e.starts_with(&rprefix))
        .cloned()
        .collect();
    env.push([prefix.as_slice(), guest_exe].concat());
    if let Some(g) = run_guest {
        env.push([rprefix.as_slice(), g].concat());
    }
    if let Some(d) = exe_cache_dir(envp) {
        env.push([cprefix.as_slice(), &d].concat());
    }
    let to_c = |v: &[Vec<u8>]| -> Result<Vec<CString>, i64> { v.iter().map(|s| cstring(s)).collect() };
    let (Ok(prog), Ok(args), Ok(env)) = (cstring(prog), to_c(argv), to_c(&env)) else {
        return -(libc::EINVAL as i64);
    };
    let mut ap: Vec<*const libc::c_char> = args.iter().map(|c| c.as_ptr()).collect();
    ap.push(core::ptr::null());
    let mut ep: Vec<*const libc::c_char> = env.iter().map(|c| c.as_ptr()).collect();
    ep.push(core::ptr::null());
    sys(libc::SYS_execve, &[prog.as_ptr() as u64, ap.as_ptr() as u64, ep.as_ptr() as u64])
}

/// Run the AArch64 program open in `fd` (guest path `display` as given) through its translation.
fn exec_guest(fd: &File, display: &[u8], argv: &[Vec<u8>], envp: &[Vec<u8>]) -> i64 {
    if let Err(e) = check_exec_permission(fd) {
        return e;
    }
    sys(libc::SYS_lseek, &[fd.0 as u64, 0, libc::SEEK_SET as u64]);
    let bytes = read_all(fd, 1 << 31);
    let key = sha256_hex(&bytes);
    let guest_path = fd_path(fd);
    let name = String::from_utf8_lossy(if display.is_empty() { &guest_path } else { display }).into_owned();
    let exe: &[u8] = if guest_path.is_empty() { display } else { &guest_path };
    let Some(dir) = exe_cache_dir(envp) else {
        if exec_jit(envp) {
            return host_exec(b"/proc/self/exe", argv, envp, exe, Some(exe));
        }
        guest::write_stderr(&format!(
            "aot-runtime: cannot run AArch64 program {name}: the executable cache is disabled (AOT_XLAT_CACHE is empty)\n"
        ));
        return ENOEXEC;
    };
    let prog = [dir.as_slice(), b"/", key.as_bytes()].concat();
    let r = host_exec(&prog, argv, envp, exe, None);
    if r == -(libc::ENOENT as i64) {
        if exec_jit(envp) {
            // No translation: run it JIT-only in our own executable (module comment).
            return host_exec(b"/proc/self/exe", argv, envp, exe, Some(exe));
        }
        guest::write_stderr(&format!(
            "aot-runtime: cannot run AArch64 program {name}: no translation in {} (sha256 {key}); translate it first: aot-translate {name} -o {name}.x86 (or run it JIT-only: aot-translate run {name})\n",
            String::from_utf8_lossy(&dir)
        ));
        return ENOEXEC;
    }
    r
}

/// Whether an AArch64 program without a translation runs JIT-only (default) rather than failing
/// with ENOEXEC: `AOT_EXEC_JIT=0` in the environment given to execve, else in the runtime's own.
fn exec_jit(envp: &[Vec<u8>]) -> bool {
    const VAR: &[u8] = b"AOT_EXEC_JIT=";
    match envp.iter().find(|e| e.starts_with(VAR)) {
        Some(e) => &e[VAR.len()..] != b"0",
        None => std::env::var_os("AOT_EXEC_JIT").is_none_or(|v| v != "0"),
    }
}

fn exec_common(dirfd: i64, path_p: u64, argv_p: u64, envp_p: u64, flags: u64) -> i64 {
    let path = match guest::read_cstr(path_p, 4096) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let passthrough = || {
        if dirfd == AT_FDCWD && flags == 0 {
            sys(libc::SYS_execve, &[path_p, argv_p, envp_p])
        } else {
            sys(libc::SYS_execveat, &[dirfd as u64, path_p, argv_p, envp_p, flags])
        }
    };
    let (argv, envp) = match (read_str_array(argv_p), read_str_array(envp_p)) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if path.first() == Some(&b'/') && super::fs::is_self_exe(&path) {
        return host_exec(b"/proc/self/exe", &argv, &envp, crate::entry::exe_path(), crate::glue::foreign_path());
    }
    let Ok(fd) = open_target(dirfd, &path, flags) else { return passthrough() };
    let mut head = read_all(&fd, BINPRM_BUF);
    let kind = match classify(&head) {
        Ok(k) => k,
        Err(e) => return e,
    };
    match kind {
        Kind::GuestElf => exec_guest(&fd, &path, &argv, &envp),
        Kind::Other => passthrough(),
        Kind::Script(..) => {
            // Follow interpreters until an AArch64 ELF (ours to run) or anything else (the
            // kernel's: pass the original call through).
            let script_path = if path.is_empty() { format!("/dev/fd/{}", dirfd).into_bytes() } else { path.clone() };
            let mut argv = argv;
            let mut script = script_path;
            let mut cur = fd;
            for _ in 0..MAX_SCRIPT_DEPTH {
                let Ok(Kind::Script(interp, arg)) = classify(&head) else { break };
                if check_exec_permission(&cur).is_err() {
                    return passthrough();
                }
                let mut new = vec![interp.clone()];
                new.extend(arg);
                new.push(script.clone());
                new.extend(argv.iter().skip(1).cloned());
                argv = new;
                let Ok(ifd) = open_target(AT_FDCWD, &interp, 0) else { return passthrough() };
                head = read_all(&ifd, BINPRM_BUF);
                match classify(&head) {
                    Ok(Kind::GuestElf) => return exec_guest(&ifd, &interp, &argv, &envp),
                    Ok(Kind::Script(..)) => script = interp,
                    _ => return passthrough(),
                }
                cur = ifd;
            }
            passthrough()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn shebang_rules() {
        assert_eq!(parse_shebang(b"/bin/sh\n"), Ok((b"/bin/sh".to_vec(), None)));
        assert_eq!(parse_shebang(b" \t/usr/bin/env  python3 -u \t\nrest"), Ok((b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec()))));
        assert_eq!(parse_shebang(b"/x a b c\r\n"), Ok((b"/x".to_vec(), Some(b"a b c\r".to_vec()))));
        assert_eq!(parse_shebang(b"   \n"), Err(ENOEXEC));
        assert_eq!(parse_shebang(b""), Err(ENOEXEC));
        // the buffer ends inside the interpreter name: truncated
        assert_eq!(parse_shebang(b"/very/long/name"), Err(ENOEXEC));
        // ...but inside the argument is fine
        assert_eq!(parse_shebang(b"/bin/sh -x-trunc"), Ok((b"/bin/sh".to_vec(), Some(b"-x-trunc".to_vec()))));
    }
    #[test]
    fn classify_files() {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[18] = 183;
        assert_eq!(classify(&elf), Ok(Kind::GuestElf));
        elf[18] = 62;
        assert_eq!(classify(&elf), Ok(Kind::Other));
        assert_eq!(classify(b"#!/bin/sh\necho"), Ok(Kind::Script(b"/bin/sh".to_vec(), None)));
        assert_eq!(classify(b"plain text"), Ok(Kind::Other));
        assert_eq!(classify(b"\x7fEL"), Ok(Kind::Other));
    }
    #[test]
    fn cache_dir_rules() {
        let rule = |v: &[&str], inh: Option<&[u8]>| {
            let vars: Vec<(String, String)> =
                v.iter().map(|s| s.split_once('=').map(|(a, b)| (a.to_string(), b.to_string())).unwrap()).collect();
            let var = move |n: &[u8]| vars.iter().find(|(k, _)| k.as_bytes() == n).map(|(_, v)| v.as_bytes().to_vec());
            cache_dir_rule(var, inh).map(|d| String::from_utf8(d).unwrap())
        };
        assert_eq!(rule(&["AOT_XLAT_CACHE=/c", "HOME=/h"], Some(b"/i")), Some("/c".into()));
        assert_eq!(rule(&["AOT_XLAT_CACHE=", "HOME=/h"], None), None);
        assert_eq!(rule(&["HOME=/h"], Some(b"/i")), Some("/i".into()));
        assert_eq!(rule(&["HOME=/h"], None), Some("/h/.cache/aot-translate/exe".into()));
        assert_eq!(rule(&["XDG_CACHE_HOME=/x", "HOME=/h"], None), Some("/x/aot-translate/exe".into()));
        assert_eq!(rule(&["XDG_CACHE_HOME=", "HOME=/h"], None), Some("/h/.cache/aot-translate/exe".into()));
        assert_eq!(rule(&[], None), None);
        // the environment given to execve first
        let d = exe_cache_dir(&[b"AOT_XLAT_CACHE=/given".to_vec()]);
        assert_eq!(d, Some(b"/given".to_vec()));
    }
    #[test]
    fn sha256_matches_translator_key() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
