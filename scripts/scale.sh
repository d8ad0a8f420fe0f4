#!/usr/bin/env bash
# Scale of a virtual run (issue 19): wall time, simulated exchanges per
# second and peak memory of the issue's table, one row per run.
#
#   100k orders, poll 500 ms   | 1M orders, poll 500 ms | 1M orders, webhook
#   hook0-day (scenarios/hook0-day.toml: 10,000 merchants polling an event
#   log every 60 s for a simulated day, 14.4 M polls, and a webhook)
#   5M orders, poll 500 ms (only with SCALE_5M=1: it takes minutes)
#
# The synthetic rows are the issue's workload: Poisson arrivals at 1,000
# orders/s, settling uniformly 100 ms to 1.6 s after creation, so about 1,100
# orders are in flight at any instant whatever the run's length: memory that
# grows with the row's orders grows with the run, not with what is in flight.
# Their scenario files are written to a temporary folder (removed at the end);
# they are not in scenarios/, so `hooklab run` never runs them by default.
#
# Each run is `hooklab -q run FILE --format json --no-write --force` under
# /usr/bin/time -v, on `hooklab run`'s default threads (one per core: a
# large poll strategy runs as two shards, one per thread, see BENCHMARKS.md,
# "Sharding by default"; JOBS=1 runs everything on one), the
# summary on standard output and no files written; --force passes the CLI's
# cost estimate, which refuses runs it thinks will not fit. "exchanges" is
# the summary's `requests.total` summed over strategies (creations, polls,
# webhook attempts, registrations, 429s): every one a full HTTP/1.1 exchange
# over an in-memory pipe. "summary" is the size of summary.json. "cpu_s" is
# user + system CPU time and "exch/cpu_s" the exchanges per CPU second: on a
# machine shared with other work, wall time measures the neighbours too, CPU
# time much less.
#
# Knobs (environment): ROWS (default "100k-poll 1m-poll 1m-webhook hook0-day",
# plus 5m-poll with SCALE_5M=1), HOOKLAB (a built binary; default: builds
# target/release/hooklab), KEEP=dir (keep the summaries there), RUN_ARGS
# (more arguments for each run: RUN_ARGS="--transport http1" measures the
# virtual network over real HTTP/1.1 on pipes instead of the direct default),
# JOBS (threads, default: one per core; the summary is the same whatever
# it is), RUN_ARGS="--shards 1" (each strategy in one world, as before
# sharding was the default; see BENCHMARKS.md).
# Needs: cargo, python3, /usr/bin/time (Debian package `time`).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rows=${ROWS:-"100k-poll 1m-poll 1m-webhook hook0-day"}
if [[ "${SCALE_5M:-0}" == 1 ]]; then rows="$rows 5m-poll"; fi

if [[ ! -x /usr/bin/time ]]; then
  echo "scale: /usr/bin/time is missing (apt-get install time)" >&2
  exit 1
fi
if [[ -z "${HOOKLAB:-}" ]]; then
  (cd "$repo" && cargo build --release -q -p hooklab)
  HOOKLAB="$repo/target/release/hooklab"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A scenario of `$2` orders learned by strategy `$3` (a TOML [[strategy]] body).
synthetic() {
  cat >"$work/$1.toml" <<EOF
name = "scale-$1"
description = "issue 19's scale row $1: $2 orders, Poisson 1,000/s, settling 100 ms to 1.6 s later"
seed = 19
clock = "virtual"

[workload]
orders = $2
arrival = { dist = "poisson", per_s = 1000 }
settle = { dist = "uniform", min_ms = 100, max_ms = 1600 }

[[strategy]]
$3
EOF
  echo "$work/$1.toml"
}

poll='name = "poll-500ms"
kind = "poll"
interval_ms = 500'
webhook='name = "webhook"
kind = "webhook"'

file_of() {
  case "$1" in
    100k-poll) synthetic "$1" 100000 "$poll" ;;
    1m-poll) synthetic "$1" 1000000 "$poll" ;;
    5m-poll) synthetic "$1" 5000000 "$poll" ;;
    1m-webhook) synthetic "$1" 1000000 "$webhook" ;;
    hook0-day) echo "$repo/scenarios/hook0-day.toml" ;;
    *) echo "scale: unknown row $1" >&2; return 1 ;;
  esac
}

echo "scale: $(nproc) CPUs, $(uptime | sed 's/.*load average/load average/'), $(date -u +%H:%MZ), $("$HOOKLAB" --version 2>/dev/null || echo hooklab)"
printf '%-11s %8s %8s %8s %10s %11s %11s %11s %10s\n' row orders wall_s cpu_s exchanges exchanges/s exch/cpu_s max_rss_MB summary_KB
for row in $rows; do
  file=$(file_of "$row")
  /usr/bin/time -v -o "$work/$row.time" \
    "$HOOKLAB" -q run "$file" --format json --no-write ${JOBS:+--jobs "$JOBS"} --force ${RUN_ARGS:-} >"$work/$row.json"
  if [[ -n "${KEEP:-}" ]]; then mkdir -p "$KEEP" && cp "$work/$row.json" "$KEEP/$row.json"; fi
  python3 - "$row" "$work/$row.json" "$work/$row.time" <<'EOF'
import json, os, re, sys
row, summary_path, time_path = sys.argv[1:]
summary = json.load(open(summary_path))
timing = open(time_path).read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (.*)", timing).group(1).strip()
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing).group(1))
cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", timing).group(1))
          for kind in ("User", "System"))
exchanges = sum(s["requests"]["total"] for s in summary["strategies"])
orders = summary["scenario"]["orders"]
print(f"{row:<11} {orders:>8} {seconds:>8.1f} {cpu:>8.1f} {exchanges:>10} {exchanges / seconds:>11.0f} "
      f"{exchanges / cpu:>11.0f} {rss_kb / 1024:>11.0f} {os.path.getsize(summary_path) / 1024:>10.0f}")
for s in summary["strategies"]:
    print(f"{'':<11} {s['name']}: {s['notified']}/{s['orders']} notified, {s['missed']} missed, "
          f"latency p50 {s['latency_ms']['p50']} ms, counts_agree {s['counts_agree']}")
EOF
done
