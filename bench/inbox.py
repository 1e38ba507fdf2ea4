"""The staff inbox and its search at scale: 100,000 tickets across 20,000 candidates.

    .venv/bin/python -m bench.inbox [--tickets 100000] [--candidates 20000] [--runs 200]
                                    [--backend sqlite|postgresql|both] [--concurrency 1 16]
                                    [--workers 2] [--threads 1]

A quick try: `--tickets 5000 --candidates 1000 --runs 50 --backend postgresql`.

For each backend it creates a throwaway database (a SQLite file in a temporary folder; a
new PostgreSQL database next to --pg-server, dropped at the end), migrates it, seeds the
rows with bulk inserts (varied Chinese subjects, two messages per ticket: the candidate's and
a technician's reply, exam sessions around the run's date), serves the desk under gunicorn
(--workers, sync unless --threads), signs agents in through the sign-in form and, at each
--concurrency (that many agents at once, each sending its next request when the last one
answered), times whole page requests over HTTP (query, counts, template) for the inbox with
a mix of filters and for searches by ticket number, admission number, name, phone and words
from the tickets' text (Chinese without spaces, from a fifth of the tickets to a handful).
Prints the median and 95th percentile in milliseconds per concurrency; the target is a 95th
percentile under 100 ms at every concurrency. Exits 1 if a page fails.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import database, desk
from bench.harness.cpu import postgres_cpu_seconds, worker_cpu_seconds
from bench.harness.html import csrf_token
from bench.harness.http import Client, Recorder
from bench.harness.inbox_data import ID_HASH_KEY, STAFF_PASSWORD, seed
from bench.harness.load import closed_loop
from bench.harness.stats import summarise

TARGET_MS = 100.0
INBOX_QUERIES = [
    "",
    "status=new",
    "status=open",
    "status=resolved",
    "category=login",
    "exam_session=3",
    "priority=0",
    "assignee=none",
    "assignee=7",
    "sla=overdue",
    "sla=breached",
    "category=install&exam_session=1",
    "page=2",
    "page=40",
    "status=closed&page=10",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200, help="requests per measurement")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="1: sync workers; more: gthread")
    return parser.parse_args(argv)


def sign_in(base: str, recorder: Recorder, username: str) -> Client:
    client = Client(
        base,
        recorder=recorder,
        audience="staff",
        keep_alive=True,
        timeout=60,
        headers={"Accept-Language": "zh-CN"},
    )
    page = client.send("GET", "/staff/signin", endpoint="sign-in")
    signed_in = client.send(
        "POST",
        "/staff/signin",
        endpoint="sign-in",
        form={
            "csrf_token": csrf_token(page.text) or "",
            "username": username,
            "password": STAFF_PASSWORD,
        },
    )
    if signed_in.status != 302:
        raise SystemExit(f"agent {username} could not sign in ({signed_in.status})")
    return client


def measure(
    server: desk.AppServer,
    values: dict[str, list[str]],
    runs: int,
    seed: int,
    concurrency: int,
) -> tuple[Recorder, dict[str, tuple[float, float]]]:
    """Sign `concurrency` agents in, then time `runs` inbox pages, `runs` searches and `runs`
    text searches, that many agents at a time; with, per kind, the milliseconds of CPU the
    server's workers and PostgreSQL spent per page."""
    base = server.url
    recorder = Recorder()
    cpu: dict[str, tuple[float, float]] = {}
    clients = [sign_in(base, recorder, f"bench{n}") for n in range(concurrency)]
    rng = random.Random(seed)
    failures: list[str] = []
    for kind in ("inbox", "search", "text"):
        queries = []
        for _ in range(runs):
            if kind == "inbox":
                queries.append(rng.choice(INBOX_QUERIES))
            elif kind == "text":
                queries.append(urlencode({"q": rng.choice(values["text"])}))
            else:
                field = rng.choice([f for f in values if f != "text"])
                queries.append(urlencode({"q": rng.choice(values[field])}))

        def work(
            client: Client, index: int, kind: str = kind, queries: list[str] = queries
        ) -> None:
            query = queries[index]
            answer = client.send("GET", f"/staff/tickets?{query}", endpoint=kind)
            if answer.status != 200:
                failures.append(f"{query}: {answer.status}")
            elif kind != "inbox" and "共 0 个工单" in answer.text:
                failures.append(f"{query}: found nothing")

        workers, postgres = worker_cpu_seconds(server), postgres_cpu_seconds()
        closed_loop(clients, runs, work)
        cpu[kind] = (
            (worker_cpu_seconds(server) - workers) * 1000 / runs,
            (postgres_cpu_seconds() - postgres) * 1000 / runs,
        )
    for client in clients:
        client.close()
    if failures:
        raise SystemExit("; ".join(failures[:5]))
    return recorder, cpu


def report(label: str, recorder: Recorder, cpu: dict[str, tuple[float, float]]) -> None:
    for kind in ("inbox", "search", "text"):
        figures = summarise(recorder.milliseconds(kind))
        verdict = "ok" if figures.p95 is not None and figures.p95 < TARGET_MS else "OVER TARGET"
        workers, postgres = cpu.get(kind, (0.0, 0.0))
        print(
            f"{label:<18} {kind:<7} n={figures.count:<4} median={figures.p50 or 0:6.1f} ms"
            f"  p95={figures.p95 or 0:6.1f} ms  {verdict}  CPU per page: workers "
            f"{workers:.1f} ms, PostgreSQL {postgres:.1f} ms"
        )


def run(label: str, url: str, args: argparse.Namespace) -> None:
    from helpdesk.cli import upgrade

    upgrade(url)
    started = time.perf_counter()
    values = seed(url, args, datetime.now(UTC))
    print(
        f"{label}: seeded {args.tickets} tickets / {args.candidates} candidates in "
        f"{time.perf_counter() - started:.0f} s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-inbox-uploads-") as uploads:
        env = desk.desk_environment(
            url,
            id_hash_key=ID_HASH_KEY,
            settings={"HELPDESK_DATABASE_POOL_SIZE": "2", "HELPDESK_UPLOAD_DIR": uploads},
        )
        pool = str(max(2, args.threads))
        env["HELPDESK_DATABASE_POOL_SIZE"] = pool
        log = Path(uploads) / "desk.log"
        with desk.serving(env, workers=args.workers, threads=args.threads, log=log) as server:
            for concurrency in args.concurrency:
                recorder, cpu = measure(server, values, args.runs, args.seed, concurrency)
                report(f"{label} c{concurrency}", recorder, cpu)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends: list[database.Backend] = (
        ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    )
    for backend in backends:
        with database.throwaway(backend, label="inbox", server=args.pg_server) as url:
            run("SQLite" if backend == "sqlite" else "PostgreSQL", url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
