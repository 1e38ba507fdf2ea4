"""The import rules of docs/architecture.md: capabilities build only on earlier ones, inner
layers never reach Flask or the web, no module imports in a circle, none passes 400 lines."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400

#: The capabilities in the order they build on each other; 0 is the foundation.
ORDER = {
    "identity": 1,
    "exams": 2,
    "notify": 3,
    "telephony": 3,
    "knowledge": 4,
    "tickets": 5,
    "callbacks": 6,
    "readiness": 7,
    "uploads": 8,
    "reminders": 9,
    "privacy": 10,
}
FOUNDATION = {
    "helpdesk.db",
    "helpdesk.inserts",
    "helpdesk.clock",
    "helpdesk.errors",
    "helpdesk.extensions",
    "helpdesk.security",
    "helpdesk.ratelimit",
    "helpdesk.logs",
    "helpdesk.csvexport",
    "helpdesk.categories",
    "helpdesk.idempotency",
    "helpdesk.forms",
    "helpdesk.search",
    "helpdesk.charts",
    "helpdesk.twilio_client",
    "helpdesk.jobruns",
    "helpdesk.aliyun_client",
    "helpdesk.i18n",
}
FOUNDATION_PACKAGES = {"audit"}
#: What outer modules (pages, API, jobs) may use besides the services.
WEB = {
    "helpdesk.web",
    "helpdesk.nav",
    "helpdesk.panel",
    "helpdesk.api",
    "helpdesk.identity.auth",
    "helpdesk.streaming",
}
#: The app's assembly: may import anything, imported by no capability.
ASSEMBLY = {
    "helpdesk",
    "helpdesk.models",
    "helpdesk.jobs",
    "helpdesk.cli",
    "helpdesk.devserver",
    "helpdesk.demo",
    "helpdesk.health",
    "helpdesk.metrics",
}
OUTER_NAMES = {"views", "staff_views", "api", "forms", "jobs", "webhooks", "cli", "demo"}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[Import]:
    """Every import the module runs (anywhere in it), but not those only for type checkers."""
    source = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(source, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from helpdesk.tickets import services" imports helpdesk.tickets.services;
            # "from helpdesk.tickets.models import Ticket" imports helpdesk.tickets.models.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                target = submodule if submodule in MODULES else node.module
                found.append(Import(source, target, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


MODULES = {_module_name(p): p for p in _python_files("helpdesk")}


def _known(target: str) -> str | None:
    """The desk module an import names (a package import names its __init__)."""
    return target if target in MODULES else None


def _capability(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in ORDER else None


def _is_foundation(module: str) -> bool:
    parts = module.split(".")
    return module in FOUNDATION or (len(parts) > 1 and parts[1] in FOUNDATION_PACKAGES)


def _is_web(module: str) -> bool:
    return module in WEB or module.startswith("helpdesk.api.")


def _is_outer(module: str) -> bool:
    return module.rsplit(".", 1)[-1] in OUTER_NAMES


def _desk_imports() -> list[Import]:
    return [i for p in MODULES.values() for i in _imports(p) if _known(i.target)]


def _breaks_layering(edge: Import) -> str | None:
    source, target = edge.source, edge.target
    if source in ASSEMBLY or source == target:
        return None
    if target in ASSEMBLY:
        return "imports the app's assembly"
    if _is_foundation(source):
        if _is_foundation(target) or (_is_web(target) and _is_outer(source)):
            return None
        if _is_outer(source) and _capability(target) == "identity":
            return None  # the audit page is signed-in staff only
        return "foundation builds on a capability"
    if _is_web(target):
        return None if _is_outer(source) or _is_web(source) else "inner layer uses the web"
    if _is_web(source):
        return None
    mine, theirs = _capability(source), _capability(target)
    if theirs is None:
        return None if _is_foundation(target) else f"imports {target}"
    if mine == theirs:
        return None if _is_outer(source) or not _is_outer(target) else "inner imports outer"
    if _is_outer(target):
        return "imports another capability's pages"
    if mine is not None and ORDER[theirs] >= ORDER[mine]:
        return f"{mine} (level {ORDER[mine]}) builds on {theirs} (level {ORDER[theirs]})"
    return None


def test_capabilities_build_only_on_earlier_ones_and_inner_layers_stay_off_the_web():
    broken = [
        f"{e.source}:{e.line} -> {e.target}: {why}"
        for e in _desk_imports()
        if (why := _breaks_layering(e))
    ]

    assert broken == []


def test_telephony_and_notify_know_nothing_of_the_capabilities_that_use_them():
    forbidden = ("helpdesk.callbacks", "helpdesk.tickets", "helpdesk.uploads")
    edges = [
        f"{e.source} -> {e.target}"
        for e in _desk_imports()
        if e.source.startswith(("helpdesk.telephony", "helpdesk.notify"))
        and e.target.startswith(forbidden)
    ]

    assert edges == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def test_no_modules_import_each_other_in_a_circle():
    edges: dict[str, set[str]] = {}
    for edge in _desk_imports():
        # A package importing its own modules (helpdesk/__init__) is assembly, not a circle.
        if edge.target != edge.source and not edge.target.startswith(edge.source + "."):
            edges.setdefault(edge.source, set()).add(edge.target)

    assert _cycles(edges) == []


def test_services_never_import_flask():
    offenders = [
        f"{e.source}:{e.line} imports {e.target}"
        for p in MODULES.values()
        if p.stem == "services" or (p.parent.name != "helpdesk" and p.stem == "models")
        for e in _imports(p)
        if e.target == "flask" or e.target.startswith(("flask.", "flask_wtf", "werkzeug"))
    ]

    assert offenders == []


def test_no_capability_loads_modules_by_name():
    offenders = [
        f"{e.source}:{e.line}"
        for p in MODULES.values()
        if _capability(_module_name(p))
        for e in _imports(p)
        if e.target == "importlib"
    ]

    assert offenders == []


def test_the_agent_never_imports_the_desk_or_flask():
    offenders = [
        f"{e.source}:{e.line} imports {e.target}"
        for p in _python_files("diagnostics")
        for e in _imports(p)
        if e.target.split(".")[0] in {"helpdesk", "flask", "config"}
    ]

    assert offenders == []


@pytest.mark.parametrize("folder", ["helpdesk", "diagnostics", "bench", "tests", "scripts"])
def test_no_module_is_longer_than_400_lines(folder):
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files(folder)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }

    assert long == {}


def test_every_test_module_opens_with_the_behaviour_it_covers():
    silent = [
        str(p.relative_to(ROOT))
        for p in _python_files("tests")
        if p.name.startswith("test_") and not ast.get_docstring(ast.parse(p.read_text("utf-8")))
    ]

    assert silent == []
