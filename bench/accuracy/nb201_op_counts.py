#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How well op counts alone explain a NAS-Bench-201 latency table, under three readings of what a
device runs (docs/adapt.md, "Dead code"): every edge other than `none` ("all"), only the
operations whose results reach the cell's output ("used": a runtime that removes dead code), or
those and the convolutions read only by `none` edges that a converter folds the multiply by 0 into
("folded": what adapt's predictors of such a runtime run).
Fits ms = a + b x conv3x3 + c x conv1x1 + d x avgpool + e x skip by relative least squares on ALL
cells (an upper bound for any linear model of these counts, not a prediction) and prints RMSPE,
share within 10% and Spearman per device column. Cells that compute a constant are left out.

With --interactions it also prints a bound for a far richer model: which operation sits on each
of the six edges (one-hot) and every pair of those, fitted by relative ridge least squares on 4/5
of the cells and scored on the other fifth (5 folds, seeded). What such a model cannot explain
with 12,500 training cells, no predictor of the cell's structure will from 10.

Usage: /usr/bin/python3 bench/accuracy/nb201_op_counts.py TABLE.csv [--interactions]
Needs numpy (bench only).
"""
import csv
import sys

import numpy as np

FROM = [0, 0, 1, 0, 1, 2]
TO = [1, 2, 2, 3, 3, 3]
OPS = ["nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"]


def edges_in_use(ops, mode):
    """Per edge, whether its operation runs under `mode`; None for a cell that computes a constant."""
    live = [True, False, False, False]
    for e in range(6):
        if ops[e] != "none" and live[FROM[e]]:
            live[TO[e]] = True
    if not live[3]:
        return None
    if mode == "folded":
        return folded_edges(ops)
    used = [False, False, False, True]
    for e in reversed(range(6)):
        if ops[e] != "none" and used[TO[e]]:
            used[FROM[e]] = True
    return [ops[e] != "none" and (mode == "all" or used[TO[e]]) for e in range(6)]


def folded_edges(ops):
    """Per edge, whether it runs where dead code goes but a convolution read only by `none` edges,
    one of them into a node that is read, runs (the multiply by 0 folded into it: core/graph/graph.h,
    withoutUnreadNodes; docs/adapt.md, "Dead code")."""
    def runs_with(products):  # `none` edges that carry a folded convolution's output
        real, zero = {}, [False] * 4
        for j in (1, 2, 3):
            real[j] = [e for e in range(6) if TO[e] == j and (e in products if ops[e] == "none" else
                                                              not (ops[e] == "skip_connect" and zero[FROM[e]]))]
            zero[j] = not real[j]  # x + y * 0 is x; a node of zeros alone is one x * 0
        read, runs = [False, False, False, True], [False] * 6
        for j in (3, 2, 1):
            if read[j]:
                for e in real[j]:
                    runs[e] = ops[e] != "none"
                    read[FROM[e]] = True
        return real, read, runs
    real, read, runs = runs_with(set())
    products = set()
    for c in range(6):
        if not ops[c].startswith("nor_conv") or runs[c] or real[TO[c]] != [c]:
            continue
        same = {TO[c]}  # the nodes whose value is the convolution's output (through skips alone)
        for k in (2, 3):
            if any(real[k] == [e] and ops[e] == "skip_connect" and FROM[e] in same for e in range(6)):
                same.add(k)
        outs = [e for e in range(6) if FROM[e] in same and not (ops[e] == "skip_connect" and real[TO[e]] == [e])]
        if 3 not in same and outs and all(ops[e] == "none" for e in outs) and any(read[TO[e]] for e in outs):
            products.update(outs)
    return runs_with(products)[2] if products else runs


def counts(ops, mode):
    on = edges_in_use(ops, mode)
    if on is None:
        return None
    return [1.0] + [float(sum(1 for e in range(6) if on[e] and ops[e] == o)) for o in OPS]


def interactions(ops, mode):
    """1, the one-hot of each edge's running operation, and every product of two of them."""
    on = edges_in_use(ops, mode)
    if on is None:
        return None
    hot = np.array([1.0 if on[e] and ops[e] == o else 0.0 for e in range(6) for o in OPS])
    return np.concatenate([[1.0], hot, np.outer(hot, hot)[np.triu_indices(len(hot), 1)]])


def ranks(a):
    return np.argsort(np.argsort(a))


def count_table(path, mode, features=counts):
    """The table's cells as op counts, or other `features` (cells that compute a constant left
    out), and, per device column, their times: (devices, x, {device: times})."""
    rows = list(csv.DictReader(open(path)))
    devices = [k for k in rows[0] if k not in ("index", "arch")]
    x, y = [], {d: [] for d in devices}
    for r in rows:
        ops = [e.split("~")[0] for n in r["arch"].split("+") for e in n.strip("|").split("|")]
        f = features(ops, mode)
        if f is None:
            continue
        x.append(f)
        for d in devices:
            y[d].append(float(r[d]))
    return devices, np.array(x), {d: np.array(t) for d, t in y.items()}


def main():
    for mode in ("all", "used", "folded"):
        devices, x, y = count_table(sys.argv[1], mode)
        for d in devices:
            t = y[d]
            b = np.linalg.lstsq(x / t[:, None], np.ones(len(t)), rcond=None)[0]
            p = x @ b
            e = p / t - 1
            print(f"{mode:6} {d:12} rmspe {np.sqrt(np.mean(e ** 2)):.3f}  within10 {np.mean(abs(e) <= 0.1):.3f}  "
                  f"spearman {np.corrcoef(ranks(p), ranks(t))[0, 1]:.3f}")
    if "--interactions" not in sys.argv:
        return
    for mode in ("all", "used", "folded"):
        devices, x, y = count_table(sys.argv[1], mode, interactions)
        fold = np.random.default_rng(0).integers(0, 5, len(x))
        for d in devices:
            t = y[d]
            p = np.zeros(len(t))
            for k in range(5):
                train = fold != k
                a = x[train] / t[train][:, None]
                b = np.linalg.solve(a.T @ a + 1e-3 * np.eye(x.shape[1]), a.T @ np.ones(train.sum()))
                p[~train] = x[~train] @ b
            e = p / t - 1
            print(f"pairs, held out {mode:6} {d:12} rmspe {np.sqrt(np.mean(e ** 2)):.3f}  within10 {np.mean(abs(e) <= 0.1):.3f}  "
                  f"spearman {np.corrcoef(ranks(p), ranks(t))[0, 1]:.3f}")


if __name__ == "__main__":
    main()
