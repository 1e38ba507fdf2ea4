"""Page-wide concerns: error pages and JSON errors, template helpers, the language switch."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, current_app, g, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from helpdesk.errors import DomainError, TooManyRequests, ValidationFailed
from helpdesk.extensions import login_manager
from helpdesk.i18n import gettext
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phone_numbers

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    400: (_l("The request could not be understood."), "bad_request"),
    403: (_l("You are not allowed to open this page."), "forbidden"),
    404: (_l("Not found. It may have been moved, or the address is mistyped."), "not_found"),
    405: (_l("This address does not accept that kind of request."), "method_not_allowed"),
    413: (_l("The upload is too large."), "too_large"),
    415: (_l("Send the body as application/json."), "unsupported_media_type"),
    429: (_l("Too many requests. Wait a moment and try again."), "too_many_requests"),
    503: (_l("The desk is busy for a moment. Try again in a few seconds."), "unavailable"),
}
#: What a server error page says when the visitor had sent something (a form, an API body).
_NOT_SAVED = {
    503: _l("The desk is busy for a moment. Nothing was saved: send it again in a few seconds."),
    500: _l(
        "Something went wrong on our side. What you sent may not have been saved: "
        "send it again, or call the hotline."
    ),
}
_SERVER_ERROR = _l("Something went wrong on our side. Try again, or call the hotline.")
_READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if status in _NOT_SAVED and request.method not in _READ_ONLY_METHODS:
        message = str(_NOT_SAVED[status])
    if _wants_json():
        from helpdesk.api import error_response

        return error_response(status, code, message, fields, headers)
    try:
        if status >= 500:
            page = _server_page(status, message)
        else:
            page = render_template(
                "errors/error.html",
                status=status,
                message=message,
                fields=fields or {},
                **_ways_back(),
            )
    except SQLAlchemyError:
        # The layout looks up the signed-in user; with the database down that fails again,
        # and the visitor would get the server's bare 500. Answer without the layout.
        log.warning("error page %s shown without its layout: database unavailable", status)
        page = _bare_page(status, message)
    response = Response(page, status=status)
    response.headers.update(headers)
    return response


def _staff_area() -> bool:
    return request.path.startswith(("/staff", "/admin"))


def _ways_back() -> dict[str, Any]:
    """Where an error page leads: the form a refused POST came from, and the start page of
    the desk's side the visitor is on (staff or candidates)."""
    staff = _staff_area()
    return {
        "home_url": url_for("exams_staff.staff_home" if staff else "exams.home"),
        "home_label": _l("Back to the staff desk") if staff else _l("Back to the start page"),
        "back_url": _same_site_referrer() if request.method not in _READ_ONLY_METHODS else None,
    }


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer or urlsplit(referrer).netloc != request.host:
        return None
    return referrer


def _server_page(status: int, message: str) -> str:
    """The desk's normal layout for a 500 or 503, drawn without the database (it may be the
    very thing that failed): no signed-in name or menu lookups, a way back, the hotline."""
    if "_login_user" not in g:
        # Flask-Login's template context loads the signed-in user (a query); the page shows
        # no name, so it is drawn as for a visitor instead of failing on the database again.
        g._login_user = login_manager.anonymous_user()
    return render_template(
        "errors/server.html",
        status=status,
        message=message,
        offline=True,
        retry_url=request.full_path.rstrip("?") if request.method == "GET" else None,
        **_ways_back(),
    )


def tel_href(number: str) -> str:
    """tel: link for a number as shown (400-088-0028 -> tel:4000880028)."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def _bare_page(status: int, message: str) -> str:
    """An error page that needs neither the database nor the signed-in user."""
    hotline = str(current_app.config.get("HOTLINE", ""))
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{status}</title></head><body><main><h1>{escape(message)}</h1>"
        f'<p><a href="/">{escape(str(_l("Back to the start page")))}</a></p>'
        f'<p><a href="{escape(tel_href(hotline))}">{escape(hotline)}</a></p></main></body></html>'
    )


def _domain_error(exc: DomainError) -> Response:
    retry = exc.retry_after if isinstance(exc, TooManyRequests) else None
    return render_error(exc.status, exc.code, exc.message, exc.fields or None, retry)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message, code = _STATUS_MESSAGES.get(status, (_l("Something went wrong."), "error"))
    if status >= 500:
        return _server_error(exc)
    retry = None
    if isinstance(exc, RateLimitExceeded):
        after = getattr(exc, "retry_after", None)
        retry = max(1, after) if isinstance(after, int) else 60
    response = render_error(status, code, str(message), retry_after=retry)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _csrf_error(_exc: CSRFError) -> Response:
    return render_error(
        400,
        "csrf_failed",
        str(
            _l(
                "This form has expired or was sent from elsewhere. "
                "Reload the page and send it again."
            )
        ),
    )


def _database_down(exc: Exception) -> Response:
    if (
        isinstance(exc, DBAPIError)
        and not isinstance(exc, OperationalError)
        and not exc.connection_invalidated
    ):
        return _server_error(exc)
    log.warning("database unavailable: %s", type(exc).__name__)
    message, code = _STATUS_MESSAGES[503]
    return render_error(503, code, str(message), retry_after=5)


def _server_error(exc: BaseException) -> Response:
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return render_error(500, "internal_error", str(_SERVER_ERROR))


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the exam's time zone (Beijing time by default)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"])))
    digits = _digits_only(fmt)
    return local.strftime(digits) if digits is not None else format_datetime(local, fmt)


#: The pattern fields whose text is the same in every language: digits.
_DIGIT_FIELDS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


@cache
def _digits_only(pattern: str) -> str | None:
    """The strftime form of a date pattern made only of digit fields and punctuation
    ("yyyy-MM-dd HH:mm", the inbox's 25 a page: babel's formatting of each cost more than
    the rest of its row); None for any other pattern, which babel formats."""
    out, i = [], 0
    while i < len(pattern):
        token = next((t for t in _DIGIT_FIELDS if pattern.startswith(t, i)), None)
        if token is not None:
            out.append(_DIGIT_FIELDS[token])
            i += len(token)
            continue
        char = pattern[i]
        if char.isalpha() or char == "'":
            return None
        out.append("%%" if char == "%" else char)
        i += 1
    return "".join(out)


def end_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """When something ends: midnight is 24:00 of the day before, as the notice writes it
    ("10:00—24:00"), not 00:00 of a day the candidate does not expect."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"])))
    if (local.hour, local.minute) == (0, 0) and "HH:mm" in fmt:
        return format_datetime(local - timedelta(days=1), fmt.replace("HH:mm", "'24:00'"))
    return format_datetime(local, fmt)


def duration(seconds: float | None) -> str:
    """A span in words: 715 -> "11 分 55 秒" ("11 min 55 s"); None -> "—"."""
    if seconds is None:
        return "—"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(h)d h %(m)d min", h=hours, m=minutes)
    if minutes:
        return gettext("%(m)d min %(s)d s", m=minutes, s=secs)
    return gettext("%(s)d s", s=secs)


def time_left(due: datetime | None, now: datetime) -> str:
    """A due time as the time left: "还剩 12 分钟", or how late: "已超时 5 分钟"."""
    if due is None:
        return ""
    seconds = (due - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    span = (
        gettext("%(h)d h %(m)d min", h=minutes // 60, m=minutes % 60)
        if minutes >= 60
        else gettext("%(m)d min", m=minutes)
    )
    return (
        gettext("%(span)s left", span=span)
        if seconds >= 0
        else gettext("%(span)s overdue", span=span)
    )


def _template_globals() -> dict[str, Any]:
    from helpdesk import nav
    from helpdesk.exams.labels import KIND_LABELS, PHASE_LABELS

    return {
        "nav_items": nav.items,
        "kind_labels": KIND_LABELS,
        "phase_labels": PHASE_LABELS,
        "hotline": current_app.config["HOTLINE"],
        "candidate_platform": current_app.config.get("CANDIDATE_PLATFORM_URL", ""),
        "current_locale": str(get_locale()),
        "caller_ids": caller_ids(),
    }


def caller_ids() -> list[str]:
    """The whitelisted callback numbers as candidates read them (028-63201710)."""
    return [
        phone_numbers.display(n.strip())
        for n in str(current_app.config["CALLER_IDS"]).split(",")
        if n.strip()
    ]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _may_hold_nul(raw: bytes) -> bool:
    """JSON can only carry a NUL as the escape \\u0000 (a bare one is invalid JSON): a body
    without either is not parsed a second time here."""
    return b"\\u0000" in raw or b"\x00" in raw


def _refuse_nul() -> None:
    """PostgreSQL cannot store a NUL character: refuse one in any submitted text up front
    (422 naming the field) instead of letting the database fail the request with a 500."""
    if "\x00" in request.path:
        abort(404)
    fields = [
        name
        for source in (request.args, request.form)
        for name, values in source.lists()
        if _has_nul(name) or _has_nul(values)
    ]
    if (
        request.is_json
        and (request.content_length or 0) <= 256 * 1024
        and _may_hold_nul(request.get_data(cache=True))
    ):
        try:
            data = request.get_json(silent=True)
            if isinstance(data, dict):
                fields += [str(k) for k, v in data.items() if _has_nul(k) or _has_nul(v)]
            elif _has_nul(data):
                fields.append("_body")
        except RecursionError:
            pass  # nested too deep to be valid input: the endpoint's parser answers 400
    if fields:
        message = str(_l("Remove the invisible control character (NUL) from this field."))
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            code="invalid_character",
            fields={f.replace("\x00", "")[:40] or "_field": message for f in fields},
        )


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(PoolTimeout, _database_down)
    app.register_error_handler(DBAPIError, _database_down)
    app.register_error_handler(Exception, _server_error)
    app.context_processor(_template_globals)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["end_time"] = end_time
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals["time_left"] = time_left
    app.jinja_env.filters["phone"] = phone_numbers.display
    app.jinja_env.filters["phone_masked"] = phone_numbers.mask
    app.jinja_env.filters["tel"] = tel_href
