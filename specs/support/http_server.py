#!/usr/bin/env python3
"""A small HTTP server for the get_file specs (specs/get_file_spec.lua).

    python3 http_server.py ROOT PORTFILE

Serves the files under ROOT on 127.0.0.1 at a port the OS picks (written to
PORTFILE once listening, so the spec never races for a port).  The first
path component chooses how a file is served:

    /normal/NAME      the file, honouring "Range: bytes=N-" (206)
    /truncate/NAME    the first request for NAME announces the full
                      Content-Length, sends half and closes; later ones as normal
    /stall/NAME       sends half, then sends nothing more (holds the connection)
    /html/NAME        a 200 HTML error page instead of the file
    /missing/NAME     404
    /slow/NAME        the file in 4 KiB pieces, 50 ms apart (for Ctrl-C)
    /count/NAME       the number of requests made so far for NAME (any mode)
    /ranges/NAME      the Range headers received for NAME, one per line
"""
import http.server
import os
import socketserver
import sys
import threading
import time

ROOT = sys.argv[1]
counts = {}
ranges = {}
truncated = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_text(self, code, text, ctype="text/plain"):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        if len(parts) != 2:
            return self.send_text(404, "no such path")
        mode, name = parts
        if mode == "count":
            with lock:
                return self.send_text(200, str(counts.get(name, 0)))
        if mode == "ranges":
            with lock:
                return self.send_text(200, "\n".join(ranges.get(name, [])))
        with lock:
            counts[name] = counts.get(name, 0) + 1
            ranges.setdefault(name, []).append(self.headers.get("Range", "-"))
        if mode == "missing":
            return self.send_text(404, "<html><body>404 Not Found</body></html>", "text/html")
        if mode == "html":
            return self.send_text(200, "<!DOCTYPE html><html><body>Please log in</body></html>", "text/html")
        path = os.path.join(ROOT, name)
        if "/" in name or not os.path.isfile(path):
            return self.send_text(404, "no such file")
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.end_headers()
        if mode == "truncate" and name not in truncated:
            truncated.add(name)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return
        if mode == "slow":
            for i in range(0, len(body), 4096):
                self.wfile.write(body[i : i + 4096])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, sys.argv[2])
    server.serve_forever()


if __name__ == "__main__":
    main()
