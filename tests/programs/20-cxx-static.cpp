// Static constructors and destructors: order within a translation unit, function-local statics,
// destructors at exit (atexit order), init_priority, constructor attributes.
#include <cstdio>
#include <cstdlib>

static int order_counter;

struct Noisy {
    const char *name;
    int order;
    explicit Noisy(const char *n) : name(n), order(++order_counter) { std::printf("construct %s (#%d)\n", n, order); }
    ~Noisy() { std::printf("destruct %s (#%d)\n", name, order); }
};

static Noisy a("global-a");
static Noisy b("global-b");
Noisy early __attribute__((init_priority(200))) ("early-priority-200");

__attribute__((constructor(150))) static void ctor150() { std::printf("constructor(150) function\n"); }
__attribute__((constructor)) static void ctor_default() { std::printf("constructor function (default priority)\n"); }
__attribute__((destructor)) static void dtor_default() { std::printf("destructor function\n"); }

static Noisy &local_static()
{
    static Noisy s("function-local");
    return s;
}

static void at_exit_handler() { std::printf("atexit handler\n"); }

struct Table {
    int values[16];
    Table()
    {
        for (int i = 0; i < 16; i++)
            values[i] = i * i + order_counter;
    }
};
static Table table;

int main()
{
    std::printf("main starts, counter=%d table[5]=%d\n", order_counter, table.values[5]);
    std::atexit(at_exit_handler);
    std::printf("first call: %s\n", local_static().name);
    std::printf("second call: #%d\n", local_static().order);
    Noisy inner("main-local");
    std::printf("main returns\n");
    return 0;
}
