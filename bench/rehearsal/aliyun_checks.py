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
    orphans = [c["job_id"] for c in calls if c["job_id"] not in owners]
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
    ok = not shared and not orphans and not unknown and (lat.p95 or 0) < 500
    return Check(
        name,
        ok if hit else None,
        f"call requests by mode {dict(modes)}; attempts {len(attempts)}, calls at the fake "
        f"{len(calls)}, calls no attempt owns {len(orphans)}, calls owned twice {shared}; left "
        f"unknown {len(unknown)}; candidate p95 during the fault {lat.p95 and round(lat.p95)} ms"
        + ("" if hit else " (no call was placed while the fake failed or hung)"),
    )


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
