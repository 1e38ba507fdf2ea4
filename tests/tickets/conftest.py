"""Helpers for ticket tests: a candidate with a mock exam running, and an opened ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from helpdesk.categories import Category
from helpdesk.tickets import services
from helpdesk.tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def mock_exam(make_exam, now):
    """A mock-exam day in progress at `now`."""
    return make_exam(
        "MOCK-D1",
        kind="mock",
        starts=now - timedelta(hours=2),
        login_closes=now + timedelta(hours=12),
        ends=now + timedelta(hours=12),
    )


@pytest.fixture
def owner(make_candidate, mock_exam):
    return make_candidate(name="王小明", sessions=[mock_exam])


@pytest.fixture
def open_ticket(db_session, now) -> Callable[..., Ticket]:
    def make(
        identity: Any,
        *,
        exam=None,
        category: Category = Category.LOGIN,
        description: str = "登录时提示账号不存在",
        **kwargs: Any,
    ) -> Ticket:
        return services.open_ticket(
            db_session,
            candidate=identity.candidate,
            exam_session=exam,
            category=category,
            description=description,
            now=now,
            **kwargs,
        )

    return make
