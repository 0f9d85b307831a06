#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Model-level accuracy of a predictor against measurements (docs/results.md).

Reads `kernelmeter-cli measure --json` files and a `kernelmeter-cli predict --json` file for the
same networks (matched by file name), prints per network the measured median, the prediction and
the error, then the share within 5/10/15% and the RMSPE and MAPE.

With --normalized, the measured time is taken at the predictor's machine speed instead of
`median_ms`: the network's ratio to the reference workload (measured in the same rounds) times the
predictor's `reference_ms`, so the comparison does not depend on the phase the machine was in
while measuring (docs/predictors.md). Without a `reference_ms` in the prediction (an older
predictor), `normalized_ms` is used, which is at the measurement database's baseline speed.

Usage: python3 bench/accuracy/compare.py [--normalized] PREDICTION.json MEASURE.json [MEASURE.json...]
"""
import json
import math
import os
import sys


def measured_times(paths, normalized, reference_ms):
    """Measured time per file name from `measure --json` files: the median in ms, or with
    `normalized` at the predictor's speed (`reference_ms`; 0: the database's baseline speed)."""
    measured = {}
    for path in paths:
        for m in json.load(open(path))["models"]:
            if not m.get("ok"):
                continue
            ms = m["stats"]["median_ms"]
            if normalized:
                ratio = (m.get("reference") or {}).get("ratio")
                if not ratio or not m.get("normalized_ms"):
                    sys.exit(f"{path}: {m['file']} was measured without the reference workload")
                ms = ratio * reference_ms if reference_ms else m["normalized_ms"]
            measured[os.path.basename(m["file"])] = ms
    return measured


def main(argv):
    normalized = "--normalized" in argv
    argv = [a for a in argv if a != "--normalized"]
    if len(argv) < 3:
        sys.exit(__doc__)
    predicted = {}
    prediction = json.load(open(argv[1]))
    reference_ms = prediction.get("reference_ms") or 0
    for m in prediction["models"]:
        if "total_ms" in m:
            predicted[os.path.basename(m["file"])] = m
    measured = measured_times(argv[2:], normalized, reference_ms)
    errors = []
    print(f"{'network':<28} {'measured ms':>12} {'predicted ms':>13} {'error %':>8}  fallback kernels")
    for name in sorted(measured):
        if name not in predicted:
            print(f"{name:<28} {measured[name]:>12.3f} {'(none)':>13}")
            continue
        p = predicted[name]
        e = p["total_ms"] / measured[name] - 1
        errors.append(e)
        fallback = sum(1 for k in p["kernels"] if k["source"] != "regressor")
        print(f"{name:<28} {measured[name]:>12.3f} {p['total_ms']:>13.3f} {100 * e:>+8.1f}  {fallback or ''}")
    if not errors:
        sys.exit("no network is both measured and predicted")
    n = len(errors)
    within = lambda t: sum(abs(e) <= t for e in errors) / n
    print(f"\n{n} networks: within 5% {100 * within(0.05):.0f}%, within 10% {100 * within(0.10):.0f}%, "
          f"within 15% {100 * within(0.15):.0f}%; RMSPE {100 * math.sqrt(sum(e * e for e in errors) / n):.1f}%, "
          f"MAPE {100 * sum(abs(e) for e in errors) / n:.1f}%")


if __name__ == "__main__":
    main(sys.argv)
