"""The phase function across every boundary of the notice's schedule (Beijing time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.demo import notice_sessions
from helpdesk.exams.models import ExamKind, ExamSession, Phase, Urgency
from helpdesk.exams.services import current_stage

BJ = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)


def at(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2023, month, day, hh, mm, tzinfo=BJ)


@pytest.fixture
def sessions() -> dict[str, ExamSession]:
    built = {}
    for item in notice_sessions(datetime(2023, 1, 4).date(), BJ):
        fields = {
            k: (datetime.fromisoformat(v) if k not in ("code", "name", "kind") else v)
            for k, v in item.items()
        }
        fields["kind"] = ExamKind(fields["kind"])
        built[item["code"]] = ExamSession(**fields)
    return built


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (at(1, 4, 10) - SECOND, Phase.UPCOMING),
        (at(1, 4, 10), Phase.IN_PROGRESS),
        (at(1, 4, 23, 59), Phase.IN_PROGRESS),
        (at(1, 5, 0) - SECOND, Phase.IN_PROGRESS),
        (at(1, 5, 0), Phase.ENDED),
    ],
)
def test_mock_day_one_runs_from_ten_to_midnight(sessions, moment, phase):
    assert sessions["MOCK-D1"].phase_at(moment) == phase


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (at(1, 4, 10) - SECOND, Phase.UPCOMING),
        (at(1, 4, 10), Phase.DOWNLOAD),
        (at(1, 5, 9, 59), Phase.DOWNLOAD),
        (at(1, 5, 10), Phase.IN_PROGRESS),
        (at(1, 6, 0), Phase.ENDED),
    ],
)
def test_mock_day_two_shows_the_download_window_before_it_opens(sessions, moment, phase):
    assert sessions["MOCK-D2"].phase_at(moment) == phase


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (at(1, 4, 10) - SECOND, Phase.UPCOMING),
        (at(1, 4, 10), Phase.DOWNLOAD),
        (at(1, 5, 23) - SECOND, Phase.DOWNLOAD),
        (at(1, 5, 23), Phase.BEFORE_LOGIN),
        (at(1, 10, 10, 10) - SECOND, Phase.BEFORE_LOGIN),
        (at(1, 10, 10, 10), Phase.WAITING),
        (at(1, 10, 10, 59), Phase.WAITING),
        (at(1, 10, 11) - SECOND, Phase.WAITING),
        (at(1, 10, 11), Phase.IN_PROGRESS),
        (at(1, 10, 11, 10) - SECOND, Phase.IN_PROGRESS),
        (at(1, 10, 11, 10), Phase.ENDED),
    ],
)
def test_the_formal_exam_follows_the_notice_timetable(sessions, moment, phase):
    assert sessions["FORMAL"].phase_at(moment) == phase


def test_login_closes_when_the_formal_exam_starts(sessions):
    formal = sessions["FORMAL"]

    assert formal.can_log_in_at(at(1, 10, 11) - SECOND)
    assert not formal.can_log_in_at(at(1, 10, 11))


@pytest.mark.parametrize(
    ("moment", "code", "urgency"),
    [
        (at(1, 10, 11, 5), "FORMAL", Urgency.FORMAL_IN_PROGRESS),
        (at(1, 10, 10, 30), "FORMAL", Urgency.FORMAL_WAITING),
        (at(1, 4, 15), "MOCK-D1", Urgency.MOCK_DAY),
        (at(1, 10, 12), "FORMAL", Urgency.OTHER),
    ],
)
def test_urgency_follows_the_calendar(sessions, moment, code, urgency):
    assert sessions[code].urgency_at(moment) == urgency


@pytest.mark.parametrize(
    ("moment", "code", "phase"),
    [
        (at(1, 4, 9), "MOCK-D1", Phase.UPCOMING),
        (at(1, 4, 15), "MOCK-D1", Phase.IN_PROGRESS),
        (at(1, 5, 8), "MOCK-D2", Phase.DOWNLOAD),
        (at(1, 7, 12), "FORMAL", Phase.BEFORE_LOGIN),
        (at(1, 10, 10, 30), "FORMAL", Phase.WAITING),
        (at(1, 11, 9), "FORMAL", Phase.ENDED),
    ],
)
def test_the_candidates_stage_is_the_session_that_matters_now(sessions, moment, code, phase):
    stage = current_stage(sessions.values(), moment)

    assert stage is not None
    assert (stage.session.code, stage.phase) == (code, phase)
