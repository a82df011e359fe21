//! Whole-program facts about how the guest's functions talk to each other, checked on the lifted
//! code before any of it is compiled.
//!
//! **Flags stay inside functions.** AAPCS64 passes nothing in NZCV and lets a callee clobber it:
//! a compiler never reads the flags at a function's entry, nor after a call returns, before
//! setting them itself. When that holds for every lifted function of a program, a backend need
//! not store N, Z, C and V at calls and returns: a loop that ends in a compare and contains a
//! call, or a function whose last compare decided its return value, then stores no flag bytes
//! into the CPU state (benches/hash's probe loop: a `setne` and four byte stores per call).
//!
//! The fact is checked, not assumed. [`function_keeps_flags_local`] computes liveness with the
//! flags dead at calls, returns, tail calls and traps, passing through the state helpers (system
//! calls, FPCR/FPSR, counters, cache maintenance: none reads or writes them; compiled code may
//! keep a compare's flags across an `svc`), and requires that they are not
//! live at the function's start nor at any block a call returns to. Under that assumption no
//! value of the flags is ever needed on the other side of a call or a return, which makes it
//! self-consistent. One function that breaks it (hand-written assembly handing a result back
//! in the flags; a test harness that reads NZCV after calling a snippet) turns the fact off for
//! the whole program, and every function then keeps the full-state convention. The translator
//! stores the result in each [`Function`] (`flags_local`), printed in its IR and so part of its
//! cache key; it leaves it off with `--trace`, whose per-block state dumps compare the flags.
//!
//! The check also takes the flags as dead at indirect jumps, where the backend's own liveness
//! (for its safe points) takes what any entry of the function reads: the IR does not say which
//! entries a `br` can reach, and recovery adds entries for data words that merely look like code
//! addresses (`_IO_default_seekpos`'s `b.ls`, in every static glibc program), which would
//! otherwise make the flags live after every call followed by a `br x16` tail call. What this
//! lets through is flags that a callee sets, or a function's caller sets, read after an indirect
//! jump: a flag value carried across a call, which compiled code never has.
//!
//! Calls, returns and indirect jumps that leave the function (`br x16` tail calls, PLT stubs,
//! a longjmp to another function's return site) drop the flags, and so do direct tail calls to
//! the start of a lifted function (the translator marks them `to_start`: no start reads the
//! flags). Other direct tail calls, traps and
//! helpers still store the flags the function wrote, so flags that reach another function's
//! extra entry by a direct jump (a `.cold` part jumping back into its hot part) are exact as
//! before; what such an entry could still see stale is a flag value from before a call, which
//! no compiler produces (the callee may clobber it). An indirect jump to an entry of its own
//! function is a branch inside the host function and keeps everything. Leaving by an indirect
//! jump to code that reads flags set before the jump would need a jump table whose targets
//! recovery did not find (they are entries otherwise); the flags would then be stale there.
//! Keeping them for that case cost benches/interp 60% more instructions: LLVM carried the four
//! flags of each dispatch's bounds check around the loop (packed into a vector) for the rare
//! path out.
//!
//! Extra entries that are not function starts (jump-table targets, landing pads, data words
//! that look like code pointers) are reached by jumps inside the function or from the dispatcher
//! with a state the code wrote, so they are not checked. Code first found at run time (the JIT's) is assumed to follow the same convention
//! as every compiler's output; its own functions keep the full convention (`flags_local` is
//! false for them).

use super::safepoint::{live_in_under, FlagsAt, RegSet};
use super::{Function, Term};
use crate::cpu::Reg;
use std::collections::HashSet;

/// N, Z, C and V.
pub const NZCV: RegSet = (1u128 << Reg::N.0) | (1u128 << Reg::Z.0) | (1u128 << Reg::C.0) | (1u128 << Reg::V.0);

/// Whether `f` reads no flag at its start nor after a call returns, with the flags dead at every
/// call boundary. The fact holds for a program when this holds for each of its functions, with
/// `noreturn` = [`noreturn_starts`] of the program (the translator's pipeline checks them in
/// parallel). A call to a function in `noreturn` never comes
/// back, so the block after it (often the start of another path that does read the flags, after
/// `bl __assert_fail`) is not a return site.
pub fn function_keeps_flags_local(f: &Function, noreturn: &HashSet<u64>) -> bool {
    let live = live_in_under(f, FlagsAt::Calls);
    let at = |b: super::BlockId| live.get(b.0 as usize).copied().unwrap_or(u128::MAX) & NZCV == 0;
    let returns = |slot: u32| f.relocs.get(slot as usize).is_none_or(|r| !noreturn.contains(&r.value()));
    f.entries.first().is_none_or(|&(_, b)| at(b))
        && f.blocks.iter().all(|blk| match blk.term {
            Term::Call { target, cont, .. } => !returns(target) || at(cont),
            Term::CallInd { cont, .. } => at(cont),
            _ => true,
        })
}

/// Start addresses of the functions that never return to their caller: from their start, no
/// path reaches a return, an indirect jump (which may be a tail call) or a tail call to a function
/// that may return, when calls to functions already known not to return end their path (code
/// after `bl abort` is another path's, or the next function's). A fixpoint from the functions
/// with no exit at all (abort, _exit: a trap or a loop).
pub fn noreturn_starts(funcs: &[Function]) -> HashSet<u64> {
    let mut noreturn: HashSet<u64> = HashSet::new();
    loop {
        let before = noreturn.len();
        for f in funcs {
            if !noreturn.contains(&f.base()) && !may_return(f, &noreturn) {
                noreturn.insert(f.base());
            }
        }
        if noreturn.len() == before {
            return noreturn;
        }
    }
}

fn may_return(f: &Function, noreturn: &HashSet<u64>) -> bool {
    let known_noreturn = |slot: u32| f.relocs.get(slot as usize).is_some_and(|r| noreturn.contains(&r.value()));
    let Some(&(_, start)) = f.entries.first() else { return true };
    let mut seen = vec![false; f.blocks.len()];
    let mut work = vec![start];
    while let Some(b) = work.pop() {
        let Some(blk) = f.blocks.get(b.0 as usize) else { return true };
        if std::mem::replace(&mut seen[b.0 as usize], true) {
            continue;
        }
        match blk.term {
            Term::Ret { .. } | Term::JumpInd { .. } => return true,
            Term::Tail { target, .. } if !known_noreturn(target) => return true,
            Term::Call { target, .. } if known_noreturn(target) => {}
            ref t => work.extend(super::safepoint::successors(f, t)),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::aarch64::lift_snippet;

    fn lift_words(w: &[u32]) -> Function {
        lift_snippet(0x400000, w)
    }

    // cmp x0, #1; cset w0, eq; ret  -- flags set and consumed inside: local.
    #[test]
    fn compiler_style_function_keeps_flags_local() {
        let f = lift_words(&[0xf100041f, 0x1a9f17e0, 0xd65f03c0]);
        assert!(function_keeps_flags_local(&f, &HashSet::new()));
    }

    // b.eq +8; ret; ret -- reads Z at entry: the flags come from the caller.
    #[test]
    fn reading_flags_at_entry_is_caught() {
        let f = lift_words(&[0x54000040, 0xd65f03c0, 0xd65f03c0]);
        assert!(!function_keeps_flags_local(&f, &HashSet::new()));
    }

    // bl +12; cset w0, eq; ret; ret -- reads Z after the call returns.
    #[test]
    fn reading_flags_after_a_call_is_caught() {
        let f = lift_words(&[0x94000003, 0x1a9f17e0, 0xd65f03c0, 0xd65f03c0]);
        assert!(!function_keeps_flags_local(&f, &HashSet::new()));
    }

    // bl +12 (to a function that never returns); b.ne -4 ... : after `bl abort` the next block
    // belongs to another path. The same code with a callee that returns breaks the fact.
    #[test]
    fn the_block_after_a_noreturn_call_is_not_a_return_site() {
        // 0: cmp x0, #0 ; 4: b.eq 0xc ; 8: bl 0x14 ; c: b.ne 0x10 ; 10: ret ; 14: brk #0
        let f = lift_words(&[0xf100001f, 0x54000040, 0x94000003, 0x54000021, 0xd65f03c0, 0xd4200000]);
        let callee = f.relocs.iter().find(|r| matches!(r, crate::ir::Reloc::Func(_))).expect("bl target").value();
        assert!(!function_keeps_flags_local(&f, &HashSet::new()));
        assert!(function_keeps_flags_local(&f, &HashSet::from([callee])));
        let abort = lift_snippet(callee, &[0xd4200000]);
        assert!(noreturn_starts(&[abort.clone()]).contains(&callee));
        assert!(!noreturn_starts(&[lift_snippet(callee, &[0xd65f03c0])]).contains(&callee));
    }

    // A system call neither reads nor writes the flags: they pass through it.
    #[test]
    fn flags_pass_through_a_system_call() {
        // svc #0 ; cset w0, eq ; ret -- reads the flags of whoever ran before: the caller's.
        assert!(!function_keeps_flags_local(&lift_words(&[0xd4000001, 0x1a9f17e0, 0xd65f03c0]), &HashSet::new()));
        // svc #0 ; cmn x0, #1 ; cset w0, eq ; ret
        assert!(function_keeps_flags_local(&lift_words(&[0xd4000001, 0xb100041f, 0x1a9f17e0, 0xd65f03c0]), &HashSet::new()));
        // cmp x0, #0 ; svc #0 ; cset w0, eq ; ret -- a compare kept across the svc: live in the
        // backend's liveness just before the call, not at entry.
        let f = lift_words(&[0xf100001f, 0xd4000001, 0x1a9f17e0, 0xd65f03c0]);
        assert!(function_keeps_flags_local(&f, &HashSet::new()));
    }

    // bl +12; cmp x0, #0; cset w0, eq; ret -- writes the flags before reading them after the call.
    #[test]
    fn setting_flags_after_a_call_is_fine() {
        let f = lift_words(&[0x94000004, 0xf100001f, 0x1a9f17e0, 0xd65f03c0, 0xd65f03c0]);
        assert!(function_keeps_flags_local(&f, &HashSet::new()));
    }
}
