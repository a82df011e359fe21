// Virtual calls: a class hierarchy with overrides, pure virtuals, virtual destructors, multiple
// inheritance (this-adjusting thunks), dynamic_cast and typeid.
#include <cmath>
#include <cstdio>
#include <memory>
#include <typeinfo>
#include <vector>

struct Shape {
    virtual ~Shape() { destroyed++; }
    virtual double area() const = 0;
    virtual const char *name() const { return "shape"; }
    virtual int sides() const { return 0; }
    static int destroyed;
};
int Shape::destroyed;

struct Circle : Shape {
    double r;
    explicit Circle(double r_) : r(r_) {}
    double area() const override { return M_PI * r * r; }
    const char *name() const override { return "circle"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double w_, double h_) : w(w_), h(h_) {}
    double area() const override { return w * h; }
    const char *name() const override { return "rect"; }
    int sides() const override { return 4; }
};
struct Square final : Rect {
    explicit Square(double s) : Rect(s, s) {}
    const char *name() const override { return "square"; }
};

struct Printable {
    virtual ~Printable() {}
    virtual void print() const = 0;
};
struct Counter {
    int count = 0;
    virtual ~Counter() {}
    virtual void bump() { count++; }
};
struct Widget : Printable, Counter {
    int id;
    explicit Widget(int i) : id(i) {}
    void print() const override { std::printf("widget %d (count %d)\n", id, count); }
    void bump() override { count += id; }
};

static double __attribute__((noinline)) total_area(const std::vector<std::unique_ptr<Shape>> &v)
{
    double t = 0;
    for (const auto &s : v)
        t += s->area();
    return t;
}

int main()
{
    std::vector<std::unique_ptr<Shape>> shapes;
    for (int i = 1; i <= 300; i++) {
        switch (i % 3) {
        case 0: shapes.emplace_back(new Circle(i * 0.5)); break;
        case 1: shapes.emplace_back(new Rect(i, i + 1.5)); break;
        default: shapes.emplace_back(new Square(i * 0.25)); break;
        }
    }
    std::printf("total area %.6f\n", total_area(shapes));
    int counts[3] = { 0, 0, 0 }, sides = 0;
    for (const auto &s : shapes) {
        if (dynamic_cast<Square *>(s.get()))
            counts[2]++;
        else if (dynamic_cast<Rect *>(s.get()))
            counts[1]++;
        else if (dynamic_cast<Circle *>(s.get()))
            counts[0]++;
        sides += s->sides();
    }
    std::printf("circles=%d rects=%d squares=%d sides=%d\n", counts[0], counts[1], counts[2], sides);
    for (int i = 0; i < 4; i++)
        std::printf("%s %s %.3f\n", shapes[i]->name(), typeid(*shapes[i]).name(), shapes[i]->area());
    shapes.clear();
    std::printf("destroyed %d\n", Shape::destroyed);

    std::vector<Widget> ws;
    for (int i = 1; i <= 3; i++)
        ws.emplace_back(i);
    for (int r = 0; r < 1000; r++)
        for (auto &w : ws) {
            Counter *c = &w;
            c->bump();
        }
    for (auto &w : ws) {
        const Printable *p = &w;
        p->print();
        const Widget *back = dynamic_cast<const Widget *>(p);
        Counter *cross = dynamic_cast<Counter *>(const_cast<Printable *>(p));
        std::printf("  cross-cast ok=%d back ok=%d\n", cross && cross->count == w.count, back == &w);
    }
    return 0;
}
