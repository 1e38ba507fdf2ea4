"""Talk to the desk: candidate token, requirements profile, report upload, with retries.

Connection errors, 429 and 503 (also 502/504 from a proxy in front of the desk) are retried with
exponential backoff, honouring Retry-After; any other 4xx is final and its message is shown.
"""

from __future__ import annotations

import email.utils
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable

from diagnostics import __version__

RETRY_STATUSES = (429, 502, 503, 504)


class ApiError(Exception):
    """The desk refused a request; ``message`` is safe to show the candidate."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}

    def describe(self) -> str:
        """The message and any field messages, one line."""
        details = "；".join("%s" % text for text in self.fields.values())
        return "%s（%s）" % (self.message, details) if details else self.message


class Unreachable(Exception):
    """The desk could not be reached (or stayed unavailable) after every retry.

    ``kind`` says why in a word the agent translates for the candidate: "connection" (no
    connection), "timeout", "busy" (429/5xx on every attempt) or "invalid" (not the desk's
    answer); the message keeps the technical detail.
    """

    def __init__(self, message: str, kind: str = "connection") -> None:
        super().__init__(message)
        self.kind = kind


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_from(status: int, body: bytes) -> ApiError:
    try:
        error = json.loads(body.decode("utf-8")).get("error") or {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    fields = error.get("fields")
    if not isinstance(fields, dict):
        fields = {}
    return ApiError(
        status,
        str(error.get("code") or "http_%d" % status),
        str(error.get("message") or "HTTP %d" % status),
        {str(k): str(v) for k, v in fields.items()},
    )


class DeskClient:
    """A small JSON client for the desk's candidate API."""

    def __init__(
        self,
        server: str,
        locale: str = "zh-CN",
        opener: Callable[..., Any] = urllib.request.urlopen,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        timeout: float = 20.0,
    ) -> None:
        self.server = server.rstrip("/")
        self.locale, self.opener, self.sleep = locale, opener, sleep
        self.attempts, self.base_delay, self.max_delay, self.timeout = (
            attempts,
            base_delay,
            max_delay,
            timeout,
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Send a JSON request with retries; return (status, decoded body)."""
        all_headers = {
            "Accept": "application/json",
            "Accept-Language": self.locale,
            "User-Agent": "helpdesk-agent/" + __version__,
        }
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        if token:
            all_headers["Authorization"] = "Bearer " + token
        all_headers.update(headers or {})
        last, kind = "no attempt", "connection"
        for attempt in range(self.attempts):
            wait = min(self.max_delay, self.base_delay * (2**attempt))
            request = urllib.request.Request(
                self.server + path, data=data, method=method, headers=all_headers
            )
            try:
                with self.opener(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return response.status, json.loads(raw.decode("utf-8")) if raw else None
            except urllib.error.HTTPError as exc:
                raw = exc.read() or b""
                if exc.code not in RETRY_STATUSES:
                    raise _error_from(exc.code, raw) from None
                last, kind = _error_from(exc.code, raw).message, "busy"
                hinted = retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                if hinted is not None:
                    wait = min(self.max_delay, hinted)
            except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = "%s: %s" % (type(reason).__name__, reason)
                kind = "timeout" if isinstance(reason, socket.timeout) else "connection"
            except ValueError as exc:  # a 2xx that is not JSON: not our desk
                raise Unreachable("invalid response: %s" % exc, "invalid") from None
            if attempt + 1 < self.attempts:
                self.sleep(wait)
        raise Unreachable(last, kind)

    def candidate_token(self, name: str, id_number: str, admission_number: str) -> str:
        """Exchange the candidate's identity for a bearer token."""
        _status, body = self.request(
            "POST",
            "/api/v1/candidate-tokens",
            {"name": name, "id_number": id_number, "admission_number": admission_number},
        )
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise Unreachable("the desk answered without a token", "invalid")
        return token

    def profile(self, exam_session: str | None) -> dict[str, Any]:
        """The requirements profile the desk serves for an exam session."""
        query = "?" + urllib.parse.urlencode({"exam_session": exam_session}) if exam_session else ""
        _status, body = self.request("GET", "/api/v1/diagnostics/profile" + query)
        if not isinstance(body, dict) or not isinstance(body.get("checks"), list):
            raise Unreachable("the desk answered without a profile", "invalid")
        return body

    def submit_report(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """Upload a report; the same Idempotency-Key on every retry so it is stored once."""
        _status, answer = self.request(
            "POST",
            "/api/v1/diagnostics/reports",
            body,
            token=token,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if not isinstance(answer, dict):
            raise Unreachable("the desk answered without a report code", "invalid")
        return answer
