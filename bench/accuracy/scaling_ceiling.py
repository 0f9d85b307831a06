#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How far any scaling of a predictor's kernel times can carry on a set of measured networks.

Fits, on the evaluation networks themselves (in-sample: a ceiling, not a prediction), the measured
time of each network as
  - one scale x the predicted time, and
  - one scale per kernel family x the predicted time of that family's kernels (convolution,
    depthwise, fully connected, pooling, element-wise, data movement),
  - the same with a cost per kernel and one per network (adapt's other terms),
by relative least squares (what +-10% counts; scales at least 0), and prints the share within 5% and 10%, the RMSPE,
and the family scales; also the family fit's leave-one-out scores. An adaptation that scales the
source's times by group cannot do better on these networks than its family scales fitted on them
(with its 10 networks it does worse): docs/adapt.md, Limits.

Usage: /usr/bin/python3 bench/accuracy/scaling_ceiling.py [--normalized] PREDICT.json MEASURE.json [MEASURE.json ...]
  PREDICT.json  kernelmeter-cli predict --json of the networks (any predictor: the source or an adapted one)
  MEASURE.json  kernelmeter-cli measure --json of the same files on the target (matched by file name)
  --normalized  the times at one machine speed (the reference workload's ratio in the same rounds times
                the predictor's reference time, as bench/accuracy/compare.py takes them) instead of the
                medians in milliseconds
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import measured_times  # noqa: E402

FAMILIES = ["conv", "dwconv", "fc", "pool", "elementwise", "data"]


def family_of(kernel_type):
    first = kernel_type.split("-")[0]
    if first in ("conv", "gconv"):
        return "conv"
    if first == "dwconv":
        return "dwconv"
    if first == "fc":
        return "fc"
    if first in ("maxpool", "avgpool", "gap"):
        return "pool"
    if first in ("concat", "split", "channelshuffle", "flatten", "reshape", "pad", "transpose", "slice"):
        return "data"
    return "elementwise"


def relative_fit(x, y):
    """Relative least squares with every scale at least 0 (a negative one is fixed at 0, as adapt does)."""
    w = 1 / y
    free = np.ones(x.shape[1], dtype=bool)
    while True:
        b = np.zeros(x.shape[1])
        b[free] = np.linalg.lstsq(x[:, free] * w[:, None], np.ones(len(y)), rcond=None)[0]
        if (b >= 0).all():
            return b
        free[np.argmin(b)] = False


def scores(pred, y):
    e = pred / y - 1
    return np.mean(np.abs(e) <= 0.05), np.mean(np.abs(e) <= 0.10), np.sqrt(np.mean(e * e))


def main(argv):
    normalized = "--normalized" in argv
    argv = [a for a in argv if a != "--normalized"]
    if len(argv) < 3:
        sys.exit(__doc__)
    prediction = json.load(open(argv[1]))
    measured = measured_times(argv[2:], normalized, prediction.get("reference_ms") or 0)
    names, rows, totals, kernels, y = [], [], [], [], []
    for m in prediction["models"]:
        name = os.path.basename(m["file"])
        if name not in measured:
            continue
        per_family = dict.fromkeys(FAMILIES, 0.0)
        for k in m["kernels"]:
            per_family[family_of(k["type"])] += k["predicted_ms"]
        names.append(name)
        rows.append([per_family[f] for f in FAMILIES])
        totals.append(m["total_ms"])
        kernels.append(len(m["kernels"]))
        y.append(measured[name])
    if len(y) < len(FAMILIES) + 2:
        sys.exit(f"scaling_ceiling.py: {len(y)} networks are both predicted and measured; at least {len(FAMILIES) + 2} are needed")
    x, totals, kernels, y = np.array(rows), np.array(totals), np.array(kernels, dtype=float), np.array(y)
    used = x.sum(axis=0) > 0
    x = x[:, used]
    fams = [f for f, u in zip(FAMILIES, used) if u]
    print(f"{len(y)} networks, families {', '.join(fams)}")
    s = relative_fit(totals[:, None], y)
    w5, w10, rmspe = scores(totals * s[0], y)
    print(f"one scale ({s[0]:.3f}), in-sample:       within 5% {100 * w5:5.1f}%, within 10% {100 * w10:5.1f}%, RMSPE {100 * rmspe:.1f}%")
    b = relative_fit(x, y)
    w5, w10, rmspe = scores(x @ b, y)
    print(f"family scales, in-sample:           within 5% {100 * w5:5.1f}%, within 10% {100 * w10:5.1f}%, RMSPE {100 * rmspe:.1f}%")
    print("  " + ", ".join(f"{f} {v:.3f}" for f, v in zip(fams, b)))
    loo = np.array([x[i] @ relative_fit(np.delete(x, i, 0), np.delete(y, i)) for i in range(len(y))])
    w5, w10, rmspe = scores(loo, y)
    print(f"family scales, each network left out: within 5% {100 * w5:5.1f}%, within 10% {100 * w10:5.1f}%, RMSPE {100 * rmspe:.1f}%")
    # adapt's other terms too: a cost per kernel and one per network
    xk = np.column_stack([x, kernels, np.ones(len(y))])
    b = relative_fit(xk, y)
    w5, w10, rmspe = scores(xk @ b, y)
    print(f"family scales + per kernel + overhead, in-sample: within 5% {100 * w5:5.1f}%, within 10% {100 * w10:5.1f}%, "
          f"RMSPE {100 * rmspe:.1f}% ({1000 * b[-2]:.1f} us per kernel, {b[-1]:.2f} ms per network)")


if __name__ == "__main__":
    main(sys.argv)
