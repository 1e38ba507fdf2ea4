"""The rehearsal's Aliyun expectations judge the fake's record honestly: a call whose answer
was lost belongs to the attempt open for that number and line, a second call for one
attempt fails the check, an SMS reaching the fake twice fails it, and faults that never
happened are reported as not exercised."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from bench.rehearsal.aliyun_checks import aliyun_checks
from bench.rehearsal.dbcheck import Stores
from bench.rehearsal.faults import Faults

NOW = time.time()


def attempt(public_id, sid=None, *, started=NOW - 30, state="ended"):
    return {
        "public_id": public_id,
        "provider_sid": sid,
        "state": state,
        "adapter": "aliyun",
        "to_phone": "+8613912345678",
        "caller_id": "+862863201710",
        "started_at": datetime.fromtimestamp(started, UTC),
        "ended_at": datetime.fromtimestamp(started + 20, UTC),
    }


def call(job, placed=NOW - 29, mode="ok"):
    return {"job_id": job, "callee": "13912345678", "broker": "02863201710", "placed_at": placed}


def state(calls, messages=(), modes=("error", "hang", "ok")):
    requests = [{"mode": m, "action": "StartBack2BackCall"} for m in modes]
    return {"calls": calls, "messages": list(messages), "api_requests": requests, "problems": []}


def run(attempts, fake, sms=()):
    stores = Stores([], [], [], [], attempts, list(sms))
    faults = Faults(deployment=None, stop=threading.Event())  # type: ignore[arg-type]
    return {c.name.split(":")[0]: c for c in aliyun_checks(stores, faults, fake, [])}


CALLS = "Aliyun 503 then hanging"
SMS = "every SMS sent exactly once, each kind"


def test_a_call_whose_answer_was_lost_belongs_to_the_attempt_open_for_it():
    checks = run([attempt("a1", None)], state([call("job-1")]))

    assert checks[CALLS].passed is True


def test_an_attempt_with_two_calls_fails_the_check():
    checks = run([attempt("a1", "job-1")], state([call("job-1"), call("job-2", NOW - 20)]))

    assert checks[CALLS].passed is False
    assert "'a1': 2" in checks[CALLS].detail


def test_an_sms_that_reached_the_fake_twice_fails_the_check():
    rows = [{"id": 7, "kind": "unreachable", "status": "sent"}]
    twice = [{"out_id": "7"}, {"out_id": "7"}]

    checks = run([attempt("a1", "job-1")], state([call("job-1")], twice), rows)

    assert checks[SMS].passed is False
    assert "{'7': 2}" in checks[SMS].detail


def test_faults_that_never_happened_are_not_exercised():
    checks = run([attempt("a1", "job-1")], state([call("job-1")], modes=("ok",)))

    assert checks[CALLS].passed is None
    assert checks[SMS].passed is None
