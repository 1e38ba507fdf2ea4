"""The rules judge every requirement of the default profile at its threshold, make missing or
hostile facts unknown instead of failing, and word each check in Chinese and English."""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import pytest

import diagnostics
from diagnostics import reasons
from diagnostics.profile import DEFAULT_PROFILE, default_profile
from diagnostics.rules import judge
from diagnostics.samples import READY_PC

GIB = 1024**3


def facts_with(**changes):
    facts = copy.deepcopy(READY_PC)
    for key, value in changes.items():
        if value is None:
            facts.pop(key)
        elif (
            isinstance(value, dict) and isinstance(facts.get(key), dict) and "unknown" not in value
        ):
            facts[key].update(value)
        else:
            facts[key] = value
    return facts


def status_of(result, check_id):
    return next(check["status"] for check in result["checks"] if check["id"] == check_id)


def test_a_machine_meeting_every_requirement_passes():
    result = judge(READY_PC, DEFAULT_PROFILE)

    assert result["verdict"] == "pass"
    assert {check["status"] for check in result["checks"]} == {"pass"}
    assert all(
        set(check) == {"id", "status", "title", "message", "fix"} for check in result["checks"]
    )


CASES = [
    # (check id, fact changes, expected status)
    ("os", {"os": {"version": "7", "build": 7601, "name": "Windows 7 Ultimate"}}, "pass"),
    ("os", {"os": {"version": "10", "build": 21999}}, "pass"),
    ("os", {"os": {"version": "11", "build": 22000, "name": "Windows 11 Pro"}}, "warn"),
    ("os", {"os": {"version": "8.1", "build": 9600}}, "fail"),
    ("os", {"os": {"family": "macos", "version": "13.1", "build": None}}, "fail"),
    ("os", {"os": {"family": "linux", "version": "12", "build": None}}, "fail"),
    ("dual_boot", {"dual_boot": {"detected": True, "entries": ["Windows 10", "Ubuntu"]}}, "fail"),
    (
        "memory",
        {"memory": {"installed_bytes": 4 * GIB, "total_bytes": 4 * GIB - 200 * 2**20}},
        "pass",
    ),
    ("memory", {"memory": {"installed_bytes": 4 * GIB - 1, "total_bytes": 4 * GIB - 1}}, "fail"),
    ("memory", {"memory": {"installed_bytes": 4 * GIB + 1}}, "pass"),
    ("memory", {"memory": {"available_bytes": 2 * GIB}}, "pass"),
    ("memory", {"memory": {"available_bytes": 2 * GIB - 1}}, "fail"),
    ("memory", {"memory": {"available_bytes": 2 * GIB + 1}}, "pass"),
    # Without the installed size, usable memory a little under 4 GB is a 4 GB machine.
    ("memory", {"memory": {"installed_bytes": {"unknown": "x"}, "total_bytes": 3.6 * GIB}}, "pass"),
    ("memory", {"memory": {"installed_bytes": {"unknown": "x"}, "total_bytes": 3.4 * GIB}}, "fail"),
    ("system_disk", {"system_disk": {"free_bytes": 20 * GIB}}, "pass"),
    ("system_disk", {"system_disk": {"free_bytes": 20 * GIB - 1}}, "fail"),
    ("system_disk", {"system_disk": {"free_bytes": 20 * GIB + 1}}, "pass"),
    ("camera", {"cameras": {"count": 0, "names": []}}, "fail"),
    ("camera", {"cameras": {"count": 2, "names": ["USB 视频设备", "Integrated Camera"]}}, "pass"),
    ("camera", {"cameras": {"count": 1, "names": ["OBS Virtual Camera"]}}, "fail"),
    ("microphone", {"microphones": {"count": 0, "names": []}}, "fail"),
    (
        "security_software",
        {
            "security_software": {
                "matches": [
                    {"product": "360安全卫士", "source": "process", "detail": "360Tray.exe"}
                ]
            }
        },
        "fail",
    ),
    (
        "security_software",
        {
            "security_software": {
                "matches": [{"product": "Some Other AV", "source": "process", "detail": "x.exe"}]
            }
        },
        "pass",
    ),
    ("auto_updates", {"auto_updates": {"enabled": True}}, "fail"),
    ("power", {"power": {"ac_sleep_seconds": 1800}}, "warn"),
    ("power", {"power": {"ac_display_seconds": 60}}, "warn"),
    ("power", {"power": {"ac_sleep_seconds": {"unknown": "x"}}}, "unknown"),
    ("displays", {"displays": {"count": 2}}, "fail"),
    ("displays", {"displays": {"count": 0}}, "unknown"),
    ("battery", {"battery": {"present": False, "percent": None}}, "warn"),
    (
        "network",
        {"network": {"hotspot": True, "hotspot_reason": "iPhone 热点网关 172.20.10.1"}},
        "warn",
    ),
    ("network", {"network": {"type": "cellular"}}, "warn"),
    ("network", {"network": {"type": "ethernet"}}, "pass"),
    ("bandwidth", {"bandwidth": {"download_mbps_p10": 4.0, "upload_mbps_p10": 4.0}}, "pass"),
    ("bandwidth", {"bandwidth": {"download_mbps_p10": 3.99}}, "fail"),
    ("bandwidth", {"bandwidth": {"upload_mbps_p10": 3.99}}, "fail"),
    ("bandwidth", {"bandwidth": {"download_mbps_p10": 4.01, "upload_mbps_p10": 4.01}}, "pass"),
    ("bandwidth", {"bandwidth": {"unknown": "skipped (--no-bandwidth)"}}, "unknown"),
    ("virtual_camera", {"virtual_cameras": {"names": ["ManyCam Virtual Webcam"]}}, "warn"),
    (
        "virtual_camera",
        {"cameras": {"count": 2, "names": ["Integrated Camera", "e2eSoft VCam"]}},
        "warn",
    ),
    ("virtual_machine", {"virtual_machine": {"detected": True, "evidence": ["VMware"]}}, "warn"),
]


@pytest.mark.parametrize(
    ("check_id", "changes", "expected"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_each_requirement_is_judged_at_and_around_its_threshold(check_id, changes, expected):
    result = judge(facts_with(**changes), DEFAULT_PROFILE)

    assert status_of(result, check_id) == expected


def test_a_machine_with_360_installed_fails_with_the_product_named_in_the_fix():
    facts = facts_with(
        security_software={
            "matches": [{"product": "360安全卫士", "source": "registry", "detail": "360安全卫士"}]
        }
    )

    result = judge(facts, DEFAULT_PROFILE)

    check = next(c for c in result["checks"] if c["id"] == "security_software")
    assert result["verdict"] == "fail"
    assert "360安全卫士" in check["message"]
    assert "360安全卫士" in check["fix"]


@pytest.mark.parametrize("fact", sorted(READY_PC))
def test_a_missing_fact_makes_its_check_unknown_and_the_verdict_warn(fact):
    result = judge(facts_with(**{fact: None}), DEFAULT_PROFILE)

    unknown = [c for c in result["checks"] if c["status"] == "unknown"]
    assert unknown
    assert all(c["fix"] for c in unknown)
    assert result["verdict"] == "warn"


def test_an_unknown_fact_is_unknown_never_fail():
    facts = {key: {"unknown": "AccessDenied"} for key in READY_PC}

    result = judge(facts, DEFAULT_PROFILE)
    english = judge(facts, DEFAULT_PROFILE, "en")

    assert {c["status"] for c in result["checks"]} == {"unknown"}
    assert result["verdict"] == "warn"
    assert result["checks"][0]["message"] == "无法自动检查此项（读取时出错）。"
    assert "AccessDenied" in english["checks"][0]["message"]


#: Words a Chinese text may carry: product names and units, never a sentence fragment.
PROPER_NAMES = (
    "PowerShell",
    "Windows Update",
    "Windows",
    "Wi-Fi",
    "USB",
    "iPhone",
    "Android",
    "Mbps",
    "GB",
    "C 盘",
    "McAfee",
)


def latin_words(text):
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return re.findall("[A-Za-z]+", text)


def recorded_reasons():
    """Every reason literal the agent records: unknown("...") and Unavailable("...")."""
    found = set()
    for path in Path(diagnostics.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None))
                in ("unknown", "Unavailable")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_every_reason_the_agent_records_is_translated():
    recorded = recorded_reasons()

    assert {"boot configuration needs administrator rights", "WMI gave no answer"} <= recorded
    assert recorded - set(reasons.REASONS) == set()


@pytest.mark.parametrize(
    "reason",
    sorted(set(reasons.REASONS) | {"FileNotFoundError", "OSError", "some new English reason"}),
)
def test_an_unknown_check_explains_why_in_chinese_without_english_fragments(reason):
    facts = {key: {"unknown": reason} for key in READY_PC}

    checks = judge(facts, DEFAULT_PROFILE)["checks"]

    for check in checks:
        assert check["status"] == "unknown"
        assert latin_words(check["message"]) == [], check["message"]
        assert latin_words(check["fix"]) == [], check["fix"]


def test_a_dual_boot_check_without_administrator_rights_says_how_to_run_it():
    facts = facts_with(dual_boot={"unknown": "boot configuration needs administrator rights"})

    check = next(c for c in judge(facts, DEFAULT_PROFILE)["checks"] if c["id"] == "dual_boot")

    assert check["status"] == "unknown"
    assert "以管理员身份运行" in check["message"]


@pytest.mark.parametrize(
    ("reason", "chinese", "english"),
    [
        (
            "iPhone hotspot gateway 172.20.10.1",
            "172.20.10.1 是iPhone 个人热点",
            "an iPhone hotspot",
        ),
        ("iPhone 热点网关 172.20.10.1", "iPhone 个人热点", "an iPhone hotspot"),
        ("SSID AndroidAP_1234", "无线网络名称为 AndroidAP_1234", "network name AndroidAP_1234"),
        ("USB tethering: Remote NDIS", "通过 USB 共享手机网络", "USB tethering: Remote NDIS"),
    ],
)
def test_the_hotspot_reason_is_worded_in_each_language(reason, chinese, english):
    facts = facts_with(network={"hotspot": True, "hotspot_reason": reason})

    zh = next(c for c in judge(facts, DEFAULT_PROFILE)["checks"] if c["id"] == "network")
    en = next(c for c in judge(facts, DEFAULT_PROFILE, "en")["checks"] if c["id"] == "network")

    assert chinese in zh["message"]
    assert english in en["message"]
    assert "热点网关" not in en["message"]


WRONG = [
    None,
    True,
    1,
    1.5,
    "text",
    [],
    {},
    [1, 2],
    {"count": "two"},
    {"unknown": 5},
    float("nan"),
    {"family": ["windows"]},
    {"matches": "360"},
    {"detected": "yes"},
    {"total_bytes": True, "available_bytes": "4GB"},
    {"count": float("inf")},
]


@pytest.mark.parametrize("value", WRONG, ids=[repr(v)[:20] for v in WRONG])
def test_facts_of_the_wrong_type_are_unknown_and_never_raise(value):
    facts = dict.fromkeys(READY_PC, value)

    result = judge(facts, DEFAULT_PROFILE)

    assert result["verdict"] == "warn"
    assert {c["status"] for c in result["checks"]} <= {"unknown", "pass"}


@pytest.mark.parametrize("facts", [None, [], "x", 3, {"os": None}, {1: 2}])
def test_judge_accepts_any_json_as_facts(facts):
    result = judge(facts, DEFAULT_PROFILE)

    assert result["verdict"] == "warn"


@pytest.mark.parametrize(
    "profile",
    [
        None,
        {},
        {"checks": "x"},
        {"checks": [1, None, {"id": 3}]},
        {"checks": [{"id": "memory", "severity": "bogus", "params": 7}]},
    ],
)
def test_a_malformed_profile_never_raises(profile):
    result = judge(READY_PC, profile)

    assert result["verdict"] in ("pass", "warn", "fail")


def test_the_bandwidth_threshold_is_the_profiles():
    profile = default_profile()
    next(c for c in profile["checks"] if c["id"] == "bandwidth")["params"]["min_mbps"] = 20

    result = judge(READY_PC, profile)

    assert status_of(result, "bandwidth") == "fail"
    assert "20" in next(c for c in result["checks"] if c["id"] == "bandwidth")["message"]


@pytest.mark.parametrize(
    ("setting", "expected"), [("pass", "pass"), ("fail", "fail"), ("nonsense", "warn")]
)
def test_windows_11_is_judged_as_the_profile_says(setting, expected):
    profile = default_profile()
    next(c for c in profile["checks"] if c["id"] == "os")["params"]["windows_11"] = setting

    result = judge(facts_with(os={"version": "11", "build": 22631}), profile)

    assert status_of(result, "os") == expected


def test_heuristic_checks_only_warn():
    facts = facts_with(
        network={"hotspot": True},
        virtual_cameras={"names": ["OBS Virtual Camera"]},
        virtual_machine={"detected": True, "evidence": ["VMware"]},
        battery={"present": False},
    )

    result = judge(facts, DEFAULT_PROFILE)

    assert result["verdict"] == "warn"


def test_a_check_the_agent_does_not_know_is_unknown():
    profile = {"version": "x", "checks": [{"id": "printer", "severity": "fail", "params": {}}]}

    result = judge(READY_PC, profile)

    assert result["checks"][0]["status"] == "unknown"


def test_english_texts_and_profile_overrides():
    profile = default_profile()
    displays = next(c for c in profile["checks"] if c["id"] == "displays")
    displays["params"]["fix"] = {
        "en": "Unplug the projector ({count} screens).",
        "zh-CN": "拔掉投影仪",
    }

    result = judge(facts_with(displays={"count": 2}), profile, locale="en")

    check = next(c for c in result["checks"] if c["id"] == "displays")
    assert check["title"] == "Number of displays"
    assert check["fix"] == "Unplug the projector (2 screens)."


def test_every_check_has_chinese_and_english_texts():
    for locale in ("zh-CN", "en"):
        result = judge({}, DEFAULT_PROFILE, locale=locale)
        assert all(c["title"] and c["message"] and c["fix"] for c in result["checks"])


def test_the_default_profile_is_plain_json():
    assert json.loads(json.dumps(DEFAULT_PROFILE)) == DEFAULT_PROFILE
    assert {c["severity"] for c in DEFAULT_PROFILE["checks"]} <= {"fail", "warn"}
