"""macOS probes: enough for development machines (Apple systems always fail the OS check)."""

from __future__ import annotations

import json
import platform
import subprocess  # nosec B404 - runs fixed system tools, never a shell
from typing import Any, Callable

from diagnostics.facts import unknown
from diagnostics.probes import common


def system_profiler(data_type: str) -> list[dict[str, Any]]:
    """Items of one ``system_profiler -json`` data type (JSON output, not translated text)."""
    output = subprocess.run(  # nosec B603 B607 - fixed argv of a system tool, no shell
        ["system_profiler", "-json", data_type], capture_output=True, timeout=20, check=True
    ).stdout
    items = json.loads(output.decode("utf-8", "replace")).get(data_type, [])
    return items if isinstance(items, list) else []


def cameras_from(items: list[dict[str, Any]]) -> dict[str, Any]:
    names = [str(item.get("_name")) for item in items if item.get("_name")]
    return {"count": len(names), "names": names}


def microphones_from(items: list[dict[str, Any]]) -> dict[str, Any]:
    names = [
        str(device.get("_name"))
        for item in items
        for device in item.get("_items", [])
        if device.get("coreaudio_device_input")
    ]
    return {"count": len(names), "names": names}


def displays_from(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": sum(len(gpu.get("spdisplays_ndrvs", [])) for gpu in items)}


def probes(profile: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """The macOS probe table."""
    patterns = common.virtual_camera_patterns(profile)

    def virtual_cameras() -> dict[str, Any]:
        names = cameras_from(system_profiler("SPCameraDataType"))["names"]
        return {"names": common.matching_names(names, patterns)}

    def memory() -> dict[str, Any]:
        return common.sample_memory(common.psutil_memory)

    def security_software() -> dict[str, Any]:
        products = common.security_products(profile)
        return {
            "matches": common.match_processes(products, common.process_names()),
            "sources": ["processes"],
        }

    return {
        "os": lambda: {
            "family": "macos",
            "version": platform.mac_ver()[0],
            "build": None,
            "name": "macOS " + platform.mac_ver()[0],
        },
        "dual_boot": lambda: unknown("not read on macOS"),
        "memory": memory,
        "system_disk": lambda: common.disk_fact("/"),
        "cameras": lambda: cameras_from(system_profiler("SPCameraDataType")),
        "microphones": lambda: microphones_from(system_profiler("SPAudioDataType")),
        "virtual_cameras": virtual_cameras,
        "security_software": security_software,
        "auto_updates": lambda: unknown("not read on macOS"),
        "power": lambda: unknown("not read on macOS"),
        "displays": lambda: displays_from(system_profiler("SPDisplaysDataType")),
        "battery": common.psutil_battery,
        "network": lambda: unknown("not read on macOS"),
        "virtual_machine": lambda: {"detected": False, "evidence": []},
    }
