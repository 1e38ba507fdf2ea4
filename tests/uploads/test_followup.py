"""The follow-up job after an exam: one SMS and one low-urgency callback per candidate whose
uploads are incomplete, nothing for the complete ones, nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from config import ConfigError
from helpdesk.callbacks.models import FOLLOWUP_PRIORITY, HelpRequest
from helpdesk.notify.models import OutboundSms
from helpdesk.notify.services import check_text
from helpdesk.uploads import followup, services
from helpdesk.uploads import settings as uploads_settings
from helpdesk.uploads.models import ArtifactKind, FollowUp, UploadState
from tests.uploads.conftest import EXAM_ENDS

ALLOWED = ["400-088-0028", "+862863201710", "+862862093080"]


@pytest.fixture
def roster(make_exam, make_candidate, db_session):
    """A formal exam with four candidates: complete, failed video, answers only, silent."""
    exam = make_exam("FORMAL-FU")
    people = {
        name: make_candidate(name=name, sessions=[exam], phone=f"+86139{n:08d}").candidate
        for n, name in enumerate(["完整", "视频失败", "只有答案", "未上报"])
    }

    def report(name: str, kind: ArtifactKind, artifact_id: str, state: UploadState) -> None:
        services.record_event(
            db_session,
            candidate=people[name],
            now=EXAM_ENDS,
            event=services.EventIn(
                event_id=f"{name}-{artifact_id}-{state}",
                exam_session=exam.code,
                artifact=kind,
                artifact_id=artifact_id,
                state=state,
                occurred_at=EXAM_ENDS,
            ),
        )

    report("完整", ArtifactKind.ANSWER_DATA, "answers", UploadState.COMPLETED)
    report("完整", ArtifactKind.EVIDENCE_VIDEO, "v1", UploadState.COMPLETED)
    report("完整", ArtifactKind.EVIDENCE_VIDEO, "v2", UploadState.COMPLETED)
    report("视频失败", ArtifactKind.ANSWER_DATA, "answers", UploadState.COMPLETED)
    report("视频失败", ArtifactKind.EVIDENCE_VIDEO, "v1", UploadState.COMPLETED)
    report("视频失败", ArtifactKind.EVIDENCE_VIDEO, "v2", UploadState.FAILED)
    report("只有答案", ArtifactKind.ANSWER_DATA, "answers", UploadState.COMPLETED)
    return exam, people


def _run(db_session, minutes_after_end: int) -> int:
    return followup.follow_up(
        db_session,
        now=EXAM_ENDS + timedelta(minutes=minutes_after_end),
        allowed_numbers=ALLOWED,
        hotline="400-088-0028",
    )


def test_every_incomplete_candidate_gets_one_follow_up_including_the_silent_one(roster, db_session):
    _exam, people = roster

    created = _run(db_session, 31)

    assert created == 3
    followed = {f.candidate_id: f.missing for f in db_session.scalars(select(FollowUp))}
    assert set(followed) == {people[n].id for n in ("视频失败", "只有答案", "未上报")}
    assert (
        followed[people["未上报"].id] == "evidence_video:never_reported answer_data:never_reported"
    )
    assert followed[people["视频失败"].id] == "evidence_video:failed"


def test_a_candidate_whose_uploads_all_completed_is_left_alone(roster, db_session):
    _exam, people = roster

    _run(db_session, 31)

    assert (
        db_session.scalar(select(FollowUp).where(FollowUp.candidate_id == people["完整"].id))
        is None
    )
    assert (
        db_session.scalar(select(OutboundSms).where(OutboundSms.to == people["完整"].phone)) is None
    )


def test_the_sms_says_what_is_missing_how_to_retry_and_names_only_the_hotline(roster, db_session):
    _exam, people = roster

    _run(db_session, 31)

    sms = db_session.scalar(select(OutboundSms).where(OutboundSms.to == people["只有答案"].phone))
    assert "佐证视频" in sms.body
    assert "答题数据" not in sms.body
    assert sms.kind == "upload_followup"
    assert sms.params == {"what": "智考通的佐证视频", "hotline": "400-088-0028"}
    assert "重新上传" in sms.body
    assert "勿卸载" in sms.body
    assert "400-088-0028" in sms.body
    check_text(sms.body, allowed_numbers=["400-088-0028"])  # no other number to call


def test_each_follow_up_queues_a_callback_at_the_lowest_urgency(roster, db_session):
    exam, people = roster

    _run(db_session, 31)

    requests = db_session.scalars(
        select(HelpRequest).where(HelpRequest.exam_session_id == exam.id)
    ).all()
    assert {r.candidate_id for r in requests} == {
        people[n].id for n in ("视频失败", "只有答案", "未上报")
    }
    assert {r.priority for r in requests} == {FOLLOWUP_PRIORITY}
    assert all(f.callback_queued_at is not None for f in db_session.scalars(select(FollowUp)))


def test_running_the_job_twice_creates_nothing_twice(roster, db_session):
    exam, _people = roster
    _run(db_session, 31)

    again = _run(db_session, 40)

    assert again == 0
    assert len(db_session.scalars(select(FollowUp)).all()) == 3
    assert len(db_session.scalars(select(OutboundSms)).all()) == 3
    assert (
        len(
            db_session.scalars(
                select(HelpRequest).where(HelpRequest.exam_session_id == exam.id)
            ).all()
        )
        == 3
    )


def test_nothing_happens_within_the_grace_period(roster, db_session):
    _exam, _people = roster

    created = _run(db_session, 29)

    assert created == 0
    assert db_session.scalars(select(FollowUp)).all() == []


def test_mock_exams_are_not_followed_up_unless_configured(make_exam, make_candidate, db_session):
    mock = make_exam("MOCK-FU", kind="mock")
    make_candidate(sessions=[mock])
    later = EXAM_ENDS + timedelta(hours=1)

    default = followup.follow_up(
        db_session, now=later, allowed_numbers=ALLOWED, hotline="400-088-0028"
    )
    configured = followup.follow_up(
        db_session,
        now=later,
        allowed_numbers=ALLOWED,
        hotline="400-088-0028",
        kinds=list(followup.ExamKind),
    )

    assert default == 0
    assert configured == 1


def test_a_candidate_who_finishes_after_the_job_is_not_followed_up_later(roster, db_session):
    exam, people = roster
    services.record_event(
        db_session,
        candidate=people["未上报"],
        now=EXAM_ENDS,
        event=services.EventIn(
            event_id="late-answers",
            exam_session=exam.code,
            artifact=ArtifactKind.ANSWER_DATA,
            artifact_id="answers",
            state=UploadState.COMPLETED,
            occurred_at=EXAM_ENDS,
        ),
    )
    services.record_event(
        db_session,
        candidate=people["未上报"],
        now=EXAM_ENDS,
        event=services.EventIn(
            event_id="late-video",
            exam_session=exam.code,
            artifact=ArtifactKind.EVIDENCE_VIDEO,
            artifact_id="v1",
            state=UploadState.COMPLETED,
            occurred_at=EXAM_ENDS,
        ),
    )

    _run(db_session, 31)

    assert (
        db_session.scalar(select(FollowUp).where(FollowUp.candidate_id == people["未上报"].id))
        is None
    )


def test_the_scheduled_job_uses_the_apps_hotline_and_grace(app, roster, db_session, monkeypatch):
    from helpdesk.jobs import find

    _exam, _people = roster
    configured = uploads_settings.from_config({**app.config, "UPLOAD_FOLLOWUP_GRACE_MINUTES": 60})
    monkeypatch.setitem(app.extensions, uploads_settings.EXTENSION, configured)

    with app.app_context():
        early = find("uploads.follow_up").run(db_session, EXAM_ENDS + timedelta(minutes=45))
        late = find("uploads.follow_up").run(db_session, EXAM_ENDS + timedelta(minutes=61))

    assert (early, late) == (0, 3)


def test_an_unknown_exam_kind_in_the_settings_stops_the_desk_from_starting(app):
    with pytest.raises(ConfigError, match="HELPDESK_UPLOAD_FOLLOWUP_KINDS"):
        uploads_settings.from_config({**app.config, "UPLOAD_FOLLOWUP_KINDS": "formal,weekly"})
