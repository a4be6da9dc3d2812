#!/usr/bin/env python3
"""Slow clients for test_http_abuse.sh: N connections from one source address, each having
sent part of a request line; every TRICKLE-th one then sends one more header byte a second.
A connection the server closes is opened again, at most RECONNECT per second, so the
attacker keeps trying to hold N open for the whole run.

Usage: http_abuse.py HOST PORT SOURCE_ADDR N TRICKLE RECONNECT SECONDS STATUS_FILE

Prints 'opened N' once N connect attempts are done, then at the end one line of counts:
attempts, connected, closed by the server, and the most that were open at once (seen from
this side: the server may hold some of them only in its listen backlog).
"""
import errno
import resource
import selectors
import socket
import sys
import time

host, port, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, trickle, reconnect_rate = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
seconds, status_file = float(sys.argv[7]), sys.argv[8]

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 100:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))

sel = selectors.DefaultSelector()
stats = {"attempts": 0, "connected": 0, "closed": 0, "max_open": 0, "refused": 0}
conns = {}  # socket -> [index, state: 'connecting' or 'open', next trickle time]
PARTIAL = b"GET /metr"  # an unfinished request line: no version, no CRLF


def open_one(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((source, 0))
    stats["attempts"] += 1
    err = s.connect_ex((host, port))
    if err not in (0, errno.EINPROGRESS):
        stats["refused"] += 1
        s.close()
        return False
    conns[s] = [i, "connecting", 0.0]
    sel.register(s, selectors.EVENT_WRITE)
    return True


def drop(s):
    sel.unregister(s)
    del conns[s]
    s.close()


start = time.monotonic()
deadline = start + seconds
pending = list(range(n))  # indexes to (re)open
budget, last = 0.0, start
opened_said = False

while time.monotonic() < deadline:
    now = time.monotonic()
    # The first N go out at once; later reopens are rate-limited.
    if not opened_said:
        while pending and len(conns) < n:
            open_one(pending.pop())
        opened_said = True
        with open(status_file, "w") as f:
            f.write("opened %d\n" % stats["attempts"])
    else:
        budget = min(reconnect_rate, budget + (now - last) * reconnect_rate)
        while pending and budget >= 1:
            budget -= 1
            open_one(pending.pop())
    last = now
    for key, ev in sel.select(timeout=0.1):
        s = key.fileobj
        i, state, _ = conns[s]
        if state == "connecting":
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                stats["refused"] += 1
                drop(s)
                pending.append(i)
                continue
            try:
                s.send(PARTIAL)
            except OSError:
                drop(s)
                pending.append(i)
                continue
            stats["connected"] += 1
            conns[s] = [i, "open", now + 1.0]
            sel.modify(s, selectors.EVENT_READ)
            continue
        # Readable while open: the server closed it (or answered an error and will).
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            stats["closed"] += 1
            drop(s)
            pending.append(i)
    open_now = sum(1 for c in conns.values() if c[1] == "open")
    stats["max_open"] = max(stats["max_open"], open_now)
    for s, c in list(conns.items()):
        if c[1] == "open" and c[0] % trickle == 0 and now >= c[2]:
            try:
                s.send(b"X")  # one byte of a header line that never ends
            except OSError:
                stats["closed"] += 1
                drop(s)
                pending.append(c[0])
                continue
            c[2] = now + 1.0

print("attempts %(attempts)d connected %(connected)d closed_by_server %(closed)d "
      "refused %(refused)d max_open %(max_open)d" % stats)
