#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Exports the real networks the predictors are evaluated on (docs/results.md) as ONNX, or with
--calibration the other set, the one the shipped xnnpack-t1 predictor is calibrated on.

torchvision architectures with random weights (weights=None: nothing is downloaded; latency does
not depend on the values), exported by torch.onnx as a user would, at 224x224 and batch 1. The two
sets share no architecture (nor with the twelve test fixtures), and no network of the evaluation
set is used to train or calibrate a predictor: kernel samples come from the nn-Meter prior.

Usage: /usr/bin/python3 bench/accuracy/export_networks.py [--calibration] OUT_DIR
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


# The calibration set (`kernelmeter-cli calibrate --models`): other depths, widths and sizes of the
# same kinds of architecture, never evaluated on.
CALIBRATION = {
    "resnet101": (lambda: tvm.resnet101(), 13),
    "wide_resnet50_2": (lambda: tvm.wide_resnet50_2(), 13),
    "densenet169": (lambda: tvm.densenet169(), 13),
    "mnasnet0_75": (lambda: tvm.mnasnet0_75(), 13),
    "mnasnet1_3": (lambda: tvm.mnasnet1_3(), 13),
    "shufflenet_v2_x1_5": (lambda: tvm.shufflenet_v2_x1_5(), 13),
    "regnet_x_800mf": (lambda: tvm.regnet_x_800mf(), 13),
    "regnet_y_1_6gf": (lambda: tvm.regnet_y_1_6gf(), 13),
    "efficientnet_b2": (lambda: tvm.efficientnet_b2(), 13),
    "mobilenet_v3_small_075": (lambda: tvm.mobilenet_v3_small(width_mult=0.75), 13),
    "mobilenet_v2_140": (lambda: tvm.mobilenet_v2(width_mult=1.4), 13),
}


def main():
    args = [a for a in sys.argv[1:] if a != "--calibration"]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    networks = CALIBRATION if "--calibration" in sys.argv else NETWORKS
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, opset) in networks.items():
        path = os.path.join(out, name + ".onnx")
        if os.path.exists(path):
            continue
        model = make().eval()
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=False)
        print(path)


if __name__ == "__main__":
    main()
