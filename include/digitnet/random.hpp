#pragma once
// The random generator: xoshiro256** (Blackman & Vigna) seeded through splitmix64, with
// uniform, normal and shuffle written here rather than taken from <random>, whose
// distributions give different numbers under different standard libraries. The same seed
// gives the same stream on every machine. No global generator: it is passed in.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace digitnet {

class Rng {
public:
    explicit Rng(std::uint64_t seed = 1);

    std::uint64_t next_u64();
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n), without modulo bias. n must be > 0.
    std::uint64_t below(std::uint64_t n);
    // Standard normal N(0, 1) by the Box-Muller transform.
    double normal();
    double normal(double mean, double stddev) { return mean + stddev * normal(); }

    // Fisher-Yates: every permutation equally likely, each element kept exactly once.
    template <typename T>
    void shuffle(std::span<T> items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            std::size_t j = static_cast<std::size_t>(below(i));
            std::swap(items[i - 1], items[j]);
        }
    }
    template <typename T>
    void shuffle(std::vector<T>& items) { shuffle(std::span<T>(items)); }

    // The whole state, for checkpoints: four words, the cached normal, and whether it is valid.
    struct State {
        std::array<std::uint64_t, 4> s{};
        double cached_normal = 0.0;
        bool has_cached_normal = false;
        bool operator==(const State&) const = default;
    };
    State state() const;
    void set_state(const State& state);
    // Text form "s0 s1 s2 s3 cached has_cached" (hex words) for metadata.
    std::string state_string() const;
    // Throws digitnet::Error on a malformed string.
    void set_state_string(const std::string& text);

private:
    std::array<std::uint64_t, 4> s_{};
    double cached_normal_ = 0.0;
    bool has_cached_normal_ = false;
};

}  // namespace digitnet
