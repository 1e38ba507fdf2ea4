"""The agent's command line: collect facts, judge them, show the checklist, upload or save.

Exit codes: 0 pass, 1 warn, 2 fail, 3 could not run or upload (the report is then saved).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, TextIO

from diagnostics import __version__
from diagnostics.client import ApiError, DeskClient, Unreachable
from diagnostics.console import configure_streams, read_secret
from diagnostics.facts import unknown
from diagnostics.messages import normalize_locale
from diagnostics.probes import collect
from diagnostics.probes.common import run_probe
from diagnostics.profile import default_profile
from diagnostics.report import (
    build_report,
    mask_id_number,
    render_checklist,
    save_report,
    upload_body,
)
from diagnostics.rules import judge
from diagnostics.settings import default_server

EXIT_CODES = {"pass": 0, "warn": 1, "fail": 2}
EXIT_UNAVAILABLE = 3

TEXT = {
    "zh-CN": {
        "name": "姓名：",
        "id_number": "身份证号（输入时显示为 *）：",
        "id_number_read": "已输入身份证号：{masked}",
        "admission_number": "准考证号：",
        "missing_identity": "上传报告需要姓名、身份证号和准考证号（--name、--id-number、--admission-number）。",
        "unreachable": "无法连接服务器（{reason}），改用内置的检测标准，报告保存在本机。",
        "profile_fallback": "无法获取本场考试的检测标准（{reason}），改用内置标准。",
        "refused": "服务器拒绝了请求：{message}",
        "checking": "正在检测电脑，请稍候……",
        "bandwidth": "正在测试网速（约 {seconds:g} 秒）……",
        "uploaded": "报告已上传。报告编号：{code}（在客服平台提问时请提供此编号）",
        "saved": "报告已保存到：{path}",
        "save_failed": "报告无法保存（{reason}），可以用 --save-dir 指定其他文件夹。",
        "upload_later": "联网后可以上传这份报告：{command}",
        "upload_failed": "报告上传失败：{reason}",
        "bad_file": "无法读取报告文件 {path}：{reason}",
        "no_server": "请用 --server 指定服务器地址。",
        "id_mismatch": "输入的身份证号与报告中的（{masked}）不一致。",
        "no_server_note": "没有指定服务器，无法测速和上传；报告只保存在本机。",
        "reason_connection": "连不上服务器，请检查网络是否通畅",
        "reason_timeout": "服务器长时间没有响应",
        "reason_busy": "服务器繁忙，多次重试后仍未成功",
        "reason_invalid": "这个地址不是客服平台的服务器",
        "reason_file": "文件不存在、无法打开或无法写入",
        "reason_not_report": "这不是检测工具保存的报告",
    },
    "en": {
        "name": "Name: ",
        "id_number": "ID number (shown as *): ",
        "id_number_read": "ID number entered: {masked}",
        "admission_number": "Admission number: ",
        "missing_identity": "Uploading needs the name, ID number and admission number (--name, --id-number, --admission-number).",
        "unreachable": "Cannot reach the server ({reason}); judging with the built-in profile and saving the report here.",
        "profile_fallback": "Cannot get this exam's profile ({reason}); using the built-in one.",
        "refused": "The server refused the request: {message}",
        "checking": "Checking this computer, please wait...",
        "bandwidth": "Measuring the connection (about {seconds:g} s)...",
        "uploaded": "Report uploaded. Report code: {code} (quote it when you ask for help)",
        "saved": "Report saved to: {path}",
        "save_failed": "The report could not be saved ({reason}); choose another folder with --save-dir.",
        "upload_later": "Upload it later, when online: {command}",
        "upload_failed": "The report could not be uploaded: {reason}",
        "bad_file": "Cannot read the report file {path}: {reason}",
        "no_server": "Give the server address with --server.",
        "id_mismatch": "The ID number does not match the one in the report ({masked}).",
        "no_server_note": "No server given: no speed test and no upload; the report is only saved here.",
        "reason_connection": "cannot connect; check the network",
        "reason_timeout": "the server did not answer in time",
        "reason_busy": "the server stayed busy after several retries",
        "reason_invalid": "this address is not the support desk",
        "reason_file": "the file does not exist or cannot be opened or written",
        "reason_not_report": "this is not a report the agent saved",
    },
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="helpdesk-agent", description="考试设备检测工具 / exam device check"
    )
    parser.add_argument("--server", help="desk address, e.g. https://desk.example.cn")
    parser.add_argument("--exam-session", help="exam session code (selects the requirements)")
    parser.add_argument("--name", help="candidate name (姓名)")
    parser.add_argument("--id-number", help="resident ID number (身份证号); never saved in full")
    parser.add_argument("--admission-number", help="admission ticket number (准考证号)")
    parser.add_argument("--json", action="store_true", help="print the machine-readable report")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="judge with the built-in profile and save the report to a file",
    )
    parser.add_argument("--no-bandwidth", action="store_true", help="skip the speed test")
    parser.add_argument(
        "--bandwidth-seconds",
        type=float,
        default=8.0,
        help="total time of the speed test (default 8)",
    )
    parser.add_argument("--upload", metavar="FILE", help="upload a report saved earlier")
    parser.add_argument("--save-dir", help="where to save reports (default: Desktop, else home)")
    parser.add_argument("--lang", default="zh-CN", help="zh-CN (default) or en")
    parser.add_argument("--version", action="version", version=__version__)
    return parser.parse_args(argv)


class Agent:
    """One run of the agent; collaborators are arguments so tests can replace them."""

    def __init__(
        self,
        args: argparse.Namespace,
        out: TextIO,
        stdin: TextIO,
        collect_facts: Callable[[dict[str, Any]], dict[str, Any]] = collect,
        client_factory: Callable[..., DeskClient] = DeskClient,
        measure: Callable[..., dict[str, Any]] | None = None,
        secret_reader: Callable[[str, TextIO, TextIO], str] = read_secret,
    ) -> None:
        self.args, self.stdin = args, stdin
        self.locale = normalize_locale(args.lang)
        self.text = TEXT[self.locale]
        # With --json, stdout carries only the report; people read stderr.
        self.human = sys.stderr if args.json else out
        self.out = out
        self.collect_facts, self.client_factory = collect_facts, client_factory
        self.measure = measure
        self.secret_reader = secret_reader

    def say(self, key: str, **values: Any) -> None:
        print(self.text[key].format(**values), file=self.human)

    def why(self, exc: Exception) -> str:
        """Why a request or a file failed, in the candidate's language (details in English)."""
        if isinstance(exc, ApiError):
            return exc.describe()
        if isinstance(exc, Unreachable):
            reason = self.text.get("reason_" + exc.kind, self.text["reason_connection"])
        else:
            reason = self.text["reason_file" if isinstance(exc, OSError) else "reason_not_report"]
        return "%s: %s" % (reason, exc) if self.locale == "en" else reason

    # --- identity ---------------------------------------------------------------------------

    def _ask(self, key: str, value: str | None, secret: bool = False) -> str | None:
        if value or not (self.stdin and self.stdin.isatty()):
            return value.strip() if value else value
        if secret:  # the ID number: masked or not echoed, then shown masked
            answer = self.secret_reader(self.text[key], self.stdin, self.human).strip()
            if answer:
                self.say("id_number_read", masked=mask_id_number(answer.replace(" ", "")))
            return answer or None
        print(self.text[key], end="", file=self.human, flush=True)
        answer = self.stdin.readline().strip()
        return answer or None

    def identity(self, saved: dict[str, str] | None = None) -> dict[str, str] | None:
        saved = saved or {}
        name = self._ask("name", self.args.name or saved.get("name"))
        id_number = self._ask("id_number", self.args.id_number, secret=True)
        admission = self._ask(
            "admission_number", self.args.admission_number or saved.get("admission_number")
        )
        if not (name and id_number and admission):
            return None
        return {
            "name": name,
            "id_number": id_number.replace(" ", "").upper(),
            "admission_number": admission,
        }

    def given_identity(self) -> dict[str, str] | None:
        """The identity from the options, without asking: saved with an offline report."""
        args = self.args
        if not (args.name and args.id_number and args.admission_number):
            return None
        return {
            "name": args.name.strip(),
            "id_number": args.id_number.replace(" ", "").upper(),
            "admission_number": args.admission_number.strip(),
        }

    @staticmethod
    def public(identity: dict[str, str] | None) -> dict[str, str]:
        if not identity:
            return {}
        return {
            "name": identity["name"],
            "admission_number": identity["admission_number"],
            "id_number_masked": mask_id_number(identity["id_number"]),
        }

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> int:
        if self.args.upload:
            return self.upload_saved(self.args.upload)
        server = self.args.server or (None if self.args.offline else default_server())
        client = self.client_factory(server, locale=self.locale) if server else None
        # The desk this run talks to: none offline or without a server, none once unreachable.
        desk = None if self.args.offline else client
        identity, token, profile = None, None, default_profile()
        if desk is not None:
            identity = self.identity()
            if identity is None:
                self.say("missing_identity")
                return EXIT_UNAVAILABLE
            try:
                token = desk.candidate_token(**identity)
            except ApiError as exc:
                self.say("refused", message=exc.describe())
                return EXIT_UNAVAILABLE
            except Unreachable as exc:
                self.say("unreachable", reason=self.why(exc))
                desk = None
        if desk is not None:
            try:
                profile = desk.profile(self.args.exam_session)
            except (ApiError, Unreachable) as exc:
                self.say("profile_fallback", reason=self.why(exc))
        else:
            identity = self.given_identity()
            if not server:
                self.say("no_server_note")
        self.say("checking")
        facts = self.collect_facts(profile)
        facts["bandwidth"] = self.bandwidth(server)
        judged = judge(facts, profile, self.locale)
        report = build_report(
            facts, profile, judged, self.public(identity), self.args.exam_session, server
        )
        status = EXIT_CODES[judged["verdict"]]
        if desk is not None:
            status = self.upload(desk, token, report)
        else:
            report["saved_to"] = self.save(report)
            status = EXIT_UNAVAILABLE if server and not self.args.offline else status
        return self.finish(report, status)

    def bandwidth(self, server: str | None) -> dict[str, Any]:
        if self.args.no_bandwidth:
            return unknown("skipped (--no-bandwidth)")
        if not server:
            return unknown("no server to measure against")
        self.say("bandwidth", seconds=self.args.bandwidth_seconds)
        measure = self.measure
        if measure is None:
            from diagnostics.bandwidth import measure as measure_bandwidth

            measure = self.measure = measure_bandwidth
        seconds = self.args.bandwidth_seconds
        fact: dict[str, Any] = run_probe(lambda: measure(server, seconds=seconds))
        return fact

    def upload(self, client: DeskClient, token: str | None, report: dict[str, Any]) -> int:
        """Upload; on success show the desk's judgement, on failure save the report."""
        try:
            answer = client.submit_report(token or "", upload_body(report))
        except (ApiError, Unreachable) as exc:
            self.say("upload_failed", reason=self.why(exc))
            report["saved_to"] = self.save(report)
            return EXIT_UNAVAILABLE
        report["report_code"] = answer.get("report_code")
        if answer.get("verdict") in EXIT_CODES and isinstance(answer.get("checks"), list):
            report["verdict"], report["checks"] = answer["verdict"], answer["checks"]
        return EXIT_CODES[report["verdict"]]

    def save(self, report: dict[str, Any]) -> str | None:
        try:
            path = save_report(report, self.args.save_dir)
        except OSError as exc:  # a full disk or a read-only folder: the checklist still shows
            self.say("save_failed", reason=self.why(exc))
            return None
        self.say("saved", path=path)
        command = '%s --upload "%s"' % (self_command(), path)
        if report.get("server"):
            command += " --server %s" % report["server"]
        self.say("upload_later", command=command)
        return path

    def finish(self, report: dict[str, Any], status: int) -> int:
        print("", file=self.human)
        print(render_checklist(report["checks"], report["verdict"], self.locale), file=self.human)
        if report.get("report_code"):
            self.say("uploaded", code=report["report_code"])
        if self.args.json:
            json.dump(report, self.out, ensure_ascii=False, indent=2)
            print("", file=self.out)
        return status

    def upload_saved(self, path: str) -> int:
        """Upload a report saved earlier (offline, or after a failed upload)."""
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
            if not isinstance(report, dict) or not isinstance(report.get("facts"), dict):
                raise ValueError("not an agent report")
        except (OSError, ValueError) as exc:
            self.say("bad_file", path=path, reason=self.why(exc))
            return EXIT_UNAVAILABLE
        server = self.args.server or report.get("server") or default_server()
        if not server:
            self.say("no_server")
            return EXIT_UNAVAILABLE
        saved = report.get("candidate")
        saved = saved if isinstance(saved, dict) else {}
        identity = self.identity(saved)
        if identity is None:
            self.say("missing_identity")
            return EXIT_UNAVAILABLE
        masked = saved.get("id_number_masked")
        if masked and masked != mask_id_number(identity["id_number"]):
            self.say("id_mismatch", masked=masked)
            return EXIT_UNAVAILABLE
        client = self.client_factory(server, locale=self.locale)
        try:
            token = client.candidate_token(**identity)
        except (ApiError, Unreachable) as exc:
            self.say("upload_failed", reason=self.why(exc))
            return EXIT_UNAVAILABLE
        report["candidate"], report["server"] = self.public(identity), server
        report.setdefault("checks", [])
        report.setdefault("verdict", "warn")
        try:
            answer = client.submit_report(token, upload_body(report))
        except (ApiError, Unreachable) as exc:
            self.say("upload_failed", reason=self.why(exc))
            return EXIT_UNAVAILABLE
        report["report_code"] = answer.get("report_code")
        if answer.get("verdict") in EXIT_CODES and isinstance(answer.get("checks"), list):
            report["verdict"], report["checks"] = answer["verdict"], answer["checks"]
        return self.finish(report, EXIT_CODES.get(report["verdict"], 1))


def self_command() -> str:
    """How to start this very agent again: the exe's path, the zipapp, or the package."""
    if getattr(sys, "frozen", False):
        return '"%s"' % sys.executable
    program = sys.argv[0] if sys.argv else ""
    if program.endswith(".pyz"):
        return 'python "%s"' % program
    return "python -m diagnostics"


def main(argv: list[str] | None = None, **collaborators: Any) -> int:
    """Run the agent; return 0 pass, 1 warn, 2 fail, 3 could not run or upload."""
    configure_streams()  # before argparse: --help prints Chinese, on any code page
    args = parse_args(sys.argv[1:] if argv is None else argv)
    agent = Agent(args, out=sys.stdout, stdin=sys.stdin, **collaborators)
    try:
        return agent.run()
    except KeyboardInterrupt:
        return EXIT_UNAVAILABLE


def run_zipapp() -> None:
    """Entry point of the zipapp and the PyInstaller executable."""
    sys.exit(main(sys.argv[1:]))
