"""Reminder helpers: device reports written straight to the database, the default settings."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from helpdesk.readiness.models import Device, DeviceReport
from helpdesk.reminders.settings import Settings

SETTINGS = Settings(check_url="https://ks.example.cn/readiness")
ALLOWED = ["400-088-0028"]


@pytest.fixture
def report(db_session) -> Callable[..., DeviceReport]:
    """Store a judged report of a candidate's PC (or phone) received at a moment."""

    def make(
        candidate: Any,
        *,
        at: datetime,
        verdict: str = "pass",
        device: Device = Device.PC,
        failed: tuple[str, ...] = (),
    ) -> DeviceReport:
        checks = [{"id": c, "status": "fail", "title": c} for c in failed]
        checks.append({"id": "camera", "status": "pass", "title": "camera"})
        row = DeviceReport(
            code=f"D-{uuid.uuid4().hex[:4].upper()}-{uuid.uuid4().hex[:4].upper()}",
            candidate_id=candidate.id,
            device=device,
            verdict=verdict,
            checks=checks,
            facts={},
            profile_version="test",
            received_at=at,
            body_sha256="0" * 64,
        )
        db_session.add(row)
        db_session.flush()
        return row

    return make
