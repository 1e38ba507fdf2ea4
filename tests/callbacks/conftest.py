"""Fixtures for the callback queue: a formal exam in progress, help requests, settings."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk import clock
from helpdesk.callbacks import services
from helpdesk.callbacks.settings import Settings

#: 2023-01-10 11:05 Beijing time: the formal exam is in progress.
IN_EXAM = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _app_context(app):
    """Services run inside the app (a request or a job); outside a request the desk speaks
    Chinese, as jobs do."""
    with app.app_context():
        yield


@pytest.fixture
def in_exam() -> datetime:
    clock.freeze(IN_EXAM)
    return IN_EXAM


@pytest.fixture
def settings() -> Settings:
    return Settings(public_url="https://desk.example.cn")


@pytest.fixture
def formal(make_exam):
    return make_exam("FORMAL-T", kind="formal")


@pytest.fixture
def press(db_session) -> Callable[..., services.HelpRequest]:
    """Press 求助 for a candidate (a new key each time unless given)."""

    def make(
        candidate,
        exam,
        *,
        now: datetime = IN_EXAM,
        key: str | None = None,
        phone: str | None = None,
        category: str | None = None,
    ):
        request, _created = services.request_help(
            db_session,
            candidate=candidate,
            now=now,
            source="api",
            idempotency_key=key or uuid.uuid4().hex,
            data=services.HelpInput(exam_session=exam.code, phone=phone, category=category),
        )
        return request

    return make


def later(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
