"""What one gunicorn worker of the desk holds in memory after a representative warm-up.

    .venv/bin/python -m bench.worker_memory [--workers 2] [--threads 1] [--presses 400]
                                            [--submissions 100] [--pages 50] [--top 25]

    BENCH_TRACEMALLOC=1 .venv/bin/python -m bench.worker_memory   (also: allocations)

Seeds a throwaway PostgreSQL database next to --pg-server as bench.side_by_side does (an exam
in progress, its roster with API tokens, signed-in web candidates, plus an agent), serves the
desk under gunicorn exactly as side_by_side serves it (production settings, the project's
gunicorn.conf.py, --workers sync workers, gthread with --threads), then sends a warm-up that
touches what a worker serves on exam day: each candidate page (my exam, 求助, device check,
upload problems, help articles, my tickets), --presses presses of 求助 through the API,
--submissions ticket forms (GET + POST), and --pages staff inbox pages and staff ticket pages.

Prints each worker's RSS (what issue 17's target counts: resident pages, shared ones
included), USS (pages only that worker holds) and PSS (its share of the shared ones), in
MiB, and the same for bench.harness.bare under the same gunicorn settings. Each worker also
writes, when it exits, the modules it has imported: the top-level packages are listed by
number of modules. With BENCH_TRACEMALLOC=1 the workers trace their allocations from the
start (which makes their RSS larger: the figures are then only for comparing packages) and
the top packages by allocated size are listed too, in all and during the warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import side_by_side
from bench.harness import bare, database, desk
from bench.harness.http import Client, Recorder, failed
from bench.harness.inbox_data import STAFF_PASSWORD
from bench.harness.processes import free_port
from bench.inbox import sign_in

CANDIDATE_PAGES = ["/", "/help", "/readiness", "/uploads/help", "/articles", "/tickets"]
#: Where a worker writes its report when it exits (bench/harness/worker_report.py reads it).
REPORT_VARIABLE = "BENCH_WORKER_REPORT_DIR"
TRACE_VARIABLE = "BENCH_TRACEMALLOC"
CONFIG = "python:bench.harness.worker_report"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="1: sync workers; more: gthread")
    parser.add_argument("--presses", type=int, default=400)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--pages", type=int, default=50, help="of each staff page")
    parser.add_argument("--top", type=int, default=25, help="packages listed")
    parser.add_argument(
        "--preload",
        action="store_true",
        help="gunicorn --preload (both servers), for comparison: the app is imported once in "
        "the master and shared copy-on-write, which lowers USS and PSS, not RSS",
    )
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


def seed(url: str, args: argparse.Namespace) -> tuple[list[str], list[dict[str, str]]]:
    """(API tokens, web identities) as side_by_side seeds them, plus the agent `bench`."""
    from helpdesk.db import Database
    from helpdesk.identity.models import Role
    from helpdesk.identity.services import create_staff

    seeding = side_by_side.parse_args(
        ["--rounds", "1", "--candidates", str(args.presses), "--seed", str(args.seed)]
    )
    seeding.web_clients = 4
    cohorts, web = side_by_side.seed_desk(url, seeding)
    db = Database(url, pool_size=1)
    with db.sessionmaker() as session:
        now = datetime.now(UTC)
        create_staff(session, username="bench", password=STAFF_PASSWORD, role=Role.AGENT, now=now)
        session.commit()
    db.engine.dispose()
    return cohorts[0], web


def warm_up(
    base: str,
    tokens: list[str],
    web: list[dict[str, str]],
    args: Any,
    measured: Callable[[str], None] = lambda phase: None,
) -> Recorder:
    """The requests of an exam day, each kind spread over every worker (keep-alive clients
    are served by whichever worker accepted their connection: several clients per kind);
    measured(phase) is called after each kind."""
    recorder = Recorder()
    candidates = [side_by_side.sign_in(base, recorder, identity) for identity in web]
    for client in candidates:
        for path in CANDIDATE_PAGES:
            client.send("GET", path, endpoint="candidate pages")
    measured("candidate sign-in and pages")
    side_by_side.press_run(base, recorder, 8, tokens, "press")
    measured("presses of 求助")
    side_by_side.submission_run(candidates, recorder, args.submissions, "ticket form")
    measured("ticket forms")
    agents = [sign_in(base, recorder, "bench") for _ in range(2 * args.workers)]
    inbox = agents[0].send("GET", "/staff/tickets?status=all", endpoint="inbox").text
    numbers = sorted(set(re.findall(r"/staff/tickets/(T[0-9A-Z-]+)", inbox)))
    for n in range(args.pages):
        agent = agents[n % len(agents)]
        agent.send("GET", "/staff/tickets?status=new", endpoint="inbox")
        if numbers:
            agent.send("GET", f"/staff/tickets/{numbers[n % len(numbers)]}", endpoint="ticket")
    measured("staff sign-in, inbox and ticket pages")
    return recorder


def workers(server: desk.AppServer) -> list[Any]:
    """The psutil processes of server's gunicorn workers."""
    import psutil

    return list(psutil.Process(server.process.popen.pid).children())


def mean_rss(rows: list[tuple[int, float, float, float]]) -> float:
    """The mean RSS in MiB of worker_memory's rows."""
    return sum(row[1] for row in rows) / len(rows)


def worker_memory(server: desk.AppServer) -> list[tuple[int, float, float, float]]:
    """(pid, RSS, USS, PSS) in MiB of each of server's gunicorn workers."""
    out = []
    for child in workers(server):
        full = child.memory_full_info()
        out.append((child.pid, full.rss / 2**20, full.uss / 2**20, full.pss / 2**20))
    return out


def worker_cpu(server: desk.AppServer) -> list[float]:
    """The CPU seconds each of server's workers has used (at start: importing the desk and
    creating the app, what a worker gunicorn starts after max_requests costs again)."""
    return [sum(child.cpu_times()[:2]) for child in workers(server)]


def print_memory(name: str, rows: list[tuple[int, float, float, float]]) -> None:
    for pid, rss, uss, pss in rows:
        print(f"{name} worker {pid}: RSS {rss:6.1f} MiB, USS {uss:6.1f} MiB, PSS {pss:6.1f} MiB")


def print_reports(folder: Path, top: int) -> None:
    """The packages of the desk's workers' reports: modules, and (traced) allocations."""
    for path in sorted(folder.glob("*.json")):
        report = json.loads(path.read_text())
        modules: Counter[str] = Counter(m.split(".")[0] for m in report["modules"])
        print(f"\nworker {report['pid']}: {len(report['modules'])} modules; most by package:")
        print("  " + ", ".join(f"{name} {n}" for name, n in modules.most_common(top)))
        if report.get("allocations"):
            total = sum(report["allocations"].values())
            print(f"  traced allocations {total / 2**20:.1f} MiB; most by package (MiB):")
            ranked = sorted(report["allocations"].items(), key=lambda item: -item[1])[:top]
            print("  " + ", ".join(f"{name} {size / 2**20:.1f}" for name, size in ranked))
            loaded = report.get("loaded", {})
            grown = {k: v - loaded.get(k, 0) for k, v in report["allocations"].items()}
            print(f"  of which allocated during the warm-up {sum(grown.values()) / 2**20:.1f} MiB:")
            ranked = sorted(grown.items(), key=lambda item: -item[1])[:top]
            print("  " + ", ".join(f"{name} {size / 2**20:.1f}" for name, size in ranked))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reports = Path(tempfile.mkdtemp(prefix="bench-worker-memory-"))
    with database.throwaway("postgresql", label="memory", server=args.pg_server) as url:
        tokens, web = seed(url, args)
        bare.create_table(url)
        port, pool = free_port(), str(max(2, args.threads))
        env = desk.desk_environment(
            url,
            id_hash_key=side_by_side.ID_HASH_KEY,
            settings={
                "HELPDESK_DATABASE_POOL_SIZE": pool,
                "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            },
        )
        env[REPORT_VARIABLE] = str(reports)
        if os.environ.get(TRACE_VARIABLE):
            env["PYTHONTRACEMALLOC"] = "1"
        bare_env = {**env, bare.URL_VARIABLE: url, bare.POOL_VARIABLE: pool}
        bare_env.pop(REPORT_VARIABLE)
        served: dict[str, Any] = {"workers": args.workers, "threads": args.threads}
        preload = ("--preload",) if args.preload else ()
        extra = ("--log-level", "warning", "--config", CONFIG, *preload)
        with (
            desk.serving(
                env, port=port, extra=extra, log=reports / "desk.log", **served
            ) as desk_server,
            desk.serving(
                bare_env,
                app=side_by_side.BARE_APP,
                name="bare",
                log=reports / "bare.log",
                extra=("--log-level", "warning", *preload),
                **served,
            ) as bare_s,
        ):
            for _ in range(4 * args.workers):  # every worker has imported the app
                Client(desk_server.url, timeout=60).send("GET", "/livez", endpoint="livez")
            started, start_cpu = worker_memory(desk_server), worker_cpu(desk_server)
            phases: list[tuple[str, float]] = []

            def measured(phase: str) -> None:
                phases.append((phase, mean_rss(worker_memory(desk_server))))

            recorder = warm_up(desk_server.url, tokens, web, args, measured)
            side_by_side.bare_run(bare_s.url, recorder, 8, args.presses, "bare")
            desk_rows, bare_rows = worker_memory(desk_server), worker_memory(bare_s)
    errors = {s: n for s, n in recorder.statuses().items() if failed(s)}
    statuses = {
        label: dict(sorted(recorder.statuses(label).items()))
        for label in sorted({s.endpoint for s in recorder.snapshot()})
    }
    print(f"warm-up statuses: {statuses}; server logs in {reports}")
    print_memory("desk (started)", started)
    print("  CPU to start each worker: " + ", ".join(f"{cpu:.2f} s" for cpu in start_cpu))
    before = mean_rss(started)
    for phase, rss in phases:
        print(f"  after {phase}: mean RSS {rss:6.1f} MiB ({rss - before:+.1f})")
        before = rss
    print_memory("desk", desk_rows)
    print_memory("bare", bare_rows)
    print_reports(reports, args.top)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
