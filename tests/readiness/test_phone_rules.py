"""The phone profile: Android 8+ or HarmonyOS, camera, microphone, recording, storage for
3 hours of video, battery for 3 hours."""

from __future__ import annotations

import pytest

from helpdesk.readiness.phone import detect_os, judge_phone

GIB = 1024**3
REDUCED_UA = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)


def facts(**changes):
    base = {
        "user_agent": "Mozilla/5.0 (Linux; Android 12; V2111A) Mobile",
        "camera": {"ok": True},
        "microphone": {"ok": True},
        "recording": {"supported": True, "bytes": 150_000, "seconds": 3.0},
        "storage": {"quota_bytes": 30 * GIB, "usage_bytes": 0},
        "battery": {"level": 0.8, "charging": False},
    }
    base.update(changes)
    return base


def status(app, check_id, **changes):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        judged = judge_phone(facts(**changes))
    return next(c for c in judged["checks"] if c["id"] == check_id)["status"]


@pytest.mark.parametrize(
    ("ua", "hints", "expected"),
    [
        ("Mozilla/5.0 (Linux; Android 8.0.0; SM-G950F)", None, {"family": "android", "version": 8}),
        ("Mozilla/5.0 (Linux; Android 7.1.2; Redmi 4X)", None, {"family": "android", "version": 7}),
        (REDUCED_UA, None, {"family": "android", "version": None}),
        (
            REDUCED_UA,
            {"platform": "Android", "platform_version": "13.0.0"},
            {"family": "android", "version": 13},
        ),
        ("Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00)", None, {"family": "harmonyos"}),
        ("Mozilla/5.0 (Phone; OpenHarmony 4.0) ArkWeb/4.1.6.1", None, {"family": "harmonyos"}),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)", None, {"family": "ios"}),
    ],
)
def test_the_system_is_read_from_the_user_agent_or_its_client_hints(ua, hints, expected):
    found = detect_os(ua, hints)

    assert {k: found.get(k) for k in expected} == expected


@pytest.mark.parametrize(
    ("ua", "hints", "expected"),
    [
        ("Mozilla/5.0 (Linux; Android 8.0.0; SM-G950F)", None, "pass"),
        ("Mozilla/5.0 (Linux; Android 7.1.2; Redmi 4X)", None, "fail"),
        (REDUCED_UA, None, "unknown"),
        (REDUCED_UA, {"platform": "Android", "platform_version": "7.0.0"}, "fail"),
        ("Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00)", None, "pass"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)", None, "fail"),
    ],
)
def test_android_8_or_harmonyos_is_required(app, ua, hints, expected):
    assert status(app, "phone_os", user_agent=ua, client_hints=hints) == expected


@pytest.mark.parametrize(
    ("free_gb", "rate", "expected"),
    [
        (2.0, 10_000, "pass"),  # at the 2 GB minimum, a small video fits
        (1.9, 10_000, "fail"),  # just under it
        (3.0, 500_000, "warn"),  # 3 h at 500 kB/s need about 5 GB
        (6.0, 500_000, "pass"),
    ],
)
def test_storage_must_hold_2_gb_and_three_hours_of_video(app, free_gb, rate, expected):
    storage = {"quota_bytes": int(free_gb * GIB), "usage_bytes": 0}
    recording = {"supported": True, "bytes": rate * 3, "seconds": 3.0}

    assert status(app, "phone_storage", storage=storage, recording=recording) == expected


@pytest.mark.parametrize(
    ("battery", "expected"),
    [
        ({"level": 0.6, "charging": False}, "pass"),
        ({"level": 0.59, "charging": False}, "warn"),
        ({"level": 0.2, "charging": True}, "pass"),
        ({"unknown": "not supported"}, "unknown"),
    ],
)
def test_battery_must_last_three_hours_unless_charging(app, battery, expected):
    assert status(app, "phone_battery", battery=battery) == expected


def test_a_refused_camera_fails_and_says_how_to_allow_it(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        judged = judge_phone(facts(camera={"ok": False, "error": "NotAllowedError"}))

    camera = next(c for c in judged["checks"] if c["id"] == "phone_camera")
    assert judged["verdict"] == "fail"
    assert camera["message"] == "The browser was not allowed to use the camera."
    assert "Allow the camera" in camera["fix"]


def test_a_browser_without_mediarecorder_only_warns(app):
    assert status(app, "phone_recording", recording={"supported": False, "bytes": 0}) == "warn"


def test_hostile_facts_are_unknown_not_a_crash(app):
    with app.test_request_context():
        judged = judge_phone(
            {
                "camera": "yes",
                "storage": {"quota_bytes": "∞"},
                "battery": {"level": float("nan")},
                "user_agent": 42,
            }
        )

    assert judged["verdict"] == "fail"
    assert {c["status"] for c in judged["checks"]} <= {"unknown", "fail", "pass", "warn"}
