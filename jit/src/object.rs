//! Position-independent Cranelift code for the AOT translator's Cranelift tier
//! (translator/src/clif.rs, docs/design.md "Backends"). The same lowering as the JIT
//! (`lower::Lower`) in object mode (`Symbols::object_key`): the result is machine code plus
//! relocations against named symbols, which the translator writes into an ELF object with the
//! same symbols as an LLVM-compiled function. Nothing here knows an absolute address.

use crate::{lower, srcloc_rows, JitError};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{ExternalName, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// How a relocation patches the code (ELF x86-64 relocation types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// 32-bit PC-relative call (`R_X86_64_PLT32`).
    Call32,
    /// 32-bit PC-relative data reference (`R_X86_64_PC32`).
    PcRel32,
    /// 32-bit PC-relative reference to the symbol's GOT entry (`R_X86_64_GOTPCREL`).
    GotPcRel32,
}

/// One relocation of the compiled code: at `offset`, against `symbol` (None: the function
/// itself), plus `addend`.
#[derive(Clone, Debug)]
pub struct ObjReloc {
    pub offset: u32,
    pub kind: RelocKind,
    pub symbol: Option<String>,
    pub addend: i64,
}

/// A function compiled for an object file.
#[derive(Clone, Debug)]
pub struct ObjectCode {
    pub code: Vec<u8>,
    pub relocs: Vec<ObjReloc>,
    /// Host offset -> guest instruction offset rows (as `Compiled::srclocs`).
    pub srclocs: Vec<(u32, u32)>,
    /// Compiled only at Cranelift's opt_level=none (see `Jit::isa_plain`).
    pub retried: bool,
    /// Inline-cache slots the code uses (aot_lifter::ic layout), addressed through relocations
    /// against `lower::IC_SLOTS_SYMBOL`: the object must define them (an `aot_ic` section of
    /// this many slots, every entry at `aot_ic_empty`).
    pub ic_slots: u32,
}

/// x86-64 features of the generated code: the x86-64-v3 set, the x86-64-v2 set, the baseline, or
/// what this host has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Features {
    Baseline,
    V2,
    V3,
    Native,
}

impl Features {
    /// The feature level of an LLVM `--target-cpu` name (unknown names: the baseline, which
    /// every x86-64 runs).
    pub fn of_cpu(cpu: &str) -> Features {
        match cpu {
            "native" => Features::Native,
            "x86-64-v3" | "x86-64-v4" | "haswell" | "broadwell" | "skylake" | "skylake-avx512" | "icelake-client"
            | "icelake-server" | "znver1" | "znver2" | "znver3" | "znver4" => Features::V3,
            "x86-64-v2" | "nehalem" | "westmere" | "sandybridge" | "ivybridge" => Features::V2,
            _ => Features::Baseline,
        }
    }
}

/// Object mode for the lowering: symbols are named, never resolved.
struct Named<'a>(&'a str);
impl lower::Symbols for Named<'_> {
    fn addr(&self, _name: &str) -> Option<u64> {
        None
    }
    fn object_key(&self) -> Option<&str> {
        Some(self.0)
    }
}

/// Compiles functions into position-independent code (one per thread: it reuses its contexts).
pub struct PicCompiler {
    isa: OwnedTargetIsa,
    isa_plain: OwnedTargetIsa,
    ctx: Context,
    fctx: FunctionBuilderContext,
}

impl PicCompiler {
    pub fn new(features: Features) -> Result<PicCompiler, JitError> {
        Ok(PicCompiler {
            isa: Self::isa("speed", features)?,
            isa_plain: Self::isa("none", features)?,
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
        })
    }

    fn isa(level: &str, features: Features) -> Result<OwnedTargetIsa, JitError> {
        let mut flags = settings::builder();
        for (k, v) in [("opt_level", level), ("is_pic", "true"), ("use_colocated_libcalls", "false"), ("enable_verifier", "false"), ("enable_llvm_abi_extensions", "true")] {
            flags.set(k, v).map_err(|e| JitError::Setup(format!("{k}={v}: {e}")))?;
        }
        let mut b = match features {
            Features::Native => cranelift_native::builder().map_err(|e| JitError::Setup(e.to_string()))?,
            _ => cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu").map_err(|e| JitError::Setup(e.to_string()))?,
        };
        let v2: &[&str] = &["has_sse3", "has_ssse3", "has_cmpxchg16b", "has_sse41", "has_sse42", "has_popcnt"];
        let v3: &[&str] = &["has_avx", "has_avx2", "has_fma", "has_bmi1", "has_bmi2", "has_lzcnt"];
        let set: Vec<&str> = match features {
            Features::Baseline | Features::Native => vec![],
            Features::V2 => v2.to_vec(),
            Features::V3 => v2.iter().chain(v3).copied().collect(),
        };
        for k in set {
            b.enable(k).map_err(|e| JitError::Setup(format!("{k}: {e}")))?;
        }
        b.finish(settings::Flags::new(flags)).map_err(|e| JitError::Setup(e.to_string()))
    }

    /// Compile `f` (verified IR, safe points inserted), whose symbols are named after `key`.
    pub fn compile(&mut self, f: &aot_lifter::ir::Function, key: &str) -> Result<ObjectCode, JitError> {
        match self.compile_with(f, key, false) {
            Err(JitError::Codegen { .. }) => {
                let mut c = self.compile_with(f, key, true)?;
                c.retried = true;
                Ok(c)
            }
            r => r,
        }
    }

    fn compile_with(&mut self, f: &aot_lifter::ir::Function, key: &str, plain: bool) -> Result<ObjectCode, JitError> {
        let cc = CallConv::SystemV;
        self.ctx.clear();
        self.ctx.func.signature = lower::host_fn_sig(cc);
        self.ctx.func.name = UserFuncName::user(1, 0);
        let syms = Named(key);
        let lower::Emitted { names, ic_slots } = {
            let b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            lower::Lower::new(f, b, &syms, cc, self.isa.frontend_config())
                .emit()
                .map_err(|e| JitError::Lower { name: f.name.clone(), msg: e.0 })?
        };
        let user_names = self.ctx.func.params.user_named_funcs().clone();
        let isa = if plain { &self.isa_plain } else { &self.isa };
        let code = self
            .ctx
            .compile(&**isa, &mut ControlPlane::default())
            .map_err(|e| JitError::Codegen { name: f.name.clone(), msg: format!("{:?}", e.inner) })?;
        let bytes = code.code_buffer().to_vec();
        let srclocs = srcloc_rows(code.buffer.get_srclocs_sorted().iter().map(|l| (l.start, l.end, l.loc)));
        let mut relocs = Vec::with_capacity(code.buffer.relocs().len());
        for r in code.buffer.relocs() {
            let (symbol, extra) = match &r.target {
                FinalizedRelocTarget::ExternalName(ExternalName::User(u)) => {
                    let n = &user_names[*u];
                    let s = names.get(n.index as usize).filter(|_| n.namespace == 0);
                    (Some(s.ok_or_else(|| JitError::Reloc(format!("unknown external name {n:?}")))?.clone()), 0)
                }
                FinalizedRelocTarget::Func(off) => (None, *off as i64),
                other => return Err(JitError::Reloc(format!("{other:?} (in {})", f.name))),
            };
            let kind = match r.kind {
                Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 => RelocKind::Call32,
                Reloc::X86PCRel4 => RelocKind::PcRel32,
                Reloc::X86GOTPCRel4 => RelocKind::GotPcRel32,
                k => return Err(JitError::Reloc(format!("{k:?} (in {})", f.name))),
            };
            relocs.push(ObjReloc { offset: r.offset, kind, symbol, addend: r.addend + extra });
        }
        Ok(ObjectCode { code: bytes, relocs, srclocs, retried: false, ic_slots })
    }
}
