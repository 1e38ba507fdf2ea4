"""POST /api/v1/upload-events and GET /api/v1/uploads: the exam clients report uploads."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import get_locale
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from helpdesk import clock
from helpdesk.api import endpoint
from helpdesk.db import get_session
from helpdesk.exams import services as exams
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.uploads import guidance, services
from helpdesk.uploads.models import ArtifactKind, UploadState

_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
#: 10 TB: larger than any evidence video, small enough for a BIGINT.
MAX_BYTES = 10**13


class UploadEventIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_id: str = Field(min_length=8, max_length=64, pattern=_ID)
    exam_session: str = Field(min_length=1, max_length=40)
    artifact: ArtifactKind
    artifact_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    state: UploadState
    bytes_total: int | None = Field(default=None, ge=0, le=MAX_BYTES, strict=True)
    bytes_sent: int | None = Field(default=None, ge=0, le=MAX_BYTES, strict=True)
    error_code: str | None = Field(default=None, max_length=40, pattern=_ID)
    occurred_at: AwareDatetime

    @field_validator("bytes_sent")
    @classmethod
    def _not_more_than_total(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("bytes_total")
        if value is not None and total is not None and value > total:
            raise ValueError(str(_l("Cannot be more than bytes_total.")))
        return value


class UploadRecordedOut(BaseModel):
    status: str = Field(description="recorded, or duplicate for an event_id already seen")


class UploadsQuery(BaseModel):
    exam_session: str = Field(min_length=1, max_length=40)


class GuidanceTextOut(BaseModel):
    code: str
    title: str
    body: str


class GuidanceOut(BaseModel):
    failure: GuidanceTextOut | None
    steps: list[str]
    notes: list[str]
    help_url: str


class ArtifactOut(BaseModel):
    artifact: ArtifactKind
    artifact_id: str
    state: UploadState
    bytes_total: int | None
    bytes_sent: int | None
    attempts: int
    failures: int
    last_error: str | None
    updated_at: datetime
    guidance: GuidanceOut


class KindStatusOut(BaseModel):
    artifact: ArtifactKind
    status: services.Verdict = Field(
        description="One artifact kind of one candidate, as the completeness view counts it."
    )


class UploadsOut(BaseModel):
    exam_session: str
    complete: bool
    kinds: list[KindStatusOut]
    artifacts: list[ArtifactOut]
    hotline_help_url: str


@endpoint(
    "POST",
    "/upload-events",
    summary="Report an upload's progress from an exam client",
    tags=["uploads"],
    body=UploadEventIn,
    responses={201: UploadRecordedOut, 200: UploadRecordedOut},
)
def post_upload_event(candidate: Candidate, body: UploadEventIn) -> tuple[dict[str, str], int]:
    session = get_session()
    outcome = services.record_event(
        session,
        candidate=candidate,
        now=clock.utcnow(),
        event=services.EventIn(**body.model_dump()),
    )
    session.commit()
    return {"status": outcome.value}, 201 if outcome == services.Outcome.RECORDED else 200


@endpoint(
    "GET",
    "/uploads",
    summary="The candidate's uploads of one exam session, with guidance",
    tags=["uploads"],
    query=UploadsQuery,
    responses={200: UploadsOut},
)
def get_uploads(candidate: Candidate, query: UploadsQuery) -> UploadsOut:
    session = get_session()
    exam = exams.enrolled_session(session, candidate=candidate, code=query.exam_session)
    artifacts = services.artifacts_of(session, candidate_id=candidate.id, exam_session_id=exam.id)
    verdict = services.completeness(artifacts)
    locale = str(get_locale())
    return UploadsOut(
        exam_session=exam.code,
        complete=verdict.complete,
        kinds=[KindStatusOut(artifact=k, status=v) for k, v in verdict.verdicts.items()],
        artifacts=[
            ArtifactOut(
                artifact=a.artifact,
                artifact_id=a.artifact_id,
                state=a.state,
                bytes_total=a.bytes_total,
                bytes_sent=a.bytes_sent,
                attempts=a.tries,
                failures=a.failures,
                last_error=a.last_error_code,
                updated_at=a.updated_at,
                guidance=GuidanceOut(
                    **guidance.guidance_for(session, a, locale),
                    help_url=url_for("uploads.help_artifact", artifact=a.artifact, _external=True),
                ),
            )
            for a in artifacts
        ],
        hotline_help_url=url_for("uploads.help_start", _external=True),
    )
