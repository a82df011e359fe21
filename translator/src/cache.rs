//! The translation cache: compiled functions by the hash of their position-independent IR.
//!
//! A lifted function's printed IR (without relocation values) depends only on its instruction
//! bytes with address fields masked (branch offsets, ADRP/ADR, literal addresses become relocation
//! slots) and on how recovery shaped it (entries, which branches leave it). Two programs that
//! contain the same libc function therefore produce the same key, and the second one reuses the
//! object: the object reaches guest addresses only through relocation symbols named after the key.

use crate::tier::Backend;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever the lifter or backend changes what code a key produces.
pub const FORMAT_VERSION: &str = "aot-translate cache v60";

/// Bumped whenever the Cranelift tier (translator/src/clif.rs, jit/src/lower.rs in object mode)
/// changes what code a key produces; part of Cranelift keys only.
pub const CRANELIFT_VERSION: &str = "cranelift tier v2";

/// The cache key of a function: hash of the translator version, code-generation options and the
/// function's position-independent IR text.
pub fn key(ir_text: &str, opt_level: u8, target_cpu: &str) -> String {
    key_for(ir_text, opt_level, target_cpu, Backend::Llvm)
}

/// The cache key of a function compiled by `backend` (the LLVM key leaves the backend out, so it
/// is the same as before there were two).
pub fn key_for(ir_text: &str, opt_level: u8, target_cpu: &str, backend: Backend) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT_VERSION.as_bytes());
    match backend {
        Backend::Llvm => {}
        Backend::LlvmCold => h.update(b"llvm-cold\0"),
        Backend::Cranelift => {
            h.update(CRANELIFT_VERSION.as_bytes());
            h.update([0]);
        }
    }
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0, opt_level]);
    h.update(target_cpu.as_bytes());
    h.update([0]);
    h.update(ir_text.as_bytes());
    let d = h.finalize();
    hex::encode(&d[..16])
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn open(dir: &Path) -> std::io::Result<Cache> {
        std::fs::create_dir_all(dir)?;
        Ok(Cache { dir: dir.to_path_buf() })
    }

    /// Default location: $AOT_CACHE_DIR, else $XDG_CACHE_HOME/aot-translate, else ~/.cache/aot-translate.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("AOT_CACHE_DIR") {
            return Some(PathBuf::from(d));
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
            return Some(PathBuf::from(d).join("aot-translate"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("aot-translate"))
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.o"))
    }

    /// The cached object for `key`, if present.
    pub fn get(&self, key: &str) -> Option<PathBuf> {
        let p = self.path(key);
        p.is_file().then_some(p)
    }

    /// Store an object atomically (write to a temporary file, then rename).
    pub fn put(&self, key: &str, obj: &[u8]) -> std::io::Result<PathBuf> {
        let p = self.path(key);
        let parent = p.parent().expect("cache path has a parent");
        std::fs::create_dir_all(parent)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        std::io::Write::write_all(&mut tmp, obj)?;
        tmp.persist(&p).map_err(|e| e.error)?;
        Ok(p)
    }
}

/// The executable cache: every translation `aot-translate` makes is also stored as
/// `<dir>/<sha256 of the input file>`, so that a translated program's runtime can run another AArch64
/// program it `execve`s (runtime/src/syscall/exec.rs, which uses the same rule) and a binfmt_misc
/// handler can find it. `$AOT_XLAT_CACHE` (empty: disabled), else `$XDG_CACHE_HOME/aot-translate/exe`,
/// else `~/.cache/aot-translate/exe`.
pub fn exe_cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("AOT_XLAT_CACHE") {
        return (!d.is_empty()).then(|| PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("aot-translate").join("exe"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("aot-translate").join("exe"))
}

/// Hex SHA-256 of a guest file's bytes: its name in the executable cache.
pub fn exe_key(guest: &[u8]) -> String {
    hex::encode(Sha256::digest(guest))
}

/// Copy the translation `output` of `guest` into the executable cache `dir` (atomically: a
/// temporary file in the same folder, made executable, then renamed).
pub fn store_exe(dir: &Path, guest: &[u8], output: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    let dest = dir.join(exe_key(guest));
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::copy(output, tmp.path())?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))?;
    tmp.persist(&dest).map_err(|e| e.error)?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn key_depends_on_text_and_options() {
        let a = key("function\n", 2, "x86-64-v3");
        assert_eq!(a, key("function\n", 2, "x86-64-v3"));
        assert_ne!(a, key("function\n ", 2, "x86-64-v3"));
        assert_ne!(a, key("function\n", 3, "x86-64-v3"));
        assert_ne!(a, key("function\n", 2, "x86-64"));
        assert_eq!(a, key_for("function\n", 2, "x86-64-v3", Backend::Llvm));
        assert_ne!(a, key_for("function\n", 2, "x86-64-v3", Backend::Cranelift));
        assert_ne!(a, key_for("function\n", 2, "x86-64-v3", Backend::LlvmCold));
        assert_ne!(key_for("function\n", 2, "x86-64-v3", Backend::Cranelift), key_for("function\n", 2, "x86-64-v3", Backend::LlvmCold));
    }
    #[test]
    fn put_then_get() {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::open(d.path()).unwrap();
        let k = key("x", 2, "cpu");
        assert!(c.get(&k).is_none());
        c.put(&k, b"obj").unwrap();
        assert_eq!(std::fs::read(c.get(&k).unwrap()).unwrap(), b"obj");
    }
    #[test]
    fn exe_cache_by_content() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("prog.x86");
        std::fs::write(&out, b"translated").unwrap();
        let p = store_exe(&d.path().join("exe"), b"guest bytes", &out).unwrap();
        assert_eq!(p.file_name().unwrap().to_str().unwrap(), exe_key(b"guest bytes"));
        assert_eq!(exe_key(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(std::fs::read(&p).unwrap(), b"translated");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o755);
    }
}
