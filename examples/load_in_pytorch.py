#!/usr/bin/env python3
"""Load a digitnet --net model into torch.nn.Sequential and measure its MNIST test accuracy.

    /usr/bin/python3 examples/load_in_pytorch.py MODEL.safetensors [DATA_DIR]

DATA_DIR holds MNIST's t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (default data/mnist).
A digitnet model file is a safetensors file whose tensors are named as a torch.nn.Sequential's
state_dict ("0.weight", "0.bias", "3.running_var", ...): the number is the layer's place in the
--net text, the shapes are PyTorch's (a convolution's weights are (out, in, kh, kw)). Its metadata
"architecture" holds the --net text and the input encoding. Needs only numpy and torch (Debian's
python3-numpy and python3-torch); the safetensors header is read by hand.
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{name}: expected F32, found {info['dtype']}"
        begin, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype="<f4").copy()).reshape(info["shape"])
    return tensors, metadata


def same_padding(size, kernel, stride):
    """digitnet's `same`: out = ceil(in / s), padding split with the odd one at the bottom or right."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def build(net, channels, rows, cols):
    """The --net words as torch modules; `places[i]` is the module of digitnet layer i (for its tensors)."""
    modules, places = [], {}
    image = True
    for i, word in enumerate(net.split()):
        name, *options = word.split(":")
        stride = next((int(o[6:]) for o in options if o.startswith("stride")), None)
        if name.startswith("conv"):
            kh, kw, filters = (int(v) for v in name[4:].split("x"))
            stride = stride or 1
            if "same" in options:
                top, bottom = same_padding(rows, kh, stride)
                left, right = same_padding(cols, kw, stride)
                modules.append(nn.ZeroPad2d((left, right, top, bottom)))
                rows, cols = rows + top + bottom, cols + left + right
            module = nn.Conv2d(channels, filters, (kh, kw), stride=stride)
            rows, cols, channels = (rows - kh) // stride + 1, (cols - kw) // stride + 1, filters
        elif name.startswith("maxpool") or name.startswith("avgpool"):
            k = int(name[7:])
            stride = stride or k
            module = (nn.MaxPool2d if name.startswith("max") else nn.AvgPool2d)(k, stride)
            rows, cols = (rows - k) // stride + 1, (cols - k) // stride + 1
        elif name == "flatten":
            module, image = nn.Flatten(), False
            channels, rows, cols = channels * rows * cols, 1, 1
        elif name.startswith("dense"):
            units = int(name[5:])
            module = nn.Linear(channels, units)
            channels = units
        elif name.startswith("dropout"):
            module = nn.Dropout(float(name[7:]))
        elif name == "batchnorm":
            module = nn.BatchNorm2d(channels) if image else nn.BatchNorm1d(channels)
        else:
            module = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}.get(name)
            module = module() if module else nn.Softmax(dim=1)
        modules.append(module)
        places[i] = module
    return nn.Sequential(*modules), places


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    tensors, metadata = read_safetensors(sys.argv[1])
    architecture = json.loads(metadata["architecture"])
    if "net" not in architecture:
        sys.exit(f"{sys.argv[1]}: not a --net model (an MLP: its tensors are layer.<l>.weights)")
    channels, rows, cols = architecture["input"]
    model, places = build(architecture["net"], channels, rows, cols)
    with torch.no_grad():
        for name, value in tensors.items():
            index, field = name.split(".", 1)
            module = places[int(index)]
            # digitnet stores a convolution's weights as PyTorch does; a dense layer's too.
            getattr(module, field).copy_(value.reshape(getattr(module, field).shape))
        for i, module in places.items():
            if isinstance(module, (nn.Conv2d, nn.Linear)) and f"{i}.bias" not in tensors:
                module.bias.zero_()  # before batch normalisation digitnet's layers have none
    model.eval()

    data_dir = sys.argv[2] if len(sys.argv) == 3 else "data/mnist"
    images = read_idx(f"{data_dir}/t10k-images-idx3-ubyte").astype(np.float32) / 255.0
    labels = read_idx(f"{data_dir}/t10k-labels-idx1-ubyte")
    low = architecture["encoding"]["input_low"]
    x = torch.from_numpy(low + (1.0 - low) * images).reshape(-1, channels, rows, cols)
    with torch.no_grad():
        predicted = torch.cat([model(x[i:i + 1000]).argmax(dim=1) for i in range(0, len(x), 1000)])
    correct = int((predicted.numpy() == labels).sum())
    print(f"accuracy: {100.0 * correct / len(labels):.2f}% ({correct}/{len(labels)})")


if __name__ == "__main__":
    main()
