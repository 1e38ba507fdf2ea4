"""The facts a probe reports, the marker for a fact that could not be read, and safe readers.

A fact is plain JSON: a dict per key below, or the unknown marker ``{"unknown": "<reason>"}``.
A field inside a fact may also be the unknown marker. Probes report facts and never judge them;
``diagnostics.rules`` judges.

==================  ==============================================================================
key                 value
==================  ==============================================================================
os                  {"family": "windows"|"linux"|"macos", "version": str, "build": int|None,
                     "name": str}
dual_boot           {"detected": bool, "entries": [str], "source": str}
memory              {"total_bytes": int, "available_bytes": int (minimum of 3 samples),
                     "installed_bytes": int (Windows, optional)}
system_disk         {"path": str, "free_bytes": int, "total_bytes": int}
cameras             {"count": int, "names": [str]}
microphones         {"count": int, "names": [str]}
virtual_cameras     {"names": [str]}  (only names from the profile's list)
security_software   {"matches": [{"product", "source", "detail"}], "sources": [str]}
auto_updates        {"enabled": bool, ...raw settings}
power               {"ac_sleep_seconds", "ac_display_seconds", "dc_sleep_seconds",
                     "dc_display_seconds"}: int, 0 means never
displays            {"count": int}
battery             {"present": bool, "percent": float|None, "plugged": bool|None}
network             {"type": "wifi"|"ethernet"|"cellular"|"other", "hotspot": bool,
                     "hotspot_reason": str|None, "metered": bool|unknown, "gateway": str|None,
                     "ssid": str|unknown, "interface": str|None}
virtual_machine     {"detected": bool, "evidence": [str]}
bandwidth           {"download_mbps_p10", "download_mbps_median", "download_jitter_mbps",
                     "upload_mbps_p10", "upload_mbps_median", "upload_jitter_mbps": float,
                     "streams": int, "seconds": float}
==================  ==============================================================================
"""

from __future__ import annotations

import math
from typing import Any

FACT_KEYS = (
    "os",
    "dual_boot",
    "memory",
    "system_disk",
    "cameras",
    "microphones",
    "virtual_cameras",
    "security_software",
    "auto_updates",
    "power",
    "displays",
    "battery",
    "network",
    "virtual_machine",
    "bandwidth",
)


def unknown(reason: str) -> dict[str, str]:
    """Return the marker for a fact that could not be read, with the reason why."""
    return {"unknown": str(reason)}


def is_unknown(value: Any) -> bool:
    """Tell whether a value is the unknown marker (or missing altogether)."""
    return value is None or (isinstance(value, dict) and "unknown" in value and len(value) == 1)


# --- reading facts defensively: facts are whatever JSON a client sent ------------------------


def number(value: Any) -> float | None:
    """A finite int or float as a float; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def strings(value: Any) -> list[str] | None:
    """A list's scalar items as strings; None when the value is not a list."""
    if not isinstance(value, list):
        return None
    return [str(item) for item in value if isinstance(item, (str, int, float))]


def fact_of(facts: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The fact under a key, or None when it is missing, not a dict or the unknown marker."""
    value = facts.get(key)
    return value if isinstance(value, dict) and not is_unknown(value) else None


def unknown_reason(facts: dict[str, Any], *keys: str) -> str:
    """Why the first of these facts could not be used: "no data", its reason, or bad data."""
    for key in keys:
        value = facts.get(key)
        if value is None:
            return "no data"
        if is_unknown(value):
            return str(value["unknown"])[:200]
    return "unexpected data"
