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
};

// Every preset, in the order `digitnet train --help` lists them.
const std::vector<Preset>& presets();
// The preset called `name`; throws Error listing the known names.
const Preset& find_preset(const std::string& name);

}  // namespace digitnet
