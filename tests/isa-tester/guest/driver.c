/* Guest side of the instruction tester (aot-isa-tester). Freestanding AArch64 code: no libc.
 *
 *   driver SEED ITERS FLAGS [DUMP]
 *
 * For every snippet i and iteration k it fills `ctx_in` (and, for memory snippets, the memory
 * window) from a PRNG seeded with (SEED, i, k), calls snippet i (harness.S loads ctx_in into the
 * registers, runs the one instruction under test, stores the registers into ctx_out), and folds
 * ctx_out (and the window) into a per-snippet FNV-1a hash. At the end it writes the hashes to
 * stdout. With DUMP = i it runs snippet i only and writes ctx_in, ctx_out and the window of every
 * iteration instead, so a mismatch can be shown register by register.
 *
 * FLAGS: bit 0 = random FPCR (RMode, FZ, DN), bit 1 = keep FPSR in the hash (else it is zeroed).
 * The Rust side (tests/isa-tester/src/state.rs) reproduces the PRNG, the fill and the hash
 * bit for bit: change both together. */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned __int128 u128;

struct state {
    u64 x[31];
    u64 sp, nzcv, fpcr, fpsr, pad;
    u128 v[32];
    u64 saved_sp, saved_lr;
    u64 saved_callee[18]; /* the C caller's x19..x28 and d8..d15, restored by save_state */
};
_Static_assert(sizeof(struct state) == 960, "layout shared with harness.S and state.rs");

struct meta {
    u32 insn;
    u8 base;  /* register holding the memory address (31 = SP), 255 = no memory access */
    u8 off;   /* register holding a small index/offset, 255 = none */
    u8 align; /* base is 16-byte aligned */
    u8 pad;
};

#define WINDOW 2048
struct state ctx_in __attribute__((aligned(16)));
struct state ctx_out __attribute__((aligned(16)));
u8 window[WINDOW] __attribute__((aligned(4096)));

extern const struct meta metas[];
extern void (*const snippets[])(void);
extern const u64 nsnippets;

static long sys3(long n, long a, long b, long c)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

static void out(const void *p, u64 n)
{
    const u8 *b = p;
    while (n) {
        long w = sys3(64, 1, (long)b, (long)n);
        if (w <= 0)
            sys3(94, 3, 0, 0);
        b += w;
        n -= (u64)w;
    }
}

static u64 sm(u64 *s)
{
    u64 z = (*s += 0x9e3779b97f4a7c15ul);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
    return z ^ (z >> 31);
}

static const u64 xspecial[] = {
    0, 1, 2, ~0ul, 0x7ffffffffffffffful, 0x8000000000000000ul, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ul, 31, 32, 63, 64, 0xfffffffffffffffeul, 0x00000000ffff0000ul,
};
static const u32 f32special[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
    0x7fc12345, 0xffc00000, 0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0x00800000, 0x3f000000,
    0x4f000000, 0xcf000000, 0x4f800000, 0x3effffff, 0x3fc00000, 0x40400000, 0x5f000000, 0xdf000001,
};
static const u64 f64special[] = {
    0, 0x8000000000000000ul, 0x3ff0000000000000ul, 0xbff0000000000000ul, 0x7ff0000000000000ul,
    0xfff0000000000000ul, 0x7ff8000000000000ul, 0x7ff0000000000001ul, 0x7ff8000000012345ul,
    0xfff8000000000000ul, 0x7ff4000000000000ul, 0x0000000000000001ul, 0x800fffffffffffff,
    0x7fefffffffffffffull, 0x0010000000000000ul, 0x3fe0000000000000ul, 0x41e0000000000000ul,
    0xc1e0000000000000ul, 0x43e0000000000000ul, 0x3fdfffffffffffff, 0x3ff8000000000000ul,
    0x4008000000000000ul, 0x47efffffe0000000ul, 0x36a0000000000000ul,
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static u64 xval(u64 *s)
{
    u64 r = sm(s);
    switch (r & 7) {
    case 0: case 1: return sm(s);
    case 2: return sm(s) & 0xff;
    case 3: return sm(s) & 0xffffffff;
    case 4: return (u64)(long)(int)sm(s);
    default: return xspecial[(r >> 8) % N(xspecial)];
    }
}

/* A float of moderate magnitude: random sign and mantissa, exponent within +-20 of 1.0. */
static u64 f32lane(u64 *s)
{
    u64 r = sm(s);
    if ((r & 3) == 0)
        return f32special[(r >> 8) % N(f32special)];
    return ((r >> 2) & 1) << 31 | (107 + (r >> 3) % 41) << 23 | ((r >> 16) & 0x7fffff);
}
static u64 f64lane(u64 *s)
{
    u64 r = sm(s);
    if ((r & 3) == 0)
        return f64special[(r >> 8) % N(f64special)];
    return ((r >> 2) & 1) << 63 | (1003 + (r >> 3) % 41) << 52 | (sm(s) & 0xfffffffffffffull);
}

static u128 vval(u64 *s)
{
    u64 r = sm(s), lo = 0, hi = 0;
    switch (r & 7) {
    case 0: case 1:
        lo = sm(s);
        hi = sm(s);
        break;
    case 2: case 3: {
        /* one call per statement: C leaves the order of operands unspecified */
        u64 a = f32lane(s);
        u64 b = f32lane(s);
        u64 c = f32lane(s);
        u64 d = f32lane(s);
        lo = a | b << 32;
        hi = c | d << 32;
        break;
    }
    case 4: case 5:
        lo = f64lane(s);
        hi = f64lane(s);
        break;
    case 6: {
        static const u8 b[] = {0, 1, 0x7f, 0x80, 0xff};
        for (int i = 0; i < 8; i++) {
            lo |= (u64)b[sm(s) % 5] << (8 * i);
            hi |= (u64)b[sm(s) % 5] << (8 * i);
        }
        break;
    }
    default:
        lo = xval(s);
        hi = xval(s);
    }
    return (u128)hi << 64 | lo;
}

static void fill(u64 seed, u64 i, u64 k, u64 flags)
{
    u64 s = seed * 0x9e3779b97f4a7c15ul ^ i * 0xc2b2ae3d27d4eb4ful ^ k * 0x165667b19e3779f9ul;
    const struct meta *m = &metas[i];
    for (int r = 0; r < 31; r++)
        ctx_in.x[r] = xval(&s);
    for (int r = 0; r < 32; r++)
        ctx_in.v[r] = vval(&s);
    ctx_in.nzcv = (sm(&s) & 0xf) << 28;
    ctx_in.fpcr = flags & 1 ? (sm(&s) & 0xf) << 22 : 0;
    ctx_in.fpsr = 0;
    ctx_in.pad = 0;
    ctx_in.sp = (u64)window + WINDOW / 2;
    if (m->base != 255) {
        u64 r = sm(&s);
        u64 a = (u64)window + WINDOW / 2 + (m->align ? 16 * (r % 16) - 128 : r % 256 - 128);
        if (m->base == 31)
            ctx_in.sp = a & ~15ul;
        else
            ctx_in.x[m->base] = a;
        if (m->off != 255)
            ctx_in.x[m->off] = sm(&s) % 32;
        u64 *w = (u64 *)window;
        for (int j = 0; j < WINDOW / 8; j++)
            w[j] = sm(&s);
    }
}

static u64 fnv(u64 h, const u64 *p, u64 n)
{
    for (u64 j = 0; j < n; j++) {
        h ^= p[j];
        h *= 0x100000001b3ul;
    }
    return h;
}

/* Words of `struct state` that are hashed: x..v (saved_sp and saved_lr are harness bookkeeping). */
#define HASHED_WORDS (offsetof_v_end / 8)
#define offsetof_v_end (5 * 8 + 31 * 8 + 32 * 16)

static u64 hashes[1 << 17];

static u64 num(const char *p)
{
    u64 v = 0;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (u64)(*p++ - '0');
    return v;
}

void cmain(u64 *sp)
{
    u64 argc = sp[0];
    char **argv = (char **)(sp + 1);
    if (argc < 4 || nsnippets > N(hashes))
        sys3(94, 2, 0, 0);
    u64 seed = num(argv[1]), iters = num(argv[2]), flags = num(argv[3]);
    u64 dump = argc > 4 ? num(argv[4]) : ~0ul;
    for (u64 i = 0; i < nsnippets; i++)
        hashes[i] = 0xcbf29ce484222325ul;
    for (u64 k = 0; k < iters; k++) {
        for (u64 i = 0; i < nsnippets; i++) {
            if (dump != ~0ul && i != dump)
                continue;
            fill(seed, i, k, flags);
            if (dump != ~0ul)
                out(&ctx_in, HASHED_WORDS * 8);
            snippets[i]();
            if (!(flags & 2))
                ctx_out.fpsr = 0;
            ctx_out.pad = 0;
            u64 h = fnv(hashes[i], (const u64 *)&ctx_out, HASHED_WORDS);
            if (metas[i].base != 255)
                h = fnv(h, (const u64 *)window, WINDOW / 8);
            hashes[i] = h;
            if (dump != ~0ul) {
                out(&ctx_out, HASHED_WORDS * 8);
                out(window, WINDOW);
            }
        }
    }
    if (dump == ~0ul)
        out(hashes, nsnippets * 8);
    sys3(94, 0, 0, 0);
}
