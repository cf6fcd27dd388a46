#include "kernels/tanh_floats.hpp"

#include <algorithm>

namespace digitnet {

void tanh_floats(const float* x, float* out, std::size_t n) {
    // tanh x = x·P(x²)/Q(x²) on [-c, c]; below 4e-4 in size tanh x = x to float precision.
    constexpr float clamp = 7.90531110763549805f, tiny = 0.0004f;
    constexpr float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f, a5 = 1.48572235717979e-05f,
                    a7 = 5.12229709037114e-08f, a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f,
                    a13 = -2.76076847742355e-16f;
    constexpr float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f, b4 = 1.18534705686654e-04f,
                    b6 = 1.19825839466702e-06f;
    for (std::size_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float z = std::min(clamp, std::max(-clamp, v));
        const float z2 = z * z;
        float p = z2 * a13 + a11;
        p = p * z2 + a9;
        p = p * z2 + a7;
        p = p * z2 + a5;
        p = p * z2 + a3;
        p = p * z2 + a1;
        p = p * z;
        float q = z2 * b6 + b4;
        q = q * z2 + b2;
        q = q * z2 + b0;
        const float t = p / q;
        out[i] = (v < tiny && v > -tiny) ? v : t;
    }
}

}  // namespace digitnet
