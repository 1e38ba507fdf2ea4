"""The rehearsal's nginx (bench/rehearsal/nginx.py, docs/deploy.md's config) in front of two
backends: a GET that meets a dead backend goes to the other, a POST that reached one is never
sent again (the client gets 502 with Retry-After), the request id and the client's address
are passed on, /metrics is not served, and nginx runs unprivileged."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.harness.http import request
from bench.harness.processes import free_port, spawn, terminate
from bench.rehearsal import nginx

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(nginx.find_nginx() is None, reason="nginx is not installed"),
]


class Backend(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, dies: bool) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.dies = dies
        self.seen: list[tuple[str, str, dict[str, str]]] = []


class Handler(BaseHTTPRequestHandler):
    server: Backend
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append((self.command, self.path, dict(self.headers.items())))
        if self.server.dies:
            # A worker killed mid-request: the connection drops without an answer.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture
def front() -> Iterator[tuple[str, Backend, Backend, nginx.Front]]:
    dying, healthy = Backend(dies=True), Backend(dies=False)
    for server in (dying, healthy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    backends = [f"127.0.0.1:{s.server_address[1]}" for s in (dying, healthy)]
    proxy = nginx.prepare(f"127.0.0.1:{port}", backends)
    process = spawn("nginx", proxy.command(), user=proxy.user())
    try:
        deadline = time.time() + 15
        while request("GET", f"http://127.0.0.1:{port}/up").status != 200:
            assert time.time() < deadline, "nginx did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", dying, healthy, proxy
    finally:
        terminate(process)
        proxy.remove()
        for server in (dying, healthy):
            server.shutdown()
            server.server_close()


def test_a_get_that_meets_a_dead_backend_is_answered_by_the_other(front):
    base, _dying, healthy, _proxy = front

    answers = [request("GET", f"{base}/page/{i}") for i in range(10)]

    assert [a.status for a in answers] == [200] * 10
    assert {f"/page/{i}" for i in range(10)} <= {path for _, path, _ in healthy.seen}


def test_a_post_that_reached_a_backend_is_never_sent_again(front):
    base, dying, healthy, _proxy = front
    # Mark nothing down yet: fresh fixture. Every POST goes to one backend only.
    answers = [request("POST", f"{base}/write/{i}", json_body={}) for i in range(10)]

    died = {path for method, path, _ in dying.seen if method == "POST"}
    served = {path for method, path, _ in healthy.seen if method == "POST"}
    assert died, "round robin sent some POSTs to the dying backend"
    assert not died & served
    for index, answer in enumerate(answers):
        if f"/write/{index}" in died:
            assert answer.status == 502
            assert answer.headers["retry-after"] == "1"
            assert answer.json()["error"]["code"] == "unavailable"
        else:
            assert answer.status == 200


def test_the_request_id_and_the_clients_address_are_passed_on(front):
    base, _dying, healthy, proxy = front

    answer = request("GET", f"{base}/who", headers={"X-Forwarded-For": "6.6.6.6"})

    assert answer.status == 200
    _method, _path, headers = next(s for s in healthy.seen if s[1] == "/who")
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert len(headers["X-Request-ID"]) == 32
    assert headers["X-Forwarded-Proto"] == "http"
    time.sleep(0.2)
    lines = [json.loads(raw) for raw in proxy.access_log.read_text().splitlines()]
    assert headers["X-Request-ID"] in {line["request_id"] for line in lines}


def test_metrics_are_not_served_to_the_public(front):
    base, dying, healthy, _proxy = front

    assert request("GET", f"{base}/metrics").status == 404
    assert "/metrics" not in {path for _, path, _ in dying.seen + healthy.seen}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run nginx as another user")
def test_nginx_runs_as_nobody(front):
    _base, _dying, _healthy, proxy = front

    pid = int((proxy.prefix / "nginx.pid").read_text())
    with open(f"/proc/{pid}/status") as handle:
        uid = next(line for line in handle if line.startswith("Uid:")).split()[1]

    assert int(uid) == 65534


def test_docs_deploy_shows_the_same_nginx_settings_the_rehearsal_runs():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
    shown = {line.strip() for line in docs.read_text(encoding="utf-8").splitlines()}
    config = nginx.render(Path("/prefix"), "127.0.0.1:1", ["10.0.0.11:8001", "10.0.0.12:8001"])
    blocks = nginx.HTTP_BLOCK + nginx.SERVER_BLOCK.replace(
        "'UNAVAILABLE'", f"'{nginx.UNAVAILABLE}'"
    )
    wanted = {
        line.strip() for line in blocks.splitlines() if line.strip() and "ACCESS_LOG" not in line
    }
    wanted |= {"keepalive 32;", "keepalive_timeout 60s;"}
    wanted |= {f"server 10.0.0.1{i}:8001 {nginx.SERVER_OPTIONS};" for i in (1, 2)}

    assert wanted <= {line.strip() for line in config.splitlines()}
    assert sorted(wanted - shown) == []
