"""The Windows system layer: the only code that touches winreg, ctypes, COM or PowerShell.

The Windows probes read facts through ``System``; ``WindowsSystem`` is the real machine, and the
tests pass a recorded machine with the same methods. Nothing here parses translated console text
(no bcdedit, powercfg, netsh or wmic).

The Windows-only calls start with a ``sys.platform`` check so that mypy, run for Linux, skips
their bodies; ``mypy --platform win32`` checks them against the Windows stubs.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess  # nosec B404 - runs fixed system tools, never a shell
import sys
import time
import uuid
from typing import Any, Callable, Protocol

from diagnostics.probes import common

HKLM, HKCU = "HKLM", "HKCU"
POWER_SETTINGS = {
    # (subgroup, setting): sleep after, turn off the display after.
    "sleep": ("238c9fa8-0aad-41ed-83f4-97be242c8f20", "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"),
    "display": ("7516b95f-f776-4464-8c53-06167f40cc99", "3c0bc021-c8a8-4e07-a973-6b14cbcb2b7e"),
}
SM_CMONITORS = 80
CREATE_NO_WINDOW = 0x08000000


class System(Protocol):
    """What the Windows probes read through: the real machine, or a recorded one in tests."""

    def subkeys(self, hive: str, path: str, view: int = 64) -> list[str]:
        """Names of the subkeys; FileNotFoundError or PermissionError as winreg raises them."""

    def values(self, hive: str, path: str, view: int = 64) -> dict[str, Any]:
        """The values of a key as a dict (name -> data)."""

    def wmi(self, query: str, namespace: str = r"root\cimv2") -> list[dict[str, Any]]:
        """Rows of a WQL query, one dict per row with the selected fields."""

    def power_timeouts(self) -> dict[str, int]:
        """Sleep and display timeouts (seconds, 0 = never) of the active power scheme."""

    def monitor_count(self) -> int:
        """Display monitors on the desktop."""

    def memory_status(self) -> dict[str, int]:
        """total_bytes, available_bytes and (when known) installed_bytes."""

    def power_status(self) -> dict[str, int]:
        """ac_line, battery_flag and percent, as GetSystemPowerStatus reports them."""

    def process_names(self) -> list[str]:
        """Names of the running processes."""

    def system_drive(self) -> str:
        """The drive Windows is installed on, such as "C:"."""

    def disk_usage(self, path: str) -> dict[str, Any]:
        """The system_disk fact of a path."""

    def sleep(self, seconds: float) -> None:
        """Wait between samples."""


class WindowsSystem:
    """The real machine: registry, WMI, and the few Win32 calls the probes need."""

    def __init__(self, run: Callable[..., Any] = subprocess.run) -> None:
        self.run = run  # how PowerShell is started; tests replace it

    def subkeys(self, hive: str, path: str, view: int = 64) -> list[str]:
        """Names of the subkeys; FileNotFoundError or PermissionError as winreg raises them."""
        if sys.platform != "win32":
            raise ImportError("the registry exists only on Windows")
        import winreg

        with _open_key(hive, path, view) as key:
            return [winreg.EnumKey(key, index) for index in range(winreg.QueryInfoKey(key)[0])]

    def values(self, hive: str, path: str, view: int = 64) -> dict[str, Any]:
        """The values of a key as a dict (name -> data)."""
        if sys.platform != "win32":
            raise ImportError("the registry exists only on Windows")
        import winreg

        result: dict[str, Any] = {}
        with _open_key(hive, path, view) as key:
            for index in range(winreg.QueryInfoKey(key)[1]):
                name, data, _kind = winreg.EnumValue(key, index)
                result[name] = data
        return result

    def wmi(self, query: str, namespace: str = r"root\cimv2") -> list[dict[str, Any]]:
        """Rows of a WQL query: COM through win32com when importable, else PowerShell JSON."""
        selected = re.match(r"SELECT (.+?) FROM", query, re.IGNORECASE)
        if selected is None:
            raise ValueError("not a WQL SELECT: " + query)
        fields = [f.strip() for f in selected.group(1).split(",")]
        try:
            import pythoncom  # type: ignore[import-untyped]  # no pywin32 stubs
            import win32com.client  # type: ignore[import-untyped]  # no pywin32 stubs
        except ImportError:
            return self._wmi_powershell(query, namespace, fields)
        pythoncom.CoInitialize()
        try:
            service = win32com.client.GetObject("winmgmts:\\\\.\\" + namespace)
            return [
                {f: _com_value(getattr(row, f, None)) for f in fields}
                for row in service.ExecQuery(query)
            ]
        finally:
            pythoncom.CoUninitialize()

    def _wmi_powershell(
        self, query: str, namespace: str, fields: list[str]
    ) -> list[dict[str, Any]]:
        # The rows go out wrapped in {"rows": [...]}: zero rows then still print an answer,
        # so an empty output can only be a failure (wine's stub PowerShell prints nothing).
        script = (
            "$ErrorActionPreference = 'Stop'; "
            "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; "
            "$rows = @(Get-CimInstance -Namespace '%s' -Query \"%s\" | Select-Object %s); "
            "ConvertTo-Json -InputObject @{rows = $rows} -Compress -Depth 4"
            % (namespace, query, ",".join(fields))
        )
        command = ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy"]
        command += ["Bypass", "-Command", script]
        try:
            result = self.run(  # powershell.exe with a fixed script, no shell
                command,
                capture_output=True,
                timeout=20,
                check=False,
                creationflags=CREATE_NO_WINDOW,
            )
        except FileNotFoundError:
            raise common.Unavailable("PowerShell not found") from None
        except subprocess.TimeoutExpired:
            raise common.Unavailable("timed out") from None
        if result.returncode != 0:
            raise common.Unavailable("WMI query failed")
        return wmi_rows(result.stdout)

    def power_timeouts(self) -> dict[str, int]:
        """Sleep and display timeouts (seconds, 0 = never) of the active power scheme."""
        if sys.platform != "win32":
            raise ImportError("power schemes exist only on Windows")
        powrprof = ctypes.windll.powrprof
        scheme = ctypes.POINTER(_Guid)()
        if powrprof.PowerGetActiveScheme(None, ctypes.byref(scheme)) != 0:
            raise OSError("PowerGetActiveScheme failed")
        result: dict[str, int] = {}
        try:
            for name, (subgroup, setting) in POWER_SETTINGS.items():
                for prefix, read in (
                    ("ac", powrprof.PowerReadACValueIndex),
                    ("dc", powrprof.PowerReadDCValueIndex),
                ):
                    value = ctypes.c_ulong()
                    if (
                        read(
                            None,
                            scheme,
                            ctypes.byref(_guid(subgroup)),
                            ctypes.byref(_guid(setting)),
                            ctypes.byref(value),
                        )
                        == 0
                    ):
                        result["%s_%s_seconds" % (prefix, name)] = int(value.value)
        finally:
            ctypes.windll.kernel32.LocalFree(scheme)
        return result

    def monitor_count(self) -> int:
        """GetSystemMetrics(SM_CMONITORS): display monitors on the desktop."""
        if sys.platform != "win32":
            raise ImportError("GetSystemMetrics exists only on Windows")
        return int(ctypes.windll.user32.GetSystemMetrics(SM_CMONITORS))

    def memory_status(self) -> dict[str, int]:
        """GlobalMemoryStatusEx and GetPhysicallyInstalledSystemMemory."""
        if sys.platform != "win32":
            raise ImportError("GlobalMemoryStatusEx exists only on Windows")
        status = _MemoryStatus()
        status.dwLength = ctypes.sizeof(_MemoryStatus)
        if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            raise OSError("GlobalMemoryStatusEx failed")
        result = {"total_bytes": status.ullTotalPhys, "available_bytes": status.ullAvailPhys}
        installed_kb = ctypes.c_ulonglong()
        if ctypes.windll.kernel32.GetPhysicallyInstalledSystemMemory(ctypes.byref(installed_kb)):
            result["installed_bytes"] = installed_kb.value * 1024
        return result

    def power_status(self) -> dict[str, int]:
        """GetSystemPowerStatus: ACLineStatus, BatteryFlag, BatteryLifePercent."""
        if sys.platform != "win32":
            raise ImportError("GetSystemPowerStatus exists only on Windows")
        status = _PowerStatus()
        if not ctypes.windll.kernel32.GetSystemPowerStatus(ctypes.byref(status)):
            raise OSError("GetSystemPowerStatus failed")
        return {
            "ac_line": status.ACLineStatus,
            "battery_flag": status.BatteryFlag,
            "percent": status.BatteryLifePercent,
        }

    def process_names(self) -> list[str]:
        return common.process_names()

    def system_drive(self) -> str:
        return os.environ.get("SystemDrive", "C:")  # noqa: SIM112 - Windows spells it so

    def disk_usage(self, path: str) -> dict[str, Any]:
        return common.disk_fact(path)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def wmi_rows(output: bytes) -> list[dict[str, Any]]:
    """The rows of the PowerShell answer ``{"rows": [...]}``; no answer is never "no rows"."""
    text = output.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if not text:
        raise common.Unavailable("WMI gave no answer")
    try:
        answer = json.loads(text)
    except ValueError:
        raise common.Unavailable("WMI answer unreadable") from None
    rows = answer.get("rows") if isinstance(answer, dict) else None
    if isinstance(rows, dict):  # PowerShell 5 unwraps a one-element array
        rows = [rows]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise common.Unavailable("WMI answer unreadable")
    return rows


def _open_key(hive: str, path: str, view: int) -> Any:
    if sys.platform != "win32":
        raise ImportError("the registry exists only on Windows")
    import winreg

    flags = winreg.KEY_READ | (winreg.KEY_WOW64_32KEY if view == 32 else winreg.KEY_WOW64_64KEY)
    root = winreg.HKEY_LOCAL_MACHINE if hive == HKLM else winreg.HKEY_CURRENT_USER
    return winreg.OpenKey(root, path, 0, flags)


def _com_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class _Guid(ctypes.Structure):
    _fields_ = [
        ("Data1", ctypes.c_ulong),
        ("Data2", ctypes.c_ushort),
        ("Data3", ctypes.c_ushort),
        ("Data4", ctypes.c_ubyte * 8),
    ]


def _guid(text: str) -> _Guid:
    return _Guid.from_buffer_copy(uuid.UUID(text).bytes_le)


class _MemoryStatus(ctypes.Structure):
    """MEMORYSTATUSEX."""

    _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong)] + [
        (name, ctypes.c_ulonglong)
        for name in (
            "ullTotalPhys",
            "ullAvailPhys",
            "ullTotalPageFile",
            "ullAvailPageFile",
            "ullTotalVirtual",
            "ullAvailVirtual",
            "ullAvailExtendedVirtual",
        )
    ]


class _PowerStatus(ctypes.Structure):
    """SYSTEM_POWER_STATUS."""

    _fields_ = [
        ("ACLineStatus", ctypes.c_ubyte),
        ("BatteryFlag", ctypes.c_ubyte),
        ("BatteryLifePercent", ctypes.c_ubyte),
        ("Reserved1", ctypes.c_ubyte),
        ("BatteryLifeTime", ctypes.c_ulong),
        ("BatteryFullLifeTime", ctypes.c_ulong),
    ]
