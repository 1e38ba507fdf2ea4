"""A tiny threaded round-robin reverse proxy: the rehearsal's "one address" in front of
two app servers. Standard library only; run as `python -m bench.rehearsal.proxy`.

A backend that refuses the connection is skipped (the next one gets the request); a
backend that fails after the request was sent (a killed worker) yields 502 with
Retry-After: 1, as nginx or haproxy would, and the client retries with the same key.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self, listen: tuple[str, int], backends: list[tuple[str, int]], timeout: float
    ) -> None:
        super().__init__(listen, Handler)
        self.backends = backends
        self.timeout_seconds = timeout
        self._cycle = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()

    def order(self) -> list[tuple[str, int]]:
        with self._lock:
            first = next(self._cycle)
        return self.backends[first:] + self.backends[:first]


class Handler(BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, format: str, *args: object) -> None:
        pass  # the app servers keep access logs

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")
        if body is not None:
            headers["Content-Length"] = str(len(body))
        for host, port in self.server.order():
            connection = http.client.HTTPConnection(host, port, timeout=self.server.timeout_seconds)
            try:
                try:
                    connection.connect()
                except OSError:
                    continue  # refused: this backend is down, try the next one
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    upstream = connection.getresponse()
                    payload = upstream.read()
                except (OSError, http.client.HTTPException):
                    self._reply(
                        502,
                        b'{"error": {"code": "bad_gateway", "message": "upstream failed"}}',
                        [("Content-Type", "application/json"), ("Retry-After", "1")],
                    )
                    return
                self._reply(
                    upstream.status,
                    payload,
                    [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP],
                )
                return
            finally:
                connection.close()
        self._reply(
            503,
            b'{"error": {"code": "no_backend", "message": "no app server"}}',
            [("Content-Type", "application/json"), ("Retry-After", "1")],
        )

    def _reply(self, status: int, payload: bytes, headers: list[tuple[str, str]]) -> None:
        try:
            self.send_response_only(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            pass  # the client went away

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8100")
    parser.add_argument("--backend", action="append", required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    server = Proxy(_address(args.listen), [_address(b) for b in args.backend], args.timeout)
    print(f"proxy on {args.listen} -> {', '.join(args.backend)}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
