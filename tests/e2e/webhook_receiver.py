#!/usr/bin/env python3
"""Minimal Alertmanager webhook receiver for the end-to-end test.

Listens on 127.0.0.1:PORT. Alertmanager's receivers post to
http://127.0.0.1:PORT/<receiver-name>; for every alert in every
notification one tab-separated line is appended to LOG:

    <path without "/">  <notification status>  <alert status>  <alertname>  <severity>  <job>  <symbol or ->

The raw JSON bodies are appended to LOG.json (one per line) for debugging.
Python 3 standard library only.

Usage: webhook_receiver.py --port PORT --log FILE
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(log_path):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver = self.path.strip("/") or "-"
            try:
                payload = json.loads(body)
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            lines = []
            for a in payload.get("alerts", []):
                labels = a.get("labels", {})
                lines.append("\t".join([
                    receiver,
                    payload.get("status", "-"),
                    a.get("status", "-"),
                    labels.get("alertname", "-"),
                    labels.get("severity", "-"),
                    labels.get("job", "-"),
                    labels.get("symbol", "-"),
                ]))
            with open(log_path, "a", encoding="utf-8") as fh:
                for line in lines:
                    fh.write(line + "\n")
            with open(log_path + ".json", "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"path": self.path, "payload": payload}) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            # health check for the test script
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, fmt, *args):  # keep stderr quiet
            pass

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    open(args.log, "a").close()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.log))
    print("webhook receiver listening on 127.0.0.1:%d" % args.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
