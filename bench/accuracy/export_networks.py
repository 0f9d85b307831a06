#!/usr/bin/python3
"""Exports the real networks the predictors are evaluated on (docs/results.md) as ONNX.

torchvision architectures with random weights (weights=None: nothing is downloaded; latency does
not depend on the values), exported by torch.onnx as a user would, at 224x224 and batch 1. None of
them is used to train or calibrate a predictor: kernel samples come from the nn-Meter prior and
calibration uses generated networks (core/sampling/calibration_models.h).

Usage: /usr/bin/python3 bench/accuracy/export_networks.py OUT_DIR
Needs Debian's python3-torch, python3-torchvision and python3-onnx (bench only, never at run time).
"""
import os
import sys

import torch
import torchvision.models as tvm

# name -> (constructor, opset). The evaluation also uses the twelve networks of the test fixtures
# (tests/data/generate_fixtures.py, in <build>/fixtures/real); these are the others.
NETWORKS = {
    "resnet34": (lambda: tvm.resnet34(), 13),
    "resnext50_32x4d": (lambda: tvm.resnext50_32x4d(), 13),
    "mobilenet_v3_large_075": (lambda: tvm.mobilenet_v3_large(width_mult=0.75), 13),
    "mnasnet0_5": (lambda: tvm.mnasnet0_5(), 13),
    "shufflenet_v2_x0_5": (lambda: tvm.shufflenet_v2_x0_5(), 13),
    "squeezenet1_0": (lambda: tvm.squeezenet1_0(), 13),
    "regnet_x_400mf": (lambda: tvm.regnet_x_400mf(), 13),
    "regnet_y_800mf": (lambda: tvm.regnet_y_800mf(), 13),
    "efficientnet_b1": (lambda: tvm.efficientnet_b1(), 13),
    "alexnet": (lambda: tvm.alexnet(), 13),
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, opset) in NETWORKS.items():
        path = os.path.join(out, name + ".onnx")
        if os.path.exists(path):
            continue
        model = make().eval()
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=False)
        print(path)


if __name__ == "__main__":
    main()
