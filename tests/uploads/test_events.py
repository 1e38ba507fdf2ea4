"""POST /api/v1/upload-events and GET /api/v1/uploads as the exam clients use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.uploads.models import UploadArtifact, UploadEvent
from tests.uploads.conftest import EXAM_ENDS, event


def _at(minutes: int) -> str:
    return (EXAM_ENDS + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def exam_and_token(make_exam, make_candidate, api_token, after_exam):
    exam = make_exam("FORMAL-UP")
    identity = make_candidate(sessions=[exam])
    return exam, identity, api_token(identity)


def test_a_new_event_is_recorded(exam_and_token, post_event, db_session):
    exam, _identity, token = exam_and_token

    response = post_event(token, event(exam.code))

    assert response.status_code == 201
    assert response.json == {"status": "recorded"}
    assert db_session.scalar(select(func.count()).select_from(UploadEvent)) == 1


def test_a_resent_event_answers_duplicate_and_is_stored_once(
    exam_and_token, post_event, db_session
):
    exam, _identity, token = exam_and_token
    body = event(exam.code, state="started")
    post_event(token, body)

    again = post_event(token, body)

    assert again.status_code == 200
    assert again.json == {"status": "duplicate"}
    assert db_session.scalar(select(func.count()).select_from(UploadEvent)) == 1
    artifact = db_session.scalar(select(UploadArtifact))
    assert artifact.attempts == 1
    assert artifact.events == 1


def test_another_candidates_event_id_does_not_hide_mine(
    exam_and_token, make_candidate, api_token, post_event, db_session
):
    exam, _identity, token = exam_and_token
    other_token = api_token(make_candidate(sessions=[exam]))
    body = event(exam.code)
    post_event(other_token, body)

    response = post_event(token, body)

    assert response.status_code == 201
    assert db_session.scalar(select(func.count()).select_from(UploadEvent)) == 2


def test_an_older_event_arriving_late_does_not_move_a_completed_upload_back(
    exam_and_token, post_event, db_session
):
    exam, _identity, token = exam_and_token
    post_event(token, event(exam.code, state="started", occurred_at=_at(1), bytes_sent=0))
    post_event(token, event(exam.code, state="completed", occurred_at=_at(9), bytes_sent=1000))

    post_event(
        token,
        event(
            exam.code, state="failed", occurred_at=_at(4), bytes_sent=500, error_code="E_NETWORK"
        ),
    )
    post_event(token, event(exam.code, state="progress", occurred_at=_at(5), bytes_sent=600))

    artifact = db_session.scalar(select(UploadArtifact))
    db_session.refresh(artifact)
    assert artifact.state == "completed"
    assert artifact.bytes_sent == 1000
    assert artifact.failures == 1
    assert artifact.last_error_code == "E_NETWORK"
    assert artifact.events == 4


def test_events_in_any_order_end_in_the_newest_state(exam_and_token, post_event, db_session):
    exam, _identity, token = exam_and_token
    sequence = [
        ("failed", 6, "E_TIMEOUT"),
        ("started", 1, None),
        ("progress", 3, None),
        ("started", 5, None),
    ]

    for state, minute, code in sequence:
        post_event(token, event(exam.code, state=state, occurred_at=_at(minute), error_code=code))

    artifact = db_session.scalar(select(UploadArtifact))
    db_session.refresh(artifact)
    assert artifact.state == "failed"
    assert artifact.attempts == 2
    assert artifact.failures == 1
    assert artifact.last_error_code == "E_TIMEOUT"


def test_a_newer_retry_after_a_failure_moves_the_upload_on(exam_and_token, post_event, db_session):
    exam, _identity, token = exam_and_token
    post_event(token, event(exam.code, state="failed", occurred_at=_at(2), error_code="E_AUTH"))

    post_event(token, event(exam.code, state="completed", occurred_at=_at(7)))

    artifact = db_session.scalar(select(UploadArtifact))
    db_session.refresh(artifact)
    assert artifact.state == "completed"
    assert artifact.last_error_code == "E_AUTH"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"artifact": "screen_recording"}, "artifact"),
        ({"state": "paused"}, "state"),
        ({"bytes_total": -1}, "bytes_total"),
        ({"bytes_sent": -5}, "bytes_sent"),
        ({"bytes_sent": 1001, "bytes_total": 1000}, "bytes_sent"),
        ({"bytes_sent": "400"}, "bytes_sent"),
        ({"bytes_total": 10**20}, "bytes_total"),
        ({"occurred_at": "yesterday at noon"}, "occurred_at"),
        ({"occurred_at": "2023-01-10T11:15:00"}, "occurred_at"),
        ({"event_id": "x"}, "event_id"),
        ({"event_id": "a" * 65}, "event_id"),
        ({"artifact_id": "../../etc/passwd"}, "artifact_id"),
        ({"error_code": "<script>"}, "error_code"),
        ({"exam_session": ""}, "exam_session"),
    ],
)
def test_an_invalid_field_is_refused_and_named(
    exam_and_token, post_event, db_session, overrides, field
):
    exam, _identity, token = exam_and_token

    response = post_event(token, event(exam.code, **overrides))

    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db_session.scalar(select(func.count()).select_from(UploadEvent)) == 0


@pytest.mark.parametrize(
    "missing", ["event_id", "exam_session", "artifact", "artifact_id", "state", "occurred_at"]
)
def test_a_missing_required_field_is_named(exam_and_token, post_event, missing):
    exam, _identity, token = exam_and_token
    body = event(exam.code)
    body.pop(missing)

    response = post_event(token, body)

    assert response.status_code == 422
    assert missing in response.json["error"]["fields"]


def test_a_time_more_than_five_minutes_ahead_of_the_server_is_refused(
    exam_and_token, post_event, after_exam
):
    exam, _identity, token = exam_and_token
    ahead = (after_exam + timedelta(minutes=6)).isoformat()
    slightly = (after_exam + timedelta(minutes=4)).isoformat()

    refused = post_event(token, event(exam.code, occurred_at=ahead))
    accepted = post_event(token, event(exam.code, occurred_at=slightly))

    assert refused.status_code == 422
    assert "occurred_at" in refused.json["error"]["fields"]
    assert accepted.status_code == 201


def test_an_unknown_exam_session_is_refused_on_its_field(exam_and_token, post_event):
    _exam, _identity, token = exam_and_token

    response = post_event(token, event("NO-SUCH-EXAM"))

    assert response.status_code == 422
    assert "exam_session" in response.json["error"]["fields"]


def test_a_session_the_candidate_is_not_enrolled_in_is_refused(
    exam_and_token, make_exam, post_event
):
    _exam, _identity, token = exam_and_token
    other = make_exam("OTHER-EXAM")

    response = post_event(token, event(other.code))

    assert response.status_code == 422
    assert (
        "roster" in response.json["error"]["fields"]["exam_session"]
        or "名单" in response.json["error"]["fields"]["exam_session"]
    )


def test_events_need_a_candidate_token(exam_and_token, client):
    exam, _identity, _token = exam_and_token

    response = client.post("/api/v1/upload-events", json=event(exam.code))

    assert response.status_code == 401


def test_malformed_json_and_wrong_content_type_are_refused(exam_and_token, client):
    exam, _identity, token = exam_and_token
    headers = {"Authorization": f"Bearer {token}"}

    malformed = client.post(
        "/api/v1/upload-events",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    form = client.post("/api/v1/upload-events", data={"event_id": "x"}, headers=headers)
    listed = client.post("/api/v1/upload-events", json=[event(exam.code)], headers=headers)

    assert malformed.status_code == 400
    assert form.status_code == 415
    assert listed.status_code == 422


def test_the_candidate_reads_their_uploads_with_guidance(exam_and_token, post_event, client):
    exam, _identity, token = exam_and_token
    post_event(token, event(exam.code, state="failed", error_code="E_STORAGE"))
    post_event(
        token, event(exam.code, artifact="answer_data", artifact_id="answers", state="completed")
    )

    response = client.get(
        f"/api/v1/uploads?exam_session={exam.code}",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )

    assert response.status_code == 200
    body = response.json
    assert body["complete"] is False
    kinds = {k["artifact"]: k["status"] for k in body["kinds"]}
    assert kinds == {"evidence_video": "failed", "answer_data": "completed"}
    video = next(a for a in body["artifacts"] if a["artifact"] == "evidence_video")
    assert video["last_error"] == "E_STORAGE"
    assert video["attempts"] == 1
    assert "storage" in video["guidance"]["failure"]["title"].lower()
    assert video["guidance"]["steps"]
    assert video["guidance"]["notes"]
    assert video["guidance"]["help_url"].endswith("/uploads/help/evidence_video")


def test_a_candidate_never_sees_another_candidates_uploads(
    exam_and_token, make_candidate, api_token, post_event, client
):
    exam, _identity, token = exam_and_token
    post_event(token, event(exam.code))
    other_token = api_token(make_candidate(sessions=[exam]))

    response = client.get(
        f"/api/v1/uploads?exam_session={exam.code}",
        headers={"Authorization": f"Bearer {other_token}"},
    )

    assert response.status_code == 200
    assert response.json["artifacts"] == []
    assert {k["status"] for k in response.json["kinds"]} == {"never_reported"}


def test_reading_uploads_of_an_unknown_session_names_the_field(exam_and_token, client):
    _exam, _identity, token = exam_and_token

    missing = client.get("/api/v1/uploads", headers={"Authorization": f"Bearer {token}"})
    unknown = client.get(
        "/api/v1/uploads?exam_session=NOPE", headers={"Authorization": f"Bearer {token}"}
    )

    assert missing.status_code == 422
    assert "exam_session" in missing.json["error"]["fields"]
    assert unknown.status_code == 422
    assert "exam_session" in unknown.json["error"]["fields"]


def test_both_endpoints_are_in_the_openapi_document(client):
    response = client.get("/api/v1/openapi.json")

    paths = response.json["paths"]
    assert "post" in paths["/api/v1/upload-events"] or "post" in paths.get("/upload-events", {})
    assert any(p.endswith("/uploads") for p in paths)
