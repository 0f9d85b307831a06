#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How a runtime's second thread (or more) acts on whole networks, given their own times at fewer threads.

Fits, on the networks themselves (in-sample, and each left out), their time at more threads from
their measured time at fewer, split by kernel family in the shares of a predictor's kernel times:
  - one scale, the copies (data movement) apart, and a cost per kernel (what adapt fits for a
    target timed at other threads than its kernels), and
  - one scale per family (dense and grouped convolutions apart), with a cost per kernel,
by relative least squares (scales at least 0), and prints the share within 10% and the RMSPE of
each, with the family scales. On the Intel VM XNNPACK's networks needed the family scales and
OpenCV's did not (docs/history/2026-12-adapt.md, thirteenth part).

Usage: /usr/bin/python3 bench/accuracy/threads_effect.py PREDICT.json FEWER.json MORE.json
  PREDICT.json  kernelmeter-cli predict --json of the networks (the shares per family)
  FEWER.json    kernelmeter-cli measure --json of them on the device with fewer threads (xnnpack-t1)
  MORE.json     the same on the device with more threads (xnnpack-t2); both taken at the reference
                speed (as scaling_ceiling.py --normalized), matched by file name
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import measured_times  # noqa: E402
from scaling_ceiling import family_of, relative_fit, scores  # noqa: E402

FAMILIES = ["conv", "gconv", "dwconv", "fc", "pool", "elementwise", "data"]


def family(kernel_type):
    return "gconv" if kernel_type.split("-")[0] == "gconv" else family_of(kernel_type)


def report(label, x, y):
    b = relative_fit(x, y)
    loo = np.array([x[i] @ relative_fit(np.delete(x, i, 0), np.delete(y, i)) for i in range(len(y))])
    _, w10, rmspe = scores(x @ b, y)
    _, l10, lrmspe = scores(loo, y)
    print(f"{label}: in-sample within 10% {100 * w10:5.1f}%, RMSPE {100 * rmspe:.1f}%; "
          f"each left out {100 * l10:5.1f}%, {100 * lrmspe:.1f}%")
    return b


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    prediction = json.load(open(argv[1]))
    reference_ms = prediction.get("reference_ms") or 0
    fewer = measured_times([argv[2]], True, reference_ms)
    more = measured_times([argv[3]], True, reference_ms)
    rows, kernels, y = [], [], []
    for m in prediction["models"]:
        name = os.path.basename(m["file"])
        if name not in fewer or name not in more or not m["total_ms"] > 0:
            continue
        share = dict.fromkeys(FAMILIES, 0.0)
        for k in m["kernels"]:
            share[family(k["type"])] += k["predicted_ms"] / m["total_ms"]
        rows.append([fewer[name] * share[f] for f in FAMILIES])
        kernels.append(len(m["kernels"]))
        y.append(more[name])
    if len(y) < len(FAMILIES) + 2:
        sys.exit(f"threads_effect.py: {len(y)} networks are predicted and measured on both; at least {len(FAMILIES) + 2} are needed")
    x, kernels, y = np.array(rows), np.array(kernels, dtype=float), np.array(y)
    data = FAMILIES.index("data")
    rest = np.delete(x, data, axis=1).sum(axis=1)
    print(f"{len(y)} networks; their time at more threads over fewer: {np.min(y / x.sum(axis=1)):.2f}-{np.max(y / x.sum(axis=1)):.2f}")
    b = report("one scale, copies apart, per kernel", np.column_stack([rest, x[:, data], kernels]), y)
    print(f"  scale {b[0]:.3f}, copies {b[1]:.3f}, {1000 * b[2]:.1f} us per kernel")
    used = x.sum(axis=0) > 0
    b = report("a scale per family, per kernel", np.column_stack([x[:, used], kernels]), y)
    print("  " + ", ".join(f"{f} {v:.3f}" for f, v in zip([f for f, u in zip(FAMILIES, used) if u], b)) + f", {1000 * b[-1]:.1f} us per kernel")


if __name__ == "__main__":
    main(sys.argv)
