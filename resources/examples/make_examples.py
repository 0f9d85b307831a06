#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Rebuilds the bundled example models in this folder (run by hand; the result is committed).

Usage: resources/examples/make_examples.py

mobilenet_v3_small.onnx: torchvision's MobileNetV3-Small architecture exported by torch.onnx
(opset 13, batch 1, 224x224). Its weights are not trained: every parameter tensor is filled by
tiling one fixed block of 1024 random values scaled to the tensor's default initialisation, so the
file compresses well in git while values stay in a normal numeric range (no denormals). Latency
and every number KernelMeter computes depend on the architecture, not on the weight values.
Needs Debian's python3-torch and python3-torchvision; nothing is downloaded.
"""
import os

import torch
import torchvision.models as tvm

HERE = os.path.dirname(os.path.abspath(__file__))


def tile_weights(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    block = torch.randn(1024, generator=g)
    with torch.no_grad():
        for p in model.parameters():
            std = float(p.std()) if p.numel() > 1 else 0.0
            mean = float(p.mean())
            n = p.numel()
            reps = (n + block.numel() - 1) // block.numel()
            p.copy_((block.repeat(reps)[:n] * std + mean).reshape(p.shape))


def main():
    torch.manual_seed(0)
    model = tvm.mobilenet_v3_small().eval()
    tile_weights(model)
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), os.path.join(HERE, "mobilenet_v3_small.onnx"),
                      opset_version=13, input_names=["input"], output_names=["logits"])


if __name__ == "__main__":
    main()
