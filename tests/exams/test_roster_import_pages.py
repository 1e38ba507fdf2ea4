"""The roster import's pages: an accepted file answers with a redirect to its own page, which
shows a progress bar in words while the job runs, says so when the scheduler does not start
it, and is for supervisors and admins only."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest

from helpdesk import clock, jobs
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import ImportStatus, RosterImport

HEADER = "exam_session,name,id_number,admission_number,phone\n"


@pytest.fixture
def roster_text():
    rng = random.Random(5)
    return HEADER + "".join(
        f"FORMAL,考生{n},{fake_id_number(rng)},ZK{n:04d},1380013800{n % 10}\n" for n in range(3)
    )


def post_file(client, text: str, filename: str = "roster.csv"):
    form = {"file": (io.BytesIO(text.encode("utf-8")), filename)}
    return client.post("/admin/roster/import", data=form, content_type="multipart/form-data")


def test_an_accepted_file_redirects_to_its_page_which_shows_the_progress_bar(
    client, make_staff, sign_in_staff, make_exam, db_session, roster_text, now
):
    make_exam("FORMAL")
    sign_in_staff(make_staff("admin"))

    response = post_file(client, roster_text)

    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<progress" in page.text
    assert "data-refresh=" in page.text
    assert "等待开始" in page.text
    fragment = client.get(response.headers["Location"] + "/progress")
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "private, no-store"
    assert "<html" not in fragment.text
    assert "已完成 0%" in fragment.text

    jobs.run_job(client.application, jobs.find("exams.apply_roster_imports"))

    done = client.get(response.headers["Location"] + "/progress")
    assert "data-refresh-done" in done.text
    assert "新考生：3" in done.text
    assert "<progress" in done.text
    assert 'data-refresh="' not in client.get(response.headers["Location"]).text


def test_the_page_says_so_when_the_scheduler_does_not_start_the_import(
    client, make_staff, sign_in_staff, make_exam, db_session, roster_text, now
):
    make_exam("FORMAL")
    sign_in_staff(make_staff("admin"))
    location = post_file(client, roster_text).headers["Location"]

    assert "仍在等待后台任务程序" not in client.get(location + "/progress").text
    clock.freeze(now + timedelta(seconds=30))
    assert "仍在等待后台任务程序" in client.get(location + "/progress").text


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        ("", "roster.csv"),
        ("name,phone\nx,y\n", "roster.csv"),
        ("exam_session,name\n", "roster.xlsx"),
    ],
)
def test_a_bad_file_is_answered_at_once_and_nothing_is_staged(
    client, make_staff, sign_in_staff, db_session, content, filename
):
    sign_in_staff(make_staff("admin"))

    response = post_file(client, content, filename)

    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert db_session.query(RosterImport).count() == 0


def test_supervisors_see_any_import_but_agents_candidates_and_visitors_do_not(
    app,
    client,
    make_staff,
    sign_in_staff,
    sign_in_candidate,
    make_candidate,
    make_exam,
    db_session,
    roster_text,
    now,
):
    exam = make_exam("FORMAL")
    admin = make_staff("admin")
    sign_in_staff(admin)
    location = post_file(client, roster_text).headers["Location"]
    job = db_session.query(RosterImport).one()
    assert job.status == ImportStatus.PENDING
    assert job.staff_id == admin.id

    supervisor = app.test_client()
    sign_in_staff(make_staff("supervisor"), test_client=supervisor)
    agent = app.test_client()
    sign_in_staff(make_staff("agent"), test_client=agent)
    candidate = app.test_client()
    sign_in_candidate(make_candidate(sessions=[exam]), test_client=candidate)
    anonymous = app.test_client()

    for path in (location, location + "/progress"):
        assert supervisor.get(path).status_code == 200
        assert agent.get(path).status_code == 403
        assert candidate.get(path).status_code in (302, 403)
        visitor = anonymous.get(path)
        assert visitor.status_code == 302
        assert "/staff/signin" in visitor.headers["Location"]
    assert supervisor.get("/admin/roster/imports/987654321").status_code == 404
    assert supervisor.post("/admin/roster/import").status_code == 403


def test_an_import_whose_scheduler_stopped_says_so(
    client, make_staff, sign_in_staff, make_exam, db_session, roster_text, now
):
    from helpdesk.exams import roster_imports

    make_exam("FORMAL")
    sign_in_staff(make_staff("admin"))
    location = post_file(client, roster_text).headers["Location"]
    job = db_session.query(RosterImport).one()
    assert roster_imports.claim_next(db_session, token="a" * 32, now=now) == job.id
    db_session.commit()

    assert "导入已中断" not in client.get(location + "/progress").text
    clock.freeze(now + timedelta(seconds=45))
    assert "导入已中断" in client.get(location + "/progress").text
