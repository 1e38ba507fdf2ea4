"""The agent at a candidate's console: identity asked for when missing, the ID number typed
as asterisks or without echo, and output that survives any Windows code page."""

from __future__ import annotations

import io
import json
import sys

import pytest
from fake_identity import EXIT, ID_NUMBER, api_requests

from diagnostics import console
from diagnostics.cli import main
from diagnostics.console import BACKSPACE, configure_streams, read_masked
from diagnostics.report import mask_id_number


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
