#pragma once
// MNIST-style preprocessing of a photo or scan of one handwritten digit, so that the
// network sees the user's digit the way MNIST digits were made (LeCun et al.): the ink
// is bright on black, its bounding box is scaled to fit 20x20 keeping the aspect ratio
// (anti-aliased), and the result is placed in a 28x28 field with its centre of mass at
// the centre.
#include <cstddef>
#include <string>
#include <vector>

#include "digitnet/image.hpp"

namespace digitnet {

inline constexpr std::size_t kDigitSide = 28;  // output field, kDigitSide x kDigitSide
inline constexpr std::size_t kInkBox = 20;     // the ink's bounding box fits kInkBox x kInkBox

struct PreprocessInfo {
    bool inverted = false;      // the ink was dark on light paper and was inverted
    float background = 0.0f;    // paper level in the file's values (0 black, 1 white)
    float threshold = 0.0f;     // contrast with the paper below this was treated as noise
    // The ink's bounding box in the input image.
    std::size_t box_x = 0, box_y = 0, box_width = 0, box_height = 0;
    double scale = 1.0;         // output pixels per input pixel: 20 / max(box_width, box_height)
    std::size_t scaled_width = 0, scaled_height = 0;  // the box after scaling (<= 20)
    // Where the scaled box's top-left corner lands in the 28x28 field. It is chosen to put
    // the centre of mass at (14, 14), moved only as far as needed to keep all ink inside.
    int offset_x = 0, offset_y = 0;
};

// 784 values in [0, 1], row-major 28x28, ink = 1 (max exactly 1), background = 0:
//  1. polarity: the paper level is the median of the image's border; ink is whichever
//     side of it (darker or lighter) holds more contrast; dark ink is inverted, v -> 1 - v;
//  2. contrast c = max(0, ink - paper); values below a noise threshold (a quarter of
//     max c, and at least 4 sigma of the border's noise) become 0;
//  3. crop to the bounding box of the remaining ink (ignoring isolated specks) and scale
//     it by 20 / max(w, h): area averaging when shrinking, bilinear when enlarging;
//  4. shift so the centre of mass sits at (14, 14) and divide by the maximum.
// Throws digitnet::Error "IMAGE: the image is blank (no ink found)" for an empty or
// uniform image, and for non-finite pixel values.
std::vector<float> preprocess_digit(const GrayImage& image, PreprocessInfo* info = nullptr);

// preprocess_digit is given pixels, not a file, so its messages start "IMAGE: "; this puts the
// file's path in its place ("digit.png: the image is blank ..."), and starts any other message
// (one from load_image, say) with the path unless it already does. The path is printed through
// escape_path: a name from a glob or a folder (scans/*.png) may hold control characters.
std::string about_image_file(const std::string& path, const std::string& message);

// The whole image resized to width x height without any other change (area averaging
// when shrinking, bilinear when enlarging), row-major, values as in the image.
std::vector<float> resize_to(const GrayImage& image, std::size_t width, std::size_t height);

}  // namespace digitnet
