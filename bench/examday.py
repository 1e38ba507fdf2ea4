"""Exam-day rehearsal: drive a desk through the notice's formal exam with N simulated
candidates and agents, inject faults, then hold a client-side ledger against the database.

    .venv/bin/python -m bench.examday --deploy --candidates 100 --day-seconds 120
    .venv/bin/python -m bench.examday --deploy --all-faults          # what `make rehearsal` runs

Exit status 0 when every expectation holds, 1 when one fails, 2 when the rehearsal itself
could not run. See docs/rehearsal.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bench.harness.http import Client, Recorder
from bench.rehearsal import actors, agents, checks, dbcheck, metrics, nginx, people
from bench.rehearsal.deploy import Deployment
from bench.rehearsal.faults import Faults, set_twilio_mode
from bench.rehearsal.ledger import Ledger
from bench.rehearsal.options import chosen_faults, parse_args
from bench.rehearsal.people import Agent, Person
from bench.rehearsal.plans import make_plans
from bench.rehearsal.report import write_outputs
from bench.rehearsal.runner import Runner
from bench.rehearsal.timetable import Timetable


@dataclass
class Target:
    """The desk the day is played against, and who plays it."""

    base: str
    database_url: str
    code: str
    people: list[Person]
    agents: list[Agent]
    timetable: Timetable
    deployment: Deployment | None = None


def callback_env(timetable: Timetable) -> dict[str, str]:
    """The callback queue's waits on the compressed clock (they are notice-time rules)."""

    def scaled(seconds: float) -> str:
        return str(max(1, round(seconds * timetable.scale_at_minute(55) / 60)))

    return {
        "HELPDESK_CALLBACK_CLAIM_SECONDS": scaled(90),
        "HELPDESK_CALLBACK_RETRY_SECONDS": scaled(60),
        "HELPDESK_CALLBACK_UNKNOWN_SETTLE_SECONDS": scaled(120),
        # The estimate's prior call length and pickup, as an operator sets them for a day.
        "HELPDESK_CALLBACK_DEFAULT_CALL_SECONDS": scaled(180),
        "HELPDESK_CALLBACK_PICKUP_SECONDS": scaled(20),
        "HELPDESK_TWILIO_TIMEOUT_SECONDS": "3",
    }


def api_paths(base: str, recorder: Recorder) -> set[str]:
    answer = Client(base, recorder=recorder, audience="probe").call(
        "GET",
        "/api/v1/openapi.json",
        endpoint="GET /api/v1/openapi.json",
        deadline=time.time() + 30,
    )
    document = answer.json() or {}
    return {re.sub(r"^/api/v1", "", p) for p in document.get("paths", {})}


def sample_queue(
    engine: Engine, code: str, stop: threading.Event, depth: list[tuple[float, dict[str, int]]]
) -> None:
    while not stop.wait(1.0):
        counts = dbcheck.queue_depth(engine, code)
        if counts is not None:
            depth.append((time.time(), counts))


def schedule_faults(
    args: argparse.Namespace, faults: Faults, tt: Timetable, deployment: Deployment
) -> None:
    if args.fault_pg_kill or args.fault_pg_restart:
        # Mid-burst: just after the start (the 求助 burst) and in the upload rush.
        faults.database_outage(tt.at(50.8), args.outage_seconds, args.fault_pg_restart)
        faults.database_outage(tt.at(62), args.outage_seconds, False)
    if args.fault_worker_kill:
        faults.kill_workers(tt.at(2), tt.day_ends, args.kill_every)
    if args.fault_redis_stop:
        faults.stop_redis(tt.at(30))
    if args.fault_twilio and deployment.telephony != "desk":
        # While the 求助 burst is being called back: errors, then hangs, then recovery.
        recovered = "triple" if args.fault_twilio_callbacks else "ok"
        faults.twilio_modes([(tt.at(50.2), "error"), (tt.at(53), "hang"), (tt.at(57), recovered)])


def run_day(args: argparse.Namespace, target: Target, out: Path, started: float) -> int:
    timetable, deployment = target.timetable, target.deployment
    rng = random.Random(args.seed)
    recorder, ledger = Recorder(), Ledger()
    runner = Runner(workers=min(256, 32 + len(target.people) // 8))
    ctx = actors.Context(target.base, target.code, timetable, runner, recorder, ledger, rng)
    ctx.paths = api_paths(target.base, recorder)
    faults_on = chosen_faults(args)
    stop = threading.Event()
    engine = dbcheck.read_only_engine(target.database_url)
    depth: list[tuple[float, dict[str, int]]] = []
    sampler = threading.Thread(
        target=sample_queue, args=(engine, target.code, stop, depth), daemon=True
    )
    sampler.start()
    scraped = metrics.MetricsLog()
    if deployment is not None:
        metrics_url = f"http://127.0.0.1:{deployment.app_ports[0]}/metrics"
        threading.Thread(
            target=metrics.sample, args=(metrics_url, scraped, stop), daemon=True
        ).start()
    faults = Faults(deployment, stop) if deployment else None
    if faults is not None and deployment is not None:
        schedule_faults(args, faults, timetable, deployment)
    plans = make_plans(len(target.people), rng)
    for person, plan in zip(target.people, plans, strict=True):
        runner.spawn(actors.candidate(ctx, person, plan), timetable.at(plan.signin))
    for index, staff in enumerate(a for a in target.agents if a.role == "agent"):
        runner.spawn(
            agents.agent(ctx, staff, phone=f"+8613800{index:06d}"), timetable.at(40 + index * 0.2)
        )
    limit = args.time_limit or (timetable.day_ends - time.time() + 600)
    print(
        f"day running: login opens {datetime.fromtimestamp(timetable.login_opens, UTC):%H:%M:%S}"
        f" UTC, exam starts +{timetable.starts - timetable.login_opens:.0f} s, day ends "
        f"+{timetable.day_ends - timetable.login_opens:.0f} s; {len(target.people)} candidates, "
        f"{len(target.agents)} staff, faults: {', '.join(faults_on) or 'none'}",
        flush=True,
    )
    progress = threading.Thread(target=_progress, args=(ctx, runner, stop, timetable), daemon=True)
    progress.start()
    try:
        finished = runner.run(time.time() + limit)
    finally:
        ctx.stop.set()
        ctx.agents_stop.set()
    stop.set()
    runner.shutdown()
    if faults is not None:
        faults.join()
    if not finished:
        ctx.note(f"the day did not finish within the time limit ({limit:.0f} s)")
    time.sleep(1.0)
    stores = dbcheck.collect(engine, target.code)
    engine.dispose()
    result = checks.evaluate(
        args,
        ctx=ctx,
        stores=stores,
        plans=plans,
        faults=faults,
        deployment=deployment,
        faults_on=faults_on,
        started=started,
        timetable=timetable,
        tool_errors=runner.errors,
        finished=finished,
    )
    result.desk_metrics = metrics.summary(scraped)
    if deployment is not None and deployment.front is not None:
        result.front = nginx.access_figures(deployment.front.access_log)
    kills = faults.kills if faults else []
    lines = write_outputs(
        out, result, recorder.snapshot(), depth, timetable.login_opens, kills, scraped
    )
    print("\n".join(lines))
    print(f"report: {out / 'report.html'}")
    return 0 if result.ok else 1


def _progress(
    ctx: actors.Context, runner: Runner, stop: threading.Event, timetable: Timetable
) -> None:
    while not stop.wait(15):
        minute = timetable.minute(time.time())
        clock = f"{10 + int((10 + minute) // 60):02d}:{int((10 + minute) % 60):02d}"
        with ctx.lock:
            seen = dict(ctx.outcomes)
        print(
            f"  notice time {clock}  active actors {runner.active}  "
            f"signed in {seen.get('signed in', 0)}  求助 {seen.get('help pressed', 0)}  "
            f"upload events {seen.get('upload event recorded', 0)}",
            flush=True,
        )


def write_files(args: argparse.Namespace, code: str, started: float) -> int:
    """--write-exams / --write-roster: the files a staging desk imports before the day."""
    timetable = Timetable.compressed(started + args.lead_seconds, args.day_seconds)
    if args.write_exams:
        args.write_exams.write_text(timetable.exams_json(code), encoding="utf-8")
        print(
            f"wrote {args.write_exams} (session {code}, login opens in {args.lead_seconds:.0f} s)"
        )
    if args.write_roster:
        people.write_roster(
            args.write_roster, code, people.fake_people(args.candidates, code, args.seed)
        )
        print(f"wrote {args.write_roster}: fictitious ID numbers; delete it after import")
    return 0


def existing_desk(args: argparse.Namespace) -> Target:
    """A desk that is already running: its session's own timetable sets the clock."""
    engine = dbcheck.read_only_engine(args.database_url)
    timetable = checks.timetable_from_database(engine, args.exam_session)
    engine.dispose()
    return Target(
        args.url.rstrip("/"),
        args.database_url,
        args.exam_session,
        people.read_people(args.roster_csv, args.exam_session),
        people.read_agents(args.agents_file) if args.agents_file else [],
        timetable,
    )


def deploy_and_run(args: argparse.Namespace, code: str, out: Path, started: float) -> int:
    faults_on = chosen_faults(args)
    deployment = Deployment(
        out,
        pg_server=args.pg_server,
        telephony=args.provider if {"twilio", "twilio-callbacks"} & set(faults_on) else "desk",
        schedulers=2 if args.fault_two_schedulers else 1,
    )

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)  # also when started in the background
    try:
        print(f"deploying into {out} ...", flush=True)
        deployment.prepare()
        if args.fault_twilio_callbacks and deployment.telephony != "desk":
            set_twilio_mode(deployment.twilio_port, "triple")
        candidates = people.fake_people(args.candidates, code, args.seed)
        # A placeholder timetable so the roster can be imported; moved to "now" below.
        placeholder = Timetable.compressed(time.time() + 3600, args.day_seconds)
        deployment.import_exams(placeholder.exams_json(code))
        deployment.import_roster(code, candidates)
        staff = people.plan_agents(args.agents)
        deployment.create_staff(staff)
        lead = args.lead_seconds + 4  # the import itself takes a few seconds
        deployment.env.update(callback_env(Timetable.compressed(0, args.day_seconds)))
        deployment.start_servers()
        timetable = Timetable.compressed(time.time() + lead, args.day_seconds)
        deployment.import_exams(timetable.exams_json(code))
        (out / "deployment.json").write_text(json.dumps(deployment.describe(), indent=1))
        print(f"desk at {deployment.url}: {json.dumps(deployment.describe())}", flush=True)
        target = Target(
            deployment.url, deployment.database_url, code, candidates, staff, timetable, deployment
        )
        return run_day(args, target, out, started)
    except KeyboardInterrupt:
        print("interrupted: stopping everything", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - report, clean up, exit 2
        print(f"rehearsal could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        deployment.stop()
        print(f"stopped; logs in {out}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__ or "")
    started = time.time()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if args.seed is None:
        args.seed = int(started) % 1_000_000
    code = f"REH-{stamp}"
    if args.write_exams or args.write_roster:
        return write_files(args, code, started)
    out = args.out / f"examday-{stamp}"
    if not args.deploy:
        return run_day(args, existing_desk(args), out, started)
    return deploy_and_run(args, code, out, started)


if __name__ == "__main__":
    sys.exit(main())
