"""Helpers of the staff-account tests: browsers from other addresses, a signed-in admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import use_cheap_password_hashing

PASSWORD = "correct horse battery"


@pytest.fixture
def browser_at(app) -> Callable[[str], Any]:
    """A test client whose requests come from address (a classmate's, an office's)."""

    def make(address: str) -> Any:
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        return browser

    return make


@pytest.fixture
def admin(make_staff):
    return make_staff("admin", username="admin.wang")


@pytest.fixture
def admin_client(app, admin, sign_in_staff):
    """A second browser, signed in as the admin (the default client stays free)."""
    browser = app.test_client()
    sign_in_staff(admin, test_client=browser)
    return browser


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests hash and verify hundreds of passwords and recovery codes."""
    use_cheap_password_hashing(monkeypatch)
