"""The scheduler's job table: every job resolves, runs, and finds nothing left on a second run."""

from __future__ import annotations

import pytest

from helpdesk import jobs


@pytest.mark.parametrize("job", jobs.JOBS, ids=lambda j: j.id)
def test_every_scheduled_job_resolves_and_a_second_run_finds_nothing_left(app, job):
    jobs.run_job(app, job)

    second = jobs.run_job(app, job)

    assert second == 0


def test_job_ids_are_unique():
    ids = [job.id for job in jobs.JOBS]

    assert len(ids) == len(set(ids))


def test_a_run_is_noted_with_its_time_and_the_lag_is_zero_right_after(app, db_session):
    from datetime import UTC, datetime, timedelta

    from helpdesk import clock
    from helpdesk.jobruns import lag_seconds, last_runs

    job = jobs.find("tickets.mark_breaches")
    at = datetime(2026, 6, 7, 3, 0, tzinfo=UTC)
    clock.freeze(at)
    jobs.run_job(app, job)
    db_session.expire_all()
    row = last_runs(db_session)[job.id]

    assert row.last_succeeded_at == at
    assert lag_seconds(row, interval=job.interval_seconds, now=at + timedelta(seconds=30)) == 0
    assert lag_seconds(row, interval=job.interval_seconds, now=at + timedelta(seconds=100)) == 40
    assert lag_seconds(None, interval=60, now=at) == float("inf")


def test_a_failing_job_is_noted_as_failed_and_its_error_kept_to_the_class_name(app, db_session):
    job = jobs.Job("test.fails", "helpdesk.jobruns:no_such_function", "interval", {"seconds": 5})

    with pytest.raises(AttributeError):
        jobs.run_job(app, job)
    db_session.expire_all()
    row = jobs.jobruns.last_runs(db_session)["test.fails"]

    assert row.failures >= 1
    assert row.last_error == "AttributeError"
    assert row.last_succeeded_at is None


def test_every_job_has_an_interval():
    assert all(job.interval_seconds > 0 for job in jobs.JOBS)
