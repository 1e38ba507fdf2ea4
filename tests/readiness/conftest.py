"""Fact sets and upload helpers for the readiness tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

GIB = 1024**3

READY_PC: dict[str, Any] = {
    "os": {"family": "windows", "version": "10", "build": 19045, "name": "Windows 10 Pro"},
    "dual_boot": {"detected": False, "entries": ["Windows 10"], "source": "bcd"},
    "memory": {"total_bytes": 8 * GIB, "available_bytes": 4 * GIB},
    "system_disk": {"path": "C:\\", "free_bytes": 100 * GIB, "total_bytes": 200 * GIB},
    "cameras": {"count": 1, "names": ["Integrated Camera"]},
    "microphones": {"count": 1, "names": ["Microphone Array"]},
    "virtual_cameras": {"names": []},
    "security_software": {"matches": [], "sources": ["uninstall", "services", "processes"]},
    "auto_updates": {"enabled": False},
    "power": {"ac_sleep_seconds": 0, "ac_display_seconds": 0},
    "displays": {"count": 1},
    "battery": {"present": True, "percent": 90.0, "plugged": True},
    "network": {"type": "ethernet", "hotspot": False, "hotspot_reason": None},
    "virtual_machine": {"detected": False, "evidence": []},
    "bandwidth": {"download_mbps_p10": 50.0, "upload_mbps_p10": 20.0},
}


def ready_pc(**changes: Any) -> dict[str, Any]:
    facts = copy.deepcopy(READY_PC)
    facts.update(changes)
    return facts


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
