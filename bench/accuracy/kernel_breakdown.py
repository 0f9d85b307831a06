#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Where a network's prediction goes wrong: each kernel measured on its own (docs/results.md).

`extract` cuts every kernel of a network (as `kernelmeter-cli kernels --json` partitions it for
the device) out of the ONNX file as a model of its own, named NET_kID_TYPE.onnx. Measure and
predict those files with the CLI, then `compare` prints per kernel type the predicted and
measured sums and their ratio: a type whose ratio is far from 1 is the regressor's error (or a
difference between the sampled kernel models and the network's kernels), not the network's.
Each extracted model pays the per-model overhead once; compare subtracts the predictor's
overhead from the measured time so that the kernel sums are like for like.

Usage:
  python3 bench/accuracy/kernel_breakdown.py extract CLI DEVICE NETWORK.onnx OUTDIR [TYPE,TYPE...]
  kernelmeter-cli measure OUTDIR/*.onnx --device DEVICE --json > measured.json
  kernelmeter-cli predict OUTDIR/*.onnx --device DEVICE --json > predicted.json
  python3 bench/accuracy/kernel_breakdown.py compare predicted.json measured.json [-v]

Needs Debian's python3-onnx (a development tool; the product does not use Python).
"""
import collections
import json
import os
import subprocess
import sys


def extract(cli, device, network, outdir, types):
    import onnx
    from onnx import shape_inference, utils

    kernels = json.loads(subprocess.check_output([cli, "kernels", network, "--device", device, "--json"]))["kernels"]
    model = shape_inference.infer_shapes(onnx.load(network))
    # Outputs of Constant nodes and of Identity nodes on weights (torch exports shared or folded
    # biases so) are weights too: the extractor pulls those nodes in.
    initializers = {i.name for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" or (n.op_type == "Identity" and all(i in initializers for i in n.input)):
            initializers.update(n.output)
    by_name = {n.name: n for n in model.graph.node}
    extractor = utils.Extractor(model)
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(network))[0]
    written = 0
    for k in kernels:
        if types and k["type"] not in types:
            continue
        nodes = [by_name.get(n) for n in k["nodes"]]
        if any(n is None for n in nodes):  # a node the loader merged from several: not cut out
            print(f"skipped kernel {k['id']} ({k['type']}): its nodes are not all in the file", file=sys.stderr)
            continue
        produced = {o for n in nodes for o in n.output}
        inputs = []
        for n in nodes:
            for name in n.input:
                if name and name not in produced and name not in initializers and name not in inputs:
                    inputs.append(name)
        try:
            sub = extractor.extract_model(inputs, [nodes[-1].output[0]])
        except Exception as e:  # noqa: BLE001 - report and go on with the other kernels
            print(f"skipped kernel {k['id']} ({k['type']}): {e}", file=sys.stderr)
            continue
        # Python's shape inference loses shapes behind Slice and computed Reshape targets (ShuffleNet's
        # channel split); the CLI's partition knows them: give each input without a shape the
        # kernel's input shape of the same position.
        shapes = k.get("input_shapes", [])
        if len(shapes) == len(inputs):
            for vi in sub.graph.input:
                if vi.name in inputs and not vi.type.tensor_type.shape.dim:
                    for d in shapes[inputs.index(vi.name)]:
                        vi.type.tensor_type.shape.dim.add().dim_value = d
        onnx.save(sub, os.path.join(outdir, f"{stem}_k{k['id']:03d}_{k['type']}.onnx"))
        written += 1
    print(f"{written} of {len(kernels)} kernels written to {outdir}", file=sys.stderr)


def compare(predicted_path, measured_path, verbose):
    predicted = json.load(open(predicted_path))
    overhead = 0.0
    measured = {}
    for m in json.load(open(measured_path))["models"]:
        if m.get("ok"):
            measured[os.path.basename(m["file"])] = m["stats"]["median_ms"]
    by_type = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for m in predicted["models"]:
        name = os.path.basename(m["file"])
        if name not in measured or "kernels" not in m:
            continue
        overhead = m["overhead_ms"]
        kernel_ms = sum(k["predicted_ms"] for k in m["kernels"])
        kernel_measured = measured[name] - overhead
        key = "+".join(k["type"] for k in m["kernels"])
        t = by_type[key]
        t[0] += kernel_ms
        t[1] += kernel_measured
        t[2] += 1
        if verbose:
            print(f"{name:<48} predicted {kernel_ms:9.4f}  measured {kernel_measured:9.4f}  ratio {kernel_ms / kernel_measured:6.2f}")
    print(f"{'kernel type':<32} {'kernels':>7} {'predicted ms':>13} {'measured ms':>12} {'ratio':>6}")
    for key, (p, q, n) in sorted(by_type.items(), key=lambda kv: -kv[1][1]):
        print(f"{key:<32} {n:>7} {p:>13.3f} {q:>12.3f} {p / q if q > 0 else float('nan'):>6.2f}")
    print(f"(measured times less the predictor's per-model overhead, {overhead:.4f} ms)")


def main(argv):
    if len(argv) >= 6 and argv[1] == "extract":
        extract(argv[2], argv[3], argv[4], argv[5], set(argv[6].split(",")) if len(argv) > 6 else set())
    elif len(argv) >= 4 and argv[1] == "compare":
        compare(argv[2], argv[3], "-v" in argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
