"""Linux probes: /proc, /sys and psutil, so the agent runs for real on development machines."""

from __future__ import annotations

import contextlib
import glob
import os
import platform
import re
import shutil
import socket
import struct
import subprocess  # nosec B404 - runs fixed system tools, never a shell
from typing import Any, Callable

from diagnostics.facts import unknown
from diagnostics.probes import common


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def os_fact() -> dict[str, Any]:
    release: dict[str, str] = {}
    try:
        for line in _read("/etc/os-release").splitlines():
            key, _, value = line.partition("=")
            release[key] = value.strip().strip('"')
    except OSError:
        pass
    return {
        "family": "linux",
        "version": release.get("VERSION_ID") or platform.release(),
        "build": None,
        "name": release.get("PRETTY_NAME") or "Linux",
        "kernel": platform.release(),
    }


def dual_boot_fact() -> dict[str, Any]:
    """Other systems in GRUB's menu or the EFI partition, when they are readable."""
    entries: list[str] = []
    sources = []
    for path in ("/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"):
        try:
            text = _read(path)
        except OSError:
            continue
        sources.append(path)
        entries += re.findall(r"^\s*menuentry\s+['\"]([^'\"]+)", text, re.M)
    efi = glob.glob("/boot/efi/EFI/*")
    if efi:
        sources.append("/boot/efi")
    systems = [e for e in entries if not re.search(r"recovery|memtest|advanced|setup", e, re.I)]
    other = [os.path.basename(d) for d in efi if os.path.basename(d).lower() == "microsoft"]
    if not sources:
        return unknown("boot configuration not readable")
    names = list(dict.fromkeys(systems + other))
    return {"detected": len(names) > 1, "entries": names, "source": ",".join(sources)}


def meminfo() -> tuple[int, int]:
    values = {}
    for line in _read("/proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        values[key] = int(rest.split()[0]) * 1024
    return values["MemTotal"], values.get("MemAvailable", values.get("MemFree", 0))


def memory_fact() -> dict[str, Any]:
    return common.sample_memory(common.psutil_memory if common.has_psutil() else meminfo)


def cameras_fact() -> dict[str, Any]:
    """Video capture devices: /sys/class/video4linux (first node per device), else /dev/video*."""
    if os.path.isdir("/sys/class/video4linux"):
        names = []
        for node in sorted(glob.glob("/sys/class/video4linux/video*")):
            try:
                if _read(node + "/index").strip() not in ("", "0"):
                    continue  # metadata node of a camera already counted
            except OSError:
                pass
            try:
                names.append(_read(node + "/name").strip())
            except OSError:
                names.append(os.path.basename(node))
        return {"count": len(names), "names": names}
    if os.path.isdir("/sys/class"):
        nodes = sorted(glob.glob("/dev/video*"))
        return {"count": len(nodes), "names": [os.path.basename(n) for n in nodes]}
    return unknown("/sys not mounted")


def microphones_fact() -> dict[str, Any]:
    """ALSA capture devices from /proc/asound/pcm."""
    try:
        text = _read("/proc/asound/pcm")
    except OSError:
        if os.path.isdir("/proc/asound") or os.path.isdir("/proc/self"):
            return {"count": 0, "names": []}
        return unknown("/proc not mounted")
    names = [
        line.split(":")[2].strip()
        for line in text.splitlines()
        if "capture" in line and line.count(":") >= 2
    ]
    return {"count": len(names), "names": names}


def virtual_cameras_fact(profile: dict[str, Any]) -> dict[str, Any]:
    cameras = cameras_fact()
    names = cameras.get("names", []) if isinstance(cameras, dict) else []
    return {"names": common.matching_names(names, common.virtual_camera_patterns(profile))}


def security_software_fact(profile: dict[str, Any]) -> dict[str, Any]:
    """The listed products are Windows programs; on Linux only running processes are checked."""
    if not common.has_psutil():
        return unknown("psutil missing")
    products = common.security_products(profile)
    return {
        "matches": common.match_processes(products, common.process_names()),
        "sources": ["processes"],
    }


def auto_updates_fact() -> dict[str, Any]:
    """unattended-upgrades (Debian/Ubuntu) as the closest thing to Windows automatic updates."""
    path = "/etc/apt/apt.conf.d/20auto-upgrades"
    try:
        text = _read(path)
    except OSError:
        if shutil.which("unattended-upgrade") is None:
            return {"enabled": False, "source": "no unattended-upgrades"}
        return unknown("unattended-upgrades configuration not readable")
    enabled = re.search(r'Unattended-Upgrade\s+"?([0-9]+)', text)
    return {"enabled": bool(enabled and enabled.group(1) != "0"), "source": path}


def power_fact() -> dict[str, Any]:
    return unknown("desktop power settings are not read on Linux")


def displays_fact() -> dict[str, Any]:
    """Connected connectors under /sys/class/drm."""
    statuses = glob.glob("/sys/class/drm/card*-*/status")
    if not statuses:
        return unknown("no DRM connectors (no display or no access)")
    return {"count": sum(1 for path in statuses if _read(path).strip() == "connected")}


def battery_fact() -> dict[str, Any]:
    if common.has_psutil():
        return common.psutil_battery()
    supplies = glob.glob("/sys/class/power_supply/*")
    batteries = [s for s in supplies if _read(s + "/type").strip() == "Battery"]
    if not batteries:
        return {"present": False, "percent": None, "plugged": None}
    try:
        percent: float | None = float(_read(batteries[0] + "/capacity"))
    except (OSError, ValueError):
        percent = None
    return {"present": True, "percent": percent, "plugged": None}


def default_route() -> tuple[str, str] | None:
    """(interface, gateway) of the default route from /proc/net/route."""
    for line in _read("/proc/net/route").splitlines()[1:]:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return fields[0], socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    return None


def _ssid(interface: str) -> Any:
    if shutil.which("iwgetid") is None:
        return unknown("iwgetid not installed")
    result = subprocess.run(["iwgetid", "-r", interface], capture_output=True, timeout=3)  # nosec B603 B607 - fixed argv, no shell
    return result.stdout.decode("utf-8", "replace").strip() or unknown("not connected")


def network_fact() -> dict[str, Any]:
    route = default_route()
    if route is None:
        return unknown("no default route")
    interface, gateway = route
    base = "/sys/class/net/" + interface
    driver = (
        os.path.basename(os.path.realpath(base + "/device/driver"))
        if os.path.exists(base + "/device/driver")
        else ""
    )
    if os.path.isdir(base + "/wireless") or os.path.isdir(base + "/phy80211"):
        kind = "wifi"
    elif interface.startswith("ww") or driver in ("qmi_wwan", "cdc_mbim"):
        kind = "cellular"
    elif os.path.exists(base + "/device"):
        kind = "ethernet"
    else:
        kind = "other"  # virtual interface: container, VPN, bridge
    ssid = _ssid(interface) if kind == "wifi" else None
    hotspot, reason = common.hotspot_heuristic(
        gateway, ssid if isinstance(ssid, str) else None, driver
    )
    return {
        "type": kind,
        "hotspot": hotspot,
        "hotspot_reason": reason,
        "gateway": gateway,
        "interface": interface,
        "ssid": ssid,
        "metered": unknown("not read on Linux"),
    }


def virtual_machine_fact() -> dict[str, Any]:
    strings = []
    for name in ("sys_vendor", "product_name", "bios_vendor", "board_vendor"):
        with contextlib.suppress(OSError):
            strings.append(_read("/sys/class/dmi/id/" + name).strip())
    evidence = common.vm_evidence(strings)
    try:
        if re.search(r"^flags\s*:.*\bhypervisor\b", _read("/proc/cpuinfo"), re.M):
            evidence.append("CPU hypervisor flag")
    except OSError:
        pass
    return {"detected": bool(evidence), "evidence": evidence}


def probes(profile: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """The Linux probe table."""
    return {
        "os": os_fact,
        "dual_boot": dual_boot_fact,
        "memory": memory_fact,
        "system_disk": lambda: common.disk_fact("/"),
        "cameras": cameras_fact,
        "microphones": microphones_fact,
        "virtual_cameras": lambda: virtual_cameras_fact(profile),
        "security_software": lambda: security_software_fact(profile),
        "auto_updates": auto_updates_fact,
        "power": power_fact,
        "displays": displays_fact,
        "battery": battery_fact,
        "network": network_fact,
        "virtual_machine": virtual_machine_fact,
    }
