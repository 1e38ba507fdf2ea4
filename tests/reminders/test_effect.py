"""The effect figures: per reminder, how many it reached and how many of them acted afterwards
(ran the agent, passed), against those in the segment then who were not reminded; the chart
in the readiness view."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from helpdesk.identity.models import Role
from helpdesk.readiness.models import Device
from helpdesk.reminders import effect, services
from helpdesk.reminders.models import Segment
from tests.reminders.conftest import ALLOWED, SETTINGS

NOON = datetime(2023, 1, 4, 4, 0, tzinfo=UTC)


def _send(db_session, exam, segment, now):
    preview = services.preview(
        db_session,
        exam=exam,
        segment=segment,
        check_id=None,
        now=now,
        settings=SETTINGS,
        allowed_numbers=ALLOWED,
    )
    return services.send(
        db_session, preview=preview, staff=None, now=now, settings=SETTINGS, allowed_numbers=ALLOWED
    )


def test_reached_and_acted_afterwards_against_those_not_reminded(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    reminded = [make_candidate(sessions=[exam]).candidate for _ in range(4)]
    _send(db_session, exam, Segment.NEVER_RAN_AGENT, NOON)
    # Joined the roster after the reminder: in the segment then? No report yet, so yes.
    late = [make_candidate(sessions=[exam]).candidate for _ in range(2)]
    report(reminded[0], at=NOON + timedelta(hours=1), verdict="fail")
    report(reminded[1], at=NOON + timedelta(hours=2))
    report(reminded[1], at=NOON + timedelta(hours=3))  # a second run counts once
    report(late[0], at=NOON + timedelta(hours=1))
    report(reminded[2], at=NOON + timedelta(hours=1), device=Device.PHONE)  # not the agent

    (figures,) = effect.effects(db_session, exam=exam, now=NOON + timedelta(hours=4))

    assert figures.reached == 4
    assert figures.acted == 2
    assert figures.acted_rate == 0.5
    assert figures.others == 2
    assert figures.others_acted == 1


def test_for_a_failed_pc_reminder_acting_means_a_report_that_is_not_a_failure(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    fixed, still, other = (make_candidate(sessions=[exam]).candidate for _ in range(3))
    for candidate in (fixed, still):
        report(candidate, at=NOON - timedelta(hours=1), verdict="fail", failed=("memory",))
    _send(db_session, exam, Segment.AGENT_FAILED, NOON)
    report(other, at=NOON + timedelta(minutes=5), verdict="fail", failed=("memory",))
    report(fixed, at=NOON + timedelta(hours=1), verdict="warn")
    report(still, at=NOON + timedelta(hours=1), verdict="fail", failed=("memory",))

    (figures,) = effect.effects(db_session, exam=exam, now=NOON + timedelta(hours=2))

    assert (figures.reached, figures.acted) == (2, 1)
    # `other` failed only after the reminder went: not in the segment then.
    assert (figures.others, figures.others_acted) == (0, 0)
    assert figures.others_rate is None


def test_the_readiness_view_draws_the_effect_chart(
    client, db_session, make_exam, make_candidate, make_staff, sign_in_staff, report, now
):
    exam = make_exam()
    ran = make_candidate(sessions=[exam]).candidate
    make_candidate(sessions=[exam])
    _send(db_session, exam, Segment.NEVER_RAN_AGENT, now - timedelta(hours=2))
    report(ran, at=now - timedelta(hours=1))
    sign_in_staff(make_staff(role=Role.AGENT))

    html = client.get(f"/staff/readiness/{exam.code}").get_data(as_text=True)

    assert "<svg" in html
    assert "effect-chart" in html
    assert "50%" in html
    # Told in words for screen readers too: each reminder with both shares.
    desc = re.search(r'<desc id="chart-\d+-d">([^<]*)</desc>', html)
    assert desc is not None
    assert "50%" in desc.group(1)
    assert "–" in desc.group(1)  # nobody not reminded to count
    assert 'class="reached">2<' in html
    assert "reminders_staff" not in html
    assert "/staff/reminders/" not in html  # agents see the figures, not the send buttons
