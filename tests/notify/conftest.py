"""Fixtures of these tests: the Aliyun SDK's HTTP transport, recorded."""

from __future__ import annotations

import pytest

from tests.aliyun_http import RecordingTransport, install


@pytest.fixture
def aliyun_http(monkeypatch: pytest.MonkeyPatch) -> RecordingTransport:
    return install(monkeypatch)
