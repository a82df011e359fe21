//! IR -> Cranelift IR. One match over the ops table, mirroring translator/src/llvm.rs: guest
//! registers are Cranelift variables (SSA), loaded from `CpuState` at entry and after calls and
//! helpers, and written back wherever control may leave the function; every guest address is a
//! constant (the JIT knows where everything is, so no relocation symbols are needed), except in
//! object mode (`Symbols::object_key`: the AOT translator's Cranelift tier), where guest addresses,
//! callees and runtime functions are named symbols as in the LLVM backend's objects.
//!
//! Differences from the LLVM backend (docs/jit.md):
//! - Cranelift has no tail calls in the SystemV convention: `Tail` and a `JumpInd` to a function
//!   start are a call followed by a return (the host stack grows by one frame per tail call
//!   until the chain returns).
//! - Direct calls and tail calls to other guest functions call through the target's chaining
//!   slot (`Symbols::chain_slot`). Indirect calls, and indirect jumps out of a function with one
//!   entry, probe an inline-cache slot first as the LLVM backend's do (aot_lifter::ic's layout,
//!   the runtime's `aot_ic_miss` path; `Symbols::ic_slot`, object mode: the object's own `aot_ic`
//!   section); without a slot they go through `aot_lookup`.
//! - An I1 value is a Cranelift I8 holding 0 or 1.

use aot_lifter::cpu::{Reg, SlotTy, SIGPOLL_OFFSET};
use aot_lifter::excl;
use aot_lifter::ic;
use aot_lifter::ir::{
    self, fpnan, BlockId, Cond, CryptoOp, FCond, FenceKind, Function, Helper, Op, Ordering, RmwOp, RoundMode, Term, Ty,
    Value,
};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    types, AbiParam, Endianness, AtomicRmwOp, Block, ExtFuncData, ExternalName, FuncRef, GlobalValue, GlobalValueData, InstBuilder,
    MemFlagsData, SigRef, Signature, SourceLoc, TrapCode, Type, UserExternalName, Value as CVal,
};
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use std::collections::HashMap;

/// Addresses of the runtime functions and tables translated code uses.
pub trait Symbols {
    fn addr(&self, name: &str) -> Option<u64>;
    /// Chaining (docs/jit.md): the address of a stable 8-byte cell holding the host function
    /// to call for guest address `pc` (initially a resolver that fills it; reset to the
    /// resolver when `pc`'s translation is invalidated). Direct calls and tail calls to `pc`
    /// load it and call through it. `None`: they call `aot_lookup` each time.
    fn chain_slot(&self, _pc: u64) -> Option<u64> {
        None
    }
    /// Position-independent object code for the AOT translator's Cranelift tier
    /// (translator/src/clif.rs): `Some(key)` makes every runtime function a direct call to its
    /// symbol, every guest address a load of the relocation symbol `aot_r_<key>_<slot>` (through
    /// the GOT) and every direct call or tail call a call to `aot_c_<key>_<slot>`, exactly the
    /// symbols the LLVM backend's objects use; `addr` and `chain_slot` are then not asked.
    fn object_key(&self) -> Option<&str> {
        None
    }
    /// Inline caches (aot_lifter::ic, docs/design.md "Inline caches"): the address of the slot of
    /// the `site`th inline-cached indirect call or jump of the function at guest address `base`,
    /// the same slot for every translation of that function (slots hold only records of AOT
    /// entries, which never move, and a hit compares the guest address, so a retranslation may
    /// reuse it). `None`: such sites call `aot_lookup` every time. Not asked in object mode, where
    /// the slots are the object's own ([`IC_SLOTS_SYMBOL`]).
    fn ic_slot(&self, _base: u64, _site: u32) -> Option<u64> {
        None
    }
}

/// Object mode: the symbol of the object's inline-cache slots (slot `i` at `i *
/// aot_lifter::ic::SLOT_BYTES`): not a real name, the object writer resolves it to the start of
/// its `aot_ic` section (translator/src/clif.rs).
pub const IC_SLOTS_SYMBOL: &str = ".aot_ic";

/// What `Lower::emit` produced besides the function body.
pub struct Emitted {
    /// Object mode: the external symbols referenced, indexed by their `UserExternalName` index.
    pub names: Vec<String>,
    /// Object mode: inline-cache slots the code uses (at [`IC_SLOTS_SYMBOL`]).
    pub ic_slots: u32,
}

#[derive(Debug)]
pub struct LowerError(pub String);

type R<T> = Result<T, LowerError>;

fn cty(t: Ty) -> Type {
    match t {
        Ty::I1 | Ty::I8 => types::I8,
        Ty::I16 => types::I16,
        Ty::I32 => types::I32,
        Ty::I64 => types::I64,
        Ty::I128 => types::I128,
        Ty::F32 => types::F32,
        Ty::F64 => types::F64,
        Ty::Void => types::INVALID,
    }
}

fn int_cc(c: Cond) -> IntCC {
    match c {
        Cond::Eq => IntCC::Equal,
        Cond::Ne => IntCC::NotEqual,
        Cond::Ult => IntCC::UnsignedLessThan,
        Cond::Ule => IntCC::UnsignedLessThanOrEqual,
        Cond::Ugt => IntCC::UnsignedGreaterThan,
        Cond::Uge => IntCC::UnsignedGreaterThanOrEqual,
        Cond::Slt => IntCC::SignedLessThan,
        Cond::Sle => IntCC::SignedLessThanOrEqual,
        Cond::Sgt => IntCC::SignedGreaterThan,
        Cond::Sge => IntCC::SignedGreaterThanOrEqual,
    }
}

fn slot_ty(r: Reg) -> Type {
    match r.slot().1 {
        SlotTy::I8 => types::I8,
        SlotTy::I32 => types::I32,
        SlotTy::I64 => types::I64,
        SlotTy::I128 => types::I128,
    }
}

/// The signature of every translated function: `extern "C" fn(*mut CpuState, u64)`.
pub fn host_fn_sig(cc: CallConv) -> Signature {
    let mut s = Signature::new(cc);
    s.params.push(AbiParam::new(types::I64));
    s.params.push(AbiParam::new(types::I64));
    s
}

fn sig(cc: CallConv, params: &[Type], ret: Option<Type>) -> Signature {
    let mut s = Signature::new(cc);
    s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    s.returns.extend(ret.map(AbiParam::new));
    s
}

/// State flags: in-bounds, aligned accesses to the guest state.
fn stf() -> MemFlagsData {
    MemFlagsData::trusted()
}

pub struct Lower<'a, 'b> {
    f: &'a Function,
    b: FunctionBuilder<'b>,
    syms: &'a dyn Symbols,
    cc: CallConv,
    st: CVal,
    vars: HashMap<u8, Variable>,
    used: Vec<Reg>,
    written: Vec<Reg>,
    blocks: Vec<Block>,
    vals: Vec<Option<CVal>>,
    live_in: Vec<u128>,
    cur_block: usize,
    sigs: HashMap<&'static str, SigRef>,
    fe_config: TargetFrontendConfig,
    /// Object mode (`Symbols::object_key`): the key, and the external symbols referenced, in the
    /// order of their `UserExternalName` index (namespace 0).
    obj_key: Option<String>,
    names: Vec<String>,
    funcs: HashMap<String, FuncRef>,
    gvs: HashMap<String, GlobalValue>,
    /// Inline-cached sites lowered so far.
    ic_sites: u32,
}

impl<'a, 'b> Lower<'a, 'b> {
    pub fn new(f: &'a Function, b: FunctionBuilder<'b>, syms: &'a dyn Symbols, cc: CallConv, fe_config: TargetFrontendConfig) -> Self {
        let mut used = f.regs_used();
        if !used.contains(&Reg::FPCR) && f.insts.iter().any(|i| fpnan::obeys_dn(i.op) || is_minmax(i.op)) {
            used.push(Reg::FPCR);
            used.sort();
        }
        let mut written: Vec<Reg> = f.insts.iter().filter(|i| i.op == Op::SetReg).map(|i| Reg(i.imm as u8)).collect();
        written.sort();
        written.dedup();
        Lower {
            f,
            b,
            syms,
            cc,
            st: CVal::from_u32(0),
            vars: HashMap::new(),
            used,
            written,
            blocks: vec![],
            vals: vec![None; f.insts.len()],
            live_in: ir::safepoint::backend_live_in(f),
            cur_block: 0,
            sigs: HashMap::new(),
            fe_config,
            obj_key: syms.object_key().map(str::to_string),
            names: vec![],
            funcs: HashMap::new(),
            gvs: HashMap::new(),
            ic_sites: 0,
        }
    }

    fn sym(&self, name: &str) -> R<u64> {
        self.syms.addr(name).ok_or_else(|| LowerError(format!("unknown runtime symbol {name}")))
    }

    fn sigref(&mut self, key: &'static str, params: &[Type], ret: Option<Type>) -> SigRef {
        if let Some(&s) = self.sigs.get(key) {
            return s;
        }
        let s = self.b.import_signature(sig(self.cc, params, ret));
        self.sigs.insert(key, s);
        s
    }

    /// The index of external symbol `name` (object mode).
    fn ext_name(&mut self, name: &str) -> ExternalName {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        let r = self.b.func.declare_imported_user_function(UserExternalName::new(0, i as u32));
        ExternalName::User(r)
    }

    /// Object mode: the address of symbol `name` (through the GOT: relocation symbols are
    /// absolute, runtime data may be anywhere).
    fn obj_sym_value(&mut self, name: &str) -> CVal {
        let gv = match self.gvs.get(name) {
            Some(&g) => g,
            None => {
                let n = self.ext_name(name);
                let g = self.b.create_global_value(GlobalValueData::Symbol { name: n, offset: Imm64::new(0), colocated: false, tls: false });
                self.gvs.insert(name.to_string(), g);
                g
            }
        };
        self.b.ins().symbol_value(types::I64, gv)
    }

    /// Object mode: a direct call to the host function `name` (the runtime or translated code,
    /// all in one static executable: a PC-relative call).
    fn obj_call(&mut self, name: &str, sr: SigRef, args: &[CVal]) -> Option<CVal> {
        let fr = match self.funcs.get(name) {
            Some(&f) => f,
            None => {
                let n = self.ext_name(name);
                let f = self.b.import_function(ExtFuncData { name: n, signature: sr, colocated: true, patchable: false });
                self.funcs.insert(name.to_string(), f);
                f
            }
        };
        let c = self.b.ins().call(fr, args);
        self.b.inst_results(c).first().copied()
    }

    /// The guest address of relocation slot `slot`.
    fn reloc_val(&mut self, slot: usize) -> CVal {
        match self.obj_key.clone() {
            Some(k) => self.obj_sym_value(&format!("aot_r_{k}_{slot}")),
            None => self.b.ins().iconst(types::I64, self.f.relocs[slot].value() as i64),
        }
    }

    /// The address of runtime data `name`.
    fn sym_val(&mut self, name: &str) -> R<CVal> {
        if self.obj_key.is_some() {
            return Ok(self.obj_sym_value(name));
        }
        let a = self.sym(name)?;
        Ok(self.b.ins().iconst(types::I64, a as i64))
    }

    /// Call the runtime function `name` (absolute address) with signature `key`.
    fn call_sym(&mut self, name: &str, key: &'static str, params: &[Type], ret: Option<Type>, args: &[CVal]) -> R<Option<CVal>> {
        if self.obj_key.is_some() {
            let sr = self.sigref(key, params, ret);
            return Ok(self.obj_call(name, sr, args));
        }
        let a = self.sym(name)?;
        let sr = self.sigref(key, params, ret);
        let callee = self.b.ins().iconst(types::I64, a as i64);
        let c = self.b.ins().call_indirect(sr, callee, args);
        Ok(self.b.inst_results(c).first().copied())
    }

    fn v(&self, x: Value) -> CVal {
        self.vals[x.0 as usize].expect("value defined before use (verified)")
    }
    fn ty_of(&self, x: Value) -> Ty {
        self.f.inst(x).ty
    }

    fn slot_addr_off(r: Reg) -> i32 {
        r.slot().0 as i32
    }

    fn load_state(&mut self) {
        for r in self.used.clone() {
            let v = self.b.ins().load(slot_ty(r), stf(), self.st, Self::slot_addr_off(r));
            let v = if ir::reg_ty(r) == Ty::I1 { self.b.ins().band_imm_s(v, 1) } else { v };
            self.b.def_var(self.vars[&r.0], v);
        }
    }

    fn store_state_of(&mut self, set: u128) {
        for r in self.written.clone() {
            if set & (1u128 << r.0) == 0 {
                continue;
            }
            let v = self.b.use_var(self.vars[&r.0]);
            self.b.ins().store(stf(), v, self.st, Self::slot_addr_off(r));
        }
    }
    fn store_state(&mut self) {
        self.store_state_of(u128::MAX)
    }

    fn set_pc(&mut self, v: CVal) {
        self.b.ins().store(stf(), v, self.st, Self::slot_addr_off(Reg::PC));
    }

    fn load_pc(&mut self) -> CVal {
        self.b.ins().load(types::I64, stf(), self.st, Self::slot_addr_off(Reg::PC))
    }

    fn base(&mut self) -> CVal {
        if self.obj_key.is_some() {
            return self.reloc_val(0);
        }
        self.b.ins().iconst(types::I64, self.f.base() as i64)
    }
    fn at_off(&mut self, off: u64) -> CVal {
        if self.obj_key.is_some() {
            let b = self.reloc_val(0);
            return self.b.ins().iadd_imm_s(b, off as i64);
        }
        self.b.ins().iconst(types::I64, self.f.base().wrapping_add(off) as i64)
    }

    /// Lower the function; returns the external symbols it references and the inline-cache slots
    /// it uses (object mode).
    pub fn emit(mut self) -> R<Emitted> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        for _ in &self.f.blocks {
            let bb = self.b.create_block();
            self.blocks.push(bb);
        }
        self.b.switch_to_block(entry);
        self.st = self.b.block_params(entry)[0];
        let pc = self.b.block_params(entry)[1];
        let mut regs: Vec<Reg> = self.used.clone();
        regs.extend(self.written.iter().copied());
        regs.sort();
        regs.dedup();
        for r in regs {
            let var = self.b.declare_var(cty(ir::reg_ty(r)));
            self.vars.insert(r.0, var);
        }
        // Written-only registers still need a definition on every path (their value is never
        // read before it is set, but the frontend wants one).
        for r in self.written.clone() {
            if !self.used.contains(&r) {
                let z = self.zero(cty(ir::reg_ty(r)));
                self.b.def_var(self.vars[&r.0], z);
            }
        }
        self.load_state();
        let bad = self.b.create_block();
        if self.f.entries.len() == 1 {
            let t = self.blocks[self.f.entries[0].1 .0 as usize];
            self.b.ins().jump(t, &[]);
        } else {
            let base = self.base();
            let off = self.b.ins().isub(pc, base);
            let mut sw = Switch::new();
            for &(o, bl) in &self.f.entries {
                sw.set_entry(o as u128, self.blocks[bl.0 as usize]);
            }
            sw.emit(&mut self.b, off, bad);
        }
        self.b.switch_to_block(bad);
        self.b.set_srcloc(SourceLoc::default());
        self.emit_trap(ir::TrapKind::NotCode as u32, pc)?;

        for k in 0..self.f.blocks.len() {
            self.b.switch_to_block(self.blocks[k]);
            self.cur_block = k;
            // Until the block's first `insn` mark, no guest instruction (safe point poll).
            self.b.set_srcloc(SourceLoc::default());
            let insts = self.f.blocks[k].insts.clone();
            for v in insts {
                let r = self.inst(v)?;
                self.vals[v.0 as usize] = r;
            }
            let t = self.f.blocks[k].term.clone();
            self.term(&t)?;
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.fe_config);
        Ok(Emitted { names: self.names, ic_slots: self.ic_sites })
    }

    fn zero(&mut self, t: Type) -> CVal {
        match t {
            types::F32 => self.b.ins().f32const(Ieee32::with_bits(0)),
            types::F64 => self.b.ins().f64const(Ieee64::with_bits(0)),
            types::I128 => {
                let z = self.b.ins().iconst(types::I64, 0);
                self.b.ins().iconcat(z, z)
            }
            t => self.b.ins().iconst(t, 0),
        }
    }

    fn emit_trap(&mut self, kind: u32, pc: CVal) -> R<()> {
        self.store_state();
        self.set_pc(pc);
        let k = self.b.ins().iconst(types::I32, kind as i64);
        let st = self.st;
        self.call_sym("aot_trap", "trap", &[types::I64, types::I32], None, &[st, k])?;
        self.b.ins().trap(TrapCode::unwrap_user(1));
        Ok(())
    }

    fn block(&self, b: BlockId) -> Block {
        self.blocks[b.0 as usize]
    }

    fn return_check(&mut self, ret_off: u64, cont: BlockId) {
        let pc = self.load_pc();
        let expect = self.at_off(ret_off);
        let ok = self.b.ins().icmp(IntCC::Equal, pc, expect);
        let reload = self.b.create_block();
        let leave = self.b.create_block();
        self.b.ins().brif(ok, reload, &[], leave, &[]);
        self.b.switch_to_block(leave);
        self.b.ins().return_(&[]);
        self.b.switch_to_block(reload);
        self.load_state();
        let c = self.block(cont);
        self.b.ins().jump(c, &[]);
    }

    /// A new inline-cache slot for the next indirect site: its address, or None (JIT without
    /// slots).
    fn ic_slot(&mut self) -> Option<CVal> {
        let site = self.ic_sites;
        if self.obj_key.is_some() {
            self.ic_sites += 1;
            let gv = match self.gvs.get(IC_SLOTS_SYMBOL) {
                Some(&g) => g,
                None => {
                    let n = self.ext_name(IC_SLOTS_SYMBOL);
                    // Colocated: a PC-relative `lea` of the object's own section.
                    let g = self.b.create_global_value(GlobalValueData::Symbol { name: n, offset: Imm64::new(0), colocated: true, tls: false });
                    self.gvs.insert(IC_SLOTS_SYMBOL.to_string(), g);
                    g
                }
            };
            let base = self.b.ins().symbol_value(types::I64, gv);
            return Some(self.b.ins().iadd_imm_s(base, site as i64 * ic::SLOT_BYTES as i64));
        }
        let a = self.syms.ic_slot(self.f.base(), site)?;
        self.ic_sites += 1;
        Some(self.b.ins().iconst(types::I64, a as i64))
    }

    /// One inline-cache entry test: load the record pointer at `entry` (atomically: the runtime
    /// repoints entries; one aligned word), compare the record's guest address with `a`; on a
    /// match jump to `hit` with the record's host function. Leaves the builder in the mismatch
    /// block.
    fn ic_test(&mut self, entry: CVal, a: CVal, hit: Block) {
        let rec = self.b.ins().atomic_load(types::I64, MemFlagsData::trusted(), entry);
        // Records never change.
        let ro = MemFlagsData::trusted().with_readonly().with_can_move();
        let pc = self.b.ins().load(types::I64, ro, rec, ic::RECORD_PC_OFFSET);
        let same = self.b.ins().icmp(IntCC::Equal, pc, a);
        let found = self.b.create_block();
        let next = self.b.create_block();
        self.b.ins().brif(same, found, &[], next, &[]);
        self.b.switch_to_block(found);
        let fp = self.b.ins().load(types::I64, ro, rec, ic::RECORD_FN_OFFSET);
        self.b.ins().jump(hit, &[fp.into()]);
        self.b.switch_to_block(next);
    }

    /// The host function for target `a` at an inline-cached site with slot `slot`: level 1, the
    /// target's way (aot_lifter::ic::way: `shr`, `imul`, `shr`), else the runtime's miss path
    /// `miss` (`aot_ic_miss`: never null; `aot_ic_miss_start`: null for a target that starts no
    /// function). The builder is left in the block that has the result.
    fn ic_probe(&mut self, slot: CVal, a: CVal, miss: &str) -> R<CVal> {
        let join = self.b.create_block();
        let fp = self.b.append_block_param(join, types::I64);
        let e1 = self.b.ins().iadd_imm_s(slot, ic::REC_OFFSET as i64);
        self.ic_test(e1, a, join);
        let sh = self.b.ins().ushr_imm_u(a, 4);
        let lo = self.b.ins().ireduce(types::I32, sh);
        let h = self.b.ins().imul_imm_u(lo, ic::HASH as i64);
        let w = self.b.ins().ushr_imm_u(h, ic::WAY_SHIFT as i64);
        let w = self.b.ins().uextend(types::I64, w);
        let wo = self.b.ins().ishl_imm_u(w, 3);
        let ways = self.b.ins().iadd_imm_s(slot, ic::WAYS_OFFSET as i64);
        let e2 = self.b.ins().iadd(ways, wo);
        self.ic_test(e2, a, join);
        let cur = self.b.current_block().expect("in a block");
        self.b.set_cold_block(cur);
        let m = self.call_sym(miss, "ic_miss", &[types::I64, types::I64], Some(types::I64), &[slot, a])?.unwrap();
        self.b.ins().jump(join, &[m.into()]);
        self.b.switch_to_block(join);
        Ok(fp)
    }

    /// Host function for guest address `a` (the runtime's `aot_lookup`, which JIT-compiles
    /// on a miss; with `cached`, an inline cache first when there is a slot), called with the
    /// state written back.
    fn call_guest(&mut self, a: CVal, cached: bool) -> R<()> {
        let slot = if cached { self.ic_slot() } else { None };
        let fp = match slot {
            Some(slot) => self.ic_probe(slot, a, ic::MISS_CALL)?,
            None => self.call_sym("aot_lookup", "lookup", &[types::I64], Some(types::I64), &[a])?.unwrap(),
        };
        let sr = self.sigref("hostfn", &[types::I64, types::I64], None);
        let st = self.st;
        self.b.ins().call_indirect(sr, fp, &[st, a]);
        Ok(())
    }

    /// A direct call to guest address `pc`: through its chaining slot when the runtime gives
    /// one (an atomic load of the cell, then an indirect call), else like `call_guest`.
    fn call_guest_const(&mut self, pc: u64) -> R<()> {
        if self.obj_key.is_some() {
            return Err(LowerError("call_guest_const in object mode".into()));
        }
        let Some(slot) = self.syms.chain_slot(pc) else {
            let a = self.b.ins().iconst(types::I64, pc as i64);
            return self.call_guest(a, false);
        };
        let cell = self.b.ins().iconst(types::I64, slot as i64);
        let fp = self.b.ins().atomic_load(types::I64, MemFlagsData::trusted(), cell);
        let a = self.b.ins().iconst(types::I64, pc as i64);
        let sr = self.sigref("hostfn", &[types::I64, types::I64], None);
        let st = self.st;
        self.b.ins().call_indirect(sr, fp, &[st, a]);
        Ok(())
    }

    fn safepoint(&mut self, off: u64, live: u128) -> R<()> {
        let o = self.b.ins().iconst(types::I64, SIGPOLL_OFFSET as i64);
        let p = self.b.ins().iadd(self.st, o);
        let flag = self.b.ins().atomic_load(types::I32, stf(), p);
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(flag, cold, &[], cont, &[]);
        self.b.switch_to_block(cold);
        self.store_state_of(live);
        let here = self.at_off(off);
        self.set_pc(here);
        let st = self.st;
        self.call_sym("aot_safepoint", "safepoint", &[types::I64], None, &[st])?;
        let pc = self.load_pc();
        let same = self.b.ins().icmp(IntCC::Equal, pc, here);
        let reload = self.b.create_block();
        let leave = self.b.create_block();
        self.b.ins().brif(same, reload, &[], leave, &[]);
        self.b.switch_to_block(leave);
        self.b.ins().return_(&[]);
        self.b.switch_to_block(reload);
        self.load_state();
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        Ok(())
    }

    fn term(&mut self, t: &Term) -> R<()> {
        match *t {
            Term::None => return Err(LowerError("unterminated block".into())),
            Term::Br(b) => {
                let b = self.block(b);
                self.b.ins().jump(b, &[]);
            }
            Term::BrIf { cond, then_, else_ } => {
                let (c, t, e) = (self.v(cond), self.block(then_), self.block(else_));
                self.b.ins().brif(c, t, &[], e, &[]);
            }
            Term::Call { target, ret_off, cont } => {
                self.store_state();
                if let Some(k) = self.obj_key.clone() {
                    // The callee symbol the linker points at the target's host function (or
                    // the dispatch stub), as for the LLVM backend's objects.
                    let a = self.reloc_val(target as usize);
                    let sr = self.sigref("hostfn", &[types::I64, types::I64], None);
                    let st = self.st;
                    self.obj_call(&format!("aot_c_{k}_{target}"), sr, &[st, a]);
                } else {
                    self.call_guest_const(self.f.relocs[target as usize].value())?;
                }
                self.return_check(ret_off, cont);
            }
            Term::CallInd { addr, ret_off, cont } => {
                self.store_state();
                let a = self.v(addr);
                self.call_guest(a, true)?;
                self.return_check(ret_off, cont);
            }
            Term::Ret { addr } => {
                self.store_state();
                let a = self.v(addr);
                self.set_pc(a);
                self.b.ins().return_(&[]);
            }
            Term::Tail { target, .. } => {
                let pc = self.f.relocs[target as usize].value();
                let a = self.reloc_val(target as usize);
                self.store_state();
                self.set_pc(a);
                if let Some(k) = self.obj_key.clone() {
                    let sr = self.sigref("hostfn", &[types::I64, types::I64], None);
                    let st = self.st;
                    self.obj_call(&format!("aot_c_{k}_{target}"), sr, &[st, a]);
                } else {
                    self.call_guest_const(pc)?;
                }
                self.b.ins().return_(&[]);
            }
            Term::JumpInd { addr, ref targets } => {
                let a = self.v(addr);
                let base = self.base();
                let off = self.b.ins().isub(a, base);
                let out = self.b.create_block();
                let mut sw = Switch::new();
                // A recovered jump table's targets only (`ir::safepoint::successors`), else every
                // entry; any other address leaves below.
                for &(o, bl) in &self.f.entries {
                    if targets.is_empty() || targets.binary_search(&o).is_ok() {
                        sw.set_entry(o as u128, self.blocks[bl.0 as usize]);
                    }
                }
                sw.emit(&mut self.b, off, out);
                self.b.switch_to_block(out);
                self.store_state();
                self.set_pc(a);
                // A function with one entry (a tail call through a pointer, an IFUNC PLT stub): an
                // inline cache as for calls, as in the LLVM backend (not with jump tables).
                let slot = if self.f.entries.len() == 1 { self.ic_slot() } else { None };
                let fp = match slot {
                    Some(slot) => self.ic_probe(slot, a, ic::MISS_JUMP)?,
                    None => self.call_sym("aot_lookup_start", "lookup", &[types::I64], Some(types::I64), &[a])?.unwrap(),
                };
                let tail = self.b.create_block();
                let leave = self.b.create_block();
                self.b.ins().brif(fp, tail, &[], leave, &[]);
                self.b.switch_to_block(leave);
                self.b.ins().return_(&[]);
                self.b.switch_to_block(tail);
                let sr = self.sigref("hostfn", &[types::I64, types::I64], None);
                let st = self.st;
                self.b.ins().call_indirect(sr, fp, &[st, a]);
                self.b.ins().return_(&[]);
            }
            Term::Trap { kind, off } => {
                let pc = self.at_off(off);
                self.emit_trap(kind as u32, pc)?;
            }
        }
        Ok(())
    }

    /// Keep an I1 (an I8) 0 or 1 after an op that may set other bits.
    fn norm1(&mut self, v: CVal, ty: Ty) -> CVal {
        if ty == Ty::I1 {
            self.b.ins().band_imm_s(v, 1)
        } else {
            v
        }
    }

    fn fbits(&mut self, t: Ty, bits: u128) -> CVal {
        match t {
            Ty::F32 => self.b.ins().f32const(Ieee32::with_bits(bits as u32)),
            _ => self.b.ins().f64const(Ieee64::with_bits(bits as u64)),
        }
    }

    fn ity(t: Ty) -> Type {
        if t == Ty::F32 {
            types::I32
        } else {
            types::I64
        }
    }

    /// A lane-wise vector op (`Rule::Lanes`): the I128 (a register pair here) moved into an XMM
    /// register as a Cranelift SIMD type, one vector instruction, and back.
    fn lanes(&mut self, i: &ir::Inst) -> CVal {
        let e = i.imm as u32;
        let vt = match e {
            8 => types::I8X16,
            16 => types::I16X8,
            32 => types::I32X4,
            _ => types::I64X2,
        };
        let le = MemFlagsData::new().with_endianness(Endianness::Little);
        let x = self.v(i.args[0]);
        if i.op == Op::VDup {
            let r = self.b.ins().splat(vt, x);
            return self.b.ins().bitcast(types::I128, le, r);
        }
        let x = self.b.ins().bitcast(vt, le, x);
        let y = i.args.get(1).map(|&a| {
            let y = self.v(a);
            self.b.ins().bitcast(vt, le, y)
        });
        let y = || y.expect("two-operand lane op (verified)");
        let amt = |s: &mut Self| s.b.ins().iconst(types::I32, i.imm2 as i64);
        let r = match i.op {
            Op::VAdd => self.b.ins().iadd(x, y()),
            Op::VSub => self.b.ins().isub(x, y()),
            Op::VMul if e == 8 => {
                // No byte multiply on x86: even bytes from a 16-bit product of the words, odd
                // bytes from the product of the words' high bytes with y's odd bytes in place.
                let x16 = self.b.ins().bitcast(types::I16X8, le, x);
                let y16 = self.b.ins().bitcast(types::I16X8, le, y());
                let lo = self.b.ins().imul(x16, y16);
                let eight = self.b.ins().iconst(types::I32, 8);
                let xh = self.b.ins().ushr(x16, eight);
                let ff00 = self.b.ins().iconst(types::I16, 0xff00);
                let ff00 = self.b.ins().splat(types::I16X8, ff00);
                let yh = self.b.ins().band(y16, ff00);
                let hi = self.b.ins().imul(xh, yh);
                let hi = self.b.ins().band(hi, ff00);
                let lo = self.b.ins().band_not(lo, ff00);
                let r = self.b.ins().bor(lo, hi);
                self.b.ins().bitcast(vt, le, r)
            }
            Op::VMul => self.b.ins().imul(x, y()),
            Op::VUMin => self.b.ins().umin(x, y()),
            Op::VUMax => self.b.ins().umax(x, y()),
            Op::VSMin => self.b.ins().smin(x, y()),
            Op::VSMax => self.b.ins().smax(x, y()),
            Op::VICmp => self.b.ins().icmp(int_cc(Cond::from_u64(i.imm2).unwrap()), x, y()),
            Op::VShl => {
                let s = amt(self);
                self.b.ins().ishl(x, s)
            }
            Op::VLShr => {
                let s = amt(self);
                self.b.ins().ushr(x, s)
            }
            Op::VAShr => {
                let s = amt(self);
                self.b.ins().sshr(x, s)
            }
            op => unreachable!("{} is not a lane-wise vector op", op.text()),
        };
        self.b.ins().bitcast(types::I128, le, r)
    }

    fn inst(&mut self, v: Value) -> R<Option<CVal>> {
        let i = self.f.inst(v).clone();
        let a = |k: usize| i.args[k];
        let ty = i.ty;
        let w = ty.bits();
        let t = cty(ty);
        macro_rules! bin {
            ($m:ident) => {{
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                let r = self.b.ins().$m(x, y);
                self.norm1(r, ty)
            }};
        }
        let r: CVal = match i.op {
            Op::Const => match ty {
                Ty::I128 => {
                    let lo = self.b.ins().iconst(types::I64, i.imm as i64);
                    let hi = self.b.ins().iconst(types::I64, i.imm2 as i64);
                    self.b.ins().iconcat(lo, hi)
                }
                Ty::F32 | Ty::F64 => self.fbits(ty, i.imm as u128),
                _ => self.b.ins().iconst(t, (i.imm as u128 & ty.mask()) as i64),
            },
            Op::Reloc => self.reloc_val(i.imm as usize),
            Op::GetReg => self.b.use_var(self.vars[&(i.imm as u8)]),
            Op::Insn => {
                // The guest instruction at this offset: its host code carries it as a source
                // location (Jit::compile turns them into the fault map, docs/jit.md).
                self.b.set_srcloc(SourceLoc::new(i.imm.min(u32::MAX as u64 - 1) as u32));
                return Ok(None);
            }
            Op::SetReg => {
                let x = self.v(a(0));
                self.b.def_var(self.vars[&(i.imm as u8)], x);
                if Reg(i.imm as u8) == Reg::SP {
                    // Written through at once, as the LLVM backend does (exact SP at a fault).
                    self.b.ins().store(stf(), x, self.st, Self::slot_addr_off(Reg::SP));
                }
                return Ok(None);
            }
            Op::Add => bin!(iadd),
            Op::Sub => bin!(isub),
            Op::Mul => bin!(imul),
            Op::And => bin!(band),
            Op::Or => bin!(bor),
            Op::Xor => bin!(bxor),
            Op::UMulH | Op::SMulH => {
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                let signed = i.op == Op::SMulH;
                if w == 64 {
                    if signed {
                        self.b.ins().smulhi(x, y)
                    } else {
                        self.b.ins().umulhi(x, y)
                    }
                } else if w < 64 {
                    let (x, y) = if signed {
                        (self.b.ins().sextend(types::I64, x), self.b.ins().sextend(types::I64, y))
                    } else {
                        (self.b.ins().uextend(types::I64, x), self.b.ins().uextend(types::I64, y))
                    };
                    let p = self.b.ins().imul(x, y);
                    let h = self.b.ins().ushr_imm_s(p, w as i64);
                    self.b.ins().ireduce(t, h)
                } else {
                    return Err(LowerError("128-bit multiply-high".into()));
                }
            }
            Op::UDiv | Op::SDiv => {
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                let zero = self.zero(t);
                let one = self.b.ins().iconst(t, 1);
                let is0 = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                if i.op == Op::UDiv {
                    let d = self.b.ins().select(is0, one, y);
                    let q = self.b.ins().udiv(x, d);
                    self.b.ins().select(is0, zero, q)
                } else {
                    let ism1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                    let special = self.b.ins().bor(is0, ism1);
                    let d = self.b.ins().select(special, one, y);
                    let q = self.b.ins().sdiv(x, d);
                    let negx = self.b.ins().ineg(x);
                    let q2 = self.b.ins().select(ism1, negx, q);
                    self.b.ins().select(is0, zero, q2)
                }
            }
            Op::Shl | Op::LShr | Op::AShr | Op::RotR => {
                let x = self.v(a(0));
                let n = self.v(a(1));
                let n = if ty == Ty::I128 {
                    // Amounts as I64 (the low half); modulo the width.
                    let lo = self.b.ins().isplit(n).0;
                    self.b.ins().band_imm_s(lo, 127)
                } else {
                    self.b.ins().band_imm_s(n, (w.max(1) - 1) as i64)
                };
                let r = match i.op {
                    Op::Shl => self.b.ins().ishl(x, n),
                    Op::LShr => self.b.ins().ushr(x, n),
                    Op::AShr => self.b.ins().sshr(x, n),
                    _ => self.b.ins().rotr(x, n),
                };
                self.norm1(r, ty)
            }
            Op::Not => {
                let x = self.v(a(0));
                let r = self.b.ins().bnot(x);
                self.norm1(r, ty)
            }
            Op::Neg => {
                let x = self.v(a(0));
                let r = self.b.ins().ineg(x);
                self.norm1(r, ty)
            }
            Op::Clz => {
                let x = self.v(a(0));
                self.b.ins().clz(x)
            }
            Op::Cls => {
                let x = self.v(a(0));
                let s = self.b.ins().sshr_imm_s(x, 1);
                let y = self.b.ins().bxor(x, s);
                let c = self.b.ins().clz(y);
                self.b.ins().iadd_imm_s(c, -1)
            }
            Op::Ctpop => {
                let x = self.v(a(0));
                self.b.ins().popcnt(x)
            }
            Op::Rbit => {
                let x = self.v(a(0));
                self.b.ins().bitrev(x)
            }
            Op::Bswap => {
                let x = self.v(a(0));
                if w == 8 {
                    x
                } else {
                    self.b.ins().bswap(x)
                }
            }
            Op::VAdd | Op::VSub | Op::VMul | Op::VUMin | Op::VUMax | Op::VSMin | Op::VSMax | Op::VICmp
            | Op::VDup | Op::VShl | Op::VLShr | Op::VAShr => self.lanes(&i),
            Op::ICmp => {
                let cc = int_cc(Cond::from_u64(i.imm).unwrap());
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                if self.ty_of(a(0)) == Ty::I1 && cc != IntCC::Equal && cc != IntCC::NotEqual {
                    // Signed compares of I1 see 1 as -1.
                    let (x, y) = (self.sext1(x), self.sext1(y));
                    self.b.ins().icmp(cc, x, y)
                } else {
                    self.b.ins().icmp(cc, x, y)
                }
            }
            Op::Select => {
                let (c, x, y) = (self.v(a(0)), self.v(a(1)), self.v(a(2)));
                self.b.ins().select(c, x, y)
            }
            Op::Zext => {
                let x = self.v(a(0));
                if cty(self.ty_of(a(0))) == t {
                    x
                } else {
                    self.b.ins().uextend(t, x)
                }
            }
            Op::Sext => {
                let x = self.v(a(0));
                let x = if self.ty_of(a(0)) == Ty::I1 { self.sext1(x) } else { x };
                if cty(self.ty_of(a(0))) == t {
                    x
                } else {
                    self.b.ins().sextend(t, x)
                }
            }
            Op::Trunc => {
                let x = self.v(a(0));
                let r = if cty(self.ty_of(a(0))) == t { x } else { self.b.ins().ireduce(t, x) };
                self.norm1(r, ty)
            }
            Op::Bitcast => {
                let x = self.v(a(0));
                self.b.ins().bitcast(t, MemFlagsData::new(), x)
            }
            Op::Extract => {
                let (e, k) = (i.imm as u32, i.imm2 as u32);
                let x = self.v(a(0));
                let (lo, hi) = self.b.ins().isplit(x);
                let pos = e * k;
                let half = if pos >= 64 { hi } else { lo };
                let s = if pos % 64 == 0 { half } else { self.b.ins().ushr_imm_s(half, (pos % 64) as i64) };
                if e == 64 {
                    s
                } else {
                    self.b.ins().ireduce(t, s)
                }
            }
            Op::Insert => {
                let (e, k) = (i.imm as u32, i.imm2 as u32);
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                let (lo, hi) = self.b.ins().isplit(x);
                let pos = e * k;
                let sh = pos % 64;
                let half = if pos >= 64 { hi } else { lo };
                let mask: u64 = if e == 64 { u64::MAX } else { ((1u64 << e) - 1) << sh };
                let kept = self.b.ins().band_imm_s(half, !mask as i64);
                let y64 = if e == 64 { y } else { self.b.ins().uextend(types::I64, y) };
                let y64 = if sh == 0 { y64 } else { self.b.ins().ishl_imm_s(y64, sh as i64) };
                let nh = self.b.ins().bor(kept, y64);
                if pos >= 64 {
                    self.b.ins().iconcat(lo, nh)
                } else {
                    self.b.ins().iconcat(nh, hi)
                }
            }
            Op::FAdd => bin!(fadd),
            Op::FSub => bin!(fsub),
            Op::FMul => bin!(fmul),
            Op::FDiv => bin!(fdiv),
            Op::FMin | Op::FMax => {
                let (x, y) = self.minmax_operands(a(0), a(1));
                if i.op == Op::FMin {
                    self.b.ins().fmin(x, y)
                } else {
                    self.b.ins().fmax(x, y)
                }
            }
            Op::FMinNm | Op::FMaxNm => {
                // minNum: a quiet NaN operand loses to a number (fixed up for signalling NaNs
                // and two NaNs below).
                let (x, y) = self.minmax_operands(a(0), a(1));
                let m = if i.op == Op::FMinNm { self.b.ins().fmin(x, y) } else { self.b.ins().fmax(x, y) };
                let ynan = self.b.ins().fcmp(FloatCC::Unordered, y, y);
                let r = self.b.ins().select(ynan, x, m);
                let xnan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
                self.b.ins().select(xnan, y, r)
            }
            Op::FMa => {
                let (x, y, z) = (self.v(a(0)), self.v(a(1)), self.v(a(2)));
                self.b.ins().fma(x, y, z)
            }
            Op::FSqrt => {
                let x = self.v(a(0));
                self.b.ins().sqrt(x)
            }
            Op::FNeg => {
                let x = self.v(a(0));
                self.b.ins().fneg(x)
            }
            Op::FAbs => {
                let x = self.v(a(0));
                self.b.ins().fabs(x)
            }
            Op::FRound => {
                let x = self.v(a(0));
                match RoundMode::from_u64(i.imm).unwrap() {
                    RoundMode::Current => {
                        let name = if ty == Ty::F32 { "aot_jit_rint_f32" } else { "aot_jit_rint_f64" };
                        let key = if ty == Ty::F32 { "rint32" } else { "rint64" };
                        self.call_sym(name, key, &[t], Some(t), &[x])?.unwrap()
                    }
                    m => self.round_integral(x, ty, m),
                }
            }
            Op::FCmp => {
                let cc = match FCond::from_u64(i.imm).unwrap() {
                    FCond::Oeq => FloatCC::Equal,
                    FCond::Olt => FloatCC::LessThan,
                    FCond::Ole => FloatCC::LessThanOrEqual,
                    FCond::Ogt => FloatCC::GreaterThan,
                    FCond::Oge => FloatCC::GreaterThanOrEqual,
                    FCond::Uno => FloatCC::Unordered,
                };
                let (x, y) = (self.v(a(0)), self.v(a(1)));
                self.b.ins().fcmp(cc, x, y)
            }
            Op::FCvt => {
                let x = self.v(a(0));
                let r = if w > self.ty_of(a(0)).bits() { self.b.ins().fpromote(t, x) } else { self.b.ins().fdemote(t, x) };
                let rnan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
                let dnb = self.fpcr_bit(fpnan::FPCR_DN);
                let dn = self.b.ins().band(rnan, dnb);
                let d = self.fbits(ty, fpnan::default_nan(ty));
                self.b.ins().select(dn, d, r)
            }
            Op::SIToFP => {
                let x = self.v(a(0));
                let st = self.ty_of(a(0));
                let x = if st == Ty::I1 { self.sext1(x) } else { x };
                let x = if st.bits() < 32 { self.b.ins().sextend(types::I32, x) } else { x };
                self.b.ins().fcvt_from_sint(t, x)
            }
            Op::UIToFP => {
                let x = self.v(a(0));
                let st = self.ty_of(a(0));
                if st.bits() < 64 {
                    let x = self.b.ins().uextend(types::I64, x);
                    self.b.ins().fcvt_from_sint(t, x)
                } else {
                    // One rounding by the dynamic mode: halve with a sticky bit when the top bit
                    // is set (as the LLVM backend does).
                    let big = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                    let half = self.b.ins().ushr_imm_s(x, 1);
                    let low = self.b.ins().band_imm_s(x, 1);
                    let half = self.b.ins().bor(half, low);
                    let fh = self.b.ins().fcvt_from_sint(t, half);
                    let twice = self.b.ins().fadd(fh, fh);
                    let direct = self.b.ins().fcvt_from_sint(t, x);
                    self.b.ins().select(big, twice, direct)
                }
            }
            Op::FPToSISat | Op::FPToUISat => {
                let x = self.v(a(0));
                let signed = i.op == Op::FPToSISat;
                if w >= 32 {
                    if signed {
                        self.b.ins().fcvt_to_sint_sat(t, x)
                    } else {
                        self.b.ins().fcvt_to_uint_sat(t, x)
                    }
                } else {
                    let r = if signed {
                        let r = self.b.ins().fcvt_to_sint_sat(types::I32, x);
                        let hi = self.b.ins().iconst(types::I32, (1i64 << (w - 1)) - 1);
                        let lo = self.b.ins().iconst(types::I32, -(1i64 << (w - 1)));
                        let r = self.b.ins().smin(r, hi);
                        self.b.ins().smax(r, lo)
                    } else {
                        let r = self.b.ins().fcvt_to_uint_sat(types::I32, x);
                        let hi = self.b.ins().iconst(types::I32, (1i64 << w) - 1);
                        self.b.ins().umin(r, hi)
                    };
                    self.b.ins().ireduce(t, r)
                }
            }
            Op::Load => {
                let p = self.v(a(0));
                let o = Ordering::from_u64(i.imm).unwrap();
                if o == Ordering::Plain || w > 64 {
                    self.b.ins().load(t, MemFlagsData::new(), p, 0)
                } else if ty.is_float() {
                    // An atomic load is a plain MOV on x86-64 that Cranelift never merges or moves.
                    let it = Self::ity(ty);
                    let l = self.b.ins().atomic_load(it, MemFlagsData::new(), p);
                    self.b.ins().bitcast(t, MemFlagsData::new(), l)
                } else {
                    self.b.ins().atomic_load(t, MemFlagsData::new(), p)
                }
            }
            Op::Store => {
                let p = self.v(a(0));
                let x = self.v(a(1));
                let xt = self.ty_of(a(1));
                let o = Ordering::from_u64(i.imm).unwrap();
                if matches!(o, Ordering::SeqCst | Ordering::AcqRel) && xt.bits() <= 64 {
                    let x = if xt.is_float() { self.b.ins().bitcast(Self::ity(xt), MemFlagsData::new(), x) } else { x };
                    self.b.ins().atomic_store(MemFlagsData::new(), x, p);
                } else {
                    // x86-64 (TSO): a plain store is already a release store.
                    self.b.ins().store(MemFlagsData::new(), x, p, 0);
                }
                return Ok(None);
            }
            Op::SafePoint => {
                let live = ir::safepoint::writeback_at(self.f, &self.live_in, self.cur_block, v);
                self.safepoint(i.imm, live)?;
                return Ok(None);
            }
            Op::Fence => {
                if FenceKind::from_u64(i.imm).unwrap() == FenceKind::SeqCst {
                    self.b.ins().fence();
                }
                return Ok(None);
            }
            Op::AtomicRmw => {
                let (p, mut x) = (self.v(a(0)), self.v(a(1)));
                let op = match RmwOp::from_u64(i.imm).unwrap() {
                    RmwOp::Add => AtomicRmwOp::Add,
                    RmwOp::Clr => {
                        x = self.b.ins().bnot(x);
                        AtomicRmwOp::And
                    }
                    RmwOp::Eor => AtomicRmwOp::Xor,
                    RmwOp::Set => AtomicRmwOp::Or,
                    RmwOp::SMax => AtomicRmwOp::Smax,
                    RmwOp::SMin => AtomicRmwOp::Smin,
                    RmwOp::UMax => AtomicRmwOp::Umax,
                    RmwOp::UMin => AtomicRmwOp::Umin,
                    RmwOp::Swp => AtomicRmwOp::Xchg,
                };
                self.b.ins().atomic_rmw(t, MemFlagsData::new(), op, p, x)
            }
            Op::CmpXchg => {
                let (p, e, n) = (self.v(a(0)), self.v(a(1)), self.v(a(2)));
                self.b.ins().atomic_cas(MemFlagsData::new(), p, e, n)
            }
            Op::ExclVer | Op::ExclClaim => {
                let x = self.v(a(0));
                let sh = self.b.ins().ushr_imm_s(x, excl::GRANULE_SHIFT as i64);
                let idx = self.b.ins().band_imm_s(sh, excl::TABLE_LEN as i64 - 1);
                let off = self.b.ins().ishl_imm_s(idx, 3);
                let p = if self.obj_key.is_some() {
                    let t = self.sym_val(excl::TABLE_SYMBOL)?;
                    self.b.ins().iadd(off, t)
                } else {
                    let table = self.sym(excl::TABLE_SYMBOL)?;
                    self.b.ins().iadd_imm_s(off, table as i64)
                };
                if i.op == Op::ExclVer {
                    self.b.ins().atomic_load(types::I64, MemFlagsData::trusted(), p)
                } else {
                    let ver = self.v(a(1));
                    let next = self.b.ins().iadd_imm_s(ver, 1);
                    let old = self.b.ins().atomic_cas(MemFlagsData::trusted(), p, ver, next);
                    self.b.ins().icmp(IntCC::Equal, old, ver)
                }
            }
            Op::Helper => {
                let h = Helper::from_u64(i.imm).unwrap();
                if h.uses_state() {
                    self.store_state();
                }
                let mut args = vec![self.st];
                for k in 0..3 {
                    let x = if k < i.args.len() {
                        self.v(i.args[k])
                    } else if k == i.args.len() {
                        self.b.ins().iconst(types::I64, i.imm2 as i64)
                    } else {
                        self.b.ins().iconst(types::I64, 0)
                    };
                    args.push(x);
                }
                let name = format!("aot_helper_{}", h.name());
                let r = self.call_sym(&name, "helper", &[types::I64; 4], Some(types::I64), &args)?.unwrap();
                if h.uses_state() {
                    self.load_state();
                }
                if h.returns() {
                    r
                } else {
                    return Ok(None);
                }
            }
            Op::Crypto => {
                let c = CryptoOp::from_u64(i.imm).unwrap();
                let args: Vec<CVal> = i.args.iter().map(|&x| self.v(x)).collect();
                let key = ["crypto0", "crypto1", "crypto2", "crypto3"][c.nargs()];
                let params = vec![types::I128; c.nargs()];
                self.call_sym(&format!("aot_crypto_{}", c.name()), key, &params, Some(types::I128), &args)?.unwrap()
            }
        };
        let r = match i.op {
            Op::FAdd | Op::FSub | Op::FMul | Op::FDiv | Op::FSqrt | Op::FMin | Op::FMax | Op::FRound => {
                self.arm_nan(r, ty, &i.args)
            }
            Op::FMinNm | Op::FMaxNm => {
                let (x, y) = self.minmax_operands(i.args[0], i.args[1]);
                self.arm_minmax_nm(r, ty, i.op, x, y, &i.args)
            }
            Op::FMa => {
                let r = self.arm_nan(r, ty, &[i.args[2], i.args[0], i.args[1]]);
                self.arm_fma_invalid(r, ty, &i.args)
            }
            _ => r,
        };
        let r = match ir::fptiny::TinyOp::of(i.op) {
            Some(op) => self.arm_tiny(r, ty, op, &i.args)?,
            None => r,
        };
        Ok(Some(r))
    }

    /// Arm's underflow rule (ir::fptiny): when `|r|` is the smallest normal, a cold block calls
    /// the runtime's `aot_fp_tiny` (UFC, and a zero under FZ, if the exact result was tiny).
    fn arm_tiny(&mut self, r: CVal, t: Ty, op: ir::fptiny::TinyOp, args: &[Value]) -> R<CVal> {
        let it = Self::ity(t);
        let ri = self.b.ins().bitcast(it, MemFlagsData::new(), r);
        let sign = if t == Ty::F32 { 0x7fff_ffffi64 } else { i64::MAX };
        let abs = self.b.ins().band_imm_s(ri, sign);
        let hit = self.b.ins().icmp_imm_s(IntCC::Equal, abs, ir::fptiny::min_normal(t) as i64);
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        let res = self.b.append_block_param(cont, cty(t));
        self.b.set_cold_block(cold);
        self.b.ins().brif(hit, cold, &[], cont, &[r.into()]);
        self.b.switch_to_block(cold);
        let word = |s: &mut Self, x: CVal| {
            let xi = s.b.ins().bitcast(it, MemFlagsData::new(), x);
            if it == types::I64 {
                xi
            } else {
                s.b.ins().uextend(types::I64, xi)
            }
        };
        let mut ops = vec![];
        for k in 0..3 {
            let w = match args.get(k) {
                Some(&a) => {
                    let x = self.v(a);
                    word(self, x)
                }
                None => self.b.ins().iconst(types::I64, 0),
            };
            ops.push(w);
        }
        let kind = self.b.ins().iconst(types::I64, op as i64 | if t == Ty::F32 { 0x100 } else { 0 });
        let fpcr = self.b.use_var(self.vars[&Reg::FPCR.0]);
        let fpcr = if self.b.func.dfg.value_type(fpcr) == types::I64 { fpcr } else { self.b.ins().uextend(types::I64, fpcr) };
        let rw = word(self, r);
        let params = [types::I64; 6];
        let n = self
            .call_sym("aot_fp_tiny", "fp_tiny", &params, Some(types::I64), &[kind, fpcr, ops[0], ops[1], ops[2], rw])?
            .unwrap();
        let n = if it == types::I64 { n } else { self.b.ins().ireduce(it, n) };
        let nf = self.b.ins().bitcast(cty(t), MemFlagsData::new(), n);
        self.b.ins().jump(cont, &[nf.into()]);
        self.b.switch_to_block(cont);
        Ok(res)
    }

    /// An I1 (0/1 in an I8) as 0 or -1.
    fn sext1(&mut self, x: CVal) -> CVal {
        self.b.ins().ineg(x)
    }

    fn fpcr_bit(&mut self, mask: u64) -> CVal {
        let v = self.b.use_var(self.vars[&Reg::FPCR.0]);
        let bit = self.b.ins().band_imm_s(v, mask as i64);
        self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0)
    }

    /// (is NaN, is signalling NaN, x quieted).
    fn nan_parts(&mut self, x: CVal, t: Ty) -> (CVal, CVal, CVal) {
        let it = Self::ity(t);
        let q = fpnan::quiet_bit(t) as i64;
        let xi = self.b.ins().bitcast(it, MemFlagsData::new(), x);
        let qi = self.b.ins().bor_imm_s(xi, q);
        let qf = self.b.ins().bitcast(cty(t), MemFlagsData::new(), qi);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        let qb = self.b.ins().band_imm_s(xi, q);
        let quiet = self.b.ins().icmp_imm_s(IntCC::NotEqual, qb, 0);
        let nq = self.b.ins().bxor_imm_s(quiet, 1);
        let snan = self.b.ins().band(nan, nq);
        (nan, snan, qf)
    }

    fn processed_nan(&mut self, t: Ty, ops: &[Value]) -> CVal {
        let mut acc = self.fbits(t, fpnan::default_nan(t));
        let mut snans = vec![];
        for &o in ops.iter().rev() {
            let x = self.v(o);
            let (nan, snan, qf) = self.nan_parts(x, t);
            snans.push((snan, qf));
            acc = self.b.ins().select(nan, qf, acc);
        }
        for (snan, qf) in snans {
            acc = self.b.ins().select(snan, qf, acc);
        }
        let d = self.fbits(t, fpnan::default_nan(t));
        let dn = self.fpcr_bit(fpnan::FPCR_DN);
        self.b.ins().select(dn, d, acc)
    }

    fn arm_nan(&mut self, r: CVal, t: Ty, ops: &[Value]) -> CVal {
        let acc = self.processed_nan(t, ops);
        let rnan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        self.b.ins().select(rnan, acc, r)
    }

    fn minmax_operands(&mut self, x: Value, y: Value) -> (CVal, CVal) {
        let fz = self.fpcr_bit(fpnan::FPCR_FZ);
        let t = self.ty_of(x);
        let flush = |s: &mut Self, v: CVal| {
            let it = Self::ity(t);
            let xi = s.b.ins().bitcast(it, MemFlagsData::new(), v);
            let exp = s.b.ins().band_imm_s(xi, fpnan::inf_bits(t) as i64);
            let tiny = s.b.ins().icmp_imm_s(IntCC::Equal, exp, 0);
            let sign = s.b.ins().band_imm_s(xi, (1u64 << (t.bits() - 1)) as i64);
            let zero = s.b.ins().bitcast(cty(t), MemFlagsData::new(), sign);
            let c = s.b.ins().band(fz, tiny);
            s.b.ins().select(c, zero, v)
        };
        let (xv, yv) = (self.v(x), self.v(y));
        let a = flush(self, xv);
        let b = flush(self, yv);
        (a, b)
    }

    /// Round to an integral value in a fixed mode with integer operations only. Cranelift lowers
    /// `floor`/`ceil`/`trunc`/`nearest` to ROUNDSS/ROUNDSD without the precision-suppress bit,
    /// which raises a stray Inexact (IXC) that Arm's FRINT* and FCVT* never raise (the lifter
    /// states their exceptions itself). Values of magnitude >= 2^mantissa, infinities and NaNs
    /// are integral already: they go through `x + 0.0`, exact, which quietens a signalling NaN
    /// and raises Invalid for it as Arm does. Under FPCR.FZ a denormal counts as a signed zero
    /// (as ROUNDSD does under MXCSR.DAZ).
    fn round_integral(&mut self, x: CVal, t: Ty, mode: RoundMode) -> CVal {
        let it = Self::ity(t);
        let (mb, bias) = if t == Ty::F32 { (23i64, 127i64) } else { (52, 1023) };
        let sign_mask = 1i64 << (t.bits() - 1);
        let one = bias << mb;
        let half = (bias - 1) << mb;
        let big = (bias + mb) << mb;
        let fz = self.fpcr_bit(fpnan::FPCR_FZ);
        let u = self.b.ins().bitcast(it, MemFlagsData::new(), x);
        let sign = self.b.ins().band_imm_s(u, sign_mask);
        let a0 = self.b.ins().band_imm_s(u, !sign_mask);
        let tiny = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, a0, 1i64 << mb);
        let flush = self.b.ins().band(fz, tiny);
        let zero = self.b.ins().iconst(it, 0);
        let a = self.b.ins().select(flush, zero, a0);
        let u = self.b.ins().bor(a, sign);
        let neg = self.b.ins().icmp_imm_s(IntCC::NotEqual, sign, 0);
        let pos = self.b.ins().bxor_imm_s(neg, 1);
        let nonzero = self.b.ins().icmp_imm_s(IntCC::NotEqual, a, 0);
        // 1 <= |x| < 2^mb: clear the fraction bits, add one unit of the integer's last place
        // (a carry into the exponent is the right result) when rounding away from zero.
        let e = self.b.ins().ushr_imm_s(a, mb);
        let sh = self.b.ins().iconst(it, mb + bias);
        let sh = self.b.ins().isub(sh, e);
        let onei = self.b.ins().iconst(it, 1);
        let unit = self.b.ins().ishl(onei, sh);
        let fm = self.b.ins().iadd_imm_s(unit, -1);
        let frac = self.b.ins().band(u, fm);
        let nfm = self.b.ins().bnot(fm);
        let tr = self.b.ins().band(u, nfm);
        let halfu = self.b.ins().ushr_imm_s(unit, 1);
        let fnz = self.b.ins().icmp_imm_s(IntCC::NotEqual, frac, 0);
        let up = match mode {
            RoundMode::Floor => self.b.ins().band(neg, fnz),
            RoundMode::Ceil => self.b.ins().band(pos, fnz),
            RoundMode::NearestAway => self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, frac, halfu),
            RoundMode::NearestEven => {
                let gt = self.b.ins().icmp(IntCC::UnsignedGreaterThan, frac, halfu);
                let eq = self.b.ins().icmp(IntCC::Equal, frac, halfu);
                let lsb = self.b.ins().band(tr, unit);
                let odd = self.b.ins().icmp_imm_s(IntCC::NotEqual, lsb, 0);
                let tie = self.b.ins().band(eq, odd);
                self.b.ins().bor(gt, tie)
            }
            _ => self.b.ins().iconst(types::I8, 0),
        };
        let away = self.b.ins().iadd(tr, unit);
        let mid = self.b.ins().select(up, away, tr);
        // |x| < 1: a signed zero or a signed one.
        let small_up = match mode {
            RoundMode::Floor => self.b.ins().band(neg, nonzero),
            RoundMode::Ceil => self.b.ins().band(pos, nonzero),
            RoundMode::NearestAway => self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, a, half),
            RoundMode::NearestEven => self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, a, half),
            _ => self.b.ins().iconst(types::I8, 0),
        };
        let onec = self.b.ins().iconst(it, one);
        let mag = self.b.ins().select(small_up, onec, zero);
        let small = self.b.ins().bor(mag, sign);
        let lt1 = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, a, one);
        let r = self.b.ins().select(lt1, small, mid);
        let rf = self.b.ins().bitcast(cty(t), MemFlagsData::new(), r);
        let fzero = self.fbits(t, 0);
        let same = self.b.ins().fadd(x, fzero);
        let large = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, a, big);
        self.b.ins().select(large, same, rf)
    }

    fn arm_fma_invalid(&mut self, r: CVal, t: Ty, ops: &[Value]) -> CVal {
        let it = Self::ity(t);
        let abs_mask = (u64::MAX >> (65 - t.bits())) as i64;
        let (x, y, c) = (self.v(ops[0]), self.v(ops[1]), self.v(ops[2]));
        let abs = |s: &mut Self, v: CVal| {
            let i = s.b.ins().bitcast(it, MemFlagsData::new(), v);
            s.b.ins().band_imm_s(i, abs_mask)
        };
        let ax = abs(self, x);
        let ay = abs(self, y);
        let inf = fpnan::inf_bits(t) as i64;
        let xi = self.b.ins().icmp_imm_s(IntCC::Equal, ax, inf);
        let yz = self.b.ins().icmp_imm_s(IntCC::Equal, ay, 0);
        let xz = self.b.ins().icmp_imm_s(IntCC::Equal, ax, 0);
        let yi = self.b.ins().icmp_imm_s(IntCC::Equal, ay, inf);
        let p1 = self.b.ins().band(xi, yz);
        let p2 = self.b.ins().band(xz, yi);
        let inf_zero = self.b.ins().bor(p1, p2);
        let (cnan, csnan, _) = self.nan_parts(c, t);
        let ns = self.b.ins().bxor_imm_s(csnan, 1);
        let c_quiet = self.b.ins().band(cnan, ns);
        let dn = self.fbits(t, fpnan::default_nan(t));
        let cond = self.b.ins().band(c_quiet, inf_zero);
        self.b.ins().select(cond, dn, r)
    }

    fn arm_minmax_nm(&mut self, r: CVal, t: Ty, op: Op, x: CVal, y: CVal, ops: &[Value]) -> CVal {
        let it = Self::ity(t);
        let xi = self.b.ins().bitcast(it, MemFlagsData::new(), x);
        let yi = self.b.ins().bitcast(it, MemFlagsData::new(), y);
        let comb = if op == Op::FMinNm { self.b.ins().bor(xi, yi) } else { self.b.ins().band(xi, yi) };
        let combf = self.b.ins().bitcast(cty(t), MemFlagsData::new(), comb);
        let eq = self.b.ins().fcmp(FloatCC::Equal, x, y);
        let r = self.b.ins().select(eq, combf, r);
        let (xnan, xsnan, _) = self.nan_parts(x, t);
        let (ynan, ysnan, _) = self.nan_parts(y, t);
        let both = self.b.ins().band(xnan, ynan);
        let s = self.b.ins().bor(xsnan, ysnan);
        let special = self.b.ins().bor(s, both);
        let pn = self.processed_nan(t, ops);
        self.b.ins().select(special, pn, r)
    }
}

fn is_minmax(op: Op) -> bool {
    matches!(op, Op::FMin | Op::FMax | Op::FMinNm | Op::FMaxNm)
}
