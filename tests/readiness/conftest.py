"""Upload helpers for the readiness tests; the ready PC's facts come from diagnostics.samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from diagnostics.samples import ready_pc


def report_body(facts: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "agent_version": "1.0.0",
        "profile_version": "notice-2023-01",
        "platform": "windows",
        "collected_at": "2023-01-04T11:30:00+08:00",
        "facts": ready_pc() if facts is None else facts,
    }
    body.update(extra)
    return body


@pytest.fixture
def upload(client, api_token) -> Callable[..., Any]:
    """Upload a report as a candidate through the API."""

    def send(
        identity,
        body: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        language: str = "zh-CN",
    ):
        headers = {"Authorization": f"Bearer {api_token(identity)}", "Accept-Language": language}
        if key:
            headers["Idempotency-Key"] = key
        return client.post(
            "/api/v1/diagnostics/reports", json=body or report_body(), headers=headers
        )

    return send
