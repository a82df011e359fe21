/* Armv8 Cryptographic Extension through arm_neon.h intrinsics (built with -march=armv8-a+crypto,
 * see 26-crypto.cflags): AES-128 (FIPS-197 C.1) encrypt/decrypt with AESE/AESMC/AESD/AESIMC,
 * SHA-1 and SHA-256 of the FIPS 180 messages with SHA1C/P/M/H/SU0/SU1 and SHA256H/H2/SU0/SU1, and a
 * GF(2^128) multiply (GHASH-like, unreflected) with PMULL/PMULL2 .1Q, each checked against a
 * portable C reference or the published digest. */
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static int failures;

static void hex(const char *label, const uint8_t *p, size_t n) {
    printf("%s ", label);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

static void check(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : "MISMATCH");
    if (!ok) failures++;
}

/* ---------------------------------------------------------------- AES-128 */

/* SubWord(RotWord(w)) with AESE: all four columns hold w, so ShiftRows moves nothing. */
static uint32_t sub_word(uint32_t w) {
    uint8x16_t v = vreinterpretq_u8_u32(vdupq_n_u32(w));
    v = vaeseq_u8(v, vdupq_n_u8(0));
    return vgetq_lane_u32(vreinterpretq_u32_u8(v), 0);
}

static void aes128_expand(const uint8_t key[16], uint8x16_t rk[11]) {
    uint32_t w[44];
    memcpy(w, key, 16);
    uint32_t rcon = 1;
    for (int i = 4; i < 44; i++) {
        uint32_t t = w[i - 1];
        if (i % 4 == 0) {
            t = sub_word((t >> 8) | (t << 24)) ^ rcon;
            rcon = (rcon << 1) ^ ((rcon & 0x80) ? 0x11b : 0);
        }
        w[i] = w[i - 4] ^ t;
    }
    for (int r = 0; r < 11; r++) rk[r] = vld1q_u8((const uint8_t *)&w[4 * r]);
}

static uint8x16_t aes128_encrypt(const uint8x16_t rk[11], uint8x16_t b) {
    for (int r = 0; r < 9; r++) b = vaesmcq_u8(vaeseq_u8(b, rk[r]));
    return veorq_u8(vaeseq_u8(b, rk[9]), rk[10]);
}

static uint8x16_t aes128_decrypt(const uint8x16_t rk[11], uint8x16_t b) {
    b = vaesimcq_u8(vaesdq_u8(b, rk[10]));
    for (int r = 9; r > 1; r--) b = vaesimcq_u8(vaesdq_u8(b, vaesimcq_u8(rk[r])));
    return veorq_u8(vaesdq_u8(b, vaesimcq_u8(rk[1])), rk[0]);
}

static void test_aes(void) {
    uint8_t key[16], pt[16], out[16];
    static const uint8_t want[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                     0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    for (int i = 0; i < 16; i++) {
        key[i] = i;
        pt[i] = i * 0x11;
    }
    uint8x16_t rk[11];
    aes128_expand(key, rk);
    vst1q_u8(out, rk[10]);
    hex("aes128 round key 10", out, 16);
    uint8x16_t c = aes128_encrypt(rk, vld1q_u8(pt));
    vst1q_u8(out, c);
    hex("aes128 encrypt", out, 16);
    check("aes128 FIPS-197 C.1", memcmp(out, want, 16) == 0);
    vst1q_u8(out, aes128_decrypt(rk, c));
    hex("aes128 decrypt", out, 16);
    check("aes128 round trip", memcmp(out, pt, 16) == 0);

    /* 4096 blocks of CTR mode over a counter, folded into one block. */
    uint8x16_t acc = vdupq_n_u8(0);
    int roundtrip = 1;
    for (uint32_t i = 0; i < 4096; i++) {
        uint8x16_t ctr = vreinterpretq_u8_u32(vsetq_lane_u32(i, vdupq_n_u32(0x01020304), 3));
        uint8x16_t e = aes128_encrypt(rk, ctr);
        acc = veorq_u8(acc, e);
        if (i % 64 == 0) {
            uint8x16_t d = aes128_decrypt(rk, e);
            roundtrip &= vminvq_u8(vceqq_u8(d, ctr)) == 0xff;
        }
    }
    vst1q_u8(out, acc);
    hex("aes128 ctr xor-fold", out, 16);
    check("aes128 ctr decrypt", roundtrip);
}

/* ---------------------------------------------------------------- SHA-1 / SHA-256 */

static uint32x4_t load_be(const uint8_t *p) {
    return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

static void sha1_block(uint32_t st[5], const uint8_t *blk) {
    static const uint32_t K[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};
    uint32x4_t abcd = vld1q_u32(st), abcd0 = abcd;
    uint32_t e = st[4];
    uint32x4_t w[4];
    for (int i = 0; i < 4; i++) w[i] = load_be(blk + 16 * i);
    for (int g = 0; g < 20; g++) {
        uint32x4_t wk = vaddq_u32(w[g % 4], vdupq_n_u32(K[g / 5]));
        uint32_t e_next = vsha1h_u32(vgetq_lane_u32(abcd, 0));
        switch (g / 5) {
        case 0: abcd = vsha1cq_u32(abcd, e, wk); break;
        case 2: abcd = vsha1mq_u32(abcd, e, wk); break;
        default: abcd = vsha1pq_u32(abcd, e, wk); break;
        }
        e = e_next;
        w[g % 4] = vsha1su1q_u32(vsha1su0q_u32(w[g % 4], w[(g + 1) % 4], w[(g + 2) % 4]), w[(g + 3) % 4]);
    }
    vst1q_u32(st, vaddq_u32(abcd, abcd0));
    st[4] += e;
}

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block(uint32_t st[8], const uint8_t *blk) {
    uint32x4_t abcd = vld1q_u32(st), efgh = vld1q_u32(st + 4);
    uint32x4_t abcd0 = abcd, efgh0 = efgh;
    uint32x4_t w[4];
    for (int i = 0; i < 4; i++) w[i] = load_be(blk + 16 * i);
    for (int g = 0; g < 16; g++) {
        uint32x4_t wk = vaddq_u32(w[g % 4], vld1q_u32(&K256[4 * g]));
        uint32x4_t old = abcd;
        abcd = vsha256hq_u32(abcd, efgh, wk);
        efgh = vsha256h2q_u32(efgh, old, wk);
        w[g % 4] = vsha256su1q_u32(vsha256su0q_u32(w[g % 4], w[(g + 1) % 4]), w[(g + 2) % 4], w[(g + 3) % 4]);
    }
    vst1q_u32(st, vaddq_u32(abcd, abcd0));
    vst1q_u32(st + 4, vaddq_u32(efgh, efgh0));
}

/* Merkle-Damgard padding for both (64-byte blocks, big-endian bit length). */
static void md_hash(const uint8_t *msg, size_t len, uint32_t *st, void (*block)(uint32_t *, const uint8_t *)) {
    size_t i = 0;
    for (; i + 64 <= len; i += 64) block(st, msg + i);
    uint8_t tail[128] = {0};
    size_t r = len - i;
    memcpy(tail, msg + i, r);
    tail[r] = 0x80;
    size_t n = r + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++) tail[n - 1 - k] = (uint8_t)(bits >> (8 * k));
    block(st, tail);
    if (n == 128) block(st, tail + 64);
}

static void digest_hex(char *out, const uint32_t *st, int words) {
    for (int i = 0; i < words; i++) sprintf(out + 8 * i, "%08x", st[i]);
}

static void test_sha(const char *name, const uint8_t *msg, size_t len, const char *want1, const char *want256) {
    uint32_t s1[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    uint32_t s2[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    char d1[41], d2[65], label[96];
    md_hash(msg, len, s1, sha1_block);
    md_hash(msg, len, s2, sha256_block);
    digest_hex(d1, s1, 5);
    digest_hex(d2, s2, 8);
    printf("sha1(%s) = %s\nsha256(%s) = %s\n", name, d1, name, d2);
    snprintf(label, sizeof label, "sha1(%s)", name);
    check(label, strcmp(d1, want1) == 0);
    snprintf(label, sizeof label, "sha256(%s)", name);
    check(label, strcmp(d2, want256) == 0);
}

/* ---------------------------------------------------------------- GF(2^128) with PMULL */

typedef unsigned __int128 u128;

/* Reference: a * b modulo x^128 + x^7 + x^2 + x + 1, bit i = coefficient of x^i. */
static u128 gf_mul_ref(u128 a, u128 b) {
    u128 z = 0;
    for (int i = 0; i < 128; i++) {
        if ((b >> i) & 1) z ^= a;
        a = (a << 1) ^ ((a >> 127) ? 0x87 : 0);
    }
    return z;
}

static u128 p128(poly128_t p) {
    u128 r;
    memcpy(&r, &p, 16);
    return r;
}

static u128 clmul(uint64_t a, uint64_t b) {
    return p128(vmull_p64((poly64_t)a, (poly64_t)b));
}

static u128 gf_mul_pmull(u128 a, u128 b) {
    poly64x2_t va, vb;
    memcpy(&va, &a, 16);
    memcpy(&vb, &b, 16);
    u128 lo = p128(vmull_p64(vgetq_lane_p64(va, 0), vgetq_lane_p64(vb, 0)));
    u128 hi = p128(vmull_high_p64(va, vb));
    u128 mid = clmul((uint64_t)a, (uint64_t)(b >> 64)) ^ clmul((uint64_t)(a >> 64), (uint64_t)b);
    lo ^= mid << 64;
    hi ^= mid >> 64;
    /* x^128 = x^7 + x^2 + x + 1 (0x87), twice for the bits that spill over. */
    u128 t1 = clmul((uint64_t)(hi >> 64), 0x87);
    u128 t0 = clmul((uint64_t)hi, 0x87);
    return lo ^ t0 ^ (t1 << 64) ^ clmul((uint64_t)(t1 >> 64), 0x87);
}

static void test_gf(void) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    u128 h = ((u128)0x66e94bd4ef8a2c3bull << 64) | 0x884cfa59ca342b2eull;
    u128 acc = 0, acc_ref = 0;
    int same = 1;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t y = x * 0x2545f4914f6cdd1dull;
        u128 blk = ((u128)x << 64) | y;
        acc = gf_mul_pmull(acc ^ blk, h);
        acc_ref = gf_mul_ref(acc_ref ^ blk, h);
        same &= acc == acc_ref;
        u128 p = clmul(x, y), q = 0;
        for (int k = 0; k < 64; k++) if ((y >> k) & 1) q ^= (u128)x << k;
        same &= p == q;
    }
    printf("ghash-like fold %016llx%016llx\n", (unsigned long long)(acc >> 64), (unsigned long long)acc);
    check("pmull gf(2^128) vs bitwise reference (2000 blocks)", same);
    u128 sq = clmul(~0ull, ~0ull);
    printf("pmull ffff..ff^2 = %016llx%016llx\n", (unsigned long long)(sq >> 64), (unsigned long long)sq);
}

int main(void) {
    unsigned long hw = getauxval(AT_HWCAP);
    printf("hwcap aes %d pmull %d sha1 %d sha2 %d\n", !!(hw & HWCAP_AES), !!(hw & HWCAP_PMULL),
           !!(hw & HWCAP_SHA1), !!(hw & HWCAP_SHA2));
    test_aes();
    test_sha("\"\"", (const uint8_t *)"", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    test_sha("abc", (const uint8_t *)"abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d",
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    test_sha("448 bits", (const uint8_t *)m448, strlen(m448), "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    size_t n = 1000000;
    uint8_t *a = malloc(n);
    memset(a, 'a', n);
    test_sha("a x 1000000", a, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    test_gf();
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures != 0;
}
