"""Browser tests: the desk served on a real port, driven in Debian's Chromium by Playwright.

Chromium is found at HELPDESK_CHROMIUM or /usr/bin/chromium. Without it these tests skip on
a developer's laptop, but HELPDESK_REQUIRE_BROWSER=1 (set by .ci/run) turns a missing
browser into a failure, so they can never skip in CI.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from helpdesk import clock, create_app, search
from helpdesk.db import database
from helpdesk.identity.models import Role, Staff
from helpdesk.identity.services import create_staff
from helpdesk.models import Base
from tests.browser.checks import DESKTOP, PageChecks
from tests.conftest import TEST_TOTP_SECRET, app_config, enrol_test_app, totp_now


def chromium_path() -> str | None:
    configured = os.environ.get("HELPDESK_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


class LiveServer:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Arrange data: committed, so the server's requests see it."""
        session = database(self.app).sessionmaker()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def staff(self, username: str, password: str, role: Role) -> None:
        """A staff account; supervisors and admins come with the test authenticator app
        (TEST_TOTP_SECRET) enrolled, as the desk requires of them."""
        with self.session() as session:
            staff: Staff = create_staff(
                session, username=username, password=password, role=role, now=clock.utcnow()
            )
            if role != Role.AGENT:
                enrol_test_app(staff, str(self.app.config["TOTP_KEY"]))

    def sign_in_staff(self, page: Any, username: str, password: str, next_path: str = "") -> None:
        """Sign in through the pages; the second step, when asked, with the test app's code."""
        page.goto(self.url + "/staff/signin" + (f"?next={next_path}" if next_path else ""))
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        if "/staff/signin/code" in page.url:
            page.get_by_label("验证码").fill(totp_now(TEST_TOTP_SECRET))
            page.get_by_role("button", name="登录").click()

    def wipe(self) -> None:
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
            for index in search.INDEXES.values():  # not models: the search indexes
                session.execute(text(f"DELETE FROM {index}"))  # noqa: S608 - names from INDEXES


@pytest.fixture(scope="session")
def live_server(fresh_database, tmp_path_factory) -> Iterator[LiveServer]:
    url = fresh_database("browser")
    config = app_config(url, str(tmp_path_factory.mktemp("browser-uploads")))
    config["WTF_CSRF_ENABLED"] = True  # the real thing, as a person meets it
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    database(app).engine.dispose()


@pytest.fixture
def live(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server with empty tables before and after the test."""
    live_server.wipe()
    live_server.app.extensions["signin_throttle"].reset()
    yield live_server
    live_server.wipe()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None or not os.path.exists(path):
        if os.environ.get("HELPDESK_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (HELPDESK_REQUIRE_BROWSER=1) but was not found")
        pytest.skip("Chromium not installed: browser tests skipped on this machine")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser, request) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies); every page they
    open is checked (tests/browser/checks.py) and the test fails on what the checks find."""
    contexts = []
    checks = PageChecks(request.node.name)

    def make(locale: str = "zh-CN", **options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(locale=locale, **options)
        # The page checks hold each page for a moment (axe twice, two screenshots): on a
        # loaded two-core CI machine that can be seconds, which a click waits out.
        context.set_default_timeout(20_000)
        checks.install(context)
        contexts.append(context)
        return context.new_page()

    yield make
    checks.settle([page for context in contexts for page in context.pages])
    checks.close()
    for context in contexts:
        context.close()
    if checks.problems:
        pytest.fail("The pages this test opened fail the checks:\n" + "\n".join(checks.problems))


@pytest.fixture
def page(new_page) -> Any:
    return new_page()
