"""Candidate pages: the device check (agent download, results) and the phone self-check,
whose report is judged by the same rules as the agent's (helpdesk.readiness.services)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk import clock, idempotency, nav
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.extensions import limiter
from helpdesk.identity.auth import candidate_required, current_candidate
from helpdesk.readiness import builds, services
from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.api import sender_key
from helpdesk.readiness.models import Device
from helpdesk.readiness.phone import detect_os, in_app_browser

bp = Blueprint("readiness", __name__)
nav.add("readiness.home", _l("Device check"), order=20, audience="candidate")


def ticket_url(code: str) -> str:
    """Where a candidate files a problem about this report, with the code filled in."""
    return url_for("tickets.new", category="install", report_code=code)


@bp.get("/readiness")
@candidate_required
def home() -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    session = get_session()
    return render_template(
        "readiness/home.html",
        candidate=candidate,
        builds=builds.latest_builds(session),
        latest=services.latest_reports(session, candidate),
        server=readiness_settings.current().public_url,
        ticket_url=ticket_url,
    )


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
