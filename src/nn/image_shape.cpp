#include "digitnet/image_shape.hpp"

namespace digitnet {

std::string ImageShape::describe() const {
    return std::to_string(channels) + "×" + std::to_string(rows) + "×" + std::to_string(cols);
}

}  // namespace digitnet
