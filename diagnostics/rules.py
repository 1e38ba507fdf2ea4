"""Judge facts against a requirements profile: the one place that decides pass, warn or fail.

Pure: no I/O, no clock, standard library only. The agent calls it on the facts it collected and the
desk calls it again on every uploaded report (ignoring any verdict a client sends), so ``judge``
never raises, whatever JSON it is given: a fact of the wrong type is judged "unknown".

Verdict: "fail" if any check fails, else "warn" if any check warns or is unknown (a check the agent
could not make needs a human look before the exam), else "pass". A fact that is missing or carries
the unknown marker makes its check "unknown", never "fail".
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from diagnostics import messages, reasons
from diagnostics.facts import fact_of, number, strings, unknown_reason
from diagnostics.messages import normalize_locale
from diagnostics.profile import DEFAULT_PROFILE

GIB = 1024**3
STATUSES = ("pass", "warn", "fail", "unknown")

#: What an evaluator returns: ("pass" | "problem" | "unknown" | an explicit status, message key,
#: values for the message template).
Outcome = Tuple[str, str, Dict[str, Any]]
Evaluator = Callable[[Dict[str, Any], Dict[str, Any], str], Outcome]

#: The built-in profile's params of each check: the default of every threshold a profile omits.
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    check["id"]: check["params"] for check in DEFAULT_PROFILE["checks"]
}
#: Thresholds any check's texts may quote, and the check whose threshold each one is.
QUOTED_THRESHOLDS = {
    "min_total_gb": "memory",
    "min_available_gb": "memory",
    "min_free_gb": "system_disk",
    "min_mbps": "bandwidth",
}


# --- reading params defensively --------------------------------------------------------------


def _param_number(params: dict[str, Any], key: str, default: float) -> float:
    value = number(params.get(key))
    return default if value is None else value


def _threshold(params: dict[str, Any], check_id: str, key: str) -> float:
    """A numeric param of a check, or the built-in profile's value for that check."""
    return _param_number(params, key, DEFAULT_PARAMS[check_id][key])


def _gb(value: float) -> str:
    return f"{value / GIB:.1f}"


def _unknown(facts: dict[str, Any], *keys: str) -> Outcome:
    return "unknown", "unknown", {"reason": unknown_reason(facts, *keys)}


# --- one evaluator per check -----------------------------------------------------------------


def _os(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    os_fact = fact_of(facts, "os") or {}
    family = os_fact.get("family")
    if not isinstance(family, str):
        return _unknown(facts, "os")
    name = str(os_fact.get("name") or family)
    build = number(os_fact.get("build"))
    ctx = {"name": name, "build": int(build) if build is not None else "?"}
    if family != "windows":
        return "problem", "not_windows", ctx
    version = os_fact.get("version")
    if build is not None and build >= 22000:
        default = DEFAULT_PARAMS["os"]["windows_11"]
        status = params.get("windows_11", default)
        return (status if status in ("pass", "warn", "fail") else default), "windows_11", ctx
    allowed = strings(params.get("allowed_versions")) or DEFAULT_PARAMS["os"]["allowed_versions"]
    if not isinstance(version, str):
        return _unknown(facts, "os")
    return ("pass", "pass", ctx) if version in allowed else ("problem", "version_not_allowed", ctx)


def _dual_boot(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "dual_boot") or {}
    detected = fact.get("detected")
    if not isinstance(detected, bool):
        return _unknown(facts, "dual_boot")
    entries = strings(fact.get("entries")) or []
    return (
        ("problem" if detected else "pass"),
        ("problem" if detected else "pass"),
        {"entries": messages.join(entries, locale)},
    )


def _memory(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "memory") or {}
    min_total = _threshold(params, "memory", "min_total_gb") * GIB
    min_available = _threshold(params, "memory", "min_available_gb") * GIB
    installed = number(fact.get("installed_bytes"))
    total = installed if installed is not None else number(fact.get("total_bytes"))
    # Without the installed size, allow for memory the firmware and graphics reserve.
    tolerance = (
        0 if installed is not None else _threshold(params, "memory", "total_tolerance_gb") * GIB
    )
    available = number(fact.get("available_bytes"))
    ctx = {
        "total_gb": _gb(total) if total is not None else "?",
        "available_gb": _gb(available) if available is not None else "?",
        "min_total_gb": _fmt(min_total / GIB),
        "min_available_gb": _fmt(min_available / GIB),
    }
    if total is not None and total + tolerance < min_total:
        return "problem", "total_low", ctx
    if available is not None and available < min_available:
        return "problem", "available_low", ctx
    if total is None or available is None:
        return _unknown(facts, "memory")
    return "pass", "pass", ctx


def _system_disk(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "system_disk") or {}
    free = number(fact.get("free_bytes"))
    if free is None:
        return _unknown(facts, "system_disk")
    min_free = _threshold(params, "system_disk", "min_free_gb") * GIB
    ctx = {
        "path": str(fact.get("path") or "C:"),
        "free_gb": _gb(free),
        "min_free_gb": _fmt(min_free / GIB),
    }
    return ("pass", "pass", ctx) if free >= min_free else ("problem", "problem", ctx)


def _virtual_names(names: list[str], patterns: list[str]) -> list[str]:
    lowered = [p.lower() for p in patterns if p]
    return [n for n in names if any(p in n.lower() for p in lowered)]


def _devices(check_id: str, key: str) -> Evaluator:
    def evaluate(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
        fact = fact_of(facts, key) or {}
        count = number(fact.get("count"))
        if count is None:
            return _unknown(facts, key)
        names = strings(fact.get("names")) or []
        if key == "cameras" and len(names) == int(count):
            # A virtual camera is not a camera: it shows whatever software feeds it.
            virtual = _virtual_names(names, strings(_virtual_params(params)) or [])
            names = [n for n in names if n not in virtual]
            count = len(names)
        ctx = {"names": messages.join(names, locale), "count": int(count)}
        ok = count >= _threshold(params, check_id, "min_count")
        return ("pass", "pass", ctx) if ok else ("problem", "problem", ctx)

    return evaluate


def _virtual_params(params: dict[str, Any]) -> Any:
    names = params.get("virtual_names")
    return DEFAULT_PARAMS["virtual_camera"]["names"] if names is None else names


def _security_software(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "security_software") or {}
    matches = fact.get("matches")
    if not isinstance(matches, list):
        return _unknown(facts, "security_software")
    products = params.get("products")
    listed = (
        {str(p.get("name")) for p in products if isinstance(p, dict)}
        if isinstance(products, list)
        else set()
    )
    found: list[str] = []
    for match in matches:
        product = match.get("product") if isinstance(match, dict) else match
        if isinstance(product, str) and (not listed or product in listed) and product not in found:
            found.append(product)
    ctx = {"products": messages.join(found, locale)}
    return ("problem", "problem", ctx) if found else ("pass", "pass", ctx)


def _flag(key: str, field: str, bad: bool) -> Evaluator:
    def evaluate(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
        fact = fact_of(facts, key) or {}
        value = fact.get(field)
        if not isinstance(value, bool):
            return _unknown(facts, key)
        evidence = strings(fact.get("evidence")) or []
        ctx = {"evidence": messages.join(evidence, locale)}
        return ("problem", "problem", ctx) if value is bad else ("pass", "pass", ctx)

    return evaluate


def _power(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "power") or {}
    fields = ["ac_sleep", "ac_display"]
    if params.get("check_battery") is True:
        fields += ["dc_sleep", "dc_display"]
    texts = messages.texts("power", locale)
    problems: list[str] = []
    missing: str | None = None
    for field in fields:
        seconds = number(fact.get(field + "_seconds"))
        if seconds is None:
            missing = missing or _field_reason(fact.get(field + "_seconds"))
        elif seconds > 0:
            problems.append(texts[field].format(minutes=_fmt(seconds / 60)))
    if problems:
        return (
            "problem",
            "problem",
            {"settings": ("，" if locale == "zh-CN" else "; ").join(problems)},
        )
    if missing:
        return _unknown(facts, "power") if not fact else ("unknown", "unknown", {"reason": missing})
    return "pass", "pass", {}


def _field_reason(value: Any) -> str:
    """Why a field inside a fact is missing: its unknown marker's reason, else bad data."""
    if isinstance(value, dict) and isinstance(value.get("unknown"), str):
        return str(value["unknown"])[:200]
    return "no data" if value is None else "unexpected data"


def _displays(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "displays") or {}
    count = number(fact.get("count"))
    if count is None:
        return _unknown(facts, "displays")
    if count < 1:
        return "unknown", "none", {}
    ctx = {"count": int(count)}
    return (
        ("pass", "pass", ctx)
        if count <= _threshold(params, "displays", "max_count")
        else ("problem", "problem", ctx)
    )


def _battery(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "battery") or {}
    present = fact.get("present")
    if not isinstance(present, bool):
        return _unknown(facts, "battery")
    percent = number(fact.get("percent"))
    ctx = {"percent": f"{percent:.0f}%" if percent is not None else "?"}
    return ("pass", "pass", ctx) if present else ("problem", "problem", ctx)


def _network(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "network")
    if fact is None:
        return _unknown(facts, "network")
    kind, hotspot = fact.get("type"), fact.get("hotspot")
    label = messages.NETWORK_TYPES[locale].get(kind, str(kind)) if isinstance(kind, str) else "?"
    hotspot_reason = fact.get("hotspot_reason")
    reason = reasons.hotspot_text(str(hotspot_reason), locale) if hotspot_reason else label
    ctx = {"type": label, "reason": reason}
    if hotspot is True or kind == "cellular":
        return "problem", "problem", ctx
    if hotspot is False:
        return "pass", "pass", ctx
    return _unknown(facts, "network")


def _bandwidth(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    fact = fact_of(facts, "bandwidth") or {}
    min_down = _threshold(params, "bandwidth", "min_mbps")
    min_up = _param_number(params, "min_upload_mbps", min_down)
    down = number(fact.get("download_mbps_p10"))
    up = number(fact.get("upload_mbps_p10"))
    ctx = {
        "download": f"{down:.1f}" if down is not None else "?",
        "upload": f"{up:.1f}" if up is not None else "?",
        "min_mbps": _fmt(min_down),
    }
    if (down is not None and down < min_down) or (up is not None and up < min_up):
        return "problem", "problem", ctx
    if down is None or up is None:
        return _unknown(facts, "bandwidth")
    return "pass", "pass", ctx


def _virtual_camera(facts: dict[str, Any], params: dict[str, Any], locale: str) -> Outcome:
    virtual, cameras = fact_of(facts, "virtual_cameras"), fact_of(facts, "cameras")
    if virtual is None and cameras is None:
        return _unknown(facts, "virtual_cameras")
    patterns = strings(params.get("names")) or []
    candidates = (strings(virtual.get("names")) if virtual else None) or []
    reported = _virtual_names(candidates, patterns) if patterns else candidates
    seen = _virtual_names((strings(cameras.get("names")) if cameras else None) or [], patterns)
    if virtual is None and not seen:
        return _unknown(facts, "virtual_cameras")
    names: list[str] = []
    for name in reported + seen:
        if name not in names:
            names.append(name)
    ctx = {"names": messages.join(names, locale)}
    return ("problem", "problem", ctx) if names else ("pass", "pass", ctx)


EVALUATORS: dict[str, Evaluator] = {
    "os": _os,
    "dual_boot": _dual_boot,
    "memory": _memory,
    "system_disk": _system_disk,
    "camera": _devices("camera", "cameras"),
    "microphone": _devices("microphone", "microphones"),
    "security_software": _security_software,
    "auto_updates": _flag("auto_updates", "enabled", bad=True),
    "power": _power,
    "displays": _displays,
    "battery": _battery,
    "network": _network,
    "bandwidth": _bandwidth,
    "virtual_camera": _virtual_camera,
    "virtual_machine": _flag("virtual_machine", "detected", bad=True),
}


# --- putting it together ---------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{round(value, 1):g}"


def judge_check(
    check_id: str,
    severity: str,
    params: dict[str, Any],
    facts: dict[str, Any],
    locale: str = "zh-CN",
) -> dict[str, str]:
    """Judge one check of a profile; see ``judge``."""
    locale = normalize_locale(locale)
    evaluator = EVALUATORS.get(check_id)
    if evaluator is None:
        return dict(
            id=check_id, status="unknown", **messages.unknown_check(check_id, params, locale)
        )
    try:
        state, key, ctx = evaluator(facts, params, locale)
    except Exception as exc:  # noqa: BLE001 - facts are arbitrary JSON; never fail the caller
        state, key, ctx = "unknown", "unknown", {"reason": type(exc).__name__}
    status = severity if state == "problem" else state
    ctx = dict(ctx)
    for name, owner in QUOTED_THRESHOLDS.items():
        ctx.setdefault(name, _fmt(_threshold(params, owner, name)))
    words = messages.words(check_id, status, key, ctx, params, locale)
    return {"id": check_id, "status": status, **words}


def verdict_of(checks: list[dict[str, str]]) -> str:
    """Fail if any check fails, else warn if any warns or is unknown, else pass."""
    statuses = {check["status"] for check in checks}
    if "fail" in statuses:
        return "fail"
    return "warn" if statuses & {"warn", "unknown"} else "pass"


def judge(facts: Any, profile: Any = None, locale: str = "zh-CN") -> dict[str, Any]:
    """Judge facts against a profile.

    Returns ``{"verdict", "checks": [{"id", "status", "title", "message", "fix"}]}``.
    """
    facts = facts if isinstance(facts, dict) else {}
    profile = profile if isinstance(profile, dict) else DEFAULT_PROFILE
    raw_checks = profile.get("checks")
    checks: list[dict[str, str]] = []
    for raw in raw_checks if isinstance(raw_checks, list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        severity = "warn" if raw.get("severity") == "warn" else "fail"
        params = raw.get("params")
        params = params if isinstance(params, dict) else {}
        checks.append(judge_check(raw["id"], severity, params, facts, locale))
    return {"verdict": verdict_of(checks), "checks": checks}
