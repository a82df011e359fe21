/* Arm NaN results inside counted loops (issue 7): the translator lowers their NaN fix-ups as
 * selects (branch-free, vectorisable) instead of a branch to a cold block. Every NaN kind
 * (quiet and signalling with payloads, inf * 0, inf - inf) in every operand position of
 * multiply-add, add, multiply, divide loops over double and float, with FPCR.DN off and on;
 * the printed bit patterns must be Arm's. Not vectorised by gcc (scalar guest loops, counted). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 24

static double d(uint64_t b) { double x; memcpy(&x, &b, 8); return x; }
static float f(uint32_t b) { float x; memcpy(&x, &b, 4); return x; }
static uint64_t bd(double x) { uint64_t b; memcpy(&b, &x, 8); return b; }
static uint32_t bf(float x) { uint32_t b; memcpy(&b, &x, 4); return b; }

static double A[N], B[N], C[N];
static float FA[N], FB[N], FC[N];

__attribute__((noipa, optimize("no-tree-vectorize"))) static void madd(double *c, const double *b, double a, long n) {
  for (long j = 0; j < n; j++) c[j] += a * b[j];
}
__attribute__((noipa, optimize("no-tree-vectorize"))) static void add(double *c, const double *a, const double *b, long n) {
  for (long j = 0; j != n; j++) c[j] = a[j] + b[j];
}
__attribute__((noipa, optimize("no-tree-vectorize"))) static void mul_div(double *c, const double *a, const double *b, long n) {
  for (long j = n - 1; j >= 0; j--) c[j] = a[j] * b[j] / (b[j] - a[j]);
}
__attribute__((noipa, optimize("no-tree-vectorize"))) static void fmadd(float *c, const float *a, const float *b, int n) {
  for (int j = 0; j < n; j++) c[j] = c[j] * a[j] + b[j];
}

static uint64_t hash;
static void out(const char *what, const double *c) {
  printf("%s:", what);
  for (int j = 0; j < N; j++) printf(" %016llx", (unsigned long long)bd(c[j]));
  printf("\n");
}
static void outf(const char *what, const float *c) {
  printf("%s:", what);
  for (int j = 0; j < N; j++) printf(" %08x", bf(c[j]));
  printf("\n");
}

static void fill(void) {
  const uint64_t v[] = {
      0x3ff8000000000000ull, /* 1.5 */
      0x7ff8000000000001ull, /* qNaN payload 1 */
      0xfff8000000000abcull, /* -qNaN payload abc */
      0x7ff0000000000005ull, /* sNaN payload 5 */
      0xfff0000000000007ull, /* -sNaN payload 7 */
      0x7ff0000000000000ull, /* inf */
      0xfff0000000000000ull, /* -inf */
      0x0000000000000000ull, /* 0 */
      0x8000000000000000ull, /* -0 */
      0x0000000000000001ull, /* denormal */
      0xc000000000000000ull, /* -2 */
  };
  const int nv = sizeof v / sizeof v[0];
  for (int j = 0; j < N; j++) {
    A[j] = d(v[j % nv]);
    B[j] = d(v[(j * 7 + 3) % nv]);
    C[j] = d(v[(j * 5 + 1) % nv]);
    uint64_t a = v[j % nv], b = v[(j * 7 + 3) % nv], c = v[(j * 5 + 1) % nv];
    /* float: sign, top exponent bits and payload low bits */
    FA[j] = f((uint32_t)(a >> 32 & 0xfff00000u) | (uint32_t)(a & 0xff) | ((a & 0x0008000000000000ull) ? 0x00400000u : 0));
    FB[j] = f((uint32_t)(b >> 32 & 0xfff00000u) | (uint32_t)(b & 0xff) | ((b & 0x0008000000000000ull) ? 0x00400000u : 0));
    FC[j] = f((uint32_t)(c >> 32 & 0xfff00000u) | (uint32_t)(c & 0xff) | ((c & 0x0008000000000000ull) ? 0x00400000u : 0));
  }
}

static void run(const char *mode) {
  printf("FPCR.DN %s\n", mode);
  const uint64_t scal[] = {0x3ff0000000000000ull, 0x7ff8000000000042ull, 0x7ff0000000000009ull, 0x7ff0000000000000ull,
                           0x0000000000000000ull};
  for (int s = 0; s < 5; s++) {
    fill();
    madd(C, B, d(scal[s]), N);
    char name[32];
    snprintf(name, sizeof name, "madd a=%d", s);
    out(name, C);
  }
  fill();
  add(C, A, B, N);
  out("add", C);
  fill();
  mul_div(C, A, B, N);
  out("mul_div", C);
  fill();
  fmadd(FC, FA, FB, N);
  outf("fmadd.s", FC);
}

int main(void) {
  run("off");
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1u << 25)));
  run("on");
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
  (void)hash;
  return 0;
}
