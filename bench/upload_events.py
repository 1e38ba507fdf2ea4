#!/usr/bin/env python3
"""Upload events under load: gunicorn (2 workers) on a fresh PostgreSQL database.

    .venv/bin/python bench/upload_events.py [--candidates 5000] [--events-per-candidate 4]

Creates its own database next to --pg-server, migrates it, seeds one ended formal exam and
a roster of fictitious candidates through the desk's services, starts gunicorn, signs every
candidate in (POST /api/v1/candidate-tokens), then sends the unique upload events with 30%
of them sent twice: a third of those copies at the same moment as the original (two
connections racing), the rest later. Prints the rows stored (must equal the unique events),
the 5xx count (must be 0), events per second and latency median / p99; exits 1 if either
must fails. The database is dropped at the end. Standard library plus the pinned packages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import harness  # noqa: E402

ID_HASH_KEY = "bench-upload-events-key"
CODE = "BENCH-FORMAL"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--events-per-candidate", type=int, default=4)
    parser.add_argument("--duplicate-share", type=float, default=0.30)
    parser.add_argument(
        "--concurrent-share",
        type=float,
        default=1 / 3,
        help="of the duplicates, the share sent at the same moment",
    )
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


# --- the database ---------------------------------------------------------------------------


def seed(url: str, candidates: int, seed_value: int) -> list[dict[str, str]]:
    """Migrate, then create the ended exam and the roster through the services."""
    from helpdesk.cli import upgrade
    from helpdesk.db import Database
    from helpdesk.demo import fake_roster
    from helpdesk.exams import roster
    from helpdesk.exams import services as exams

    upgrade(url)
    now = datetime.now(UTC)
    ends = now - timedelta(minutes=10)
    db = Database(url, pool_size=2)
    rows, seen = [], set()
    for row in fake_roster(candidates + 100, [CODE], seed=seed_value):
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
                    "login_opens": (ends - timedelta(minutes=60)).isoformat(),
                    "starts": (ends - timedelta(minutes=10)).isoformat(),
                    "login_closes": (ends - timedelta(minutes=10)).isoformat(),
                    "ends": ends.isoformat(),
                }
            ],
        )
        report = roster.import_roster(
            session, rows, id_hash_key=ID_HASH_KEY, now=now, skip_invalid=True
        )
        session.commit()
    db.engine.dispose()
    invalid = {r.line for r in report.rows if r.status == "invalid"}
    if invalid:
        print(f"roster: {len(invalid)} generated rows refused, left out")
    return [
        {"name": r.name, "id_number": r.id_number, "admission_number": r.admission_number}
        for r in rows
        if r.line not in invalid
    ]


def count_rows(url: str) -> tuple[int, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM upload_events")).scalar_one()
        artifacts = connection.execute(text("SELECT count(*) FROM upload_artifacts")).scalar_one()
    engine.dispose()
    return int(events), int(artifacts)


# --- the desk -------------------------------------------------------------------------------


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    return harness.start_gunicorn(
        url=url,
        port=port,
        id_hash_key=ID_HASH_KEY,
        options=["-w", str(workers)],
        env={"HELPDESK_DATABASE_POOL_SIZE": "10", "HELPDESK_SIGNIN_FAILURES_PER_IP": "100000"},
    )


def request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, bytes, float]:
    """One request on a fresh connection; returns (status, body, milliseconds)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


# --- the load -------------------------------------------------------------------------------


def make_events(
    tokens: list[str], per_candidate: int, ends: datetime, rng: random.Random
) -> list[tuple[str, dict[str, object]]]:
    """Per candidate: answer data and one or two evidence videos, started then finished."""
    plan = [
        ("answer_data", "answers", "started"),
        ("answer_data", "answers", "completed"),
        ("evidence_video", "video-1", "started"),
        ("evidence_video", "video-1", "completed"),
        ("evidence_video", "video-2", "started"),
        ("evidence_video", "video-2", "failed"),
    ]
    events = []
    for token in tokens:
        for n, (artifact, artifact_id, state) in enumerate(plan[:per_candidate]):
            events.append(
                (
                    token,
                    {
                        "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "exam_session": CODE,
                        "artifact": artifact,
                        "artifact_id": artifact_id,
                        "state": state,
                        "bytes_total": 50_000_000,
                        "bytes_sent": 50_000_000 if state == "completed" else 0,
                        "error_code": "E_NETWORK" if state == "failed" else None,
                        "occurred_at": (ends + timedelta(minutes=1, seconds=n)).isoformat(),
                    },
                )
            )
    return events


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.answers: Counter[str] = Counter()
        self.latencies: list[float] = []

    def add(self, status: int, body: bytes, ms: float) -> None:
        answer = ""
        if status in (200, 201):
            answer = str(json.loads(body).get("status"))
        with self.lock:
            self.statuses[status] += 1
            self.answers[answer] += 1
            self.latencies.append(ms)


def send(port: int, tally: Tally, token: str, body: dict[str, object]) -> None:
    try:
        tally.add(*request(port, "POST", "/api/v1/upload-events", body, token))
    except OSError:
        tally.add(599, b"", 0.0)  # a connection the server dropped counts as a 5xx


def send_pair(port: int, tally: Tally, token: str, body: dict[str, object]) -> None:
    """The original and its copy on two connections at the same moment."""
    gate = threading.Barrier(2)

    def copy() -> None:
        gate.wait()
        send(port, tally, token, body)

    other = threading.Thread(target=copy)
    other.start()
    gate.wait()
    send(port, tally, token, body)
    other.join()


def sign_in_all(port: int, identities: list[dict[str, str]], clients: int) -> list[str]:
    def one(identity: dict[str, str]) -> str:
        status, body, _ms = request(port, "POST", "/api/v1/candidate-tokens", identity)
        if status != 201:
            raise SystemExit(f"sign-in failed: {status} {body[:200]!r}")
        return str(json.loads(body)["token"])

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, identities))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    name, url = harness.create_database(args.pg_server, "uploads")
    process = None
    try:
        print(f"database {name}: migrating and seeding {args.candidates} candidates")
        identities = seed(url, args.candidates, args.seed)
        port = harness.free_port()
        process = start_gunicorn(url, port, args.workers)
        started = time.perf_counter()
        tokens = sign_in_all(port, identities, args.clients)
        print(f"signed in {len(tokens)} candidates in {time.perf_counter() - started:.1f} s")

        ends = datetime.now(UTC) - timedelta(minutes=10)
        events = make_events(tokens, args.events_per_candidate, ends, rng)
        rng.shuffle(events)
        duplicated = events[: int(len(events) * args.duplicate_share)]
        concurrent = duplicated[: int(len(duplicated) * args.concurrent_share)]
        later = duplicated[len(concurrent) :]
        concurrent_ids = {id(body) for _token, body in concurrent}
        first_wave = [
            (send_pair if id(body) in concurrent_ids else send, token, body)
            for token, body in events
        ]
        rng.shuffle(first_wave)
        second_wave = [(send, token, body) for token, body in later]
        rng.shuffle(second_wave)

        tally = Tally()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            for wave in (first_wave, second_wave):
                list(pool.map(lambda job: job[0](port, tally, job[1], job[2]), wave))
        elapsed = time.perf_counter() - started
        stored, artifacts = count_rows(url)

        sent = sum(tally.statuses.values())
        errors = sum(n for status, n in tally.statuses.items() if status >= 500)
        print(f"unique events:        {len(events)} from {len(tokens)} candidates")
        print(
            f"requests sent:        {sent} ({len(duplicated)} copies, {len(concurrent)} "
            f"of them racing the original)"
        )
        print(f"answers:              {dict(tally.answers)}  statuses {dict(tally.statuses)}")
        print(f"rows stored:          {stored} (must be {len(events)})")
        print(f"artifacts:            {artifacts}")
        print(f"5xx responses:        {errors} (must be 0)")
        print(
            f"throughput:           {sent / elapsed:.0f} requests/s, "
            f"{len(events) / elapsed:.0f} unique events/s ({elapsed:.1f} s)"
        )
        print(
            f"latency:              median {statistics.median(tally.latencies):.1f} ms, "
            f"p99 {percentile(tally.latencies, 0.99):.1f} ms"
        )
        ok = stored == len(events) and errors == 0 and tally.answers["recorded"] == len(events)
        print("RESULT: " + ("ok" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        if process is not None:
            harness.stop_gunicorn(process)
        harness.drop_database(args.pg_server, name)


if __name__ == "__main__":
    sys.exit(main())
