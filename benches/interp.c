/* A bytecode interpreter with switch dispatch running a small program (nested loops, arithmetic,
   loads and stores to a memory array, a call/return stack). */
#include "common.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, SHR, AND, DUP, JNZ, JMP, LT, CALL, RET, HALT, DROP, SWAP };
typedef struct { int op, arg; } Insn;

static long run(const Insn *code, long *mem) {
    long stack[256]; int sp = 0;
    int rstack[64]; int rp = 0;
    int pc = 0;
    for (;;) {
        Insn in = code[pc++];
        switch (in.op) {
        case PUSH: stack[sp++] = in.arg; break;
        case LOAD: stack[sp++] = mem[in.arg]; break;
        case STORE: mem[in.arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] = (long)((unsigned long)stack[sp - 1] >> stack[sp]); break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JNZ: if (stack[--sp]) pc = in.arg; break;
        case JMP: pc = in.arg; break;
        case CALL: rstack[rp++] = pc; pc = in.arg; break;
        case RET: pc = rstack[--rp]; break;
        case HALT: return mem[1];
        }
    }
}

int main(int argc, char **argv) {
    long n = bench_scale(argc, argv, 5000000);
    /* mem[0] = i, mem[1] = acc; for (i = n; i != 0; i--) acc = f(acc, i) where f is a subroutine */
    Insn prog[] = {
        /* 0 */ {PUSH, 0}, {STORE, 0},          /* i = n (patched below) */
        /* 2 */ {LOAD, 0}, {JNZ, 5}, {HALT, 0},
        /* 5 */ {CALL, 13},
        /* 6 */ {LOAD, 0}, {PUSH, 1}, {SUB, 0}, {STORE, 0}, {JMP, 2}, {HALT, 0}, {HALT, 0},
        /* 13: acc = ((acc * 31) ^ i) + (i >> 3) & mask */
        {LOAD, 1}, {PUSH, 31}, {MUL, 0}, {LOAD, 0}, {XOR, 0},
        {LOAD, 0}, {PUSH, 3}, {SHR, 0}, {ADD, 0},
        {PUSH, 0x7fffffff}, {AND, 0}, {DUP, 0}, {PUSH, 1000}, {LT, 0}, {JNZ, 30},
        {STORE, 1}, {RET, 0},
        /* 30 */ {PUSH, 77}, {ADD, 0}, {STORE, 1}, {RET, 0},
    };
    prog[0].arg = (int)n;
    long mem[4] = {0, 1, 0, 0};
    long r = run(prog, mem);
    printf("interp %ld\n", r);
    return 0;
}
