"""Build the agent as a zipapp: ``python diagnostics/build.py OUTDIR`` -> OUTDIR/helpdesk-agent.pyz.

Only the ``diagnostics`` package goes in (no tests, no caches, not this script); psutil is not
bundled, so facts that need it come out unknown where it is not installed. Runs with Python 3.8+.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipapp

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
NAME = "helpdesk-agent.pyz"
SKIP = ("build.py", "agent.spec", "pyinstaller_entry.py")


def build(outdir: str) -> str:
    """Build the zipapp into ``outdir`` and return its path."""
    os.makedirs(outdir, exist_ok=True)
    target = os.path.join(outdir, NAME)
    with tempfile.TemporaryDirectory() as staging:
        shutil.copytree(
            PACKAGE_DIR,
            os.path.join(staging, "diagnostics"),
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *SKIP),
        )
        zipapp.create_archive(
            staging,
            target,
            interpreter="/usr/bin/env python3",
            main="diagnostics.cli:run_zipapp",
            compressed=True,
        )
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python diagnostics/build.py OUTDIR")
    print(build(sys.argv[1]))
