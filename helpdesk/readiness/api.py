"""The diagnostics endpoints of API.md: profile, reports, and the speed test."""

from __future__ import annotations

import functools
import hashlib
import math
import os
import secrets
import time
from collections.abc import Iterator
from typing import Any, Literal

from flask import Response, request
from flask_babel import get_locale
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from helpdesk import clock, idempotency, streaming
from helpdesk.api import endpoint
from helpdesk.db import get_session, release_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.extensions import limiter
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.readiness import services
from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.models import Device, DeviceReport
from helpdesk.readiness.profiles import profile_for

DOWNLOAD_LIMIT = 25_000_000
UPLOAD_LIMIT = 32 * 1024 * 1024
CHUNK = 64 * 1024
MB = 1_000_000


class ProfileQuery(BaseModel):
    exam_session: str | None = Field(None, min_length=1, max_length=40)


class ProfileCheck(BaseModel):
    id: str
    severity: Literal["fail", "warn"]
    params: dict[str, Any]


class ProfileOut(BaseModel):
    version: str
    checks: list[ProfileCheck]


class ReportIn(BaseModel):
    # Spelled out, not a docstring: served with -OO (docs/deploy.md) it would vanish.
    model_config = ConfigDict(
        json_schema_extra={
            "description": "What the agent uploads. A verdict or checks sent along are ignored."
        }
    )

    agent_version: str = Field(min_length=1, max_length=40)
    profile_version: str | None = Field(None, max_length=80)
    platform: str = Field(min_length=1, max_length=40)
    collected_at: AwareDatetime
    facts: dict[str, Any]
    #: Optional: the exam session the candidate ran the agent for (else their next one).
    exam_session: str | None = Field(None, min_length=1, max_length=40)


class CheckOut(BaseModel):
    id: str
    status: Literal["pass", "warn", "fail", "unknown"]
    title: str
    message: str
    fix: str


class ReportOut(BaseModel):
    report_code: str
    verdict: Literal["pass", "warn", "fail"]
    checks: list[CheckOut]


class DownloadQuery(BaseModel):
    bytes: int = Field(1_000_000, ge=1, description=f"capped at {DOWNLOAD_LIMIT}")


class UploadOut(BaseModel):
    bytes_received: int
    seconds: float


@endpoint(
    "GET",
    "/diagnostics/profile",
    summary="The requirements profile of an exam session",
    tags=["diagnostics"],
    query=ProfileQuery,
    auth=False,
    responses={200: ProfileOut, 404: None},
)
def diagnostics_profile(query: ProfileQuery) -> tuple[dict[str, Any], int]:
    session = get_session()
    exam = exams.get_by_code(session, query.exam_session) if query.exam_session else None
    return profile_for(session, exam), 200


@endpoint(
    "POST",
    "/diagnostics/reports",
    summary="Upload the agent's facts; the desk judges them",
    tags=["diagnostics"],
    body=ReportIn,
    auth=True,
    headers={
        idempotency.HEADER: {
            "required": False,
            "schema": {"type": "string", "minLength": 8, "maxLength": 64},
            "description": "The same on every retry: the report is stored once.",
        }
    },
    responses={201: ReportOut, 200: ReportOut},
)
@limiter.limit(readiness_settings.report_rate_limit, key_func=lambda: sender_key())
def submit_report(candidate: Candidate, body: ReportIn) -> tuple[ReportOut, int]:
    key = services.report_key(request.headers.get(idempotency.HEADER))
    sha = services.fingerprint({**body.model_dump(mode="json"), "facts": body.facts})
    session, now = get_session(), clock.utcnow()
    exam = services.exam_for_report(session, candidate=candidate, code=body.exam_session, now=now)
    report, created = services.submit_report(
        session,
        candidate=candidate,
        device=Device.PC,
        exam=exam,
        now=now,
        locale=str(get_locale() or "zh_CN").replace("_", "-"),
        upload=services.Upload(
            facts=body.facts,
            body_sha256=sha,
            agent_version=body.agent_version,
            client_profile_version=body.profile_version,
            platform=body.platform,
            collected_at=body.collected_at,
            idempotency_key=key,
        ),
    )
    session.commit()
    return report_out(report), 201 if created else 200


def report_out(report: DeviceReport) -> ReportOut:
    keys = ("id", "status", "title", "message", "fix")
    return ReportOut.model_validate(
        {
            "report_code": report.code,
            "verdict": str(report.verdict),
            "checks": [{k: str(c.get(k) or "") for k in keys} for c in report.checks],
        }
    )


def sender_key() -> str:
    """Who is uploading: the bearer token (hashed) or the signed-in browser, else the
    address; so one candidate's loop cannot fill the table, and a school's shared address
    does not throttle its candidates."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:24]
    if current_user.is_authenticated:
        return "web:" + hashlib.sha256(str(current_user.get_id()).encode()).hexdigest()[:24]
    return "ip:" + (request.remote_addr or "unknown")


def _download_cost() -> int:
    try:
        wanted = int(request.args.get("bytes", MB))
    except ValueError:
        return 1
    return max(1, math.ceil(min(max(wanted, 1), DOWNLOAD_LIMIT) / MB))


def _upload_cost() -> int:
    return max(1, math.ceil(min(request.content_length or MB, UPLOAD_LIMIT) / MB))


@functools.cache
def _random_block() -> bytes:
    # 1 MiB drawn once per process, with the first speed test: not in every web worker.
    return os.urandom(1024 * 1024)


def random_stream(size: int) -> Iterator[bytes]:
    """size random bytes, fast: slices of a random block at random offsets (incompressible,
    and no two responses alike)."""
    block = _random_block()
    remaining = size
    while remaining > 0:
        count = min(CHUNK, remaining)
        offset = secrets.randbelow(len(block) - count + 1)
        yield block[offset : offset + count]
        remaining -= count


@endpoint(
    "GET",
    "/diagnostics/speedtest/download",
    summary="Random bytes to time a download",
    tags=["diagnostics"],
    query=DownloadQuery,
    auth=False,
    responses={200: None},
    raw_response={200: "application/octet-stream"},
)
@limiter.limit(readiness_settings.speedtest_rate_limit, cost=_download_cost)
def speedtest_download(query: DownloadQuery) -> Response:
    size = min(query.bytes, DOWNLOAD_LIMIT)
    return streaming.response(
        random_stream(size),
        mimetype="application/octet-stream",
        headers={
            "Content-Length": str(size),
            "Cache-Control": "no-store",
            "Content-Encoding": "identity",
        },
    )


@endpoint(
    "POST",
    "/diagnostics/speedtest/upload",
    summary="Receive bytes to time an upload",
    tags=["diagnostics"],
    auth=False,
    responses={200: UploadOut},
    raw_body="application/octet-stream",
)
@limiter.limit(readiness_settings.speedtest_rate_limit, cost=_upload_cost)
def speedtest_upload() -> tuple[UploadOut, int]:
    if request.content_length is not None and request.content_length > UPLOAD_LIMIT:
        raise DomainError(str(_l("The upload is too large.")), code="too_large", status=413)
    # The body may take a slow phone line seconds: no transaction waits with it.
    release_session()
    started, received = time.monotonic(), 0
    stream = request.stream
    while True:
        block = stream.read(CHUNK)
        if not block:
            break
        received += len(block)
        if received > UPLOAD_LIMIT:
            raise DomainError(str(_l("The upload is too large.")), code="too_large", status=413)
    return UploadOut(bytes_received=received, seconds=round(time.monotonic() - started, 6)), 200
