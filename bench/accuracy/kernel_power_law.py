#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Refits an adapted predictor's kernel fits in both forms and scores each on evaluation networks.

adapt fits each transfer group's kernels measured on the target as `target = scale x source + cost`
(both at least 0) and, for a target of the source's runtime, as `target = a x source^b`, and GCV
picks one form for the whole fit. This script reads those kernels from the adaptation record
(kernel_groups[].times_ms) and refits both forms offline, whatever the stored fit chose: the
power by least squares on the logs with b pulled toward 1 (penalty LAMBDA x (b - 1)^2; adapt
uses 1 and holds b within 0.5-2). Each network's time is
then the sum over its kernels of its group's fit (a group without kernels: the source time times
the groups' median ratio; copy groups times 2 when the fit had "copies 2 times it"), one scale on
top fitted on the adaptation's own networks (and a cost per kernel when the chosen fit had one),
as adapt's "one scale of the kernels' fits" does. Prints for each form the RMSPE on the
adaptation's networks (what a choice between the forms could go by) and the share of the
evaluation networks within 10% with their RMSPE, in ms and at the reference speed. Offline: nothing is
measured. docs/history/2026-12-adapt.md (fourteenth part) has what it showed.

Usage: /usr/bin/python3 bench/accuracy/kernel_power_law.py [--cli CLI] [--source-db DB] [--lambda L,...]
           ADAPTED.json EVAL.json NETWORK_DIR... -- EVAL_NETWORK.onnx...
  ADAPTED.json  an adapted predictor that measured kernels (bench/adapt_refit.sh -o OUT writes one)
  EVAL.json     kernelmeter-cli measure --json of the evaluation networks on the target
  NETWORK_DIR   folders holding the adaptation's networks as <first 24 hex of sha256>.onnx (the
                campaign's cache: .../cache/kernelmeter/kernel-models/<device>/adapt)
  CLI           kernelmeter-cli (default build/release/app/cli/kernelmeter-cli), run from its build
                tree's parent so it finds the shipped rules
  DB            where the source predictor is (default datasets/predictors.db, the shipped ones)
"""
import argparse
import collections
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import measured_times  # noqa: E402

COPIES = {"concat", "split", "channelshuffle", "reshape", "flatten", "transpose", "pad", "slice", "gather", "resize", "identity"}


def bare_source(db, device, folder):
    """The source predictor without its model-level terms, in its reference unit (adapt's bareSourceOf)."""
    row = sqlite3.connect(db).execute("select json, json_zlib from predictors where device_id = ? order by id desc limit 1",
                                      (device,)).fetchone()
    if row is None:
        sys.exit(f"kernel_power_law.py: {db} has no predictor of {device}")
    p = json.loads(zlib.decompress(row[1]) if row[1] else row[0])
    p["overhead_ms"] = 0
    p["per_kernel_ms"] = 0
    p["kernel_scale"] = p["reference_ms"] / p["regressor_reference_ms"] if p.get("regressor_reference_ms") else 1.0
    p.pop("calibration", None)
    path = os.path.join(folder, "bare.json")
    with open(path, "w") as f:
        json.dump(p, f)
    return path


def kernel_times(cli, device, predictor, files, env):
    """Per file: [(transfer group, source ms)] of its kernels (transfer.cpp's transferGroupOf)."""
    run = subprocess.run([cli, "predict", *files, "--device", device, "--predictor", predictor, "--json"], capture_output=True,
                         text=True, env=env)
    if run.returncode != 0:
        sys.exit(f"kernel_power_law.py: predict failed: {run.stderr.strip()}")
    out = {}
    for f, m in zip(files, json.loads(run.stdout)["models"]):
        parts = json.loads(subprocess.run([cli, "kernels", f, "--device", device, "--json"], capture_output=True, text=True,
                                          env=env).stdout)["kernels"]
        kernels = []
        for part, k in zip(parts, m["kernels"]):
            t = k["type"]
            if t.startswith("conv") or t.startswith("gconv"):
                t += "@1x1" if max(part.get("attrs", {}).get("kernel", [1])) <= 1 else "@kxk"
            if k["predicted_ms"] > 0:
                kernels.append((t, k["predicted_ms"]))
        out[f] = kernels
    return out


def affine_fit(s, m):
    """Relative least squares of m = scale x s + cost, both at least 0 (adapt's relativeAffineFit)."""
    x = np.linalg.lstsq(np.c_[s / m, 1 / m], np.ones(len(m)), rcond=None)[0]
    if x[0] < 0 or x[1] < 0:
        x = np.array([np.sum(s / m) / np.sum((s / m) ** 2), 0.0])
    return lambda t, x=x: x[0] * t + x[1]


def power_fit(s, m, lam):
    ls, lm = np.log(s), np.log(m)
    cs, cm = ls - ls.mean(), lm - lm.mean()
    b = (cs @ cm + lam) / (cs @ cs + lam)
    c = lm.mean() - b * ls.mean()
    return (lambda t, b=b, c=c: np.exp(c) * t ** b), b


def main():
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit(__doc__)
    cut = args.index("--")
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--cli", default="build/release/app/cli/kernelmeter-cli")
    ap.add_argument("--source-db", default="datasets/predictors.db")
    ap.add_argument("--lambda", dest="lams", default="1")
    ap.add_argument("adapted")
    ap.add_argument("evaluation")
    ap.add_argument("dirs", nargs="+")
    o = ap.parse_args(args[:cut])
    evaluation_files = args[cut + 1:]
    record = json.load(open(o.adapted))
    a = record["adaptation"]
    device = a["source_device"]
    pairs = {g["group"]: np.array(g["times_ms"]) for g in a.get("kernel_groups", []) if len(g.get("times_ms", [])) >= 2}
    if not pairs:
        sys.exit(f"kernel_power_law.py: {o.adapted} records no kernels' times (adapted from a dataset, or before 2026-12-03)")
    where = {}
    for d in o.dirs:
        for f in os.listdir(d):
            where.setdefault(f, os.path.join(d, f))
    files = []
    for n in a["networks"]:
        name = n["sha256"][:24] + ".onnx"
        if name not in where:
            sys.exit(f"kernel_power_law.py: network {n['name']} ({name}) is in none of the folders given")
        files.append(where[name])
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(tmp, "empty"))  # the shipped rules, not the user's
        kernels = kernel_times(o.cli, device, bare_source(o.source_db, device, tmp), files + evaluation_files, env)
    measured = measured_times([o.evaluation], False, None)
    at_reference = measured_times([o.evaluation], True, record.get("reference_ms"))
    names = [os.path.basename(f) for f in evaluation_files]
    y = np.array([n["measured_ms"] for n in a["networks"]])
    truth = {"ms": np.array([measured[n] for n in names]), "ref.": np.array([at_reference[n] for n in names])}
    typical = float(np.median([np.median(p[:, 1] / p[:, 0]) for p in pairs.values()]))
    copies_twice = "copies 2 times" in a["terms"]
    per_kernel = "per-kernel" in a["terms"]

    def score(label, fits):
        def column(f):
            return sum((2.0 if copies_twice and g.split("@")[0].split("-")[0] in COPIES else 1.0) *
                       (fits[g](s) if g in fits else typical * s) for g, s in kernels[f])
        x = np.array([column(f) for f in files])
        n = np.array([len(kernels[f]) for f in files], dtype=float)
        c = np.array([np.sum(x / y) / np.sum((x / y) ** 2), 0.0])
        if per_kernel:
            free = np.linalg.lstsq(np.c_[x / y, n / y], np.ones(len(y)), rcond=None)[0]
            c = free if free.min() >= 0 else c
        p = np.array([c[0] * column(f) + c[1] * len(kernels[f]) for f in evaluation_files])
        fitted = 100 * np.sqrt(np.mean(((c[0] * x + c[1] * n) / y - 1) ** 2))
        cells = [f"its {len(y)} networks' RMSPE {fitted:.1f}%"]
        for unit, t in truth.items():
            e = p / t - 1
            cells.append(f"{unit} {100 * np.mean(np.abs(e) <= 0.1):.0f}% (RMSPE {100 * np.sqrt(np.mean(e ** 2)):.1f}%)")
        print(f"{label:34s} {cells[0]}; within 10%: {', '.join(cells[1:])}")

    print(f"{o.adapted}: {a['terms']}; {len(evaluation_files)} evaluation networks")
    score("scale x source + cost", {g: affine_fit(p[:, 0], p[:, 1]) for g, p in pairs.items()})
    for lam in (float(v) for v in o.lams.split(",")):
        fits, exponents = {}, collections.OrderedDict()
        for g, p in pairs.items():
            fits[g], exponents[g] = power_fit(p[:, 0], p[:, 1], lam)
        score(f"a x source^b, lambda {lam:g}", fits)
        big = sorted(pairs, key=lambda g: -len(pairs[g]))[:4]
        print("    b of the groups with the most kernels: " + ", ".join(f"{g} {exponents[g]:.2f}" for g in big))


if __name__ == "__main__":
    main()
