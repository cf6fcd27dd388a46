#pragma once
// A folder of labelled digit images, one subfolder per digit: DIR/0/, DIR/1/, ..., DIR/9/ (the
// layout torchvision's ImageFolder reads). Scans of a person's own handwriting, say, read as
// `digitnet predict` reads one image, so that a model can be measured on them
// (`digitnet eval MODEL --images DIR`).
#include <cstddef>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"

namespace digitnet {

struct ImageFolder {
    Dataset data;                    // (n, 784): each image made MNIST-like, its label its subfolder's digit
    std::vector<std::string> files;  // files[i]: the path example i came from
};

// At most this many images (each becomes 784 floats, 3 KB).
inline constexpr std::size_t kImageFolderMaxImages = 100'000;

// Reads every image below DIR/0 .. DIR/9 in name order: PNG, JPEG, BMP or PGM, each made
// MNIST-like by preprocess_digit (or only resized to 28x28 when raw, for white ink on black).
// Names starting with '.' are skipped and so are plain files beside the digit folders (a README,
// a list of writers). Throws digitnet::Error naming the path for a folder that does not exist,
// one without a digit subfolder, a subfolder named other than 0..9, anything in a digit folder
// that is not a regular image file (a folder, a FIFO, a text file, a corrupt or blank image),
// and for more than kImageFolderMaxImages images.
ImageFolder load_image_folder(const std::string& dir, bool raw = false);

}  // namespace digitnet
