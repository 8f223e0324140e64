#include "engine/random.h"

#include "engine/check.h"

namespace budgetgrad {

uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void Generator::manual_seed(uint64_t seed) {
    // Consecutive splitmix64 outputs never give the all-zero state xoshiro must avoid.
    for (int i = 0; i < 4; ++i)
        state_[i] = mix64(seed + 0x9e3779b97f4a7c15ULL * i);
}

uint64_t Generator::next_u64() {
    auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

uint64_t Generator::below(uint64_t n) {
    BG_CHECK(n > 0, "Generator::below: expected n > 0, got 0");
    // Rejection sampling: drop the top partial block so every residue is equally likely.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = next_u64();
    } while (x >= limit);
    return x % n;
}

Generator& default_generator() {
    static Generator generator(0);
    return generator;
}

void manual_seed(uint64_t seed) {
    default_generator().manual_seed(seed);
}

}  // namespace budgetgrad
