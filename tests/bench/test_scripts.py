"""Every bench script is a module of the bench package, run as `python -m bench.NAME` from
the project root: none edits sys.path, the docs and the Makefile say so, and no script
computes a percentile of its own."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__")
MODULES = sorted(p for p in BENCH.rglob("*.py") if "out" not in p.relative_to(BENCH).parts)


def test_there_are_bench_scripts():
    assert {"examday", "help_burst", "inbox", "readiness_agent", "upload_events"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_imports_as_a_module_and_has_a_main(name):
    module = importlib.import_module(f"bench.{name}")

    assert callable(module.main)
    assert f"-m bench.{name}" in (module.__doc__ or "")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bench_module_edits_the_import_path_or_measures_percentiles_its_own_way(path):
    source = path.read_text(encoding="utf-8")

    assert "sys.path" not in source
    assert "PYTHONPATH" not in source
    if path != BENCH / "harness" / "stats.py":
        assert "import statistics" not in source
        assert "def percentile" not in source


def test_the_makefile_and_the_docs_run_the_scripts_as_modules():
    texts = [ROOT / "Makefile", ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    by_path = re.compile(r"python3? (?:\S*/)?bench/\w+\.py")

    offenders = [
        f"{path.name}: {match}"
        for path in texts
        for match in by_path.findall(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []
