/* The W^X double-mapping part of 64-jitguest.c (see there): qemu cannot be the oracle, so the
 * output is checked against 65-jitguest-dual.expect, which is what the program prints when every
 * result equals its computation in C (the sums are those qemu prints for 64-jitguest's RWX and
 * mprotect parts, which run the same scenario). */
#define DUAL
#include "64-jitguest.c"
