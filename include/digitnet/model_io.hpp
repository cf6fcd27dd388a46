#pragma once
// Model files in the safetensors format (8-byte header length, JSON header, raw little-endian
// float32 tensors), readable from Python and other tools. Tensors are named
// "layer.<l>.weights" (n_out, n_in) and "layer.<l>.biases" (n_out); the architecture,
// activations, encoding and training settings go in __metadata__ as JSON text.
// Loading is all or nothing: the file is validated completely before any network changes
// (docs/reliability.md, "Model files: what is checked").
#include <map>
#include <string>
#include <vector>

#include "digitnet/network.hpp"
#include "digitnet/safetensors.hpp"

namespace digitnet {

using Metadata = std::map<std::string, std::string>;

// Written atomically (temporary file, then rename). `extra` is added to the metadata.
void save_model(const std::string& path, const Network& network, const Metadata& extra = {});

// A new network from the file; `metadata`, when given, receives the file's metadata.
Network load_model(const std::string& path, Metadata* metadata = nullptr);

// Replaces `network`'s weights with the file's. The file's architecture must equal the
// network's (the error names both); on any error `network` is left exactly as it was.
void load_weights(Network& network, const std::string& path);

// The pieces, shared with checkpoints.
void append_network_tensors(const Network& network, const std::string& prefix, std::vector<Tensor>& tensors);
// Builds and fills a network of `architecture` from the tensors under `prefix`. The architecture's
// ranges (validate(Architecture)) and every tensor's presence and shape are checked first, and
// only then is the network built, so a small file cannot make it allocate a large network.
// `source` names the file in errors.
Network network_from_tensors(const Architecture& architecture, const SafetensorsFile& file,
                             const std::string& prefix, const std::string& source);

}  // namespace digitnet
