//! Threads (guest threads are a later issue): set_tid_address.

use super::Args;
use crate::guest::sys;
use crate::CpuState;
use std::sync::atomic::{AtomicU64, Ordering};

/// The guest's clear_child_tid pointer (recorded only; the host thread keeps its own).
pub static CLEAR_CHILD_TID: AtomicU64 = AtomicU64::new(0);

pub fn set_tid_address(_: &mut CpuState, a: &Args) -> i64 {
    CLEAR_CHILD_TID.store(a[0], Ordering::Relaxed);
    sys(libc::SYS_gettid, &[])
}
