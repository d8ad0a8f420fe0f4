#!/usr/bin/env python3
"""Stall request bodies mid-way against a hooklab server, and report its memory.

Each of N connections sends a POST head declaring a large Content-Length and
most of that body, then stops sending (it stays open, reading). A server that
buffers every partial body holds N x the body for as long as its request
deadline allows; one with a body budget (`ServerLimits::body_budget_bytes`)
answers the connections it cannot hold `429 server_busy` and holds at most
its budget.

The script prints, once every connection has sent what it will send, the
server's resident memory (VmRSS and its peak VmHWM, from /proc/PID/status),
how many connections are still stalled and how many were answered (by
status). Loopback only: it refuses any other address.

    hooklab github listen --listen 127.0.0.1:8080 --secret s &
    scripts/stall-bodies.py --pid $! --port 8080 --path /webhook \
        --connections 40 --declare 25000000 --send 24000000

The connections are closed when the script ends (after --hold seconds).
"""

import argparse
import ipaddress
import select
import socket
import sys
import time


def rss_kib(pid):
    """VmRSS and VmHWM of `pid`, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def answer_status(sock):
    """The status of an answer already sent on `sock`, or None if none yet."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return None
    try:
        data = sock.recv(65536)
    except OSError:
        return "reset"
    if not data:
        return "closed"
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else line


def stall(args, index):
    """Opens one connection, sends its head and part of its body; returns it."""
    sock = socket.create_connection((args.host, args.port))
    head = (
        f"POST {args.path} HTTP/1.1\r\n"
        f"Host: {args.host}:{args.port}\r\n"
        "Content-Type: application/json\r\n"
        "X-GitHub-Event: ping\r\n"
        f"X-GitHub-Delivery: stall-{index}\r\n"
        f"Authorization: Bearer {args.api_key}\r\n"
        f"Content-Length: {args.declare}\r\n\r\n"
    ).encode("ascii")
    chunk = b"x" * 65536
    try:
        sock.sendall(head)
        left = args.send
        while left > 0:
            sent = sock.send(chunk[: min(left, len(chunk))])
            left -= sent
    except OSError:
        # Refused and closed before the part was sent: its answer tells.
        pass
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pid", type=int, required=True, help="the server's process id")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/webhook")
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--declare", type=int, required=True, help="Content-Length declared")
    parser.add_argument("--send", type=int, required=True, help="body bytes sent before stalling")
    parser.add_argument("--api-key", default="none", help="Bearer token (the platform's key)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading memory")
    parser.add_argument("--hold", type=float, default=0.0, help="seconds to hold after the report")
    args = parser.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        print(f"{args.host} is not a loopback address: this script only tests this machine", file=sys.stderr)
        return 2
    if args.send >= args.declare:
        print("--send must be below --declare, or the body is whole and nothing stalls", file=sys.stderr)
        return 2

    before, _ = rss_kib(args.pid)
    sockets = [stall(args, i) for i in range(args.connections)]
    time.sleep(args.settle)
    rss, hwm = rss_kib(args.pid)
    answered = {}
    stalled = 0
    for sock in sockets:
        status = answer_status(sock)
        if status is None:
            stalled += 1
        else:
            answered[status] = answered.get(status, 0) + 1
    print(
        f"connections={args.connections} declare={args.declare} send={args.send} "
        f"rss_before_mib={before / 1024:.1f} rss_mib={rss / 1024:.1f} peak_mib={hwm / 1024:.1f} "
        f"stalled={stalled} answered={dict(sorted(answered.items()))}"
    )
    time.sleep(args.hold)
    for sock in sockets:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
