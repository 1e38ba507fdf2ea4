"""gunicorn's logs as JSON lines: its error log, and an access log with ID numbers and phone
numbers masked in the path, query string and referrer. gunicorn.conf.py names this class."""

from __future__ import annotations

import os
import traceback
from datetime import timedelta
from typing import Any

from gunicorn import glogging

from helpdesk.logs import REQUEST_ID_HEADER, JsonFormatter, RedactingFilter


def _header(headers: Any, name: str) -> str | None:
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items or ():
        if str(key).lower() == name.lower():
            return str(value)
    return None


class JsonLogger(glogging.Logger):
    """gunicorn's Logger, writing JSON through the desk's formatter and redacting filter."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                    handler.addFilter(RedactingFilter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        try:
            fields = access_fields(resp, req, environ, request_time)
            self.access_log.info(
                "%s %s %s",
                fields["method"],
                fields["path"],
                fields["status"],
                extra={"fields": fields, "request_id": fields.pop("request_id")},
            )
        except Exception:  # noqa: BLE001 - an access line must never fail a request
            self.error(traceback.format_exc())


def access_fields(
    resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
) -> dict[str, Any]:
    """The access line's fields; the formatter masks personal numbers in every text."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    return {
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or None,
        "status": int(status),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "referer": environ.get("HTTP_REFERER"),
        "request_id": _header(resp.headers, REQUEST_ID_HEADER),
        "pid": os.getpid(),
    }
