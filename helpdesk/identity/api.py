"""POST /api/v1/candidate-tokens: the exam clients' and the agent's sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from pydantic import BaseModel, Field

from helpdesk import clock
from helpdesk.api import endpoint
from helpdesk.db import get_session
from helpdesk.identity import services
from helpdesk.identity.auth import throttle
from helpdesk.identity.models import SessionKind


class CandidateTokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=40)
    admission_number: str = Field(min_length=1, max_length=40)


class CandidateOut(BaseModel):
    name: str
    admission_number: str
    id_number_masked: str


class CandidateTokenOut(BaseModel):
    token: str
    expires_at: datetime
    candidate: CandidateOut


@endpoint(
    "POST",
    "/candidate-tokens",
    summary="Sign a candidate in; returns a bearer token",
    tags=["identity"],
    body=CandidateTokenIn,
    auth=False,
    responses={201: CandidateTokenOut},
)
def create_candidate_token(body: CandidateTokenIn) -> tuple[CandidateTokenOut, int]:
    session = get_session()
    candidate = throttle().sign_in_candidate(
        session, name=body.name, id_number=body.id_number, admission_number=body.admission_number
    )
    ttl = timedelta(minutes=int(current_app.config["TOKEN_TTL_MINUTES"]))
    token, row = services.open_session(
        session, kind=SessionKind.CANDIDATE_API, now=clock.utcnow(), ttl=ttl, candidate=candidate
    )
    session.commit()
    return CandidateTokenOut(
        token=token,
        expires_at=row.expires_at,
        candidate=CandidateOut(
            name=candidate.name,
            admission_number=candidate.admission_number,
            id_number_masked=candidate.id_number_masked,
        ),
    ), 201
