#pragma once
// Weight initialisations, drawn from the generator passed in.
//   normal          w, b ~ N(0, 1)                    (Nielsen ch. 1)
//   scaled-normal   w ~ N(0, 1/n_in), b ~ N(0, 1)     (Nielsen ch. 3)
//   rashid          w ~ N(0, σ = n_out^-1/2), b = 0   (Rashid: pow(this_nodes, -0.5))
//   xavier          w ~ N(0, 2/(n_in + n_out)), b = 0 (Glorot)
//   he              w ~ N(0, 2/n_in), b = 0           (for ReLU)
#include <string>
#include <string_view>

namespace digitnet {

enum class Init { normal, scaled_normal, rashid, xavier, he };

std::string to_string(Init init);
Init parse_init(std::string_view name, std::string_view option = "--init");

}  // namespace digitnet
