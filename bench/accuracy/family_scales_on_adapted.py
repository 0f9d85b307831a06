#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Would a scale per kernel family on top of an adapted predictor carry to other networks?

Takes an adapted predictor (kernelmeter-cli adapt -o ADAPTED.json), its kernel times for the
networks it was fitted on and for held-out networks (kernelmeter-cli predict --json of each set),
and fits on the adaptation's networks (their measured times and weights, from the predictor's
record) one scale per kernel family (scaling_ceiling.py's families) on top of the predictor's
kernel times, pulled toward one common scale with the penalty adapt uses (lambda x w_f x
(scale_f - common)^2, w_f the family's mean squared share of a network's time), for several
lambda. For each it prints the scales, the weighted RMSPE on the fitted networks, the GCV RMSPE
adapt would judge it by (RMSPE / (1 - df / N)), and the share of the held-out networks within 10%
in ms and at the predictor's reference speed on each measurement file. "one" is no family
scales: the adapted predictor itself.

Usage: /usr/bin/python3 bench/accuracy/family_scales_on_adapted.py ADAPTED.json FITTED.json \
           HELD_OUT.json MEASURED.json [MEASURED.json ...]
  ADAPTED.json   the adapted predictor
  FITTED.json    kernelmeter-cli predict --json --predictor ADAPTED.json of its networks (the ONNX
                 files adapt measured, <cache>/kernel-models/<target>/adapt/*.onnx: named by the
                 first 24 hex digits of their SHA-256, as the record's networks are matched)
  HELD_OUT.json  the same for the held-out networks
  MEASURED.json  kernelmeter-cli measure --json of the held-out networks on the target
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import measured_times  # noqa: E402
from scaling_ceiling import FAMILIES, family_of  # noqa: E402

LAMBDAS = [None, 10, 3, 1, 0.3, 0.1]


def family_columns(prediction):
    """Per file name: the kernel times summed per family, and the rest of the total (overhead)."""
    out = {}
    for m in prediction["models"]:
        col = np.zeros(len(FAMILIES))
        for k in m["kernels"]:
            col[FAMILIES.index(family_of(k["type"]))] += k["predicted_ms"]
        out[os.path.basename(m["file"])] = (col, m["total_ms"] - col.sum())
    return out


def fit(x, rest, y, w, lam):
    """Family scales by weighted relative least squares with the pull toward a common scale."""
    n, nf = x.shape
    a = np.sqrt(w)[:, None] * x / y[:, None]
    b = np.sqrt(w) * (1 - rest / y)
    if lam is None:
        return np.ones(nf), 0.0
    share = x / x.sum(axis=1)[:, None]
    pull = np.sqrt(lam * (share**2).mean(axis=0))
    pull = np.where(pull > 0, pull, np.sqrt(lam))  # a family no network has: the common scale
    penalty = np.hstack([np.diag(pull), -pull[:, None]])
    aa = np.vstack([np.hstack([a, np.zeros((n, 1))]), penalty])
    bb = np.concatenate([b, np.zeros(nf)])
    solution = np.linalg.lstsq(aa, bb, rcond=None)[0]
    hat = aa @ np.linalg.pinv(aa.T @ aa) @ aa.T
    return solution[:nf], float(np.trace(hat[:n, :n]))


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    adapted = json.load(open(argv[1]))
    fitted = family_columns(json.load(open(argv[2])))
    held_out = family_columns(json.load(open(argv[3])))
    reference_ms = adapted["reference_ms"]
    sessions = [(p, measured_times([p], False, 0), measured_times([p], True, reference_ms)) for p in argv[4:]]
    x, rest, y, w = [], [], [], []
    for net in adapted["adaptation"]["networks"]:
        col, other = fitted[net["sha256"][:24] + ".onnx"]
        x.append(col)
        rest.append(other)
        y.append(net["measured_ms"])
        w.append(net["weight"])
    x, rest, y, w = map(np.array, (x, rest, y, w))
    for lam in LAMBDAS:
        scales, df = fit(x, rest, y, w, lam)
        e = (x @ scales + rest) / y - 1
        rmspe = np.sqrt((w * e * e).sum() / w.sum())
        gcv = rmspe / (1 - max(df, 1.0) / len(y))
        line = "one" if lam is None else f"lambda {lam}"
        line += " " + " ".join(f"{f}={s:.2f}" for f, s in zip(FAMILIES, scales))
        line += f"  fitted RMSPE {100 * rmspe:.1f}%, GCV {100 * gcv:.1f}%"
        for path, ms, ref in sessions:
            within = []
            for measured in (ms, ref):
                hits = [abs((col @ scales + other) / measured[name] - 1) <= 0.10
                        for name, (col, other) in held_out.items() if name in measured]
                within.append(f"{sum(hits)}/{len(hits)}")
            line += f"  {os.path.basename(path)}: {within[0]} ms, {within[1]} ref"
        print(line)


if __name__ == "__main__":
    main(sys.argv)
