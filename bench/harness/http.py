"""The benches' HTTP client: one desk address, a cookie jar for staff pages, optional
keep-alive, the latency of every attempt, and retries that honour Retry-After while sending
the same body and the same headers (so the same Idempotency-Key) again.

With a Recorder, every attempt becomes a Sample, and answers the desk must never give (a
500, a stack trace in an error body, a 503 or 429 without Retry-After) become Problems.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

#: Statuses after which the same request (same key, same body) is sent again; 0 is a
#: connection that failed or dropped before an answer.
RETRYABLE = frozenset({0, 429, 500, 502, 503, 504})
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc.", "psycopg.")
#: What a kept-alive connection that the server closed meanwhile raises on reuse.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def failed(status: int) -> bool:
    """A server error or no answer at all (status 0): what every bench counts as a failure."""
    return status == 0 or status >= 500


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
    at: float  # wall-clock time the attempt started
    endpoint: str
    status: int
    seconds: float
    audience: str


@dataclass(frozen=True)
class Problem:
    """A response a bench holds against the desk (a 500, a stack trace in a body)."""

    at: float
    request: str
    status: int
    detail: str


def problems_in(method: str, path: str, response: Response) -> list[Problem]:
    """What is wrong with an answer whatever was asked."""
    request, found = f"{method} {path}", []
    if response.status in (503, 429) and not response.headers.get("retry-after"):
        found.append(Problem(response.at, request, response.status, "no Retry-After header"))
    if response.status >= 400:
        text = response.text
        if any(marker in text for marker in TRACEBACK_MARKERS):
            found.append(
                Problem(response.at, request, response.status, "stack trace in the response body")
            )
        if response.status == 500:
            found.append(Problem(response.at, request, 500, text[:300]))
    return found


class Recorder:
    """Samples and problems of many clients on many threads."""

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

    def statuses(self, endpoint: str | None = None) -> Counter[int]:
        return Counter(s.status for s in self.snapshot() if endpoint in (None, s.endpoint))

    def milliseconds(self, endpoint: str | None = None) -> list[float]:
        return [s.seconds * 1000 for s in self.snapshot() if endpoint in (None, s.endpoint)]


@dataclass
class Response:
    status: int  # 0: no answer (refused, reset, timed out)
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float = 0.0
    seconds: float = 0.0
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
class Client:
    """One simulated client of one desk (`base`: scheme, host and port).

    keep_alive reuses one connection (a stale one is replaced once, transparently);
    otherwise every attempt opens its own and sends `Connection: close`. `stop`, when set,
    ends retrying at once (Ctrl-C, a time limit).
    """

    base: str
    recorder: Recorder | None = None
    audience: str = "candidate"
    timeout: float = 30.0
    keep_alive: bool = False
    retry_on: frozenset[int] = RETRYABLE
    headers: dict[str, str] = field(default_factory=dict)
    stop: threading.Event | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = field(default=None, init=False, repr=False)

    def twin(self) -> Client:
        """Another client like this one (no cookies, no connection): a second device or a
        retry racing the first request."""
        return Client(
            self.base,
            recorder=self.recorder,
            audience=self.audience,
            timeout=self.timeout,
            keep_alive=self.keep_alive,
            retry_on=self.retry_on,
            headers=dict(self.headers),
            stop=self.stop,
        )

    def _connect(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.base)
        return http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=self.timeout
        )

    def send(
        self,
        method: str,
        path: str,
        *,
        endpoint: str | None = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One attempt; records its latency (under `endpoint`, default 'METHOD path') and
        any problem."""
        head = dict(self.headers)
        if not self.keep_alive:
            head["Connection"] = "close"
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
        try:
            response = self._exchange(method, path, payload, head)
        except (OSError, http.client.HTTPException) as exc:
            response = Response(0, {}, f"{type(exc).__name__}: {exc}".encode(), at=time.time())
        if self.recorder is not None:
            label = endpoint or f"{method} {path}"
            self.recorder.sample(
                Sample(response.at, label, response.status, response.seconds, self.audience)
            )
            for problem in problems_in(method, path, response):
                self.recorder.problem(problem)
        return response

    def _exchange(
        self, method: str, path: str, payload: bytes | None, head: dict[str, str]
    ) -> Response:
        reused = self._connection is not None
        connection = self._connection or self._connect()
        self._connection = None
        started, tick = time.time(), time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=head)
            raw = connection.getresponse()
            body = raw.read()
        except _STALE:
            connection.close()
            if reused:  # the server closed the kept-alive connection meanwhile
                return self._exchange(method, path, payload, head)
            raise
        except BaseException:
            connection.close()
            raise
        seconds = time.perf_counter() - tick
        if self.keep_alive and not raw.will_close:
            self._connection = connection
        else:
            connection.close()
        for cookie in raw.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(cookie)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        headers = {k.lower(): v for k, v in raw.getheaders()}
        return Response(raw.status, headers, body, at=started, seconds=seconds)

    def call(self, method: str, path: str, *, deadline: float, **options: Any) -> Response:
        """Send until the answer is final or the deadline passes; same body, same headers.
        `options` are send()'s."""
        attempt = 0
        while True:
            attempt += 1
            response = self.send(method, path, **options)
            response.attempts = attempt
            now = time.time()
            wait = retry_delay(
                response.status,
                response.headers.get("retry-after"),
                attempt,
                now=now,
                retry_on=self.retry_on,
            )
            if wait is None or now + wait > deadline:
                return response
            if self.stop is None:
                time.sleep(wait)
            elif self.stop.wait(wait):
                return response

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def request(method: str, url: str, *, timeout: float = 5.0, **options: Any) -> Response:
    """One attempt at a full URL, outside any bench's figures (probes, fakes, control)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Client(f"{parts.scheme}://{parts.netloc}", timeout=timeout).send(method, path, **options)


def wait_until_ok(url: str, seconds: float) -> None:
    """Return once GET url answers 200; RuntimeError after `seconds`."""
    deadline = time.time() + seconds
    last = ""
    while time.time() < deadline:
        answer = request("GET", url, timeout=2)
        if answer.status == 200:
            return
        last = answer.text[:200] if answer.status == 0 else f"status {answer.status}"
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s ({last})")
