"""Each expectation of the rehearsal, checked against what the clients saw and what the
database holds; the faults' own expectations are in fault_checks."""

from __future__ import annotations

import argparse
import time
from collections import Counter

from sqlalchemy import Engine, text

from bench.harness import eta
from bench.harness.stats import summarise
from bench.rehearsal.actors import Context
from bench.rehearsal.dbcheck import KINDS, Stores, seconds_between
from bench.rehearsal.deploy import Deployment
from bench.rehearsal.fault_checks import fault_checks
from bench.rehearsal.faults import Faults
from bench.rehearsal.ledger import compare
from bench.rehearsal.plans import CandidatePlan
from bench.rehearsal.report import Check, Result, endpoint_figures
from bench.rehearsal.timetable import EXAM_MIN, RUSH_MIN, UPLOAD_TAIL_MIN, Timetable


def timetable_from_database(engine: Engine, code: str) -> Timetable:
    """A desk that is already running: the session's own timetable sets the clock."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT login_opens, starts, ends FROM exam_sessions WHERE code = :c"), {"c": code}
        ).one()
    opens, starts, ends = (value.timestamp() for value in row)
    # After submission: the exam's speed.
    per_minute = (ends - starts) / EXAM_MIN
    return Timetable(
        (opens, starts, ends, ends + RUSH_MIN * per_minute, ends + UPLOAD_TAIL_MIN * per_minute)
    )


def evaluate(
    args: argparse.Namespace,
    *,
    ctx: Context,
    stores: Stores,
    plans: list[CandidatePlan],
    faults: Faults | None,
    deployment: Deployment | None,
    faults_on: list[str],
    started: float,
    timetable: Timetable,
    tool_errors: list[str],
    finished: bool,
) -> Result:
    samples = ctx.recorder.snapshot()
    endpoints, statuses = endpoint_figures(samples)
    candidate_ms = [s.seconds * 1000 for s in samples if s.audience == "candidate"]
    candidate = summarise(candidate_ms)
    checks: list[Check] = []
    signed = ctx.outcomes.get("signed in", 0)
    checks.append(
        Check("every candidate signs in", signed == len(plans), f"{signed} of {len(plans)}")
    )

    comparisons = []
    for kind, path, table in KINDS:
        items = ctx.ledger.items(kind)
        if not ctx.has(path) or table in stores.missing_tables:
            checks.append(
                Check(
                    f"{kind}: nothing lost or duplicated",
                    None,
                    f"{path} not in the desk's API or table {table} missing",
                )
            )
            continue
        comparison = compare(kind, items, stores.stored)
        comparisons.append(comparison)
        if comparison.accepted == 0:
            checks.append(
                Check(f"{kind}: nothing lost or duplicated", None, "no client got one accepted")
            )
            continue
        checks.append(
            Check(
                f"{kind}: nothing lost or duplicated",
                comparison.ok,
                f"accepted {comparison.accepted}, stored {comparison.stored}, lost "
                f"{len(comparison.lost)}, duplicated {len(comparison.duplicated)}, unaccounted "
                f"{len(comparison.unaccounted)}"
                + (
                    f"; e.g. {(comparison.lost + comparison.duplicated)[:3]}"
                    if not comparison.ok
                    else ""
                ),
            )
        )

    five_hundreds = [s for s in samples if s.status == 500]
    checks.append(
        Check(
            "no 500 answers",
            not five_hundreds,
            f"{len(five_hundreds)} × 500"
            + (f" on {sorted({s.endpoint for s in five_hundreds})}" if five_hundreds else ""),
        )
    )
    other = [p for p in ctx.recorder.problems if p.status != 500]
    checks.append(
        Check(
            "error bodies carry no stack trace; 503/429 carry Retry-After",
            not other,
            f"{len(other)} problems"
            + (f", e.g. {other[0].request}: {other[0].detail}" if other else ""),
        )
    )
    five_xx = Counter(str(s.status) for s in samples if s.status >= 500 or s.status == 0)
    checks.append(
        Check(
            f"candidate p95 under {args.p95_ms:.0f} ms",
            candidate.p95 is not None and candidate.p95 < args.p95_ms,
            f"p50 {candidate.p50 and round(candidate.p50)} ms, p95 "
            f"{candidate.p95 and round(candidate.p95)} ms, p99 "
            f"{candidate.p99 and round(candidate.p99)} ms over {candidate.count}; "
            f"5xx/connection failures seen and retried: {dict(five_xx)}",
        )
    )

    if "upload_artifacts" not in stores.missing_tables and ctx.has("/upload-events"):
        planned = {(p.index, a.artifact_id) for p in plans for a in p.uploads}
        done = Counter(a["state"] for a in stores.artifacts)
        checks.append(
            Check(
                "every upload ends completed (5% failed once, then retried)",
                done.get("completed", 0) == len(planned),
                f"{len(planned)} artifacts planned; states {dict(done)}",
            )
        )

    helps = stores.help_rows
    if helps and ctx.has("/help-requests"):
        called = [h for h in helps if h["first_call_at"] is not None]
        agents = ctx.outcomes.get("agent signed in", 0)
        checks.append(
            Check(
                "every 求助 gets a first call attempt",
                len(called) == len(helps) if agents else None,
                f"{len(called)} of {len(helps)} called; {agents} agents working",
            )
        )
    else:
        checks.append(Check("every 求助 gets a first call attempt", None, "no help request stored"))

    server_waits = [
        w
        for w in (seconds_between(h["created_at"], h["first_call_at"]) for h in helps)
        if w is not None
    ]
    press = {h.server_id: h.pressed_at for h in ctx.helps}
    client_waits = [
        h["first_call_at"].timestamp() - press[h["server_id"]]
        for h in helps
        if h["first_call_at"] is not None and h["server_id"] in press
    ]
    waits = client_waits or server_waits
    # 求助 is pressed during the exam: its stretch's speed turns waits into notice minutes.
    notice = [w / timetable.scale_at_minute(55) for w in waits]
    promise = promise_figures(ctx, helps, timetable)

    checks.append(
        Check(
            "the tool itself ran cleanly",
            not tool_errors and finished,
            f"{len(tool_errors)} actor errors; finished in time: {finished}"
            + (f"; first: {tool_errors[0].splitlines()[-1]}" if tool_errors else ""),
        )
    )
    checks.extend(
        fault_checks(
            args, ctx=ctx, stores=stores, faults=faults, deployment=deployment, faults_on=faults_on
        )
    )
    settings = {
        "candidates": len(plans),
        "agents": args.agents,
        "day_seconds": args.day_seconds,
        "speedups": timetable.speedups(),
        "seed": args.seed,
        "faults": faults_on,
        "p95_ms": args.p95_ms,
    }
    if deployment is not None:
        settings.update(deployment.describe())
    windows = [
        {"name": w.name, "start": w.start, "end": w.end, **w.detail}
        for w in (faults.windows if faults else [])
    ]
    return Result(
        "Exam-day rehearsal",
        started,
        time.time(),
        settings,
        endpoints,
        statuses,
        candidate,
        comparisons,
        checks,
        summarise(waits),
        summarise(notice),
        dict(ctx.outcomes),
        list(ctx.recorder.problems),
        ctx.notes,
        windows,
        promise=promise,
    )


def promise_figures(ctx: Context, helps: list[dict], timetable: Timetable) -> dict[str, object]:
    """The wait shown at each first press against the real time to its first call attempt,
    in real seconds and in notice seconds (the exam stretch's speed)."""
    real = {
        str(h["server_id"]): seconds_between(h["created_at"], h["first_call_at"]) for h in helps
    }
    promises = [h.shown for h in ctx.helps if h.shown is not None]
    factor = timetable.scale_at_minute(55) / 60.0  # real seconds per notice second
    notice_promises = [
        eta.Shown(p.request_id, None if p.estimate is None else round(p.estimate / factor))
        for p in promises
    ]
    notice_waits = {k: (None if v is None else v / factor) for k, v in real.items()}
    return {
        "real": eta.compare(promises, real).as_dict(),
        "notice": eta.compare(notice_promises, notice_waits).as_dict(),
        "real_line": eta.compare(promises, real).line(),
        "notice_line": eta.compare(notice_promises, notice_waits).line(),
    }
