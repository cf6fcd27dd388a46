#include "digitnet/init.hpp"

#include <cmath>

#include "digitnet/error.hpp"

namespace digitnet {

std::string to_string(Init init) {
    switch (init) {
        case Init::normal: return "normal";
        case Init::scaled_normal: return "scaled-normal";
        case Init::rashid: return "rashid";
        case Init::xavier: return "xavier";
        case Init::he: return "he";
    }
    return "?";
}

Init parse_init(std::string_view name, std::string_view option) {
    for (Init i : {Init::normal, Init::scaled_normal, Init::rashid, Init::xavier, Init::he})
        if (name == to_string(i)) return i;
    throw Error(std::string(option) + ": expected one of normal, scaled-normal, rashid, xavier, he; found '" +
                std::string(name) + "'");
}

double weight_std(Init init, std::size_t n_in, std::size_t n_out) {
    const double n_in_d = static_cast<double>(n_in), n_out_d = static_cast<double>(n_out);
    switch (init) {
        case Init::normal: return 1.0;                                  // σ = 1
        case Init::scaled_normal: return 1.0 / std::sqrt(n_in_d);       // σ = 1/√n_in
        case Init::rashid: return std::pow(n_out_d, -0.5);              // σ = n_out^-1/2
        case Init::xavier: return std::sqrt(2.0 / (n_in_d + n_out_d));  // σ = √(2/(n_in + n_out))
        case Init::he: return std::sqrt(2.0 / n_in_d);                  // σ = √(2/n_in)
    }
    return 1.0;
}

bool normal_biases(Init init) { return init == Init::normal || init == Init::scaled_normal; }

}  // namespace digitnet
