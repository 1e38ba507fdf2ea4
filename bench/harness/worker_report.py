"""gunicorn settings for bench.worker_memory: the project's gunicorn.conf.py unchanged, plus
a worker_exit hook that writes, into $BENCH_WORKER_REPORT_DIR, the modules the worker has
imported and (when it traces: PYTHONTRACEMALLOC) its live allocations by package.

    gunicorn --config python:bench.harness.worker_report wsgi:app
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness.processes import ROOT

# The served settings are the project's own: gunicorn reads only one config.
exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))  # noqa: S102


def package_of(filename: str) -> str:
    """The top-level package (or standard-library module) a source file belongs to."""
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1 :]
        return rest[0].removesuffix(".py") if rest else filename
    if path.is_relative_to(ROOT):
        return path.relative_to(ROOT).parts[0].removesuffix(".py")
    if filename.startswith("<"):
        return filename
    return (
        "stdlib " + path.stem
        if path.parent.name.startswith("python")
        else "stdlib " + (path.parent.name)
    )


def allocations() -> dict[str, int]:
    """Live traced allocations by package (empty when the worker does not trace)."""
    import tracemalloc

    if not tracemalloc.is_tracing():
        return {}
    sizes: Counter[str] = Counter()
    for stat in tracemalloc.take_snapshot().statistics("filename"):
        sizes[package_of(stat.traceback[0].filename)] += stat.size
    return dict(sizes)


#: The allocations once the app is loaded, before the first request (post_worker_init).
_loaded: dict[str, int] = {}


def post_worker_init(worker: Any) -> None:
    if os.environ.get("BENCH_WORKER_REPORT_DIR"):
        _loaded.update(allocations())


def worker_exit(server: Any, worker: Any) -> None:
    folder = os.environ.get("BENCH_WORKER_REPORT_DIR")
    if not folder:
        return
    report = {
        "pid": os.getpid(),
        "modules": sorted(sys.modules),
        "allocations": allocations(),
        "loaded": _loaded,
    }
    (Path(folder) / f"{os.getpid()}.json").write_text(json.dumps(report))


def pre_fork(server: Any, worker: Any) -> None:
    """With BENCH_GC_FREEZE (and --preload): what the master has loaded is moved out of the
    collector's reach before each fork, so collections in a worker do not write to, and so
    copy, the pages it shares with the master."""
    if os.environ.get("BENCH_GC_FREEZE"):
        import gc

        gc.freeze()
