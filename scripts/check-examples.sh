#!/usr/bin/env bash
# Grades the Python receivers in examples/receivers/ with `hooklab check`,
# printing each scorecard:
#
#   scripts/check-examples.sh
#
# Each example is started on a free loopback port, checked, and stopped. The
# seed's receiver must fail (exit code 1: it checks no signature); the two
# corrected ones must pass (exit code 0). This script exits 1 if any example
# ends otherwise. Without python3, fastapi, uvicorn and standardwebhooks it
# says what to install and exits 0 ("skipped"), so CI without Python passes.
#
# HOOKLAB=path/to/hooklab uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null 2>&1 ||
    ! python3 -c 'import fastapi, uvicorn, standardwebhooks' >/dev/null 2>&1; then
    echo "check-examples: skipped: needs python3 with fastapi, uvicorn and standardwebhooks:"
    echo "  pip install fastapi uvicorn 'standardwebhooks>=1.1'"
    exit 0
fi

if [[ -z "${HOOKLAB:-}" ]]; then
    cargo build --quiet -p hooklab
    HOOKLAB=target/debug/hooklab
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits (at most 20 s) until something accepts connections on port $1.
wait_for_port() {
    for _ in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT

STANDARD_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
GITHUB_SECRET=s3cret
failures=0

# check_example FILE EXPECTED_EXIT HOOKLAB_CHECK_ARGS...
# The receiver's own output goes to a log file beside the others in $TMPDIR.
check_example() {
    local file=$1 expected=$2
    shift 2
    local port log
    port=$(free_port)
    log="${TMPDIR:-/tmp}/check-examples-$(basename "$file" .py).log"
    PORT=$port WEBHOOK_SECRET=$STANDARD_SECRET GITHUB_WEBHOOK_SECRET=$GITHUB_SECRET \
        python3 "examples/receivers/$file" >"$log" 2>&1 &
    server_pid=$!
    echo "== $file (port $port, its output in $log)"
    if ! wait_for_port "$port"; then
        echo "check-examples: $file did not start listening; its output:"
        cat "$log"
        failures=$((failures + 1))
        stop_server
        return
    fi
    local code=0
    "$HOOKLAB" check "http://127.0.0.1:$port/webhook" "${@//PORT/$port}" || code=$?
    stop_server
    if [[ $code -eq $expected ]]; then
        echo "== $file: exit code $code, as expected"
    else
        echo "== $file: exit code $code, expected $expected"
        failures=$((failures + 1))
    fi
    echo
}

check_example seed_github_receiver.py 1 --scheme github --secret "$GITHUB_SECRET"
check_example github_hmac_receiver.py 0 --scheme github --secret "$GITHUB_SECRET" \
    --state-url "http://127.0.0.1:PORT/state"
check_example standard_webhooks_receiver.py 0 --secret "$STANDARD_SECRET" \
    --state-url "http://127.0.0.1:PORT/state" --max-body 1048576

if [[ $failures -gt 0 ]]; then
    echo "check-examples: $failures example(s) did not grade as expected"
    exit 1
fi
echo "check-examples: every example graded as expected"
