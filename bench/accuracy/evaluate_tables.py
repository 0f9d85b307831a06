#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Markdown tables for docs/results.md from `kernelmeter-cli evaluate --json` output.

Usage: kernelmeter-cli evaluate --device D [--at-reference-speed] --json > eval.json
       python3 bench/accuracy/evaluate_tables.py eval.json [split|lofo|both]
Prints, per table: one row per family (share within 10%, RMSPE in brackets, per method), the
overall row in bold, and a line with the overall within 5/10/15% and MAPE of each method.
"""
import json
import sys


def cell(m):
    return f"{100 * m['within_10']:.0f}% ({100 * m['rmspe']:.1f}%)"


def table(doc, key, title):
    methods = doc["methods"]
    block = doc[key]
    families = sorted(next(iter(block.values()))["families"].keys())
    overall_models = next(iter(block.values()))["overall"]["models"]
    out = [f"#### {doc['device']}, {title} ({overall_models} models): share within 10% (RMSPE)", "",
           "| family | models | " + " | ".join(methods) + " |",
           "|---|---|" + "---|" * len(methods)]
    for f in families:
        first = block[methods[0]]["families"][f]
        row = [f, str(first["models"])]
        for m in methods:
            fam = block[m]["families"].get(f)
            row.append(cell(fam) if fam and fam["models"] else "-")
        out.append("| " + " | ".join(row) + " |")
    row = ["**overall**", str(overall_models)] + [f"**{cell(block[m]['overall'])}**" for m in methods]
    out.append("| " + " | ".join(row) + " |")
    out.append("")
    parts = []
    for m in methods:
        o = block[m]["overall"]
        parts.append(f"{m} {100 * o['within_5']:.0f}/{100 * o['within_10']:.0f}/{100 * o['within_15']:.0f}%, "
                     f"MAPE {100 * o['mape']:.1f}%")
    out.append("overall within 5/10/15%: " + "; ".join(parts))
    return "\n".join(out)


def main():
    doc = json.load(open(sys.argv[1]))
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    if which in ("split", "both"):
        print(table(doc, "split", "split"))
        print()
    if which in ("lofo", "both"):
        print(table(doc, "leave_one_family_out", "leave one family out"))
        print()
    if doc.get("nn_meter_note"):
        print(doc["nn_meter_note"])


if __name__ == "__main__":
    main()
