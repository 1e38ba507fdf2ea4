"""Helpers for the uploads tests: an ended formal exam, a signed-in client's events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

#: The formal exam of the notice: starts 11:00, submission 11:10 Beijing time (2023-01-10).
EXAM_ENDS = datetime(2023, 1, 10, 3, 10, tzinfo=UTC)


@pytest.fixture
def after_exam() -> datetime:
    """Frozen at 11:20 Beijing time on the formal exam day: uploads are under way."""
    from helpdesk import clock

    moment = EXAM_ENDS + timedelta(minutes=10)
    clock.freeze(moment)
    return moment


def event(exam_code: str, **overrides: Any) -> dict[str, Any]:
    """A valid upload event; overrides replace (or, with None, remove) fields."""
    body: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "exam_session": exam_code,
        "artifact": "evidence_video",
        "artifact_id": "video-1",
        "state": "progress",
        "bytes_total": 1000,
        "bytes_sent": 400,
        "error_code": None,
        "occurred_at": (EXAM_ENDS + timedelta(minutes=5)).isoformat(),
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.fixture
def post_event(client) -> Callable[..., Any]:
    def post(token: str, body: dict[str, Any], **headers: str) -> Any:
        return client.post(
            "/api/v1/upload-events",
            json=body,
            headers={"Authorization": f"Bearer {token}", **headers},
        )

    return post
