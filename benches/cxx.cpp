// C++: std::map inserts/lookups, std::sort of a vector of structs, and virtual calls through a
// vector of base pointers.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

static uint64_t xs(uint64_t &s) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }

struct Shape { virtual ~Shape() {} virtual uint64_t step(uint64_t x) = 0; };
struct A : Shape { uint64_t k; explicit A(uint64_t k) : k(k) {} uint64_t step(uint64_t x) override { return x * 3 + k; } };
struct B : Shape { uint64_t k; explicit B(uint64_t k) : k(k) {} uint64_t step(uint64_t x) override { return (x ^ k) >> 1; } };
struct C : Shape { uint64_t k; explicit C(uint64_t k) : k(k) {} uint64_t step(uint64_t x) override { return x + (k << 2); } };
struct Rec { uint32_t key; uint32_t val; bool operator<(const Rec &o) const { return key < o.key || (key == o.key && val < o.val); } };

int main(int argc, char **argv) {
    long pct = argc > 1 ? atol(argv[1]) : 100;
    if (pct <= 0) pct = 100;
    uint64_t s = 17, h = 0;
    long nmap = 200000 * pct / 100, nsort = 700000 * pct / 100, nvirt = 16000000 * pct / 100;
    std::map<uint32_t, uint32_t> m;
    for (long i = 0; i < nmap; i++) m[(uint32_t)(xs(s) % (nmap * 2))] += (uint32_t)i;
    for (long i = 0; i < nmap; i++) { auto it = m.find((uint32_t)(xs(s) % (nmap * 2))); if (it != m.end()) h += it->second; }
    std::vector<Rec> v(nsort);
    for (auto &r : v) { r.key = (uint32_t)(xs(s) % 100000); r.val = (uint32_t)xs(s); }
    std::sort(v.begin(), v.end());
    for (size_t i = 0; i < v.size(); i += 101) h = h * 31 + v[i].val;
    std::vector<std::unique_ptr<Shape>> shapes;
    for (int i = 0; i < 256; i++) {
        uint64_t r = xs(s);
        if (r % 3 == 0) shapes.emplace_back(new A(r & 15));
        else if (r % 3 == 1) shapes.emplace_back(new B(r & 15));
        else shapes.emplace_back(new C(r & 15));
    }
    uint64_t x = 1;
    for (long i = 0; i < nvirt; i++) x = shapes[i & 255]->step(x);
    printf("cxx %llu %llu\n", (unsigned long long)h, (unsigned long long)x);
    return 0;
}
