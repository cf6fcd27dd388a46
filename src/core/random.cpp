#include "digitnet/random.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <sstream>

#include "digitnet/error.hpp"

namespace digitnet {

static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : s_) word = splitmix64(x);
}

std::uint64_t Rng::next_u64() {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
    // Rejection: draw until the value falls below the largest multiple of n.
    const std::uint64_t limit = (~std::uint64_t{0}) - ((~std::uint64_t{0}) % n + 1) % n;
    std::uint64_t r;
    do r = next_u64();
    while (r > limit);
    return r % n;
}

double Rng::normal() {
    if (has_cached_normal_) {
        has_cached_normal_ = false;
        return cached_normal_;
    }
    // Box-Muller: two uniforms give two independent normals.
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    cached_normal_ = radius * std::sin(angle);
    has_cached_normal_ = true;
    return radius * std::cos(angle);
}

Rng::State Rng::state() const { return State{s_, cached_normal_, has_cached_normal_}; }

void Rng::set_state(const State& state) {
    s_ = state.s;
    cached_normal_ = state.cached_normal;
    has_cached_normal_ = state.has_cached_normal;
}

std::string Rng::state_string() const {
    char buf[200];
    std::uint64_t cached_bits;
    std::memcpy(&cached_bits, &cached_normal_, sizeof cached_bits);
    std::snprintf(buf, sizeof buf, "%016llx %016llx %016llx %016llx %016llx %d",
                  static_cast<unsigned long long>(s_[0]), static_cast<unsigned long long>(s_[1]),
                  static_cast<unsigned long long>(s_[2]), static_cast<unsigned long long>(s_[3]),
                  static_cast<unsigned long long>(cached_bits), has_cached_normal_ ? 1 : 0);
    return buf;
}

void Rng::set_state_string(const std::string& text) {
    // Exactly what state_string() writes: five words of 16 hex digits and 0 or 1, one space
    // between each; nothing before or after.
    auto bad = [&](const std::string& why) {
        const std::string shown = text.size() > 100 ? text.substr(0, 97) + "..." : text;
        return Error("random generator state: expected 5 words of 16 hex digits and 0/1, found '" + shown + "' (" +
                     why + ")");
    };
    constexpr std::size_t kLength = 5 * 17 + 1;
    if (text.size() != kLength) throw bad(std::to_string(text.size()) + " characters, expected " + std::to_string(kLength));
    std::uint64_t words[5] = {};
    for (std::size_t w = 0; w < 5; ++w) {
        for (std::size_t i = 0; i < 16; ++i) {
            const char c = text[w * 17 + i];
            const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (digit < 0) throw bad("not a hex digit");
            words[w] = words[w] << 4 | static_cast<std::uint64_t>(digit);
        }
        if (text[w * 17 + 16] != ' ') throw bad("words should be separated by one space");
    }
    const char has = text.back();
    if (has != '0' && has != '1') throw bad("the last field should be 0 or 1");
    State st;
    for (std::size_t i = 0; i < 4; ++i) st.s[i] = words[i];
    if ((st.s[0] | st.s[1] | st.s[2] | st.s[3]) == 0) throw bad("an all-zero state never changes");
    std::memcpy(&st.cached_normal, &words[4], sizeof words[4]);
    st.has_cached_normal = has == '1';
    if (st.has_cached_normal && !std::isfinite(st.cached_normal)) throw bad("the cached normal is not finite");
    set_state(st);
}

}  // namespace digitnet
