#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Adapts again from what an earlier bench/adapt_time.sh run stored (its databases), with
# another seed of the choice of networks or another build of the CLI: the kernels and networks
# measured before are reused, networks the new choice adds are measured. How docs/adapt.md judges a
# change of the fit or the choice over several draws without measuring everything again.
# Stored times are reused only on the CPU and runtime version they were taken on; on another
# machine everything is measured again. The networks a new seed adds are measured into OUT, not
# IN: to compare two builds on the same measurements of such a draw, refit the second from the
# first's OUT (-i OUT1), not from IN again.
#
# Usage: bench/adapt_refit.sh [-c CLI] [-s SEED] [-a ARGS] -i IN -o OUT [TARGET:SOURCE ...]
#   CLI   kernelmeter-cli (default build/release/app/cli/kernelmeter-cli)
#   SEED  --seed of adapt (default 1)
#   ARGS  more options of adapt, e.g. "--input-size 224" (split at spaces)
#   IN    the folder of an adapt_time.sh run (read only: its databases are copied; the networks and
#         kernels are generated again, their times found in the database)
#   OUT   folder for each transfer's predictor (adapted-SOURCE-TARGET.json), output and database
#   default transfers: every adapt-SOURCE-TARGET.db in IN
# Score a result as docs/adapt.md does: kernelmeter-cli evaluate --predictor OUT/adapted-S-T.json ...
set -u
cli=build/release/app/cli/kernelmeter-cli
seed=1 in= out= args=
while getopts "c:s:a:i:o:" opt; do
  case $opt in
    c) cli=$OPTARG ;;
    s) seed=$OPTARG ;;
    a) args=$OPTARG ;;
    i) in=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -x "$cli" ] || { echo "adapt_refit.sh: $cli is not an executable kernelmeter-cli (build first, or -c CLI)" >&2; exit 2; }
[ -n "$in" ] && [ -d "$in" ] || { echo "adapt_refit.sh: -i IN, the folder of an adapt_time.sh run, is needed" >&2; exit 2; }
[ -n "$out" ] || { echo "adapt_refit.sh: -o OUT is needed" >&2; exit 2; }
[ "$(readlink -f "$in")" != "$(readlink -f "$out")" ] || { echo "adapt_refit.sh: OUT must differ from IN" >&2; exit 2; }
mkdir -p "$out" || exit 2
transfers=("$@")
if [ ${#transfers[@]} -eq 0 ]; then
  for db in "$in"/adapt-*.db; do
    [ -e "$db" ] || continue
    name=$(basename "$db" .db); name=${name#adapt-}
    for t in opencv-t1 opencv-t2 xnnpack-t1 xnnpack-t2; do
      case $name in *-"$t") transfers+=("$t:${name%-"$t"}") ;; esac
    done
  done
fi
[ ${#transfers[@]} -gt 0 ] || { echo "adapt_refit.sh: no adapt-SOURCE-TARGET.db in $in" >&2; exit 2; }
printf '%-26s %6s  %s\n' transfer rc "fit chosen"
status=0
for t in "${transfers[@]}"; do
  target=${t%%:*} source=${t#*:}
  name=$source-$target
  [ -f "$in/adapt-$name.db" ] || { printf '%-26s %6s  %s\n' "$source -> $target" - "not in $in"; status=1; continue; }
  cp "$in/adapt-$name.db" "$out/adapt-$name.db" || exit 2
  # The source is the predictor the first run started from, not what it stored (SOURCE = TARGET).
  sqlite3 "$out/adapt-$name.db" "delete from predictors where device_id='$source'"
  rm -rf "$out/home-$name"
  mkdir -p "$out/home-$name"
  XDG_DATA_HOME=$out/home-$name/data XDG_CACHE_HOME=$out/home-$name/cache "$cli" adapt --device "$target" --from "$source" \
    --seed "$seed" $args --db "$out/adapt-$name.db" -o "$out/adapted-$name.json" > "$out/adapt-$name.txt" 2> "$out/adapt-$name.err"
  rc=$?
  printf '%-26s %6s  %s\n' "$source -> $target" "$rc" "$(sed -n 's/^fit  *\([^:]*\):.*/\1/p' "$out/adapt-$name.txt")"
  [ "$rc" -eq 0 ] || status=1
done
exit $status
