"""Staff views: completeness per exam session, a candidate's timeline, CSV export, the panel."""

from __future__ import annotations

import csv
import io

import pytest

from helpdesk import panel
from helpdesk.uploads import services
from helpdesk.uploads.models import ArtifactKind, UploadState
from tests.uploads.conftest import EXAM_ENDS

EN = {"Accept-Language": "en"}


@pytest.fixture
def session_with_uploads(make_exam, make_candidate, db_session):
    exam = make_exam("FORMAL-ST")
    done = make_candidate(name="王完成", sessions=[exam], phone="+8613912345678").candidate
    failing = make_candidate(name='=HYPERLINK("x")', sessions=[exam]).candidate
    silent = make_candidate(name="李未报", sessions=[exam]).candidate

    counter = iter(range(1, 1000))

    def report(candidate, kind, artifact_id, state, code=None):
        services.record_event(
            db_session,
            candidate=candidate,
            now=EXAM_ENDS,
            event=services.EventIn(
                event_id=f"ev-{next(counter):04d}",
                exam_session=exam.code,
                artifact=kind,
                artifact_id=artifact_id,
                state=state,
                occurred_at=EXAM_ENDS,
                error_code=code,
            ),
        )

    report(done, ArtifactKind.ANSWER_DATA, "answers", UploadState.COMPLETED)
    report(done, ArtifactKind.EVIDENCE_VIDEO, "v1", UploadState.COMPLETED)
    report(failing, ArtifactKind.ANSWER_DATA, "answers", UploadState.PROGRESS)
    report(failing, ArtifactKind.EVIDENCE_VIDEO, "v1", UploadState.FAILED, "E_NETWORK")
    return exam, done, failing, silent


def _signed_in(client, make_staff, sign_in_staff, role="agent"):
    sign_in_staff(make_staff(role))
    return client


def test_the_completeness_view_counts_each_verdict_per_upload(
    session_with_uploads, client, make_staff, sign_in_staff
):
    exam, _done, _failing, _silent = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff)

    page = client.get(f"/staff/uploads?exam_session={exam.code}", headers=EN).text

    def cell(kind: str, verdict: str) -> str:
        marker = f'data-kind="{kind}" data-verdict="{verdict}">'
        return page.split(marker, 1)[1].split("<", 1)[0]

    assert [
        cell("answer_data", v) for v in ("completed", "in_progress", "failed", "never_reported")
    ] == ["1", "1", "0", "1"]
    assert [
        cell("evidence_video", v) for v in ("completed", "in_progress", "failed", "never_reported")
    ] == ["1", "0", "1", "1"]


def test_filters_narrow_the_candidate_list(session_with_uploads, client, make_staff, sign_in_staff):
    exam, done, failing, silent = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff)

    never = client.get(f"/staff/uploads?exam_session={exam.code}&status=never_reported").text
    failed_videos = client.get(
        f"/staff/uploads?exam_session={exam.code}&status=failed&artifact=evidence_video"
    ).text
    complete = client.get(f"/staff/uploads?exam_session={exam.code}&status=complete").text

    assert silent.admission_number in never
    assert done.admission_number not in never
    assert failing.admission_number in failed_videos
    assert silent.admission_number not in failed_videos
    assert done.admission_number in complete
    assert failing.admission_number not in complete


def test_the_csv_export_masks_personal_data_and_cannot_start_a_formula(
    session_with_uploads, client, make_staff, sign_in_staff
):
    exam, _done, _failing, _silent = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff, "supervisor")

    response = client.get(f"/staff/uploads/export.csv?exam_session={exam.code}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_name = {r["姓名"]: r for r in rows}
    assert set(by_name) == {"王完成", '\'=HYPERLINK("x")', "李未报"}
    assert by_name["王完成"]["电话"] == "139****5678"
    assert "*" in by_name["王完成"]["身份证号"]
    assert by_name["李未报"]["答题数据（电脑，智考云，交卷后）"] == "从未上报"
    assert by_name["李未报"]["考试场次"] == exam.name
    assert by_name['\'=HYPERLINK("x")']["最近错误"] == "E_NETWORK"
    assert "13912345678" not in response.data.decode("utf-8-sig")


def test_agents_see_the_view_but_only_supervisors_export(
    session_with_uploads, client, make_staff, sign_in_staff
):
    exam, *_ = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff, "agent")

    view = client.get(f"/staff/uploads?exam_session={exam.code}")
    export = client.get(f"/staff/uploads/export.csv?exam_session={exam.code}")

    assert view.status_code == 200
    assert export.status_code == 403


def test_a_candidates_timeline_lists_their_events_in_order(
    session_with_uploads, client, make_staff, sign_in_staff
):
    exam, _done, failing, silent = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff)

    page = client.get(
        f"/staff/uploads/candidates/{failing.id}?exam_session={exam.code}", headers=EN
    ).text
    empty = client.get(
        f"/staff/uploads/candidates/{silent.id}?exam_session={exam.code}", headers=EN
    ).text
    missing = client.get("/staff/uploads/candidates/999999")

    timeline = page.split('id="timeline"', 1)[1]
    assert timeline.count("<tr><td>") == 2
    assert "E_NETWORK" in timeline
    assert "reported nothing" in empty
    assert missing.status_code == 404


def test_the_candidate_panel_shows_the_uploads(session_with_uploads, db_session, app):
    exam, _done, failing, _silent = session_with_uploads

    sections = {s.key: ctx for s, ctx in panel.sections(db_session, failing)}

    result = sections["uploads"]["upload_sessions"][0]["result"]
    assert result.verdicts[ArtifactKind.EVIDENCE_VIDEO] == "failed"
    with app.test_request_context(headers=EN):
        from flask import render_template

        html = render_template("uploads/_panel.html", **sections["uploads"])
    assert "E_NETWORK" in html
    assert exam.code in html


def test_a_signed_in_candidate_sees_their_own_uploads_on_the_help_page(
    session_with_uploads, client, sign_in_candidate, make_candidate, after_exam, db_session
):
    exam, _done, _failing, _silent = session_with_uploads
    identity = make_candidate(sessions=[exam])
    services.record_event(
        db_session,
        candidate=identity.candidate,
        now=EXAM_ENDS,
        event=services.EventIn(
            event_id="own-event-1",
            exam_session=exam.code,
            artifact=ArtifactKind.EVIDENCE_VIDEO,
            artifact_id="my-video-7",
            state=UploadState.FAILED,
            occurred_at=EXAM_ENDS,
            error_code="E_STORAGE",
        ),
    )
    sign_in_candidate(identity)

    page = client.get("/uploads/help", headers=EN).text
    choose = client.get("/uploads/help/evidence_video", headers=EN).text

    assert "my-video-7" in page
    assert "E_STORAGE" in page
    assert "E_NETWORK" not in page  # another candidate's error
    assert f"{exam.code}|my-video-7" in choose


def test_an_upload_still_running_is_not_called_an_exam_in_progress(
    session_with_uploads, client, make_staff, sign_in_staff
):
    exam, *_ = session_with_uploads
    _signed_in(client, make_staff, sign_in_staff)

    page = client.get(f"/staff/uploads?exam_session={exam.code}").text

    assert "上传中" in page
    assert "考试进行中" not in page
