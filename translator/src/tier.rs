//! Which backend compiles a function (`--tier`): LLVM (slow to compile, fast code) or Cranelift
//! (translator/src/clif.rs: fast to compile, slower code). docs/design.md "Backends",
//! docs/performance.md "Translation time" for the measurements behind `auto`.

use aot_lifter::ir::{safepoint::back_edges, Function, Reloc, Term};

/// The `--tier` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// Per function: hot-looking code in LLVM, the rest in Cranelift (`choose_all`).
    Auto,
    /// The default until `auto` stops slowing benchmarks down (docs/performance.md).
    #[default]
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
    Cranelift,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Llvm => "llvm",
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
}

pub fn shape(f: &Function) -> Shape {
    let base = f.base();
    let mut s = Shape { ops: f.op_count(), loops: !back_edges(f).is_empty(), ..Shape::default() };
    for b in &f.blocks {
        match b.term {
            Term::Call { target, .. } | Term::Tail { target } => {
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
                    Term::Tail { target } => match f.relocs.get(target as usize) {
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
/// worth it (measurements in docs/performance.md "Cranelift tier").
pub const AUTO_MAX_LLVM_OPS: usize = 1500;

/// Functions up to this many operations go to LLVM under `auto` whatever their shape: they cost
/// LLVM little (3 % of its time on a glibc program, docs/performance.md) and are the leaf helpers
/// hot loops call (comparison callbacks, hash steps, accessors).
pub const AUTO_SMALL_OPS: usize = 100;

/// The `auto` policy: LLVM for code that looks hot (loops, recursion) up to `AUTO_MAX_LLVM_OPS`,
/// for small functions (`AUTO_SMALL_OPS`), and, whatever their size, for functions Cranelift code
/// must not run (tail calls through a pointer, cycles of direct tail calls: the host stack would
/// grow); Cranelift for the rest.
pub fn auto_backend(s: &Shape) -> Backend {
    if s.indirect_tail || s.tail_cycle || s.ops <= AUTO_SMALL_OPS {
        return Backend::Llvm;
    }
    if (s.loops || s.self_calls) && s.ops <= AUTO_MAX_LLVM_OPS {
        return Backend::Llvm;
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
            funcs.iter().zip(cyc).map(|(f, c)| auto_backend(&Shape { tail_cycle: c, ..shape(f) })).collect()
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
        assert_eq!(auto_backend(&s(false, true, AUTO_MAX_LLVM_OPS + 1)), Backend::Cranelift);
        let big = s(false, false, AUTO_MAX_LLVM_OPS * 2);
        assert_eq!(auto_backend(&Shape { indirect_tail: true, ..big }), Backend::Llvm);
        assert_eq!(auto_backend(&Shape { tail_cycle: true, ..big }), Backend::Llvm);
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
