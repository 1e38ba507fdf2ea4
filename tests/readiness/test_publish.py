"""`flask agent publish` and the download page."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

import diagnostics
from helpdesk.db import session_scope
from helpdesk.readiness.models import AgentBuild

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def publish(app):
    """Run the CLI command against the test app (its own committed rows, removed after)."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["agent", "publish", *args])

    yield run
    with session_scope(app) as session:
        session.execute(delete(AgentBuild))


@pytest.fixture(scope="module")
def zipapp(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, str(ROOT / "diagnostics" / "build.py"), str(out)],
        check=True,
        capture_output=True,
    )
    return out / "helpdesk-agent.pyz"


def test_a_published_build_is_offered_with_version_size_and_sha256(
    app, publish, zipapp, client, make_candidate, sign_in_candidate
):
    result = publish(str(zipapp), "--version", "9.9.9")
    sign_in_candidate(make_candidate())

    page = client.get("/readiness")

    digest = hashlib.sha256(zipapp.read_bytes()).hexdigest()
    assert result.exit_code == 0, result.output
    assert digest in result.output
    assert "helpdesk-agent-9.9.9.pyz" in page.text
    assert digest in page.text
    assert f"{round(zipapp.stat().st_size / 1024)} KB" in page.text


def test_the_windows_exe_comes_first_and_large_with_three_steps_and_no_command_line(
    publish, zipapp, tmp_path, client, make_candidate, sign_in_candidate
):
    exe = tmp_path / "helpdesk-agent.exe"
    exe.write_bytes(b"MZ" + b"\0" * (5 * 1048576))
    publish(str(exe), "--version", "9.9.9")
    publish(str(zipapp), "--version", "9.9.9")
    sign_in_candidate(make_candidate())

    page = client.get("/readiness").text

    windows = page[page.index('id="agent-windows"') : page.index('id="agent-zipapp"')]
    assert page.index("helpdesk-agent-9.9.9.exe") < page.index("helpdesk-agent-9.9.9.pyz")
    assert 'class="button primary big"' in windows
    assert "5.0 MB" in windows
    assert "双击下载的文件" in windows
    steps = re.findall(r"<li>(.*?)</li>", windows.split('<ol class="steps">')[1].split("</ol>")[0])
    assert len(steps) == 3
    assert not [step for step in steps if re.match(r"\s*(第.步|\d)", step)]  # the <ol> numbers them
    assert "“更多信息”，再点击“仍要运行”" in windows
    assert "KB2999226" in windows
    assert "--server" not in windows
    assert "<details><summary>文件校验值（SHA-256）</summary>" in windows
    assert hashlib.sha256(exe.read_bytes()).hexdigest() in windows
    assert "python helpdesk-agent-9.9.9.pyz --server http://" in page


def test_the_download_is_the_published_file_as_an_attachment(publish, zipapp, client, db_session):
    publish(str(zipapp), "--version", "9.9.9")
    build = db_session.query(AgentBuild).one()

    with client.get(f"/readiness/agent/{build.id}") as response:
        data = response.data

    assert response.status_code == 200
    assert data == zipapp.read_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "helpdesk-agent-9.9.9.pyz" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_publishing_the_same_file_twice_keeps_one_build(publish, zipapp, db_session):
    publish(str(zipapp), "--version", "9.9.9")

    again = publish(str(zipapp), "--version", "9.9.9")

    assert "already published" in again.output
    assert db_session.query(AgentBuild).count() == 1


def test_an_unknown_file_type_needs_a_platform(publish, tmp_path):
    strange = tmp_path / "agent.bin"
    strange.write_bytes(b"MZ")

    result = publish(str(strange))

    assert result.exit_code == 1
    assert "--platform" in result.output


def test_a_bad_version_is_refused(publish, zipapp):
    result = publish(str(zipapp), "--version", "../../etc")

    assert result.exit_code == 1


def test_a_missing_build_is_404(client):
    assert client.get("/readiness/agent/9999").status_code == 404


def test_the_demo_publishes_the_zipapp_and_a_built_exe_once(db_session, tmp_path, now):
    from helpdesk.demo import publish_agent
    from helpdesk.readiness.builds import latest_builds

    exe = tmp_path / "helpdesk-agent.exe"
    exe.write_bytes(b"MZ" + b"\0" * 4096)
    folder = tmp_path / "agent-builds"

    lines = publish_agent(
        db_session, now=now, folder=folder, server="https://desk.example.cn", windows_exe=exe
    )
    again = publish_agent(
        db_session, now=now, folder=folder, server="https://desk.example.cn", windows_exe=exe
    )

    offered = latest_builds(db_session)
    assert [b.platform for b in offered] == ["windows", "zipapp"]
    assert offered[0].sha256 == hashlib.sha256(exe.read_bytes()).hexdigest()
    assert "reports to https://desk.example.cn" in lines[0]
    assert again == [f"agent: kept helpdesk-agent-{diagnostics.__version__}.exe"]
    assert db_session.scalar(select(func.count()).select_from(AgentBuild)) == 2


def test_without_an_exe_the_demo_offers_the_zipapp_and_says_how_to_build_one(
    db_session, tmp_path, now
):
    from helpdesk.demo import publish_agent

    lines = publish_agent(
        db_session,
        now=now,
        folder=tmp_path,
        server="http://127.0.0.1:5000",
        windows_exe=tmp_path / "missing.exe",
    )

    assert lines[-1] == "agent: no dist/helpdesk-agent.exe (`make agent-windows` builds it)"
    assert [b.platform for b in db_session.scalars(select(AgentBuild))] == ["zipapp"]
