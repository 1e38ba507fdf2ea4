"""The benches' HTTP client: Retry-After and back-off, retries that resend the same body and
Idempotency-Key, cookies, kept-alive connections the server closed, failed connections, and
the answers held against the desk (500s, stack traces, 503 without Retry-After)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.harness.html import csrf_token, parse
from bench.harness.http import (
    Client,
    Recorder,
    failed,
    parse_retry_after,
    request,
    retry_delay,
    wait_until_ok,
)
from bench.harness.processes import free_port


class Handler(BaseHTTPRequestHandler):
    """Answers by path; every request is logged on the server as (path, headers, body)."""

    protocol_version = "HTTP/1.1"
    server: Desk

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.seen.append((self.path, dict(self.headers), body))
            count = sum(1 for path, _h, _b in self.server.seen if path == self.path)
        if self.path == "/flaky":  # busy twice, then accepted
            if count <= 2:
                self._answer(503, b"busy", {"Retry-After": "0"})
            else:
                self._answer(201, json.dumps({"id": "h1"}).encode())
        elif self.path == "/busy":
            self._answer(503, b"busy")
        elif self.path == "/crash":
            self._answer(500, b'Traceback (most recent call last):\n  File "/app/x.py"')
        elif self.path == "/refused":
            self._answer(422, b"refused", {"Retry-After": "1"})
        elif self.path == "/cookie":
            self._answer(200, b"", {"Set-Cookie": "session=abc; HttpOnly; Path=/"})
        elif self.path == "/forget":
            self._answer(200, b"", {"Set-Cookie": "session=; Max-Age=0; Path=/"})
        elif self.path == "/hang-up":  # answers, then closes without saying so
            self._answer(200, b"bye")
            self.close_connection = True
        else:
            self._answer(200, b"ok")


class Desk(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.seen: list[tuple[str, dict[str, str], bytes]] = []


@pytest.fixture
def desk() -> Iterator[Desk]:
    server = Desk()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def base(desk: Desk) -> str:
    return f"http://127.0.0.1:{desk.server_address[1]}"


def test_retry_after_in_seconds_is_honoured():
    assert retry_delay(503, "5", 1, now=0.0) == 5.0
    assert retry_delay(429, "2", 3, now=0.0) == 2.0


def test_retry_after_as_an_http_date_is_the_time_left():
    now = datetime(2023, 1, 10, 3, 0, 0, tzinfo=UTC)
    header = format_datetime(datetime(2023, 1, 10, 3, 0, 7, tzinfo=UTC), usegmt=True)

    assert parse_retry_after(header, now.timestamp()) == 7.0


def test_without_retry_after_the_client_backs_off_exponentially():
    assert [retry_delay(503, None, n, now=0.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert retry_delay(0, "nonsense", 10, now=0.0) == 30.0


def test_final_answers_are_not_retried():
    assert retry_delay(201, None, 1, now=0.0) is None
    assert retry_delay(422, "5", 1, now=0.0) is None
    assert retry_delay(500, None, 1, now=0.0, retry_on=frozenset({503})) is None


def test_a_huge_retry_after_is_capped():
    assert retry_delay(503, "3600", 1, now=0.0) == 30.0


def test_an_unreadable_retry_after_falls_back_to_backing_off():
    assert parse_retry_after("soon", 0.0) is None
    assert parse_retry_after("  ", 0.0) is None
    assert retry_delay(503, "soon", 2, now=0.0) == 1.0


def test_a_retry_resends_the_same_body_and_idempotency_key_until_accepted(desk):
    answer = Client(base(desk)).call(
        "POST",
        "/flaky",
        deadline=datetime.now(UTC).timestamp() + 30,
        json_body={"category": "login"},
        headers={"Idempotency-Key": "k-1"},
    )

    assert (answer.status, answer.attempts, answer.json()) == (201, 3, {"id": "h1"})
    sent = [(h["Idempotency-Key"], b) for p, h, b in desk.seen if p == "/flaky"]
    assert sent == [("k-1", b'{"category": "login"}')] * 3


def test_a_final_refusal_is_sent_once_even_with_retry_after(desk):
    answer = Client(base(desk)).call("POST", "/refused", deadline=1e12, json_body={})

    assert (answer.status, answer.attempts) == (422, 1)


def test_a_client_told_to_stop_gives_the_busy_answer_back_without_waiting(desk):
    stop = threading.Event()
    stop.set()

    answer = Client(base(desk), stop=stop).call("GET", "/busy", deadline=1e12)

    assert (answer.status, answer.attempts) == (503, 1)
    assert len(desk.seen) == 1


def test_a_retry_that_would_pass_the_deadline_is_not_sent(desk):
    answer = Client(base(desk)).call("GET", "/busy", deadline=0.0)

    assert answer.status == 503
    assert len(desk.seen) == 1


def test_cookies_are_kept_sent_back_and_forgotten_when_the_server_expires_them(desk):
    client = Client(base(desk))

    client.send("GET", "/cookie")
    client.send("GET", "/page")
    client.send("GET", "/forget")
    client.send("GET", "/page")

    cookies = [h.get("Cookie") for p, h, _b in desk.seen if p == "/page"]
    assert cookies == ["session=abc", None]
    assert client.cookies == {}


def test_a_kept_alive_connection_the_server_closed_is_replaced_once(desk):
    client = Client(base(desk), keep_alive=True)

    first = client.send("GET", "/hang-up")
    second = client.send("GET", "/page")

    assert (first.status, second.status) == (200, 200)
    assert "Connection" not in desk.seen[0][1]
    client.close()


def test_without_keep_alive_every_request_asks_to_close(desk):
    Client(base(desk)).send("GET", "/page")

    assert desk.seen[0][1]["Connection"] == "close"


def test_a_refused_connection_is_status_zero_recorded_as_a_failure():
    recorder = Recorder()

    answer = Client(f"http://127.0.0.1:{free_port()}", recorder=recorder).send(
        "GET", "/api/v1/openapi.json"
    )

    assert answer.status == 0
    assert failed(0)
    assert failed(502)
    assert not failed(429)
    assert [s.status for s in recorder.snapshot()] == [0]
    assert recorder.problems == []


def test_samples_are_recorded_under_their_endpoint_with_the_audience(desk):
    recorder = Recorder()
    client = Client(base(desk), recorder=recorder, audience="staff")

    client.send("GET", "/page", endpoint="GET /page/{id}")
    client.send("GET", "/page")

    assert [(s.endpoint, s.status, s.audience) for s in recorder.snapshot()] == [
        ("GET /page/{id}", 200, "staff"),
        ("GET /page", 200, "staff"),
    ]
    assert recorder.statuses("GET /page") == {200: 1}
    assert len(recorder.milliseconds()) == 2


def test_a_500_with_a_stack_trace_and_a_503_without_retry_after_are_held_against_the_desk(desk):
    recorder = Recorder()
    client = Client(base(desk), recorder=recorder)

    client.send("POST", "/crash", json_body={})
    client.send("GET", "/busy")
    client.send("GET", "/refused")

    details = [(p.request, p.status, p.detail.splitlines()[0]) for p in recorder.problems]
    assert details == [
        ("POST /crash", 500, "stack trace in the response body"),
        ("POST /crash", 500, "Traceback (most recent call last):"),
        ("GET /busy", 503, "no Retry-After header"),
    ]


def test_a_full_url_request_keeps_the_query(desk):
    assert request("POST", f"{base(desk)}/_fake/mode?mode=hang").status == 200

    assert desk.seen[0][0] == "/_fake/mode?mode=hang"


def test_waiting_for_a_server_that_never_answers_fails_with_the_address():
    url = f"http://127.0.0.1:{free_port()}/livez"

    with pytest.raises(RuntimeError, match="livez did not answer 200"):
        wait_until_ok(url, 0.3)


def test_an_agent_finds_the_csrf_token_and_the_choices_of_a_form():
    page = """<form method="post" action="/staff/callbacks/r/abc/outcome">
      <input type="hidden" name="csrf_token" value="tok-1">
      <select name="outcome"><option value="resolved">接通</option>
      <option value="no_answer" selected>无人接听</option></select>
      <button type="submit" name="go" value="1">记录</button></form>"""

    forms, _links = parse(page)

    assert forms[0].action == "/staff/callbacks/r/abc/outcome"
    assert forms[0].fields["csrf_token"] == "tok-1"
    assert forms[0].fields["outcome"] == "no_answer"
    assert forms[0].choices["outcome"] == ["resolved", "no_answer"]
    assert forms[0].buttons == [("go", "1", "记录")]


def test_the_csrf_token_is_taken_from_the_first_form_that_has_one():
    page = """<form action="/lang"><input name="lang" value="en"></form>
      <form method="post"><input type="hidden" name="csrf_token" value="tok-2"></form>"""

    assert csrf_token(page) == "tok-2"
    assert csrf_token("<p>no form</p>") is None
