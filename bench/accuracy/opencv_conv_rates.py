#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""What each convolution costs OpenCV DNN per MFLOP, from its own layer times inside networks.

Reads `kernelmeter-cli measure --json` of networks on an OpenCV DNN device (its "layers": the time
OpenCV's profiler gives each layer, the activations fused into a convolution counted in it), finds
every Conv node in the ONNX files, infers its output's shape and prints, per class (dense 1x1,
dense k x k, grouped, depthwise; kernel size, stride and output size), the median and the 10th-90th
percentiles of its microseconds per MFLOP. On the AMD VM of family 25 the dense convolutions cost
14-20 us per MFLOP whatever their shape, and the 3x3 depthwise ones with outputs of 14 x 14 or less
ten to twenty times more than those of 28 x 28 and more: why xnnpack-t1 -> opencv-t1 misses the
same networks on every draw (docs/history/2026-12-adapt.md, thirty-seventh part). With --per-network,
the dense and depthwise totals of each network.

Usage: /usr/bin/python3 bench/accuracy/opencv_conv_rates.py MEASURE.json [--per-network]
Needs Debian's python3-onnx (for the files' shapes only).
"""
import collections
import json
import os
import statistics
import sys

import onnx
from onnx import shape_inference


def conv_rows(path, layer_ms):
    """(class, kernel, stride, output size, MFLOPs, ms) of every Conv node with a layer time."""
    graph = shape_inference.infer_shapes(onnx.load(path)).graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
    weights = {w.name: list(w.dims) for w in graph.initializer}
    rows = []
    for node in graph.node:
        if node.op_type != 'Conv' or node.name not in layer_ms:
            continue
        w, x, y = weights.get(node.input[1]), shapes.get(node.input[0]), shapes.get(node.output[0])
        if not w or not x or not y or len(y) != 4:
            continue
        attrs = {a.name: a for a in node.attribute}
        groups = attrs['group'].i if 'group' in attrs else 1
        stride = attrs['strides'].ints[0] if 'strides' in attrs else 1
        cout, cin_per_group, kh, kw = w
        mflops = 2 * y[2] * y[3] * cout * cin_per_group * kh * kw / 1e6
        if groups > 1 and groups == x[1]:
            kind = 'depthwise'
        elif groups > 1:
            kind = 'grouped'
        else:
            kind = 'dense 1x1' if kh == 1 and kw == 1 else 'dense kxk'
        rows.append((kind, kh, stride, y[2], mflops, layer_ms[node.name]))
    return rows


def quantile(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))]


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().split('\n\n')[-1])
        return 2
    measured = json.load(open(sys.argv[1]))['models']
    per_class = collections.defaultdict(list)
    per_network = {}
    for m in measured:
        if not m.get('ok') or not m.get('layers'):
            continue
        layer_ms = {layer['node']: layer['ms'] for layer in m['layers']}
        totals = collections.defaultdict(lambda: [0.0, 0.0])
        for kind, k, stride, out, mflops, ms in conv_rows(m['file'], layer_ms):
            if mflops <= 0 or ms <= 0:
                continue
            per_class[(kind, k, stride, out)].append(1000 * ms / mflops)
            totals[kind][0] += ms
            totals[kind][1] += mflops
        per_network[os.path.basename(m['file'])] = totals
    print(f"{'class':12s} {'k':>3s} {'s':>2s} {'out':>4s} {'convs':>6s} {'us/MFLOP':>9s} {'p10-p90':>15s}")
    for (kind, k, stride, out), rates in sorted(per_class.items()):
        print(f"{kind:12s} {k:3d} {stride:2d} {out:4d} {len(rates):6d} {statistics.median(rates):9.1f} "
              f"{quantile(rates, 0.1):7.1f}-{quantile(rates, 0.9):.1f}")
    if '--per-network' in sys.argv:
        print()
        for name, totals in sorted(per_network.items()):
            print(f"{name[:28]:28s} " + "  ".join(f"{kind} {ms:.1f} ms {1000 * ms / mf:.1f} us/MFLOP"
                                                 for kind, (ms, mf) in sorted(totals.items()) if mf > 0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
