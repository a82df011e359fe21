/* Hand-written functions that pass the condition flags between functions, which AAPCS64 never
 * does: `flags_result` returns its answer in NZCV, `select_on_flags` reads the caller's flags at
 * entry. The translator leaves NZCV out of calls and returns only when no function of the
 * program does this (lifter/src/ir/abi.rs); here its check must see these two and keep the flags
 * exact (the translated run is compared with qemu's). With the check wrong, the flags after the
 * call or at the entry would be stale: those of the last compare stored before the call. */
#include <stdio.h>
#include <stdint.h>

int64_t less_via_flags(int64_t a, int64_t b);     /* bl flags_result; cset lt */
int64_t pick_via_flags(int64_t a, int64_t b, int64_t x, int64_t y); /* cmp a, b; bl select_on_flags */

__asm__(
    ".text\n"
    ".global flags_result\n.type flags_result, %function\n"
    "flags_result:\n"
    "  cmp x0, x1\n"
    "  ret\n"
    ".size flags_result, .-flags_result\n"
    ".global less_via_flags\n.type less_via_flags, %function\n"
    "less_via_flags:\n"
    "  stp x29, x30, [sp, #-16]!\n"
    "  mov x29, sp\n"
    "  cmn x1, #1\n" /* flags the caller would see if the callee's were lost */
    "  bl flags_result\n"
    "  cset x0, lt\n"
    "  ldp x29, x30, [sp], #16\n"
    "  ret\n"
    ".size less_via_flags, .-less_via_flags\n"
    ".global select_on_flags\n.type select_on_flags, %function\n"
    "select_on_flags:\n"
    "  csel x0, x2, x3, gt\n"
    "  ret\n"
    ".size select_on_flags, .-select_on_flags\n"
    ".global pick_via_flags\n.type pick_via_flags, %function\n"
    "pick_via_flags:\n"
    "  stp x29, x30, [sp, #-16]!\n"
    "  mov x29, sp\n"
    "  cmp x0, x1\n"
    "  bl select_on_flags\n"
    "  ldp x29, x30, [sp], #16\n"
    "  ret\n"
    ".size pick_via_flags, .-pick_via_flags\n");

int main(void) {
    static const int64_t v[] = {-5, -1, 0, 1, 2, 12345, -12345, INT64_MIN, INT64_MAX};
    const int n = sizeof v / sizeof v[0];
    uint64_t h = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            int64_t l = less_via_flags(v[i], v[j]);
            int64_t p = pick_via_flags(v[i], v[j], 100 + i, 200 + j);
            if (l != (v[i] < v[j]) || p != (v[i] > v[j] ? 100 + i : 200 + j))
                printf("wrong: %lld vs %lld: less %lld, pick %lld\n", (long long)v[i], (long long)v[j], (long long)l, (long long)p);
            h = h * 31 + (uint64_t)l * 7 + (uint64_t)p;
        }
    }
    printf("flags across calls: %llu\n", (unsigned long long)h);
    return 0;
}
