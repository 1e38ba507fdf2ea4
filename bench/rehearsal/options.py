"""The rehearsal's command line: the day, the target desk and the faults to inject."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.harness.database import PG_SERVER
from bench.harness.processes import ROOT
from bench.rehearsal.timetable import default_day_seconds

FAULTS = ("pg-kill", "worker-kill", "redis-stop", "twilio", "twilio-callbacks", "two-schedulers")


def parse_args(argv: list[str] | None, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument(
        "--day-seconds",
        type=float,
        default=None,
        help="real seconds for the notice's 90 minutes (login opens 10:10 "
        "to 11:40, 30 minutes after submission); default 0.56 s per "
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
    target.add_argument("--pg-server", default=PG_SERVER)
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
        "--provider",
        choices=("twilio", "aliyun"),
        default="twilio",
        help="what the two telephony faults run against: Twilio (bench/fakes/twilio.py), or "
        "Aliyun SMS and its cloud contact center (bench/fakes/aliyun.py)",
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
