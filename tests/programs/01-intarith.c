/* Integer arithmetic edge cases: Arm-defined division, variable shifts, overflow builtins,
 * 128-bit arithmetic. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int64_t sdiv64(int64_t a, int64_t b) { int64_t r; __asm__ volatile("sdiv %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static uint64_t udiv64(uint64_t a, uint64_t b) { uint64_t r; __asm__ volatile("udiv %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static int32_t sdiv32(int32_t a, int32_t b) { int32_t r; __asm__ volatile("sdiv %w0, %w1, %w2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static uint32_t udiv32(uint32_t a, uint32_t b) { uint32_t r; __asm__ volatile("udiv %w0, %w1, %w2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static uint64_t lslv(uint64_t a, uint64_t s) { uint64_t r; __asm__ volatile("lsl %0, %1, %2" : "=r"(r) : "r"(a), "r"(s)); return r; }
static uint64_t asrv(uint64_t a, uint64_t s) { uint64_t r; __asm__ volatile("asr %0, %1, %2" : "=r"(r) : "r"(a), "r"(s)); return r; }
static uint32_t rorw(uint32_t a, uint64_t s) { uint32_t r; __asm__ volatile("ror %w0, %w1, %w2" : "=r"(r) : "r"(a), "r"((uint32_t)s)); return r; }

static void print_u128(unsigned __int128 v)
{
    char buf[64];
    int i = 63;
    buf[i] = 0;
    do {
        buf[--i] = '0' + (int)(v % 10);
        v /= 10;
    } while (v);
    fputs(buf + i, stdout);
}

static void print_i128(__int128 v)
{
    if (v < 0) {
        putchar('-');
        print_u128(-(unsigned __int128)v);
    } else
        print_u128((unsigned __int128)v);
}

static volatile int64_t vals[] = { 0, 1, -1, 2, -2, 7, -7, 1000000007, INT64_MAX, INT64_MIN, INT32_MAX,
                                   INT32_MIN, 0x5555555555555555LL, -0x123456789abcdefLL };
#define NV (sizeof vals / sizeof vals[0])

int main(void)
{
    uint64_t h = 0;
    /* Division: Arm defines x/0 = 0 and INT_MIN/-1 = INT_MIN. */
    for (unsigned i = 0; i < NV; i++)
        for (unsigned j = 0; j < NV; j++) {
            int64_t a = vals[i], b = vals[j];
            int64_t q = sdiv64(a, b);
            uint64_t uq = udiv64((uint64_t)a, (uint64_t)b);
            int32_t q32 = sdiv32((int32_t)a, (int32_t)b);
            uint32_t uq32 = udiv32((uint32_t)a, (uint32_t)b);
            h = h * 1000003 ^ (uint64_t)q ^ (uq << 1) ^ ((uint64_t)(uint32_t)q32 << 7) ^ uq32;
            if (b != 0 && !(a == INT64_MIN && b == -1)) {
                int64_t r = a % b;
                h += (uint64_t)r;
            }
        }
    printf("sdiv(5,0)=%" PRId64 " udiv(5,0)=%" PRIu64 " sdiv(MIN,-1)=%" PRId64 " sdiv32(MIN,-1)=%d\n",
           sdiv64(5, 0), udiv64(5, 0), sdiv64(INT64_MIN, -1), sdiv32(INT32_MIN, -1));
    printf("division hash %016" PRIx64 "\n", h);

    /* Variable shifts: the amount is taken modulo the register width. */
    h = 0;
    for (uint64_t s = 0; s < 130; s++) {
        uint64_t x = 0x8123456789abcdefULL;
        h = h * 31 + lslv(x, s) + asrv(x, s) * 3 + rorw((uint32_t)x, s) * 5;
        h ^= (x >> (s & 63)) ^ ((uint32_t)x << (s & 31)) ^ (uint64_t)((int32_t)x >> (s & 31));
    }
    printf("lsl(1,64)=%" PRIu64 " lsl(1,65)=%" PRIu64 " asr(-8,66)=%" PRId64 " shift hash %016" PRIx64 "\n",
           lslv(1, 64), lslv(1, 65), (int64_t)asrv((uint64_t)-8, 66), h);

    /* Overflow builtins. */
    int ovf = 0;
    for (unsigned i = 0; i < NV; i++)
        for (unsigned j = 0; j < NV; j++) {
            int64_t r64;
            int32_t r32;
            uint64_t u64;
            uint32_t u32;
            ovf = ovf * 3 + __builtin_add_overflow(vals[i], vals[j], &r64);
            ovf = ovf * 3 + __builtin_sub_overflow(vals[i], vals[j], &r64);
            ovf = ovf * 3 + __builtin_mul_overflow(vals[i], vals[j], &r64);
            ovf = ovf * 3 + __builtin_add_overflow((int32_t)vals[i], (int32_t)vals[j], &r32);
            ovf = ovf * 3 + __builtin_mul_overflow((int32_t)vals[i], (int32_t)vals[j], &r32);
            ovf = ovf * 3 + __builtin_add_overflow((uint64_t)vals[i], (uint64_t)vals[j], &u64);
            ovf = ovf * 3 + __builtin_sub_overflow((uint32_t)vals[i], (uint32_t)vals[j], &u32);
            ovf = ovf * 3 + __builtin_mul_overflow((uint64_t)vals[i], (uint64_t)vals[j], &u64);
            ovf &= 0xffffff;
        }
    int64_t r, r2;
    printf("add_overflow(MAX,1)=%d mul_overflow(2^32,2^32)=%d overflow hash %06x\n",
           __builtin_add_overflow((int64_t)INT64_MAX, (int64_t)1, &r),
           __builtin_mul_overflow((int64_t)1 << 32, (int64_t)1 << 32, &r2), ovf);

    /* 128-bit arithmetic. */
    unsigned __int128 f = 1;
    for (int i = 1; i <= 34; i++)
        f *= (unsigned __int128)i;
    printf("34! = ");
    print_u128(f);
    printf("\n");
    unsigned __int128 a = ((unsigned __int128)0xfedcba9876543210ULL << 64) | 0x0123456789abcdefULL;
    unsigned __int128 b = 0x1000000000000001ULL;
    printf("a/b = ");
    print_u128(a / b);
    printf(" a%%b = ");
    print_u128(a % b);
    printf("\n");
    __int128 sa = -(__int128)a / 3;
    printf("-a/3 = ");
    print_i128(sa);
    printf(" (-a/3)%%7 = ");
    print_i128(sa % 7);
    printf("\n");
    for (volatile int s = 0; s < 128; s += 17) {
        printf("a<<%d=%016" PRIx64 "%016" PRIx64 " a>>%d=%016" PRIx64 "%016" PRIx64 " sa>>%d=", s,
               (uint64_t)((a << s) >> 64), (uint64_t)(a << s), s, (uint64_t)((a >> s) >> 64),
               (uint64_t)(a >> s), s);
        print_i128(sa >> s);
        printf("\n");
    }
    unsigned __int128 m = (unsigned __int128)UINT64_MAX * UINT64_MAX;
    printf("max64^2 = ");
    print_u128(m);
    printf(" clz=%d ctz=%d popcount=%d\n", __builtin_clzll((uint64_t)(m >> 64)), __builtin_ctzll(0x100ULL << 20),
           __builtin_popcountll(0xf0f0f0f0f0f0f0f1ULL));

    /* Mixed-width conversions. */
    volatile int8_t c = -5;
    volatile uint16_t w = 65535;
    volatile int32_t n = -1;
    printf("conv %d %u %ld %lu %d %d\n", c, (unsigned)(uint8_t)c, (long)n, (unsigned long)(uint32_t)n,
           (int)(int16_t)w, (int)(c * w));
    return 0;
}
