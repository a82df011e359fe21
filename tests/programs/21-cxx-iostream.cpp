// iostream: cout with various types and manipulators, stringstream parsing and formatting, cerr,
// getline from a string stream.
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>

int main()
{
    std::cout << "int " << 42 << " neg " << -17 << " long " << 1234567890123LL << " unsigned "
              << std::numeric_limits<unsigned long>::max() << '\n';
    std::cout << "bool " << true << ' ' << std::boolalpha << false << std::noboolalpha << " char " << 'x' << '\n';
    std::cout << "double " << 3.14159265358979 << ' ' << 1e-7 << ' ' << 1e21 << ' ' << -0.0 << ' '
              << std::numeric_limits<double>::infinity() << '\n';
    std::cout << std::fixed << std::setprecision(3) << "fixed " << 2.0 / 3 << ' ' << 1e6 << '\n';
    std::cout << std::scientific << "scientific " << 12345.678 << '\n' << std::defaultfloat;
    std::cout << std::setprecision(17) << "precision17 " << 0.1 << '\n' << std::setprecision(6);
    std::cout << std::hex << "hex " << 255 << ' ' << std::showbase << 255 << std::dec << std::noshowbase
              << " oct " << std::oct << 8 << std::dec << '\n';
    std::cout << '[' << std::setw(8) << 42 << "] [" << std::left << std::setw(8) << 42 << "] ["
              << std::right << std::setfill('0') << std::setw(8) << 42 << ']' << std::setfill(' ') << '\n';
    std::cout << "string " << std::string("hello") + ", " + "world" << " ptr " << static_cast<const void *>(nullptr)
              << '\n';
    std::cerr << "cerr line" << std::endl;

    std::stringstream ss;
    ss << 7 << ' ' << 2.5 << ' ' << "word" << ' ' << -99;
    int i;
    double d;
    std::string w;
    long l;
    ss >> i >> d >> w >> l;
    std::cout << "parsed " << i << '|' << d << '|' << w << '|' << l << " str=\"" << ss.str() << "\"\n";

    std::istringstream lines("alpha,1\nbeta,22\n\ngamma,333\n");
    std::string line;
    long total = 0;
    int n = 0;
    while (std::getline(lines, line)) {
        if (line.empty())
            continue;
        auto comma = line.find(',');
        std::string key = line.substr(0, comma);
        long v = std::stol(line.substr(comma + 1));
        total += v;
        std::ostringstream os;
        os << std::setw(6) << key << '=' << std::setw(4) << std::setfill('.') << v;
        std::cout << os.str() << '\n';
        n++;
    }
    std::cout << n << " records, total " << total << '\n';
    std::istringstream bad("12abc");
    int x = 0;
    bad >> x;
    std::string rest;
    bad >> rest;
    std::cout << "partial parse " << x << " rest " << rest << " fail=" << bad.fail() << '\n';
    std::cout << std::to_string(1.5) << ' ' << std::to_string(-123) << ' ' << std::stod("2.5e3") << '\n';
    return 0;
}
