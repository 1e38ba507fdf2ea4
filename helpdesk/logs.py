"""Logging: one format, and a filter that never lets a resident ID number through."""

from __future__ import annotations

import logging
import re

from flask import Flask

# 17 digits and a digit or X, not part of a longer number (phone numbers are 11 digits).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")


def redact(text: str) -> str:
    """Mask anything shaped like a resident ID number."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)[-4:]}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with ID numbers masked."""

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


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        if not root.handlers:
            stream = logging.StreamHandler()
            stream.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            root.addHandler(stream)
            root.setLevel(logging.INFO)
        for handler in root.handlers:
            handler.addFilter(RedactingFilter())
    # Records that reach the app logger's own handlers are filtered too.
    app.logger.addFilter(RedactingFilter())
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
