// Register load/store around the instruction under test (see driver.c for the layout of
// struct state: x0..x30 at 0, sp 248, nzcv 256, fpcr 264, fpsr 272, v0..v31 at 288, saved_sp 800,
// the C caller's callee-saved x19..x28 at 816 and d8..d15 at 896).
//
// A snippet (generated) is:
//     stp x29, x30, [sp, #-16]!
//     bl load_state                 // every register but x30 from ctx_in; sp too
//     ldr x30, <literal &ctx_in.x30>
//     ldr x30, [x30]
//     <instruction under test>
//     msr tpidr_el0, x0             // x0 parked in TPIDR_EL0 (the harness has no TLS)
//     ldr x0, <literal &ctx_out>
//     str x30, [x0, #240]
//     bl save_state                 // the rest into ctx_out, host sp back
//     ldp x29, x30, [sp], #16
//     ret
        .text
        .global _start
        .type _start, %function
_start:
        mov x0, sp
        bl cmain
        brk #0
        .size _start, . - _start

        .global load_state
        .type load_state, %function
load_state:
        adrp x29, ctx_in
        add x29, x29, :lo12:ctx_in
        mov x0, sp
        str x0, [x29, #800]
        add x0, x29, #816
        stp x19, x20, [x0, #0]
        stp x21, x22, [x0, #16]
        stp x23, x24, [x0, #32]
        stp x25, x26, [x0, #48]
        stp x27, x28, [x0, #64]
        stp d8, d9, [x0, #80]
        stp d10, d11, [x0, #96]
        stp d12, d13, [x0, #112]
        stp d14, d15, [x0, #128]
        ldr x0, [x29, #256]
        msr nzcv, x0
        ldr x0, [x29, #264]
        msr fpcr, x0
        ldr x0, [x29, #272]
        msr fpsr, x0
        clrex
        add x0, x29, #288
        ldp q0, q1, [x0], #32
        ldp q2, q3, [x0], #32
        ldp q4, q5, [x0], #32
        ldp q6, q7, [x0], #32
        ldp q8, q9, [x0], #32
        ldp q10, q11, [x0], #32
        ldp q12, q13, [x0], #32
        ldp q14, q15, [x0], #32
        ldp q16, q17, [x0], #32
        ldp q18, q19, [x0], #32
        ldp q20, q21, [x0], #32
        ldp q22, q23, [x0], #32
        ldp q24, q25, [x0], #32
        ldp q26, q27, [x0], #32
        ldp q28, q29, [x0], #32
        ldp q30, q31, [x0], #32
        ldr x0, [x29, #248]
        mov sp, x0
        ldp x0, x1, [x29, #0]
        ldp x2, x3, [x29, #16]
        ldp x4, x5, [x29, #32]
        ldp x6, x7, [x29, #48]
        ldp x8, x9, [x29, #64]
        ldp x10, x11, [x29, #80]
        ldp x12, x13, [x29, #96]
        ldp x14, x15, [x29, #112]
        ldp x16, x17, [x29, #128]
        ldp x18, x19, [x29, #144]
        ldp x20, x21, [x29, #160]
        ldp x22, x23, [x29, #176]
        ldp x24, x25, [x29, #192]
        ldp x26, x27, [x29, #208]
        ldr x28, [x29, #224]
        ldr x29, [x29, #232]
        ret
        .size load_state, . - load_state

        .global save_state
        .type save_state, %function
save_state:                     // x0 = &ctx_out; guest x0 in TPIDR_EL0, x30 already stored
        stp x1, x2, [x0, #8]
        stp x3, x4, [x0, #24]
        stp x5, x6, [x0, #40]
        stp x7, x8, [x0, #56]
        stp x9, x10, [x0, #72]
        stp x11, x12, [x0, #88]
        stp x13, x14, [x0, #104]
        stp x15, x16, [x0, #120]
        stp x17, x18, [x0, #136]
        stp x19, x20, [x0, #152]
        stp x21, x22, [x0, #168]
        stp x23, x24, [x0, #184]
        stp x25, x26, [x0, #200]
        stp x27, x28, [x0, #216]
        str x29, [x0, #232]
        mrs x1, nzcv
        str x1, [x0, #256]
        mrs x1, tpidr_el0
        str x1, [x0]
        mov x1, sp
        str x1, [x0, #248]
        mrs x1, fpcr
        str x1, [x0, #264]
        mrs x1, fpsr
        str x1, [x0, #272]
        add x1, x0, #288
        stp q0, q1, [x1], #32
        stp q2, q3, [x1], #32
        stp q4, q5, [x1], #32
        stp q6, q7, [x1], #32
        stp q8, q9, [x1], #32
        stp q10, q11, [x1], #32
        stp q12, q13, [x1], #32
        stp q14, q15, [x1], #32
        stp q16, q17, [x1], #32
        stp q18, q19, [x1], #32
        stp q20, q21, [x1], #32
        stp q22, q23, [x1], #32
        stp q24, q25, [x1], #32
        stp q26, q27, [x1], #32
        stp q28, q29, [x1], #32
        stp q30, q31, [x1], #32
        msr fpcr, xzr
        adrp x1, ctx_in
        add x1, x1, :lo12:ctx_in
        add x2, x1, #816
        ldp x19, x20, [x2, #0]
        ldp x21, x22, [x2, #16]
        ldp x23, x24, [x2, #32]
        ldp x25, x26, [x2, #48]
        ldp x27, x28, [x2, #64]
        ldp d8, d9, [x2, #80]
        ldp d10, d11, [x2, #96]
        ldp d12, d13, [x2, #112]
        ldp d14, d15, [x2, #128]
        ldr x1, [x1, #800]
        mov sp, x1
        ret
        .size save_state, . - save_state
