#!/usr/bin/env bash
# Soak test of hooklab's four servers on loopback: for each one (the platform,
# the shop's webhook receiver, the GitHub listener, the live page) a bounded
# wrk storm, then a crowd of slow clients that send half a request and wait.
# For each it prints requests served, answers by status, the server's RSS
# (resident) and max RSS (high-water mark) before, after the storm and after
# the slow clients, whether a normal request is answered during and after,
# and how many slow clients the server cut off.
#
#   scripts/soak.sh [storm seconds, default 10] [slow clients, default 200]
#
# Then the platform's memory over time (issue 14, item 11): a platform that
# keeps finished payments for KEEP (default 30s, `hooklab platform --keep`)
# gets PAYMENTS payments (default 54,000) whose webhooks go to a dead
# endpoint, twice; RSS is printed after each round and after the window, and
# the round's first payment is read before (200) and after (410 forgotten).
# `ONLY=retention` runs only this part, `ONLY=storms` only the storms.
#
# Needs wrk (installed with apt-get if missing), python3 and curl. Every
# socket is on 127.0.0.1; every child process is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

STORM_S=${1:-10}
SLOW=${2:-200}
ONLY=${ONLY:-all}
PAYMENTS=${PAYMENTS:-54000}
KEEP=${KEEP:-30s}
# The servers' header-read timeout is 10 s (crates/core/src/http/server.rs);
# the slow clients wait a little longer for the cut.
SLOW_WAIT_S=15
BIN=target/release/hooklab
KEY=sk_test_soak
WORK=$(mktemp -d)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
    echo "wrk missing: installing it with apt-get" >&2
    apt-get install -y wrk >/dev/null
fi
[ -x "$BIN" ] || cargo build --release -p hooklab >&2

# A free loopback port, from the kernel.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something answers on the port (at most 30 s).
wait_up() {
    for _ in $(seq 300); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# The answer's status to one ordinary request (000: no answer in 5 s).
probe() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true
}

# wrk reports non-2xx answers only as a total; this script counts each status.
cat >"$WORK/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
    statuses = {}
    if os.getenv("SOAK_METHOD") then
        wrk.method = os.getenv("SOAK_METHOD")
        wrk.body = os.getenv("SOAK_BODY") or ""
        wrk.headers["Content-Type"] = "application/json"
    end
    if os.getenv("SOAK_AUTH") then wrk.headers["Authorization"] = os.getenv("SOAK_AUTH") end
end
function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    end
    local keys = {}
    for k in pairs(total) do table.insert(keys, k) end
    table.sort(keys)
    io.write(string.format("  requests served: %d in %.1f s; socket errors: connect %d, read %d, write %d, timeout %d\n",
        summary.requests, summary.duration / 1e6, summary.errors.connect, summary.errors.read,
        summary.errors.write, summary.errors.timeout))
    for _, k in ipairs(keys) do io.write(string.format("  status %d: %d\n", k, total[k])) end
end
LUA

# Slow clients: each sends half a request head and waits; counts how many the
# server closed (or answered) within the wait.
cat >"$WORK/slow.py" <<'PY'
import socket, sys, time
port, n, wait = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
    socks.append(s)
deadline = time.time() + wait
cut = 0
for s in socks:
    s.settimeout(max(0.05, deadline - time.time()))
    try:
        s.recv(1)
        cut += 1  # closed (b"") or answered: either way, let go
    except socket.timeout:
        pass
    except OSError:
        cut += 1
    s.close()
print(f"  slow clients cut off by the server within {wait:.0f} s: {cut}/{n}")
PY

# soak NAME PID URL [wrk env...]: the storm and the slow clients against one
# server; URL is the storm's and the probes' target.
soak() {
    local name=$1 pid=$2 url=$3 port
    port=$(echo "$url" | sed -E 's#http://127.0.0.1:([0-9]+).*#\1#')
    shift 3
    echo "== $name ($url)"
    echo "  rss before: $(rss "$pid") kB (max $(hwm "$pid") kB); normal request: $(probe "${PROBE[@]}" "$url")"
    env "$@" wrk -t2 -c256 -d"${STORM_S}s" -s "$WORK/count.lua" "$url" >"$WORK/wrk.out" 2>&1 &
    local wrk_pid=$!
    sleep $((STORM_S / 2))
    local during
    during=$(probe "${PROBE[@]}" "$url")
    wait "$wrk_pid" || true
    grep -E '^  ' "$WORK/wrk.out" || cat "$WORK/wrk.out"
    echo "  normal request during the storm: $during; after: $(probe "${PROBE[@]}" "$url")"
    echo "  rss after the storm: $(rss "$pid") kB (max $(hwm "$pid") kB)"
    python3 "$WORK/slow.py" "$port" "$SLOW" "$SLOW_WAIT_S" >"$WORK/slow.out" 2>&1 &
    local slow_pid=$!
    sleep 2
    local amid
    amid=$(probe "${PROBE[@]}" "$url")
    wait "$slow_pid" || true
    cat "$WORK/slow.out"
    echo "  normal request among the slow clients: $amid; after: $(probe "${PROBE[@]}" "$url")"
    echo "  rss after the slow clients: $(rss "$pid") kB (max $(hwm "$pid") kB)"
}

# retention_soak: PAYMENTS payments to a dead endpoint, twice, on a
# platform that forgets finished ones after KEEP.
retention_soak() {
    local port dead pid body first keep_s
    port=$(free_port)
    dead=$(free_port) # nothing listens there: every delivery is refused
    "$BIN" platform --listen "127.0.0.1:$port" --api-key "$KEY" --data :memory: --keep "$KEEP" \
        >"$WORK/retention.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_up "$port"
    local auth=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
    curl -s -o /dev/null "${auth[@]}" -d "{\"url\": \"http://127.0.0.1:$dead/webhooks\"}" \
        "http://127.0.0.1:$port/v1/webhook_endpoints"
    body='{"order_id": "ord_soak", "amount_cents": 100, "currency": "BRL", "simulate": {"settle_after_ms": "100ms"}}'
    # Four keep-alive connections, each making its share of the payments.
    cat >"$WORK/create.py" <<'PY'
import http.client, sys, threading
port, n, key, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
made = [0] * 4
def make(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(n // 4 + (i < n % 4)):
        c.request("POST", "/v1/payments", body, headers)
        r = c.getresponse()
        r.read()
        made[i] += r.status == 201
threads = [threading.Thread(target=make, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{sum(made)} payments created (201)")
PY
    keep_s=$(python3 -c "import sys; t=sys.argv[1]; u={'ms':0.001,'s':1,'m':60,'h':3600}; n=t.rstrip('mhs'); print(int(float(n)*u[t[len(n):] or 'ms']))" "$KEEP")
    echo "== platform memory: $PAYMENTS payments to a dead endpoint, finished ones kept $KEEP (--keep)"
    echo "  rss at start: $(rss "$pid") kB (max $(hwm "$pid") kB)"
    for round in 1 2; do
        first=$(curl -s "${auth[@]}" -d "$body" "http://127.0.0.1:$port/v1/payments" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
        local started=$SECONDS
        echo "  round $round: $(python3 "$WORK/create.py" "$port" "$PAYMENTS" "$KEY" "$body") in $((SECONDS - started)) s"
        # Settled 100 ms after creation; the endpoint is disabled after 20
        # refused attempts, and each delivery then ends at its next attempt
        # (5 s later on the default schedule).
        sleep 10
        echo "  round $round: rss once all settled and their deliveries ended: $(rss "$pid") kB (max $(hwm "$pid") kB); $first: $(probe "${auth[@]}" "http://127.0.0.1:$port/v1/payments/$first")"
        # The window, and the worker's look once a minute.
        sleep $((keep_s + 65))
        echo "  round $round: rss after the window ($((SECONDS - started)) s after the round began): $(rss "$pid") kB (max $(hwm "$pid") kB)"
        echo "  round $round: $first now: $(curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/payments/$first")"
    done
}

storms() {
P_PLATFORM=$(free_port)
"$BIN" platform --listen "127.0.0.1:$P_PLATFORM" --api-key "$KEY" >"$WORK/platform.log" 2>&1 &
PIDS+=($!)
PLATFORM_PID=$!
wait_up "$P_PLATFORM"

# One order now and the next in an hour: the shop keeps running (and
# receiving) for the whole soak.
P_SHOP=$(free_port)
"$BIN" shop --platform "http://127.0.0.1:$P_PLATFORM" --api-key "$KEY" --strategy webhook \
    --listen "127.0.0.1:$P_SHOP" --orders 1000 --every 1h >"$WORK/shop.log" 2>&1 &
PIDS+=($!)
SHOP_PID=$!
wait_up "$P_SHOP"

P_GITHUB=$(free_port)
"$BIN" github listen --listen "127.0.0.1:$P_GITHUB" --secret soak-secret >"$WORK/github.log" 2>&1 &
PIDS+=($!)
GITHUB_PID=$!
wait_up "$P_GITHUB"

P_LIVE=$(free_port)
"$BIN" live --replay results/checkout --listen "127.0.0.1:$P_LIVE" >"$WORK/live.log" 2>&1 &
PIDS+=($!)
LIVE_PID=$!
wait_up "$P_LIVE"

echo "soak: ${STORM_S} s storms at 256 connections, then $SLOW slow clients, on $(nproc) cores"
PROBE=(-H "Authorization: Bearer $KEY")
soak "platform: GET /v1/events" "$PLATFORM_PID" "http://127.0.0.1:$P_PLATFORM/v1/events?limit=1" \
    SOAK_AUTH="Bearer $KEY"
# Unsigned deliveries: every one is refused (401), which is the storm a
# receiver on the internet gets.
PROBE=(-X POST -H 'Content-Type: application/json' -d '{}')
soak "shop receiver: unsigned POST /webhooks/payments" "$SHOP_PID" \
    "http://127.0.0.1:$P_SHOP/webhooks/payments" SOAK_METHOD=POST SOAK_BODY='{}'
soak "github listener: unsigned POST /webhook" "$GITHUB_PID" "http://127.0.0.1:$P_GITHUB/webhook" \
    SOAK_METHOD=POST SOAK_BODY='{}'
PROBE=()
soak "live page: GET /board.json" "$LIVE_PID" "http://127.0.0.1:$P_LIVE/board.json"
}

case "$ONLY" in
    storms) storms ;;
    retention) retention_soak ;;
    *) storms; retention_soak ;;
esac
