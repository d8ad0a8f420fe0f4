#!/usr/bin/env bash
# Load test of hooklab's platform, shop receiver and dispatcher, on loopback.
#
# Measures, side by side in one run, on this machine (issue 19's targets):
#   1. the platform's GET /v1/payments/{id} vs a bare axum handler answering
#      the same JSON from memory (target: platform/bare >= 0.90);
#   2. the shop's webhook receiver (POST /webhooks/payments, signed deliveries
#      with distinct webhook-ids, verified and deduplicated) vs the same bare
#      app (target: receiver/bare >= 0.75);
#   3. the dispatcher's deliveries per second to a fast local receiver, with
#      no delivery lost or doubled, against the transport's own ceiling with
#      the same messages (the same signed event, the same five headers, the
#      same cap of 64 in flight), bursts and ceilings alternating (target:
#      burst/ceiling >= 0.85); and the same burst from a platform keeping its
#      books in SQLite (the durable dispatcher: transactional outbox, batched
#      attempt commits; target: at least half the in-memory rate);
#   4. memory per pending order across platform and shop (target: < 2 KB);
#   5. real-mode webhook notification latency at low load, the median of
#      LATENCY_RUNS runs' p50 (target: p50 < 0.3 ms). It runs FIRST, before
#      any wrk stage and before the targets are started (their signed
#      deliveries are hundreds of MB written to disk), once the 1-minute
#      load average is below LATENCY_MAX_LOAD (waiting at most LATENCY_WAIT
#      seconds, and saying so): it used to run last, where a run measured
#      0.37 ms against 0.21 ms for the same build alone, and a p50 of a
#      quarter millisecond moves with whatever else the machine runs
#      (BENCHMARKS.md, section "latstage"). The load average it ran at,
#      and how busy the CPUs were meanwhile, are printed beside its result
#      in the summary, so a reader can tell a low-load run from one that
#      was not.
# Ratios are printed because absolute numbers on a shared machine drift.
# Beside each stage's result a `machine:` line says how busy the machine
# was: the 1-minute load average at the stage's start and end, the share of
# the CPUs busy and stolen by the hypervisor during the stage (/proc/stat),
# and the TIME_WAIT sockets left at its end.
#
# Every server binds 127.0.0.1:0; wrk runs bounded (-d). Knobs (environment):
#   DURATION=2s CONNECTIONS=32 THREADS=2 ROUNDS=8 PAYMENTS=10000 ORDERS=10000
#   (ROUNDS rounds of one bare and one target run each, the order
#   alternating round by round: see compare below; keep ROUNDS even)
#   DELIVERIES (signed deliveries per round; default 150,000 per second of
#   DURATION, above what even the bare app answers on this machine, so no
#   webhook-id repeats within a round; the load target writes each round's
#   just before it, so only one round is on disk at a time, and a round
#   that ran out and replayed some is said, round by round and in the
#   summary)
#   DISPATCH_ORDERS=20000 DISPATCH_PER_S=5000 BURSTS=5 MEMORY_ORDERS=100000
#   LATENCY_RUNS=3 LATENCY_MAX_LOAD=0.5 LATENCY_WAIT=120
#   LATENCY_AGAIN=0 (1: run the latency stage once more at the end, where
#   it used to run, and print it beside the first, not judged)
#   CHECK_AA=0 (1: before the status endpoint, the same comparison of the
#   bare app against itself, not judged: what its median and spread are
#   when both sides do the same work, the method's own noise right then)
# Each round's signed deliveries carry the timestamp of their writing, and
# the receiver accepts 5 minutes of skew (the script fails if any delivery
# is refused).
#   CARGO_TARGET_DIR (default: <repo>/target)
# Needs: cargo; wrk (installed with apt-get if missing, as root or via sudo).
set -euo pipefail

DURATION=${DURATION:-2s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-8}
PAYMENTS=${PAYMENTS:-10000}
ORDERS=${ORDERS:-10000}
# DURATION in seconds (wrk's `3s`, `1m` or a bare number of seconds).
duration_secs() {
    case $1 in
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
DELIVERIES=${DELIVERIES:-$((150000 * $(duration_secs "$DURATION")))}
DISPATCH_ORDERS=${DISPATCH_ORDERS:-20000}
DISPATCH_PER_S=${DISPATCH_PER_S:-5000}
BURSTS=${BURSTS:-5}
MEMORY_ORDERS=${MEMORY_ORDERS:-100000}
LATENCY_RUNS=${LATENCY_RUNS:-3}
LATENCY_MAX_LOAD=${LATENCY_MAX_LOAD:-0.5}
LATENCY_WAIT=${LATENCY_WAIT:-120}
LATENCY_AGAIN=${LATENCY_AGAIN:-0}
CHECK_AA=${CHECK_AA:-0}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
bin=$target_dir/release/examples/load_target
work=$(mktemp -d)
server_pid=""

cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }

# --- wrk ---------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    say "wrk is missing: installing it from Debian's packages"
    sudo_cmd=""
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null
fi

# --- build -------------------------------------------------------------------
say "building the load target (release)..."
(cd "$repo" && CARGO_TARGET_DIR=$target_dir cargo build --quiet --release -p hooklab-harness --example load_target)

# --- machine -----------------------------------------------------------------
say ""
say "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "== load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- how busy the machine is -------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
# cpu_jiffies: busy, stolen and total jiffies of all CPUs since boot.
cpu_jiffies() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8; print busy, $9, busy + $5 + $6 + $9 }' /proc/stat
}
time_wait() {
    if command -v ss >/dev/null 2>&1; then
        ss -tan state time-wait | awk 'NR > 1' | wc -l
    else
        echo "?"
    fi
}
# stage_start / stage_note: around a stage; stage_note prints its
# `machine:` line (see the top of this file) and keeps it in $stage_machine.
stage_start() {
    stage_load=$(load1)
    stage_cpu=$(cpu_jiffies)
}
stage_note() {
    stage_machine=$(awk -v a="$stage_cpu" -v b="$(cpu_jiffies)" -v l0="$stage_load" -v l1="$(load1)" -v tw="$(time_wait)" 'BEGIN {
        split(a, x, " "); split(b, y, " "); t = y[3] - x[3]; if (t <= 0) t = 1
        printf "load average %s at the start, %s at the end; CPUs %.0f%% busy and %.1f%% stolen during it; %s TIME_WAIT sockets",
            l0, l1, 100 * (y[1] - x[1]) / t, 100 * (y[2] - x[2]) / t, tw }')
    say "   machine: $stage_machine"
}

# --- webhook latency, first ----------------------------------------------------
# At low load means on a machine that runs nothing else: before the wrk
# stages (and the targets' signing of their deliveries), and once the load
# average says the build and anyone else's work are over. The CPU busy
# share printed beside it is the witness: the stage alone keeps about 5 %
# of the two CPUs busy (BENCHMARKS.md, section "latstage").
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
say ""
say "== webhook notification latency at low load ($LATENCY_RUNS runs), before any other stage"
waited=0
if ! below "$(load1)" "$LATENCY_MAX_LOAD"; then
    say "   waiting for the load average to fall below $LATENCY_MAX_LOAD, at most $LATENCY_WAIT s (now $(load1))"
    while ((waited < LATENCY_WAIT)) && ! below "$(load1)" "$LATENCY_MAX_LOAD"; do
        sleep 5
        waited=$((waited + 5))
    done
fi
if below "$(load1)" "$LATENCY_MAX_LOAD"; then
    latency_when="run first, after waiting ${waited} s: load average $(load1) at its start"
else
    latency_when="run first; the load average stayed above $LATENCY_MAX_LOAD for ${waited} s: load average $(load1) at its start, NOT a low-load measurement"
    say "   the load average is still $(load1) after $waited s: measuring anyway (see the summary)"
fi
# latency_runs: LATENCY_RUNS runs of the stage, printed, and their lines in
# $latency_out.
latency_runs() {
    local l more
    latency_out=""
    stage_start
    for ((l = 1; l <= LATENCY_RUNS; l++)); do
        more=$("$bin" latency --orders 200)
        say "$more"
        latency_out+="$more"$'\n'
    done
    stage_note
}
latency_runs
latency_when+="; CPUs $(sed -n 's/.*CPUs \([^ ]*\) busy and \([^ ]*\) stolen.*/\1 busy, \2 stolen/p' <<<"$stage_machine") during it"

say ""
say "== load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s), bare and target alternating (bare first in odd rounds, the target first in even ones)"

# --- lua scripts -------------------------------------------------------------
cat >"$work/status.lua" <<'LUA'
-- GET /v1/payments/pay_NNNNNN, a random one of the pre-created payments,
-- with the merchant's API key (the bare app ignores it).
local n = tonumber(os.getenv("HOOKLAB_PAYMENTS") or "10000")
math.randomseed(os.time())
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HOOKLAB_API_KEY")
request = function()
    return wrk.format("GET", string.format("/v1/payments/pay_%06d", math.random(1, n)))
end
LUA
cat >"$work/event.lua" <<'LUA'
-- POST /webhooks/payments: replays the load target's pre-signed deliveries
-- (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature), so
-- the receiver verifies a real HMAC and deduplicates on a fresh webhook-id
-- every time. Each thread reads its own file of raw requests separated by
-- NUL bytes (one read, no parsing: a short init, since wrk starts its first
-- thread before the next one's init has run) and sends them in order. A
-- thread that runs out starts over, and counts every request it sends from
-- then on: `done` prints the sum as `Replayed: N`.
local dir = os.getenv("HOOKLAB_DELIVERIES")
local round = os.getenv("HOOKLAB_ROUND") or "1"
local counter = 0
local threads = {}
setup = function(thread)
    thread:set("tid", counter)
    counter = counter + 1
    table.insert(threads, thread)
end
local data, pos
replayed = 0
local wrapped = false
init = function(args)
    local f = assert(io.open(string.format("%s/deliveries-%s-%d.http", dir, round, tid), "rb"))
    data = f:read("*a")
    f:close()
    pos = 1
end
request = function()
    local stop = data:find("\0", pos, true)
    if not stop then
        -- Out of fresh deliveries: start over (the receiver counts these as
        -- redeliveries, and the script reports them).
        pos = 1
        stop = data:find("\0", pos, true)
        wrapped = true
    end
    if wrapped then
        replayed = replayed + 1
    end
    local r = data:sub(pos, stop - 1)
    pos = stop + 1
    return r
end
done = function(summary, latency, requests)
    local n = 0
    for _, t in ipairs(threads) do
        n = n + (tonumber(t:get("replayed")) or 0)
    end
    io.write(string.format("Replayed: %d\n", n))
end
LUA

# --- servers -----------------------------------------------------------------
mkfifo "$work/out"
"$bin" serve --payments "$PAYMENTS" --orders "$ORDERS" --deliveries "$DELIVERIES" \
    --rounds 1 --threads "$THREADS" --dir "$work" --max-secs 600 >"$work/out" &
server_pid=$!
exec 3<"$work/out"
declare -A url
for _ in 1 2 3 4 5 6 7 8; do
    IFS=' ' read -r -t 120 name value <&3 || { say "the load target did not start"; exit 1; }
    [[ $name == ready ]] && break
    url[$name]=$value
done
say "== targets: platform ${url[platform]}, bare ${url[bare]}, receiver ${url[receiver]}"

# http_get URL: a GET with bash's /dev/tcp, so curl is not needed.
http_get() {
    local rest=${1#http://} hostport path
    hostport=${rest%%/*}
    path=/${rest#*/}
    exec 4<>"/dev/tcp/${hostport%:*}/${hostport#*:}"
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&4
    sed -e '1,/^\r\{0,1\}$/d' <&4
    exec 4<&-
}

# rps SCRIPT URL: requests per second wrk measured, and how many requests
# the script replayed (`Replayed: N`, event.lua's; 0 for the others); fails
# on non-2xx answers.
rps() {
    local out
    out=$(HOOKLAB_PAYMENTS=$PAYMENTS HOOKLAB_API_KEY=${url[api_key]} \
        HOOKLAB_DELIVERIES=${url[deliveries]} HOOKLAB_ROUND=${ROUND:-1} \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$1" "$2")
    if grep -q 'Non-2xx' <<<"$out"; then
        say "non-2xx answers from $2:" >&2
        say "$out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ {r = $2} /^Replayed:/ {p = $2} END {print r, (p == "" ? 0 : p)}' <<<"$out"
}

# compare NAME SCRIPT TARGET_URL TARGET_RATIO [PREPARE]: bare vs target,
# in ROUNDS rounds of one wrk run each (DURATION, the same for both), the
# order alternating from round to round: bare first in odd rounds, the
# target first in even ones (B T | T B | B T ...). PREPARE (a command) runs
# before each round's first run with the round's number. A round's ratio is
# its target run over its bare run; the verdict is on the median of the
# rounds' ratios: on a shared machine one round can lose half its CPU to
# someone's build, and a median of short rounds shrugs that off where a
# ratio of sums does not. The order alternates because a VM's speed drifts
# over seconds: with bare always first, a drift during the rounds moved
# every ratio the same way; alternating, it moves odd and even rounds in
# opposite directions, and their medians are printed apart (bare first,
# target first) so a drift shows as a gap between the two. The ratio of the
# sums, the range and the interquartile range are printed beside it, and
# the target's replayed requests, if any (the bare app's do not matter: it
# reads no body).
compare() {
    local name=$1 script=$2 target=$3 goal=$4 prepare=${5:-} b t t_replayed ratios="" order
    local sum_b=0 sum_t=0 replayed=0
    for ((r = 1; r <= ROUNDS; r++)); do
        if [[ -n $prepare ]]; then $prepare "$r"; fi
        if ((r % 2)); then
            order="bare first"
            read -r b _ <<<"$(ROUND=$r rps "$script" "${url[bare]}")"
            read -r t t_replayed <<<"$(ROUND=$r rps "$script" "$target")"
        else
            order="$name first"
            read -r t t_replayed <<<"$(ROUND=$r rps "$script" "$target")"
            read -r b _ <<<"$(ROUND=$r rps "$script" "${url[bare]}")"
        fi
        local note=""
        if ((t_replayed > 0)); then note=" ($t_replayed of its requests REPLAYED: raise DELIVERIES)"; fi
        replayed=$((replayed + t_replayed))
        say "   round $r ($order): bare $b req/s, $name $t req/s, ratio $(awk -v b="$b" -v t="$t" 'BEGIN {printf "%.3f", t / b}')$note"
        ratios+="$(awk -v b="$b" -v t="$t" -v o=$((r % 2)) 'BEGIN {print t / b, o}')"$'\n'
        sum_b=$(awk -v a="$sum_b" -v x="$b" 'BEGIN {print a + x}')
        sum_t=$(awk -v a="$sum_t" -v x="$t" 'BEGIN {print a + x}')
    done
    sort -g <<<"${ratios%$'\n'}" | awk -v n="$name" -v b="$sum_b" -v t="$sum_t" -v g="$goal" -v r="$ROUNDS" -v p="$replayed" '
        function median(a, k) { return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        # The q-quantile of the sorted a[1..k], interpolated between ranks.
        function quantile(a, k, q,    h, l) { h = 1 + (k - 1) * q; l = int(h); return (l >= k) ? a[k] : a[l] + (h - l) * (a[l + 1] - a[l]) }
        { v[NR] = $1; if ($2 == 1) first[++nf] = $1; else second[++ns] = $1 }
        END {
            med = median(v, NR)
            printf "%s/bare = %.3f (median of %d rounds; range %.3f..%.3f, interquartile %.3f..%.3f; ratio of sums %.3f), target >= %.2f: %s   (mean %.0f vs %.0f req/s)%s\n",
                n, med, NR, v[1], v[NR], quantile(v, NR, 0.25), quantile(v, NR, 0.75), t / b, g, (med >= g ? "met" : "MISSED"), t / r, b / r,
                (p > 0 ? sprintf("; %d requests REPLAYED (raise DELIVERIES)", p) : "")
            if (nf > 0 && ns > 0)
                printf "   (by order: bare first %.3f, median of %d; %s first %.3f, median of %d)\n", median(first, nf), nf, n, median(second, ns), ns }'
}

# fresh_deliveries R: has the load target write round R's signed deliveries
# (and drop the last round's), so only one round is on disk at a time.
fresh_deliveries() {
    http_get "${url[control]}/deliveries?round=$1" >/dev/null
}

if [[ $CHECK_AA == 1 ]]; then
    say ""
    say "== the method's own spread: the bare app against itself, the same rounds (not judged)"
    stage_start
    aa_out=$(compare bare-again "$work/status.lua" "${url[bare]}" 1.00 | sed 's/, target >= 1.00: \(met\|MISSED\)//')
    say "$aa_out"
    stage_note
    aa_line=$(grep '^bare-again/bare' <<<"$aa_out")
fi
say ""
say "== status endpoint: GET /v1/payments/{id} ($PAYMENTS pending payments)"
stage_start
status_out=$(compare platform "$work/status.lua" "${url[platform]}" 0.90)
say "$status_out"
stage_note
status_line=$(grep '^platform/bare' <<<"$status_out")
status_order=$(grep '^   (by order' <<<"$status_out" || true)
say ""
say "== webhook receiver: POST /webhooks/payments (signed, distinct webhook-ids, $ORDERS placed orders, $DELIVERIES deliveries a round)"
stage_start
receiver_out=$(compare receiver "$work/event.lua" "${url[receiver]}" 0.75 fresh_deliveries)
say "$receiver_out"
stage_note
receiver_line=$(grep '^receiver/bare' <<<"$receiver_out")
receiver_order=$(grep '^   (by order' <<<"$receiver_out" || true)
say ""
stats=$(http_get "${url[control]}/stats")
say "   server counts: $stats"
if ! grep -Eq '"platform_rejected":0[,}]' <<<"$stats" || ! grep -Eq '"platform_unauthorized":0[,}]' <<<"$stats" \
    || ! grep -Eq '"receiver_malformed":0[,}]' <<<"$stats" || ! grep -Eq '"receiver_ignored":0[,}]' <<<"$stats" \
    || ! grep -Eq '"receiver_rejected":0[,}]' <<<"$stats"; then
    say "the targets refused or ignored some requests: the comparison is not valid" >&2
    exit 1
fi
if ! grep -Eq '"receiver_redeliveries":0[,}]' <<<"$stats"; then
    say "   NOTE: the receiver counted redeliveries: some deliveries were replays (raise DELIVERIES), which took the dedup short-cut and flatter it"
    receiver_line+="   (REPLAYS counted: $(sed -n 's/.*"receiver_redeliveries":\([0-9]*\).*/\1/p' <<<"$stats") redeliveries)"
fi
http_get "${url[control]}/stop" >/dev/null
wait "$server_pid" 2>/dev/null || true
server_pid=""

say ""
say "== dispatcher: $DISPATCH_ORDERS deliveries to a fast local receiver, against the transport's ceiling"
stage_start
dispatch_out=$("$bin" dispatch --orders "$DISPATCH_ORDERS" --per-s "$DISPATCH_PER_S")
say "$dispatch_out"
# One burst is one sample of about a second: repeat it, each beside a
# ceiling measured right after it, and judge the median of the pairs' ratios.
for ((b = 2; b <= BURSTS; b++)); do
    more=$("$bin" burst --orders "$DISPATCH_ORDERS")
    say "$more"
    dispatch_out+=$'\n'"$more"
    more=$("$bin" ceiling --orders "$DISPATCH_ORDERS")
    say "$more"
    dispatch_out+=$'\n'"$more"
done
stage_note
say ""
say "== durable dispatcher: the same burst, books in SQLite"
stage_start
durable_out=""
for ((b = 1; b <= BURSTS; b++)); do
    more=$("$bin" burst --durable --orders "$DISPATCH_ORDERS")
    say "$more"
    durable_out+="$more"$'\n'
done
stage_note
say ""
say "== memory: $MEMORY_ORDERS pending orders"
stage_start
memory_out=$("$bin" memory --orders "$MEMORY_ORDERS")
say "$memory_out"
stage_note
if [[ $LATENCY_AGAIN == 1 ]]; then
    first_latency=$latency_out
    say ""
    say "== webhook notification latency again, right after the other stages (not judged)"
    latency_runs
    again_p50s=$(sed -n 's/.* p50_ms=\([^ ]*\).*/\1/p' <<<"$latency_out" | sort -g)
    latency_out=$first_latency
fi

field() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1" | head -1; }

burst_rates=$(grep '^dispatch_burst' <<<"$dispatch_out" | sed -n 's/.* deliveries_per_s=\([^ ]*\).*/\1/p' | sort -n)
burst_count=$(wc -l <<<"$burst_rates")
burst_rate=$(awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$burst_rates")
burst_range="$(head -1 <<<"$burst_rates")..$(tail -1 <<<"$burst_rates")"
if grep '^dispatch_burst' <<<"$dispatch_out" | grep -qv ' ok=true'; then burst_ok=false; else burst_ok=true; fi
durable_rates=$(grep '^durable_burst' <<<"$durable_out" | sed -n 's/.* deliveries_per_s=\([^ ]*\).*/\1/p' | sort -n)
durable_rate=$(awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$durable_rates")
durable_range="$(head -1 <<<"$durable_rates")..$(tail -1 <<<"$durable_rates")"
if grep '^durable_burst' <<<"$durable_out" | grep -qv ' ok=true'; then durable_ok=false; else durable_ok=true; fi
e2e_rate=$(field "$(grep '^dispatch_e2e ' <<<"$dispatch_out")" deliveries_per_s)
e2e_ok=$(field "$(grep '^dispatch_e2e ' <<<"$dispatch_out")" ok)
mem=$(field "$memory_out" webhook_total_bytes_per_order)
mem_poll=$(field "$memory_out" poll_total_bytes_per_order)
p50s=$(sed -n 's/.* p50_ms=\([^ ]*\).*/\1/p' <<<"$latency_out" | sort -g)
p50=$(awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$p50s")
p50_range="$(head -1 <<<"$p50s")..$(tail -1 <<<"$p50s")"
# Burst and ceiling, pair by pair, in the order they ran.
pair_ratios=$(grep -E '^(dispatch_burst|transport_ceiling)' <<<"$dispatch_out" | awk '
    /^dispatch_burst/ { match($0, / deliveries_per_s=[^ ]*/); b = substr($0, RSTART + 18, RLENGTH - 18) }
    /^transport_ceiling/ { match($0, / deliveries_per_s=[^ ]*/); c = substr($0, RSTART + 18, RLENGTH - 18); if (b != "") print b / c; b = "" }' | sort -g)
ceilings=$(grep '^transport_ceiling' <<<"$dispatch_out" | sed -n 's/.* deliveries_per_s=\([^ ]*\).*/\1/p' | sort -n)
ceiling=$(awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$ceilings")
ceiling_range="$(head -1 <<<"$ceilings")..$(tail -1 <<<"$ceilings")"
# The same messages, or the ratio compares unlike things: the sinks' mean
# body size and header count, burst against ceiling.
shape_of() { grep "^$1" <<<"$dispatch_out" | head -1 | sed -n 's/.* \(body_bytes=[^ ]* headers=[^ ]*\).*/\1/p'; }
burst_shape=$(shape_of dispatch_burst)
ceiling_shape=$(shape_of transport_ceiling)
if [[ -n $burst_shape && $burst_shape == "$ceiling_shape" ]]; then same_shape=true; else same_shape=false; fi

say ""
say "== summary"
say "$status_line"
if [[ -n $status_order ]]; then say "$status_order"; fi
if [[ $CHECK_AA == 1 ]]; then say "   (the bare app against itself, not judged: $aa_line)"; fi
say "$receiver_line"
if [[ -n $receiver_order ]]; then say "$receiver_order"; fi
sort -g <<<"$pair_ratios" | awk -v r="$burst_rate" -v ok="$burst_ok" -v c="$ceiling" -v crange="$ceiling_range" -v range="$burst_range" \
    -v same="$same_shape" -v bshape="$burst_shape" -v cshape="$ceiling_shape" '
    { v[NR] = $1 }
    END {
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "dispatcher burst/ceiling = %.3f (median of %d pairs; range %.3f..%.3f), target >= 0.85, none lost or doubled, same messages: %s\n",
            med, NR, v[1], v[NR], (med >= 0.85 && ok == "true" && same == "true" ? "met" : "MISSED")
        printf "   (burst median %.0f deliveries/s, range %s; ceiling median %.0f, range %s; 64 in flight over reused connections)\n", r, range, c, crange
        printf "   (messages: burst %s, ceiling %s)\n", bshape, cshape }'
awk -v d="$durable_rate" -v r="$burst_rate" -v ok="$durable_ok" -v n="$BURSTS" -v range="$durable_range" 'BEGIN {
    printf "durable dispatcher burst (SQLite outbox) = %.0f deliveries/s (median of %d; range %s) = %.2f of in-memory, target >= 0.50, none lost or doubled: %s\n",
        d, n, range, d / r, (d / r >= 0.5 && ok == "true" ? "met" : "MISSED") }'
awk -v r="$e2e_rate" -v ok="$e2e_ok" 'BEGIN {
    printf "dispatcher end to end (creations included) = %.0f deliveries/s, none lost or doubled: %s\n", r,
        (ok == "true" ? "yes" : "NO") }'
awk -v m="$mem" -v mp="$mem_poll" 'BEGIN {
    printf "memory per pending order (platform + shop) = %.0f B by webhook, %.0f B polled, target < 2048: %s\n", m, mp,
        (m < 2048 && mp < 2048 ? "met" : "MISSED") }'
awk -v p="$p50" -v n="$LATENCY_RUNS" -v range="$p50_range" 'BEGIN {
    printf "webhook notification p50 at low load = %.3f ms (median of %d runs; range %s), target < 0.3: %s\n", p, n, range, (p < 0.3 ? "met" : "MISSED") }'
say "   ($latency_when)"
if [[ $LATENCY_AGAIN == 1 ]]; then
    awk -v n="$LATENCY_RUNS" -v m="$stage_machine" '{ v[NR] = $1 } END {
        printf "   (again after the other stages, not judged: %.3f ms, median of %d runs, range %s..%s; %s)\n",
            (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), n, v[1], v[NR], m }' <<<"$again_p50s"
fi
say "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
