// STL: vector, map, unordered_map, set, string operations, sort/stable_sort/binary_search,
// priority_queue, lambdas and std::function, move semantics, shared_ptr/unique_ptr.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

int main()
{
    std::vector<int> v;
    unsigned s = 1;
    for (int i = 0; i < 20000; i++) {
        s = s * 1664525u + 1013904223u;
        v.push_back(static_cast<int>(s >> 12) % 100000);
    }
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::printf("sorted: min=%d median=%d max=%d is_sorted=%d\n", sorted.front(), sorted[sorted.size() / 2],
                sorted.back(), std::is_sorted(sorted.begin(), sorted.end()));
    std::printf("binary_search(%d)=%d unique=%zu\n", v[77], std::binary_search(sorted.begin(), sorted.end(), v[77]),
                static_cast<size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin()));
    long long sum = std::accumulate(v.begin(), v.end(), 0LL);
    std::printf("sum=%lld count_even=%ld\n", sum,
                static_cast<long>(std::count_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; })));

    std::map<std::string, int> freq;
    const char *text = "the quick brown fox jumps over the lazy dog the fox barks and the dog runs";
    std::string word;
    for (const char *p = text;; p++) {
        if (*p == ' ' || *p == 0) {
            if (!word.empty())
                freq[word]++;
            word.clear();
            if (!*p)
                break;
        } else
            word += *p;
    }
    for (const auto &kv : freq)
        std::printf("%s:%d ", kv.first.c_str(), kv.second);
    std::printf("\n");

    std::unordered_map<int, long> um;
    for (int x : v)
        um[x % 1000] += x;
    long check = 0;
    for (int k = 0; k < 1000; k++)
        check = check * 7 + (um.count(k) ? um[k] : -1);
    std::printf("unordered_map size=%zu check=%ld\n", um.size(), check);

    std::set<int> st(v.begin(), v.begin() + 1000);
    auto it = st.lower_bound(50000);
    std::printf("set size=%zu lower_bound(50000)=%d\n", st.size(), it == st.end() ? -1 : *it);

    struct Rec { std::string name; int key; };
    std::vector<Rec> recs;
    for (int i = 0; i < 50; i++)
        recs.push_back({ "r" + std::to_string(i), (i * 37) % 7 });
    std::stable_sort(recs.begin(), recs.end(), [](const Rec &a, const Rec &b) { return a.key < b.key; });
    for (int i = 0; i < 10; i++)
        std::printf("%s/%d ", recs[i].name.c_str(), recs[i].key);
    std::printf("\n");

    std::priority_queue<int, std::vector<int>, std::greater<int>> pq(v.begin(), v.begin() + 100);
    std::printf("pq:");
    for (int i = 0; i < 5; i++) {
        std::printf(" %d", pq.top());
        pq.pop();
    }
    std::printf("\n");

    std::string str = "Hello, STL world";
    std::reverse(str.begin(), str.end());
    std::transform(str.begin(), str.end(), str.begin(), [](char c) { return c ^ 0x20; });
    auto pos = str.find("LTS");
    std::printf("string: %s find=%zu substr=%s replace=", str.c_str(), pos, str.substr(2, 5).c_str());
    str.replace(0, 3, "<<>>");
    std::printf("%s\n", str.c_str());

    std::vector<std::function<long(long)>> fns = { [](long x) { return x + 1; }, [](long x) { return x * x; },
                                                  [k = 5](long x) { return x - k; } };
    long acc = 3;
    for (int r = 0; r < 4; r++)
        for (auto &f : fns)
            acc = f(acc) % 1000003;
    std::printf("std::function chain %ld\n", acc);

    auto sp = std::make_shared<std::vector<int>>(10, 7);
    std::weak_ptr<std::vector<int>> wp = sp;
    auto up = std::make_unique<std::string>(std::string(100, 'z'));
    std::vector<std::string> moved;
    moved.push_back(std::move(*up));
    std::printf("shared use=%ld sum=%d weak expired=%d moved len=%zu src len=%zu\n", sp.use_count(),
                std::accumulate(sp->begin(), sp->end(), 0), wp.expired(), moved[0].size(), up->size());
    sp.reset();
    std::printf("after reset weak expired=%d\n", wp.expired());
    return 0;
}
