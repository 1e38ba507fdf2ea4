#!/usr/bin/env python3
"""The staff inbox and its search at scale: 100,000 tickets across 20,000 candidates.

    .venv/bin/python bench/inbox.py [--tickets 100000] [--candidates 20000] [--runs 200]
                                    [--backend sqlite|postgresql|both]

For each backend it creates a fresh database (a SQLite file in a temporary folder; a new
PostgreSQL database next to --pg-server, dropped at the end), migrates it, seeds the rows
with bulk inserts, signs a staff member in through the test client and times whole page
requests (query, counts and template) for the inbox with a mix of filters and for searches
by ticket number, admission number, name and phone. Prints the median and 95th percentile
in milliseconds; the target is a 95th percentile under 100 ms. Exits 1 if a page fails.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ID_HASH_KEY = "bench-inbox-key"
NOW = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)  # the formal exam is running
STATUSES = (
    ["new"] * 20 + ["open"] * 20 + ["waiting_candidate"] * 15 + ["resolved"] * 25 + ["closed"] * 20
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200, help="requests per measurement")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


def seed(url: str, args: argparse.Namespace) -> dict[str, list[str]]:
    """Bulk-insert exams, staff, candidates and tickets; return values to search for."""
    from helpdesk.db import make_engine
    from helpdesk.demo import fake_id_number
    from helpdesk.exams.models import Enrollment, ExamSession
    from helpdesk.identity import idnumber
    from helpdesk.identity.models import Candidate, Staff
    from helpdesk.tickets.models import Ticket
    from helpdesk.tickets.services import new_number

    rng = random.Random(args.seed)
    engine = make_engine(url, pool_size=1)
    exams = [
        ("MOCK-D1", "mock", datetime(2023, 1, 4, 2, tzinfo=UTC), timedelta(hours=14)),
        ("MOCK-D2", "mock", datetime(2023, 1, 5, 2, tzinfo=UTC), timedelta(hours=14)),
        ("FORMAL", "formal", datetime(2023, 1, 10, 3, tzinfo=UTC), timedelta(minutes=10)),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(ExamSession),
            [
                {
                    "id": i + 1,
                    "code": code,
                    "name": code,
                    "kind": kind,
                    "login_opens": starts,
                    "starts": starts,
                    "login_closes": starts + length,
                    "ends": starts + length,
                    "download_opens": None,
                    "download_closes": None,
                }
                for i, (code, kind, starts, length) in enumerate(exams)
            ],
        )
        connection.execute(
            insert(Staff),
            [
                {
                    "id": n,
                    "username": f"agent{n}",
                    "display_name": f"技术员 {n}",
                    "password_hash": "x",
                    "role": "agent",
                    "active": True,
                    "available": True,
                    "created_at": NOW,
                }
                for n in range(1, 21)
            ],
        )
        candidates, enrollments = [], []
        for n in range(1, args.candidates + 1):
            number = fake_id_number(rng)
            candidates.append(
                {
                    "id": n,
                    "name": rng.choice("王李张刘陈杨黄赵吴周")
                    + rng.choice("伟芳娜敏静丽强磊军洋")
                    + rng.choice(["", "明", "华", "宇"]),
                    "id_number_hash": idnumber.keyed_hash(number, ID_HASH_KEY),
                    "id_number_masked": idnumber.mask(number),
                    "admission_number": f"ZK{n:08d}",
                    "phone": f"+861{rng.choice('3578')}{rng.randrange(10**9):09d}",
                    "created_at": NOW,
                }
            )
            for exam_id in (1, 2, 3):
                enrollments.append(
                    {"exam_session_id": exam_id, "candidate_id": n, "created_at": NOW}
                )
        connection.execute(insert(Candidate), candidates)
        connection.execute(insert(Enrollment), enrollments)
        tickets, numbers = [], set()
        for n in range(1, args.tickets + 1):
            candidate = candidates[rng.randrange(len(candidates))]
            exam = rng.choice([1, 2, 3, None])
            created = NOW - timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
            status = rng.choice(STATUSES)
            active = status in ("new", "open")
            number = new_number()
            while number in numbers:
                number = new_number()
            numbers.add(number)
            tickets.append(
                {
                    "id": n,
                    "number": number,
                    "candidate_id": candidate["id"],
                    "exam_session_id": exam,
                    "category": rng.choice(
                        [
                            "login",
                            "face_verification",
                            "cannot_answer",
                            "change_computer",
                            "evidence_upload",
                            "answer_upload",
                            "install",
                            "other",
                        ]
                    ),
                    "status": status,
                    "priority": {1: 2, 2: 2, 3: rng.choice([0, 1, 3])}.get(exam or 0, 3),
                    "phone": candidate["phone"],
                    "source": "web",
                    "subject": "登录时提示考生不存在",
                    "assignee_id": rng.choice([None, None, *range(1, 21)]),
                    "idempotency_key": None,
                    "merged_into_id": None,
                    "created_at": created,
                    "updated_at": created,
                    "first_response_at": None
                    if status == "new"
                    else created + timedelta(minutes=rng.randrange(1, 120)),
                    "resolved_at": created + timedelta(hours=2)
                    if status in ("resolved", "closed")
                    else None,
                    "due_at": created + timedelta(minutes=15) if active else None,
                    "sla_paused_seconds": 300 if status == "waiting_candidate" else None,
                    "breached_at": created + timedelta(minutes=15) if rng.random() < 0.1 else None,
                }
            )
            if len(tickets) == 10_000:
                connection.execute(insert(Ticket), tickets)
                tickets = []
        if tickets:
            connection.execute(insert(Ticket), tickets)
        if engine.dialect.name == "postgresql":  # explicit ids do not move the sequences
            for table in ("exam_sessions", "staff", "candidates", "tickets"):
                # The table names are the literals above, never input.
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608,E501
                connection.execute(text(sql))
    engine.dispose()
    # A freshly bulk-loaded table is not what a running desk has: autovacuum would have set
    # PostgreSQL's visibility map (index-only scans) and both engines' statistics by now.
    maintenance = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with maintenance.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    maintenance.dispose()
    sample = rng.sample(candidates, 50)
    return {
        "number": rng.sample(sorted(numbers), 50),
        "admission": [c["admission_number"].lower() for c in sample],
        "name": [c["name"] for c in sample],
        "phone": [c["phone"][3:] for c in sample],
    }


def measure(url: str, values: dict[str, list[str]], runs: int, seed: int) -> dict[str, list[float]]:
    from helpdesk import clock, create_app
    from helpdesk.db import database
    from helpdesk.identity.models import Role
    from helpdesk.identity.services import create_staff

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "ID_HASH_KEY": ID_HASH_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_DIR": tempfile.mkdtemp(),
            "DATABASE_POOL_SIZE": 2,
        }
    )
    clock.freeze(NOW)
    with app.app_context():
        session = database(app).sessionmaker()
        create_staff(
            session,
            username="bench",
            password="bench password 1",  # noqa: S106
            role=Role.SUPERVISOR,
            now=NOW,
        )
        session.commit()
        session.close()
    client = app.test_client()
    client.post("/staff/signin", data={"username": "bench", "password": "bench password 1"})
    rng = random.Random(seed)
    inbox_queries = [
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
    timings: dict[str, list[float]] = {"inbox": [], "search": []}
    for kind in ("inbox", "search"):
        for _ in range(runs):
            if kind == "inbox":
                query = rng.choice(inbox_queries)
            else:
                field = rng.choice(list(values))
                query = "q=" + rng.choice(values[field])
            started = time.perf_counter()
            response = client.get(f"/staff/tickets?{query}")
            timings[kind].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{query}: {response.status_code}")
            if kind == "search" and "共 0 个工单" in response.get_data(as_text=True):
                raise SystemExit(f"{query}: found nothing")
    clock.freeze(None)
    database(app).engine.dispose()
    return timings


def report(label: str, timings: dict[str, list[float]]) -> None:
    for kind, values in timings.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(
            f"{label:<11} {kind:<7} n={len(values):<4} median={statistics.median(values):6.1f} ms"
            f"  p95={p95:6.1f} ms  {'ok' if p95 < 100 else 'OVER TARGET'}"
        )


def run(label: str, url: str, args: argparse.Namespace) -> None:
    from helpdesk.cli import upgrade

    upgrade(url)
    started = time.perf_counter()
    values = seed(url, args)
    print(
        f"{label}: seeded {args.tickets} tickets / {args.candidates} candidates in "
        f"{time.perf_counter() - started:.0f} s"
    )
    report(label, measure(url, values, args.runs, args.seed))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/inbox.db", args)
    if args.backend in ("postgresql", "both"):
        name = f"helpdesk_bench_inbox_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            args.pg_server.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(
                "PostgreSQL",
                make_url(args.pg_server).set(database=name).render_as_string(hide_password=False),
                args,
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
