/* SB with STLR/LDAR: t0: STLR x; LDAR y   t1: STLR y; LDAR x   forbidden: r0 = r1 = 0 (an STLR
 * followed by an LDAR is ordered on Arm: RCsc). See 27-litmus.c for the harness and
 * docs/memory-model.md for why the translation maps STLR to a seq_cst store (XCHG). `stats` prints
 * every outcome count. */
#include "litmus.h"

SB_BODY(sb_rel_acq, "stlr", "", "ldar")

int main(int argc, char **argv)
{
    int stats = argc > 1 && !strcmp(argv[1], "stats");
    struct litmus sb = {"SB+stlr/ldar", sb_rel_acq_0, sb_rel_acq_1};
    return report(&sb, 0, "r0=r1=0", stats);
}
