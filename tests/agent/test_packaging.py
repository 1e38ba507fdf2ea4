"""The agent stays its own program: no desk imports, it runs under Python 3.8, and its zipapp works
without psutil."""

from __future__ import annotations

import ast
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "diagnostics"
ALLOWED_THIRD_PARTY = {"psutil", "winreg", "pythoncom", "win32com"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def test_the_agent_imports_nothing_from_the_desk_or_flask():
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    for path in PACKAGE.rglob("*.py"):
        if path.name == "agent.spec":
            continue
        for module in imported_modules(path):
            assert module not in {"helpdesk", "flask", "werkzeug", "sqlalchemy"}, path
            if stdlib is not None:
                assert (
                    module in stdlib or module in ALLOWED_THIRD_PARTY or module == "diagnostics"
                ), (path, module)


def loaded_after(imports: str, prefixes: tuple) -> str:
    code = (
        f"import sys, {imports}; print([m for m in sys.modules if m.split('.')[0] in {prefixes!r}])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_desk_can_import_the_rules_without_loading_psutil():
    assert loaded_after("diagnostics.rules, diagnostics.profile", ("psutil", "helpdesk")) == "[]"


def test_running_the_agent_loads_no_desk_code():
    assert loaded_after("diagnostics.cli, diagnostics.__main__", ("helpdesk", "flask")) == "[]"


def python38():
    """A working Python 3.8: $AGENT_PYTHON38, python3.8 on PATH, or pyenv's; else None."""
    candidates = [os.environ.get("AGENT_PYTHON38"), shutil.which("python3.8")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    for candidate in candidates:
        if (
            candidate
            and subprocess.run(
                [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 8)"],
                capture_output=True,
            ).returncode
            == 0
        ):
            return candidate
    return None


PY38 = python38()
needs_py38 = pytest.mark.skipif(PY38 is None, reason="no working python3.8")


def run_agent(command, tmp_path):
    result = subprocess.run(
        [*command, "--offline", "--json", "--no-bandwidth", "--save-dir", str(tmp_path)],
        cwd=str(tmp_path),
        capture_output=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8"),
    )
    assert result.returncode in (0, 1, 2), result.stderr.decode("utf-8", "replace")
    return json.loads(result.stdout.decode("utf-8"))


@needs_py38
def test_the_agent_runs_under_python_38(tmp_path):
    report = run_agent([PY38, "-m", "diagnostics"], tmp_path)

    assert report["facts"]["os"]["family"] == "linux"
    assert report["verdict"] == "fail"


@needs_py38
def test_the_zipapp_runs_under_python_38_without_psutil(tmp_path):
    build = subprocess.run(
        [PY38, str(PACKAGE / "build.py"), str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        check=True,
    )
    pyz = Path(build.stdout.strip())

    report = run_agent([PY38, "-S", str(pyz)], tmp_path)

    assert pyz.name == "helpdesk-agent.pyz"
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert report["facts"]["memory"]["total_bytes"] > 0  # read from /proc without psutil
    assert "unknown" in report["facts"]["security_software"]


def test_the_zipapp_holds_only_the_agent(tmp_path):
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("agent_build", PACKAGE / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)  # diagnostics/build.py is a script, not a module

    with zipfile.ZipFile(build.build(str(tmp_path))) as archive:
        names = archive.namelist()

    assert all(n == "__main__.py" or n.startswith("diagnostics/") for n in names)
    assert not any("__pycache__" in n or n.endswith("build.py") for n in names)
