"""Sample facts for demo data and tests: plain data, standard library only.

``READY_PC`` is the one complete set of facts, in the shape ``diagnostics.facts`` documents, of a
PC that meets every requirement of the default profile: a Windows 10 laptop on home Wi-Fi. The
desk's demo reports and the tests of the agent and of the desk start from it and change only the
facts they are about.
"""

from __future__ import annotations

import copy
from typing import Any

GIB = 1024**3

READY_PC: dict[str, Any] = {
    "os": {"family": "windows", "version": "10", "build": 19045, "name": "Windows 10 家庭中文版"},
    "dual_boot": {"detected": False, "entries": ["Windows 10"], "source": "bcd"},
    "memory": {"total_bytes": 8 * GIB, "available_bytes": 4 * GIB, "installed_bytes": 8 * GIB},
    "system_disk": {"path": "C:\\", "free_bytes": 60 * GIB, "total_bytes": 200 * GIB},
    "cameras": {"count": 1, "names": ["Integrated Camera"]},
    "microphones": {"count": 1, "names": ["麦克风阵列 (Realtek(R) Audio)"]},
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


def ready_pc(**changes: Any) -> dict[str, Any]:
    """A private copy of ``READY_PC``, with the facts given replaced whole."""
    facts = copy.deepcopy(READY_PC)
    facts.update(changes)
    return facts
