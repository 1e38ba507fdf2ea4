"""A candidate signs in in Chromium and sees the exam in Chinese; a wrong identifier gets one
message; an admin imports a roster."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from helpdesk import clock, jobs
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from tests.conftest import TEST_ID_HASH_KEY

pytestmark = pytest.mark.browser


def seed_candidate(live, *, name: str = "王小明") -> dict[str, str]:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        exam = ExamSession(
            code="MOCK-D1",
            name="在线模拟面试（第一天）",
            kind=ExamKind.MOCK,
            download_opens=now - timedelta(hours=2),
            download_closes=now + timedelta(days=1),
            login_opens=now - timedelta(hours=1),
            starts=now - timedelta(hours=1),
            login_closes=now + timedelta(hours=8),
            ends=now + timedelta(hours=8),
        )
        candidate = Candidate(
            name=name,
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230001",
            phone="+8613800138000",
            created_at=now,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
        session.add(candidate)
    return {"name": name, "id_number": number, "admission_number": "ZK20230001"}


def test_a_candidate_signs_in_and_sees_in_chinese_that_the_mock_exam_is_open(live, page):
    identity = seed_candidate(live)

    page.goto(live.url + "/signin")
    page.get_by_label("姓名").fill(identity["name"])
    page.get_by_label("身份证号").fill(identity["id_number"].lower())
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()

    now_card = page.locator("#now")
    assert "模拟考试 · 考试进行中" in now_card.inner_text()
    assert "在本平台提交问题" in now_card.inner_text()
    assert identity["id_number"] not in page.content()


def test_a_wrong_identifier_shows_one_clear_message(live, page):
    identity = seed_candidate(live)

    page.goto(live.url + "/signin")
    page.get_by_label("姓名").fill("李雷")
    page.get_by_label("身份证号").fill(identity["id_number"])
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()

    assert "与考生名单不一致" in page.get_by_role("alert").first.inner_text()


def test_an_admin_imports_a_roster_and_reads_the_row_report(live, page, tmp_path):
    live.staff("admin", "admin password 1", Role.ADMIN)
    with live.session() as session:
        now = clock.utcnow()
        session.add(
            ExamSession(
                code="FORMAL",
                name="正式面试",
                kind=ExamKind.FORMAL,
                login_opens=now,
                starts=now + timedelta(hours=1),
                login_closes=now + timedelta(hours=1),
                ends=now + timedelta(hours=2),
            )
        )
    rng = random.Random(4)
    bad = fake_id_number(rng)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "exam_session,name,id_number,admission_number,phone\n"
        f"FORMAL,甲,{fake_id_number(rng)},ZK0001,13800138001\n"
        f"FORMAL,乙,{bad},ZK0002,13800138002\n",
        encoding="utf-8",
    )

    live.sign_in_staff(page, "admin", "admin password 1", "/admin/roster/import")
    page.get_by_label("考生名单文件（CSV 或 XLSX）").set_input_files(str(roster))
    page.get_by_role("button", name="校验并导入").click()

    report = _imported(live, page)
    assert "未导入" in report.inner_text()
    assert "校验位不正确" in report.locator("tr.invalid").inner_text()

    page.goto(f"{live.url}/admin/roster/import")
    page.get_by_label("即使部分行无效，也导入有效的行").check()
    page.get_by_label("考生名单文件（CSV 或 XLSX）").set_input_files(str(roster))
    page.get_by_role("button", name="校验并导入").click()

    assert "新考生：1" in _imported(live, page).inner_text()


def _imported(live, page):
    """The import's page after the scheduler's job has applied it (as `flask jobs run` does);
    the page shows the report without a reload (desk.js polls its progress)."""
    page.wait_for_url("**/admin/roster/imports/*")
    jobs.run_job(live.app, jobs.find("exams.apply_roster_imports"))
    report = page.locator("#report")
    report.wait_for(timeout=15_000)
    return report
