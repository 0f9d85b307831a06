#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How far op counts carry from 10 NAS-Bench-201 cells to all of them, per device of a HELP table.

For 20 seeded draws of 10 cells (cells that compute a constant left out), a linear model of the
cell's op counts (intercept + one cost per nor_conv_3x3, nor_conv_1x1, avg_pool_3x3,
skip_connect) is fitted by relative least squares on the 10 and scored on every cell: the median
share within 10% and Spearman over the draws. With --dead-code-removed, operations whose results
reach the output only through `none` edges are not counted (what the Pixel 3's runtime does).
The evidence for adapt's per-kernel costs (docs/adapt.md).

Usage: /usr/bin/python3 bench/accuracy/nb201_few_cells.py datasets/help-nb201/nb201_latency_ms.csv [--dead-code-removed]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb201_op_counts import count_table, ranks  # noqa: E402


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    devices, x, y = count_table(argv[1], "used" if "--dead-code-removed" in argv else "all")
    for d in devices:
        t = y[d]
        within, spearman = [], []
        for seed in range(20):
            pick = np.random.default_rng(seed).choice(len(t), 10, replace=False)
            w = 1 / t[pick]
            b = np.linalg.lstsq(x[pick] * w[:, None], np.ones(10), rcond=None)[0]
            p = x @ b
            within.append(np.mean(np.abs(p / t - 1) <= 0.10))
            spearman.append(np.corrcoef(ranks(p), ranks(t))[0, 1])
        print(f"{d}: within 10% median {100 * np.median(within):.1f}%, Spearman median {np.median(spearman):.3f} "
              f"(lowest {min(spearman):.3f}) over 20 draws of 10 cells")


if __name__ == "__main__":
    main(sys.argv)
