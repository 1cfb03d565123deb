#pragma once
// One counter per value of an enum that ends in `Count` (drop reasons): counted
// per packet without allocation, printed as "name=3 other=1".  Not atomic: one
// instance per receiving worker.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vpn {

template <class E, const char* (*Name)(E)>
class EnumCounters {
public:
    void add(E e) { ++n_[static_cast<std::size_t>(e)]; }
    std::uint64_t get(E e) const { return n_[static_cast<std::size_t>(e)]; }
    std::uint64_t total() const {
        std::uint64_t t = 0;
        for (auto v : n_) t += v;
        return t;
    }
    // "bad-hmac=3 replay=1" (non-zero counters only; "none" if all are zero).
    std::string summary() const {
        std::string s;
        for (std::size_t i = 0; i < n_.size(); ++i) {
            if (!n_[i]) continue;
            if (!s.empty()) s += ' ';
            s += Name(static_cast<E>(i));
            s += '=';
            s += std::to_string(n_[i]);
        }
        return s.empty() ? "none" : s;
    }

private:
    std::array<std::uint64_t, static_cast<std::size_t>(E::Count)> n_{};
};

}  // namespace vpn
