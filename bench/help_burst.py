#!/usr/bin/env python3
"""The 求助 burst: thousands of candidates press at the same minute, then agents claim.

    .venv/bin/python bench/help_burst.py [--candidates 2000] [--clients 64] [--agents 16]

Creates its own PostgreSQL database next to --pg-server, migrates it, seeds a formal exam in
progress, the roster, API tokens and agents through the desk's services, and starts the desk
under gunicorn (2 workers, gthread). Then every candidate presses once (POST
/api/v1/help-requests) within --window seconds at --clients concurrency; 30% of presses are
sent again with the same Idempotency-Key and 10% pressed again with a new key. Then --agents
agents sign in and claim (the console's claim-next) until the queue is empty, recording each
call as resolved. Prints requests recorded (must equal --candidates), the 5xx count (must be
0), double claims (must be 0), POST latency median / p99 and claims per second; exits 1 if a
must fails. The database is dropped at the end. Standard library plus the pinned packages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import harness  # noqa: E402

ID_HASH_KEY = "bench-help-burst-key"
CODE = "BENCH-FORMAL"
AGENT_PASSWORD = "bench agent password"  # noqa: S105 - fictitious bench agents
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


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
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


# --- the database ---------------------------------------------------------------------------


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    return harness.start_gunicorn(
        url=url,
        port=port,
        id_hash_key=ID_HASH_KEY,
        options=["-w", str(workers), "-k", "gthread", "--threads", str(threads)],
        env={
            "HELPDESK_DATABASE_POOL_SIZE": str(threads),
            "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # agents resolve calls as fast as they can claim: lift the toll-fraud guard
            "HELPDESK_CALLBACK_CALLS_PER_MINUTE": "1000000",
        },
    )


def seed(url: str, candidates: int, agents: int, seed_value: int) -> tuple[list[str], list[str]]:
    """Migrate; create the exam in progress, the roster, tokens and agents via services."""
    from helpdesk.cli import upgrade
    from helpdesk.db import Database
    from helpdesk.demo import fake_roster
    from helpdesk.exams import roster
    from helpdesk.exams import services as exams
    from helpdesk.identity import services as identity
    from helpdesk.identity.models import Candidate, Role, SessionKind

    upgrade(url)
    now = datetime.now(UTC)
    db = Database(url, pool_size=2)
    rows, seen = [], set()
    for row in fake_roster(candidates + 200, [CODE], seed=seed_value):
        if row.id_number not in seen and len(rows) < candidates:  # fictitious IDs may collide
            seen.add(row.id_number)
            rows.append(row)
    with db.sessionmaker() as session:
        exams.import_sessions(
            session,
            [
                {
                    "code": CODE,
                    "name": "基准测试正式面试",
                    "kind": "formal",
                    "login_opens": (now - timedelta(minutes=50)).isoformat(),
                    "starts": (now - timedelta(minutes=1)).isoformat(),
                    "login_closes": (now - timedelta(minutes=1)).isoformat(),
                    "ends": (now + timedelta(hours=2)).isoformat(),
                }
            ],
        )
        roster.import_roster(session, rows, id_hash_key=ID_HASH_KEY, now=now, skip_invalid=True)
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
        session.commit()
    db.engine.dispose()
    return tokens, usernames


def count_requests(url: str) -> tuple[int, int]:
    """(help requests stored, requests with more than one call attempt)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM help_requests")).scalar_one()
        doubled = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT help_request_id FROM call_attempts "
                "GROUP BY help_request_id HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
    engine.dispose()
    return int(stored), int(doubled)


# --- the desk -------------------------------------------------------------------------------


class Client:
    """One keep-alive connection with a cookie jar (one per thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str], float]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, data, dict(response.headers), elapsed
        raise AssertionError("unreachable")


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
    port: int, plan: list[tuple[str, str, dict[str, object]]], args: argparse.Namespace
) -> tuple[Counter[int], list[float], float]:
    local = threading.local()
    interval = args.window * 0.9 / max(1, len(plan))  # spread over 90% of the window
    started = time.monotonic()

    def press(index: int) -> tuple[int, float]:
        delay = started + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        client = getattr(local, "client", None) or Client(port)
        local.client = client
        token, key, body = plan[index]
        status, _data, _headers, ms = client.send(
            "POST",
            "/api/v1/help-requests",
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
            },
        )
        return status, ms

    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        results = list(pool.map(press, range(len(plan))))
    return Counter(s for s, _ms in results), [ms for _s, ms in results], time.monotonic() - started


def csrf(client: Client, path: str) -> str:
    status, data, _h, _ms = client.send("GET", path)
    match = _CSRF.search(data.decode("utf-8"))
    if status != 200 or match is None:
        raise SystemExit(f"no CSRF token on {path} ({status})")
    return match.group(1)


def sign_in_agent(port: int, username: str) -> tuple[Client, str]:
    client = Client(port)
    token = csrf(client, "/staff/signin")
    form = urlencode({"csrf_token": token, "username": username, "password": AGENT_PASSWORD})
    status, _d, _h, _ms = client.send(
        "POST",
        "/staff/signin",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 302:
        raise SystemExit(f"agent {username} could not sign in ({status})")
    return client, csrf(client, "/staff/callbacks")


def claim_all(port: int, usernames: list[str]) -> tuple[list[str], Counter[int], float]:
    agents = [sign_in_agent(port, name) for name in usernames]
    start = threading.Barrier(len(agents))
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    def work(agent: tuple[Client, str]) -> tuple[list[str], Counter[int]]:
        client, token = agent
        claimed: list[str] = []
        statuses: Counter[int] = Counter()
        start.wait()
        while True:
            status, _d, headers, _ms = client.send(
                "POST",
                "/staff/callbacks/claim",
                urlencode({"csrf_token": token}).encode(),
                form_type,
            )
            statuses[status] += 1
            location = headers.get("Location", "")
            if status != 302 or "/staff/callbacks/r/" not in location:
                if status >= 500:
                    continue
                return claimed, statuses
            request_id = location.rsplit("/", 1)[-1]
            claimed.append(request_id)
            status, _d, _h, _ms = client.send(
                "POST",
                f"/staff/callbacks/r/{request_id}/outcome",
                urlencode({"csrf_token": token, "outcome": "resolved"}).encode(),
                form_type,
            )
            statuses[status] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(agents)) as pool:
        results = list(pool.map(work, agents))
    elapsed = time.monotonic() - started
    claims = [c for batch, _s in results for c in batch]
    statuses: Counter[int] = Counter()
    for _batch, counts in results:
        statuses.update(counts)
    return claims, statuses, elapsed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    name, url = harness.create_database(args.pg_server, "help")
    process = None
    try:
        tokens, usernames = seed(url, args.candidates, args.agents, args.seed)
        port = harness.free_port()
        process = start_gunicorn(url, port, args.workers, args.threads)
        plan = plan_presses(tokens, args, rng)
        statuses, latencies, burst_seconds = burst(port, plan, args)
        stored, _ = count_requests(url)
        claims, claim_statuses, claim_seconds = claim_all(port, usernames)
        _stored, doubled_attempts = count_requests(url)
    finally:
        if process is not None:
            harness.stop_gunicorn(process)
        harness.drop_database(args.pg_server, name)
    counts = Counter(claims)
    double_claims = sum(n - 1 for n in counts.values() if n > 1) + doubled_attempts
    server_errors = sum(n for s, n in statuses.items() if s >= 500) + sum(
        n for s, n in claim_statuses.items() if s >= 500
    )
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"candidates: {len(tokens)}; presses sent: {len(plan)} in {burst_seconds:.1f} s "
        f"at concurrency {args.clients} (statuses {dict(sorted(statuses.items()))})"
    )
    print(f"requests recorded: {stored} (must be {len(tokens)})")
    print(f"5xx count: {server_errors} (must be 0)")
    print(f"double claims: {double_claims} (must be 0); requests claimed: {len(counts)}")
    print(f"POST latency: median {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    print(
        f"claims per second: {len(claims) / claim_seconds:.1f} ({args.agents} agents, each "
        f"claim followed by its outcome; {claim_seconds:.1f} s to empty the queue)"
    )
    ok = (
        stored == len(tokens)
        and server_errors == 0
        and double_claims == 0
        and len(counts) == len(tokens)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
