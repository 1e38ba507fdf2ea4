"""Recorded Windows machines: what their registry, WMI and Win32 calls answer, for the probes.

``RecordedWindows`` implements ``diagnostics.probes.winsys.System`` from recorded data; the
factories below build a clean Chinese Windows 10 laptop and its Windows 11 and Windows 7 variants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagnostics.probes import windows as w
from diagnostics.probes.winsys import HKCU, HKLM

GIB = 1024**3


class RecordedWindows:
    """The system-access layer of windows.py, answering from recorded data."""

    def __init__(self) -> None:
        self.registry: dict[tuple, dict[str, dict[str, Any]]] = {}
        self.denied: list[str] = []
        self.wmi_rows: dict[str, Any] = {}
        self.timeouts: Any = {}
        self.monitors: Any = 1
        self.memory_samples: list[dict[str, int]] = []
        self.power: Any = {}
        self.processes: Any = []
        self.disk: dict[str, Any] = {}
        self.sleeps: list[float] = []

    # recording helpers
    def key(self, hive: str, path: str, views: tuple = (64, 32), **values: Any) -> RecordedWindows:
        for view in views:
            self.registry.setdefault((hive, view), {})[path.lower()] = dict(values)
        return self

    def drop(self, hive: str, path: str) -> RecordedWindows:
        for (h, _view), keys in self.registry.items():
            if h == hive:
                for known in [
                    k for k in keys if k == path.lower() or k.startswith(path.lower() + "\\")
                ]:
                    del keys[known]
        return self

    # the system-access interface
    def _check(self, path: str) -> None:
        if any(path.lower().startswith(d.lower()) for d in self.denied):
            raise PermissionError(5, "Access is denied")

    def subkeys(self, hive: str, path: str, view: int = 64) -> list[str]:
        self._check(path)
        keys = self.registry.get((hive, view), {})
        prefix = path.lower() + "\\"
        if path.lower() not in keys and not any(k.startswith(prefix) for k in keys):
            raise FileNotFoundError(2, "The system cannot find the file specified")
        names: list[str] = []
        for known in keys:
            if known.startswith(prefix):
                child = known[len(prefix) :].split("\\")[0]
                if child not in names:
                    names.append(child)
        return names

    def values(self, hive: str, path: str, view: int = 64) -> dict[str, Any]:
        self._check(path)
        keys = self.registry.get((hive, view), {})
        if path.lower() in keys:
            return dict(keys[path.lower()])
        if any(k.startswith(path.lower() + "\\") for k in keys):
            return {}
        raise FileNotFoundError(2, "The system cannot find the file specified")

    def wmi(self, query: str, namespace: str = r"root\cimv2") -> list[dict[str, Any]]:
        for marker, rows in self.wmi_rows.items():
            if marker in query:
                if isinstance(rows, Exception):
                    raise rows
                return rows
        raise OSError("no recorded rows for " + query)

    def power_timeouts(self) -> dict[str, int]:
        if isinstance(self.timeouts, Exception):
            raise self.timeouts
        return self.timeouts

    def monitor_count(self) -> int:
        if isinstance(self.monitors, Exception):
            raise self.monitors
        return self.monitors

    def memory_status(self) -> dict[str, int]:
        return self.memory_samples[min(len(self.sleeps), len(self.memory_samples) - 1)]

    def power_status(self) -> dict[str, int]:
        return self.power

    def process_names(self) -> list[str]:
        if isinstance(self.processes, Exception):
            raise self.processes
        return self.processes

    def system_drive(self) -> str:
        return "C:"

    def disk_usage(self, path: str) -> dict[str, Any]:
        return dict(self.disk, path=path)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _capture_endpoint(
    machine: RecordedWindows, guid: str, state: int, name: str, device: str
) -> None:
    base = w.CAPTURE_ENDPOINTS + "\\" + guid
    machine.key(HKLM, base, views=(64,), DeviceState=state)
    machine.key(
        HKLM,
        base + r"\Properties",
        views=(64,),
        **{w.ENDPOINT_NAME: name, w.ENDPOINT_DEVICE: device},
    )


def windows10(build: int = 19045) -> RecordedWindows:
    """A clean Chinese Windows 10 laptop, as its registry, WMI and Win32 calls answer."""
    machine = RecordedWindows()
    machine.key(
        HKLM,
        w.CURRENT_VERSION,
        ProductName="Windows 10 Pro",
        CurrentVersion="6.3",
        CurrentMajorVersionNumber=10,
        CurrentMinorVersionNumber=0,
        CurrentBuildNumber=str(build),
        DisplayVersion="22H2",
        EditionID="Professional",
    )
    machine.key(
        HKLM,
        w.BCD_OBJECTS + "\\" + w.BOOT_MANAGER + r"\Elements\24000001",
        Element=["{current-guid}"],
    )
    machine.key(HKLM, w.BCD_OBJECTS + r"\{current-guid}\Elements\12000004", Element="Windows 10")
    machine.memory_samples = [
        {
            "total_bytes": 7 * GIB + 800 * 1024**2,
            "available_bytes": 4 * GIB,
            "installed_bytes": 8 * GIB,
        },
        {
            "total_bytes": 7 * GIB + 800 * 1024**2,
            "available_bytes": 3 * GIB,
            "installed_bytes": 8 * GIB,
        },
        {
            "total_bytes": 7 * GIB + 800 * 1024**2,
            "available_bytes": 5 * GIB,
            "installed_bytes": 8 * GIB,
        },
    ]
    machine.disk = {"free_bytes": 60 * GIB, "total_bytes": 237 * GIB}
    machine.wmi_rows[w.CAMERA_QUERY] = [
        {"Name": "Integrated Camera", "ClassGuid": w.CAMERA_CLASS, "ConfigManagerErrorCode": 0}
    ]
    _capture_endpoint(
        machine,
        "{0.0.1.00000000}.{6f5b0c5a-1111-4e0a-9b0a-1c2d3e4f5a6b}",
        1,
        "麦克风",
        "Realtek(R) Audio",
    )
    _capture_endpoint(
        machine,
        "{0.0.1.00000000}.{00000000-2222-4e0a-9b0a-1c2d3e4f5a6b}",
        4,
        "立体声混音",
        "Realtek(R) Audio",
    )
    machine.key(
        HKLM,
        w.UNINSTALL + r"\{90160000-0011-0000-1000-0000000FF1CE}",
        views=(64,),
        DisplayName="Microsoft Office 专业增强版 2016",
        Publisher="Microsoft Corporation",
    )
    machine.key(
        HKLM,
        w.UNINSTALL + r"\WeChat",
        views=(32,),
        DisplayName="微信",
        Publisher="腾讯科技(深圳)有限公司",
    )
    machine.key(
        HKLM,
        w.UNINSTALL + r"\2345Pic",
        views=(32,),
        DisplayName="2345看图王",
        Publisher="上海二三四五网络科技有限公司",
    )
    machine.key(HKCU, w.UNINSTALL + r"\Zhikaoyun", views=(64,), DisplayName="智考云")
    machine.key(HKLM, w.SERVICES + r"\wuauserv", views=(64,), Start=4)
    machine.key(HKLM, w.SERVICES + r"\WinDefend", views=(64,), Start=2)
    machine.timeouts = {
        "ac_sleep_seconds": 0,
        "ac_display_seconds": 0,
        "dc_sleep_seconds": 900,
        "dc_display_seconds": 300,
    }
    machine.monitors = 1
    machine.power = {"ac_line": 1, "battery_flag": 8, "percent": 96}
    machine.processes = ["System", "explorer.exe", "svchost.exe", "WeChat.exe"]
    machine.wmi_rows["Win32_NetworkAdapterConfiguration"] = [
        {
            "InterfaceIndex": 12,
            "Description": "Intel(R) Wi-Fi 6 AX201 160MHz",
            "DefaultIPGateway": ["192.168.1.1"],
            "IPConnectionMetric": 35,
        },
        {
            "InterfaceIndex": 7,
            "Description": "VMware Virtual Ethernet Adapter for VMnet8",
            "DefaultIPGateway": None,
            "IPConnectionMetric": 35,
        },
    ]
    machine.wmi_rows["MSFT_NetAdapter"] = [
        {
            "InterfaceIndex": 12,
            "InterfaceDescription": "Intel(R) Wi-Fi 6 AX201 160MHz",
            "NdisPhysicalMedium": 9,
        }
    ]
    machine.key(
        HKLM,
        w.BIOS,
        views=(64,),
        SystemManufacturer="LENOVO",
        SystemProductName="20XW0026CD",
        BIOSVendor="LENOVO",
    )
    return machine


def windows11() -> RecordedWindows:
    """Windows 11 still says "Windows 10" in ProductName; only the build tells."""
    return windows10(build=22631)


def windows7() -> RecordedWindows:
    """A Chinese Windows 7 SP1 desktop: no CurrentMajorVersionNumber, no MSFT_NetAdapter."""
    machine = windows10()
    machine.key(
        HKLM,
        w.CURRENT_VERSION,
        ProductName="Windows 7 Ultimate",
        CurrentVersion="6.1",
        CurrentBuildNumber="7601",
        CSDVersion="Service Pack 1",
    )
    machine.wmi_rows[w.CAMERA_QUERY] = [
        {"Name": "USB 视频设备", "ClassGuid": w.IMAGE_CLASS, "ConfigManagerErrorCode": 0}
    ]
    machine.wmi_rows["MSFT_NetAdapter"] = OSError("Invalid namespace")
    machine.wmi_rows["Win32_NetworkAdapterConfiguration"] = [
        {
            "InterfaceIndex": 11,
            "Description": "Realtek PCIe GBE Family Controller",
            "DefaultIPGateway": ["192.168.0.1"],
            "IPConnectionMetric": 10,
        }
    ]
    machine.power = {"ac_line": 1, "battery_flag": 128, "percent": 255}
    machine.drop(HKLM, w.SERVICES + r"\wuauserv")
    machine.key(HKLM, w.SERVICES + r"\wuauserv", views=(64,), Start=2)
    machine.key(HKLM, w.AU_SETTINGS, views=(64,), AUOptions=1)
    machine.key(
        HKLM,
        w.BIOS,
        views=(64,),
        SystemManufacturer="To Be Filled By O.E.M.",
        SystemProductName="To Be Filled By O.E.M.",
        BIOSVendor="American Megatrends Inc.",
    )
    return machine


MACHINES: dict[str, Callable[[], RecordedWindows]] = {
    "windows7": windows7,
    "windows10": windows10,
    "windows11": windows11,
}
