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

With --fit-on, both forms are fitted on other networks instead (adapt's, measured at both thread
counts) and scored on these: whether what those networks show of the threads' effect carries to
these, given these networks' own times at fewer threads (docs/history/2026-12-adapt.md,
thirty-fourth part).

Usage: /usr/bin/python3 bench/accuracy/threads_effect.py PREDICT.json FEWER.json MORE.json
           [--fit-on PREDICT2.json FEWER2.json MORE2.json]
  PREDICT.json  kernelmeter-cli predict --json of the networks (the shares per family)
  FEWER.json    kernelmeter-cli measure --json of them on the device with fewer threads (xnnpack-t1)
  MORE.json     the same on the device with more threads (xnnpack-t2); both taken at the reference
                speed (their ratio to the reference times PREDICT.json's reference_ms, so that
                measurements from several databases share one unit), matched by file name
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


def networks(prediction, fewer_path, more_path, reference_ms):
    """Per network: its time at fewer threads split by family (the predictor's shares), its kernel
    count and its time at more threads."""
    fewer = measured_times([fewer_path], True, reference_ms)
    more = measured_times([more_path], True, reference_ms)
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
    return np.array(rows), np.array(kernels, dtype=float), np.array(y)


def forms(x, kernels, used):
    """The two forms' columns: one scale with the copies apart and a cost per kernel; a scale per
    family (those in `used`) with a cost per kernel."""
    data = FAMILIES.index("data")
    rest = np.delete(x, data, axis=1).sum(axis=1)
    return {"one scale, copies apart, per kernel": np.column_stack([rest, x[:, data], kernels]),
            "a scale per family, per kernel": np.column_stack([x[:, used], kernels])}


def main(argv):
    fit_on = None
    if "--fit-on" in argv:
        at = argv.index("--fit-on")
        fit_on, argv = argv[at + 1:at + 4], argv[:at] + argv[at + 4:]
        if len(fit_on) != 3:
            sys.exit(__doc__)
    if len(argv) != 4:
        sys.exit(__doc__)
    prediction = json.load(open(argv[1]))
    reference_ms = prediction.get("reference_ms") or 0
    x, kernels, y = networks(prediction, argv[2], argv[3], reference_ms)
    print(f"{len(y)} networks; their time at more threads over fewer: {np.min(y / x.sum(axis=1)):.2f}-{np.max(y / x.sum(axis=1)):.2f}")
    used = x.sum(axis=0) > 0
    names = [f for f, u in zip(FAMILIES, used) if u]
    if fit_on:
        fx, fkernels, fy = networks(json.load(open(fit_on[0])), fit_on[1], fit_on[2], reference_ms)
        print(f"fitted on {len(fy)} other networks; their time at more threads over fewer: "
              f"{np.min(fy / fx.sum(axis=1)):.2f}-{np.max(fy / fx.sum(axis=1)):.2f}")
        scored = forms(x, kernels, used)
        for label, columns in forms(fx, fkernels, used).items():
            b = relative_fit(columns, fy)
            _, w10, rmspe = scores(scored[label] @ b, y)
            _, fw10, frmspe = scores(columns @ b, fy)
            print(f"{label}: on these within 10% {100 * w10:5.1f}%, RMSPE {100 * rmspe:.1f}% "
                  f"(on the networks fitted {100 * fw10:.1f}%, {100 * frmspe:.1f}%)")
            if label.startswith("one scale"):
                print(f"  scale {b[0]:.3f}, copies {b[1]:.3f}, {1000 * b[2]:.1f} us per kernel")
            else:
                print("  " + ", ".join(f"{f} {v:.3f}" for f, v in zip(names, b)) + f", {1000 * b[-1]:.1f} us per kernel")
        return
    columns = forms(x, kernels, used)
    b = report("one scale, copies apart, per kernel", columns["one scale, copies apart, per kernel"], y)
    print(f"  scale {b[0]:.3f}, copies {b[1]:.3f}, {1000 * b[2]:.1f} us per kernel")
    b = report("a scale per family, per kernel", columns["a scale per family, per kernel"], y)
    print("  " + ", ".join(f"{f} {v:.3f}" for f, v in zip(names, b)) + f", {1000 * b[-1]:.1f} us per kernel")


if __name__ == "__main__":
    main(sys.argv)
