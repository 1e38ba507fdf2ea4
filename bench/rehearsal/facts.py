"""What a ready exam PC reports to POST /api/v1/diagnostics/reports: every check passes
(Windows 10, one camera, no virtual machine, enough memory, disk and bandwidth)."""

from __future__ import annotations

from typing import Any

PASSING_FACTS: dict[str, Any] = {
    "os": {"family": "windows", "version": "10", "build": 19045, "name": "Windows 10 Pro"},
    "dual_boot": {"detected": False, "entries": ["Windows 10"], "source": "bcd"},
    "memory": {"total_bytes": 8 << 30, "available_bytes": 4 << 30, "installed_bytes": 8 << 30},
    "system_disk": {"path": "C:\\", "free_bytes": 50 << 30, "total_bytes": 200 << 30},
    "cameras": {"count": 1, "names": ["Integrated Camera"]},
    "microphones": {"count": 1, "names": ["麦克风 (Realtek(R) Audio)"]},
    "virtual_cameras": {"names": []},
    "security_software": {"matches": [], "sources": ["registry", "services", "processes"]},
    "auto_updates": {"enabled": False},
    "power": {
        "ac_sleep_seconds": 0,
        "ac_display_seconds": 0,
        "dc_sleep_seconds": 600,
        "dc_display_seconds": 300,
    },
    "displays": {"count": 1},
    "battery": {"present": True, "percent": 90.0, "plugged": True},
    "network": {"type": "wifi", "hotspot": False, "hotspot_reason": None},
    "virtual_machine": {"detected": False, "evidence": []},
    "bandwidth": {
        "download_mbps_p10": 30.0,
        "download_mbps_median": 40.0,
        "upload_mbps_p10": 10.0,
        "upload_mbps_median": 12.0,
    },
}
