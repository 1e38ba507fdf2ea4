"""The telephony faults' expectations when the desk runs on Aliyun (--provider aliyun):
checked against the fake's record (bench/fakes/aliyun.py) and the database.

- every call the fake placed belongs to exactly one attempt, no attempt owns two, and none
  is left unknown (the 503s, then the hanging API, then recovery);
- every SMS row that went out reached the fake exactly once (its OutId is the row), per kind;
- every call showed one of the two whitelisted lines.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any

from bench.harness.stats import summarise
from bench.rehearsal.dbcheck import Stores
from bench.rehearsal.faults import Faults
from bench.rehearsal.report import Check


def aliyun_checks(
    stores: Stores, faults: Faults, state: dict[str, Any] | None, samples: list[Any]
) -> list[Check]:
    attempts = [a for a in stores.call_attempts if a["adapter"] == "aliyun"]
    if state is None:
        return [Check("Aliyun faults", None, "the fake Aliyun did not answer")]
    out = [_calls(attempts, state, faults, samples), _sms(stores.sms, state)]
    if state["problems"]:
        out.append(
            Check("calls only from whitelisted caller IDs", False, "; ".join(state["problems"][:5]))
        )
    return out


def _calls(
    attempts: list[dict[str, Any]], state: dict[str, Any], faults: Faults, samples: list[Any]
) -> Check:
    name = "Aliyun 503 then hanging: one call per attempt, none left unknown, web unaffected"
    if not attempts:
        return Check(name, None, "no contact-center call attempt was made")
    owners = Counter(str(a["provider_sid"]) for a in attempts if a["provider_sid"])
    shared = {sid: n for sid, n in owners.items() if n > 1}
    calls = state["calls"]
    per_attempt = Counter(_attempt_of(c, attempts) for c in calls)
    orphans = per_attempt.pop(None, 0)
    doubled = {k: n for k, n in per_attempt.items() if n > 1}
    unknown = [a for a in attempts if a["state"] == "unknown"]
    windows = [w for w in faults.windows if w.name.startswith("twilio ")]
    inside = [
        s.seconds * 1000
        for s in samples
        if s.audience == "candidate"
        and any(w.start <= s.at <= (w.end or time.time()) for w in windows)
    ]
    lat = summarise(inside)
    modes = Counter(r["mode"] for r in state["api_requests"] if r["action"] == "StartBack2BackCall")
    hit = modes.get("error", 0) > 0 and modes.get("hang", 0) > 0
    ok = not shared and not doubled and not orphans and not unknown and (lat.p95 or 0) < 500
    return Check(
        name,
        ok if hit else None,
        f"call requests by mode {dict(modes)}; attempts {len(attempts)}, calls at the fake "
        f"{len(calls)}, attempts with >1 call {doubled}, calls no attempt explains {orphans}, "
        f"call ids owned twice {shared}; left "
        f"unknown {len(unknown)}; candidate p95 during the fault {lat.p95 and round(lat.p95)} ms"
        + ("" if hit else " (no call was placed while the fake failed or hung)"),
    )


def _national(number: str) -> str:
    rest = number[3:] if number.startswith("+86") else number
    return rest if rest.startswith("1") else "0" + rest


def _moment(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


def _attempt_of(call: dict[str, Any], attempts: list[dict[str, Any]]) -> str | None:
    """The attempt a call at the fake was placed for: the one holding its id, else (an
    answer lost to a timeout) the attempt to that number, from that line, open when the
    call was placed."""
    for attempt in attempts:
        if attempt["provider_sid"] == call["job_id"]:
            return str(attempt["public_id"])
    for attempt in attempts:
        start = _moment(attempt["started_at"]) - 2
        end = _moment(attempt["ended_at"]) + 2 if attempt["ended_at"] else time.time()
        if (
            _national(str(attempt["to_phone"])) == call["callee"]
            and _national(str(attempt["caller_id"])) == call["broker"]
            and start <= float(call["placed_at"]) <= end
        ):
            return str(attempt["public_id"])
    return None


def _sms(rows: list[dict[str, Any]], state: dict[str, Any]) -> Check:
    name = "every SMS sent exactly once, each kind"
    gone = [r for r in rows if r.get("status") in ("sent", "delivered")]
    if not gone:
        return Check(name, None, "no SMS was sent: nothing to count")
    at_fake = Counter(str(m["out_id"]) for m in state["messages"])
    twice = {ref: n for ref, n in at_fake.items() if n > 1}
    missing = [r["id"] for r in gone if at_fake.get(str(r["id"]), 0) == 0]
    kinds = Counter(str(r.get("kind")) for r in gone)
    left = Counter(str(r.get("status")) for r in rows if r not in gone)
    return Check(
        name,
        not twice and not missing and len(at_fake) == len(gone),
        f"sent by kind {dict(kinds)}; at the fake {sum(at_fake.values())} messages for "
        f"{len(at_fake)} rows, twice {twice}, sent but not at the fake {missing[:5]}; "
        f"not sent yet {dict(left)}",
    )
