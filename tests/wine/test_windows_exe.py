"""helpdesk-agent.exe as a candidate's Windows PC runs it: under wine, on Chinese and English code
pages, double-clicked, and reporting to a live desk that staff then read."""

from __future__ import annotations

import json
import random
import re
import struct
from datetime import timedelta

import pytest

from diagnostics import __version__
from diagnostics.profile import DEFAULT_PROFILE
from helpdesk import clock
from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from tests.conftest import TEST_ID_HASH_KEY
from tests.wine.conftest import json_stdout, wine

EXIT = {"pass": 0, "warn": 1, "fail": 2}
PROFILE_CHECKS = [check["id"] for check in DEFAULT_PROFILE["checks"]]
#: Wine derives the Windows ANSI code page from the locale.
CODE_PAGES = {"cp936": "zh_CN.UTF-8", "cp1252": "en_US.UTF-8"}


def test_the_exe_is_a_64_bit_windows_console_program(windows_agent):
    with open(wine.EXE, "rb") as exe:
        header = exe.read(4096)

    pe = struct.unpack_from("<I", header, 0x3C)[0]
    assert header[:2] == b"MZ"
    assert header[pe : pe + 4] == b"PE\0\0"
    assert struct.unpack_from("<H", header, pe + 4)[0] == 0x8664  # x64
    assert struct.unpack_from("<H", header, pe + 24)[0] == 0x20B  # PE32+
    assert struct.unpack_from("<H", header, pe + 24 + 68)[0] == 3  # console subsystem
    assert windows_agent.run("--version").stdout.decode().strip() == __version__


@pytest.mark.parametrize("code_page", sorted(CODE_PAGES))
def test_help_piped_on_a_windows_code_page_is_utf8(windows_agent, code_page):
    result = windows_agent.run("--help", lang=CODE_PAGES[code_page])

    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert "考试设备检测工具" in result.stdout.decode("utf-8")


@pytest.mark.parametrize("code_page", sorted(CODE_PAGES))
def test_offline_json_is_utf8_with_a_verdict_and_a_check_per_profile_entry(
    windows_agent, code_page
):
    result = windows_agent.run("--offline", "--json", "--no-bandwidth", lang=CODE_PAGES[code_page])

    report = json_stdout(result)
    assert report["verdict"] in EXIT
    assert result.returncode == EXIT[report["verdict"]]
    assert [check["id"] for check in report["checks"]] == PROFILE_CHECKS
    assert report["platform"] == "windows"
    assert report["facts"]["os"]["family"] == "windows"
    assert report["checks"][0]["title"] == "操作系统"
    assert "检测结果" in result.stderr.decode("utf-8")
    # Wine has no working PowerShell: that is "could not check", never "no camera".
    camera = next(check for check in report["checks"] if check["id"] == "camera")
    assert report["facts"]["cameras"] == {"unknown": "WMI gave no answer"}
    assert camera["status"] == "unknown"
    assert "没有找到摄像头" not in camera["message"]


def test_a_double_click_run_shows_the_chinese_checklist_saves_and_exits_with_the_verdict(
    windows_agent,
):
    result = windows_agent.run(stdin=b"\n")  # no arguments; stdin a pipe, not a console

    out = result.stdout.decode("utf-8")
    [saved] = windows_agent.reports()
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert saved.name.startswith("设备检测报告-")
    assert "报告已保存到：C:\\users\\" in out
    assert "✘ 操作系统" in out or "✔ 操作系统" in out
    assert "检测结果：" in out
    assert result.returncode == EXIT[report["verdict"]]
    assert re.search("[A-Za-z]{3,}", out.split("检测结果")[1].replace("Windows", "")) is None


def seed(app):
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    session = database(app).sessionmaker()
    exam = ExamSession(
        code="MOCK-W1",
        name="在线模拟面试（第一天）",
        kind=ExamKind.MOCK,
        login_opens=now - timedelta(hours=1),
        starts=now - timedelta(hours=1),
        login_closes=now + timedelta(hours=8),
        ends=now + timedelta(hours=8),
    )
    candidate = Candidate(
        name="王小明",
        id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
        id_number_masked=idnumber.mask(number),
        admission_number="ZK20230001",
        phone="+8613800138000",
        created_at=now,
    )
    candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
    session.add(candidate)
    create_staff(session, username="agent", password="agent password 1", role=Role.AGENT, now=now)
    session.commit()
    session.close()
    return number


def test_a_report_uploaded_by_the_exe_to_a_live_desk_is_read_by_staff(windows_agent, live_desk):
    number = seed(live_desk)

    result = windows_agent.run(
        "--server", live_desk.config["LIVE_URL"], "--exam-session", "MOCK-W1",
        "--name", "王小明", "--id-number", number, "--admission-number", "ZK20230001",
        "--bandwidth-seconds", "2",
    )  # fmt: skip

    out = result.stdout.decode("utf-8")
    assert result.returncode in (0, 1, 2), out + result.stderr.decode("utf-8", "replace")
    code = re.search(r"报告编号：(D-[0-9A-Z]{4}-[0-9A-Z]{4})", out).group(1)
    assert number not in out
    staff = live_desk.test_client()
    signed_in = staff.post(
        "/staff/signin", data={"username": "agent", "password": "agent password 1"}
    )
    assert signed_in.status_code == 302
    page = staff.get(f"/staff/readiness/reports/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert code in html
    assert "王小明" in html
    assert "windows" in html.lower()
    assert number not in html
