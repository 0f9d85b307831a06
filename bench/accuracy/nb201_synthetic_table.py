#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Synthetic devices for the NAS-Bench-201 table: two kinds of device the HELP table keeps aside,
with times made from a cell's operations, to check that adapt finds a fit for each (docs/adapt.md,
"Synthetic table devices"). Writes a table for `kernelmeter-cli dataset import-table`:

- sim_asic: a fixed 0.9 ms plus, for each of the cell's six edges, its operation's cost times the
  15 cells (3x3 convolution 0.110 ms, 1x1 0.021, average pool 0.013, skip and none 0): what an
  accelerator simulator sums, without noise.
- sim_gpu256: 4 ms plus 15 times (0.95 / 0.13 / 0.09 / 0.03 / 0.02 ms per 3x3 / 1x1 / pool / skip /
  none edge, and 0.05 ms per node summing two terms or more), times log-normal noise of 2%
  (seeded): a GPU at a large batch, where every operation costs by its size.

Usage: /usr/bin/python3 bench/accuracy/nb201_synthetic_table.py datasets/help-nb201/nb201_latency_ms.csv OUT.csv
"""
import csv
import math
import random
import sys

ASIC = {"nor_conv_3x3": 0.110, "nor_conv_1x1": 0.021, "avg_pool_3x3": 0.013, "skip_connect": 0.0, "none": 0.0}
GPU = {"nor_conv_3x3": 0.95, "nor_conv_1x1": 0.13, "avg_pool_3x3": 0.09, "skip_connect": 0.03, "none": 0.02}


def edges(arch):
    """(operation, from node, to node) of each of the cell's six edges."""
    nodes = [n.strip("|").split("|") for n in arch.split("+")]
    return [(e.split("~")[0], int(e.split("~")[1]), j) for j, node in enumerate(nodes, 1) for e in node]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rng = random.Random(7)
    with open(sys.argv[1]) as f, open(sys.argv[2], "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["index", "arch", "sim_asic", "sim_gpu256"])
        for row in csv.DictReader(f):
            es = edges(row["arch"])
            asic = 0.9 + 15 * sum(ASIC[op] for op, _, _ in es)
            sums = sum(1 for j in (1, 2, 3) if sum(1 for op, _, to in es if to == j and op != "none") >= 2)
            gpu = (4.0 + 15 * (sum(GPU[op] for op, _, _ in es) + 0.05 * sums)) * math.exp(rng.gauss(0, 0.02))
            w.writerow([row["index"], row["arch"], f"{asic:.5f}", f"{gpu:.5f}"])


if __name__ == "__main__":
    main()
