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
    std::istringstream in(text);
    State st;
    std::uint64_t cached_bits = 0;
    int has = 0;
    in >> std::hex >> st.s[0] >> st.s[1] >> st.s[2] >> st.s[3] >> cached_bits >> std::dec >> has;
    if (!in || (has != 0 && has != 1) || (st.s[0] | st.s[1] | st.s[2] | st.s[3]) == 0)
        throw Error("random generator state: expected 5 hex words and 0/1, found '" + text + "'");
    std::memcpy(&st.cached_normal, &cached_bits, sizeof cached_bits);
    st.has_cached_normal = has == 1;
    set_state(st);
}

}  // namespace digitnet
