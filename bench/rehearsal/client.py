"""A small HTTP client for simulated candidates and agents: latency samples, retries that
honour Retry-After with the same idempotency key, and a cookie jar for staff pages."""

from __future__ import annotations

import email.utils
import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

#: Statuses after which the same request (same key, same body) is sent again.
RETRYABLE = frozenset({0, 429, 500, 502, 503, 504})
#: Staff pages: a person does not reload a page that crashed over and over.
STAFF_RETRYABLE = RETRYABLE - {500}
#: Set when the rehearsal stops (Ctrl-C, time limit): clients stop retrying at once.
STOP = threading.Event()
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc.", "psycopg.")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), else None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def retry_delay(
    status: int,
    retry_after: str | None,
    attempt: int,
    *,
    now: float,
    cap: float = 30.0,
    retry_on: frozenset[int] = RETRYABLE,
) -> float | None:
    """How long to wait before sending the same request again, or None if the answer is final.

    Retry-After wins when the desk sends it (capped at `cap`); otherwise back off
    exponentially from half a second.
    """
    if status not in retry_on:
        return None
    asked = parse_retry_after(retry_after, now)
    if asked is not None:
        return min(cap, asked)
    return min(cap, 0.5 * (2 ** max(0, attempt - 1)))


@dataclass(frozen=True)
class Sample:
    at: float
    endpoint: str
    status: int
    seconds: float
    audience: str


@dataclass(frozen=True)
class Problem:
    """A response the rehearsal holds against the desk (a 500, a stack trace in a body)."""

    at: float
    request: str
    status: int
    detail: str


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: list[Sample] = []
        self.problems: list[Problem] = []

    def sample(self, item: Sample) -> None:
        with self._lock:
            self.samples.append(item)

    def problem(self, item: Problem) -> None:
        with self._lock:
            self.problems.append(item)

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Http:
    """One client: a base URL, a recorder, and (for staff) a cookie jar."""

    base: str
    recorder: Recorder
    audience: str = "candidate"
    timeout: float = 30.0
    retry_on: frozenset[int] = RETRYABLE
    cookies: dict[str, str] = field(default_factory=dict)

    def _connection(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.base)
        return http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=self.timeout
        )

    def send(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One attempt; records its latency and any problem."""
        head = {"Accept-Language": "zh-CN", "Connection": "close"}
        head.update(headers or {})
        payload: bytes | None = None
        if json_body is not None:
            payload = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            head["Content-Type"] = "application/json"
        elif form is not None:
            payload = urllib.parse.urlencode(form).encode("utf-8")
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.time()
        tick = time.perf_counter()
        connection = self._connection()
        try:
            connection.request(method, path, body=payload, headers=head)
            raw = connection.getresponse()
            body = raw.read()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, body)
            for cookie in raw.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(cookie)
                for name, morsel in jar.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        except (OSError, http.client.HTTPException) as exc:
            response = Response(0, {}, f"{type(exc).__name__}: {exc}".encode())
        finally:
            connection.close()
        seconds = time.perf_counter() - tick
        self.recorder.sample(Sample(started, endpoint, response.status, seconds, self.audience))
        if response.status in (503, 429) and not response.headers.get("retry-after"):
            self.recorder.problem(
                Problem(started, f"{method} {path}", response.status, "no Retry-After header")
            )
        if response.status >= 400:
            text = response.text
            if any(marker in text for marker in TRACEBACK_MARKERS):
                self.recorder.problem(
                    Problem(
                        started,
                        f"{method} {path}",
                        response.status,
                        "stack trace in the response body",
                    )
                )
            if response.status == 500:
                self.recorder.problem(Problem(started, f"{method} {path}", 500, text[:300]))
        return response

    def call(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        deadline: float,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send until the answer is final or the deadline passes; same body, same headers."""
        attempt = 0
        while True:
            attempt += 1
            response = self.send(
                method, path, endpoint=endpoint, json_body=json_body, form=form, headers=headers
            )
            response.attempts = attempt
            now = time.time()
            wait = retry_delay(
                response.status,
                response.headers.get("retry-after"),
                attempt,
                now=now,
                retry_on=self.retry_on,
            )
            if wait is None or now + wait > deadline or STOP.wait(wait):
                return response
