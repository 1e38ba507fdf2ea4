"""Windows probes: where each fact lives in the registry and WMI, and how it is read.

The probes read through ``diagnostics.probes.winsys.System`` (the real machine in
``WindowsSystem``, a recorded one in tests) and never touch winreg, ctypes, COM or PowerShell
themselves.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from diagnostics.facts import unknown
from diagnostics.probes import common
from diagnostics.probes.winsys import HKCU, HKLM, System

CURRENT_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"
UNINSTALL = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
SERVICES = r"SYSTEM\CurrentControlSet\Services"
CAPTURE_ENDPOINTS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\MMDevices\Audio\Capture"
DIRECTSHOW_VIDEO_INPUTS = r"SOFTWARE\Classes\CLSID\{860BB310-5D01-11d0-BD3B-00A0C911CE86}\Instance"
BCD_OBJECTS = r"BCD00000000\Objects"
BOOT_MANAGER = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
AU_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU"
AU_SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update"
BIOS = r"HARDWARE\DESCRIPTION\System\BIOS"
ENDPOINT_NAME = "{a45c254e-df1c-4efd-8020-67d146a850e0},2"
ENDPOINT_DEVICE = "{b3f8fa53-0004-438e-9003-51a46e139bfc},6"
IMAGE_CLASS = "{6bdd1fc6-810f-11d0-bec7-08002be2f9db}"
CAMERA_CLASS = "{ca3e7ab9-b4c3-4ae6-8251-579ef933890f}"
CAMERA_QUERY = (
    "SELECT Name, ClassGuid, ConfigManagerErrorCode FROM Win32_PnPEntity "  # noqa: S608
    "WHERE ClassGuid = '%s' OR ClassGuid = '%s'" % (IMAGE_CLASS, CAMERA_CLASS)  # nosec B608 - WMI query, not SQL
)
ROUTE_QUERY = (
    "SELECT InterfaceIndex, Description, DefaultIPGateway, IPConnectionMetric "
    "FROM Win32_NetworkAdapterConfiguration WHERE IPEnabled = TRUE"
)
ADAPTER_QUERY = (
    "SELECT InterfaceIndex, InterfaceDescription, NdisPhysicalMedium FROM MSFT_NetAdapter"
)
#: NDIS_PHYSICAL_MEDIUM values.
MEDIUM_TYPES: dict[int | None, str] = {
    9: "wifi",
    14: "ethernet",
    0: "ethernet",
    8: "cellular",
    13: "cellular",
}
WIFI_WORDS = ("wireless", "wi-fi", "wifi", "wlan", "802.11", "无线")
CELLULAR_WORDS = ("mobile broadband", "wwan", "移动宽带")
SERVICE_START: dict[int | None, str] = {
    0: "boot",
    1: "system",
    2: "auto",
    3: "manual",
    4: "disabled",
}


def _values(system: System, hive: str, path: str, view: int = 64) -> dict[str, Any] | None:
    """A key's values, or None when the key does not exist."""
    try:
        return system.values(hive, path, view)
    except FileNotFoundError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def os_fact(system: System) -> dict[str, Any]:
    """Windows version from the registry; Windows 11 is build 22000 and later."""
    values = system.values(HKLM, CURRENT_VERSION)
    build = _int(values.get("CurrentBuildNumber") or values.get("CurrentBuild"))
    major = _int(values.get("CurrentMajorVersionNumber"))
    legacy = {"6.0": "Vista", "6.1": "7", "6.2": "8", "6.3": "8.1"}
    if major == 10:
        version = "11" if build is not None and build >= 22000 else "10"
    else:
        version = legacy.get(str(values.get("CurrentVersion")), str(values.get("CurrentVersion")))
    name = str(values.get("ProductName") or "Windows " + version)
    if version == "11":  # Windows 11 still calls itself "Windows 10" in ProductName.
        name = name.replace("Windows 10", "Windows 11")
    return {
        "family": "windows",
        "version": version,
        "build": build,
        "name": name,
        "display_version": values.get("DisplayVersion") or values.get("CSDVersion"),
    }


def dual_boot_fact(system: System) -> dict[str, Any]:
    """Boot menu entries from the BCD store (admin only), else other Windows installs on disk."""
    try:
        order = system.values(HKLM, BCD_OBJECTS + "\\" + BOOT_MANAGER + r"\Elements\24000001")
    except (PermissionError, FileNotFoundError, OSError):
        order = None
    if order is not None:
        entries = [str(e) for e in (order.get("Element") or [])]
        names = []
        for entry in entries:
            desc = _values(system, HKLM, BCD_OBJECTS + "\\" + entry + r"\Elements\12000004") or {}
            names.append(str(desc.get("Element") or entry))
        return {"detected": len(entries) > 1, "entries": names, "source": "bcd"}
    return unknown("boot configuration needs administrator rights")


def memory_fact(system: System) -> dict[str, Any]:
    """Installed and total memory, and the lowest availability of three samples."""
    statuses: list[dict[str, int]] = []

    def read() -> Any:
        statuses.append(system.memory_status())
        return statuses[-1]["total_bytes"], statuses[-1]["available_bytes"]

    fact: dict[str, Any] = common.sample_memory(read, sleep=system.sleep)
    if statuses and "installed_bytes" in statuses[-1]:
        fact["installed_bytes"] = int(statuses[-1]["installed_bytes"])
    return fact


def system_disk_fact(system: System) -> dict[str, Any]:
    return system.disk_usage(system.system_drive().rstrip("\\") + "\\")


def camera_rows(system: System) -> list[dict[str, Any]]:
    return [
        row
        for row in system.wmi(CAMERA_QUERY)
        if row.get("ConfigManagerErrorCode") in (0, None) and row.get("Name")
    ]


def cameras_fact(system: System) -> dict[str, Any]:
    """Working imaging/camera devices (Device Manager's "Cameras" and "Imaging devices")."""
    names = [str(row["Name"]) for row in camera_rows(system)]
    return {"count": len(names), "names": names}


def microphones_fact(system: System) -> dict[str, Any]:
    """Active audio capture endpoints, as the Sound control panel lists them."""
    names = []
    for endpoint in system.subkeys(HKLM, CAPTURE_ENDPOINTS):
        base = CAPTURE_ENDPOINTS + "\\" + endpoint
        if (_values(system, HKLM, base) or {}).get("DeviceState") != 1:
            continue
        props = _values(system, HKLM, base + r"\Properties") or {}
        name, device = props.get(ENDPOINT_NAME), props.get(ENDPOINT_DEVICE)
        names.append(
            "%s (%s)" % (name, device) if name and device else str(name or device or endpoint)
        )
    return {"count": len(names), "names": names}


def virtual_cameras_fact(system: System, profile: dict[str, Any]) -> dict[str, Any]:
    """Virtual cameras among DirectShow video sources (both views) and camera devices."""
    names: list[str] = []
    for view in (64, 32):
        try:
            instances = system.subkeys(HKLM, DIRECTSHOW_VIDEO_INPUTS, view)
        except FileNotFoundError:
            continue
        for instance in instances:
            friendly = (
                _values(system, HKLM, DIRECTSHOW_VIDEO_INPUTS + "\\" + instance, view) or {}
            ).get("FriendlyName")
            if friendly:
                names.append(str(friendly))
    # DirectShow alone still answers when WMI fails, whatever the failure.
    with contextlib.suppress(Exception):
        names += [str(row["Name"]) for row in camera_rows(system)]
    return {"names": common.matching_names(names, common.virtual_camera_patterns(profile))}


def security_software_fact(system: System, profile: dict[str, Any]) -> dict[str, Any]:
    """Forbidden products found in installed programs, services and processes (matches only)."""
    products = common.security_products(profile)
    matches: list[dict[str, str]] = []
    sources: list[str] = []
    unavailable: dict[str, str] = {}
    for hive, view in ((HKLM, 64), (HKLM, 32), (HKCU, 64)):
        try:
            keys = system.subkeys(hive, UNINSTALL, view)
        except FileNotFoundError:
            keys = []
        except OSError as exc:
            unavailable["registry"] = type(exc).__name__
            continue
        for key in keys:
            values = _values(system, hive, UNINSTALL + "\\" + key, view) or {}
            product = common.match_display_name(products, str(values.get("DisplayName") or ""), key)
            if product:
                matches.append(
                    {
                        "product": product,
                        "source": "registry",
                        "detail": str(values.get("DisplayName") or key),
                    }
                )
        sources.append("registry")
    for listed in products:
        for service in listed.get("services") or []:
            if _values(system, HKLM, SERVICES + "\\" + str(service)) is not None:
                matches.append({"product": listed["name"], "source": "service", "detail": service})
    sources.append("services")
    try:
        matches += common.match_processes(products, system.process_names())
        sources.append("processes")
    except Exception as exc:  # noqa: BLE001 - registry and services still answer
        unavailable["processes"] = type(exc).__name__
    unique = []
    for match in matches:
        if match not in unique:
            unique.append(match)
    return {"matches": unique, "sources": sorted(set(sources)), "unavailable": unavailable}


def auto_updates_fact(system: System) -> dict[str, Any]:
    """Whether Windows updates itself: group policy, the Windows 7 setting, the service."""
    policy = _values(system, HKLM, AU_POLICY) or {}
    settings = _values(system, HKLM, AU_SETTINGS) or {}
    service = _values(system, HKLM, SERVICES + r"\wuauserv")
    start = SERVICE_START.get(_int(service.get("Start")), "unknown") if service else "missing"
    fact = {
        "no_auto_update": _int(policy.get("NoAutoUpdate")),
        "policy_au_options": _int(policy.get("AUOptions")),
        "au_options": _int(settings.get("AUOptions")),
        "service_start": start,
    }
    # AUOptions 1 is Windows 7's "Never check for updates"; a disabled service cannot update.
    off = fact["no_auto_update"] == 1 or fact["au_options"] == 1 or start in ("disabled", "missing")
    fact["enabled"] = not off
    return fact


def power_fact(system: System) -> dict[str, Any]:
    values = system.power_timeouts()
    fact: dict[str, Any] = {}
    for key in ("ac_sleep_seconds", "ac_display_seconds", "dc_sleep_seconds", "dc_display_seconds"):
        fact[key] = int(values[key]) if key in values else unknown("not readable")
    return fact


def displays_fact(system: System) -> dict[str, Any]:
    return {"count": system.monitor_count()}


def battery_fact(system: System) -> dict[str, Any]:
    """Battery from GetSystemPowerStatus: flag 128 means no system battery, 255 unknown."""
    status = system.power_status()
    flag = status.get("battery_flag")
    if flag == 255:
        return unknown("battery status unknown")
    present = not (flag is not None and flag & 128)
    percent = status.get("percent")
    return {
        "present": present,
        "percent": percent if present and percent != 255 else None,
        "plugged": {0: False, 1: True}.get(status.get("ac_line", -1)),
    }


def network_fact(system: System) -> dict[str, Any]:
    """The adapter carrying the default route: its medium, gateway, and hotspot signs."""
    routes = [row for row in system.wmi(ROUTE_QUERY) if row.get("DefaultIPGateway")]
    if not routes:
        return unknown("no default gateway")
    routes.sort(key=lambda row: _int(row.get("IPConnectionMetric")) or 0)
    route = routes[0]
    gateways = route["DefaultIPGateway"]
    gateway = str(gateways[0] if isinstance(gateways, list) else gateways)
    description = str(route.get("Description") or "")
    kind = None
    try:
        for adapter in system.wmi(ADAPTER_QUERY, r"root\StandardCimv2"):
            if adapter.get("InterfaceIndex") == route.get("InterfaceIndex"):
                kind = MEDIUM_TYPES.get(_int(adapter.get("NdisPhysicalMedium")), "other")
    except Exception:  # noqa: BLE001 - MSFT_NetAdapter is Windows 8+; Windows 7 falls back
        kind = None
    if kind is None:
        lowered = description.lower()
        kind = (
            "wifi"
            if any(w in lowered for w in WIFI_WORDS)
            else "cellular"
            if any(w in lowered for w in CELLULAR_WORDS)
            else "ethernet"
        )
    hotspot, reason = common.hotspot_heuristic(gateway, None, description)
    return {
        "type": kind,
        "hotspot": hotspot,
        "hotspot_reason": reason,
        "gateway": gateway,
        "interface": description,
        "ssid": unknown("not read on Windows"),
        "metered": unknown("not readable without WinRT"),
    }


def virtual_machine_fact(system: System) -> dict[str, Any]:
    """Hypervisor names in the firmware strings the registry keeps."""
    bios = _values(system, HKLM, BIOS)
    if bios:
        strings = [
            bios.get(k)
            for k in (
                "SystemManufacturer",
                "SystemProductName",
                "BIOSVendor",
                "BaseBoardManufacturer",
            )
        ]
    else:
        rows = system.wmi("SELECT Manufacturer, Model FROM Win32_ComputerSystem")
        strings = [str(row.get(k)) for row in rows for k in ("Manufacturer", "Model")]
    evidence = common.vm_evidence(str(s) for s in strings if s)
    return {"detected": bool(evidence), "evidence": evidence}


def probes(profile: dict[str, Any], system: System) -> dict[str, Callable[[], Any]]:
    """The Windows probe table, bound to a system (real or recorded)."""
    return {
        "os": lambda: os_fact(system),
        "dual_boot": lambda: dual_boot_fact(system),
        "memory": lambda: memory_fact(system),
        "system_disk": lambda: system_disk_fact(system),
        "cameras": lambda: cameras_fact(system),
        "microphones": lambda: microphones_fact(system),
        "virtual_cameras": lambda: virtual_cameras_fact(system, profile),
        "security_software": lambda: security_software_fact(system, profile),
        "auto_updates": lambda: auto_updates_fact(system),
        "power": lambda: power_fact(system),
        "displays": lambda: displays_fact(system),
        "battery": lambda: battery_fact(system),
        "network": lambda: network_fact(system),
        "virtual_machine": lambda: virtual_machine_fact(system),
    }
