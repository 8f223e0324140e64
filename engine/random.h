// Seeded random numbers for initialization, dropout, shuffling and augmentation. Generator is
// xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64; its whole state is four
// integers, so checkpoints can save and restore it exactly. mix64() hashes a counter into
// independent numbers, which lets threads draw without sharing a generator.
#pragma once

#include <array>
#include <cstdint>

namespace budgetgrad {

// splitmix64's finalizer: a bijective mix of 64 bits. mix64(seed ^ i) gives stream element i.
uint64_t mix64(uint64_t x);

// Uniform double in [0, 1) from the top 53 bits of a 64-bit value.
inline double unit_double(uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

class Generator {
public:
    using State = std::array<uint64_t, 4>;

    explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
    void manual_seed(uint64_t seed);

    uint64_t next_u64();
    // Uniform in [0, 1).
    double uniform() { return unit_double(next_u64()); }
    // Uniform in [low, high).
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    // Uniform integer in [0, n), without modulo bias; n > 0.
    uint64_t below(uint64_t n);

    const State& state() const { return state_; }
    void set_state(const State& state) { state_ = state; }

private:
    State state_{};
};

// The generator modules draw their initial weights and dropout seeds from, like torch's global
// one; manual_seed() resets it.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace budgetgrad
