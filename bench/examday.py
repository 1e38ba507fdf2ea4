#!/usr/bin/env python3
"""Exam-day rehearsal: drive a desk through the notice's formal exam with N simulated
candidates and agents, inject faults, then hold a client-side ledger against the database.

    .venv/bin/python bench/examday.py --deploy --candidates 100 --day-seconds 120
    .venv/bin/python bench/examday.py --deploy --all-faults          # what `make rehearsal` runs

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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.rehearsal import actors, checks, client, dbcheck  # noqa: E402
from bench.rehearsal.client import Http, Recorder  # noqa: E402
from bench.rehearsal.deploy import Deployment, Person  # noqa: E402
from bench.rehearsal.faults import Faults  # noqa: E402
from bench.rehearsal.ledger import Ledger  # noqa: E402
from bench.rehearsal.plans import make_plans  # noqa: E402
from bench.rehearsal.report import charts_for, summary_lines, write_html  # noqa: E402
from bench.rehearsal.runner import Runner  # noqa: E402
from bench.rehearsal.timetable import Timetable, default_day_seconds  # noqa: E402

FAULTS = ("pg-kill", "worker-kill", "redis-stop", "twilio", "twilio-callbacks", "two-schedulers")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument(
        "--day-seconds",
        type=float,
        default=None,
        help="real seconds for the notice's 90 minutes (login opens 10:10 "
        "to 11:40, 30 minutes after submission); default 0.72 s per "
        "candidate, at least 180; 5400 = real time",
    )
    parser.add_argument(
        "--lead-seconds",
        type=float,
        default=8.0,
        help="seconds between creating the exam session and login opening",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--p95-ms",
        type=float,
        default=500.0,
        help="candidate requests' 95th percentile must stay under this",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="hard stop in seconds (default: day + 10 minutes)",
    )
    target = parser.add_argument_group("target")
    target.add_argument(
        "--deploy",
        action="store_true",
        help="start the whole desk here (PostgreSQL database, Redis, two "
        "gunicorn servers behind one proxy, the scheduler) and stop it",
    )
    target.add_argument("--url", help="a running desk (without --deploy)")
    target.add_argument("--database-url", help="its PostgreSQL URL, for read-only checks")
    target.add_argument("--exam-session", help="the rehearsal session's code (without --deploy)")
    target.add_argument("--roster-csv", type=Path, help="the roster imported for it")
    target.add_argument(
        "--agents-file", type=Path, help="lines 'username password' of agent accounts"
    )
    target.add_argument(
        "--write-exams",
        type=Path,
        metavar="FILE",
        help="write the compressed session for `flask exams import` and exit",
    )
    target.add_argument(
        "--write-roster",
        type=Path,
        metavar="FILE",
        help="write a fictitious roster CSV for `flask roster import` and exit",
    )
    target.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    fault = parser.add_argument_group("faults")
    fault.add_argument(
        "--all-faults", action="store_true", help="every fault below except --fault-pg-restart"
    )
    fault.add_argument(
        "--fault-pg-kill",
        action="store_true",
        help="mid-burst: refuse connections to the rehearsal's database and "
        "kill all of them, for --outage-seconds",
    )
    fault.add_argument(
        "--fault-pg-restart",
        action="store_true",
        help="restart the whole PostgreSQL cluster instead (affects every database on the server)",
    )
    fault.add_argument("--outage-seconds", type=float, default=4.0)
    fault.add_argument(
        "--fault-worker-kill",
        action="store_true",
        help="SIGKILL a gunicorn worker every --kill-every seconds",
    )
    fault.add_argument("--kill-every", type=float, default=20.0)
    fault.add_argument(
        "--fault-redis-stop",
        action="store_true",
        help="stop the private Redis during the login window",
    )
    fault.add_argument(
        "--fault-twilio",
        action="store_true",
        help="telephony=twilio against bench/fakes/twilio.py: 500s, then hangs",
    )
    fault.add_argument(
        "--fault-twilio-callbacks",
        action="store_true",
        help="the fake Twilio delivers each status callback 3 times, shuffled",
    )
    fault.add_argument(
        "--fault-two-schedulers", action="store_true", help="run two `flask jobs run` processes"
    )
    args = parser.parse_args(argv)
    if args.day_seconds is None:
        args.day_seconds = default_day_seconds(args.candidates)
    if args.all_faults:
        for name in FAULTS:
            setattr(args, f"fault_{name.replace('-', '_')}", True)
    if (
        not args.deploy
        and not (args.write_exams or args.write_roster)
        and not (args.url and args.database_url and args.exam_session and args.roster_csv)
    ):
        parser.error(
            "give --deploy, or --url, --database-url, --exam-session and "
            "--roster-csv for a desk that is already running"
        )
    return args


def chosen_faults(args: argparse.Namespace) -> list[str]:
    names = [n for n in FAULTS if getattr(args, f"fault_{n.replace('-', '_')}")]
    if args.fault_pg_restart:
        names.append("pg-restart")
    return names


def fake_people(count: int, code: str, seed: int) -> list[Person]:
    from helpdesk.demo import fake_roster

    rows = fake_roster(count, [code], seed=seed)
    return [
        Person(r.name, r.id_number, f"R{seed % 100000:05d}{i:05d}", r.phone)
        for i, r in enumerate(rows, start=1)
    ]


def read_people(path: Path, code: str) -> list[Person]:
    import csv

    with path.open(encoding="utf-8") as handle:
        return [
            Person(r["name"], r["id_number"], r["admission_number"], r["phone"])
            for r in csv.DictReader(handle)
            if r["exam_session"] == code
        ]


def callback_env(timetable: Timetable) -> dict[str, str]:
    """The callback queue's waits on the compressed clock (they are notice-time rules)."""

    def scaled(seconds: float) -> str:
        return str(max(1, round(seconds * timetable.scale_at_minute(55) / 60)))

    return {
        "HELPDESK_CALLBACK_CLAIM_SECONDS": scaled(90),
        "HELPDESK_CALLBACK_RETRY_SECONDS": scaled(60),
        "HELPDESK_CALLBACK_UNKNOWN_SETTLE_SECONDS": scaled(120),
        "HELPDESK_TWILIO_TIMEOUT_SECONDS": "3",
    }


def api_paths(base: str, recorder: Recorder) -> set[str]:
    http = Http(base, recorder, "probe")
    answer = http.call(
        "GET",
        "/api/v1/openapi.json",
        endpoint="GET /api/v1/openapi.json",
        deadline=time.time() + 30,
    )
    document = answer.json() or {}
    return {re.sub(r"^/api/v1", "", p) for p in document.get("paths", {})}


def sample_queue(
    engine,
    code: str,
    stop: threading.Event,  # type: ignore[no-untyped-def]
    depth: list[tuple[float, dict[str, int]]],
) -> None:
    while not stop.wait(1.0):
        counts = dbcheck.queue_depth(engine, code)
        if counts is not None:
            depth.append((time.time(), counts))


def run_day(
    args: argparse.Namespace,
    *,
    base: str,
    database_url: str,
    code: str,
    people: list[Person],
    agents: list,
    timetable: Timetable,  # type: ignore[type-arg]
    deployment: Deployment | None,
    out: Path,
    started: float,
) -> int:
    rng = random.Random(args.seed)
    recorder, ledger = Recorder(), Ledger()
    runner = Runner(workers=min(256, 32 + len(people) // 8))
    ctx = actors.Context(base, code, timetable, runner, recorder, ledger, rng)
    ctx.paths = api_paths(base, recorder)
    faults_on = chosen_faults(args)
    stop = threading.Event()
    engine = dbcheck.read_only_engine(database_url)
    depth: list[tuple[float, dict[str, int]]] = []
    sampler = threading.Thread(target=sample_queue, args=(engine, code, stop, depth), daemon=True)
    sampler.start()
    faults = Faults(deployment, stop) if deployment else None
    if faults is not None:
        tt = timetable
        if args.fault_pg_kill or args.fault_pg_restart:
            # Mid-burst: just after the start (the 求助 burst) and in the upload rush.
            faults.database_outage(tt.at(50.8), args.outage_seconds, args.fault_pg_restart)
            faults.database_outage(tt.at(62), args.outage_seconds, False)
        if args.fault_worker_kill:
            faults.kill_workers(tt.at(2), tt.day_ends, args.kill_every)
        if args.fault_redis_stop:
            faults.stop_redis(tt.at(30))
        if args.fault_twilio and deployment and deployment.telephony == "twilio":
            # While the 求助 burst is being called back: errors, then hangs, then recovery.
            recovered = "triple" if args.fault_twilio_callbacks else "ok"
            faults.twilio_modes(
                [(tt.at(50.2), "error"), (tt.at(53), "hang"), (tt.at(57), recovered)]
            )
    plans = make_plans(len(people), rng)
    for person, plan in zip(people, plans, strict=True):
        runner.spawn(actors.candidate(ctx, person, plan), timetable.at(plan.signin))
    for index, staff in enumerate(a for a in agents if a.role == "agent"):
        runner.spawn(
            actors.agent(ctx, staff, phone=f"+8613800{index:06d}"), timetable.at(40 + index * 0.2)
        )
    limit = args.time_limit or (timetable.day_ends - time.time() + 600)
    print(
        f"day running: login opens {datetime.fromtimestamp(timetable.login_opens, UTC):%H:%M:%S}"
        f" UTC, exam starts +{timetable.starts - timetable.login_opens:.0f} s, day ends "
        f"+{timetable.day_ends - timetable.login_opens:.0f} s; {len(people)} candidates, "
        f"{len(agents)} staff, faults: {', '.join(faults_on) or 'none'}",
        flush=True,
    )
    progress = threading.Thread(target=_progress, args=(ctx, runner, stop, timetable), daemon=True)
    progress.start()
    try:
        finished = runner.run(time.time() + limit)
    finally:
        client.STOP.set()
        ctx.agents_stop.set()
    stop.set()
    runner.shutdown()
    if faults is not None:
        faults.join()
    if not finished:
        ctx.note(f"the day did not finish within the time limit ({limit:.0f} s)")
    time.sleep(1.0)
    stores = dbcheck.collect(engine, code)
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
    windows = faults.windows if faults else []
    # Day-long faults would shade everything: show their moments as ticks instead.
    bands = [
        (w.start, w.end or time.time(), w.name)
        for w in windows
        if not w.name.startswith(("gunicorn", "redis"))
    ]
    marks = [
        (at, f"{server} worker {pid} killed")
        for at, server, pid in (faults.kills if faults else [])
    ]
    marks += [(w.start, w.name) for w in windows if w.name.startswith("redis")]
    charts = charts_for(
        recorder.snapshot(), depth, timetable.login_opens, time.time(), bands, marks
    )
    out.mkdir(parents=True, exist_ok=True)
    with (out / "samples.csv").open("w", encoding="utf-8") as handle:
        handle.write("seconds_since_login_opened,endpoint,status,ms,audience\n")
        for s in recorder.snapshot():
            handle.write(
                f"{s.at - timetable.login_opens:.3f},{s.endpoint},{s.status},"
                f"{s.seconds * 1000:.1f},{s.audience}\n"
            )
    html = out / "report.html"
    write_html(html, result, charts)
    (out / "summary.json").write_text(checks.result_json(result), encoding="utf-8")
    lines = summary_lines(result)
    (out / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"report: {html}")
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    seed = args.seed if args.seed is not None else int(started) % 1_000_000
    args.seed = seed
    code = f"REH-{stamp}"
    if args.write_exams or args.write_roster:
        timetable = Timetable.compressed(started + args.lead_seconds, args.day_seconds)
        if args.write_exams:
            args.write_exams.write_text(timetable.exams_json(code), encoding="utf-8")
            print(
                f"wrote {args.write_exams} (session {code}, login opens in "
                f"{args.lead_seconds:.0f} s)"
            )
        if args.write_roster:
            import csv

            with args.write_roster.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["exam_session", "name", "id_number", "admission_number", "phone"])
                for p in fake_people(args.candidates, code, seed):
                    writer.writerow([code, p.name, p.id_number, p.admission_number, p.phone])
            print(f"wrote {args.write_roster}: fictitious ID numbers; delete it after import")
        return 0
    out = args.out / f"examday-{stamp}"
    if not args.deploy:
        people = read_people(args.roster_csv, args.exam_session)
        agents = []
        if args.agents_file:
            for line in args.agents_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    user, password = line.split(None, 1)
                    agents.append(actors.Agent(user, password.strip()))
        engine = dbcheck.read_only_engine(args.database_url)
        timetable = checks.timetable_from_database(engine, args.exam_session)
        engine.dispose()
        return run_day(
            args,
            base=args.url.rstrip("/"),
            database_url=args.database_url,
            code=args.exam_session,
            people=people,
            agents=agents,
            timetable=timetable,
            deployment=None,
            out=out,
            started=started,
        )
    return deploy_and_run(args, code, seed, out, started)


def deploy_and_run(
    args: argparse.Namespace, code: str, seed: int, out: Path, started: float
) -> int:
    faults_on = chosen_faults(args)
    deployment = Deployment(
        out,
        pg_server=args.pg_server,
        telephony="twilio" if {"twilio", "twilio-callbacks"} & set(faults_on) else "desk",
        schedulers=2 if args.fault_two_schedulers else 1,
    )

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)  # also when started in the background
    try:
        print(f"deploying into {out} ...", flush=True)
        deployment.prepare()
        if args.fault_twilio_callbacks and deployment.telephony == "twilio":
            from bench.rehearsal.faults import set_twilio_mode

            set_twilio_mode(deployment.twilio_port, "triple")
        people = fake_people(args.candidates, code, seed)
        # A placeholder timetable so the roster can be imported; moved to "now" below.
        placeholder = Timetable.compressed(time.time() + 3600, args.day_seconds)
        deployment.import_exams(placeholder.exams_json(code))
        deployment.import_roster(code, people)
        agents = actors.plan_agents(args.agents, random.Random(seed))
        deployment.create_staff(agents)
        lead = args.lead_seconds + 4  # the import itself takes a few seconds
        deployment.env.update(callback_env(Timetable.compressed(0, args.day_seconds)))
        deployment.start_servers()
        timetable = Timetable.compressed(time.time() + lead, args.day_seconds)
        deployment.import_exams(timetable.exams_json(code))
        (out / "deployment.json").write_text(json.dumps(deployment.describe(), indent=1))
        print(f"desk at {deployment.url}: {json.dumps(deployment.describe())}", flush=True)
        return run_day(
            args,
            base=deployment.url,
            database_url=deployment.database_url,
            code=code,
            people=people,
            agents=agents,
            timetable=timetable,
            deployment=deployment,
            out=out,
            started=started,
        )
    except KeyboardInterrupt:
        print("interrupted: stopping everything", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - report, clean up, exit 2
        print(f"rehearsal could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        deployment.stop()
        print(f"stopped; logs in {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
