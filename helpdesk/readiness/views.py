"""Candidate pages: the device check (agent download, results, the QR code that signs the
phone in) and the phone self-check, whose report is judged by the same rules as the agent's
(helpdesk.readiness.services)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.orm import Session

from helpdesk import clock, idempotency, nav
from helpdesk.db import get_session
from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.extensions import limiter
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import candidate_required, current_candidate, sign_in
from helpdesk.identity.models import Candidate, SessionKind
from helpdesk.readiness import builds, links, services
from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.api import sender_key
from helpdesk.readiness.models import Device
from helpdesk.readiness.phone import detect_os, in_app_browser

bp = Blueprint("readiness", __name__)
nav.add("readiness.home", _l("Device check"), order=20, audience="candidate")


def ticket_url(code: str) -> str:
    """Where a candidate files a problem about this report, with the code filled in."""
    return url_for("tickets.new", category="install", report_code=code)


@dataclass(frozen=True)
class PhoneQR:
    """What the device-check page shows for the phone: a QR code, or why there is none now."""

    svg: Markup | None
    paused: str | None
    minutes: int
    #: The phone check without the link, for typing into the phone's browser.
    plain_url: str


def qr_svg(url: str) -> Markup:
    """url as an inline SVG QR code: plain paths and attributes, nothing the CSP forbids."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=5, border=4, light="#fff", svgclass="qr-code", lineclass=None,
        title=_("QR code that opens the phone check"),
    )  # fmt: skip
    return Markup(svg)  # noqa: S704 - segno's own markup of our URL, no user text in it


def phone_qr(session: Session, candidate: Candidate) -> PhoneQR:
    """A new single-use link for this candidate's phone, drawn as a QR code."""
    settings = readiness_settings.current()
    minutes = int(settings.phone_link_ttl.total_seconds() // 60)
    plain = settings.public_url + url_for("readiness.phone")
    try:
        link = links.issue_link(
            session,
            candidate=candidate,
            now=clock.utcnow(),
            ttl=settings.phone_link_ttl,
            per_hour=settings.phone_links_per_hour,
        )
    except TooManyRequests as exc:
        return PhoneQR(None, exc.message, minutes, plain)
    url = settings.public_url + url_for("readiness.phone_link", token=link.token)
    return PhoneQR(qr_svg(url), None, minutes, plain)


@bp.get("/readiness")
@candidate_required
def home() -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    session = get_session()
    qr = phone_qr(session, candidate)
    session.commit()
    return render_template(
        "readiness/home.html",
        candidate=candidate,
        builds=builds.latest_builds(session),
        latest=services.latest_reports(session, candidate),
        server=readiness_settings.current().public_url,
        ticket_url=ticket_url,
        phone_qr=qr,
    )


@bp.get("/readiness/phone/link/<token>")
def phone_link(token: str) -> ResponseReturnValue:
    """The QR code's link: sign this phone in as the link's candidate, once, then the check.

    Inside WeChat or QQ (whose scanners open links in their own browser, where the camera may
    not work) the link is left unused and the page says to open it in the system browser; a
    HEAD request (a link preview) never uses it either.
    """
    session, now = get_session(), clock.utcnow()
    in_app = in_app_browser(request.headers.get("User-Agent", ""))
    try:
        if in_app or request.method == "HEAD":
            links.check_link(session, token=token, now=now)
            return render_template("readiness/phone_link.html", in_app=in_app or "preview")
        candidate = links.redeem_link(session, token=token, now=now)
    except links.LinkRefused as exc:
        session.rollback()
        next_url = url_for("identity.sign_in", next=url_for("readiness.phone"))
        return render_template(
            "readiness/phone_link.html", message=exc.message, sign_in_url=next_url
        ), exc.status
    sign_in(session, kind=SessionKind.CANDIDATE_WEB, candidate=candidate)
    return redirect(url_for("readiness.phone"))


@bp.get("/readiness/reports/<code>")
@candidate_required
def report(code: str) -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    found = services.find_report(get_session(), candidate=candidate, code=code)
    if found is None:
        abort(404)
    return render_template("readiness/report.html", report=found, ticket_url=ticket_url)


@bp.get("/readiness/agent/<int:build_id>")
def download(build_id: int) -> ResponseReturnValue:
    build = get_session().get(builds.AgentBuild, build_id)
    folder = readiness_settings.current().builds_dir
    path = builds.build_file(folder, build) if build is not None else None
    if build is None or path is None:
        abort(404)
    response = send_file(
        path,
        as_attachment=True,
        download_name=build.filename,
        mimetype="application/octet-stream",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/readiness/phone")
@candidate_required
def phone() -> ResponseReturnValue:
    return render_template(
        "readiness/phone.html", in_app=in_app_browser(request.headers.get("User-Agent", ""))
    )


def phone_platform(facts: dict[str, Any]) -> str:
    found = detect_os(facts.get("user_agent"), facts.get("client_hints"))
    return f"{found['family']} {found.get('version') or ''}".strip()[:40]


@bp.post("/readiness/phone/report")
@limiter.limit(readiness_settings.report_rate_limit, key_func=lambda: sender_key())
@candidate_required
def phone_report() -> ResponseReturnValue:
    """The phone page's facts (JSON, CSRF token in X-CSRFToken), judged here."""
    candidate = current_candidate()
    assert candidate is not None
    raw = request.get_data(cache=True)
    services.check_size(len(raw))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DomainError(
            _("The report is not valid JSON."), code="malformed_json", status=400
        ) from None
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        message = _("Must be a JSON object.")
        raise DomainError(message, code="validation_failed", fields={"facts": message})
    facts["user_agent"] = request.headers.get("User-Agent", "")[:400]
    sha = services.fingerprint({"facts": facts})
    session, now = get_session(), clock.utcnow()
    found, created = services.submit_report(
        session,
        candidate=candidate,
        device=Device.PHONE,
        locale="",
        now=now,
        exam=services.exam_for_report(session, candidate=candidate, code=None, now=now),
        upload=services.Upload(
            facts=facts,
            body_sha256=sha,
            platform=phone_platform(facts),
            idempotency_key=services.report_key(request.headers.get(idempotency.HEADER)),
        ),
    )
    session.commit()
    return jsonify(
        {"report_code": found.code, "verdict": found.verdict, "checks": found.checks}
    ), 201 if created else 200
