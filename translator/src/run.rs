//! `aot-translate run GUEST [ARGS...]`: run a static AArch64 program JIT-only, with no prior
//! translation (docs/jit.md, "Run mode").
//!
//! The *runner* is the runtime linked with empty glue (no translated functions, no embedded
//! guest). It is built by the ordinary link step on first use and kept in the translation cache
//! folder under a name derived from the SHA-256 of libaot_runtime.a (a rebuilt runtime gives a new
//! runner); it is written to a temporary file and renamed, so two `run`s that race both end up
//! with a complete runner. This process then execs the runner (no fork: the exit status and a
//! death by signal are the guest's) with argv[0] as the user gave it and `AOT_RUN_GUEST=<absolute
//! guest path>`, which makes the runtime read the guest from that file.

use crate::link::{self, LinkError};
use sha2::Digest;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Changes when the runner's glue changes, so that an old runner is not reused.
const RUNNER_VERSION: &str = "aot-translate runner v1";

/// The environment variable the runtime reads the guest path from (runtime/src/syscall/exec.rs).
pub const RUN_GUEST_VAR: &str = "AOT_RUN_GUEST";

pub const HELP: &str = "\
Usage: aot-translate run [--cache-dir DIR] [--] GUEST [ARGS...]

Run the static AArch64 Linux executable GUEST with ARGS, JIT-compiling its code at run time
(Cranelift), with no prior translation. The guest sees argv[0] = GUEST as given, and
/proc/self/exe and AT_EXECFN name the GUEST file. Function starts for run-time recovery come from
GUEST's symbol table when it has one.

The first run builds a runner (the runtime without translated code) into the translation cache
folder (--cache-dir, else $AOT_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/aot-translate) with the
host linker `cc` ($AOT_LINKER); later runs reuse it until libaot_runtime.a changes.

Exit status: the guest's own (128+N if a signal N killed it); before the guest starts: 2 when GUEST
is not a supported AArch64 executable (or bad usage), 1 when the runner cannot be built or
started, 71 when the runtime cannot set the guest up.

To translate a file that is literally named `run`, write its path: aot-translate ./run -o out
";

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input or usage: exit status 2.
    #[error("{0}")]
    Input(String),
    /// The runner could not be built or started: exit status 1.
    #[error("{0}")]
    Runner(String),
}

impl From<LinkError> for RunError {
    fn from(e: LinkError) -> RunError {
        RunError::Runner(format!("cannot build the runner: {e}"))
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The runner for the current runtime library, built if missing. `cache_dir`: the translation
/// cache folder (the runner goes into its `runner/` subfolder).
pub fn runner(cache_dir: &Path, linker: &str) -> Result<PathBuf, RunError> {
    let rt = link::find_runtime()?;
    let rt_hash = sha256_file(&rt).map_err(|e| RunError::Runner(format!("cannot read {}: {e}", rt.display())))?;
    let mut h = sha2::Sha256::new();
    h.update(RUNNER_VERSION.as_bytes());
    h.update(rt_hash.as_bytes());
    h.update(link::LINKER_SCRIPT.as_bytes());
    let key: String = h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect();
    let dir = cache_dir.join("runner");
    let path = dir.join(format!("runner-{key}"));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| RunError::Runner(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".runner-{key}.tmp{}", std::process::id()));
    let r = link::link(&[], &[], &tmp, &rt, 0, linker);
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    std::fs::rename(&tmp, &path).map_err(|e| RunError::Runner(format!("cannot store the runner in {}: {e}", path.display())))?;
    // Runners of older runtimes are of no more use (one still running keeps its unlinked file).
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if n.starts_with("runner-") && e.path() != path {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(path)
}

/// Check that `guest` is a static AArch64 executable we can run (the translator's own rules).
pub fn check_guest(guest: &Path) -> Result<PathBuf, RunError> {
    let name = guest.display();
    let data = std::fs::read(guest).map_err(|e| RunError::Input(format!("{name}: cannot read: {e}")))?;
    crate::elf::parse(&data).map_err(|e| RunError::Input(format!("{name}: {e}")))?;
    std::fs::canonicalize(guest).map_err(|e| RunError::Input(format!("{name}: {e}")))
}

/// `aot-translate run` with the arguments after `run`. Returns only on failure (else the process
/// has become the guest).
pub fn run(args: &[OsString], cache_dir: Option<PathBuf>, linker: &str) -> RunError {
    use std::os::unix::process::CommandExt;
    let mut args = args;
    let mut cache_dir = cache_dir;
    while let Some(a) = args.first() {
        if a == "--" {
            args = &args[1..];
            break;
        } else if a == "--cache-dir" {
            let Some(d) = args.get(1) else {
                return RunError::Input("run: --cache-dir needs a folder".into());
            };
            cache_dir = Some(PathBuf::from(d));
            args = &args[2..];
        } else {
            break;
        }
    }
    let Some(guest) = args.first() else {
        return RunError::Input("run: no guest program given (usage: aot-translate run GUEST [ARGS...])".into());
    };
    let abs = match check_guest(Path::new(guest)) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let Some(cache_dir) = cache_dir else {
        return RunError::Runner("no cache folder for the runner: set AOT_CACHE_DIR (or HOME)".into());
    };
    let runner = match runner(&cache_dir, linker) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let err = std::process::Command::new(&runner)
        .arg0(guest)
        .args(&args[1..])
        .env(RUN_GUEST_VAR, &abs)
        .env_remove("AOT_GUEST_EXE")
        .exec();
    RunError::Runner(format!("cannot start the runner {}: {err}", runner.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_glue_has_no_code_and_an_empty_image() {
        let (asm, syms) = link::glue(&[], Path::new("/dev/null"), 0, 0);
        assert!(asm.contains("aot_entry_count:\n\t.quad 0"));
        assert!(asm.contains("aot_guest_image_len:\n\t.quad 0"));
        assert!(asm.contains(&format!(".section {},", crate::llvm::CODE_SECTION)));
        assert!(!syms.contains(" = "));
    }

    #[test]
    fn bad_guests_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("t.txt");
        std::fs::write(&text, "not an ELF\n").unwrap();
        for p in [text.as_path(), Path::new("/nonexistent/guest")] {
            match run(&[p.as_os_str().to_owned()], Some(dir.path().to_path_buf()), "cc") {
                RunError::Input(m) => assert!(m.contains(&p.display().to_string()), "{m}"),
                e => panic!("{e}"),
            }
        }
        assert!(matches!(run(&[], None, "cc"), RunError::Input(_)));
        assert!(matches!(run(&["--cache-dir".into()], None, "cc"), RunError::Input(_)));
    }
}
