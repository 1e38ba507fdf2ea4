"""Upload events under load: gunicorn (2 workers) on a fresh PostgreSQL database.

    .venv/bin/python -m bench.upload_events [--candidates 5000] [--events-per-candidate 4]

Creates its own database next to --pg-server, migrates it, seeds one ended formal exam and
a roster of fictitious candidates through the desk's services, starts gunicorn, signs every
candidate in (POST /api/v1/candidate-tokens), then sends the unique upload events with 30%
of them sent twice: a third of those copies at the same moment as the original (two
connections racing), the rest later. Prints the rows stored (must equal the unique events),
5xx answers and failed connections (must be 0), events per second and latency (median, p95,
p99, max); exits 1 if either must fails. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bench.harness import database, desk, seed
from bench.harness.http import Client, Recorder, failed
from bench.harness.stats import summarise

ID_HASH_KEY = "bench-upload-events-key"
CODE = "BENCH-FORMAL"
EVENT = "POST /api/v1/upload-events"


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
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args(argv)


# --- the database ---------------------------------------------------------------------------


def seed_desk(url: str, candidates: int, seed_value: int) -> list[dict[str, str]]:
    """Migrate, then create the ended exam and the roster through the services."""
    now = datetime.now(UTC)
    ends = now - timedelta(minutes=10)
    exam = seed.formal_exam(
        CODE,
        login_opens=ends - timedelta(minutes=60),
        starts=ends - timedelta(minutes=10),
        ends=ends,
    )
    rows = seed.fictitious_roster(candidates, CODE, seed_value)
    with seed.seeding(url) as session:
        report = seed.exam_with_roster(session, exam, rows, id_hash_key=ID_HASH_KEY, now=now)
    invalid = {r.line for r in report.rows if r.status == "invalid"}
    if invalid:
        print(f"roster: {len(invalid)} generated rows refused, left out")
    return [
        {"name": r.name, "id_number": r.id_number, "admission_number": r.admission_number}
        for r in rows
        if r.line not in invalid
    ]


def count_rows(url: str) -> tuple[int, int]:
    events, artifacts = database.counts(
        url, "SELECT count(*) FROM upload_events", "SELECT count(*) FROM upload_artifacts"
    )
    return events, artifacts


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


class Sender:
    """Sends upload events on fresh connections; counts the desk's answers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.recorder = Recorder()
        self.lock = threading.Lock()
        self.answers: Counter[str] = Counter()

    def send(self, token: str, body: dict[str, object]) -> None:
        client = Client(self.base, recorder=self.recorder, timeout=60)
        answer = client.send(
            "POST",
            "/api/v1/upload-events",
            endpoint=EVENT,
            json_body=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        recorded = str((answer.json() or {}).get("status")) if answer.status in (200, 201) else ""
        with self.lock:
            self.answers[recorded] += 1

    def send_pair(self, token: str, body: dict[str, object]) -> None:
        """The original and its copy on two connections at the same moment."""
        gate = threading.Barrier(2)

        def copy() -> None:
            gate.wait()
            self.send(token, body)

        other = threading.Thread(target=copy)
        other.start()
        gate.wait()
        self.send(token, body)
        other.join()


def sign_in_all(base: str, identities: list[dict[str, str]], clients: int) -> list[str]:
    def one(identity: dict[str, str]) -> str:
        answer = Client(base, timeout=60).send(
            "POST", "/api/v1/candidate-tokens", json_body=identity
        )
        if answer.status != 201:
            raise SystemExit(f"sign-in failed: {answer.status} {answer.body[:200]!r}")
        return str(answer.json()["token"])

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, identities))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with database.throwaway("postgresql", label="uploads", server=args.pg_server) as url:
        print(
            f"database {url.rsplit('/', 1)[-1]}: migrating and seeding {args.candidates} candidates"
        )
        identities = seed_desk(url, args.candidates, args.seed)
        env = desk.desk_environment(
            url,
            id_hash_key=ID_HASH_KEY,
            settings={
                "HELPDESK_DATABASE_POOL_SIZE": "10",
                "HELPDESK_SIGNIN_FAILURES_PER_IP": "100000",
            },
        )
        with desk.serving(env, workers=args.workers) as server:
            started = time.perf_counter()
            tokens = sign_in_all(server.url, identities, args.clients)
            print(f"signed in {len(tokens)} candidates in {time.perf_counter() - started:.1f} s")

            ends = datetime.now(UTC) - timedelta(minutes=10)
            events = make_events(tokens, args.events_per_candidate, ends, rng)
            rng.shuffle(events)
            duplicated = events[: int(len(events) * args.duplicate_share)]
            concurrent = duplicated[: int(len(duplicated) * args.concurrent_share)]
            later = duplicated[len(concurrent) :]
            concurrent_ids = {id(body) for _token, body in concurrent}
            sender = Sender(server.url)
            first_wave = [
                (sender.send_pair if id(body) in concurrent_ids else sender.send, token, body)
                for token, body in events
            ]
            rng.shuffle(first_wave)
            second_wave = [(sender.send, token, body) for token, body in later]
            rng.shuffle(second_wave)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                for wave in (first_wave, second_wave):
                    list(pool.map(lambda job: job[0](job[1], job[2]), wave))
            elapsed = time.perf_counter() - started
            stored, artifacts = count_rows(url)

    statuses = sender.recorder.statuses(EVENT)
    sent = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if failed(status))
    print(f"unique events:        {len(events)} from {len(tokens)} candidates")
    print(
        f"requests sent:        {sent} ({len(duplicated)} copies, {len(concurrent)} "
        f"of them racing the original)"
    )
    print(f"answers:              {dict(sender.answers)}  statuses {dict(statuses)}")
    print(f"rows stored:          {stored} (must be {len(events)})")
    print(f"artifacts:            {artifacts}")
    print(f"5xx or no answer:     {errors} (must be 0)")
    print(
        f"throughput:           {sent / elapsed:.0f} requests/s, "
        f"{len(events) / elapsed:.0f} unique events/s ({elapsed:.1f} s)"
    )
    print(f"latency:              {summarise(sender.recorder.milliseconds(EVENT)).line()}")
    ok = stored == len(events) and errors == 0 and sender.answers["recorded"] == len(events)
    print("RESULT: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
