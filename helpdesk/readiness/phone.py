"""Judge the facts the phone self-check page collects: Android 8+ or HarmonyOS, camera,
microphone and recording, 2 GB free (more if 3 hours of video need it), battery for 3 hours.

The rules live here rather than in diagnostics.rules: the agent never sees a phone, so its
build stays as it is, and these texts go through the desk's own catalogue. The shape of the
answer is the agent's (``{"verdict", "checks": [{"id", "status", "title", "message", "fix"}]}``)
and the verdict follows the same rule (diagnostics.rules.verdict_of). Evaluation is pure;
texts are translated in the active locale. Never raises, whatever JSON it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from diagnostics.rules import verdict_of
from helpdesk.i18n import lazy_gettext as _l

GIB = 1024**3

PHONE_PROFILE: dict[str, Any] = {
    "version": "phone-notice-2023-01",
    "checks": [
        {"id": "phone_os", "severity": "fail", "params": {"min_android": 8}},
        {"id": "phone_browser", "severity": "warn", "params": {}},
        {"id": "phone_camera", "severity": "fail", "params": {}},
        {"id": "phone_microphone", "severity": "fail", "params": {}},
        {"id": "phone_recording", "severity": "warn", "params": {}},
        {"id": "phone_storage", "severity": "fail", "params": {"min_free_gb": 2, "hours": 3}},
        {"id": "phone_battery", "severity": "warn", "params": {"min_percent": 60}},
    ],
}

#: (status or "problem", message key, values for the message)
Outcome = tuple[str, str, dict[str, Any]]

_ANDROID = re.compile(r"Android\s+(\d+)(?:[._](\d+))?")


def detect_os(user_agent: Any, hints: Any) -> dict[str, Any]:
    """The phone's system from its User-Agent and, where the browser gives them, its
    User-Agent Client Hints (Chrome freezes the UA at "Android 10; K")."""
    ua = user_agent if isinstance(user_agent, str) else ""
    hints = hints if isinstance(hints, dict) else {}
    platform = hints.get("platform") if isinstance(hints.get("platform"), str) else ""
    platform_version = hints.get("platform_version")
    if (
        "harmonyos" in ua.lower()
        or "openharmony" in ua.lower()
        or platform.lower() in ("harmonyos", "openharmony")
    ):
        return {"family": "harmonyos", "version": None}
    major = re.match(r"^\d+", platform_version) if isinstance(platform_version, str) else None
    if platform.lower() == "android" and major is not None:
        return {"family": "android", "version": int(major[0]), "source": "client_hints"}
    match = _ANDROID.search(ua)
    if match or platform.lower() == "android":
        frozen = "; K)" in ua or "; K;" in ua
        version = int(match[1]) if match and not frozen else None
        return {"family": "android", "version": version, "source": "user_agent"}
    if re.search(r"iPhone|iPad|iPod", ua):
        return {"family": "ios", "version": None}
    return {"family": "other", "version": None}


def in_app_browser(user_agent: Any) -> str | None:
    """ "wechat" or "qq" when the page is open inside those apps' built-in browsers."""
    ua = user_agent if isinstance(user_agent, str) else ""
    if "MicroMessenger" in ua:
        return "wechat"
    if "QQ/" in ua:  # the QQ app's web view; QQ Browser says "MQQBrowser/" only
        return "qq"
    return None


def _dict(facts: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = facts.get(key)
    if not isinstance(value, dict) or "unknown" in value:
        return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _os(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
    found = detect_os(facts.get("user_agent"), facts.get("client_hints"))
    minimum = _number(params.get("min_android")) or 8
    ctx = {"version": found.get("version"), "min": f"{minimum:g}"}
    if found["family"] == "harmonyos":
        return "pass", "harmonyos", ctx
    if found["family"] == "android":
        if found["version"] is None:
            return "unknown", "android_unknown", ctx
        return (
            ("pass", "android", ctx)
            if found["version"] >= minimum
            else ("problem", "android_old", ctx)
        )
    return "problem", "not_android", ctx


def _browser(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
    app = in_app_browser(facts.get("user_agent"))
    return (
        ("problem", "in_app", {"app": "微信" if app == "wechat" else "QQ"})
        if app
        else ("pass", "pass", {})
    )


def _device(key: str) -> Callable[[dict[str, Any], dict[str, Any]], Outcome]:
    def evaluate(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
        fact = _dict(facts, key)
        if fact is None or not isinstance(fact.get("ok"), bool):
            return "unknown", "unknown", {}
        error = str(fact.get("error") or "")[:60]
        if fact["ok"]:
            return "pass", "pass", {}
        return (
            "problem",
            "denied" if error in ("NotAllowedError", "SecurityError") else "problem",
            {"error": error},
        )

    return evaluate


def _recording(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
    fact = _dict(facts, "recording")
    if fact is None or not isinstance(fact.get("supported"), bool):
        return "unknown", "unknown", {}
    size = _number(fact.get("bytes"))
    if not fact["supported"]:
        return "problem", "unsupported", {}
    return ("pass", "pass", {}) if size and size > 0 else ("problem", "empty", {})


def _rate(facts: dict[str, Any]) -> float | None:
    fact = _dict(facts, "recording") or {}
    size, seconds = _number(fact.get("bytes")), _number(fact.get("seconds"))
    if not size or not seconds or seconds <= 0:
        return None
    return size / seconds


def _storage(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
    fact = _dict(facts, "storage")
    quota = _number(fact.get("quota_bytes")) if fact else None
    usage = (_number(fact.get("usage_bytes")) or 0.0) if fact else 0.0
    min_free = (_number(params.get("min_free_gb")) or 2) * GIB
    hours = _number(params.get("hours")) or 3
    rate = _rate(facts)
    need = max(min_free, rate * hours * 3600) if rate else min_free
    ctx = {
        "free_gb": "?",
        "need_gb": f"{need / GIB:.1f}",
        "min_gb": f"{min_free / GIB:g}",
        "hours": f"{hours:g}",
    }
    if quota is None:
        return "unknown", "unknown", ctx
    free = max(0.0, quota - usage)
    ctx["free_gb"] = f"{free / GIB:.1f}"
    if free < min_free:
        return "problem", "problem", ctx
    if free < need:
        return "warn", "video", ctx
    return "pass", "pass", ctx


def _battery(facts: dict[str, Any], params: dict[str, Any]) -> Outcome:
    fact = _dict(facts, "battery")
    level = _number(fact.get("level")) if fact else None
    if fact is None or level is None:
        return "unknown", "unknown", {}
    minimum = _number(params.get("min_percent")) or 60
    ctx = {"percent": f"{max(0.0, min(level, 1.0)) * 100:.0f}", "min": f"{minimum:g}"}
    if fact.get("charging") is True:
        return "pass", "charging", ctx
    return ("pass", "pass", ctx) if level * 100 >= minimum else ("problem", "problem", ctx)


EVALUATORS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Outcome]] = {
    "phone_os": _os,
    "phone_browser": _browser,
    "phone_camera": _device("camera"),
    "phone_microphone": _device("microphone"),
    "phone_recording": _recording,
    "phone_storage": _storage,
    "phone_battery": _battery,
}

_UNKNOWN = _l("The browser could not check this.")
_UNKNOWN_FIX = _l(
    "Check it by hand before the mock exam, or open this page in the phone's "
    "own browser (Chrome, Huawei Browser) and check again."
)

TEXTS: dict[str, dict[str, Any]] = {
    "phone_os": {
        "title": _l("Phone system"),
        "harmonyos": _l("HarmonyOS meets the requirement."),
        "android": _l("Android %(version)s meets the requirement (Android %(min)s or later)."),
        "android_old": _l(
            "Android %(version)s is too old: the exam needs Android %(min)s or later, or HarmonyOS."
        ),
        "android_unknown": _l("Android, but the browser does not tell which version."),
        "not_android": _l(
            "This is not an Android or HarmonyOS phone: the phone client 智考通 "
            "runs only on Android %(min)s or later, or HarmonyOS."
        ),
        "fix": _l(
            "Use an Android phone or tablet with Android %(min)s or later, or a "
            "HarmonyOS device, for the evidence video."
        ),
        "manual": _l(
            "Open Settings > About phone and check that the Android version is "
            "%(min)s or later, or that the system is HarmonyOS."
        ),
    },
    "phone_browser": {
        "title": _l("Browser"),
        "pass": _l("The page is open in a normal browser."),
        "in_app": _l(
            "The page is open inside %(app)s, whose built-in browser cannot test the "
            "camera reliably."
        ),
        "fix": _l(
            "Tap ⋯ at the top right and choose to open the page in the system browser, "
            "then check again."
        ),
        "manual": _l("Open this page in the phone's own browser."),
    },
    "phone_camera": {
        "title": _l("Camera"),
        "pass": _l("The camera works."),
        "denied": _l("The browser was not allowed to use the camera."),
        "problem": _l("No working camera was found (%(error)s)."),
        "fix": _l(
            "Allow the camera when the browser asks (or in Settings > Apps > browser > "
            "Permissions), close other apps that use the camera, and check again."
        ),
        "manual": _l("Open the camera app and check that it shows a picture."),
    },
    "phone_microphone": {
        "title": _l("Microphone"),
        "pass": _l("The microphone works."),
        "denied": _l("The browser was not allowed to use the microphone."),
        "problem": _l("No working microphone was found (%(error)s)."),
        "fix": _l(
            "Allow the microphone when the browser asks (or in Settings > Apps > "
            "browser > Permissions), and check again."
        ),
        "manual": _l("Record a short voice message and play it back."),
    },
    "phone_recording": {
        "title": _l("Video recording"),
        "pass": _l("A short test video with sound was recorded."),
        "unsupported": _l("This browser cannot record video, so recording was not tested."),
        "empty": _l("The test recording came out empty."),
        "fix": _l(
            "Record a one-minute video with sound in the camera app and play it back; "
            "if that fails, use another phone."
        ),
        "manual": _l("Record a one-minute video with sound in the camera app and play it back."),
    },
    "phone_storage": {
        "title": _l("Free storage"),
        "pass": _l(
            "About %(free_gb)s GB free, enough for %(hours)s hours of video (about %(need_gb)s GB)."
        ),
        "problem": _l("Only about %(free_gb)s GB free; the exam needs %(min_gb)s GB or more."),
        "video": _l(
            "About %(free_gb)s GB free, but %(hours)s hours of video may need about %(need_gb)s GB."
        ),
        "fix": _l(
            "Delete videos, photos or apps you do not need until at least %(need_gb)s GB is free."
        ),
        "manual": _l("Open Settings > Storage and check that at least %(min_gb)s GB is free."),
    },
    "phone_battery": {
        "title": _l("Battery"),
        "pass": _l("Battery at %(percent)s%%."),
        "charging": _l("Battery at %(percent)s%% and charging."),
        "problem": _l("Battery at %(percent)s%%: not enough for 3 hours of recording."),
        "fix": _l("Charge the phone fully and keep the charger connected during the exam."),
        "manual": _l("Charge the phone fully and keep the charger connected during the exam."),
    },
}


def _text(check_id: str, key: str, ctx: dict[str, Any]) -> str:
    template = TEXTS[check_id].get(key)
    if template is None:
        return str(_UNKNOWN) if key == "unknown" else ""
    try:
        return str(template) % ctx
    except (KeyError, TypeError, ValueError):
        return str(template)


def judge_phone(facts: Any, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """Judge the phone page's facts: {"verdict", "checks": [...]} in the active locale."""
    facts = facts if isinstance(facts, dict) else {}
    checks = []
    for check in (profile or PHONE_PROFILE)["checks"]:
        check_id, severity = check["id"], check["severity"]
        try:
            state, key, ctx = EVALUATORS[check_id](facts, check.get("params") or {})
        except Exception:  # noqa: BLE001 - facts are arbitrary JSON; never fail the caller
            state, key, ctx = "unknown", "unknown", {}
        status = severity if state == "problem" else state
        ctx = {**{"min": "8", "min_gb": "2", "need_gb": "2", "hours": "3"}, **ctx}
        fix = ""
        if status == "unknown":
            fix = f"{_UNKNOWN_FIX} {_text(check_id, 'manual', ctx)}".strip()
        elif status != "pass":
            fix = _text(check_id, "fix", ctx)
        checks.append(
            {
                "id": check_id,
                "status": status,
                "title": str(TEXTS[check_id]["title"]),
                "message": _text(check_id, key, ctx),
                "fix": fix,
            }
        )
    return {"verdict": verdict_of(checks), "checks": checks}
