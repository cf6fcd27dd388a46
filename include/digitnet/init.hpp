#pragma once
// Weight initialisations, drawn from the generator passed in (formulas in init.cpp):
//   scheme          weights w ~ N(0, σ²)               biases
//   normal          σ = 1                              b ~ N(0, 1)  (Nielsen ch. 1)
//   scaled-normal   σ = 1/√n_in                        b ~ N(0, 1)  (Nielsen ch. 3)
//   rashid          σ = n_out^-1/2                     b = 0        (Rashid: pow(this_nodes, -0.5))
//   xavier          σ = √(2/(n_in + n_out))            b = 0        (Glorot)
//   he              σ = √(2/n_in)                      b = 0        (for ReLU)
// DenseLayer::initialize_weights and initialize_biases (layer.cpp) draw them; Network::initialize
// calls those for every layer, biases first.
#include <cstddef>
#include <string>
#include <string_view>

namespace digitnet {

enum class Init { normal, scaled_normal, rashid, xavier, he };

std::string to_string(Init init);
Init parse_init(std::string_view name, std::string_view option = "--init");

// σ of the normal distribution a layer's weights are drawn from (the table above).
double weight_std(Init init, std::size_t n_in, std::size_t n_out);
// Whether the scheme draws biases from N(0, 1) (Nielsen's two) rather than starting them at 0.
bool normal_biases(Init init);

}  // namespace digitnet
