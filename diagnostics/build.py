"""Build the agent as a zipapp: ``python diagnostics/build.py OUTDIR`` -> OUTDIR/helpdesk-agent.pyz.

Only the ``diagnostics`` package goes in (no tests, no caches, not this script); psutil is not
bundled, so facts that need it come out unknown where it is not installed. Runs with Python 3.8+.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zipapp

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
NAME = "helpdesk-agent.pyz"
SKIP = ("build.py", "agent.spec", "pyinstaller_entry.py", "winbuild", "requirements-windows.txt")


def build(outdir: str, server: str | None = None) -> str:
    """Build the zipapp into ``outdir`` and return its path; ``server`` is the desk a run
    without ``--server`` reports to (see diagnostics/settings.py)."""
    os.makedirs(outdir, exist_ok=True)
    target = os.path.join(outdir, NAME)
    with tempfile.TemporaryDirectory() as staging:
        shutil.copytree(
            PACKAGE_DIR,
            os.path.join(staging, "diagnostics"),
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "defaults.json", *SKIP),
        )
        if server:
            write_defaults(os.path.join(staging, "diagnostics"), server)
        zipapp.create_archive(
            staging,
            target,
            interpreter="/usr/bin/env python3",
            main="diagnostics.cli:run_zipapp",
            compressed=True,
        )
    return target


def write_defaults(directory: str, server: str) -> str:
    """Write defaults.json (the desk address) into a package directory; return its path."""
    if not server.startswith(("https://", "http://")):
        raise ValueError("the server must start with https:// or http://")
    path = os.path.join(directory, "defaults.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"server": server.rstrip("/")}, handle)
    return path


if __name__ == "__main__":
    args = sys.argv[1:]
    server = None
    if len(args) == 3 and args[1] == "--server":
        server = args[2]
    elif len(args) != 1:
        sys.exit("usage: python diagnostics/build.py OUTDIR [--server URL]")
    print(build(args[0], server))
