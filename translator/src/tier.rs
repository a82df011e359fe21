//! Which backend compiles a function (`--tier`): LLVM (slow to compile, fast code) or Cranelift
//! (translator/src/clif.rs: fast to compile, slower code). docs/design.md "Backends",
//! docs/performance.md "Translation time" for the measurements behind `auto`.

use aot_lifter::ir::{
    safepoint::{back_edges, successors},
    Function, Helper, Op, Reloc, Term,
};

/// The `--tier` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// Per function: hot-looking code in LLVM, the rest in Cranelift (`choose_all`). The
    /// default: within 3 % of `Llvm`'s instructions on every benchmark (docs/performance.md
    /// "Cranelift tier"), about half its compile CPU.
    #[default]
    Auto,
    Llvm,
    Cranelift,
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Tier, String> {
        match s {
            "auto" => Ok(Tier::Auto),
            "llvm" => Ok(Tier::Llvm),
            "cranelift" => Ok(Tier::Cranelift),
            _ => Err(format!("unknown tier '{s}' (auto, llvm or cranelift)")),
        }
    }
}

/// The backend one function goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    Llvm,
    /// LLVM with little optimisation (`llvm::Effort::Cold`: -O1 IR, -O0 machine code): for
    /// functions Cranelift code must not run that do not look hot.
    LlvmCold,
    Cranelift,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Llvm => "llvm",
            Backend::LlvmCold => "llvm-cold",
            Backend::Cranelift => "cranelift",
        }
    }
}

/// What `auto` looks at in a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Shape {
    /// The CFG has a back edge (a loop).
    pub loops: bool,
    /// A direct call or tail call to its own start (recursion).
    pub self_calls: bool,
    /// An indirect jump in a function with one entry: a tail call through a pointer (in a
    /// function with several entries, an indirect jump is a jump table's).
    pub indirect_tail: bool,
    /// The function is on a cycle of direct tail calls (`tail_cycles`).
    pub tail_cycle: bool,
    /// Operations (`Function::op_count`).
    pub ops: usize,
    /// Makes a system call (an `svc`): a libc wrapper, run once per call of an I/O loop.
    pub syscalls: bool,
    /// How many other functions call it directly (`callers`).
    pub callers: usize,
    /// The program's `main` (by symbol; stripped programs have none).
    pub main: bool,
    /// Control-flow edges its indirect jumps add (`Function::indirect_jump_edges`: each reaches
    /// every entry).
    pub jump_edges: usize,
}

pub fn shape(f: &Function) -> Shape {
    let base = f.base();
    let mut s = Shape {
        ops: f.op_count(),
        loops: !back_edges(f).is_empty(),
        syscalls: f.insts.iter().any(|i| i.op == Op::Helper && i.imm == Helper::Syscall as u64),
        main: f.name == "main",
        jump_edges: f.indirect_jump_edges(),
        ..Shape::default()
    };
    for b in &f.blocks {
        match b.term {
            Term::Call { target, .. } | Term::Tail { target, .. } => {
                if f.relocs.get(target as usize) == Some(&Reloc::Func(base)) {
                    s.self_calls = true;
                }
            }
            Term::JumpInd { .. } if f.entries.len() == 1 => s.indirect_tail = true,
            _ => {}
        }
    }
    s
}

/// For each function, how many other functions call or tail-call it directly.
pub fn callers(funcs: &[Function]) -> Vec<usize> {
    let index: std::collections::HashMap<u64, usize> = funcs.iter().enumerate().map(|(i, f)| (f.base(), i)).collect();
    let mut from: Vec<Vec<usize>> = vec![vec![]; funcs.len()];
    for (i, f) in funcs.iter().enumerate() {
        for b in &f.blocks {
            if let Term::Call { target, .. } | Term::Tail { target, .. } = b.term {
                if let Some(&t) = f.relocs.get(target as usize).and_then(|r| match r {
                    Reloc::Func(a) => index.get(a),
                    _ => None,
                }) {
                    if t != i {
                        from[t].push(i);
                    }
                }
            }
        }
    }
    from.into_iter()
        .map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v.len()
        })
        .collect()
}

/// Whether one of the natural loops of `f` (for each back edge, the blocks that reach its source
/// without passing its header) ends no block in a call. Not part of the `auto` policy: most big
/// loop functions have such a loop (38 of 49 over 1,500 operations in a busybox sample), so it
/// tells hot from cold no better than size (docs/performance.md "Cranelift tier");
/// examples/tier-times prints it.
pub fn leaf_loop(f: &Function) -> bool {
    let back = back_edges(f);
    let n = f.blocks.len();
    let mut preds: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, b) in f.blocks.iter().enumerate() {
        for s in successors(f, &b.term) {
            if (s.0 as usize) < n {
                preds[s.0 as usize].push(i);
            }
        }
    }
    back.iter().any(|&(from, head)| {
        let mut seen = vec![false; n];
        seen[head] = true;
        let mut work = vec![from];
        while let Some(b) = work.pop() {
            if std::mem::replace(&mut seen[b], true) {
                continue;
            }
            work.extend(preds[b].iter().copied().filter(|&p| !seen[p]));
        }
        seen.iter().enumerate().all(|(b, &inside)| !inside || !matches!(f.blocks[b].term, Term::Call { .. } | Term::CallInd { .. }))
    })
}

/// Which functions lie on a cycle of direct tail calls (a function that tail-calls itself
/// included): Cranelift has no tail calls in the SystemV convention, its code calls and returns
/// (one host frame per tail call until the chain returns, docs/jit.md), so such a cycle would grow
/// the host stack without bound where LLVM's `musttail` runs in constant space.
pub fn tail_cycles(funcs: &[Function]) -> Vec<bool> {
    let index: std::collections::HashMap<u64, usize> = funcs.iter().enumerate().map(|(i, f)| (f.base(), i)).collect();
    let succ: Vec<Vec<usize>> = funcs
        .iter()
        .map(|f| {
            let mut v: Vec<usize> = f
                .blocks
                .iter()
                .filter_map(|b| match b.term {
                    Term::Tail { target, .. } => match f.relocs.get(target as usize) {
                        Some(Reloc::Func(t)) => index.get(t).copied(),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    strongly_connected_cycles(&succ)
}

/// Nodes on a cycle of the graph `succ` (in an SCC of two or more nodes, or with an edge to
/// themselves). Tarjan's algorithm, iterative.
pub fn strongly_connected_cycles(succ: &[Vec<usize>]) -> Vec<bool> {
    let n = succ.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0usize; n], vec![false; n]);
    let mut stack = vec![];
    let mut out = vec![false; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on[root] = true;
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            if let Some(&w) = succ[v].get(*k) {
                *k += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on[w] = true;
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(p, _)) = work.last() {
                low[p] = low[p].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = vec![];
                loop {
                    let w = stack.pop().expect("on the stack");
                    on[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                let cyclic = comp.len() > 1 || succ[v].contains(&v);
                for w in comp {
                    out[w] = cyclic;
                }
            }
        }
    }
    out
}

/// Functions with loops or recursion above this many operations go to Cranelift under `auto`:
/// LLVM's time grows superlinearly with size, and the few hot loops of big functions are not
/// worth it (measurements in docs/performance.md "Cranelift tier"). glibc's `strstr` (1,507
/// operations) is the hot function of benches/strings.
pub const AUTO_MAX_LLVM_OPS: usize = 1600;

/// Functions that call themselves go to LLVM under `auto` up to this many operations: recursion
/// runs a function many times per call from outside (glibc's `msort_with_tmp`, 1,568 operations,
/// is half the instructions of benches/sort), and few functions are recursive (a stripped
/// busybox sample: 3 % more compile CPU than with `AUTO_MAX_LLVM_OPS` alone, docs/performance.md).
pub const AUTO_MAX_LLVM_RECURSIVE_OPS: usize = 3000;

/// Functions up to this many operations go to LLVM under `auto` whatever their shape: they cost
/// LLVM little (3 % of its time on a glibc program, docs/performance.md) and are the leaf helpers
/// hot loops call (comparison callbacks, hash steps, accessors).
pub const AUTO_SMALL_OPS: usize = 100;

/// Functions called directly from at least this many others go to LLVM under `auto` up to
/// `AUTO_MAX_LLVM_CALLED_OPS`: the program's common helpers and the C library's core (glibc's
/// `malloc` has 88 callers, `free` 135, `_int_malloc` (6,041 operations) and `_int_free` 5 each:
/// most of benches/malloc), few in number (a busybox sample: 24 of 522 functions more in LLVM,
/// about 15 % more compile CPU than without the rule, docs/performance.md).
pub const AUTO_LLVM_CALLERS: usize = 5;

/// The size cap of the `AUTO_LLVM_CALLERS` rule: above it are the printf engines
/// (`__vfprintf_internal`, 13,305 operations, called from every printf variant), which cost LLVM
/// tens of seconds each.
pub const AUTO_MAX_LLVM_CALLED_OPS: usize = 6500;

/// Functions whose indirect jumps add more control-flow edges than this (`Shape::jump_edges`)
/// are not taken into LLVM by the hotness rules (callers, loops, recursion, system calls): LLVM's
/// time grows with the edges, a dense CFG costs it several times more per operation (a stripped
/// busybox: `sub_432d20`, 2,822 operations, 234 entries, 936 edges, 10.9 CPU-s, the most
/// expensive function; the median function of its size takes about 0.3 s), and no hot function
/// of the benchmarks has more than 164 (docs/performance.md "Translation time").
pub const AUTO_MAX_LLVM_JUMP_EDGES: usize = 300;

/// The `auto` policy. LLVM, whatever the size, for the program's `main` (its loops are the
/// program's) and for small functions (`AUTO_SMALL_OPS`). LLVM, unless the CFG is dense
/// (`AUTO_MAX_LLVM_JUMP_EDGES`), for functions with `AUTO_LLVM_CALLERS` callers or more up to
/// `AUTO_MAX_LLVM_CALLED_OPS`, and up to `AUTO_MAX_LLVM_OPS` for code that looks hot: loops,
/// recursion, system calls (the wrappers an I/O loop calls); recursive functions up to
/// `AUTO_MAX_LLVM_RECURSIVE_OPS`. Of the rest, functions Cranelift code must not run (tail calls
/// through a pointer, cycles of direct tail calls: the host stack would grow) go to LLVM with
/// little optimisation (`LlvmCold`), the others to Cranelift.
pub fn auto_backend(s: &Shape) -> Backend {
    if s.main || s.ops <= AUTO_SMALL_OPS {
        return Backend::Llvm;
    }
    let sparse = s.jump_edges <= AUTO_MAX_LLVM_JUMP_EDGES;
    if sparse && s.callers >= AUTO_LLVM_CALLERS && s.ops <= AUTO_MAX_LLVM_CALLED_OPS {
        return Backend::Llvm;
    }
    if sparse && (s.loops || s.self_calls || s.syscalls) && s.ops <= AUTO_MAX_LLVM_OPS {
        return Backend::Llvm;
    }
    if sparse && s.self_calls && s.ops <= AUTO_MAX_LLVM_RECURSIVE_OPS {
        return Backend::Llvm;
    }
    if s.indirect_tail || s.tail_cycle {
        return Backend::LlvmCold;
    }
    Backend::Cranelift
}

/// The backend of every function under `tier`.
pub fn choose_all(tier: Tier, funcs: &[Function]) -> Vec<Backend> {
    match tier {
        Tier::Llvm => vec![Backend::Llvm; funcs.len()],
        Tier::Cranelift => vec![Backend::Cranelift; funcs.len()],
        Tier::Auto => {
            let cyc = tail_cycles(funcs);
            let callers = callers(funcs);
            funcs.iter().zip(cyc).zip(callers).map(|((f, c), n)| auto_backend(&Shape { tail_cycle: c, callers: n, ..shape(f) })).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parse() {
        assert_eq!("auto".parse::<Tier>(), Ok(Tier::Auto));
        assert_eq!("llvm".parse::<Tier>(), Ok(Tier::Llvm));
        assert_eq!("cranelift".parse::<Tier>(), Ok(Tier::Cranelift));
        assert!("gcc".parse::<Tier>().is_err());
    }
    #[test]
    fn auto_policy() {
        let s = |loops, self_calls, ops| Shape { loops, self_calls, ops, ..Shape::default() };
        assert_eq!(auto_backend(&s(false, false, AUTO_SMALL_OPS)), Backend::Llvm);
        assert_eq!(auto_backend(&s(false, false, AUTO_SMALL_OPS + 1)), Backend::Cranelift);
        assert_eq!(auto_backend(&s(false, false, 100_000)), Backend::Cranelift);
        assert_eq!(auto_backend(&s(true, false, AUTO_SMALL_OPS + 1)), Backend::Llvm);
        assert_eq!(auto_backend(&s(false, true, AUTO_SMALL_OPS + 1)), Backend::Llvm);
        assert_eq!(auto_backend(&s(true, false, AUTO_MAX_LLVM_OPS)), Backend::Llvm);
        assert_eq!(auto_backend(&s(true, false, AUTO_MAX_LLVM_OPS + 1)), Backend::Cranelift);
        assert_eq!(auto_backend(&s(false, true, AUTO_MAX_LLVM_OPS + 1)), Backend::Llvm);
        assert_eq!(auto_backend(&s(true, true, AUTO_MAX_LLVM_RECURSIVE_OPS)), Backend::Llvm);
        assert_eq!(auto_backend(&s(true, true, AUTO_MAX_LLVM_RECURSIVE_OPS + 1)), Backend::Cranelift);
        let big = s(false, false, AUTO_MAX_LLVM_OPS * 2);
        assert_eq!(auto_backend(&Shape { indirect_tail: true, ..big }), Backend::LlvmCold);
        assert_eq!(auto_backend(&Shape { tail_cycle: true, ..big }), Backend::LlvmCold);
        // a tail cycle that also looks hot gets the full pipeline; a small one too
        assert_eq!(auto_backend(&Shape { tail_cycle: true, loops: true, ..s(false, false, AUTO_MAX_LLVM_OPS) }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { tail_cycle: true, ..s(false, false, AUTO_SMALL_OPS) }), Backend::Llvm);
        // a dense CFG keeps a function out of the hotness rules, not out of main or small
        let dense = AUTO_MAX_LLVM_JUMP_EDGES + 1;
        let hot_loop = s(true, true, AUTO_MAX_LLVM_OPS);
        assert_eq!(auto_backend(&Shape { jump_edges: AUTO_MAX_LLVM_JUMP_EDGES, ..hot_loop }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, ..hot_loop }), Backend::Cranelift);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, callers: AUTO_LLVM_CALLERS, ..big }), Backend::Cranelift);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, syscalls: true, ..hot_loop }), Backend::Cranelift);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, tail_cycle: true, ..hot_loop }), Backend::LlvmCold);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, main: true, ..big }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { jump_edges: dense, ..s(true, false, AUTO_SMALL_OPS) }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { main: true, ..big }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { callers: AUTO_LLVM_CALLERS, ..big }), Backend::Llvm);
        let huge = s(true, false, AUTO_MAX_LLVM_CALLED_OPS + 1);
        assert_eq!(auto_backend(&Shape { callers: 100, ..huge }), Backend::Cranelift);
        assert_eq!(auto_backend(&Shape { callers: AUTO_LLVM_CALLERS - 1, ..big }), Backend::Cranelift);
        let mid = s(false, false, AUTO_MAX_LLVM_OPS);
        assert_eq!(auto_backend(&mid), Backend::Cranelift);
        assert_eq!(auto_backend(&Shape { syscalls: true, ..mid }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { syscalls: true, ..big }), Backend::Cranelift);
    }
    #[test]
    fn cycles() {
        // 0 -> 1 -> 2 -> 0 a cycle; 3 -> 3 a self loop; 4 -> 0 reaches the cycle but is not on it;
        // 5 alone.
        let g = vec![vec![1], vec![2], vec![0], vec![3], vec![0], vec![]];
        assert_eq!(strongly_connected_cycles(&g), vec![true, true, true, true, false, false]);
        assert_eq!(strongly_connected_cycles(&[]), Vec::<bool>::new());
        // two cycles joined one way: both cyclic, the joining edge changes nothing
        let g = vec![vec![1], vec![0, 2], vec![3], vec![2]];
        assert_eq!(strongly_connected_cycles(&g), vec![true; 4]);
    }
}
