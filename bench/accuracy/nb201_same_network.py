#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How far a NAS-Bench-201 latency table disagrees with itself on the same network.

Where a cell's edge 1 -> 2 is `none`, swapping its nodes 1 and 2 (their edges from node 0 and to
node 3 swapped with them) gives another arch string of the same network on a device that computes
nothing for `none` (the Pixel 3, docs/adapt.md): any predictor of the network (KernelMeter's, a
graph network, HELP's) gives both cells one time, so their measured times bound what it can score
on them. A device that runs `none` as `x * 0` runs the same operations on tensors of the same
shapes in both, but the multiply of edge 1 -> 2 reads the other node, so fusion may differ.
Per device column:

- disagree: pairs whose two times differ by more than 1.1 / 0.9, so that no one prediction is
  within 10% of both; bound: the most of these cells any such predictor can put within 10%;
- partner: the share of these cells within 10% of the other cell's time (a second measurement of
  the same network taken as the prediction);
- perfect: an estimate of what a predictor of the true time would score, if each time is the true
  one times independent noise: the pairs' log ratios divided by sqrt(2), within the 10% bound
  (exact for normal noise, an estimate otherwise);
- later slower: among disagreeing pairs, how often the cell with the higher index is the slower
  one (50% if the table's noise does not follow the rows' order).

With --evaluated COLUMN EVALUATE_JSON it scores an adapted predictor on the pair cells, from
`kernelmeter-cli evaluate --device D --dataset NAME --json` of the same table imported as NAME
(its models named nb201-INDEX; pairs with a cell the adaptation was fitted on are left out):
within 10% of the table's times, and, for comparison, the partner's score on the same cells.
With --cells FILE it writes the pairs' arch strings (two lines per pair) for `kernelmeter-cli zoo
--nb201 ...`, and --predictions COLUMN ZOO_OUT PREDICT_JSON [...] scores `kernelmeter-cli predict
--json` of those files (`zoo`'s output maps their names to arch strings) the same way.

Usage: /usr/bin/python3 bench/accuracy/nb201_same_network.py TABLE.csv [--cells FILE]
           [--evaluated COLUMN EVALUATE_JSON | --predictions COLUMN ZOO_OUT PREDICT_JSON [...]]
Needs numpy (bench only).
"""
import csv
import json
import math
import os
import re
import sys

import numpy as np


def parse_arch(arch):
    """{(from, to): op} of an arch string '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'."""
    ops = {}
    for to, node in enumerate(arch.strip("|").split("|+|"), start=1):
        for edge in node.strip("|").split("|"):
            op, frm = edge.split("~")
            ops[(int(frm), to)] = op
    return ops


def arch_of(ops):
    return "|" + "|+|".join("|".join(f"{ops[(i, j)]}~{i}" for i in range(j)) for j in (1, 2, 3)) + "|"


def swapped(ops):
    """The same network with nodes 1 and 2 swapped, or None when edge 1 -> 2 is used."""
    if ops[(1, 2)] != "none":
        return None
    s = dict(ops)
    s[(0, 1)], s[(0, 2)] = ops[(0, 2)], ops[(0, 1)]
    s[(1, 3)], s[(2, 3)] = ops[(2, 3)], ops[(1, 3)]
    return s


def same_network_pairs(rows):
    by_arch = {r["arch"]: r for r in rows}
    pairs, seen = [], set()
    for r in rows:
        s = swapped(parse_arch(r["arch"]))
        if s is None:
            continue
        other = arch_of(s)
        if other == r["arch"] or other not in by_arch or other in seen:
            continue
        seen.add(r["arch"])
        pairs.append((r, by_arch[other]))
    return pairs


def times(pairs, device):
    a = np.array([float(p[0][device] or "nan") for p in pairs])
    b = np.array([float(p[1][device] or "nan") for p in pairs])
    ok = (a > 0) & (b > 0)
    return a, b, ok


def within10(pred, measured):
    return np.abs(pred / measured - 1) <= 0.10


def table_report(pairs, devices):
    low, high = math.log(0.9), math.log(1.1)
    print(f"{len(pairs)} pairs of cells written two ways (nodes 1 and 2 swapped where edge 1 -> 2 is none)")
    print(f"{'device':12s} {'pairs':>6s} {'disagree':>9s} {'bound':>7s} {'partner':>8s} {'perfect':>8s} {'later slower':>13s}")
    for d in devices:
        a, b, ok = times(pairs, d)
        a, b = a[ok], b[ok]
        idx = np.array([[int(p[0]["index"]), int(p[1]["index"])] for p in pairs])[ok]
        ratio = np.maximum(a, b) / np.minimum(a, b)
        disagree = ratio > 1.1 / 0.9
        bound = np.mean(np.where(disagree, 0.5, 1.0))
        partner = np.mean(np.concatenate([within10(a, b), within10(b, a)]))
        e = np.concatenate([np.log(a / b), np.log(b / a)]) / math.sqrt(2)
        perfect = np.mean((e >= low) & (e <= high))
        later = np.where(idx[:, 0] > idx[:, 1], a, b) > np.where(idx[:, 0] > idx[:, 1], b, a)
        later_slower = np.mean(later[disagree]) if disagree.any() else float("nan")
        print(f"{d:12s} {len(a):6d} {100 * disagree.mean():8.1f}% {100 * bound:6.1f}% {100 * partner:7.1f}% "
              f"{100 * perfect:7.1f}% {100 * later_slower:12.1f}%")


def read_zoo_map(path):
    """file stem -> arch string, from `kernelmeter-cli zoo --nb201 ...` output lines."""
    out = {}
    for line in open(path):
        m = re.match(r"^(\S+)\s+(\|\S+\|)\s+->\s+(\S+)$", line.strip())
        if m:
            out[os.path.splitext(os.path.basename(m.group(3)))[0]] = m.group(2)
    return out


def predicted_from_files(files):
    """arch string -> predicted ms, from pairs of `zoo` outputs and `predict --json` files."""
    predicted = {}
    for zoo_out, predict_json in zip(files[0::2], files[1::2]):
        names = read_zoo_map(zoo_out)
        for m in json.load(open(predict_json))["models"]:
            stem = os.path.splitext(os.path.basename(m["file"]))[0]
            if stem in names and m.get("total_ms", 0) > 0:
                predicted[names[stem]] = m["total_ms"]
    return predicted


def predicted_from_evaluate(rows, evaluate_json):
    """arch string -> the adapted predictor's ms, from `evaluate --json` (models nb201-INDEX)."""
    arch_of_index = {r["index"]: r["arch"] for r in rows}
    predicted = {}
    for m in json.load(open(evaluate_json)).get("models", []):
        index = m["name"][len("nb201-"):] if m["name"].startswith("nb201-") else None
        ms = (m.get("predicted_ms") or {}).get("adapted")
        if index in arch_of_index and ms:
            predicted[arch_of_index[index]] = ms
    return predicted


def predictions_report(pairs, device_column, predicted):
    a, b, ok = times(pairs, device_column)
    pa = np.array([predicted.get(p[0]["arch"], np.nan) for p in pairs])
    pb = np.array([predicted.get(p[1]["arch"], np.nan) for p in pairs])
    ok &= np.isfinite(pa) & np.isfinite(pb)
    pred = np.concatenate([pa[ok], pb[ok]])
    meas = np.concatenate([a[ok], b[ok]])
    partner = np.concatenate([b[ok], a[ok]])
    print(f"{device_column}: {ok.sum()} pairs predicted; within 10%: the predictions {100 * within10(pred, meas).mean():.1f}%, "
          f"the partner's time {100 * within10(partner, meas).mean():.1f}%; the two cells predicted alike in "
          f"{100 * np.mean(np.abs(pa[ok] / pb[ok] - 1) < 1e-9):.1f}% of pairs")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(argv[1], newline="")))
    devices = [c for c in rows[0] if c not in ("index", "arch")]
    pairs = same_network_pairs(rows)
    args = argv[2:]
    if args[:1] == ["--cells"] and len(args) >= 2:
        with open(args[1], "w") as f:
            for p in pairs:
                f.write(p[0]["arch"] + "\n" + p[1]["arch"] + "\n")
        args = args[2:]
    if args[:1] == ["--predictions"]:
        if len(args) < 4 or len(args[2:]) % 2:
            sys.exit(__doc__)
        predictions_report(pairs, args[1], predicted_from_files(args[2:]))
        return
    if args[:1] == ["--evaluated"]:
        if len(args) != 3:
            sys.exit(__doc__)
        predictions_report(pairs, args[1], predicted_from_evaluate(rows, args[2]))
        return
    if args:
        sys.exit(__doc__)
    table_report(pairs, devices)


if __name__ == "__main__":
    main(sys.argv)
