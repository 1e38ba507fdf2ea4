"""The rehearsal's own logic: the ledger held against the database, the compressed clock,
the day's plan and the people it invents (bench/examday.py relies on each)."""

from __future__ import annotations

import random

import pytest

from bench.rehearsal.ledger import Accepted, Stored, compare
from bench.rehearsal.people import fake_people, read_agents, read_people, write_roster
from bench.rehearsal.plans import make_plans
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


def test_invented_candidates_have_distinct_id_and_admission_numbers():
    people = fake_people(300, "REH-1", seed=11)

    assert len(people) == 300
    assert len({p.id_number for p in people}) == 300
    assert len({p.admission_number for p in people}) == 300


def test_a_written_roster_reads_back_for_its_session_only(tmp_path):
    path = tmp_path / "roster.csv"
    people = fake_people(3, "REH-1", seed=5)
    write_roster(path, "REH-1", people)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("REH-OTHER,李四,110101199003077777,X1,13800138000\n")

    assert read_people(path, "REH-1") == people


def test_an_agents_file_gives_one_agent_per_line_and_keeps_spaces_in_passwords(tmp_path):
    path = tmp_path / "agents.txt"
    path.write_text("alice  correct horse battery\n\nbob s3cret\n", encoding="utf-8")

    agents = read_agents(path)

    assert [(a.username, a.password, a.role) for a in agents] == [
        ("alice", "correct horse battery", "agent"),
        ("bob", "s3cret", "agent"),
    ]
