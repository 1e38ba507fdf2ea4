"""The wallboard charts today by hour: candidates waiting for a first call and the median
time to it, as SVG whose values are printed and described in words."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.callbacks import daycharts


def test_the_day_counts_who_waits_at_each_hour_and_how_long_first_calls_took(
    db_session, make_candidate, press, formal, now
):
    early = press(make_candidate(sessions=[formal]).candidate, formal, now=now - timedelta(hours=2))
    early.first_call_at = now - timedelta(hours=2) + timedelta(minutes=3)
    press(make_candidate(sessions=[formal]).candidate, formal, now=now)
    db_session.flush()

    day = daycharts.today(db_session, now=now)

    assert day.hours[-1] == "12"  # noon, Beijing time
    assert day.waiting[-1] == 1
    assert day.waiting[-3] == 0  # the early one was called within its hour
    assert day.median_to_call[-3] == 180


def test_the_wallboard_draws_both_charts(
    client, make_staff, sign_in_staff, make_candidate, press, formal, now
):
    press(make_candidate(sessions=[formal]).candidate, formal, now=now)
    sign_in_staff(make_staff("supervisor"))

    page = client.get("/staff/callbacks/wallboard/fragment").text

    assert page.count('<svg class="chart"') == 2
    assert "每小时末仍在等待首次回拨的考生数" in page
    assert "等待中: 00 0;" in page
    assert "12 1</desc>" in page
