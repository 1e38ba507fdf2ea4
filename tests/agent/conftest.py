"""Fixtures for the agent's tests: recorded Windows machines and a fake desk over loopback.

Nothing here needs the Flask app, the database or the network.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from recorded_machines import MACHINES, RecordedWindows


@pytest.fixture
def make_windows() -> Callable[[str], RecordedWindows]:
    """Return a factory: make_windows("windows10") -> a fresh recorded machine."""
    return lambda kind="windows10": MACHINES[kind]()


class FakeDesk:
    """Just enough of the desk's API over loopback, recording what it receives."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.report_failures: list[tuple] = []  # (status, retry_after) answered before success
        self.token_status = 201
        self.profile: dict[str, Any] | None = None
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self) -> type:
        desk = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw.decode("utf-8")) if raw else None
                except ValueError:
                    return None

            def do_GET(self) -> None:
                desk.requests.append(
                    {"method": "GET", "path": self.path, "headers": dict(self.headers)}
                )
                if self.path.startswith("/api/v1/diagnostics/speedtest/download"):
                    size = min(int(self.path.split("bytes=")[1]), 10_000_000)
                    self.send_response(200)
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    block = b"\0" * 65536
                    try:
                        while size > 0:
                            self.wfile.write(block[:size])
                            size -= len(block)
                    except OSError:
                        pass
                elif self.path.startswith("/api/v1/diagnostics/profile"):
                    if desk.profile is None:
                        self._send(404, {"error": {"code": "not_found", "message": "没有找到"}})
                    else:
                        self._send(200, desk.profile)
                else:
                    self._send(404, {"error": {"code": "not_found", "message": "没有找到"}})

            def do_POST(self) -> None:
                if self.path == "/api/v1/diagnostics/speedtest/upload":
                    remaining = int(self.headers.get("Content-Length") or 0)
                    try:
                        while remaining > 0:
                            block = self.rfile.read(min(remaining, 65536))
                            if not block:
                                return
                            remaining -= len(block)
                    except OSError:
                        return
                    self._send(
                        200, {"bytes_received": int(self.headers["Content-Length"]), "seconds": 0.1}
                    )
                    return
                body = self._body()
                desk.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "body": body,
                        "headers": dict(self.headers),
                    }
                )
                if self.path == "/api/v1/candidate-tokens":
                    if desk.token_status != 201:
                        self._send(
                            desk.token_status,
                            {
                                "error": {
                                    "code": "identity_mismatch",
                                    "message": "姓名、身份证号或准考证号不正确",
                                }
                            },
                        )
                        return
                    self._send(
                        201,
                        {
                            "token": "tok-123",
                            "expires_at": "2023-01-05T23:00:00+08:00",
                            "candidate": {"name": body["name"]},
                        },
                    )
                elif self.path == "/api/v1/diagnostics/reports":
                    if desk.report_failures:
                        status, retry_after = desk.report_failures.pop(0)
                        headers = {"Retry-After": retry_after} if retry_after else {}
                        self._send(
                            status,
                            {"error": {"code": "unavailable", "message": "服务器繁忙"}},
                            headers,
                        )
                        return
                    from diagnostics.rules import judge

                    judged = judge(body.get("facts"), desk.profile)
                    self._send(201, dict(judged, report_code="R-7Q4K2M"))
                else:
                    self._send(404, {"error": {"code": "not_found", "message": "没有找到"}})

        return Handler


@pytest.fixture
def fake_desk():
    """A fake desk on a free loopback port, stopped after the test."""
    desk = FakeDesk()
    desk.server = ThreadingHTTPServer(("127.0.0.1", 0), desk.handler())
    desk.server.daemon_threads = True
    thread = threading.Thread(target=desk.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield desk
    desk.server.shutdown()
    desk.server.server_close()
