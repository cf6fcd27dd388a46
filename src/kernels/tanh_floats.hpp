#pragma once
// tanh over an array, as a rational function the compiler vectorises (Eigen's fast tanh: odd
// degree-13 numerator over even degree-6 denominator, fitted on [-7.9, 7.9], where tanh is ±1 to
// float precision beyond). Within a few units in the last place of std::tanh, not bit for bit, so
// only a convolutional network's activation layers use it (an MLP keeps std::tanh, and its numbers).
#include <cstddef>

namespace digitnet {

// out[i] ≈ tanh(x[i]) (out may be x).
void tanh_floats(const float* x, float* out, std::size_t n);

}  // namespace digitnet
