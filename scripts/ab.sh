#!/usr/bin/env bash
# A/B timing of two xxgk binaries on the same command, alternating them so that a busy or
# drifting machine affects both alike (see BENCHMARKS.md).
#
# Usage: scripts/ab.sh BIN_A BIN_B N ARGS...
#   Runs `BIN_A ARGS`, `BIN_B ARGS`, N times each, alternating; prints each binary's wall and
#   user seconds, run by run, and their medians. Output of the runs is discarded.
#   Example: scripts/ab.sh /tmp/xxgk-old target/release/xxgk 5 run CORPUS -o /tmp/ab -q
set -euo pipefail
if [ $# -lt 4 ]; then sed -n '2,8p' "$0"; exit 2; fi
A=$1; B=$2; N=$3; shift 3
TIMEF=/usr/bin/time
[ -x "$TIMEF" ] || { echo "ab.sh: needs GNU time at $TIMEF" >&2; exit 2; }
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
for _ in $(seq "$N"); do
  for label in A B; do
    if [ "$label" = A ]; then bin=$A; else bin=$B; fi
    "$TIMEF" -f "$label %e %U" -o "$stats" "$bin" "$@" > /dev/null 2>&1 || true
    cat "$stats"
  done
done | awk '
  { wall[$1] = wall[$1] " " $2; user[$1] = user[$1] " " $3; w[$1, ++n[$1]] = $2; u[$1, n[$1]] = $3 }
  function median(arr, label, count,    i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = arr[label, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (count % 2) ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
  }
  END {
    for (label in n) printf "%s wall:%s  (median %.2f)  user:%s  (median %.2f)\n", label, wall[label], median(w, label, n[label]), user[label], median(u, label, n[label])
  }' | sort
