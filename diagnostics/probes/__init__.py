"""Probes: collect typed facts about this computer, one function per fact, never judging them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

from diagnostics.probes.common import run_probes

if TYPE_CHECKING:
    from diagnostics.probes.winsys import System


def platform_family(platform: str | None = None) -> str:
    """Return "windows", "macos" or "linux" for ``sys.platform`` (or the value given)."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "windows"
    return "macos" if platform == "darwin" else "linux"


def probes_for(
    profile: dict[str, Any], family: str | None = None, system: System | None = None
) -> dict[str, Callable[[], Any]]:
    """Return the probe table (fact key -> zero-argument callable) for a platform."""
    family = family or platform_family()
    if family == "windows":
        from diagnostics.probes import windows, winsys

        return windows.probes(profile, system or winsys.WindowsSystem())
    if family == "macos":
        from diagnostics.probes import macos

        return macos.probes(profile)
    from diagnostics.probes import linux

    return linux.probes(profile)


def collect(
    profile: dict[str, Any],
    family: str | None = None,
    system: System | None = None,
    timeout: float = 25.0,
) -> dict[str, Any]:
    """Run every probe of this platform in parallel and return the facts (bandwidth excluded)."""
    return run_probes(probes_for(profile, family, system), timeout=timeout)
