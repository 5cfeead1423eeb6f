#!/usr/bin/env bash
# Benchmark of a full `xxgk run` against ripgrep on a generated corpus (see BENCHMARKS.md).
#
# Usage: scripts/bench.sh [--reports N] [--dir DIR] [--jobs "1 2"] [--no-incremental]
#   Generates DIR/corpus-N with `xxgk gen-corpus` unless present, times
#   `rg -c 主动公开 CORPUS` (the floor: read every byte once), then `xxgk run --full` with each
#   -j, then an incremental re-run after changing 1% of the files (restored afterwards).
#   Prints files/s, MB/s, the ratio to rg, the -j speed-up and peak RSS (/usr/bin/time %M).
set -euo pipefail

REPORTS=10000
DIR=${TMPDIR:-/tmp}/xxgk-bench
JOBS="1 2"
INCREMENTAL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --reports) REPORTS=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --no-incremental) INCREMENTAL=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
BIN=${XXGK_BIN:-target/release/xxgk}
if [ ! -x "$BIN" ]; then cargo build --release --quiet; fi
CORPUS=$DIR/corpus-$REPORTS
mkdir -p "$DIR"
if [ ! -d "$CORPUS" ]; then "$BIN" gen-corpus "$CORPUS" --reports "$REPORTS" --seed 1; fi

FILES=$(find "$CORPUS" -type f | wc -l)
BYTES=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b/1e6}')
echo "corpus: $CORPUS, $FILES files, $MB MB"
# Warm the page cache (and the directory entries) for both tools: one untimed pass of each.
find "$CORPUS" -type f -exec cat {} + > /dev/null
if command -v rg > /dev/null; then rg -c 主动公开 "$CORPUS" > /dev/null || true; fi

now() { date +%s.%N; }
TIMEF=""
if [ -x /usr/bin/time ]; then TIMEF=/usr/bin/time; fi

# run_timed LABEL CMD...: sets SECS and RSS_KB.
run_timed() {
  local label=$1; shift
  local t0 t1 stats=$DIR/.time-$$
  t0=$(now)
  if [ -n "$TIMEF" ]; then
    "$TIMEF" -f '%M' -o "$stats" "$@" > /dev/null 2> "$DIR/$label.log" || [ $? -eq 1 ]
    RSS_KB=$(tail -1 "$stats")
  else
    "$@" > /dev/null 2> "$DIR/$label.log" || [ $? -eq 1 ]
    RSS_KB=NA
  fi
  t1=$(now)
  SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')
  rm -f "$stats"
}

RG_SECS=""
if command -v rg > /dev/null; then
  # The floor is taken at its best of three (it is short, so noise weighs most on it).
  for _ in 1 2 3; do
    run_timed rg rg -c 主动公开 "$CORPUS"
    if [ -z "$RG_SECS" ] || awk -v a="$SECS" -v b="$RG_SECS" 'BEGIN {exit !(a < b)}'; then
      RG_SECS=$SECS
    fi
  done
  SECS=$RG_SECS
  printf '%-28s %8ss %10.0f files/s %8.1f MB/s  peak RSS %s KB\n' "rg -c 主动公开" "$SECS" \
    "$(awk -v n="$FILES" -v s="$SECS" 'BEGIN {print n/s}')" "$(awk -v m="$MB" -v s="$SECS" 'BEGIN {print m/s}')" "$RSS_KB"
else
  echo "rg not found (apt-get install -y ripgrep): no ratio to rg"
fi

declare -A RUN_SECS
for j in $JOBS; do
  run_timed "xxgk-j$j" "$BIN" run "$CORPUS" -o "$DIR/out-$REPORTS-j$j" -q -j "$j" --full --timings
  RUN_SECS[$j]=$SECS
  ratio=""
  if [ -n "$RG_SECS" ]; then ratio=$(awk -v a="$SECS" -v b="$RG_SECS" 'BEGIN {printf "%.1fx rg", a/b}'); fi
  printf '%-28s %8ss %10.0f files/s %8.1f MB/s  peak RSS %s KB  %s\n' "xxgk run -j $j" "$SECS" \
    "$(awk -v n="$FILES" -v s="$SECS" 'BEGIN {print n/s}')" "$(awk -v m="$MB" -v s="$SECS" 'BEGIN {print m/s}')" "$RSS_KB" "$ratio"
  grep phases "$DIR/xxgk-j$j.log" | sed 's/^/  /' || true
done
set -- $JOBS
if [ $# -ge 2 ]; then
  awk -v a="${RUN_SECS[$1]}" -v b="${RUN_SECS[${!#}]}" -v j="${!#}" 'BEGIN {printf "speed-up -j %s over -j 1: %.2fx\n", j, a/b}'
fi

if [ "$INCREMENTAL" = 1 ]; then
  LAST=${!#}
  OUT="$DIR/out-$REPORTS-j$LAST"
  CHANGED=$DIR/.changed-$$
  find "$CORPUS" -type f | sort | awk 'NR % 100 == 0' > "$CHANGED"
  while read -r f; do printf '\n' >> "$f"; done < "$CHANGED"
  run_timed "xxgk-incremental" "$BIN" run "$CORPUS" -o "$OUT" -q -j "$LAST" --timings
  INC=$SECS
  while read -r f; do truncate -s -1 "$f"; done < "$CHANGED"
  printf '%-28s %8ss  (%s files changed, %.0f%% of the full run)  peak RSS %s KB\n' "xxgk run (incremental)" "$INC" \
    "$(wc -l < "$CHANGED")" "$(awk -v a="$INC" -v b="${RUN_SECS[$LAST]}" 'BEGIN {print 100*a/b}')" "$RSS_KB"
  grep -E "reused|phases" "$DIR/xxgk-incremental.log" | sed 's/^/  /' || true
  rm -f "$CHANGED"
fi
