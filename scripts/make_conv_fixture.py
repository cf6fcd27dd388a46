#!/usr/bin/env python3
"""Writes tests/fixtures/conv_torch.json: PyTorch's forward and backward of a few convolutions and
poolings on fixed random weights and inputs, which tests/nn/test_conv_torch.cpp compares digitnet with.
Run once with Debian's python3-torch (/usr/bin/python3 scripts/make_conv_fixture.py); the file is
committed, so the test needs no PyTorch.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(2026)
cases = []
# (channels, rows, cols, filters, kh, kw, stride, padding (top, bottom, left, right))
for c, h, w, f, kh, kw, s, pad in [(1, 6, 6, 2, 3, 3, 1, (0, 0, 0, 0)), (2, 7, 6, 3, 3, 3, 2, (1, 1, 0, 1)),
                                     (3, 5, 5, 4, 5, 5, 1, (2, 2, 2, 2)), (2, 8, 8, 2, 2, 3, 2, (0, 0, 0, 0))]:
    x = torch.randn(2, c, h, w, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(f, c, kh, kw, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(f, dtype=torch.float64, requires_grad=True)
    top, bottom, left, right = pad
    z = F.conv2d(F.pad(x, (left, right, top, bottom)), weight, bias, stride=s)
    grad_z = torch.randn_like(z)
    z.backward(grad_z)
    cases.append({"kind": "conv", "input": [c, h, w], "filters": f, "kernel": [kh, kw], "stride": s,
                  "same": pad != (0, 0, 0, 0), "x": x.flatten().tolist(), "weight": weight.flatten().tolist(),
                  "bias": bias.tolist(), "z": z.flatten().tolist(), "grad_z": grad_z.flatten().tolist(),
                  "grad_x": x.grad.flatten().tolist(), "grad_weight": weight.grad.flatten().tolist(),
                  "grad_bias": bias.grad.tolist()})
for kind, window, stride in [("maxpool", 2, 2), ("avgpool", 2, 2), ("maxpool", 3, 1)]:
    x = torch.randn(2, 2, 6, 6, dtype=torch.float64, requires_grad=True)
    a = (F.max_pool2d if kind == "maxpool" else F.avg_pool2d)(x, window, stride)
    grad_a = torch.randn_like(a)
    a.backward(grad_a)
    cases.append({"kind": kind, "input": [2, 6, 6], "window": window, "stride": stride, "x": x.flatten().tolist(),
                  "a": a.flatten().tolist(), "grad_a": grad_a.flatten().tolist(), "grad_x": x.grad.flatten().tolist()})
with open("tests/fixtures/conv_torch.json", "w") as out:
    json.dump({"made_by": "scripts/make_conv_fixture.py, torch " + torch.__version__, "cases": cases}, out)
