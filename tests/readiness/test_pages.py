"""The candidate's device check page, the phone report, per-exam profiles and the staff view."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from helpdesk.readiness.models import DeviceReport, ReadinessProfile
from tests.readiness.conftest import ready_pc, report_body

ANDROID_13 = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
PHONE_FACTS = {
    "camera": {"ok": True},
    "microphone": {"ok": True},
    "recording": {"supported": True, "bytes": 300_000, "seconds": 3.0},
    "storage": {"quota_bytes": 40 * 1024**3, "usage_bytes": 0},
    "battery": {"level": 0.9, "charging": False},
}


def test_the_candidate_sees_the_latest_pc_result_with_fixes_and_a_ticket_link(
    client, make_candidate, sign_in_candidate, upload
):
    identity = make_candidate()
    code = upload(identity, report_body(ready_pc(displays={"count": 2}))).json["report_code"]
    sign_in_candidate(identity)

    page = client.get("/readiness")

    assert page.status_code == 200
    assert code in page.text
    assert "断开多余的显示器" in page.text or "显示器" in page.text
    assert f"report_code={code}" in page.text
    assert "category=install" in page.text


def test_the_page_says_when_the_agent_never_ran(client, make_candidate, sign_in_candidate):
    sign_in_candidate(make_candidate())

    page = client.get("/readiness", headers={"Accept-Language": "en"})

    assert "You have not run the agent yet." in page.text


def test_another_candidates_report_answers_like_a_missing_one(
    client, make_candidate, sign_in_candidate, upload
):
    code = upload(make_candidate()).json["report_code"]
    sign_in_candidate(make_candidate())

    theirs = client.get(f"/readiness/reports/{code}")
    missing = client.get("/readiness/reports/D-2222-2222")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(code, "?") == missing.text.replace("D-2222-2222", "?")


def test_a_candidate_can_open_their_own_report_by_code(
    client, make_candidate, sign_in_candidate, upload
):
    identity = make_candidate()
    code = upload(identity).json["report_code"]
    sign_in_candidate(identity)

    page = client.get(f"/readiness/reports/{code.lower().replace('-', '')}")

    assert page.status_code == 200
    assert code in page.text


def test_candidate_pages_need_a_signed_in_candidate(client):
    for path in ("/readiness", "/readiness/phone"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin")


def test_the_phone_check_is_judged_by_the_desk(client, make_candidate, sign_in_candidate):
    sign_in_candidate(make_candidate())

    response = client.post(
        "/readiness/phone/report",
        json={"facts": PHONE_FACTS},
        headers={"User-Agent": ANDROID_13, "Idempotency-Key": "phone-run-1"},
    )

    assert response.status_code == 201
    assert response.json["report_code"].startswith("P-")
    assert response.json["verdict"] == "pass"


def test_a_phone_in_wechat_gets_the_open_in_browser_notice(
    client, make_candidate, sign_in_candidate
):
    sign_in_candidate(make_candidate())
    wechat = ANDROID_13 + " MicroMessenger/8.0.40"

    page = client.get("/readiness/phone", headers={"User-Agent": wechat})
    judged = client.post(
        "/readiness/phone/report", json={"facts": PHONE_FACTS}, headers={"User-Agent": wechat}
    )

    assert 'id="in-app-notice" class="flash error" role="alert">' in page.text
    browser = next(c for c in judged.json["checks"] if c["id"] == "phone_browser")
    assert browser["status"] == "warn"


def test_a_malformed_phone_report_is_refused_without_storing(
    client, make_candidate, sign_in_candidate, db_session
):
    sign_in_candidate(make_candidate())

    not_json = client.post("/readiness/phone/report", data="{", content_type="application/json")
    no_facts = client.post("/readiness/phone/report", json={"facts": "camera ok"})
    too_big = client.post("/readiness/phone/report", json={"facts": {"x": "y" * 70_000}})
    not_a_number = client.post(
        "/readiness/phone/report",
        data='{"facts": {"battery": {"level": NaN}}}',
        content_type="application/json",
    )

    assert (not_json.status_code, no_facts.status_code, too_big.status_code) == (400, 422, 413)
    assert not_a_number.status_code == 422
    assert db_session.scalar(select(DeviceReport)) is None


def test_a_stored_profile_is_served_for_its_exam_and_judges_its_reports(
    client, make_exam, make_candidate, make_staff, sign_in_staff, upload, now
):
    exam = make_exam("MOCK-D1", kind="mock")
    sign_in_staff(make_staff("supervisor"))
    strict = {
        "version": "mock-strict-1",
        "checks": [{"id": "bandwidth", "severity": "fail", "params": {"min_mbps": 100}}],
    }

    saved = client.post(
        "/staff/readiness/MOCK-D1/profile", data={"profile": json.dumps(strict), "action": "save"}
    )
    served = client.get("/api/v1/diagnostics/profile?exam_session=MOCK-D1").json
    judged = upload(make_candidate(sessions=[exam])).json

    assert saved.status_code == 302
    assert served == strict
    assert judged["verdict"] == "fail"
    assert [c["id"] for c in judged["checks"]] == ["bandwidth"]


def test_an_invalid_profile_is_refused_with_the_reason(
    client, make_exam, make_staff, sign_in_staff, db_session
):
    make_exam("MOCK-D1", kind="mock")
    sign_in_staff(make_staff("supervisor"))

    bad_json = client.post("/staff/readiness/MOCK-D1/profile", data={"profile": "{"})
    not_a_number = client.post(
        "/staff/readiness/MOCK-D1/profile",
        data={
            "profile": json.dumps(
                {
                    "version": "x1",
                    "checks": [
                        {
                            "id": "bandwidth",
                            "severity": "fail",
                            "params": {"min_mbps": float("nan")},
                        }
                    ],
                }
            )
        },
    )
    bad_id = client.post(
        "/staff/readiness/MOCK-D1/profile",
        data={
            "profile": json.dumps(
                {"version": "x1", "checks": [{"id": "telepathy", "severity": "fail"}]}
            )
        },
    )

    assert bad_json.status_code == bad_id.status_code == not_a_number.status_code == 422
    assert "telepathy" in bad_id.text
    assert db_session.scalar(select(ReadinessProfile)) is None


def test_an_agent_cannot_edit_profiles(client, make_exam, make_staff, sign_in_staff):
    make_exam("MOCK-D1", kind="mock")
    sign_in_staff(make_staff("agent"))

    response = client.post(
        "/staff/readiness/MOCK-D1/profile",
        data={"profile": json.dumps({"version": "x", "checks": []})},
    )

    assert response.status_code == 403


def test_staff_see_who_failed_or_never_ran_the_agent(
    client, make_exam, make_candidate, make_staff, sign_in_staff, upload, now
):
    exam = make_exam("MOCK-D1", kind="mock")
    ready = make_candidate(name="李雷", sessions=[exam])
    failing = make_candidate(name="韩梅梅", sessions=[exam])
    absent = make_candidate(name="王芳", sessions=[exam])
    upload(ready)
    upload(failing, report_body(ready_pc(displays={"count": 3})))
    sign_in_staff(make_staff("agent"))

    page = client.get("/staff/readiness/MOCK-D1", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    assert "2 of 3 candidates ran the agent" in page.text
    attention = page.text.split('class="grid attention"')[1]
    assert failing.candidate.admission_number in attention
    assert absent.candidate.admission_number in attention
    assert ready.candidate.admission_number not in attention
    displays_row = page.text.split('data-check="displays"')[1].split("</tr>")[0]
    assert "<td>1</td><td>0</td><td>1</td>" in displays_row


def test_the_csv_export_masks_personal_data_and_escapes_formulas(
    client, make_exam, make_candidate, make_staff, sign_in_staff, now
):
    exam = make_exam("MOCK-D1", kind="mock")
    absent = make_candidate(name='=HYPERLINK("http://x")', sessions=[exam], phone="+8613912345678")
    sign_in_staff(make_staff("supervisor"))

    response = client.get("/staff/readiness/MOCK-D1/attention.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    row = rows[1]
    assert row[0] == absent.candidate.admission_number
    assert row[1].startswith("'=")
    assert row[2] == absent.candidate.id_number_masked
    assert "*" in row[2]
    assert row[3] == "139****5678"
    assert row[4] == "尚未检测"
    assert absent["id_number"] not in response.data.decode("utf-8-sig")


def test_the_panel_lists_a_candidates_reports(app, db_session, make_candidate, upload):
    from helpdesk import panel

    identity = make_candidate()
    code = upload(identity).json["report_code"]

    with app.test_request_context():
        sections = {s.key: ctx for s, ctx in panel.sections(db_session, identity.candidate)}

    assert [r.code for r in sections["readiness"]["reports"]] == [code]


def test_staff_open_a_report_by_code_with_its_facts(
    client, make_candidate, make_staff, sign_in_staff, upload
):
    code = upload(make_candidate()).json["report_code"]
    sign_in_staff(make_staff("agent"))

    page = client.get(f"/staff/readiness/reports/{code}")

    assert page.status_code == 200
    assert "Integrated Camera" in page.text


def test_demo_reports_are_seeded_once_for_the_first_mock_day(
    db_session, make_exam, make_candidate, now
):
    from helpdesk.readiness import demo

    exam = make_exam("MOCK-D1", kind="mock")
    for _ in range(12):
        make_candidate(sessions=[exam])

    first = demo.seed(db_session, now)
    count = db_session.scalar(select(func.count()).select_from(DeviceReport))
    second = demo.seed(db_session, now)

    assert count > 0
    assert "device reports for" in first
    assert "already seeded" in second
    assert db_session.scalar(select(func.count()).select_from(DeviceReport)) == count
