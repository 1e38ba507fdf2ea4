"""How often the status pages of a waiting queue ask for news, and what that costs the desk.

    .venv/bin/python -m bench.status_refresh [--waiting 1000] [--agents 20] [--samples 100]

Seeds a throwaway PostgreSQL database next to --pg-server (an exam in progress, its roster,
--waiting candidates in the queue in the order they pressed 求助, --agents technicians on
duty), then asks the desk's own standing() where each waiting request stands and at what pace
its status page asks again (helpdesk.callbacks.standing.refresh_seconds). Prints how many
asks a second the whole queue sends at the old fixed 3 s and at the desk's pace, what one ask
(the status fragment: sign-in, place, estimate, template) costs this process's CPU and
PostgreSQL's, measured with signed-in candidates at the front, the middle and the back of
the queue through Flask's test client, and the share of the machine those asks take; then
what one poll of an agent's console queue (every 2 s while it is open) costs, and the share
the --agents consoles take. Hidden pages (which ask nothing now) are not counted: the
figures are for pages in view.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import database, desk, seed
from bench.harness.cpu import postgres_cpu_seconds
from bench.harness.html import csrf_token

CODE = "BENCH-STATUS"
ID_HASH_KEY = "bench status refresh id hash key"
OLD_PACE = 3.0  # seconds: every status page before the pace followed the queue
CONSOLE_PACE = 2.0  # seconds: an agent's open console asks for the queue
STAFF_PASSWORD = "bench status password"  # noqa: S105 - fictitious technicians


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiting", type=int, default=1000, help="candidates in the queue")
    parser.add_argument("--agents", type=int, default=20, help="technicians on duty")
    parser.add_argument("--samples", type=int, default=100, help="asks timed per place")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    return parser.parse_args(argv)


def seed_queue(url: str, args: argparse.Namespace, now: datetime) -> list[dict[str, str]]:
    """The exam, its roster and the queue (a press every 0.2 s, oldest first); the agents
    on duty. Returns the waiting candidates' sign-in identities in queue order."""
    from helpdesk.callbacks import presence, services
    from helpdesk.callbacks.settings import Settings
    from helpdesk.identity.models import Candidate, Role
    from helpdesk.identity.services import create_staff

    exam = seed.formal_exam(
        CODE,
        login_opens=now - timedelta(minutes=50),
        starts=now - timedelta(minutes=10),
        ends=now + timedelta(hours=2),
    )
    rows = seed.fictitious_roster(args.waiting, CODE, args.seed)
    with seed.seeding(url) as session:
        seed.exam_with_roster(session, exam, rows, id_hash_key=ID_HASH_KEY, now=now)
        by_number = {c.admission_number: c for c in session.query(Candidate)}
        for n, row in enumerate(rows):
            services.request_help(
                session,
                candidate=by_number[row.admission_number],
                data=services.HelpInput(exam_session=CODE),
                idempotency_key=uuid.uuid4().hex,
                source="web",
                now=now - timedelta(seconds=0.2 * (len(rows) - n)),
            )
        for n in range(args.agents):
            agent = create_staff(
                session, username=f"agent{n}", password=STAFF_PASSWORD, role=Role.AGENT, now=now
            )
            presence.heartbeat(session, staff=agent, settings=Settings(), now=now)
    return [
        {"name": r.name, "id_number": r.id_number, "admission_number": r.admission_number}
        for r in rows
    ]


def paces(app: Any) -> list[int]:
    """Every waiting request's pace, front to back, as the desk works it out now."""
    from helpdesk import clock
    from helpdesk.callbacks import settings as callbacks_settings
    from helpdesk.callbacks import standing
    from helpdesk.callbacks.models import HelpRequest, HelpStatus
    from helpdesk.db import database as db_of

    with app.app_context(), db_of(app).sessionmaker() as session:
        settings, now = callbacks_settings.current(), clock.utcnow()
        queue = session.query(HelpRequest).filter(HelpRequest.status == HelpStatus.WAITING)
        ordered = queue.order_by(HelpRequest.priority, HelpRequest.created_at, HelpRequest.id)
        return [
            int(standing.standing(session, r, settings=settings, now=now)["refresh_seconds"])
            for r in ordered
        ]


def signed_in(app: Any, path: str, fields: dict[str, str]) -> Any:
    """A test client signed in through the sign-in form at path."""
    browser = app.test_client()
    page = browser.get(path).text
    signed = browser.post(path, data={"csrf_token": csrf_token(page) or "", **fields})
    if signed.status_code != 302:
        raise SystemExit(f"{path}: could not sign in ({signed.status_code})")
    return browser


def cost(browser: Any, url: str, samples: int) -> tuple[float, float, str]:
    """(ms of this process's CPU, ms of PostgreSQL's CPU) per GET of url once warm (statements
    prepared, templates loaded), and the last page."""
    for _ in range(5):
        browser.get(url)
    cpu, postgres = time.process_time(), postgres_cpu_seconds()
    for _ in range(samples):
        answer = browser.get(url)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
    return (
        (time.process_time() - cpu) * 1000 / samples,
        (postgres_cpu_seconds() - postgres) * 1000 / samples,
        answer.text,
    )


def ask_cost(app: Any, identity: dict[str, str], samples: int) -> tuple[float, float, int]:
    """What one signed-in candidate's status fragment costs (cost()), and the place it shows."""
    browser = signed_in(app, "/signin", identity)
    found = re.search(r"/help/([A-Za-z0-9_-]+)", browser.get("/help").text)
    if found is None:
        raise SystemExit("no help request on the candidate's help page")
    worker, postgres, page = cost(browser, f"/help/{found.group(1)}/fragment", samples)
    place = re.search(r'class="position">(\d+)<', page)
    return worker, postgres, int(place.group(1)) if place else 0


def console_cost(app: Any, samples: int) -> tuple[float, float, int]:
    """What one poll of an agent's console queue costs (cost(); every 2 s while the console
    is open), and the rows it lists."""
    agent = {"username": "agent0", "password": STAFF_PASSWORD}
    browser = signed_in(app, "/staff/signin", agent)
    worker, postgres, page = cost(browser, "/staff/callbacks/queue", samples)
    return worker, postgres, page.count("<tr data-request=")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    now = datetime.now(UTC)
    with database.throwaway("postgresql", label="status", server=args.pg_server) as url:
        identities = seed_queue(url, args, now)
        os.environ.update(desk.desk_environment(url, id_hash_key=ID_HASH_KEY))
        from helpdesk import create_app
        from helpdesk.db import database as db_of

        app = create_app()
        logging.getLogger("helpdesk.request").setLevel(logging.WARNING)
        pace = paces(app)
        counted = Counter(pace)
        old = len(pace) / OLD_PACE
        new = sum(1 / p for p in pace)
        print(f"queue: {len(pace)} waiting, {args.agents} technicians on duty")
        print("pace: " + ", ".join(f"{s} s for {counted[s]}" for s in sorted(counted)))
        print(
            f"asks a second, whole queue: every {OLD_PACE:.0f} s {old:.1f}; at the desk's pace "
            f"{new:.1f} ({new / old:.2f}x)"
        )
        costs = []
        for where, index in (("front", 0), ("middle", len(identities) // 2), ("back", -1)):
            worker, postgres, place = ask_cost(app, identities[index], args.samples)
            costs.append((worker, postgres))
            print(
                f"one ask at the {where} (place {place}): {worker:.2f} ms of this process's CPU, "
                f"{postgres:.2f} ms of PostgreSQL's"
            )
        each = sum(w + p for w, p in costs) / len(costs) / 1000
        print(
            f"the queue's asks take: every {OLD_PACE:.0f} s {old * each:.2f} cores; at the "
            f"desk's pace {new * each:.2f} cores (this machine has {os.cpu_count()})"
        )
        worker, postgres, rows = console_cost(app, args.samples)
        consoles = args.agents / CONSOLE_PACE * (worker + postgres) / 1000
        print(
            f"one console poll ({rows} rows): {worker:.2f} ms of this process's CPU, "
            f"{postgres:.2f} ms of PostgreSQL's; {args.agents} consoles every "
            f"{CONSOLE_PACE:.0f} s take {consoles:.2f} cores"
        )
        db_of(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
