//! Shared by the translator's integration tests.

use std::path::PathBuf;
use std::process::Command;

/// Compile `src` with the AArch64 cross compiler and `args` into a temporary directory, as
/// `out_name`. None (with a note) when the cross compiler is not installed.
pub fn cross(args: &[&str], src: &str, out_name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if Command::new("aarch64-linux-gnu-gcc").arg("--version").output().is_err() {
        eprintln!("note: aarch64-linux-gnu-gcc not found, skipping");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("p.c");
    std::fs::write(&c, src).unwrap();
    let out = dir.path().join(out_name);
    let st = Command::new("aarch64-linux-gnu-gcc").args(args).arg(&c).arg("-o").arg(&out).status().unwrap();
    assert!(st.success());
    Some((dir, out))
}
