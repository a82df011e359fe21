//! Safe points for asynchronous signals.
//!
//! A guest that loops without system calls (`while (!flag);` waiting for a signal handler, a
//! CPU-bound loop stopped by a timer) must still get its signals. [`insert`] puts one
//! `safepoint` op at the start of every block that is the target of a back edge (every loop has
//! one; indirect jumps count as edges to their jump table's targets, else to every entry) and,
//! in functions that call anything, at the start of the first entry block (recursion without
//! loops), so any cycle of execution passes a safe point. Counted loops (`ir::counted`) are the
//! exception: they end for sure, and their cycles pass none (docs/signals.md "Counted loops"). Leaf functions without loops need none.
//! A back-edge target whose every cycle passes another poll that it dominates (an outer loop
//! whose every iteration runs an inner loop), or that is a jump table's dispatch block whose
//! every cycle passes another poll, gets none (docs/signals.md "Fewer polls"); [`unpolled_cycle`]
//! checks the result.
//! Backends lower it as one load and a never-taken branch (`CpuState::sigpoll`); the cold path
//! delivers with the guest state exact.
//!
//! The pass is ISA-neutral. It relies on one frontend contract: a block that is the target of a
//! branch inside the function starts at a guest instruction boundary (`Block::off`), with the
//! guest state as the IR holds it in its registers. Blocks without successors inside the function
//! (trampolines to tail calls, traps) are never on a cycle and never get one.

use super::*;

/// Insert safe points into `f` (idempotent: blocks that already start with one are skipped).
pub fn insert(f: &mut Function) {
    let n = f.blocks.len();
    if n == 0 {
        return;
    }
    let mut want = vec![false; n];
    // A function that calls nothing (no call, tail call or jump out) cannot be part of a
    // recursion: its loops are its only cycles, and its entry needs no poll.
    let calls = f.blocks.iter().any(|b| matches!(b.term, Term::Call { .. } | Term::CallInd { .. } | Term::Tail { .. } | Term::JumpInd { .. }));
    // A loop header is the target of a back edge; a counted loop (ir::counted: it ends for
    // sure) needs no poll, its signals are delivered at the next safe point after it.
    for (_, header) in back_edges(f) {
        want[header] = true;
    }
    for l in super::counted::loops(f) {
        if l.counted {
            want[l.header] = false;
        }
    }
    let first = f.entries.first().map(|&(_, b)| b.0 as usize);
    if let Some(b) = first {
        want[b] |= calls;
    }
    // A header whose every cycle passes another poll needs none of its own, when that poll is one
    // the header dominates (from the function start): an outer loop each of whose iterations
    // runs an inner loop at least once (benches/sort's quicksort, mandelbrot, hash), or a poll
    // later in the same loop. Polls elsewhere do not count, even where they would cover every
    // cycle: pruning those (loops entered in the middle, return sites of cold code in cxx's
    // `main`) made LLVM allocate cxx's hot loop worse (docs/performance.md "What was tried").
    // The one exception is the dispatch block of a jump table (benches/interp: the loop is
    // entered at its top and at the dispatch, and every case branches back to the top, which
    // polls). Dropped one at a time, each checked against the polls kept so far, so every cycle
    // still passes one (`unpolled_cycle` checks the result by other means).
    let idom = idoms(f, first.unwrap_or(0));
    let has_poll = |b: usize, want: &[bool]| want[b] || polled(f, b);
    for h in 0..n {
        if !want[h] || Some(h) == first {
            continue;
        }
        let dispatch = matches!(&f.blocks[h].term, Term::JumpInd { targets, .. } if !targets.is_empty());
        let covers = |b: usize, want: &[bool]| has_poll(b, want) && (dispatch || dominates(&idom, h, b));
        want[h] = false;
        let mut seen = vec![false; n];
        let mut work: Vec<usize> = successors(f, &f.blocks[h].term).iter().map(|s| s.0 as usize).collect();
        let mut cycle = false;
        while let Some(b) = work.pop() {
            if b == h {
                cycle = true;
                break;
            }
            if b >= n || seen[b] || covers(b, &want) {
                continue;
            }
            seen[b] = true;
            work.extend(successors(f, &f.blocks[b].term).iter().map(|s| s.0 as usize));
        }
        want[h] = cycle;
    }
    for (b, w) in want.into_iter().enumerate() {
        if !w {
            continue;
        }
        if polled(f, b) {
            continue;
        }
        let off = f.blocks[b].off;
        let v = Value(f.insts.len() as u32);
        f.insts.push(Inst { op: Op::SafePoint, ty: Ty::Void, args: vec![], imm: off, imm2: 0 });
        f.blocks[b].insts.insert(0, v);
        // A handler may move the PC away and come back to this one later (Go's asynchronous
        // preemption calls asyncPreempt, which jumps back to the interrupted PC): the dispatcher
        // must be able to enter here.
        if !f.entries.iter().any(|e| e.0 == off) {
            f.entries.push((off, BlockId(b as u32)));
        }
    }
}

/// Whether block `b` of `f` starts with a safe point (where [`insert`] puts them).
pub fn polled(f: &Function, b: usize) -> bool {
    f.blocks[b].insts.first().is_some_and(|&v| f.inst(v).op == Op::SafePoint)
}

/// Append to `out` the blocks reachable from `root` through `succ` and not yet `seen`, in
/// postorder (iterative depth-first search), marking them seen.
fn postorder(succ: &[Vec<usize>], root: usize, seen: &mut [bool], out: &mut Vec<usize>) {
    seen[root] = true;
    let mut stack = vec![(root, 0usize)];
    while let Some(&mut (b, ref mut k)) = stack.last_mut() {
        if let Some(&s) = succ[b].get(*k) {
            *k += 1;
            if !seen[s] {
                seen[s] = true;
                stack.push((s, 0));
            }
        } else {
            out.push(b);
            stack.pop();
        }
    }
}

/// Immediate dominators of the blocks reachable from `root` (Cooper, Harvey and Kennedy's
/// iterative algorithm over the reverse postorder); `usize::MAX` for unreachable blocks, `root`
/// for the root itself.
pub fn idoms(f: &Function, root: usize) -> Vec<usize> {
    let n = f.blocks.len();
    let mut idom = vec![usize::MAX; n];
    if root >= n {
        return idom;
    }
    let succ: Vec<Vec<usize>> =
        (0..n).map(|b| successors(f, &f.blocks[b].term).iter().map(|s| s.0 as usize).filter(|&s| s < n).collect()).collect();
    let mut post = Vec::with_capacity(n);
    postorder(&succ, root, &mut vec![false; n], &mut post);
    let mut num = vec![usize::MAX; n]; // postorder number
    for (i, &b) in post.iter().enumerate() {
        num[b] = i;
    }
    let mut pred = vec![vec![]; n];
    for b in 0..n {
        if num[b] != usize::MAX {
            for &s in &succ[b] {
                pred[s].push(b);
            }
        }
    }
    idom[root] = root;
    let mut changed = true;
    while changed {
        changed = false;
        for &b in post.iter().rev() {
            if b == root {
                continue;
            }
            let mut new = usize::MAX;
            for &p in &pred[b] {
                if idom[p] == usize::MAX {
                    continue;
                }
                new = if new == usize::MAX {
                    p
                } else {
                    let (mut x, mut y) = (p, new);
                    while x != y {
                        while num[x] < num[y] {
                            x = idom[x];
                        }
                        while num[y] < num[x] {
                            y = idom[y];
                        }
                    }
                    x
                };
            }
            if new != idom[b] {
                idom[b] = new;
                changed = true;
            }
        }
    }
    idom
}

/// Whether `a` dominates `b` (every path from the root to `b` passes `a`), from [`idoms`].
pub fn dominates(idom: &[usize], a: usize, b: usize) -> bool {
    let mut x = b;
    loop {
        if x == a {
            return true;
        }
        match idom.get(x) {
            Some(&i) if i != x && i != usize::MAX => x = i,
            _ => return false,
        }
    }
}

/// Edges `(from, to)` to a block on the depth-first search stack, from every entry (iterative
/// DFS): the back edges, whose targets are the loop headers (safe points, ir::dirty's loop entries).
pub fn back_edges(f: &Function) -> Vec<(usize, usize)> {
    let n = f.blocks.len();
    let mut mark = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut back = vec![];
    for &(_, root) in &f.entries {
        let root = root.0 as usize;
        if root >= n || mark[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = 1;
        while let Some(&mut (b, ref mut k)) = stack.last_mut() {
            let succ = successors(f, &f.blocks[b].term);
            if let Some(&s) = succ.get(*k) {
                *k += 1;
                let s = s.0 as usize;
                if s >= n {
                    continue;
                }
                match mark[s] {
                    0 => {
                        mark[s] = 1;
                        stack.push((s, 0));
                    }
                    1 => back.push((b, s)),
                    _ => {}
                }
            } else {
                mark[b] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// A set of guest registers: bit `i` is `Reg(i)`.
pub type RegSet = u128;

/// The registers that may be dead at a safe point: X0-X30, SP, N Z C V and V0-V31. The others
/// (PC, FPCR, FPSR, TPIDR, the exclusive monitor, scratch) are always taken as live: backends
/// read some of them implicitly.
pub const MAY_BE_DEAD: RegSet = ((1u128 << 32) - 1) | (0xf << 33) | (((1u128 << 32) - 1) << 64);
const ALL: RegSet = u128::MAX;

/// What a backend keeps for its safe points: `live_in` when the function has any, else nothing
/// (no analysis for functions without safe points).
pub fn backend_live_in(f: &Function) -> Vec<RegSet> {
    if f.insts.iter().any(|i| i.op == Op::SafePoint) {
        live_in(f)
    } else {
        vec![]
    }
}

/// The registers a backend writes back at safe point `v` of block `b`, given `backend_live_in`:
/// the block's live-in set when the safe point is the block's first op, else all of them.
pub fn writeback_at(f: &Function, live_in: &[RegSet], b: usize, v: Value) -> RegSet {
    if f.blocks[b].insts.first() == Some(&v) {
        live_in.get(b).copied().unwrap_or(ALL)
    } else {
        ALL
    }
}

/// Guest registers live at the start of each block: read before being written on some path.
/// At exits (return, calls, tail calls, indirect jumps, traps) and at helpers every register is
/// live. A backend's safe point (the first op of its block) needs to write back only these: a
/// register dead there is overwritten before it is read, so a stale value in the signal frame
/// cannot change what the program computes, and keeping it out of the write-back lets the
/// backend keep dead values (typically the flags of a loop's compare) out of the loop.
pub fn live_in(f: &Function) -> Vec<RegSet> {
    live_in_under(f, if f.flags_local { FlagsAt::Boundaries } else { FlagsAt::Everywhere })
}

/// Where [`live_in_under`] takes N, Z, C and V as live at the function's exits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FlagsAt {
    /// The full-state convention: every exit and state helper reads every register.
    Everywhere,
    /// ir::abi's convention (`flags_local`): dead at calls, returns, tail calls, traps and state
    /// helpers; an indirect jump reads what any entry of the function reads (its switch).
    Boundaries,
    /// As `Boundaries`, and dead at indirect jumps too: ir::abi's check, which asks whether
    /// flags cross a call or return in compiled code (see there).
    Calls,
}

/// [`live_in`] under a convention for the flags (see [`FlagsAt`]).
pub fn live_in_under(f: &Function, flags: FlagsAt) -> Vec<RegSet> {
    let flags_local = flags != FlagsAt::Everywhere;
    let at_boundary = if flags_local { ALL & !super::abi::NZCV } else { ALL };
    let n = f.blocks.len();
    let mut live = vec![!MAY_BE_DEAD; n];
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..n).rev() {
            let blk = &f.blocks[b];
            let mut l: RegSet = match blk.term {
                Term::Br(t) => live.get(t.0 as usize).copied().unwrap_or(ALL),
                Term::BrIf { then_, else_, .. } => {
                    live.get(then_.0 as usize).copied().unwrap_or(ALL) | live.get(else_.0 as usize).copied().unwrap_or(ALL)
                }
                Term::Call { .. } | Term::CallInd { .. } | Term::Ret { .. } | Term::Tail { .. } => at_boundary,
                // A trap's signal frame holds the flags (a handler may read them), so the
                // backend keeps them live there. The check only asks whether flags cross a
                // call: a path to a trap (a `udf` after a noreturn call, an instruction we do
                // not implement) carries none to another function.
                Term::Trap { .. } | Term::JumpInd { .. } if flags == FlagsAt::Calls => at_boundary,
                // An indirect jump switches to one of the entries or leaves (a tail call, or a
                // return to the dispatcher).
                Term::JumpInd { .. } if flags_local => {
                    successors(f, &blk.term).iter().fold(at_boundary, |l, e| l | live.get(e.0 as usize).copied().unwrap_or(ALL))
                }
                _ => ALL,
            };
            for &v in blk.insts.iter().rev() {
                let i = &f.insts[v.0 as usize];
                let r = 1u128 << (i.imm & 127);
                match i.op {
                    Op::SetReg => l &= !r,
                    Op::GetReg => l |= r,
                    // With flags local, the helpers that use the state neither read nor write
                    // the flags (system calls, counters, FPCR/FPSR, cache maintenance): they pass
                    // through (stored before the helper if dirty, reloaded after it), so flags
                    // read after a helper are live before it and others are not made live. Only
                    // the debugging trace reads them, and the translator does not set
                    // flags_local with it.
                    Op::Helper if Helper::from_u64(i.imm).is_none_or(|h| h.uses_state()) => {
                        l = if flags_local && Helper::from_u64(i.imm) != Some(Helper::Trace) {
                            (l & super::abi::NZCV) | at_boundary
                        } else {
                            ALL
                        }
                    }
                    _ => {}
                }
            }
            l |= !MAY_BE_DEAD;
            if l != live[b] {
                live[b] = l;
                changed = true;
            }
        }
    }
    live
}

/// Successor blocks of a terminator inside function `f`. An indirect jump goes to its recovered
/// table's targets, or without one to any entry (computed goto: an interpreter loop can cycle
/// through them); any other address leaves the function.
pub fn successors(f: &Function, t: &Term) -> Vec<BlockId> {
    match *t {
        Term::Br(b) => vec![b],
        Term::BrIf { then_, else_, .. } => vec![then_, else_],
        Term::Call { cont, .. } | Term::CallInd { cont, .. } => vec![cont],
        Term::JumpInd { ref targets, .. } if targets.is_empty() => f.entries.iter().map(|&(_, b)| b).collect(),
        Term::JumpInd { ref targets, .. } => {
            targets.iter().filter_map(|&o| f.entries.iter().find(|e| e.0 == o).map(|e| e.1)).collect()
        }
        Term::None | Term::Ret { .. } | Term::Tail { .. } | Term::Trap { .. } => vec![],
    }
}

/// A cycle of `f` that passes no safe point, as its blocks, or None when every cycle passes one
/// (cycles inside a counted loop, `ir::counted`, are exempt: docs/signals.md "Counted loops").
/// A check of [`insert`]'s result by other means than it uses: the strongly connected components
/// of the blocks without a poll (edges as [`successors`]) must each lie within one counted loop.
pub fn unpolled_cycle(f: &Function) -> Option<Vec<usize>> {
    let n = f.blocks.len();
    let poll: Vec<bool> = (0..n).map(|b| polled(f, b)).collect();
    let succ: Vec<Vec<usize>> = (0..n)
        .map(|b| {
            if poll[b] {
                return vec![];
            }
            successors(f, &f.blocks[b].term).iter().map(|s| s.0 as usize).filter(|&s| s < n && !poll[s]).collect()
        })
        .collect();
    let mut pred = vec![vec![]; n];
    for (b, ss) in succ.iter().enumerate() {
        for &s in ss {
            pred[s].push(b);
        }
    }
    // Kosaraju: finishing order of a DFS on the edges, then DFS on the reversed edges in reverse
    // finishing order; each tree of the second pass is a component.
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for r in 0..n {
        if !seen[r] {
            postorder(&succ, r, &mut seen, &mut order);
        }
    }
    let mut comp = vec![usize::MAX; n];
    let loops: Vec<_> = super::counted::loops(f).into_iter().filter(|l| l.counted).collect();
    for &r in order.iter().rev() {
        if comp[r] != usize::MAX {
            continue;
        }
        comp[r] = r;
        let mut members = vec![r];
        let mut work = vec![r];
        while let Some(b) = work.pop() {
            for &p in &pred[b] {
                if comp[p] == usize::MAX {
                    comp[p] = r;
                    members.push(p);
                    work.push(p);
                }
            }
        }
        let cyclic = members.len() > 1 || succ[r].contains(&r);
        if cyclic && !loops.iter().any(|l| members.iter().all(|&b| l.body.get(b).copied().unwrap_or(false))) {
            members.sort_unstable();
            return Some(members);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(f: &Function) -> Vec<u64> {
        let mut v: Vec<u64> = (0..f.blocks.len()).filter(|&b| polled(f, b)).map(|b| f.blocks[b].off).collect();
        v.sort();
        v
    }

    #[test]
    fn loop_header_and_entry() {
        use crate::isa::aarch64::lift_snippet;
        // 0: mov x0, #0 ; 4: add x0, x0, #2 ; 8: cmp x0, #10 ; c: b.ne 4 ; 10: ret
        // (step 2: not a counted loop, ir::counted)
        let mut f = lift_snippet(0x400000, &[0xd280_0000, 0x9100_0800, 0xf100_281f, 0x54ff_ffc1, 0xd65f_03c0]);
        insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(count(&f), vec![4], "a leaf: the loop header only");
        insert(&mut f);
        assert_eq!(count(&f), vec![4], "idempotent");
        let text = crate::ir::print::print_function(&f, false);
        assert!(text.contains("safepoint 0x4"), "{text}");
    }

    #[test]
    fn flags_of_a_loop_compare_are_dead_at_its_header() {
        use crate::cpu::Reg;
        use crate::isa::aarch64::lift_snippet;
        // 0: mov x0, #0 ; 4: add x0, x0, #1 ; 8: cmp x0, #10 ; c: b.ne 4 ; 10: ret
        let mut f = lift_snippet(0x400000, &[0xd280_0000, 0x9100_0400, 0xf100_281f, 0x54ff_ffc1, 0xd65f_03c0]);
        insert(&mut f);
        let live = live_in(&f);
        let header = f.blocks.iter().position(|b| b.off == 4).unwrap();
        let has = |r: Reg| live[header] & (1u128 << r.0) != 0;
        assert!(has(Reg::x(0)), "x0 is read by the add");
        assert!(!has(Reg::N) && !has(Reg::Z) && !has(Reg::C) && !has(Reg::V), "flags are set by cmp before b.ne reads them");
        assert!(has(Reg::x(1)) && has(Reg::vreg(3)), "live at the ret");
        assert!(has(Reg::PC) && has(Reg::FPCR));
    }

    #[test]
    fn straight_line_code_polls_at_entry_only_if_it_calls() {
        use crate::isa::aarch64::lift_snippet;
        // 0: b.eq 8 ; 4: nop ; 8: ret  (a forward branch is not a loop)
        let mut f = lift_snippet(0x400000, &[0x5400_0040, 0xd503_201f, 0xd65f_03c0]);
        insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(count(&f), Vec::<u64>::new());
        // 0: bl 8 ; 4: ret ; 8: ret
        let mut f = lift_snippet(0x400000, &[0x9400_0002, 0xd65f_03c0, 0xd65f_03c0]);
        insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(count(&f), vec![0]);
    }

    /// Every safe point's op removed from `f` (to check that the check sees the cycles).
    fn strip(f: &mut Function) {
        for b in 0..f.blocks.len() {
            if polled(f, b) {
                f.blocks[b].insts.remove(0);
            }
        }
    }

    /// `insert`, then the independent check that every cycle passes a poll; the check must also
    /// fail on the function without its polls (when it has a cycle that is not a counted loop).
    fn insert_checked(words: &[u32]) -> Function {
        use crate::isa::aarch64::lift_snippet;
        let mut f = lift_snippet(0x400000, words);
        insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(unpolled_cycle(&f), None, "{}", crate::ir::print::print_function(&f, false));
        let mut bare = f.clone();
        strip(&mut bare);
        if !count(&f).is_empty() {
            assert!(unpolled_cycle(&bare).is_some(), "the check finds no cycle without the polls");
        }
        f
    }

    /// A loop entered in the middle: the DFS reaches the middle block (0xc) first, so both it
    /// and the top (4) are back-edge targets. Every cycle through 0xc passes 4, but 0xc does not
    /// dominate 4, so both keep their polls (only a jump table's dispatch block is pruned so).
    #[test]
    fn a_loop_entered_in_the_middle_keeps_both_polls() {
        use crate::isa::aarch64::lift_snippet;
        // 0: b.eq 0xc ; 4: add x0, x0, #1 ; 8: b.ne 4 ; c: add x1, x1, #1 ; 10: b 4
        let words = [0x5400_0060, 0x9100_0400, 0x54ff_ffe1, 0x9100_0421, 0x17ff_fffd];
        let f0 = lift_snippet(0x400000, &words);
        let mut heads: Vec<u64> = back_edges(&f0).iter().map(|&(_, h)| f0.blocks[h].off).collect();
        heads.sort();
        heads.dedup();
        assert_eq!(heads, vec![4, 0xc], "the DFS sees two headers");
        assert_eq!(count(&insert_checked(&words)), vec![4, 0xc]);
    }

    /// Nested loops, the inner one (8) a `while` over a load (not counted). When the inner loop
    /// always runs, every outer iteration passes its poll and the outer header (4) needs none;
    /// when it may run zero times (`cbz x2` skips it), the outer header keeps its own.
    #[test]
    fn an_outer_loop_keeps_its_poll_unless_every_iteration_passes_the_inner_one() {
        // 0: nop ; 4: nop ; 8: ldr x0, [x1] ; c: cbnz x0, 8 ; 10: nop ; 14: b.ne 4 ; 18: ret
        let always = [0xd503_201f, 0xd503_201f, 0xf940_0020, 0xb5ff_ffe0, 0xd503_201f, 0x54ff_ff81, 0xd65f_03c0];
        assert_eq!(count(&insert_checked(&always)), vec![8]);
        // 4: cbz x2, 0x14
        let mut maybe = always;
        maybe[1] = 0xb400_0082;
        assert_eq!(count(&insert_checked(&maybe)), vec![4, 8]);
    }

    /// An inner counted loop has no poll, so it cannot stand for the outer loop's.
    #[test]
    fn a_counted_inner_loop_does_not_cover_the_outer_one() {
        // 0: nop ; 4: nop ; 8: add x0, x0, #1 ; c: cbnz x0, 8 ; 10: nop ; 14: b.ne 4 ; 18: ret
        let words = [0xd503_201f, 0xd503_201f, 0x9100_0400, 0xb5ff_ffe0, 0xd503_201f, 0x54ff_ff81, 0xd65f_03c0];
        let f = insert_checked(&words);
        assert_eq!(count(&f), vec![4]);
        assert!(super::super::counted::loops(&f).iter().any(|l| l.counted && f.blocks[l.header].off == 8));
    }

    #[test]
    fn indirect_jumps_back_to_an_entry_are_loops() {
        use crate::isa::aarch64::lift_snippet;
        // 0: nop ; 4: br x1   (x1 may hold 0, an entry: a cycle without a direct back edge)
        let mut f = lift_snippet(0x400000, &[0xd503_201f, 0xd61f_0020]);
        insert(&mut f);
        crate::ir::verify::verify(&f).unwrap();
        assert_eq!(count(&f), vec![0]);
    }
}
