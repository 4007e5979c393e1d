#!/usr/bin/env python3
"""A loopback HTTP server for the soak-canary tests: records every request and
answers as told.

Usage: httpd.py PORT DIR
  DIR/script.json (read at each request, optional):
    {"responses": [{"status": 429, "headers": {"Retry-After": "1"}, "body": "...",
                    "delay": 0.5}, ...],
     "default": {"status": 200, "body": "ok"}}
  Each request takes the next unused response (counted in DIR/count), then the
  default. "content_length" in a response announces that many bytes while only
  the body is sent, and the connection is closed: a truncated body. A GET of /metrics serves DIR/metrics (Prometheus text) and is not
  recorded, so Prometheus can scrape the server.
  Each other request is appended to DIR/requests.jsonl as
    {"method", "path", "headers", "body", "t"}.
  DIR/ready appears once the server listens.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
DIR = sys.argv[2]
LOCK = threading.Lock()


def next_response():
    script = {}
    path = os.path.join(DIR, "script.json")
    if os.path.exists(path):
        with open(path) as f:
            script = json.load(f)
    count_path = os.path.join(DIR, "count")
    n = 0
    if os.path.exists(count_path):
        with open(count_path) as f:
            n = int(f.read() or 0)
    with open(count_path, "w") as f:
        f.write(str(n + 1))
    responses = script.get("responses", [])
    if n < len(responses):
        return responses[n]
    return script.get("default", {"status": 200, "body": "ok"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "GET" and self.path == "/metrics":
            try:
                with open(os.path.join(DIR, "metrics"), "rb") as f:
                    data = f.read()
            except OSError:
                data = b""
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        with LOCK:
            rec = {"method": self.command, "path": self.path,
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", "replace"), "t": time.time()}
            with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
            resp = next_response()
        if resp.get("delay"):
            time.sleep(resp["delay"])
        data = resp.get("body", "").encode()
        self.send_response(resp.get("status", 200))
        for k, v in resp.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(resp.get("content_length", len(data))))
        if "content_length" in resp:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
open(os.path.join(DIR, "ready"), "w").close()
server.serve_forever()
