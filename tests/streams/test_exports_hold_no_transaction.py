"""Streamed responses hold no database transaction: while a 20,000-row export (or any other
streamed body) is read slowly, after it, and after a download abandoned halfway, candidates'
writes succeed within a second and the desk holds no connection for the download."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from helpdesk import clock
from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.models import AgentBuild
from tests.streams.conftest import settled, timed_candidate_sign_in

ROWS = 20_000


@dataclass(frozen=True)
class Stream:
    path: str
    role: str | None
    tickets: int = 0
    audit_entries: int = 0
    candidates: int = 3


STREAMS = {
    "ticket export": Stream("/staff/ticket-reports/tickets.csv", "supervisor", tickets=ROWS),
    "audit export": Stream("/admin/audit.csv", "admin", audit_entries=ROWS),
    "readiness export": Stream(
        "/staff/readiness/{code}/attention.csv", "supervisor", candidates=3000
    ),
    "uploads export": Stream(
        "/staff/uploads/export.csv?exam_session={code}", "supervisor", candidates=3000
    ),
    "speed test": Stream("/api/v1/diagnostics/speedtest/download?bytes=20000000", None),
}


def _assert_quick(results: list[tuple[int, float]]) -> None:
    assert [status for status, _seconds in results] == [302] * len(results)
    assert max(seconds for _status, seconds in results) < 1, results


@pytest.mark.parametrize("name", STREAMS)
def test_candidates_sign_in_while_a_streamed_response_is_read_slowly(
    name, live_desk, roster, staff_browser, slow_download
):
    stream = STREAMS[name]
    exam = roster(stream.candidates, tickets=stream.tickets, audit_entries=stream.audit_entries)
    browser = staff_browser(stream.role) if stream.role else None
    download = slow_download(stream.path.format(code=exam.exam_code), browser)
    assert download.response.status == 200
    first = download.read(16_384)

    during = [timed_candidate_sign_in(live_desk, who) for who in exam.identities[:3]]
    # mid-read: the last sign-in's server thread may still be closing its session after
    # its answer went out; a connection the stream held would still be held 2 s later
    held = settled(live_desk)
    rest = download.read_all()
    after = [timed_candidate_sign_in(live_desk, exam.identities[0])]

    assert held == 0
    _assert_quick(during)
    _assert_quick(after)
    assert len(first) + len(rest) > 100_000
    assert settled(live_desk) == 0


def test_the_ticket_export_has_every_row_once_in_order(live_desk, roster, staff_browser):
    roster(3, tickets=ROWS)
    browser = staff_browser("supervisor")

    body = browser.get(live_desk.url + "/staff/ticket-reports/tickets.csv").content.decode()

    lines = body.lstrip("\ufeff").splitlines()
    numbers = [line.split(",", 1)[0] for line in lines[1:]]
    assert lines[0].startswith("工单号,")  # a zh-CN supervisor gets Chinese headers
    assert numbers == [f"T{n:08d}" for n in range(ROWS)]
    assert ",formal exam," in lines[1]  # the exam session by its name, as people read it


@pytest.mark.parametrize("name", ["ticket export", "speed test"])
def test_a_streamed_response_abandoned_halfway_leaves_the_desk_free(
    name, live_desk, roster, staff_browser, slow_download
):
    stream = STREAMS[name]
    exam = roster(stream.candidates, tickets=stream.tickets)
    browser = staff_browser(stream.role) if stream.role else None
    download = slow_download(stream.path.format(code=exam.exam_code), browser)
    download.read(65_536)

    download.abandon()
    results = [timed_candidate_sign_in(live_desk, who) for who in exam.identities[:3]]

    _assert_quick(results)
    assert settled(live_desk) == 0


def test_an_agent_download_abandoned_halfway_leaves_the_desk_free(live_desk, roster, slow_download):
    exam = roster(3)
    data = bytes(range(256)) * 40_000  # 10 MB
    folder = live_desk.app.extensions[readiness_settings.EXTENSION].builds_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agent-test.exe").write_bytes(data)
    with live_desk.session() as session:
        build = AgentBuild(
            platform="windows",
            version="1.0.0",
            filename="helpdesk-agent-1.0.0.exe",
            stored_name="agent-test.exe",
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            published_at=clock.utcnow(),
        )
        session.add(build)
        session.flush()
        build_id = build.id
    download = slow_download(f"/readiness/agent/{build_id}")
    assert download.response.status == 200
    download.read(65_536)

    during = [timed_candidate_sign_in(live_desk, who) for who in exam.identities[:2]]
    held = settled(live_desk)
    download.abandon()
    after = [timed_candidate_sign_in(live_desk, exam.identities[2])]

    assert held == 0
    _assert_quick(during)
    _assert_quick(after)
    assert settled(live_desk) == 0
