"""The agent end to end checks this Linux machine, uploads to a fake desk over loopback (retrying,
never showing the full ID number) and saves the report whenever it cannot upload."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from fake_identity import (
    EXIT,
    ID_NUMBER,
    IDENTITY,
    OTHER_ID_NUMBER,
    api_requests,
    no_wait_client,
)

from diagnostics.cli import main
from diagnostics.client import ApiError, DeskClient, Unreachable, retry_after
from diagnostics.facts import FACT_KEYS
from diagnostics.probes import platform_family
from diagnostics.profile import default_profile
from diagnostics.report import save_report


def test_the_agent_runs_offline_on_this_machine_and_saves_its_report(tmp_path, capsys):
    code = main(["--offline", "--json", "--no-bandwidth", "--save-dir", str(tmp_path)])

    out = capsys.readouterr()
    report = json.loads(out.out)
    assert code == {"pass": 0, "warn": 1, "fail": 2}[report["verdict"]]
    if sys.platform.startswith("linux"):
        assert code == 2
        assert "✘ 操作系统" in out.err
    assert set(report["facts"]) == set(FACT_KEYS)
    assert report["facts"]["os"]["family"] == platform_family()
    assert report["facts"]["bandwidth"] == {"unknown": "skipped (--no-bandwidth)"}
    assert report["collected_at"][-6] in "+-"
    assert report["collected_at"][-3] == ":"
    saved = json.loads(Path(report["saved_to"]).read_text(encoding="utf-8"))
    assert saved["facts"] == report["facts"]
    assert os.path.dirname(report["saved_to"]) == str(tmp_path)
    assert "操作系统" in out.err
    assert "检测结果" in out.err


def test_the_checklist_goes_to_stdout_without_json(tmp_path, capsys):
    main(["--offline", "--no-bandwidth", "--save-dir", str(tmp_path)])

    out = capsys.readouterr().out
    assert "操作系统" in out
    assert "检测结果" in out
    assert "报告已保存到" in out


def test_a_report_is_uploaded_with_a_token_and_the_report_code_shown(fake_desk, tmp_path, capsys):
    fake_desk.profile = dict(default_profile(), version="mock-2023-01-04")

    code = main(
        [
            "--server",
            fake_desk.url,
            "--exam-session",
            "MOCK-0104",
            "--json",
            "--no-bandwidth",
            "--save-dir",
            str(tmp_path),
            *IDENTITY,
        ]
    )

    out = capsys.readouterr()
    report = json.loads(out.out)
    token_call, profile_call, report_call = api_requests(fake_desk)
    assert token_call["body"] == {
        "name": "张三",
        "id_number": ID_NUMBER,
        "admission_number": "2023010400123",
    }
    assert profile_call["path"] == "/api/v1/diagnostics/profile?exam_session=MOCK-0104"
    assert report_call["headers"]["Authorization"] == "Bearer tok-123"
    assert set(report_call["body"]) == {
        "agent_version",
        "profile_version",
        "platform",
        "collected_at",
        "facts",
    }
    assert report_call["body"]["profile_version"] == "mock-2023-01-04"
    assert report["report_code"] == "R-7Q4K2M"
    assert "R-7Q4K2M" in out.err
    assert code == EXIT[report["verdict"]]
    assert list(tmp_path.iterdir()) == []


def test_the_full_id_number_is_never_printed_or_saved(fake_desk, tmp_path, capsys):
    fake_desk.report_failures = [(422, None)]

    main(
        [
            "--server",
            fake_desk.url,
            "--json",
            "--no-bandwidth",
            "--save-dir",
            str(tmp_path),
            *IDENTITY,
        ]
    )

    out = capsys.readouterr()
    saved = [p.read_text(encoding="utf-8") for p in tmp_path.iterdir()]
    assert saved
    assert f"110105********{ID_NUMBER[-4:]}" in saved[0]
    assert ID_NUMBER not in out.out + out.err + "".join(saved)


def test_the_agent_measures_bandwidth_over_loopback_and_uploads(fake_desk, tmp_path, capsys):
    code = main(
        [
            "--server",
            fake_desk.url,
            "--json",
            "--bandwidth-seconds",
            "1",
            "--save-dir",
            str(tmp_path),
            *IDENTITY,
        ]
    )

    report = json.loads(capsys.readouterr().out)
    assert report["facts"]["bandwidth"]["download_mbps_p10"] > 4
    assert report["facts"]["bandwidth"]["upload_mbps_p10"] > 4
    assert code == EXIT[report["verdict"]]


def test_uploads_are_retried_on_503_and_429_honouring_retry_after(fake_desk):
    fake_desk.report_failures = [(503, "2"), (429, None), (503, "120")]
    sleeps = []
    client = DeskClient(fake_desk.url, sleep=sleeps.append, base_delay=0.5, max_delay=30)

    answer = client.submit_report("tok-123", {"facts": {}})

    posts = [r for r in fake_desk.requests if r["path"] == "/api/v1/diagnostics/reports"]
    assert answer["report_code"] == "R-7Q4K2M"
    assert sleeps == [2.0, 1.0, 30]  # Retry-After, then backoff, then capped
    assert len({p["headers"]["Idempotency-Key"] for p in posts}) == 1


def test_a_client_error_is_not_retried_and_its_message_is_shown(fake_desk):
    fake_desk.report_failures = [(422, None)]
    sleeps = []

    with pytest.raises(ApiError) as error:
        DeskClient(fake_desk.url, sleep=sleeps.append).submit_report("tok", {"facts": {}})

    assert error.value.status == 422
    assert error.value.message == "服务器繁忙"
    assert sleeps == []


def test_a_desk_that_stays_unavailable_gives_up_after_backing_off(fake_desk):
    fake_desk.report_failures = [(503, None)] * 5
    sleeps = []

    with pytest.raises(Unreachable):
        DeskClient(fake_desk.url, sleep=sleeps.append, attempts=4).submit_report("t", {})

    assert sleeps == [1.0, 2.0, 4.0]


def test_when_the_upload_fails_the_report_is_saved_with_how_to_upload_it(
    fake_desk, tmp_path, capsys
):
    fake_desk.report_failures = [(503, None)] * 5
    sleeps = []

    code = main(
        ["--server", fake_desk.url, "--no-bandwidth", "--save-dir", str(tmp_path), *IDENTITY],
        client_factory=no_wait_client(sleeps),
    )

    out = capsys.readouterr().out
    assert code == 3
    assert len(list(tmp_path.iterdir())) == 1
    assert "--upload" in out
    assert "报告上传失败" in out


def test_an_unreachable_desk_falls_back_to_the_built_in_profile_and_saves(tmp_path, capsys):
    sleeps = []

    code = main(
        [
            "--server",
            "http://127.0.0.1:9",
            "--no-bandwidth",
            "--save-dir",
            str(tmp_path),
            *IDENTITY,
        ],
        client_factory=no_wait_client(sleeps),
    )

    out = capsys.readouterr().out
    assert code == 3
    assert "无法连接服务器（连不上服务器，请检查网络是否通畅）" in out
    assert "Error" not in out
    assert len(list(tmp_path.iterdir())) == 1
    assert len(sleeps) == 4


def test_an_identity_mismatch_stops_with_the_desks_message(fake_desk, tmp_path, capsys):
    fake_desk.token_status = 401

    code = main(
        ["--server", fake_desk.url, "--no-bandwidth", "--save-dir", str(tmp_path), *IDENTITY]
    )

    assert code == 3
    assert "姓名、身份证号或准考证号不正确" in capsys.readouterr().out


def test_an_offline_report_can_be_uploaded_later(fake_desk, tmp_path, capsys):
    main(["--offline", "--no-bandwidth", "--save-dir", str(tmp_path), *IDENTITY])
    saved = next(tmp_path.iterdir())
    capsys.readouterr()

    code = main(["--upload", str(saved), "--server", fake_desk.url, "--id-number", ID_NUMBER])

    out = capsys.readouterr().out
    posted = [r for r in fake_desk.requests if r["path"] == "/api/v1/diagnostics/reports"]
    assert code in (0, 1, 2)
    assert "R-7Q4K2M" in out
    assert posted[0]["body"]["facts"] == json.loads(saved.read_text(encoding="utf-8"))["facts"]
    assert api_requests(fake_desk)[0]["body"]["name"] == "张三"


def test_uploading_a_report_with_someone_elses_id_number_is_refused(fake_desk, tmp_path, capsys):
    main(["--offline", "--no-bandwidth", "--save-dir", str(tmp_path), *IDENTITY])
    saved = next(tmp_path.iterdir())

    code = main(["--upload", str(saved), "--server", fake_desk.url, "--id-number", OTHER_ID_NUMBER])

    assert code == 3
    assert fake_desk.requests == []


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_a_report_that_cannot_be_saved_still_shows_the_checklist(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")

    code = main(["--offline", "--no-bandwidth", "--save-dir", str(not_a_folder)])

    out = capsys.readouterr().out
    assert code in (0, 1, 2)
    assert "报告无法保存（文件不存在、无法打开或无法写入）" in out
    assert "检测结果" in out


def test_a_folder_that_cannot_name_a_file_in_chinese_gets_an_ascii_name(tmp_path, monkeypatch):
    real_open = open

    def ascii_only_open(path, *args, **kwargs):
        if not str(path).isascii():
            raise UnicodeEncodeError("ascii", str(path), 0, 1, "no Chinese file names here")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", ascii_only_open)

    path = save_report({"facts": {}}, str(tmp_path))

    assert os.path.basename(path).startswith("device-report-")
    assert json.loads(Path(path).read_text(encoding="utf-8")) == {"facts": {}}


@pytest.mark.parametrize(
    ("frozen", "argv0", "expected"),
    [
        (True, "helpdesk-agent.exe", '"C:\\Downloads\\helpdesk-agent.exe" --upload'),
        (False, "/tmp/helpdesk-agent.pyz", 'python "/tmp/helpdesk-agent.pyz" --upload'),
        (False, "-m", "python -m diagnostics --upload"),
    ],
)
def test_the_upload_later_command_names_the_program_that_ran(
    frozen, argv0, expected, tmp_path, monkeypatch, capsys
):
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(sys, "executable", "C:\\Downloads\\helpdesk-agent.exe")
    monkeypatch.setattr(sys, "argv", [argv0])

    main(["--offline", "--no-bandwidth", "--save-dir", str(tmp_path)])

    assert expected in capsys.readouterr().out
