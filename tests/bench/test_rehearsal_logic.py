"""The rehearsal tool's own arithmetic: ledger comparison, percentiles, Retry-After, the
compressed clock and the day's plan (bench/examday.py relies on each)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from bench.rehearsal.client import parse_retry_after, retry_delay
from bench.rehearsal.html import parse
from bench.rehearsal.ledger import Accepted, Stored, compare
from bench.rehearsal.plans import make_plans
from bench.rehearsal.stats import buckets, percentile
from bench.rehearsal.timetable import Timetable


def accepted(key: str, server_id: str | None = None) -> Accepted:
    return Accepted("help_request", key, "R0001", server_id, 0.0)


def stored(key: str | None, server_id: str) -> Stored:
    return Stored("help_request", key, "R0001", server_id)


def test_an_accepted_request_missing_from_the_database_is_lost():
    result = compare(
        "help_request", [accepted("k1", "h1"), accepted("k2", "h2")], [stored("k1", "h1")]
    )

    assert result.lost == ["k2"]
    assert result.duplicated == []


def test_a_retry_answered_with_the_first_id_is_neither_lost_nor_duplicated():
    result = compare(
        "help_request", [accepted("k1", "h1"), accepted("k1", "h1")], [stored("k1", "h1")]
    )

    assert result.ok
    assert result.accepted == 1


def test_a_key_stored_twice_is_duplicated():
    result = compare(
        "help_request", [accepted("k1", "h1")], [stored("k1", "h1"), stored("k1", "h9")]
    )

    assert result.duplicated == ["k1: stored 2 times"]


def test_a_retry_answered_with_a_new_id_is_duplicated():
    result = compare(
        "help_request",
        [accepted("k1", "h1"), accepted("k1", "h2")],
        [stored("k1", "h1"), stored(None, "h2")],
    )

    assert result.duplicated == ["k1: answered with ids ['h1', 'h2']"]


def test_events_without_server_ids_are_matched_by_key():
    result = compare("help_request", [accepted("e1"), accepted("e2")], [stored("e1", "7")])

    assert result.lost == ["e2"]


def test_a_row_no_client_was_told_about_is_unaccounted_not_lost():
    result = compare(
        "help_request", [accepted("k1", "h1")], [stored("k1", "h1"), stored("k3", "h3")]
    )

    assert result.ok
    assert result.unaccounted == ["h3 (R0001)"]


def test_percentiles_are_nearest_rank_values_that_occurred():
    values = list(range(1, 101))

    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_a_percentile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 95)


def test_points_fall_into_their_time_buckets():
    result = buckets([(0.0, 1.0), (4.9, 2.0), (5.0, 3.0), (99.0, 4.0)], 5.0, 0.0, 10.0)

    assert result == [[1.0, 2.0], [3.0]]


def test_retry_after_in_seconds_is_honoured():
    assert retry_delay(503, "5", 1, now=0.0) == 5.0
    assert retry_delay(429, "2", 3, now=0.0) == 2.0


def test_retry_after_as_an_http_date_is_the_time_left():
    now = datetime(2023, 1, 10, 3, 0, 0, tzinfo=UTC)
    header = format_datetime(datetime(2023, 1, 10, 3, 0, 7, tzinfo=UTC), usegmt=True)

    assert parse_retry_after(header, now.timestamp()) == 7.0


def test_without_retry_after_the_client_backs_off_exponentially():
    assert [retry_delay(503, None, n, now=0.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert retry_delay(0, "nonsense", 10, now=0.0) == 30.0


def test_final_answers_are_not_retried():
    assert retry_delay(201, None, 1, now=0.0) is None
    assert retry_delay(422, "5", 1, now=0.0) is None
    assert retry_delay(500, None, 1, now=0.0, retry_on=frozenset({503})) is None


def test_a_huge_retry_after_is_capped():
    assert retry_delay(503, "3600", 1, now=0.0) == 30.0


def test_the_compressed_day_keeps_the_notice_order_and_its_length():
    table = Timetable.compressed(1000.0, 300.0)
    session = table.exam_session("REH-1")

    assert table.login_opens == 1000.0
    assert table.day_ends == pytest.approx(1300.0)
    assert session["login_opens"] < session["starts"] == session["login_closes"] < session["ends"]
    assert table.minute(table.at(55.0)) == pytest.approx(55.0)


def test_the_upload_rush_runs_slower_than_the_quiet_login_window():
    table = Timetable.compressed(0.0, 900.0)

    # More real seconds per notice minute: the rush is compressed least.
    assert table.scale_at_minute(70) > table.scale_at_minute(20)


def test_the_day_plan_has_the_issues_shares():
    plans = make_plans(1000, random.Random(7))

    helpers = [p for p in plans if p.help_press is not None]
    early = [p for p in helpers if 50 <= p.help_press <= 53]
    artifacts = [a for p in plans for a in p.uploads]
    assert len(helpers) == 30
    assert len(early) >= len(helpers) * 0.6
    assert all(0 <= p.signin < 50 for p in plans)
    assert sum(a.fails_first for a in artifacts) == 100
    assert all(a.start >= 60 for a in artifacts)


def test_an_agent_finds_the_csrf_token_and_the_choices_of_a_form():
    page = """<form method="post" action="/staff/callbacks/r/abc/outcome">
      <input type="hidden" name="csrf_token" value="tok-1">
      <select name="outcome"><option value="resolved">接通</option>
      <option value="no_answer" selected>无人接听</option></select>
      <button type="submit" name="go" value="1">记录</button></form>"""

    forms, _links = parse(page)

    assert forms[0].action == "/staff/callbacks/r/abc/outcome"
    assert forms[0].fields["csrf_token"] == "tok-1"
    assert forms[0].fields["outcome"] == "no_answer"
    assert forms[0].choices["outcome"] == ["resolved", "no_answer"]
    assert forms[0].buttons == [("go", "1", "记录")]
