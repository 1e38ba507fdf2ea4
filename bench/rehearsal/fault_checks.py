"""The expectations of each fault injected, checked against the fault windows, the
clients' samples, the fake Twilio's record and the processes' logs."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from bench.harness.http import request
from bench.harness.stats import summarise
from bench.rehearsal.actors import Context
from bench.rehearsal.aliyun_checks import aliyun_checks
from bench.rehearsal.dbcheck import KINDS, Stores
from bench.rehearsal.deploy import Deployment
from bench.rehearsal.faults import Faults
from bench.rehearsal.ledger import compare
from bench.rehearsal.report import Check

REDIS_WARNINGS = (
    "rate-limit storage unreachable",
    "Rate limit storage unreachable",
    "falling back to in-memory storage",
)


def _log_text(deployment: Deployment | None, prefix: str) -> str:
    if deployment is None:
        return ""
    texts = []
    for path in sorted(deployment.out.glob(f"{prefix}*.log")):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def _fake_twilio_state(deployment: Deployment) -> dict[str, Any] | None:
    answer = request("GET", f"{deployment.twilio_url}/_fake/state")
    state = answer.json() if answer.status == 200 else None
    return state if isinstance(state, dict) else None


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
        if deployment is not None and deployment.telephony == "aliyun":
            sms_lines = len((_fake_twilio_state(deployment) or {}).get("messages", []))
        sent = sum(1 for row in stores.sms if row.get("status") in ("sent", "delivered"))
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
    if deployment is not None and deployment.telephony == "aliyun":
        out.extend(aliyun_checks(stores, faults, _fake_twilio_state(deployment), samples))
    elif "twilio" in faults_on or "twilio-callbacks" in faults_on:
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
