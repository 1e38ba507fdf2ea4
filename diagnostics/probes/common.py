"""What every platform's probes share: running probes safely, psutil, and small heuristics."""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import Any, Callable, Iterable

from diagnostics.facts import unknown
from diagnostics.profile import check_params

try:  # psutil is optional: the zipapp does not bundle it, and every fact degrades to unknown.
    import psutil
except ImportError:  # pragma: no cover - depends on the interpreter
    psutil = None

MEMORY_SAMPLES = 3
MEMORY_SAMPLE_INTERVAL = 0.15

#: Gateways that phones hand out when they share their connection.
HOTSPOT_GATEWAYS = {
    "192.168.43.1": "Android hotspot gateway 192.168.43.1",
    "172.20.10.1": "iPhone hotspot gateway 172.20.10.1",
    "192.168.42.129": "Android USB tethering gateway 192.168.42.129",
}
#: Default hotspot names (SSID substrings, case-insensitive). Router brands are not listed:
#: HUAWEI and Xiaomi routers use their brand name too.
HOTSPOT_SSIDS = ("iphone", "androidap", "android_", "的iphone")
#: Adapters that are a phone tethered over USB.
TETHERING_ADAPTERS = ("remote ndis", "rndis", "apple mobile device ethernet", "ipheth", "cdc_ether")

VM_MARKERS = (
    ("vmware", "VMware"),
    ("virtualbox", "VirtualBox"),
    ("innotek", "VirtualBox"),
    ("qemu", "QEMU"),
    ("kvm", "KVM"),
    ("xen", "Xen"),
    ("parallels", "Parallels"),
    ("virtual machine", "Hyper-V"),
    ("bochs", "Bochs"),
    ("amazon ec2", "Amazon EC2"),
    ("google compute engine", "Google Compute Engine"),
)


class Unavailable(Exception):
    """A source gave no usable answer; ``reason`` is one of ``reasons.REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_probe(probe: Callable[[], Any]) -> Any:
    """Run one probe; a crash becomes unknown with its reason (else the exception's class)."""
    try:
        return probe()
    except Unavailable as exc:
        return unknown(exc.reason)
    except Exception as exc:  # noqa: BLE001 - one failing probe never stops the run
        return unknown(type(exc).__name__)


def run_probes(probes: dict[str, Callable[[], Any]], timeout: float = 25.0) -> dict[str, Any]:
    """Run probes in parallel daemon threads; one that overruns the timeout becomes unknown."""
    results: dict[str, Any] = {}

    def worker(key: str, probe: Callable[[], Any]) -> None:
        results[key] = run_probe(probe)

    threads = [threading.Thread(target=worker, args=item, daemon=True) for item in probes.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {key: results.get(key, unknown("timed out")) for key in probes}


def sample_memory(
    read: Callable[[], tuple[int, int]],
    samples: int = MEMORY_SAMPLES,
    interval: float = MEMORY_SAMPLE_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Read (total, available) several times and keep the lowest availability seen."""
    total, lowest = 0, None
    for index in range(samples):
        if index:
            sleep(interval)
        total, available = read()
        lowest = available if lowest is None else min(lowest, available)
    return {"total_bytes": int(total), "available_bytes": int(lowest or 0)}


def has_psutil() -> bool:
    """Whether psutil could be imported (the zipapp runs without it)."""
    return psutil is not None


def psutil_memory() -> tuple[int, int]:
    """Return (total, available) bytes from psutil."""
    if psutil is None:
        raise RuntimeError("psutil missing")
    memory = psutil.virtual_memory()
    return memory.total, memory.available


def disk_fact(path: str) -> dict[str, Any]:
    """Free and total bytes of the drive holding ``path``."""
    usage = shutil.disk_usage(path)
    return {"path": path, "free_bytes": int(usage.free), "total_bytes": int(usage.total)}


def psutil_battery() -> dict[str, Any]:
    """Battery presence and charge from psutil (None from psutil means no battery)."""
    if psutil is None or not hasattr(psutil, "sensors_battery"):
        return unknown("psutil missing")
    battery = psutil.sensors_battery()
    if battery is None:
        return {"present": False, "percent": None, "plugged": None}
    return {
        "present": True,
        "percent": round(float(battery.percent), 1),
        "plugged": battery.power_plugged,
    }


def process_names() -> list[str]:
    """Names of running processes (psutil); raises when psutil is missing."""
    if psutil is None:
        raise RuntimeError("psutil missing")
    names = []
    for process in psutil.process_iter(["name"]):
        name = process.info.get("name")
        if name:
            names.append(name)
    return names


def security_products(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The products the profile forbids (well-formed entries only)."""
    products = check_params(profile, "security_software").get("products")
    return (
        [p for p in products if isinstance(p, dict) and isinstance(p.get("name"), str)]
        if isinstance(products, list)
        else []
    )


def _lower_list(value: Any) -> list[str]:
    return [str(v).lower() for v in value if v] if isinstance(value, list) else []


def match_processes(products: list[dict[str, Any]], names: Iterable[str]) -> list[dict[str, str]]:
    """Matches of running process names against the products (only matches are reported)."""
    running = {name.lower(): name for name in names}
    matches = []
    for product in products:
        for wanted in _lower_list(product.get("processes")):
            if wanted in running:
                matches.append(
                    {"product": product["name"], "source": "process", "detail": running[wanted]}
                )
    return matches


def match_display_name(
    products: list[dict[str, Any]], display_name: str, key_name: str
) -> str | None:
    """The product an installed-program entry belongs to, by DisplayName or Uninstall key name."""
    lowered, key = display_name.lower(), key_name.lower()
    for product in products:
        if any(
            p in lowered for p in _lower_list(product.get("display_names"))
        ) or key in _lower_list(product.get("uninstall_keys")):
            return str(product["name"])
    return None


def virtual_camera_patterns(profile: dict[str, Any]) -> list[str]:
    """Virtual camera names from the profile, lower-cased."""
    return _lower_list(check_params(profile, "virtual_camera").get("names"))


def matching_names(names: Iterable[str], patterns: list[str]) -> list[str]:
    """The names containing any of the (lower-case) patterns, without duplicates."""
    found: list[str] = []
    for name in names:
        if any(p in name.lower() for p in patterns) and name not in found:
            found.append(name)
    return found


def hotspot_heuristic(
    gateway: str | None, ssid: str | None, adapter: str | None
) -> tuple[bool, str | None]:
    """Guess whether the connection is a phone's hotspot; return (hotspot, why)."""
    if gateway in HOTSPOT_GATEWAYS:
        return True, HOTSPOT_GATEWAYS[gateway]
    if ssid and any(marker in ssid.lower() for marker in HOTSPOT_SSIDS):
        return True, "SSID " + ssid
    if adapter and any(marker in adapter.lower() for marker in TETHERING_ADAPTERS):
        return True, "USB tethering: " + adapter
    return False, None


def vm_evidence(strings: Iterable[str | None]) -> list[str]:
    """Hypervisor names found in firmware/vendor strings."""
    found: list[str] = []
    for text in strings:
        lowered = (text or "").lower()
        for marker, label in VM_MARKERS:
            if marker in lowered and label not in found:
                found.append(label)
    return found


def home_dir() -> str:
    """The user's home directory."""
    return os.path.expanduser("~")
