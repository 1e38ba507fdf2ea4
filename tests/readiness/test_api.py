"""The diagnostics endpoints of API.md, as the agent and hostile clients meet them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.models import DeviceReport
from tests.readiness.conftest import ready_pc, report_body

CODE = re.compile(r"^D-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def test_a_ready_pc_is_judged_pass_and_gets_a_quotable_code(make_candidate, upload):
    identity = make_candidate()

    response = upload(identity)

    assert response.status_code == 201
    assert response.json["verdict"] == "pass"
    assert CODE.match(response.json["report_code"])
    assert {c["id"] for c in response.json["checks"]} >= {"os", "memory", "bandwidth"}


def test_a_forged_pass_verdict_is_judged_again_and_fails(make_candidate, upload, db_session):
    identity = make_candidate()
    linux = {"os": {"family": "linux", "version": "6.1", "build": None, "name": "Debian 12"}}

    response = upload(
        identity, report_body(linux, verdict="pass", checks=[{"id": "os", "status": "pass"}])
    )

    assert response.status_code == 201
    assert response.json["verdict"] == "fail"
    os_check = next(c for c in response.json["checks"] if c["id"] == "os")
    assert os_check["status"] == "fail"
    assert os_check["fix"]
    stored = db_session.scalar(select(DeviceReport))
    assert stored.verdict == "fail"
    assert stored.facts == linux


def test_the_report_keeps_facts_versions_platform_and_collection_time(
    make_candidate, upload, db_session
):
    identity = make_candidate()

    code = upload(identity, report_body(agent_version="1.2.3")).json["report_code"]

    stored = db_session.scalar(select(DeviceReport).where(DeviceReport.code == code))
    assert stored.agent_version == "1.2.3"
    assert stored.client_profile_version == "notice-2023-01"
    assert stored.profile_version == "notice-2023-01"
    assert stored.platform == "windows"
    assert stored.collected_at.isoformat() == "2023-01-04T03:30:00+00:00"
    assert stored.facts["memory"]["total_bytes"] == 8 * 1024**3


def test_a_retried_upload_with_the_same_key_is_stored_once(make_candidate, upload, db_session):
    identity = make_candidate()

    first = upload(identity, key="0b7c6a1e-retry-key")
    second = upload(identity, key="0b7c6a1e-retry-key")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json == first.json
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == 1


def test_a_key_reused_for_another_report_is_refused(make_candidate, upload, db_session):
    identity = make_candidate()
    upload(identity, key="same-key-123")

    response = upload(identity, report_body(ready_pc(displays={"count": 2})), key="same-key-123")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == 1


def test_a_malformed_idempotency_key_is_422(make_candidate, upload):
    response = upload(make_candidate(), key="bad key with spaces")

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["error"]["fields"]


def test_oversized_facts_are_413_and_nothing_is_stored(make_candidate, upload, db_session):
    facts = ready_pc(padding={"text": "x" * 70_000})

    response = upload(make_candidate(), report_body(facts))

    assert response.status_code == 413
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == 0


def test_malformed_reports_get_specific_4xx(client, make_candidate, api_token):
    headers = {"Authorization": f"Bearer {api_token(make_candidate())}"}

    not_json = client.post(
        "/api/v1/diagnostics/reports",
        data="{facts",
        headers=headers,
        content_type="application/json",
    )
    too_deep = client.post(
        "/api/v1/diagnostics/reports",
        data="[" * 50_000,
        headers=headers,
        content_type="application/json",
    )
    naive_time = client.post(
        "/api/v1/diagnostics/reports",
        headers=headers,
        json=report_body(collected_at="2023-01-04T11:30:00"),
    )
    facts_list = client.post(
        "/api/v1/diagnostics/reports", headers=headers, json=report_body(facts=[1, 2])
    )

    assert not_json.status_code == 400
    assert too_deep.status_code == 400
    assert naive_time.status_code == 422
    assert "collected_at" in naive_time.json["error"]["fields"]
    assert facts_list.status_code == 422
    assert "facts" in facts_list.json["error"]["fields"]


def test_hostile_fact_values_are_unknown_not_a_crash(make_candidate, upload):
    facts = {
        "os": "windows",
        "memory": {"total_bytes": "lots"},
        "displays": {"count": None},
        "bandwidth": {"download_mbps_p10": [1e308]},
    }

    response = upload(make_candidate(), report_body(facts))

    assert response.status_code == 201
    statuses = {c["id"]: c["status"] for c in response.json["checks"]}
    assert statuses["os"] == statuses["memory"] == statuses["displays"] == "unknown"


def test_reports_need_a_candidate_token(client):
    response = client.post("/api/v1/diagnostics/reports", json=report_body())

    assert response.status_code == 401


def test_checks_follow_accept_language(make_candidate, upload):
    identity = make_candidate()

    english = upload(identity, language="en").json
    chinese = upload(identity).json

    assert english["checks"][0]["title"] == "Operating system"
    assert chinese["checks"][0]["title"] == "操作系统"


def test_the_default_profile_is_served_without_an_exam_session(client):
    response = client.get("/api/v1/diagnostics/profile")

    assert response.status_code == 200
    assert response.json["version"] == "notice-2023-01"
    assert {"id": "bandwidth", "severity": "fail", "params": {"min_mbps": 4}} in response.json[
        "checks"
    ]


def test_an_unknown_exam_session_has_no_profile(client):
    response = client.get("/api/v1/diagnostics/profile?exam_session=NOPE")

    assert response.status_code == 404


def test_the_speed_test_download_sends_random_uncacheable_bytes(client):
    first = client.get("/api/v1/diagnostics/speedtest/download?bytes=200000")
    second = client.get("/api/v1/diagnostics/speedtest/download?bytes=200000")

    assert first.status_code == 200
    assert len(first.data) == 200_000
    assert first.headers["Cache-Control"] == "no-store"
    assert first.data != second.data


def test_the_speed_test_download_is_capped(client):
    response = client.get("/api/v1/diagnostics/speedtest/download?bytes=900000000")

    assert response.headers["Content-Length"] == "25000000"


def test_a_nonsense_download_size_is_422(client):
    assert client.get("/api/v1/diagnostics/speedtest/download?bytes=-5").status_code == 422
    assert client.get("/api/v1/diagnostics/speedtest/download?bytes=lots").status_code == 422


def test_the_speed_test_upload_counts_the_bytes(client):
    response = client.post(
        "/api/v1/diagnostics/speedtest/upload",
        data=b"\x00" * 300_000,
        content_type="application/octet-stream",
    )

    assert response.status_code == 200
    assert response.json["bytes_received"] == 300_000
    assert response.json["seconds"] >= 0


def test_an_oversized_speed_test_upload_is_413(client):
    response = client.post(
        "/api/v1/diagnostics/speedtest/upload",
        data=b"\x00" * (33 * 1024 * 1024),
        content_type="application/octet-stream",
    )

    assert response.status_code == 413


def _configure(app, monkeypatch, **config):
    """Run this test with readiness settings built from the app's config plus config."""
    configured = readiness_settings.from_config({**app.config, **config})
    monkeypatch.setitem(app.extensions, readiness_settings.EXTENSION, configured)


def test_the_speed_test_is_rate_limited_per_address(app, client, monkeypatch):
    _configure(app, monkeypatch, SPEEDTEST_RATE_LIMIT="3 per minute")

    statuses = [
        client.get("/api/v1/diagnostics/speedtest/download?bytes=1000").status_code
        for _ in range(4)
    ]
    limited = client.get("/api/v1/diagnostics/speedtest/download?bytes=1000")

    assert statuses == [200, 200, 200, 429]
    assert int(limited.headers["Retry-After"]) > 0


def test_the_openapi_document_describes_the_diagnostics_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    report = paths["/api/v1/diagnostics/reports"]["post"]
    upload = paths["/api/v1/diagnostics/speedtest/upload"]["post"]
    assert "201" in report["responses"]
    assert report["security"]
    assert any(p["name"] == "Idempotency-Key" for p in report["parameters"])
    assert "application/octet-stream" in upload["requestBody"]["content"]
    assert (
        "application/octet-stream"
        in paths["/api/v1/diagnostics/speedtest/download"]["get"]["responses"]["200"]["content"]
    )
    assert any(
        p["name"] == "exam_session"
        for p in paths["/api/v1/diagnostics/profile"]["get"]["parameters"]
    )


def test_one_candidate_looping_uploads_is_throttled_and_keeps_what_was_stored(
    app, client, make_candidate, api_token, db_session, monkeypatch
):
    headers = {"Authorization": f"Bearer {api_token(make_candidate())}"}
    other = {"Authorization": f"Bearer {api_token(make_candidate())}"}
    _configure(app, monkeypatch, REPORT_RATE_LIMIT="2 per hour")

    statuses = [
        client.post("/api/v1/diagnostics/reports", json=report_body(), headers=headers).status_code
        for _ in range(3)
    ]
    someone_else = client.post("/api/v1/diagnostics/reports", json=report_body(), headers=other)

    assert statuses == [201, 201, 429]
    assert someone_else.status_code == 201
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == 3


def test_nan_or_infinity_in_the_facts_is_422_not_a_database_error(
    client, make_candidate, api_token, db_session
):
    headers = {"Authorization": f"Bearer {api_token(make_candidate())}"}
    body = (
        '{"agent_version": "1", "platform": "windows", "collected_at": '
        '"2023-01-04T11:30:00+08:00", "facts": {"battery": {"percent": NaN}, '
        '"bandwidth": {"download_mbps_p10": Infinity}}}'
    )

    response = client.post(
        "/api/v1/diagnostics/reports", data=body, headers=headers, content_type="application/json"
    )

    assert response.status_code == 422
    assert "facts" in response.json["error"]["fields"]
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == 0
