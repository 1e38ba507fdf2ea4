"""The Windows exe run under wine: found in dist/, run through pipes in the build's prefix.

These tests need `make agent-windows` first. Without the exe they skip on a developer's
machine, but HELPDESK_REQUIRE_WINE=1 (set by `make agent-windows-test`, which .ci/run calls)
turns a missing exe or wine into a failure, so they never skip in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from helpdesk import create_app
from helpdesk.db import database
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "diagnostics" / "winbuild"))
import wine  # noqa: E402 - the build driver, a script rather than a package


class WindowsAgent:
    """dist/helpdesk-agent.exe in the build's prefix, with a Desktop of its own per test."""

    def __init__(self, desktop: Path) -> None:
        self.desktop = desktop

    def run(self, *args: str, stdin: bytes = b"", lang: str = "C.UTF-8") -> Any:
        return wine.run_wine(
            [wine.windows_path(wine.EXE), *args], stdin=stdin, lang=lang, timeout=240
        )

    def reports(self) -> list[Path]:
        return sorted(self.desktop.glob("*.json"))


def _required(reason: str) -> None:
    if os.environ.get("HELPDESK_REQUIRE_WINE") == "1":
        pytest.fail(reason + " (HELPDESK_REQUIRE_WINE=1)")
    pytest.skip(reason + ": run `make agent-windows` first")


@pytest.fixture(scope="session")
def windows_agent_available() -> None:
    if not os.path.exists(wine.EXE):
        _required("dist/helpdesk-agent.exe was not built")
    try:
        wine.wine_loader()
    except wine.BuildError as exc:
        _required(str(exc))
    if not os.path.isdir(wine.PYTHON_DIR):
        _required("the wine prefix of the build is missing")


@pytest.fixture
def windows_agent(windows_agent_available: None) -> Iterator[WindowsAgent]:
    """The exe, with the prefix's Desktop emptied of earlier reports before and after."""
    users = Path(wine.PREFIX, "drive_c", "users")
    desktops = [user / "Desktop" for user in users.iterdir() if (user / "Desktop").is_dir()]
    desktop = next(d for d in desktops if d.parent.name not in ("Public",))

    def clear() -> None:
        for report in desktop.glob("*.json"):
            report.unlink()

    clear()
    yield WindowsAgent(desktop)
    clear()


@pytest.fixture
def live_desk(fresh_database, tmp_path) -> Iterator[Any]:
    """The desk on a loopback port, as the exe reaches it; its app for arranging and reading."""
    app = create_app(app_config(fresh_database("wine"), str(tmp_path / "uploads")))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    database(app).engine.dispose()


def json_stdout(result: subprocess.CompletedProcess[bytes]) -> Any:
    """The exe's stdout as JSON, decoded strictly as UTF-8."""
    import json

    return json.loads(result.stdout.decode("utf-8"))
