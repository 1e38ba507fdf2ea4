"""Who is in each reminder segment: the roster only, at each boundary (a report just before or
exactly at the moment asked about, pass / warn / fail, one named check, uploads only after
the exam)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.errors import ValidationFailed
from helpdesk.readiness.models import Device
from helpdesk.reminders import segments
from helpdesk.reminders.models import Segment
from helpdesk.uploads.models import ArtifactKind, UploadArtifact, UploadState

NOW = datetime(2023, 1, 4, 4, 0, tzinfo=UTC)


def _members(db_session, exam, segment, **kw):
    return segments.members(db_session, exam=exam, segment=segment, now=NOW, **kw)


def test_never_ran_the_agent_is_the_roster_without_a_pc_report(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    ran, phone_only, never = (make_candidate(sessions=[exam]).candidate for _ in range(3))
    make_candidate()  # not on this roster
    report(ran, at=NOW - timedelta(hours=1), verdict="fail")
    report(phone_only, at=NOW - timedelta(hours=1), device=Device.PHONE)

    found = _members(db_session, exam, Segment.NEVER_RAN_AGENT)

    assert sorted(found) == sorted([phone_only.id, never.id])


def test_a_report_received_exactly_at_the_moment_asked_about_is_not_before_it(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    candidate = make_candidate(sessions=[exam]).candidate
    moment = NOW - timedelta(minutes=5)
    report(candidate, at=moment)

    at_moment = _members(db_session, exam, Segment.NEVER_RAN_AGENT, before=moment)
    just_after = _members(
        db_session, exam, Segment.NEVER_RAN_AGENT, before=moment + timedelta(microseconds=1)
    )

    assert at_moment == [candidate.id]
    assert just_after == []


def test_failed_is_the_latest_pc_verdict_fail_and_a_later_pass_leaves_the_segment(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    fixed, failing, warned = (make_candidate(sessions=[exam]).candidate for _ in range(3))
    report(fixed, at=NOW - timedelta(hours=2), verdict="fail", failed=("memory",))
    report(fixed, at=NOW - timedelta(hours=1), verdict="pass")
    report(failing, at=NOW - timedelta(hours=1), verdict="fail", failed=("memory",))
    report(warned, at=NOW - timedelta(hours=1), verdict="warn")

    now_failed = _members(db_session, exam, Segment.AGENT_FAILED)
    failed_before_the_fix = _members(
        db_session, exam, Segment.AGENT_FAILED, before=NOW - timedelta(minutes=90)
    )

    assert now_failed == [failing.id]
    assert failed_before_the_fix == [fixed.id]


def test_failed_can_be_narrowed_to_one_check(db_session, make_exam, make_candidate, report):
    exam = make_exam()
    memory, updates = (make_candidate(sessions=[exam]).candidate for _ in range(2))
    report(memory, at=NOW, verdict="fail", failed=("memory",))
    report(updates, at=NOW, verdict="fail", failed=("auto_updates", "security_software"))

    assert _members(db_session, exam, Segment.AGENT_FAILED, check_id="auto_updates") == [updates.id]
    assert _members(db_session, exam, Segment.AGENT_FAILED, check_id="memory") == [memory.id]


def test_never_checked_the_phone_counts_phone_reports_only(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    pc_only, phoned = (make_candidate(sessions=[exam]).candidate for _ in range(2))
    report(pc_only, at=NOW)
    report(phoned, at=NOW, device=Device.PHONE, verdict="fail")

    assert _members(db_session, exam, Segment.NEVER_RAN_PHONE) == [pc_only.id]


def test_uploads_incomplete_exists_only_once_the_exam_has_ended(
    db_session, make_exam, make_candidate
):
    ended = make_exam(
        starts=NOW - timedelta(minutes=10), ends=NOW, login_closes=NOW - timedelta(minutes=10)
    )
    running = make_exam(
        starts=NOW - timedelta(minutes=5),
        ends=NOW + timedelta(seconds=1),
        login_closes=NOW - timedelta(minutes=5),
    )
    done, missing = (make_candidate(sessions=[ended, running]).candidate for _ in range(2))
    for kind in ArtifactKind:
        db_session.add(
            UploadArtifact(
                candidate_id=done.id,
                exam_session_id=ended.id,
                artifact=kind,
                artifact_id=f"{kind}-1",
                state=UploadState.COMPLETED,
                state_at=NOW,
                attempts=1,
                updated_at=NOW,
            )
        )
    db_session.flush()

    assert _members(db_session, ended, Segment.UPLOADS_INCOMPLETE) == [missing.id]
    with pytest.raises(ValidationFailed):
        _members(db_session, running, Segment.UPLOADS_INCOMPLETE)


def test_an_unknown_segment_or_check_is_refused_in_words():
    with pytest.raises(ValidationFailed):
        segments.parse("everyone")
    with pytest.raises(ValidationFailed):
        segments.parse("agent_failed", "no_such_check")
    assert segments.parse("never_ran_agent", "memory") == (Segment.NEVER_RAN_AGENT, None)
    assert segments.parse("agent_failed", "memory") == (Segment.AGENT_FAILED, "memory")
