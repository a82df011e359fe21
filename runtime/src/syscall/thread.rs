//! Guest threads: clone with CLONE_VM|CLONE_THREAD runs the new guest thread on a new host thread
//! with its own CpuState and host stack; set_tid_address; thread exit with the clear-child-tid
//! protocol (store 0, futex wake) done by the runtime.

use super::Args;
use crate::guest::{self, sys, ENOSYS};
use crate::CpuState;
use std::cell::Cell;

thread_local! {
    /// This guest thread's clear_child_tid address (set_tid_address / CLONE_CHILD_CLEARTID).
    static CLEAR_CHILD_TID: Cell<u64> = const { Cell::new(0) };
}

pub fn set_tid_address(_: &mut CpuState, a: &Args) -> i64 {
    CLEAR_CHILD_TID.with(|c| c.set(a[0]));
    sys(libc::SYS_gettid, &[])
}

/// Exit the calling guest thread (the process ends when the last thread exits, as on Linux).
pub fn exit_thread(code: u64) -> ! {
    let ctid = CLEAR_CHILD_TID.with(|c| c.get());
    if ctid != 0 && guest::write(ctid, &0u32.to_le_bytes()).is_ok() {
        sys(libc::SYS_futex, &[ctid, libc::FUTEX_WAKE as u64, 1, 0, 0, 0]);
    }
    // Stop counting for the reclaimer before the signal stack goes.
    crate::reclaim::leave();
    crate::fault::stack::leave_thread();
    loop {
        sys(libc::SYS_exit, &[code]);
    }
}

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_THREAD: u64 = 0x1_0000;
const CLONE_SYSVSEM: u64 = 0x4_0000;
const CLONE_SETTLS: u64 = 0x8_0000;
const CLONE_PARENT_SETTID: u64 = 0x10_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
const CLONE_DETACHED: u64 = 0x40_0000;
const CLONE_CHILD_SETTID: u64 = 0x100_0000;

/// Host stack of each additional guest thread.
pub const THREAD_HOST_STACK: usize = 256 << 20;

struct SendState(Box<CpuState>);
// SAFETY: the state is moved to the new thread and only used there.
unsafe impl Send for SendState {}

/// clone(flags, stack, ptid, tls, ctid) creating a thread (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND).
pub fn clone_thread(st: &mut CpuState, a: &Args) -> i64 {
    let flags = a[0];
    let need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    let allowed = need | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID
        | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID;
    if flags & need != need || flags & !allowed != 0 || flags & (CLONE_FS | CLONE_FILES) != CLONE_FS | CLONE_FILES {
        return ENOSYS;
    }
    let (stack, ptid, tls, ctid) = (a[1], a[2], a[3], a[4]);
    let mut child = Box::new(st.clone());
    child.x[0] = 0;
    if stack != 0 {
        child.sp = stack;
    }
    if flags & CLONE_SETTLS != 0 {
        child.tpidr = tls;
    }
    let child = SendState(child);
    // The new thread starts with its creator's guest signal mask and no alternate signal stack.
    let mask = super::signal::current_mask();
    let (tx, rx) = std::sync::mpsc::channel::<i64>();
    // The std thread only starts the guest thread: translated code runs on a stack of our own,
    // with a guard that makes its overflow a guest SIGSEGV (crate::fault).
    let spawned = std::thread::Builder::new().stack_size(1 << 20).spawn(move || {
        let child = child;
        let tid = sys(libc::SYS_gettid, &[]);
        let tid32 = (tid as u32).to_le_bytes();
        if flags & CLONE_PARENT_SETTID != 0 {
            let _ = guest::write(ptid, &tid32);
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            let _ = guest::write(ctid, &tid32);
        }
        if flags & CLONE_CHILD_CLEARTID != 0 {
            CLEAR_CHILD_TID.with(|c| c.set(ctid));
        }
        super::signal::init_thread_mask(Some(mask));
        let stack = match crate::fault::stack::map(THREAD_HOST_STACK as u64) {
            Ok(s) if crate::fault::stack::enter_thread(s).is_ok() => s,
            _ => {
                let _ = tx.send(-(libc::EAGAIN as i64));
                loop {
                    sys(libc::SYS_exit, &[0]);
                }
            }
        };
        let _ = tx.send(tid);
        let st = Box::into_raw(child.0);
        // SAFETY: the state is owned by this host thread for the rest of its life; the stack was
        // just mapped for it.
        unsafe { crate::dispatch::run_on_stack(stack.top, crate::dispatch::dispatcher, st) }
    });
    if spawned.is_err() {
        return -(libc::EAGAIN as i64);
    }
    rx.recv().unwrap_or(-(libc::EAGAIN as i64))
}
