#pragma once
// e^x over an array, 16 at a time, giving exactly what std::exp(float) gives one at a time.
// Internal to the library (the softmax uses it).
#include <cstddef>

namespace digitnet {

// out[i] = std::exp(x[i]) bit for bit (out may be x). With AVX-512, values in [-103, 88] take
// glibc's own expf algorithm (since glibc 2.28: the same table, polynomial and rounding steps,
// 16 lanes at a time); everything else, and every value without AVX-512, calls std::exp.
void exp_floats(const float* x, float* out, std::size_t n);

}  // namespace digitnet
