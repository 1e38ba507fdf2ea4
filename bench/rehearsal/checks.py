"""Each expectation of the rehearsal, checked against what the clients saw, the database,
the fault windows and the processes' logs."""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections import Counter
from typing import Any

from sqlalchemy import Engine, text

from bench.rehearsal.actors import Context
from bench.rehearsal.dbcheck import Stores, seconds_between
from bench.rehearsal.deploy import Deployment
from bench.rehearsal.faults import Faults
from bench.rehearsal.ledger import compare
from bench.rehearsal.plans import CandidatePlan
from bench.rehearsal.report import Check, Result, as_json, endpoint_figures
from bench.rehearsal.stats import summarise
from bench.rehearsal.timetable import EXAM_MIN, RUSH_MIN, UPLOAD_TAIL_MIN, Timetable

KINDS = (
    ("help_request", "/help-requests", "help_requests"),
    ("upload_event", "/upload-events", "upload_events"),
    ("ticket", "/tickets", "tickets"),
    ("diagnostic_report", "/diagnostics/reports", "device_reports"),
)
REDIS_WARNINGS = (
    "rate-limit storage unreachable",
    "Rate limit storage unreachable",
    "falling back to in-memory storage",
)


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


def result_json(result: Result) -> str:
    return as_json(result)


def _log_text(deployment: Deployment | None, prefix: str) -> str:
    if deployment is None:
        return ""
    texts = []
    for path in sorted(deployment.out.glob(f"{prefix}*.log")):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


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
    )


def _fake_twilio_state(deployment: Deployment) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(  # noqa: S310 - the fake's own loopback URL
            f"{deployment.twilio_url}/_fake/state",
            timeout=5,
        ) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]
    except OSError:
        return None


def fault_checks(
    args: argparse.Namespace,
    *,
    ctx: Context,
    stores: Stores,
    faults: Faults | None,
    deployment: Deployment | None,
    faults_on: list[str],
) -> list[Check]:
    out: list[Check] = []
    if faults is None or deployment is None:
        if faults_on:
            out.append(Check("faults", None, "faults need --deploy (they act on processes)"))
        return out
    samples = ctx.recorder.snapshot()
    if "pg-kill" in faults_on or "pg-restart" in faults_on:
        outages = [w for w in faults.windows if w.name == "database outage"]
        if not outages:
            out.append(
                Check(
                    "database outage: 503 + Retry-After, back within 5 s",
                    None,
                    "the outage never ran" + (f": {faults.errors}" if faults.errors else ""),
                )
            )
        for window in outages:
            end = (window.end or time.time()) + 10
            inside = [s for s in samples if window.start <= s.at <= end]
            seen = Counter(str(s.status) for s in inside)
            probes = [p for p in faults.probes if window.start <= p.at <= end]
            ready = Counter(p.status for p in probes if p.path == "/readyz")
            live = Counter(p.status for p in probes if p.path == "/livez")
            back = window.detail.get("ready_again_after_s")
            # A /livez probe may meet a worker the worker-kill fault just killed (status 0).
            ok = (
                seen.get("500", 0) == 0
                and set(live) <= {200, 0}
                and live.get(0, 0) <= 2
                and back is not None
                and float(back) <= 5.0
            )
            out.append(
                Check(
                    f"database outage at +{window.start - ctx.timetable.login_opens:.0f} s "
                    f"({window.detail.get('kind')}): 503 + Retry-After, never 500, /livez 200, "
                    "ready again within 5 s",
                    ok,
                    f"answers in the window {dict(seen)}; /readyz {dict(ready)}; /livez "
                    f"{dict(live)}; ready again {back} s after the database"
                    + (
                        ""
                        if ready.get(503)
                        else " (no /readyz 503 observed: the gap was shorter than a probe)"
                    ),
                )
            )
    if "worker-kill" in faults_on:
        out.append(
            Check(
                "gunicorn workers killed: clients retry, nothing lost/duplicated",
                bool(faults.kills) and all(c.ok for c in _comparisons(ctx, stores)),
                f"{len(faults.kills)} workers SIGKILLed; see the ledger rows",
            )
        )
    if "redis-stop" in faults_on:
        stopped = next((w for w in faults.windows if w.name == "redis stopped"), None)
        if stopped is None:
            out.append(Check("Redis stopped: the desk keeps serving", None, "never stopped"))
        else:
            after = [s for s in samples if s.at >= stopped.start and s.audience == "candidate"]
            good = sum(1 for s in after if 200 <= s.status < 300)
            bad = sum(1 for s in after if s.status == 500)
            logs = _log_text(deployment, "app")
            warned = any(w in logs for w in REDIS_WARNINGS)
            # 500s are judged by "no 500 answers", whatever their cause.
            out.append(
                Check(
                    "Redis stopped: the desk keeps serving and logs a warning",
                    good > 0 and warned,
                    f"after the stop: {good} candidate 2xx, {bad} × 500 (see "
                    f"'no 500 answers'); warning logged: {warned}",
                )
            )
    if "two-schedulers" in faults_on:
        logs = [_log_text(deployment, f"jobs{i}") for i in (1, 2)]
        ran = [log.count(" done:") for log in logs]
        skipped = [log.count("skipped: another scheduler") for log in logs]
        sms_lines = sum(log.count("SMS to ") for log in logs)
        sent = sum(1 for row in stores.sms if row.get("status") == "sent")
        both_ran = all(r + s > 0 for r, s in zip(ran, skipped, strict=True))
        # The SMS outbox is the effect we can count: each message sent (logged) once.
        out.append(
            Check(
                "two schedulers: every job's effect once",
                (both_ran and sms_lines == sent) if sent else None,
                f"job runs per scheduler {ran}, skipped for the other's lock "
                f"{skipped}; SMS rows sent {sent}, SMS log lines {sms_lines}"
                + ("" if sent else " (no SMS was queued: nothing to count)"),
            )
        )
    if "twilio" in faults_on or "twilio-callbacks" in faults_on:
        out.extend(twilio_checks(ctx, stores, faults, deployment, faults_on, samples))
    if faults.errors:
        out.append(Check("fault injectors ran", False, "; ".join(faults.errors)))
    return out


def _comparisons(ctx: Context, stores: Stores) -> list[Any]:
    return [
        compare(kind, ctx.ledger.items(kind), stores.stored)
        for kind, path, table in KINDS
        if ctx.has(path) and table not in stores.missing_tables
    ]


def twilio_checks(
    ctx: Context,
    stores: Stores,
    faults: Faults,
    deployment: Deployment,
    faults_on: list[str],
    samples: list[Any],
) -> list[Check]:
    out: list[Check] = []
    state = _fake_twilio_state(deployment)
    attempts = [a for a in stores.call_attempts if a["adapter"] == "twilio"]
    if state is None or not attempts:
        for name in faults_on:
            if name.startswith("twilio"):
                out.append(
                    Check(
                        f"{name}",
                        None,
                        "no Twilio call attempt was made (telephony hooks missing, "
                        "or no agent placed a call)",
                    )
                )
        return out
    per_attempt = state["calls_per_attempt"]
    if "twilio" in faults_on:
        doubled = {k: v for k, v in per_attempt.items() if v > 1}
        unknown = [a for a in attempts if a["state"] == "unknown"]
        windows = [w for w in faults.windows if w.name.startswith("twilio ")]
        inside = [
            s.seconds * 1000
            for s in samples
            if s.audience == "candidate"
            and any(w.start <= s.at <= (w.end or time.time()) for w in windows)
        ]
        lat = summarise(inside)
        modes = Counter(r["mode"] for r in state["api_requests"])
        hit = modes.get("error", 0) > 0 and modes.get("hang", 0) > 0
        out.append(
            Check(
                "Twilio 500 then hanging: one call per attempt, none left unknown, web unaffected",
                (not doubled and not unknown and (lat.p95 or 0) < 500) if hit else None,
                f"API requests by mode {dict(modes)}; attempts {len(attempts)}, calls at the fake "
                f"{len(state['calls'])}, attempts with >1 call {doubled}; left unknown "
                f"{len(unknown)}; candidate p95 during the fault {lat.p95 and round(lat.p95)} ms"
                + ("" if hit else " (no call was placed while the fake failed or hung)"),
            )
        )
    if "twilio-callbacks" in faults_on:
        deliveries = [d for d in state["deliveries"] if d["what"] == "status"]
        answers = Counter(str(d["answer"]) for d in deliveries)
        completed = {c["sid"] for c in state["calls"] if c["status"] == "completed"}
        regressed = [
            a for a in attempts if a["provider_sid"] in completed and a["state"] != "ended"
        ]
        out.append(
            Check(
                "status callbacks ×3 out of order: one state change each",
                # 503 (a database outage) or 502 (a killed worker) is an honest answer.
                bool(deliveries) and not regressed and answers.get("500", 0) == 0,
                f"{len(deliveries)} status deliveries, answers {dict(answers)}; completed calls "
                f"{len(completed)}, attempts not ended {len(regressed)}",
            )
        )
    if state["problems"]:
        out.append(
            Check("calls only from whitelisted caller IDs", False, "; ".join(state["problems"][:5]))
        )
    return out
