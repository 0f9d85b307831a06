#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How well op counts alone explain a NAS-Bench-201 latency table, under two readings of what a
device runs (docs/adapt.md, "Dead code"): every edge other than `none` ("all"), or only the
operations whose results reach the cell's output ("used": a runtime that removes dead code).
Fits ms = a + b x conv3x3 + c x conv1x1 + d x avgpool + e x skip by relative least squares on ALL
cells (an upper bound for any linear model of these counts, not a prediction) and prints RMSPE,
share within 10% and Spearman per device column. Cells that compute a constant are left out.

Usage: /usr/bin/python3 bench/accuracy/nb201_op_counts.py TABLE.csv
Needs numpy (bench only).
"""
import csv
import sys

import numpy as np

FROM = [0, 0, 1, 0, 1, 2]
TO = [1, 2, 2, 3, 3, 3]
OPS = ["nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"]


def counts(ops, mode):
    live = [True, False, False, False]
    for e in range(6):
        if ops[e] != "none" and live[FROM[e]]:
            live[TO[e]] = True
    if not live[3]:
        return None
    used = [False, False, False, True]
    for e in reversed(range(6)):
        if ops[e] != "none" and used[TO[e]]:
            used[FROM[e]] = True
    c = dict.fromkeys(OPS, 0)
    for e in range(6):
        if ops[e] == "none" or (mode == "used" and not used[TO[e]]):
            continue
        c[ops[e]] += 1
    return [1.0] + [float(c[o]) for o in OPS]


def ranks(a):
    return np.argsort(np.argsort(a))


def count_table(path, mode):
    """The table's cells as op counts (cells that compute a constant left out) and, per device
    column, their times: (devices, x, {device: times})."""
    rows = list(csv.DictReader(open(path)))
    devices = [k for k in rows[0] if k not in ("index", "arch")]
    x, y = [], {d: [] for d in devices}
    for r in rows:
        ops = [e.split("~")[0] for n in r["arch"].split("+") for e in n.strip("|").split("|")]
        f = counts(ops, mode)
        if f is None:
            continue
        x.append(f)
        for d in devices:
            y[d].append(float(r[d]))
    return devices, np.array(x), {d: np.array(t) for d, t in y.items()}


def main():
    for mode in ("all", "used"):
        devices, x, y = count_table(sys.argv[1], mode)
        for d in devices:
            t = y[d]
            b = np.linalg.lstsq(x / t[:, None], np.ones(len(t)), rcond=None)[0]
            p = x @ b
            e = p / t - 1
            print(f"{mode:5} {d:12} rmspe {np.sqrt(np.mean(e ** 2)):.3f}  within10 {np.mean(abs(e) <= 0.1):.3f}  "
                  f"spearman {np.corrcoef(ranks(p), ranks(t))[0, 1]:.3f}")


if __name__ == "__main__":
    main()
