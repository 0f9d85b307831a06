#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Do a model's extra processes make its time repeat better, and which rule should ask for them?

Reads two measurement databases of the same models on the same devices, taken by two separate
campaigns (`kernelmeter-cli measure --db A.db ...` then `--db B.db`, default protocol). For every
model and device measured in both, and each campaign in turn, it compares the model's ratio to the
reference workload (the product's definition: per-round ratios, median of the processes' medians)
from its first 3 processes and from all of them with the other campaign's whole measurement, and
splits the models by two rules for asking for another process:
  - the rounds' spread: (p90 - p10) / median of the first 3 processes' round medians > 10%
    (the rule until 2026-12-05), and
  - the processes' disagreement: (max - min) / median of the 3 processes' ratios > 10% (the rule
    since; core/backends/measurement.h instancesDisagree).
Prints, per rule and side, how many models it flags and the median and mean distance to the other
campaign with 3 processes and with all.

Usage: /usr/bin/python3 bench/accuracy/extra_instances.py A.db B.db [A2.db B2.db ...]
"""
import json
import sqlite3
import statistics as st
import sys


def load(db):
    out = {}
    con = sqlite3.connect(db)
    rows = con.execute("select device_id, model_path, round_medians_json, reference_rounds_json"
                       " from measurements")
    for device, path, rounds, reference in rows:
        out[(device, path.split("/")[-1])] = (json.loads(rounds), json.loads(reference))
    return out


def process_ratios(model, reference):
    return [st.median([m / r for m, r in zip(mp, rp) if r > 0]) for mp, rp in zip(model, reference)]


def ratio(model, reference):
    return st.median(process_ratios(model, reference))


def quantile(values, q):
    v = sorted(values)
    x = q * (len(v) - 1)
    i = int(x)
    return v[i] + (v[min(i + 1, len(v) - 1)] - v[i]) * (x - i)


def rounds_spread(model):
    rounds = [x for p in model for x in p]
    return (quantile(rounds, 0.9) - quantile(rounds, 0.1)) / st.median(rounds)


def main():
    if len(sys.argv) < 3 or len(sys.argv) % 2 == 0:
        sys.exit(__doc__)
    groups = {}
    for a, b in zip(sys.argv[1::2], sys.argv[2::2]):
        first, second = load(a), load(b)
        for key in sorted(set(first) & set(second)):
            for (model, ref), (other, other_ref) in ((first[key], second[key]),
                                                     (second[key], first[key])):
                if len(ref) != len(model) or len(other_ref) != len(other) or len(model) < 3:
                    continue
                truth = ratio(other, other_ref)
                e3 = abs(ratio(model[:3], ref[:3]) / truth - 1)
                e_all = abs(ratio(model, ref) / truth - 1)
                pr = process_ratios(model[:3], ref[:3])
                rules = {
                    "rounds' spread > 10%": rounds_spread(model[:3]) > 0.10,
                    "processes disagree > 10%": (max(pr) - min(pr)) / st.median(pr) > 0.10,
                }
                for rule, flagged in rules.items():
                    g = groups.setdefault((rule, flagged), ([], [], []))
                    g[0].append(e3)
                    g[1].append(e_all)
                    g[2].append(len(model) > 3)
    print(f"{'rule':26s} {'flagged':7s} {'n':>4s} {'had more':>8s}  "
          "|ratio / other campaign's - 1|: 3 processes median, mean; all processes median, mean")
    for (rule, flagged), (e3, e_all, more) in sorted(groups.items()):
        print(f"{rule:26s} {str(flagged):7s} {len(e3):4d} {sum(more):8d}  "
              f"{st.median(e3) * 100:5.1f}% {st.mean(e3) * 100:5.1f}%   "
              f"{st.median(e_all) * 100:5.1f}% {st.mean(e_all) * 100:5.1f}%")


if __name__ == "__main__":
    main()
