"""Simulated technicians at the queue console: the staff pages and forms a person uses
(CSRF tokens included), from sign-in to each call's outcome."""

from __future__ import annotations

import hashlib
import time

from bench.harness.html import csrf_token
from bench.harness.http import RETRYABLE
from bench.rehearsal.actors import Context, call
from bench.rehearsal.people import Agent
from bench.rehearsal.runner import Actor

#: How often an open call panel polls (real seconds; the page's own is 2 s).
PANEL_POLL_SECONDS = 10.0
#: Staff pages: a person does not reload a page that crashed over and over.
STAFF_RETRYABLE = RETRYABLE - {500}


def agent(
    ctx: Context, staff: Agent, *, resolve_share: float = 0.95, phone: str | None = None
) -> Actor:
    """A technician at the queue console: sign in, claim the next request, call, record
    the outcome; the same pages and forms a person uses (CSRF tokens included)."""
    http = ctx.client("staff", retry_on=STAFF_RETRYABLE)
    tt = ctx.timetable
    page = call(http, "GET", "/staff/signin")
    token = csrf_token(page.text)
    answer = call(
        http,
        "POST",
        "/staff/signin",
        form={
            "csrf_token": token or "",
            "username": staff.username,
            "password": staff.password,
            "next": "",
        },
    )
    if answer.status != 302:
        ctx.count(f"agent sign-in failed: {answer.status}")
        ctx.note(f"agent sign-in answered {answer.status}, not a redirect")
        return
    ctx.count("agent signed in")
    console = call(http, "GET", "/staff/callbacks")
    token = csrf_token(console.text)
    if console.status != 200 or token is None:
        ctx.count(f"agent console unavailable: {console.status}")
        return
    fields = {"csrf_token": token, "available": "y"}
    if phone:
        fields["phone"] = phone
    call(http, "POST", "/staff/callbacks/me", form=fields)
    while time.time() < tt.day_ends and not ctx.agents_stop.is_set():
        answer = call(http, "POST", "/staff/callbacks/claim", form={"csrf_token": token})
        location = answer.headers.get("location", "")
        if answer.status != 302 or "/staff/callbacks/r/" not in location:
            if answer.status not in (302, 200):
                ctx.count(f"agent claim answered {answer.status}")
            # Nothing to claim: the console's list polls; glance at the queue again shortly.
            call(http, "GET", "/staff/callbacks/queue")
            yield time.time() + max(1.0, tt.seconds(15))
            continue
        request_id = location.rsplit("/staff/callbacks/r/", 1)[1].split("?")[0].strip("/")
        ctx.count("agent claimed a request")
        call(
            http,
            "GET",
            f"/staff/callbacks/r/{request_id}",
            label="GET /staff/callbacks/r/{id}",
        )
        # Reading the request and dialling takes a moment.
        yield time.time() + tt.seconds(ctx.rng.uniform(10, 30))
        called = call(
            http,
            "POST",
            f"/staff/callbacks/r/{request_id}/call",
            label="POST /staff/callbacks/r/{id}/call",
            form={"csrf_token": token},
        )
        ctx.count(f"agent call answered {called.status}")
        # On the call: the open panel polls its live part (the desk counts the agent there).
        hang_up = time.time() + tt.seconds(ctx.rng.uniform(90, 240))
        while time.time() < hang_up:
            yield min(hang_up, time.time() + PANEL_POLL_SECONDS)
            if time.time() < hang_up:
                call(
                    http,
                    "GET",
                    f"/staff/callbacks/r/{request_id}/fragment",
                    label="GET /staff/callbacks/r/{id}/fragment",
                )
        # One candidate in ten never picks up, whoever calls; the rest mostly answer.
        silent = int(hashlib.sha256(request_id.encode()).hexdigest(), 16) % 10 == 0
        outcome = "resolved" if not silent and ctx.rng.random() < resolve_share else "no_answer"
        recorded = call(
            http,
            "POST",
            f"/staff/callbacks/r/{request_id}/outcome",
            label="POST /staff/callbacks/r/{id}/outcome",
            form={"csrf_token": token, "outcome": outcome, "note": "rehearsal call"},
        )
        ctx.count(f"agent outcome {outcome}: {recorded.status}")
        yield time.time() + tt.seconds(10)
