//! Process start-up: `main` (called by host glibc), guest memory set-up and the first dispatch.

use crate::loader::*;
use crate::mem;
use crate::trap::{fatal, EXIT_STARTUP};
use crate::CpuState;
use std::sync::OnceLock;

/// The guest program's path for AT_EXECFN and /proc/self/exe: `AOT_GUEST_EXE` when another
/// translated program exec'd this one as an AArch64 program (syscall/exec.rs), else the absolute
/// path of the translated executable itself.
pub static EXE_PATH: OnceLock<Vec<u8>> = OnceLock::new();

/// The guest file named by `AOT_RUN_GUEST` (run mode), taken out of the environment at start-up.
static RUN_GUEST: OnceLock<Vec<u8>> = OnceLock::new();

/// Take `AOT_GUEST_EXE=path`, `AOT_RUNTIME_XLAT_CACHE=dir` (set by a translated parent's execve)
/// and `AOT_RUN_GUEST=path` (set by `aot-translate run` and by execve of an untranslated AArch64
/// program) out of the environment the guest will see and remember them.
fn take_guest_exe(envs: Vec<&[u8]>) -> Vec<&[u8]> {
    use crate::syscall::exec::{CACHE_VAR, GUEST_EXE_VAR, INHERITED_CACHE, RUN_GUEST_VAR};
    let prefix = [GUEST_EXE_VAR, b"="].concat();
    let cprefix = [CACHE_VAR, b"="].concat();
    let rprefix = [RUN_GUEST_VAR, b"="].concat();
    let mut out = Vec::with_capacity(envs.len());
    for e in envs {
        if let Some(p) = e.strip_prefix(rprefix.as_slice()) {
            if !p.is_empty() {
                let _ = RUN_GUEST.set(p.to_vec());
            }
        } else if let Some(p) = e.strip_prefix(prefix.as_slice()) {
            if !p.is_empty() {
                let _ = EXE_PATH.set(p.to_vec());
            }
        } else if let Some(p) = e.strip_prefix(cprefix.as_slice()) {
            if !p.is_empty() {
                let _ = INHERITED_CACHE.set(p.to_vec());
            }
        } else {
            out.push(e);
        }
    }
    out
}

pub fn exe_path() -> &'static [u8] {
    if let Some(p) = crate::glue::foreign_path() {
        return EXE_PATH.get_or_init(|| p.to_vec());
    }
    EXE_PATH.get_or_init(|| std::fs::read_link("/proc/self/exe").map(|p| p.into_os_string().into_encoded_bytes()).unwrap_or_default())
}

/// Default size of the host stack the dispatcher and translated code run on (1 GiB, reserved
/// lazily); `AOT_HOST_STACK_MB` overrides it (tests use a small one to check that non-LIFO control
/// flow does not grow the host stack).
pub const HOST_STACK_SIZE: u64 = 1 << 30;

fn host_stack_size() -> u64 {
    std::env::var("AOT_HOST_STACK_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&mb| (1..=1 << 20).contains(&mb))
        .map(|mb| mb << 20)
        .unwrap_or(HOST_STACK_SIZE)
}

fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

fn cstr_list(mut p: *const *const libc::c_char, limit: Option<usize>) -> Vec<&'static [u8]> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    // SAFETY: argv/envp from the C start-up: NULL-terminated arrays of NUL-terminated strings that
    // live for the whole process.
    unsafe {
        while !(*p).is_null() && limit.is_none_or(|l| out.len() < l) {
            out.push(core::ffi::CStr::from_ptr(*p).to_bytes());
            p = p.add(1);
        }
    }
    out
}

/// Set up the guest and return its initial state.
pub fn start(args: &[&[u8]], envs: &[&[u8]]) -> Result<Box<CpuState>, String> {
    mem::reserve_guest_range()?;
    crate::trap::DEBUG.store(env_flag("AOT_DEBUG"), std::sync::atomic::Ordering::Relaxed);
    crate::syscall::STRACE.store(env_flag("AOT_STRACE"), std::sync::atomic::Ordering::Relaxed);
    crate::crypto::init(env_flag("AOT_PORTABLE_CRYPTO"));
    let elf = crate::elf::Elf::parse(crate::glue::image())?;
    let brk = map_segments(&elf)?;
    crate::syscall::signal::map_sigreturn_page()?;
    mem::init_brk(brk);

    let stack_lo = mem::stack_top() - mem::STACK_SIZE;
    mem::mark_used(mem::mmap_top(), mem::guest_hi());
    let r = mem::map_fixed_anon(stack_lo, mem::STACK_SIZE, (libc::PROT_READ | libc::PROT_WRITE) as u64);
    if r < 0 {
        return Err(format!("cannot map the guest stack ({r})"));
    }
    let mut random = [0u8; 16];
    crate::guest::sys(libc::SYS_getrandom, &[random.as_mut_ptr() as u64, 16, 0]);
    // SAFETY: trivial libc getters.
    let (uid, euid, gid, egid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()) };
    let phdr = elf.phdr_vaddr().unwrap_or(0);
    let auxv = [
        (AT_PHDR, phdr),
        (AT_PHENT, elf.phentsize as u64),
        (AT_PHNUM, elf.phdrs.len() as u64),
        (AT_PAGESZ, mem::PAGE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, elf.entry),
        (AT_UID, uid as u64),
        (AT_EUID, euid as u64),
        (AT_GID, gid as u64),
        (AT_EGID, egid as u64),
        (AT_SECURE, 0),
        (AT_HWCAP, aot_lifter::cpu::hwcap::ADVERTISED),
        (AT_HWCAP2, aot_lifter::cpu::hwcap::ADVERTISED2),
        (AT_CLKTCK, 100),
        (AT_MINSIGSTKSZ, 5120),
    ];
    let spec = StackSpec { args, envs, execfn: exe_path(), platform: b"aarch64", random, auxv: &auxv };
    // SAFETY: the stack was just mapped read-write at [stack_lo, STACK_TOP) inside the guest range.
    let buf = unsafe { core::slice::from_raw_parts_mut(stack_lo as *mut u8, mem::STACK_SIZE as usize) };
    let sp = build_stack(buf, stack_lo, &spec).ok_or("arguments and environment do not fit on the guest stack")?;
    let _ = crate::syscall::misc::AUXV.set(read_auxv(buf, stack_lo, sp, args.len(), envs.len()).unwrap_or_default());

    // The signal mask survives exec: the guest starts with the one it inherited.
    crate::syscall::signal::init_thread_mask(None);
    let mut st = Box::new(CpuState::default());
    st.sp = sp;
    st.pc = elf.entry;
    Ok(st)
}

/// The auxv words as placed on the stack by `build_stack`.
fn read_auxv(buf: &[u8], base: u64, sp: u64, argc: usize, envc: usize) -> Option<Vec<u64>> {
    let mut off = (sp - base) as usize + 8 * (argc + envc + 3);
    let mut out = Vec::new();
    loop {
        let k = u64::from_le_bytes(buf.get(off..off + 8)?.try_into().ok()?);
        let v = u64::from_le_bytes(buf.get(off + 8..off + 16)?.try_into().ok()?);
        out.extend([k, v]);
        off += 16;
        if k == AT_NULL {
            return Some(out);
        }
    }
}

/// Map the big host stack (with its guard and the thread's signal stack) and run the dispatcher
/// on it.
pub fn run(st: Box<CpuState>) -> ! {
    let stack = crate::fault::stack::map(host_stack_size()).unwrap_or_else(|r| fatal(EXIT_STARTUP, &format!("cannot map the host stack ({r})")));
    if let Err(r) = crate::fault::stack::enter_thread(stack) {
        fatal(EXIT_STARTUP, &format!("cannot set up the host signal stack ({r})"));
    }
    if let Err(e) = crate::fault::install() {
        fatal(EXIT_STARTUP, &e);
    }
    let st = Box::into_raw(st);
    // SAFETY: the stack was just mapped read-write for this purpose; the state lives forever.
    unsafe { crate::dispatch::run_on_stack(stack.top, crate::dispatch::dispatcher, st) }
}

/// The program's C entry point, called by host glibc's static start-up.
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char, envp: *const *const libc::c_char) -> libc::c_int {
    let args = cstr_list(argv, Some(argc.max(0) as usize));
    let envs = take_guest_exe(cstr_list(envp, None));
    if let Err(e) = crate::glue::check_host_cpu() {
        fatal(EXIT_STARTUP, &e);
    }
    if let Some(p) = RUN_GUEST.get() {
        if let Err(e) = crate::glue::set_foreign(p) {
            fatal(EXIT_STARTUP, &e);
        }
    } else if crate::glue::image().is_empty() {
        fatal(EXIT_STARTUP, "this is the aot-translate runner, which runs AArch64 programs for `aot-translate run GUEST [ARGS...]`; it has no guest of its own");
    }
    match start(&args, &envs) {
        Ok(st) => run(st),
        Err(e) => fatal(EXIT_STARTUP, &e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cstr_list_reads_arrays() {
        let a = c"one";
        let b = c"two";
        let v = [a.as_ptr(), b.as_ptr(), core::ptr::null()];
        assert_eq!(super::cstr_list(v.as_ptr(), None), vec![b"one".as_slice(), b"two"]);
        assert_eq!(super::cstr_list(v.as_ptr(), Some(1)), vec![b"one".as_slice()]);
    }
    #[test]
    fn guest_exe_is_taken_from_the_environment() {
        let envs = vec![b"A=1".as_slice(), b"AOT_GUEST_EXE=/bin/guest", b"AOT_RUNTIME_XLAT_CACHE=/c", b"AOT_RUN_GUEST=/g", b"B=2"];
        assert_eq!(super::take_guest_exe(envs), vec![b"A=1".as_slice(), b"B=2"]);
        assert_eq!(super::exe_path(), b"/bin/guest");
        assert_eq!(super::RUN_GUEST.get().map(|v| v.as_slice()), Some(b"/g".as_slice()));
        assert_eq!(crate::syscall::exec::INHERITED_CACHE.get().map(|v| v.as_slice()), Some(b"/c".as_slice()));
    }
}
