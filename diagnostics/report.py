"""The report: what is uploaded, what is saved offline, and the checklist the candidate reads."""

from __future__ import annotations

import datetime
import json
import os
import sys
from typing import Any

from diagnostics import __version__
from diagnostics.probes import platform_family

UPLOAD_FIELDS = ("agent_version", "profile_version", "platform", "collected_at", "facts")
SYMBOLS = {"pass": "✔", "warn": "⚠", "fail": "✘", "unknown": "?"}
#: The checklist's words; "verdicts" holds one sentence per verdict.
WORDS: dict[str, dict[str, Any]] = {
    "zh-CN": {
        "pass": "通过",
        "warn": "注意",
        "fail": "不通过",
        "unknown": "无法检查",
        "fix": "解决办法",
        "verdict": "检测结果",
        "verdicts": {
            "pass": "全部通过，可以参加考试。",
            "warn": "基本可用，请按提示处理标 ⚠ 和 ? 的项目。",
            "fail": "不符合考试要求，请按提示处理标 ✘ 的项目后重新检测。",
        },
    },
    "en": {
        "pass": "pass",
        "warn": "warning",
        "fail": "fail",
        "unknown": "not checked",
        "fix": "How to fix",
        "verdict": "Result",
        "verdicts": {
            "pass": "Everything passed; this computer is ready for the exam.",
            "warn": "Usable; please look at the items marked ⚠ and ?.",
            "fail": "Not ready for the exam; fix the items marked ✘ and check again.",
        },
    },
}


def mask_id_number(id_number: str) -> str:
    """First 6 and last 4 characters, the rest as asterisks (everything masked if too short)."""
    id_number = id_number.strip()
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def collected_at(now: datetime.datetime | None = None) -> str:
    """RFC 3339 timestamp with the local offset."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.astimezone().isoformat(timespec="seconds")


def build_report(
    facts: dict[str, Any],
    profile: dict[str, Any],
    judged: dict[str, Any],
    candidate: dict[str, str] | None = None,
    exam_session: str | None = None,
    server: str | None = None,
) -> dict[str, Any]:
    """The full report: the upload body plus the local verdict and the (masked) candidate."""
    return {
        "agent_version": __version__,
        "profile_version": str(profile.get("version", "unknown")),
        "platform": platform_family(),
        "collected_at": collected_at(),
        "facts": facts,
        "verdict": judged["verdict"],
        "checks": judged["checks"],
        "candidate": candidate or {},
        "exam_session": exam_session,
        "server": server,
    }


def upload_body(report: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the API defines; the desk judges the facts itself."""
    return {key: report.get(key) for key in UPLOAD_FIELDS}


def desktop_dir(home: str | None = None) -> str:
    """The Desktop if there is one (Windows, also under OneDrive), else the home directory."""
    home = home or os.path.expanduser("~")
    candidates = [
        os.path.join(home, "Desktop"),
        os.path.join(home, "OneDrive", "Desktop"),
        os.path.join(home, "桌面"),
    ]
    if sys.platform.startswith("win"):
        candidates.insert(0, os.path.join(os.environ.get("USERPROFILE", home), "Desktop"))
    for candidate in candidates:
        if os.path.isdir(candidate):
            return candidate
    return home


def save_report(report: dict[str, Any], directory: str | None = None) -> str:
    """Write the report as JSON where the candidate can find it; return the path."""
    directory = directory or desktop_dir()
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        return _write(os.path.join(directory, "设备检测报告-%s.json" % stamp), report)
    except (OSError, UnicodeEncodeError):
        # A file system that cannot name a file in Chinese still gets the report.
        return _write(os.path.join(directory, "device-report-%s.json" % stamp), report)


def _write(path: str, report: dict[str, Any]) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, ensure_ascii=False, indent=2)
    return path


def render_checklist(checks: list[dict[str, Any]], verdict: str, locale: str = "zh-CN") -> str:
    """The checklist the candidate reads: one line per check, the fix under each problem."""
    words = WORDS["en" if locale == "en" else "zh-CN"]
    lines = []
    for check in checks:
        status = str(check.get("status"))
        status = status if status in SYMBOLS else "unknown"
        lines.append(
            "%s %s [%s] %s"
            % (
                SYMBOLS[status],
                check.get("title", check.get("id")),
                words[status],
                check.get("message", ""),
            )
        )
        if status != "pass" and check.get("fix"):
            lines.append(
                "    %s：%s" % (words["fix"], check["fix"])
                if locale != "en"
                else "    %s: %s" % (words["fix"], check["fix"])
            )
    verdict = verdict if verdict in words["verdicts"] else "warn"
    lines.append("")
    lines.append(
        "%s %s：%s" % (SYMBOLS.get(verdict, "?"), words["verdict"], words["verdicts"][verdict])
        if locale != "en"
        else "%s %s: %s" % (SYMBOLS.get(verdict, "?"), words["verdict"], words["verdicts"][verdict])
    )
    return "\n".join(lines)
