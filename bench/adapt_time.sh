#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# How long `kernelmeter-cli adapt` takes, measuring included (docs/adapt.md: at most 5 minutes on
# the project's 2-core machine). Each transfer runs in a fresh data and cache folder and a fresh
# database, so nothing measured earlier is reused; best with nothing else running.
#
# Usage: bench/adapt_time.sh [-c CLI] [-o OUT] [-e EARLIER] [-a ARGS] [TARGET:SOURCE ...]
#   CLI      kernelmeter-cli (default build/release/app/cli/kernelmeter-cli)
#   OUT      folder for each transfer's predictor (adapted-SOURCE-TARGET.json), output and database
#            (default: a new temporary folder, printed)
#   EARLIER  a database of earlier measurements (such as `kernelmeter-cli measure --db` of the
#            evaluation networks) that each transfer's database starts as, its predictors left
#            out: adapt's usual speed and machine-phase check then have them to go by
#   ARGS     more options of adapt, e.g. "--at-session-speed" (split at spaces)
#   default transfers: opencv-t1:xnnpack-t1 xnnpack-t1:opencv-t1 xnnpack-t2:xnnpack-t1 opencv-t2:opencv-t1
set -u
cli=build/release/app/cli/kernelmeter-cli
out= earlier= args=
while getopts "c:o:e:a:" opt; do
  case $opt in
    c) cli=$OPTARG ;;
    o) out=$OPTARG ;;
    e) earlier=$OPTARG ;;
    a) args=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -x "$cli" ] || { echo "adapt_time.sh: $cli is not an executable kernelmeter-cli (build first, or -c CLI)" >&2; exit 2; }
[ -z "$earlier" ] || [ -f "$earlier" ] || { echo "adapt_time.sh: -e $earlier: no such database" >&2; exit 2; }
[ -n "$out" ] || out=$(mktemp -d /tmp/km-adapt-time.XXXXXX)
mkdir -p "$out" || exit 2
transfers=("$@")
[ ${#transfers[@]} -gt 0 ] || transfers=(opencv-t1:xnnpack-t1 xnnpack-t1:opencv-t1 xnnpack-t2:xnnpack-t1 opencv-t2:opencv-t1)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores; results in $out"
printf '%-26s %9s %6s  %s\n' transfer seconds rc "left-out RMSPE / within 10% over the 10 networks"
status=0
for t in "${transfers[@]}"; do
  target=${t%%:*} source=${t#*:}
  name=$source-$target
  home=$out/home-$name
  rm -rf "$home" "$out/adapt-$name.db" && mkdir -p "$home"
  if [ -n "$earlier" ]; then
    cp "$earlier" "$out/adapt-$name.db" && sqlite3 "$out/adapt-$name.db" "delete from predictors" || exit 2
  fi
  start=$(date +%s.%N)
  XDG_DATA_HOME=$home/data XDG_CACHE_HOME=$home/cache "$cli" adapt --device "$target" --from "$source" $args \
    --db "$out/adapt-$name.db" -o "$out/adapted-$name.json" --json > "$out/adapt-$name.out" 2> "$out/adapt-$name.err"
  rc=$?
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  fit=$(sed -n 's/^ "leave_one_out_rmspe": \([0-9.e-]*\).*/\1/p; s/^ "leave_one_out_within10": \([0-9.e-]*\).*/\1/p' \
    "$out/adapt-$name.out" | tr '\n' ' ')
  printf '%-26s %9.1f %6s  %s\n' "$source -> $target" "$seconds" "$rc" "${fit:-$(tail -n 1 "$out/adapt-$name.err")}"
  [ "$rc" -eq 0 ] || status=1
done
exit $status
