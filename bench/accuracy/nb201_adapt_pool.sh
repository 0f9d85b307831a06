#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# adapt on devices of the HELP table (datasets/help-nb201), scored on a fixed sample of the cells:
# every 26th row of the table (601 cells), so one device takes seconds where scoring all 15,625
# takes minutes (`kernelmeter-cli evaluate --device D --dataset help-nb201`). For comparing
# choices of the fit quickly; the results table of docs/adapt.md is made on every cell.
#
# Usage: bench/accuracy/nb201_adapt_pool.sh [-c CLI] [-s SOURCE] [-a ARGS] [-o OUT] DEVICE...
#   CLI     kernelmeter-cli (default build/release/app/cli/kernelmeter-cli)
#   SOURCE  the predictor adapted from (default xnnpack-t1)
#   ARGS    more arguments for adapt, one string (e.g. "--seed 2")
#   OUT     folder for the cells and the adapted predictors, kept (default: a temporary folder,
#           removed at the end: the cells take about 0.9 GB per device)
#   DEVICE  pixel3, samsung-s7, gold-6226, 1080ti-1 (the table must have been imported:
#           kernelmeter-cli dataset import-table datasets/help-nb201/nb201_latency_ms.csv --name help-nb201)
set -u
cli=build/release/app/cli/kernelmeter-cli
source=xnnpack-t1
extra=
out=
while getopts "c:s:a:o:" opt; do
  case $opt in
    c) cli=$OPTARG ;;
    s) source=$OPTARG ;;
    a) extra=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,15p' "$0"; exit 2; }
[ -x "$cli" ] || { echo "nb201_adapt_pool.sh: $cli is not an executable kernelmeter-cli (build first, or -c CLI)" >&2; exit 2; }
table=$(cd "$(dirname "$0")/../.." && pwd)/datasets/help-nb201/nb201_latency_ms.csv
if [ -z "$out" ]; then
  out=$(mktemp -d /tmp/km-nb201-pool.XXXXXX) || exit 2
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out" || exit 2
# index -> arch string of the table's rows
archOf() { awk -F, -v i="$1" 'NR > 1 && $1 == i { print $2; exit }' "$table"; }
status=0
for device in "$@"; do
  adapted=$out/adapted-$source-$device.json
  # shellcheck disable=SC2086 # ARGS is split into words on purpose
  if ! "$cli" adapt --device "$device" --from "$source" --dataset help-nb201 $extra -o "$adapted" > "$out/adapt-$device.txt" 2>&1; then
    echo "$device: adapt failed:" >&2
    sed 's/^/  /' "$out/adapt-$device.txt" >&2
    status=1
    continue
  fi
  # The sample, and the adaptation's own cells (evaluate fits the baselines on those).
  cells=$out/cells-$device
  rm -rf "$cells" && mkdir -p "$cells"
  args=()
  while IFS=, read -r index arch _; do args+=(--nb201 "$arch"); done < <(awk -F, 'NR > 1 && $1 % 26 == 0' "$table")
  for index in $(awk '/^nb201-[0-9]+ / { sub("nb201-", "", $1); print $1 }' "$out/adapt-$device.txt"); do
    args+=(--nb201 "$(archOf "$index")")
  done
  "$cli" zoo "${args[@]}" -o "$cells" > /dev/null || { status=1; continue; }
  echo "== $device (from $source)"
  grep -E '^(fit|families)' "$out/adapt-$device.txt"
  "$cli" evaluate --device "$device" --models "$cells" --predictor "$adapted" 2>&1 | grep -vE '^ *[0-9]+% '
done
exit $status
