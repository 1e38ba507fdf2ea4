"""The agent end to end checks this Linux machine, uploads to a fake desk over loopback (retrying,
never showing the full ID number) and saves the report whenever it cannot upload."""

from __future__ import annotations

import functools
import io
import json
import os
import sys
from pathlib import Path

import pytest

from diagnostics import console
from diagnostics.cli import main
from diagnostics.client import ApiError, DeskClient, Unreachable, retry_after
from diagnostics.console import BACKSPACE, configure_streams, read_masked
from diagnostics.facts import FACT_KEYS
from diagnostics.probes import platform_family
from diagnostics.profile import default_profile
from diagnostics.report import mask_id_number, save_report


def fictitious_id_number(first17: str) -> str:
    """A made-up number with a valid GB 11643 check character: no real one lives in code."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights))  # noqa: B905 - runs on 3.8
    return first17 + "10X98765432"[total % 11]


ID_NUMBER = fictitious_id_number("11010519491231" + "002")
OTHER_ID_NUMBER = fictitious_id_number("11010519491231" + "003")
EXIT = {"pass": 0, "warn": 1, "fail": 2}
IDENTITY = ["--name", "张三", "--id-number", ID_NUMBER, "--admission-number", "2023010400123"]


def no_wait_client(sleeps):
    """A DeskClient factory that records backoff instead of sleeping."""
    return functools.partial(DeskClient, sleep=sleeps.append)


def api_requests(desk):
    return [r for r in desk.requests if "/speedtest/" not in r["path"]]


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


def test_missing_identity_is_asked_for_when_stdin_is_a_terminal(
    fake_desk, tmp_path, monkeypatch, capsys
):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal(f"李四\n{ID_NUMBER}\nA-0002\n"))

    code = main(["--server", fake_desk.url, "--no-bandwidth", "--save-dir", str(tmp_path)])

    assert code in (0, 1, 2)
    assert api_requests(fake_desk)[0]["body"] == {
        "name": "李四",
        "id_number": ID_NUMBER,
        "admission_number": "A-0002",
    }
    out = capsys.readouterr().out
    assert "身份证号（输入时显示为 *）：" in out
    assert ID_NUMBER not in out
    assert "已输入身份证号：" + mask_id_number(ID_NUMBER) in out


def test_the_id_number_typed_on_the_windows_console_shows_only_asterisks():
    keys = iter([*ID_NUMBER[:5], "x", BACKSPACE, "\xe0", "K", *ID_NUMBER[5:], "\r"])
    out = io.StringIO()

    typed = read_masked("身份证号：", out, lambda: next(keys))

    assert typed == ID_NUMBER
    assert out.getvalue() == "身份证号：" + "*" * 6 + "\b \b" + "*" * 13 + "\n"


def test_ctrl_c_while_typing_the_id_number_stops_the_agent():
    keys = iter(["1", "\x03"])

    with pytest.raises(KeyboardInterrupt):
        read_masked("身份证号：", io.StringIO(), lambda: next(keys))


def test_on_a_posix_terminal_the_id_number_is_read_without_echo(monkeypatch):
    asked = []
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(console, "_isatty", lambda stream: True)
    monkeypatch.setattr(
        console.getpass, "getpass", lambda prompt, stream: asked.append(prompt) or "1"
    )

    assert console.read_secret("身份证号：", sys.__stdin__, io.StringIO()) == "1"
    assert asked == ["身份证号："]


def redirected(encoding):
    """A stdout or stderr redirected to a file, in a Windows ANSI code page."""
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)


@pytest.mark.parametrize("code_page", ["cp936", "cp1252", "ascii"])
def test_help_redirected_on_any_code_page_is_utf8_and_never_crashes(code_page, monkeypatch):
    stdout, stderr = redirected(code_page), redirected(code_page)
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", stderr)

    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    assert exited.value.code == 0
    assert "考试设备检测工具" in stdout.buffer.getvalue().decode("utf-8")


@pytest.mark.parametrize("code_page", ["cp936", "cp1252"])
def test_the_json_report_redirected_on_a_windows_code_page_is_utf8(
    code_page, tmp_path, monkeypatch
):
    stdout, stderr = redirected(code_page), redirected(code_page)
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", stderr)

    code = main(["--offline", "--json", "--no-bandwidth", "--save-dir", str(tmp_path)])

    report = json.loads(stdout.buffer.getvalue().decode("utf-8"))
    assert code == EXIT[report["verdict"]]
    assert report["checks"][0]["title"] == "操作系统"
    assert "检测结果" in stderr.buffer.getvalue().decode("utf-8")


def test_a_console_keeps_its_encoding_and_replaces_what_it_cannot_show():
    class Console(io.TextIOWrapper):
        def isatty(self):
            return True

    stream = Console(io.BytesIO(), encoding="cp936", write_through=True)

    configure_streams((stream,))
    stream.write("✔ 操作系统")

    assert stream.buffer.getvalue().decode("cp936") == "? 操作系统"


def test_missing_identity_without_a_terminal_is_an_error(fake_desk, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    code = main(["--server", fake_desk.url, "--no-bandwidth", "--save-dir", str(tmp_path)])

    assert code == 3
    assert fake_desk.requests == []


def test_id_numbers_are_masked_as_first_six_and_last_four():
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("12345") == "*****"


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
