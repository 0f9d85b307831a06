#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A large ONNX graph for bench_gui's responsiveness check: BLOCKS residual blocks of
conv 3x3 -> relu -> conv 1x1 -> add, with a concat side branch every 10 blocks (about 4.3 nodes per
block; 250 blocks give about 1,050 nodes). Small tensors (8 channels, 16x16) keep the file small.

Usage: python3 bench/make_large_graph.py OUT.onnx [BLOCKS]   (Debian's python3-onnx, python3-numpy)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 250
    c = 8
    nodes, inits = [], []
    x = "input"
    rng = np.random.default_rng(1)

    def weight(name, shape):
        inits.append(numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.05, name))
        return name

    for b in range(blocks):
        a = f"b{b}_a"
        nodes.append(helper.make_node("Conv", [x, weight(f"w{b}a", (c, c, 3, 3))], [a], pads=[1, 1, 1, 1], name=f"block{b}/conv3x3"))
        r = f"b{b}_r"
        nodes.append(helper.make_node("Relu", [a], [r], name=f"block{b}/relu"))
        p = f"b{b}_p"
        nodes.append(helper.make_node("Conv", [r, weight(f"w{b}p", (c, c, 1, 1))], [p], name=f"block{b}/conv1x1"))
        y = f"b{b}_y"
        nodes.append(helper.make_node("Add", [x, p], [y], name=f"block{b}/add"))
        if b % 10 == 9:  # a side branch joined by concat and squeezed back to c channels
            cat = f"b{b}_cat"
            nodes.append(helper.make_node("Concat", [y, r], [cat], axis=1, name=f"block{b}/concat"))
            z = f"b{b}_z"
            nodes.append(helper.make_node("Conv", [cat, weight(f"w{b}z", (c, 2 * c, 1, 1))], [z], name=f"block{b}/squeeze"))
            y = z
        x = y
    graph = helper.make_graph(nodes, "large", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, c, 16, 16])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, c, 16, 16])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="kernelmeter-bench")
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(f"{out}: {len(nodes)} nodes")


if __name__ == "__main__":
    main()
