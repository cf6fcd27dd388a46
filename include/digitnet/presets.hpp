#pragma once
// Named training set-ups that reproduce the books' networks (and digitnet's own best).
#include <string>
#include <vector>

#include "digitnet/train.hpp"

namespace digitnet {

struct Preset {
    std::string name;
    std::string description;
    TrainConfig config;
    // How many of the training images are held out as the validation split (load_data's
    // DataOptions::validation_size). 0 = learn from the whole training set: the chapter-1
    // networks (nielsen, rashid) never look at a validation set, so they learn from all 60,000.
    std::size_t validation_size = 10000;
};

// Every preset, in the order `digitnet train --help` lists them.
const std::vector<Preset>& presets();
// The preset called `name`; throws Error listing the known names.
const Preset& find_preset(const std::string& name);

}  // namespace digitnet
