"""The help-request endpoints of API.md: press 求助, follow the request, cancel it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from helpdesk import clock
from helpdesk.api import endpoint, token_invalid
from helpdesk.callbacks import services, standing
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.models import HelpRequest
from helpdesk.categories import Category
from helpdesk.db import get_session
from helpdesk.idempotency import HEADER
from helpdesk.identity.models import Candidate

STATUS = Literal["waiting", "claimed", "calling", "completed", "unreachable", "cancelled"]
KEY_HEADER = {
    HEADER: {
        "required": True,
        "description": "Client-generated, 8-64 visible characters; a replay "
        "with the same key and body returns the first request.",
        "schema": {"type": "string", "minLength": 8, "maxLength": 64},
    }
}


#: How many seconds a client should wait before it asks again: the pace of the desk's own
#: status page (standing.refresh_seconds), on every answer about an open request.
POLL_HEADER = "X-Poll-Interval"
POLL_HEADERS = {
    POLL_HEADER: {
        "description": "Seconds to wait before asking again (3 near the call, up to 15 far "
        "back in the queue); absent once the request is closed: nothing more changes.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _described(help_request: HelpRequest, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    """The API.md body and the answer's headers (the pace of the next poll while open)."""
    shown = standing.standing(
        get_session(), help_request, settings=callbacks_settings.current(), now=now
    )
    pace = {POLL_HEADER: str(shown["refresh_seconds"])} if help_request.is_open else {}
    return shown["body"], pace


class HelpRequestIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    exam_session: str = Field(min_length=1, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    category: Category | None = None
    note: str | None = Field(default=None, max_length=services.NOTE_LIMIT)


class HelpRequestOut(BaseModel):
    id: str
    status: STATUS
    position: int
    estimated_wait_seconds: int
    caller_ids: list[str]
    message: str


@endpoint(
    "POST",
    "/help-requests",
    summary="Press 求助: queue a callback (idempotent)",
    tags=["help"],
    body=HelpRequestIn,
    headers=KEY_HEADER,
    responses={201: HelpRequestOut, 200: HelpRequestOut},
    commit_alone=True,
    signs_in=True,
    response_headers=POLL_HEADERS,
)
def create_help_request(
    token: str, body: HelpRequestIn
) -> tuple[dict[str, Any], int, dict[str, str]]:
    session, now = get_session(), clock.utcnow()
    data = services.HelpInput(
        exam_session=body.exam_session,
        phone=body.phone or None,
        category=body.category.value if body.category else None,
        note=body.note or None,
    )
    # The sign-in is the lookup's own first join: one round trip for both.
    pressed = services.request_help_signed_in(
        session,
        token=token,
        data=data,
        now=now,
        source="api",
        idempotency_key=request.headers.get(HEADER, ""),
        settings=callbacks_settings.current(),
    )
    if pressed is None:
        raise token_invalid()
    help_request, created = pressed
    # The place in the queue is read in the same transaction as the INSERT (on PostgreSQL
    # by the INSERT itself): one connection checkout and one commit per press.
    described, pace = _described(help_request, now)
    session.commit()
    return described, 201 if created else 200, pace


@endpoint(
    "GET",
    "/help-requests/{request_id}",
    summary="Where a help request stands",
    tags=["help"],
    responses={200: HelpRequestOut},
    commit_alone=True,  # a poll only reads: no BEGIN and ROLLBACK round trips around it
    response_headers=POLL_HEADERS,
)
def get_help_request(
    candidate: Candidate, request_id: str
) -> tuple[dict[str, Any], int, dict[str, str]]:
    session = get_session()
    help_request = services.get_for_candidate(session, candidate=candidate, public_id=request_id)
    described, pace = _described(help_request, clock.utcnow())
    return described, 200, pace


@endpoint(
    "POST",
    "/help-requests/{request_id}/cancel",
    summary="Cancel a waiting help request",
    tags=["help"],
    responses={200: HelpRequestOut},
)
def cancel_help_request(candidate: Candidate, request_id: str) -> dict[str, Any]:
    session, now = get_session(), clock.utcnow()
    help_request = services.get_for_candidate(session, candidate=candidate, public_id=request_id)
    services.cancel(session, request=help_request, now=now)
    described, _pace = _described(help_request, now)  # closed: no pace
    session.commit()
    return described
