"""Where the time of one request goes, per request kind (cProfile, in this process).

    .venv/bin/python -m bench.profile_requests [--requests 300]
                                               [--kind press|form|status|inbox|ticket]
                                               [--top 25] [--sort tottime|cumulative]

Seeds a throwaway PostgreSQL database next to --pg-server as bench.side_by_side does (an
exam in progress, its roster with API tokens, a signed-in candidate and agent), builds the
desk's app with production settings in this process, warms it up, then profiles --requests
requests of each kind through Flask's test client: a press of 求助 (POST
/api/v1/help-requests, a new candidate each), the ticket form (GET + POST /tickets/new), a waiting
candidate's status poll (GET /help/{id}/fragment), the staff inbox (a full page: 30 tickets
are filed first), a staff ticket page. Prints, per kind, milliseconds per request and this
process's CPU per request (first run unprofiled), the Python calls per request under the
profiler (the same for the same code, whatever else the machine does), their split into the
parts issue 17 names (SQL on the wire, SQLAlchemy, sign-in, translations, templates, forms,
validation and serialisation), the statements sent, and the functions that cost most
(BENCH_CALLERS=file.py:line also prints who called one). One thread, no HTTP server: CPU per
request, which is what a saturated gunicorn worker spends.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.harness import database, desk
from bench.side_by_side import ID_HASH_KEY  # the roster side_by_side seeds

CODE = "BENCH-FORMAL"
STAFF_PASSWORD = "bench profile password"  # noqa: S105 - a fictitious bench agent
_KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KINDS = ("press", "form", "status", "inbox", "ticket")

#: The parts of a request: (label, functions whose cumulative time is that part). A
#: function is named by (file suffix, function name); parts are measured outermost first.
PARTS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "SQL on the wire (psycopg)",
        [
            ("psycopg/cursor.py", "execute"),
            ("psycopg/cursor.py", "fetchall"),
            ("psycopg/cursor.py", "fetchone"),
            ("psycopg/connection.py", "commit"),
            ("psycopg/connection.py", "rollback"),
        ],
    ),
    (
        "SQLAlchemy (all, SQL included)",
        [
            ("sqlalchemy/orm/session.py", "execute"),
            ("sqlalchemy/orm/session.py", "scalar"),
            ("sqlalchemy/orm/session.py", "scalars"),
            ("sqlalchemy/orm/session.py", "flush"),
            ("sqlalchemy/orm/session.py", "commit"),
            ("sqlalchemy/orm/session.py", "close"),
            ("sqlalchemy/orm/strategies.py", "_load_for_state"),
            ("sqlalchemy/orm/session.py", "get"),
        ],
    ),
    (
        "sign-in lookup",
        [
            ("helpdesk/identity/auth.py", "_load_principal"),
            ("helpdesk/api/__init__.py", "bearer_candidate"),
        ],
    ),
    ("templates (render_template)", [("flask/templating.py", "render_template")]),
    (
        "translations (gettext)",
        [
            ("flask_babel/__init__.py", "gettext"),
            ("flask_babel/__init__.py", "get_translations"),
            ("flask_babel/speaklater.py", "__str__"),
            ("flask_babel/__init__.py", "format_datetime"),
        ],
    ),
    (
        "forms (WTForms, CSRF)",
        [
            ("wtforms/form.py", "__call__"),
            ("flask_wtf/form.py", "validate_on_submit"),
            ("flask_wtf/csrf.py", "protect"),
        ],
    ),
    (
        "pydantic / JSON",
        [("pydantic/main.py", "model_validate"), ("flask/json/__init__.py", "jsonify")],
    ),
]


#: Tickets filed before the inbox and ticket kinds are profiled: more than a page holds.
INBOX_TICKETS = 30


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="per kind")
    parser.add_argument("--kind", choices=KINDS, action="append", help="default: all")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--sort", default="tottime", choices=("tottime", "cumulative"), help="of the listing"
    )
    parser.add_argument("--pg-server", default=database.PG_SERVER)
    return parser.parse_args(argv)


def seeded(url: str, presses: int) -> tuple[list[str], dict[str, str]]:
    """(API tokens, one web candidate's identity) plus an agent, via bench.side_by_side."""
    from bench import side_by_side

    args = side_by_side.parse_args(
        ["--rounds", "1", "--candidates", str(presses), "--submissions", "1"]
    )
    args.web_clients = 1
    cohorts, web = side_by_side.seed_desk(url, args)
    from helpdesk import clock
    from helpdesk.db import Database
    from helpdesk.identity.models import Role
    from helpdesk.identity.services import create_staff

    db = Database(url, pool_size=1)
    with db.sessionmaker() as session:
        create_staff(
            session, username="bench", password=STAFF_PASSWORD, role=Role.AGENT, now=clock.utcnow()
        )
        session.commit()
    db.engine.dispose()
    return cohorts[0], web[0]


def statements_counter(app: Any) -> list[int]:
    from sqlalchemy import event

    from helpdesk.db import database as db_of

    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    event.listen(db_of(app).engine, "before_cursor_execute", count)
    return seen


def requests_of(kind: str, app: Any, tokens: list[str], web: dict[str, str]) -> Callable[[], None]:
    """A function that sends one request (or one GET + POST pair) of kind."""
    if kind == "press":
        client, queue = app.test_client(), iter(tokens)

        def press() -> None:
            answer = client.post(
                "/api/v1/help-requests",
                json={"exam_session": CODE, "category": "login"},
                headers={
                    "Authorization": f"Bearer {next(queue)}",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            assert answer.status_code == 201, answer.text

        return press
    if kind in ("form", "status"):
        browser = app.test_client()
        page = browser.get("/signin").text
        csrf = _CSRF.search(page)
        signed = browser.post("/signin", data={"csrf_token": csrf.group(1) if csrf else "", **web})
        assert signed.status_code == 302, signed.text
    if kind == "status":
        return _status_poll(browser)
    if kind == "form":

        def submit() -> None:
            answer = _submitted(
                browser,
                "/tickets/new",
                category="login",
                exam_session=CODE,
                description="登录时提示考生不存在",
            )
            assert answer.status_code == 302, answer.text

        return submit
    staff = app.test_client()
    page = staff.get("/staff/signin").text
    csrf = _CSRF.search(page)
    signed = staff.post(
        "/staff/signin",
        data={
            "csrf_token": csrf.group(1) if csrf else "",
            "username": "bench",
            "password": STAFF_PASSWORD,
        },
    )
    assert signed.status_code == 302, signed.text
    if kind == "inbox":
        return lambda: _ok(staff.get("/staff/tickets?status=new"))
    inbox = staff.get("/staff/tickets?status=all").text
    number = re.search(r"/staff/tickets/(T[0-9A-Z-]+)", inbox)
    assert number is not None, "no ticket in the inbox to open"
    return lambda: _ok(staff.get(f"/staff/tickets/{number.group(1)}"))


def _submitted(browser: Any, path: str, **fields: str) -> Any:
    """GET the form at path and POST it back with its CSRF token and idempotency key."""
    page = browser.get(path).text
    key, token = _KEY.search(page), _CSRF.search(page)
    return browser.post(
        path,
        data={
            "csrf_token": token.group(1) if token else "",
            "key": key.group(1) if key else "",
            **fields,
        },
    )


def _status_poll(browser: Any) -> Callable[[], None]:
    """Press 求助 on the web page once, then ask its status fragment (a waiting candidate's
    page asks it every few seconds)."""
    pressed = _submitted(browser, "/help", exam_session=CODE, category="login")
    assert pressed.status_code == 302, pressed.text
    fragment = pressed.headers["Location"].rstrip("/") + "/fragment"
    return lambda: _ok(browser.get(fragment))


def _ok(answer: Any) -> None:
    assert answer.status_code == 200, answer.status_code


def parts(stats: pstats.Stats) -> dict[str, float]:
    """Seconds of cumulative time per part (a part's functions never nest in each other's
    time twice: the outermost call of each recursive chain is what cProfile reports)."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out = {}
    for label, names in PARTS:
        total = 0.0
        for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in table.items():
            if any(path.endswith(suffix) and name == fn for suffix, fn in names):
                total += cumulative
        out[label] = total
    return out


class Collections:
    """A gc callback: how long the collector ran, and how often per generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.runs[info["generation"]] += 1

    def describe(self) -> str:
        return ", ".join(f"generation {g}: {n} runs" for g, n in enumerate(self.runs))


def profile(kind: str, app: Any, tokens: list[str], web: dict[str, str], args: Any) -> None:
    send = requests_of(kind, app, tokens, web)
    for _ in range(5):  # warm: compiled templates, statement caches, pool connections
        send()
    collector = Collections()
    gc.callbacks.append(collector)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        send()
    plain = (time.perf_counter() - started) * 1000 / args.requests
    cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
    gc.callbacks.remove(collector)
    seen = statements_counter(app)
    before = seen[0]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        send()
    profiler.disable()
    seconds = time.perf_counter() - started
    per = seconds * 1000 / args.requests
    statements = (seen[0] - before) / args.requests
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    label = "GET + POST" if kind == "form" else "request"
    print(
        f"\n== {kind}: {plain:.1f} ms per {label}, {cpu_ms:.1f} ms of it on this process's CPU "
        f"({per:.1f} ms profiled, {stats.total_calls / args.requests:,.0f} Python calls), "
        f"{statements:.1f} statements"
    )
    collected = collector.seconds * 1000 / args.requests
    print(
        f"   {'garbage collector (unprofiled)':<34} {collected:6.2f} ms  "
        f"({collector.describe()}; {gc.get_freeze_count():,} objects frozen)"
    )
    for part, spent in parts(stats).items():
        print(f"   {part:<34} {spent * 1000 / args.requests:6.2f} ms  {spent / total:5.1%}")
    stats.sort_stats(args.sort).print_stats(args.top)
    if os.environ.get("BENCH_CALLERS"):
        stats.print_callers(os.environ["BENCH_CALLERS"])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = args.kind or list(KINDS)
    with database.throwaway("postgresql", label="profile", server=args.pg_server) as url:
        tokens, web = seeded(url, 2 * args.requests + 10)
        os.environ.update(desk.desk_environment(url, id_hash_key=ID_HASH_KEY))
        from helpdesk import create_app

        app = create_app()
        if os.environ.get("BENCH_GC_FREEZE"):
            gc.freeze()  # the start-up's objects out of every collection (not done in production)
        if {"inbox", "ticket"} & set(kinds):
            # A full inbox page (and a ticket to open), whether or not the form kind runs first.
            file_ticket = requests_of("form", app, tokens, web)
            for _ in range(INBOX_TICKETS):
                file_ticket()
        for kind in kinds:
            profile(kind, app, tokens, web, args)
        from helpdesk.db import database as db_of

        db_of(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
