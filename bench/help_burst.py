"""The 求助 burst: thousands of candidates press at the same minute, then agents claim.

    .venv/bin/python -m bench.help_burst [--candidates 2000] [--clients 64] [--agents 16]

Creates its own PostgreSQL database next to --pg-server, migrates it, seeds a formal exam in
progress, the roster, API tokens and agents through the desk's services, and starts the desk
under gunicorn (2 workers, gthread). Then every candidate presses once (POST
/api/v1/help-requests) within --window seconds at --clients concurrency; 30% of presses are
sent again with the same Idempotency-Key and 10% pressed again with a new key. --agents
agents sign in and open the console before the burst (so they are on duty) and claim (the
console's claim-next), open the call panel, start the call, hold it for --call-seconds
(lognormal around it; 0 = no hold) and record it as resolved, until the burst is over and the
queue is empty. Prints candidates with a request (must equal --candidates), 5xx answers and failed
connections (must be 0), double claims (must be 0), POST latency (median, p95, p99, max),
claims per second, and the promise: for every first press, the wait its answer showed against
the real time to the first call attempt (median and 90th percentile of the absolute error,
share within ±60 s; bench/harness/eta.py). The desk's prior call length is --call-seconds
(as an operator configures it) and its pickup 1 s. Exits 1 if a must fails. The database is
dropped at the end.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bench.harness import database, desk, eta, help_requests, seed
from bench.harness.html import csrf_token
from bench.harness.http import Client, Recorder, failed
from bench.harness.processes import free_port
from bench.harness.stats import summarise

ID_HASH_KEY = "bench-help-burst-key"
CODE = "BENCH-FORMAL"
AGENT_PASSWORD = "bench agent password"  # noqa: S105 - fictitious bench agents
PRESS = "POST /api/v1/help-requests"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=64, help="concurrent presses")
    parser.add_argument("--window", type=float, default=60.0, help="seconds for all presses")
    parser.add_argument("--same-key-share", type=float, default=0.30)
    parser.add_argument("--new-key-share", type=float, default=0.10)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument(
        "--call-seconds", type=float, default=0.0, help="mean time an agent holds a call"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


# --- the database ---------------------------------------------------------------------------


def seed_desk(
    url: str, candidates: int, agents: int, seed_value: int
) -> tuple[list[str], list[str]]:
    """Migrate; create the exam in progress, the roster, tokens and agents via services."""
    from helpdesk.identity import services as identity
    from helpdesk.identity.models import Candidate, Role, SessionKind

    now = datetime.now(UTC)
    exam = seed.formal_exam(
        CODE,
        login_opens=now - timedelta(minutes=50),
        starts=now - timedelta(minutes=1),
        ends=now + timedelta(hours=2),
    )
    rows = seed.fictitious_roster(candidates, CODE, seed_value)
    with seed.seeding(url) as session:
        seed.exam_with_roster(session, exam, rows, id_hash_key=ID_HASH_KEY, now=now)
        tokens = []
        for candidate in session.query(Candidate).order_by(Candidate.id):
            token, _row = identity.open_session(
                session,
                kind=SessionKind.CANDIDATE_API,
                now=now,
                ttl=timedelta(hours=3),
                candidate=candidate,
            )
            tokens.append(token)
        usernames = [f"bench-agent-{i:02d}" for i in range(agents)]
        for username in usernames:
            staff = identity.create_staff(
                session, username=username, password=AGENT_PASSWORD, role=Role.AGENT, now=now
            )
            staff.available = True
    return tokens, usernames


def count_requests(url: str) -> tuple[int, int, int]:
    """(help requests stored, candidates with one, requests with more than one call attempt).

    Agents work during the burst, so a press with a new key after the candidate's first
    request was closed rightly opens a second one."""
    stored, candidates, doubled = database.counts(
        url,
        *help_requests.HELD,
        "SELECT count(*) FROM (SELECT help_request_id FROM call_attempts "
        "GROUP BY help_request_id HAVING count(*) > 1) AS d",
    )
    return stored, candidates, doubled


# --- the load -------------------------------------------------------------------------------


def plan_presses(
    tokens: list[str], args: argparse.Namespace, rng: random.Random
) -> list[tuple[str, str, dict[str, object]]]:
    """(token, key, body): every candidate once, then the resends mixed in behind."""
    firsts, extras = [], []
    for token in tokens:
        key = uuid.UUID(int=rng.getrandbits(128)).hex
        body = {"exam_session": CODE, "category": rng.choice(["login", "cannot_answer", "other"])}
        firsts.append((token, key, body))
        roll = rng.random()
        if roll < args.same_key_share:
            extras.append((token, key, body))
        elif roll < args.same_key_share + args.new_key_share:
            extras.append((token, uuid.UUID(int=rng.getrandbits(128)).hex, body))
    rng.shuffle(firsts)
    slot = {token: i for i, (token, _k, _b) in enumerate(firsts)}
    # Each resend lands a little after its first press (a few race it on another thread).
    ranked = [(i, 0, item) for i, item in enumerate(firsts)] + [
        (slot[item[0]] + rng.randrange(0, 200), 1, item) for item in extras
    ]
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _rank, _order, item in ranked]


def burst(
    base: str,
    recorder: Recorder,
    plan: list[tuple[str, str, dict[str, object]]],
    args: argparse.Namespace,
    promises: list[eta.Shown],
) -> float:
    """Every press at its moment, one keep-alive client per thread; returns the seconds.
    What each press that created a request was promised goes into `promises`."""
    local = threading.local()
    interval = args.window * 0.9 / max(1, len(plan))  # spread over 90% of the window
    started = time.monotonic()

    def press(index: int) -> None:
        delay = started + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        client = getattr(local, "client", None) or Client(
            base, recorder=recorder, timeout=60, keep_alive=True
        )
        local.client = client
        token, key, body = plan[index]
        answer = client.send(
            "POST",
            "/api/v1/help-requests",
            endpoint=PRESS,
            json_body=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
        promised = eta.shown(answer.json()) if answer.status == 201 else None
        if promised is not None:
            promises.append(promised)

    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(press, range(len(plan))))
    return time.monotonic() - started


def staff_page_token(client: Client, path: str) -> str:
    page = client.send("GET", path)
    token = csrf_token(page.text)
    if page.status != 200 or token is None:
        raise SystemExit(f"no CSRF token on {path} ({page.status})")
    return token


def sign_in_agent(base: str, recorder: Recorder, username: str) -> tuple[Client, str]:
    """A signed-in agent's client and the queue console's CSRF token."""
    client = Client(base, recorder=recorder, audience="staff", timeout=60, keep_alive=True)
    token = staff_page_token(client, "/staff/signin")
    answer = client.send(
        "POST",
        "/staff/signin",
        form={"csrf_token": token, "username": username, "password": AGENT_PASSWORD},
    )
    if answer.status != 302:
        raise SystemExit(f"agent {username} could not sign in ({answer.status})")
    return client, staff_page_token(client, "/staff/callbacks")


def claim_all(
    agents: list[tuple[Client, str]],
    burst_over: threading.Event,
    call_seconds: float,
    rng: random.Random,
) -> tuple[list[str], float]:
    """Agents claim, open the panel, start the call, hold it and resolve it, until the burst
    is over and the queue is empty; returns (claims, seconds)."""
    start = threading.Barrier(len(agents))
    holds = [
        rng.lognormvariate(math.log(call_seconds) - 0.125, 0.5) if call_seconds > 0 else 0.0
        for _ in range(20_000)
    ]
    next_hold = iter(holds)

    def work(agent: tuple[Client, str]) -> list[str]:
        client, token = agent
        claimed: list[str] = []
        start.wait()
        while True:
            answer = client.send(
                "POST",
                "/staff/callbacks/claim",
                form={"csrf_token": token},
            )
            location = answer.headers.get("location", "")
            if answer.status != 302 or "/staff/callbacks/r/" not in location:
                if failed(answer.status):
                    continue
                if burst_over.is_set():
                    return claimed
                client.send("GET", "/staff/callbacks/queue")  # the console's poll
                time.sleep(0.5)
                continue
            request_id = location.rsplit("/", 1)[-1]
            claimed.append(request_id)
            panel = "/staff/callbacks/r/{id}"
            client.send("GET", f"/staff/callbacks/r/{request_id}", endpoint=f"GET {panel}")
            client.send(
                "POST",
                f"/staff/callbacks/r/{request_id}/call",
                endpoint=f"POST {panel}/call",
                form={"csrf_token": token},
            )
            time.sleep(next(next_hold, 0.0))
            client.send(
                "POST",
                f"/staff/callbacks/r/{request_id}/outcome",
                endpoint=f"POST {panel}/outcome",
                form={"csrf_token": token, "outcome": "resolved"},
            )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(agents)) as pool:
        results = list(pool.map(work, agents))
    return [c for batch in results for c in batch], time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    recorder = Recorder()
    with database.throwaway("postgresql", label="help", server=args.pg_server) as url:
        tokens, usernames = seed_desk(url, args.candidates, args.agents, args.seed)
        port = free_port()
        env = desk.desk_environment(
            url,
            id_hash_key=ID_HASH_KEY,
            settings={
                "HELPDESK_DATABASE_POOL_SIZE": str(args.threads),
                "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
                # agents resolve calls as fast as they can claim: lift the toll-fraud guard
                "HELPDESK_CALLBACK_CALLS_PER_MINUTE": "1000000",
                # the operator's prior is the bench's call length; agents pick up at once
                "HELPDESK_CALLBACK_DEFAULT_CALL_SECONDS": str(max(1, round(args.call_seconds))),
                "HELPDESK_CALLBACK_PICKUP_SECONDS": "1",
            },
        )
        with desk.serving(env, port=port, workers=args.workers, threads=args.threads) as server:
            plan = plan_presses(tokens, args, rng)
            agents = [sign_in_agent(server.url, recorder, name) for name in usernames]
            promises: list[eta.Shown] = []
            burst_over = threading.Event()
            with ThreadPoolExecutor(max_workers=1) as background:
                working = background.submit(
                    claim_all, agents, burst_over, args.call_seconds, random.Random(args.seed)
                )
                burst_seconds = burst(server.url, recorder, plan, args, promises)
                burst_over.set()
                claims, claim_seconds = working.result()
            stored, with_request, doubled_attempts = count_requests(url)
            promise = eta.compare(promises, eta.real_waits(url))
    counts = Counter(claims)
    double_claims = sum(n - 1 for n in counts.values() if n > 1) + doubled_attempts
    statuses = recorder.statuses(PRESS)
    server_errors = sum(n for status, n in recorder.statuses().items() if failed(status))
    latency = summarise(recorder.milliseconds(PRESS))
    print(
        f"candidates: {len(tokens)}; presses sent: {len(plan)} in {burst_seconds:.1f} s "
        f"at concurrency {args.clients} (statuses {dict(sorted(statuses.items()))})"
    )
    print(
        f"candidates with a request: {with_request} (must be {len(tokens)}); requests "
        f"recorded: {stored} (a new key after the first was closed opens another)"
    )
    print(f"5xx or no answer: {server_errors} (must be 0)")
    print(f"double claims: {double_claims} (must be 0); requests claimed: {len(counts)}")
    print(f"POST latency: {latency.line()}")
    print(
        f"claims per second: {len(claims) / claim_seconds:.1f} ({args.agents} agents, each "
        f"claim followed by its call and outcome, calls held {args.call_seconds:g} s on "
        f"average; {claim_seconds:.1f} s from the first press to an empty queue)"
    )
    print(f"promise: {promise.line()}")
    ok = (
        with_request == len(tokens)
        and server_errors == 0
        and double_claims == 0
        and len(counts) == stored
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
