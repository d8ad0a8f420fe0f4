#!/usr/bin/env python3
"""Slow readers against `hooklab platform`: N connections each send K
pipelined `GET /v1/events?limit=1000` (--limit) and never read an answer.

Starts the release platform on 127.0.0.1 (a free port, `--data :memory:`),
creates PAYMENTS payments (each makes events), opens the connections, then
prints every STEP seconds for DURATION seconds the platform's RSS and how
many of the connections the server still holds open (its side of the TCP
connection, from /proc/net/tcp), and whether a fresh client is still
answered. Everything stays on loopback; the platform is stopped at the end.

    scripts/slow-readers.py [--connections 1500] [--requests 2000]
                            [--payments 1200] [--duration 60] [--step 5]
                            [--bin target/release/hooklab]
"""

import argparse
import http.client
import json
import resource
import socket
import subprocess
import sys
import time

KEY = "sk_test_slowreaders"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    if not pid:
        return 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def server_side_open(port):
    """Connections in any state but LISTEN/TIME_WAIT/CLOSE whose local port
    is the server's: the ones the server still holds."""
    count = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state = fields[1], fields[3]
                    if int(local.split(":")[1], 16) != port:
                        continue
                    # 0A LISTEN, 06 TIME_WAIT, 07 CLOSE
                    if state not in ("0A", "06", "07"):
                        count += 1
        except FileNotFoundError:
            pass
    return count


def request(port, method, path, body=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {KEY}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=1500)
    p.add_argument("--requests", type=int, default=2000, help="pipelined per connection")
    p.add_argument("--payments", type=int, default=1200)
    p.add_argument("--limit", type=int, default=1000, help="each request's page size")
    p.add_argument("--duration", type=float, default=60)
    p.add_argument("--step", type=float, default=5)
    p.add_argument("--bin", default="target/release/hooklab")
    p.add_argument("--port", type=int, help="use a platform already listening here "
                   f"(started with --api-key {KEY}; give --pid for its RSS)")
    p.add_argument("--pid", type=int, help="the --port platform's process id")
    args = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * args.connections + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    if args.port:
        port, platform = args.port, None
        pid = args.pid or 0
    else:
        port = free_port()
        platform = subprocess.Popen(
            [args.bin, "platform", "--listen", f"127.0.0.1:{port}", "--api-key", KEY,
             "--data", ":memory:", "--settle-after", "100ms"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = platform.pid
    clients = []
    try:
        deadline = time.time() + 20
        while True:
            try:
                request(port, "GET", "/v1/platform")
                break
            except OSError:
                if time.time() > deadline or (platform and platform.poll() is not None):
                    sys.exit("the platform did not start")
                time.sleep(0.05)
        for i in range(args.payments):
            body = json.dumps({"order_id": f"ord_{i}", "amount_cents": 1000 + i,
                               "currency": "BRL"})
            status, _ = request(port, "POST", "/v1/payments", body)
            if status >= 300:
                sys.exit(f"POST /v1/payments answered {status}")
        time.sleep(1.0)  # the payments settle (more events)
        status, page = request(port, "GET", f"/v1/events?limit={args.limit}")
        answer_bytes = len(page)
        print(f"platform pid {pid} port {port}; one events page: {answer_bytes} bytes; "
              f"RSS before the slow readers: {rss_kb(pid) / 1024:.1f} MB", flush=True)

        one = (f"GET /v1/events?limit={args.limit} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {KEY}\r\n\r\n").encode()
        burst = one * args.requests
        for _ in range(args.connections):
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            clients.append([s, 0])
        sent_total = 0
        start = time.time()
        next_print = 0.0
        print(f"{'t (s)':>6} {'RSS (MB)':>9} {'server-side open':>17} {'bytes sent':>12} "
              f"{'fresh GET':>10}", flush=True)
        while True:
            elapsed = time.time() - start
            # Keep pushing requests as the server takes them.
            for c in clients:
                if c[1] < len(burst):
                    try:
                        n = c[0].send(burst[c[1]:c[1] + 65536])
                        c[1] += n
                        sent_total += n
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        c[1] = len(burst)
            if elapsed >= next_print:
                try:
                    fresh, _ = request(port, "GET", "/v1/platform", timeout=5)
                except OSError as e:
                    fresh = type(e).__name__
                print(f"{elapsed:6.0f} {rss_kb(pid) / 1024:9.1f} "
                      f"{server_side_open(port):17d} {sent_total:12d} {fresh!s:>10}", flush=True)
                next_print += args.step
            if elapsed >= args.duration:
                break
            time.sleep(0.2)
    finally:
        for c in clients:
            c[0].close()
        if platform:
            platform.terminate()
            try:
                platform.wait(timeout=10)
            except subprocess.TimeoutExpired:
                platform.kill()


if __name__ == "__main__":
    main()
