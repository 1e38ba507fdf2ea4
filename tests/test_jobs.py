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
