"""The built-in requirements profile: the notice's device requirements as plain JSON-able data.

It has exactly the shape the desk serves at ``GET /api/v1/diagnostics/profile``. The agent judges
against it when run with ``--offline`` or when the desk cannot be reached; the desk may serve a
different profile per exam session, so a new exam needs no new agent.
"""

from __future__ import annotations

import copy
from typing import Any

#: Products the notice forbids, with the names they leave on a Windows PC. Matched by the probes
#: (installed-program DisplayName substrings and Uninstall subkey names in the 32- and 64-bit
#: registry views, service key names, process names); all matching is case-insensitive.
#: Publisher names are deliberately not matched on their own: 360 and 2345 also publish browsers
#: and image viewers that the notice does not forbid.
SECURITY_PRODUCTS: list[dict[str, Any]] = [
    {
        "name": "360安全卫士",
        "display_names": ["360安全卫士", "360 Total Security", "360TotalSecurity"],
        "uninstall_keys": ["360安全卫士", "360TotalSecurity"],
        "services": ["ZhuDongFangYu", "360rp"],
        "processes": ["360Tray.exe", "360Safe.exe", "ZhuDongFangYu.exe"],
    },
    {
        "name": "360杀毒",
        "display_names": ["360杀毒", "360 Antivirus"],
        "uninstall_keys": ["360SD"],
        "services": ["360sdsvc"],
        "processes": ["360sd.exe", "360rps.exe"],
    },
    {
        "name": "2345安全卫士",
        "display_names": ["2345安全卫士", "2345 Security Guard"],
        "uninstall_keys": ["2345SafeCenter"],
        "services": ["2345SafeCenterSvc"],
        "processes": ["2345SafeTray.exe", "2345SafeCenterSvc.exe"],
    },
    {
        "name": "金山毒霸",
        "display_names": ["金山毒霸", "Kingsoft Antivirus", "Kingsoft Internet Security"],
        "uninstall_keys": ["Kingsoft Internet Security"],
        "services": ["kxescore"],
        "processes": ["kxetray.exe", "kxescore.exe", "kxemain.exe"],
    },
    {
        "name": "腾讯电脑管家",
        "display_names": ["腾讯电脑管家", "Tencent PC Manager", "QQ电脑管家"],
        "uninstall_keys": ["QQPCMgr"],
        "services": ["QQPCRTP"],
        "processes": ["QQPCTray.exe", "QQPCRTP.exe"],
    },
    {
        "name": "McAfee",
        "display_names": ["McAfee"],
        "uninstall_keys": [],
        "services": ["mfefire", "mfevtp", "McAfeeFramework", "mcshield"],
        "processes": ["mcshield.exe", "mfemms.exe", "McUICnt.exe"],
    },
    {
        "name": "鲁大师",
        "display_names": ["鲁大师", "Ludashi"],
        "uninstall_keys": ["LDS", "Ludashi"],
        "services": ["LdsLite", "ComputerZService"],
        "processes": ["ComputerZTray.exe", "ComputerZService.exe", "LdsLite.exe"],
    },
]

#: Camera names that are virtual cameras or filters (case-insensitive substrings).
VIRTUAL_CAMERA_NAMES: list[str] = [
    "OBS Virtual Camera",
    "OBS-Camera",
    "ManyCam",
    "XSplit",
    "e2eSoft",
    "VCam",
    "Snap Camera",
    "CyberLink YouCam",
    "YouCam",
    "SplitCam",
    "Virtual Camera",
    "Dummy video device",
]

DEFAULT_PROFILE: dict[str, Any] = {
    "version": "notice-2023-01",
    "checks": [
        {
            "id": "os",
            "severity": "fail",
            "params": {"allowed_versions": ["7", "10"], "windows_11": "warn"},
        },
        {"id": "dual_boot", "severity": "fail", "params": {}},
        {
            "id": "memory",
            "severity": "fail",
            "params": {"min_total_gb": 4, "min_available_gb": 2, "total_tolerance_gb": 0.5},
        },
        {"id": "system_disk", "severity": "fail", "params": {"min_free_gb": 20}},
        {"id": "camera", "severity": "fail", "params": {"min_count": 1}},
        {"id": "microphone", "severity": "fail", "params": {"min_count": 1}},
        {"id": "security_software", "severity": "fail", "params": {"products": SECURITY_PRODUCTS}},
        {"id": "auto_updates", "severity": "fail", "params": {}},
        {"id": "power", "severity": "warn", "params": {"check_battery": False}},
        {"id": "displays", "severity": "fail", "params": {"max_count": 1}},
        {"id": "battery", "severity": "warn", "params": {}},
        {"id": "network", "severity": "warn", "params": {}},
        {"id": "bandwidth", "severity": "fail", "params": {"min_mbps": 4}},
        {"id": "virtual_camera", "severity": "warn", "params": {"names": VIRTUAL_CAMERA_NAMES}},
        {"id": "virtual_machine", "severity": "warn", "params": {}},
    ],
}


def default_profile() -> dict[str, Any]:
    """Return a private copy of the built-in profile (callers may change it freely)."""
    return copy.deepcopy(DEFAULT_PROFILE)


def check_params(profile: Any, check_id: str) -> dict[str, Any]:
    """Return the params of one check in a profile, or the built-in ones if it has none."""
    for source in (profile, DEFAULT_PROFILE):
        checks = source.get("checks") if isinstance(source, dict) else None
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, dict) and check.get("id") == check_id:
                params = check.get("params")
                return params if isinstance(params, dict) else {}
    return {}
