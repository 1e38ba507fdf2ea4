"""Logging: JSON lines (or plain text), one line per request with its request id, and a filter
that never lets a resident ID number or a mobile phone number through."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

# 17 digits and a digit or X, not part of a longer number (phone numbers are 11 digits).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
# A mainland mobile number, bare (13800138000), spaced as people and display() write it
# (138 0013 8000, 138-0013-8000) or with the country code (+8613800138000, 8613800138000).
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])")
# Any other E.164 mainland number (landlines: +862863201710).
_E164 = re.compile(r"\+86([0-9]{3})[0-9]{3,5}([0-9]{3})(?![0-9])")
#: An incoming X-Request-ID is kept when it looks like one (nginx's $request_id is 32 hex
#: characters, a UUID 36); anything else is replaced, so a log line never carries text a
#: client chose freely.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
REQUEST_ID_HEADER = "X-Request-ID"
#: The logger of the one line per request.
REQUEST_LOGGER = "helpdesk.request"


def redact_id_numbers(text: str) -> str:
    """Mask anything shaped like a resident ID number (phone numbers are left alone)."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)[-4:]}", text)


def redact(text: str) -> str:
    """Mask anything shaped like a resident ID number or a mainland phone number."""
    text = redact_id_numbers(text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _E164.sub(lambda m: f"+86{m.group(1)}****{m.group(2)}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with ID numbers and phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = redact(str(exc))
            if text != str(exc):
                # Keep the traceback shape but never the number itself.
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the request id when the record
    was written during a request, the fields passed as `extra={"fields": {...}}`, and the
    traceback. Every text value is redacted again, whoever built it."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                line[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exc"] = redact(record.exc_text or self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is well formed, else a new one (32 hex characters)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


def _route() -> str:
    """The URL rule, not the path: /api/v1/help-requests/<public_id> is one route."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))


def _request_fields(response: Response) -> dict[str, Any]:
    return {
        "method": request.method,
        "route": _route(),
        "path": request.path,
        "status": response.status_code,
        "remote_addr": request.remote_addr,
        "pid": os.getpid(),
    }


def _log_request(fields: dict[str, Any], request_id: str, started: float) -> None:
    fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s",
        fields["method"],
        fields["route"],
        fields["status"],
        extra={"fields": fields, "request_id": request_id},
    )


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    started = g.get("request_started", time.perf_counter())
    response.headers[REQUEST_ID_HEADER] = request_id
    fields = _request_fields(response)
    if response.is_streamed:
        # A streamed body (CSV export, speed test) is done when the client has read it.
        response.call_on_close(lambda: _log_request(fields, request_id, started))
    else:
        _log_request(fields, request_id, started)
    return response


def _handler(log_format: str) -> logging.Handler:
    stream = logging.StreamHandler()
    if log_format == "json":
        stream.setFormatter(JsonFormatter())
    else:
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return stream


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        if not root.handlers:
            root.addHandler(_handler(str(app.config.get("LOG_FORMAT", "json"))))
            root.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
        for handler in root.handlers:
            handler.addFilter(RedactingFilter())
    # Records that reach the app logger's own handlers are filtered too.
    app.logger.addFilter(RedactingFilter())
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
    app.before_request(_start_request)
    app.after_request(_finish_request)
