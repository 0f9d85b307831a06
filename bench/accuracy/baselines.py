#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Simple baselines beside a predictor (docs/results.md), fitted on the same calibration networks.

FLOPs: ms = a x FLOPs; FLOPs + memory: ms = a x FLOPs + b x bytes read and written (relative least
squares, both on the predictor's calibration networks and their stored measurements). Scored on
the evaluation networks against `measure --json` files, like compare.py.

Usage: python3 bench/accuracy/baselines.py CAL_DB DEVICE CAL_DIR EVAL_MEASURE.json [...]
(inspects every network with kernelmeter-cli from build/test; needs sqlite3 and numpy)
"""
import json
import math
import os
import sqlite3
import subprocess
import sys

import numpy as np

CLI = os.environ.get("KM_CLI", "build/test/app/cli/kernelmeter-cli")


def totals(path):
    out = subprocess.run([CLI, "inspect", path, "--json"], capture_output=True, text=True, check=True).stdout
    t = json.loads(out)["totals"]
    return [float(t["flops"]), float(t["bytes_read"] + t["bytes_written"])]


def report(name, errors):
    n = len(errors)
    within = lambda x: sum(abs(e) <= x for e in errors)
    print(f"{name:<22} within 5% {within(0.05):>2}/{n}, within 10% {within(0.10):>2}/{n}, within 15% {within(0.15):>2}/{n}; "
          f"RMSPE {100 * math.sqrt(sum(e * e for e in errors) / n):.1f}%, MAPE {100 * sum(abs(e) for e in errors) / n:.1f}%")


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    db, device, cal_dir = argv[1], argv[2], argv[3]
    rows = sqlite3.connect(db).execute(
        "select model_path, median_ms from measurements where device_id = ? and model_path like ?", (device, cal_dir.rstrip("/") + "/%")).fetchall()
    measured = {}
    for path, ms in rows:  # the newest measurement of each network
        measured[path] = ms
    paths = [p for p in measured if os.path.exists(p)]
    X = np.array([totals(p) for p in paths])
    y = np.array([measured[p] for p in paths])
    evals = {}
    for f in argv[4:]:
        for m in json.load(open(f))["models"]:
            if m.get("ok"):
                evals[m["file"]] = m["stats"]["median_ms"]
    EX = np.array([totals(p) for p in evals])
    ey = np.array(list(evals.values()))
    for name, cols in (("FLOPs", [0]), ("FLOPs + memory", [0, 1])):
        A = X[:, cols] / y[:, None]
        coef, *_ = np.linalg.lstsq(A, np.ones(len(y)), rcond=None)
        report(name + f" ({len(y)} cal.)", list(EX[:, cols] @ coef / ey - 1))


if __name__ == "__main__":
    main(sys.argv)
