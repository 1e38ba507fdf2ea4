"""The desk beside a bare-INSERT endpoint, in the same run, alternating (issue 17's targets).

    .venv/bin/python -m bench.side_by_side [--rounds 3] [--candidates 2000] [--submissions 300]
                                           [--workers 2] [--threads 1]

One throwaway PostgreSQL database next to --pg-server holds the desk's tables and the bare
endpoint's one table. Two gunicorn servers run side by side with the same worker model: the
desk (production settings) and bench.harness.bare (parse JSON, one INSERT). Each round, in
alternating order (bare first in odd rounds, the desk first in even ones):

- 求助 at concurrency --press-clients (64): a fresh cohort of --candidates candidates each
  presses once (POST /api/v1/help-requests), against as many bare POSTs; after each round
  the waiting requests are cancelled, so every cohort presses into an empty queue;
- web ticket submission at concurrency --web-clients (16): signed-in candidates GET the form
  and POST it --submissions times, against twice as many bare POSTs (the ratio counts
  requests).

A third server, bench.harness.ceiling, presses 求助 with the desk's own two statements and
nothing else (no ORM, no extension hooks, no words): another cohort, into an empty queue,
in the same worker model. Its ratio to the bare endpoint is what the press's work itself
allows on this stack; the desk's ratio to it is what the desk's framework costs.

Every figure is printed with its ratio to the bare endpoint of the same round, then the
medians over the rounds, RSS per worker of both servers after the runs, and the verdict of
each target. A press must answer 201 and each candidate must hold exactly one help request;
exits 1 when one does not, or when any request fails.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import bare, ceiling, database, desk, help_requests, seed
from bench.harness.cpu import postgres_cpu_seconds, worker_cpu_seconds
from bench.harness.html import csrf_token
from bench.harness.http import Client, Recorder, failed
from bench.harness.load import closed_loop
from bench.harness.processes import free_port
from bench.harness.rounds import Figure, Round, print_round
from bench.harness.stats import percentile, summarise

ID_HASH_KEY = "bench-side-by-side-key"
CODE = "BENCH-FORMAL"
BARE_APP = "bench.harness.bare:app"
CEILING_APP = "bench.harness.ceiling:app"
_KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')
#: Issue 17's targets.
PRESS_RATIO, PRESS_P99_MS, WEB_RATIO, RSS_MIB = 0.5, 250.0, 0.5, 80.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=2000, help="presses per round")
    parser.add_argument("--press-clients", type=int, default=64)
    parser.add_argument("--submissions", type=int, default=300, help="per round")
    parser.add_argument("--web-clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (each server)")
    parser.add_argument("--threads", type=int, default=1, help="1: sync workers; more: gthread")
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


# --- the database ---------------------------------------------------------------------------


def seed_desk(url: str, args: argparse.Namespace) -> tuple[list[list[str]], list[dict[str, str]]]:
    """Migrate; an exam in progress with a roster of 2 x rounds x candidates (API tokens: a
    cohort per round for the desk, then one per round for the ceiling) plus the web
    clients' candidates; returns (token cohorts, web identities)."""
    from helpdesk.identity import services as identity
    from helpdesk.identity.models import Candidate, SessionKind

    now = datetime.now(UTC)
    exam = seed.formal_exam(
        CODE,
        login_opens=now - timedelta(minutes=50),
        starts=now - timedelta(minutes=1),
        ends=now + timedelta(hours=2),
    )
    presses = 2 * args.rounds * args.candidates
    rows = seed.fictitious_roster(presses + args.web_clients, CODE, args.seed)
    web = [
        {"name": r.name, "id_number": r.id_number, "admission_number": r.admission_number}
        for r in rows[presses:]
    ]
    web_numbers = {w["admission_number"] for w in web}
    with seed.seeding(url) as session:
        seed.exam_with_roster(session, exam, rows, id_hash_key=ID_HASH_KEY, now=now)
        tokens = []
        for candidate in session.query(Candidate).order_by(Candidate.id):
            if candidate.admission_number in web_numbers:
                continue
            token, _row = identity.open_session(
                session,
                kind=SessionKind.CANDIDATE_API,
                now=now,
                ttl=timedelta(hours=3),
                candidate=candidate,
            )
            tokens.append(token)
    cohorts = [
        tokens[i * args.candidates : (i + 1) * args.candidates] for i in range(2 * args.rounds)
    ]
    return cohorts, web


# --- the load -------------------------------------------------------------------------------


def figure(recorder: Recorder, endpoint: str, seconds: float, requests: int) -> Figure:
    latency = summarise(recorder.milliseconds(endpoint))
    return Figure(requests / seconds, latency.p95 or 0.0, latency.p99 or 0.0, requests)


def bare_run(base: str, recorder: Recorder, clients: int, total: int, label: str) -> Figure:
    pool = [Client(base, recorder=recorder, timeout=60, keep_alive=True) for _ in range(clients)]

    def work(client: Client, index: int) -> None:
        client.send(
            "POST",
            "/bare",
            endpoint=label,
            json_body={"exam_session": CODE, "category": "login", "n": index},
        )

    seconds = closed_loop(pool, total, work)
    return figure(recorder, label, seconds, total)


def press_run(base: str, recorder: Recorder, clients: int, tokens: list[str], label: str) -> Figure:
    pool = [Client(base, recorder=recorder, timeout=60, keep_alive=True) for _ in range(clients)]

    def work(client: Client, index: int) -> None:
        client.send(
            "POST",
            "/api/v1/help-requests",
            endpoint=label,
            json_body={"exam_session": CODE, "category": "login"},
            headers={
                "Authorization": f"Bearer {tokens[index]}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )

    seconds = closed_loop(pool, len(tokens), work)
    return figure(recorder, label, seconds, len(tokens))


def sign_in(base: str, recorder: Recorder, identity: dict[str, str]) -> Client:
    client = Client(base, recorder=recorder, timeout=60, keep_alive=True)
    page = client.send("GET", "/signin", endpoint="sign-in")
    answer = client.send(
        "POST",
        "/signin",
        endpoint="sign-in",
        form={"csrf_token": csrf_token(page.text) or "", **identity},
    )
    if answer.status != 302:
        raise SystemExit(f"a web candidate could not sign in ({answer.status})")
    return client


def submission_run(
    clients: list[Client], recorder: Recorder, total: int, label: str
) -> tuple[Figure, float]:
    """GET the form and POST it `total` times; (figure counting requests, submissions/s)."""

    def work(client: Client, index: int) -> None:
        page = client.send("GET", "/tickets/new", endpoint=label)
        key = _KEY.search(page.text)
        client.send(
            "POST",
            "/tickets/new",
            endpoint=label,
            form={
                "csrf_token": csrf_token(page.text) or "",
                "key": key.group(1) if key else "",
                "category": "login",
                "exam_session": CODE,
                "phone": "",
                "description": f"登录时提示考生不存在，第 {index} 次提交",
            },
        )

    seconds = closed_loop(clients, total, work)
    return figure(recorder, label, seconds, 2 * total), total / seconds


# --- memory ---------------------------------------------------------------------------------


def on_cpu(server: desk.AppServer, run: Callable[[], Any]) -> Any:
    """Run a measurement and note in its Figure the CPU per request of its server's workers
    and of PostgreSQL: unlike requests per second, these hardly move with what else the
    machine is doing."""
    before, pg_before = worker_cpu_seconds(server), postgres_cpu_seconds()
    result = run()
    spent, pg_spent = worker_cpu_seconds(server) - before, postgres_cpu_seconds() - pg_before
    measured = result[0] if isinstance(result, tuple) else result
    measured.cpu_ms = spent * 1000 / max(1, measured.count)
    measured.pg_ms = pg_spent * 1000 / max(1, measured.count)
    return result


def worker_rss_mib(server: desk.AppServer) -> list[float]:
    """Resident memory of each gunicorn worker of server, in MiB."""
    import psutil

    master = psutil.Process(server.process.popen.pid)
    return [child.memory_info().rss / 2**20 for child in master.children()]


# --- the report -----------------------------------------------------------------------------


@dataclass
class Servers:
    desk: desk.AppServer
    bare: desk.AppServer
    ceiling: desk.AppServer
    #: Cancels every waiting request, so the next press run starts with an empty queue.
    empty_queue: Callable[[], None]


def one_round(
    n: int,
    servers: Servers,
    web: list[Client],
    cohorts: list[list[str]],
    args: argparse.Namespace,
    recorder: Recorder,
) -> Round:
    """The five measurements of round n: bare first in odd rounds, the desk in even ones;
    each press run into an empty queue."""
    tag, desk_url, bare_url = f"r{n}", servers.desk.url, servers.bare.url
    clients, total = args.press_clients, 2 * args.submissions

    def pressing(url: str, cohort: list[str], label: str) -> Figure:
        servers.empty_queue()
        return press_run(url, recorder, clients, cohort, label)

    steps: list[Callable[[], object]] = [
        lambda: bare_run(bare_url, recorder, clients, args.candidates, tag + "bp"),
        lambda: pressing(desk_url, cohorts[n - 1], tag + "dp"),
        lambda: pressing(servers.ceiling.url, cohorts[args.rounds + n - 1], tag + "cp"),
        lambda: bare_run(bare_url, recorder, args.web_clients, total, tag + "bw"),
        lambda: submission_run(web, recorder, args.submissions, tag + "dw"),
    ]
    served_by = [servers.bare, servers.desk, servers.ceiling, servers.bare, servers.desk]
    order = [0, 1, 2, 3, 4] if n % 2 else [2, 1, 0, 4, 3]
    results: dict[int, object] = {i: on_cpu(served_by[i], steps[i]) for i in order}
    web_figure, per_second = results[4]  # type: ignore[misc]
    return Round(results[0], results[1], results[2], results[3], web_figure, per_second)  # type: ignore[arg-type]


def median(values: list[float]) -> float:
    """The median of the rounds (nearest rank: with three rounds, the middle one)."""
    return percentile(values, 0.5) or 0.0


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    recorder = Recorder()
    rounds: list[Round] = []
    with database.throwaway("postgresql", label="side", server=args.pg_server) as url:
        started = time.perf_counter()
        cohorts, web_identities = seed_desk(url, args)
        bare.create_table(url)
        print(
            f"seeded {sum(map(len, cohorts))} candidates in {time.perf_counter() - started:.0f} s"
        )
        pool = str(max(2, args.threads))
        port = free_port()
        desk_env = desk.desk_environment(
            url,
            id_hash_key=ID_HASH_KEY,
            settings={
                "HELPDESK_DATABASE_POOL_SIZE": pool,
                "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            },
        )
        bare_env = {**desk_env, bare.URL_VARIABLE: url, bare.POOL_VARIABLE: pool}
        ceiling_env = {**desk_env, ceiling.POOL_VARIABLE: pool}
        served = {"workers": args.workers, "threads": args.threads}
        logs = Path(tempfile.mkdtemp(prefix="bench-side-logs-"))
        with (
            desk.serving(desk_env, port=port, log=logs / "desk.log", **served) as desk_server,
            desk.serving(
                bare_env, app=BARE_APP, name="bare", log=logs / "bare.log", **served
            ) as bare_server,
            desk.serving(
                ceiling_env, app=CEILING_APP, name="ceiling", log=logs / "ceiling.log", **served
            ) as ceiling_server,
        ):
            servers = Servers(
                desk_server, bare_server, ceiling_server, lambda: help_requests.cancel_waiting(url)
            )
            web = [sign_in(desk_server.url, recorder, w) for w in web_identities]
            for n in range(1, args.rounds + 1):
                rounds.append(one_round(n, servers, web, cohorts, args, recorder))
                print_round(n, rounds[-1])
            desk_rss, bare_rss = worker_rss_mib(desk_server), worker_rss_mib(bare_server)
        stored, holders = database.counts(url, *help_requests.HELD)
    press_ratio = median([r.press.rps / r.bare_press.rps for r in rounds])
    web_ratio = median([r.web.rps / r.bare_web.rps for r in rounds])
    press_p99 = median([r.press.p99 for r in rounds])
    press_cpu = median([r.bare_press.cpu_ms / max(r.press.cpu_ms, 1e-9) for r in rounds])
    web_cpu = median([r.bare_web.cpu_ms / max(r.web.cpu_ms, 1e-9) for r in rounds])
    ceiling_ratio = median([r.ceiling_press.rps / r.bare_press.rps for r in rounds])
    desk_to_ceiling = median([r.press.rps / r.ceiling_press.rps for r in rounds])
    presses = 2 * args.rounds * args.candidates  # the desk's cohorts and the ceiling's
    statuses = {
        label: dict(sorted(recorder.statuses(label).items()))
        for label in sorted({s.endpoint for s in recorder.snapshot()})
    }
    errors = sum(n for status, n in recorder.statuses().items() if failed(status))
    not_created = sum(
        n
        for label, counts in statuses.items()
        if label.endswith(("dp", "cp"))
        for status, n in counts.items()
        if status != 201
    )
    print(f"statuses: {statuses}; server logs in {logs}")
    print(f"5xx or no answer: {errors} (must be 0); presses not answered 201: {not_created}")
    print(f"help requests stored: {stored}, candidates holding one: {holders} (must be {presses})")
    desk_mib = ", ".join(f"{m:.0f}" for m in desk_rss)
    bare_mib = ", ".join(f"{m:.0f}" for m in bare_rss)
    print(f"RSS per worker after the runs: desk {desk_mib} MiB; bare {bare_mib} MiB")
    rss = max(desk_rss, default=0.0)
    targets = [
        (f"median 求助 ratio {press_ratio:.2f}x", f">= {PRESS_RATIO}x", press_ratio >= PRESS_RATIO),
        (
            f"median 求助 p99 {press_p99:.0f} ms",
            f"< {PRESS_P99_MS:.0f} ms",
            press_p99 < PRESS_P99_MS,
        ),
        (f"median ticket ratio {web_ratio:.2f}x", f">= {WEB_RATIO}x", web_ratio >= WEB_RATIO),
        (f"RSS per worker {rss:.0f} MiB", f"<= {RSS_MIB:.0f} MiB", rss <= RSS_MIB),
    ]
    for figure_text, target, met in targets:
        print(f"{figure_text} (target {target}): {verdict(met)}")
    print(
        f"median CPU ratio (bare's CPU per request / the desk's; what the request rate ratio "
        f"would be with the cores to themselves): 求助 {press_cpu:.2f}x, tickets {web_cpu:.2f}x"
    )
    print(
        f"median 求助 ceiling (the desk's two statements, nothing else): {ceiling_ratio:.2f}x "
        f"the bare endpoint; the desk reaches {desk_to_ceiling:.2f}x of it"
    )
    ok = errors == 0 and not_created == 0 and stored == holders == presses
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
