"""Simulated candidates (the exam clients' API calls) and agents (the staff pages)."""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.rehearsal.client import STAFF_RETRYABLE, Http, Recorder, Response
from bench.rehearsal.deploy import Agent, Person
from bench.rehearsal.ledger import Accepted, Ledger
from bench.rehearsal.plans import CATEGORIES, ArtifactPlan, CandidatePlan
from bench.rehearsal.runner import Actor, Runner
from bench.rehearsal.timetable import Timetable

CLOSED = {"completed", "unreachable", "cancelled"}
#: How long a client keeps retrying one request before giving up (real seconds).
GIVE_UP_SECONDS = 90.0

PASSING_FACTS: dict[str, Any] = {
    "os": {"family": "windows", "version": "10", "build": 19045, "name": "Windows 10 Pro"},
    "dual_boot": {"detected": False, "entries": ["Windows 10"], "source": "bcd"},
    "memory": {"total_bytes": 8 << 30, "available_bytes": 4 << 30, "installed_bytes": 8 << 30},
    "system_disk": {"path": "C:\\", "free_bytes": 50 << 30, "total_bytes": 200 << 30},
    "cameras": {"count": 1, "names": ["Integrated Camera"]},
    "microphones": {"count": 1, "names": ["麦克风 (Realtek(R) Audio)"]},
    "virtual_cameras": {"names": []},
    "security_software": {"matches": [], "sources": ["registry", "services", "processes"]},
    "auto_updates": {"enabled": False},
    "power": {
        "ac_sleep_seconds": 0,
        "ac_display_seconds": 0,
        "dc_sleep_seconds": 600,
        "dc_display_seconds": 300,
    },
    "displays": {"count": 1},
    "battery": {"present": True, "percent": 90.0, "plugged": True},
    "network": {"type": "wifi", "hotspot": False, "hotspot_reason": None},
    "virtual_machine": {"detected": False, "evidence": []},
    "bandwidth": {
        "download_mbps_p10": 30.0,
        "download_mbps_median": 40.0,
        "upload_mbps_p10": 10.0,
        "upload_mbps_median": 12.0,
    },
}


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class HelpTiming:
    server_id: str
    candidate: str
    pressed_at: float
    accepted_at: float


@dataclass
class Context:
    base: str
    code: str
    timetable: Timetable
    runner: Runner
    recorder: Recorder
    ledger: Ledger
    rng: random.Random
    #: API paths present in the desk's OpenAPI document.
    paths: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)
    helps: list[HelpTiming] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Help requests created; agents wait for them to be claimable.
    agents_stop: threading.Event = field(default_factory=threading.Event)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.outcomes[what] += n

    def note(self, text: str) -> None:
        with self.lock:
            if text not in self.notes:
                self.notes.append(text)

    def has(self, path: str) -> bool:
        return path in self.paths


def candidate(ctx: Context, person: Person, plan: CandidatePlan) -> Actor:
    """One exam client: sign in, maybe a diagnostic report, maybe 求助, maybe a ticket,
    then the uploads after submission."""
    tt = ctx.timetable
    http = Http(ctx.base, ctx.recorder, "candidate")
    yield tt.at(plan.signin)
    if plan.mistype_first:
        wrong = http.call(
            "POST",
            "/api/v1/candidate-tokens",
            endpoint="POST /candidate-tokens",
            deadline=time.time() + GIVE_UP_SECONDS,
            json_body={
                "name": person.name,
                "id_number": person.id_number,
                "admission_number": person.admission_number + "9",
            },
        )
        ctx.count(f"sign-in with a typo: {wrong.status}")
        yield time.time() + tt.seconds(20)
    answer = http.call(
        "POST",
        "/api/v1/candidate-tokens",
        endpoint="POST /candidate-tokens",
        deadline=time.time() + GIVE_UP_SECONDS,
        json_body={
            "name": person.name,
            "id_number": person.id_number,
            "admission_number": person.admission_number,
        },
    )
    if answer.status != 201:
        ctx.count(f"sign-in failed: {answer.status}")
        return
    ctx.count("signed in")
    auth = {"Authorization": f"Bearer {answer.json()['token']}"}
    if plan.diagnostic is not None and ctx.has("/diagnostics/reports"):
        yield tt.at(plan.diagnostic)
        _diagnostic(ctx, http, auth, person)
    for item in plan.uploads:
        ctx.runner.spawn(upload(ctx, http, auth, person, item), tt.at(item.start))
    if plan.ticket is not None and ctx.has("/tickets"):
        ctx.runner.spawn(ticket(ctx, http, auth, person), tt.at(plan.ticket))
    if plan.help_press is not None and ctx.has("/help-requests"):
        yield tt.at(plan.help_press)
        yield from help_press(ctx, http, auth, person, plan)


def _with_twin(
    ctx: Context,
    http: Http,
    kind: str,
    person: Person,
    key: str,
    id_of: Callable[[Any], str | None],
    share: float,
    *args: Any,
    **kwargs: Any,
) -> Response:
    """Send a request; with probability `share` send the very same request (same key, same
    body) at the same moment too, as a client that timed out and retried while the first
    was still running. Both answers count: a twin answered 2xx is accepted as well."""
    if ctx.rng.random() >= share:
        return http.call(*args, **kwargs)
    twin: list[Response] = []
    thread = threading.Thread(
        target=lambda: twin.append(
            Http(http.base, http.recorder, http.audience).call(*args, **kwargs)
        )
    )
    thread.start()
    answer = http.call(*args, **kwargs)
    thread.join()
    ctx.count(f"{kind}: concurrent twin sent")
    if twin and twin[0].status in (200, 201):
        _accepted(ctx, kind, key, person, id_of(twin[0].json() or {}))
    elif twin:
        ctx.count(f"{kind}: concurrent twin answered {twin[0].status}")
    return answer


def _accepted(ctx: Context, kind: str, key: str, person: Person, server_id: str | None) -> None:
    ctx.ledger.add(Accepted(kind, key, person.admission_number, server_id, time.time()))


def help_press(
    ctx: Context, http: Http, auth: dict[str, str], person: Person, plan: CandidatePlan
) -> Actor:
    """Press 求助, maybe press again, then follow the request until it is closed."""
    body = {
        "exam_session": ctx.code,
        "category": ctx.rng.choice(CATEGORIES),
        "note": "考试客户端无法继续作答",
    }
    server_id = None
    for press in range(2 if plan.presses_twice else 1):
        key = uuid.uuid4().hex
        pressed = time.time()
        answer = _with_twin(
            ctx,
            http,
            "help_request",
            person,
            key,
            lambda d: d.get("id"),
            0.25,
            "POST",
            "/api/v1/help-requests",
            endpoint="POST /help-requests",
            deadline=pressed + GIVE_UP_SECONDS,
            json_body=body,
            headers={**auth, "Idempotency-Key": key},
        )
        if answer.status not in (200, 201):
            ctx.count(f"help press refused: {answer.status}")
            return
        data = answer.json()
        if server_id is not None and data["id"] != server_id:
            ctx.note(
                f"a second 求助 by {person.admission_number} got a new request "
                f"{data['id']} instead of {server_id}"
            )
        server_id = data["id"]
        _accepted(ctx, "help_request", key, person, server_id)
        if press == 0:
            with ctx.lock:
                ctx.helps.append(
                    HelpTiming(server_id, person.admission_number, pressed, time.time())
                )
            ctx.count("help pressed")
        else:
            ctx.count(f"second 求助 answered {answer.status}")
        yield time.time() + ctx.timetable.seconds(20)
    while time.time() < ctx.timetable.day_ends:
        answer = http.call(
            "GET",
            f"/api/v1/help-requests/{server_id}",
            endpoint="GET /help-requests/{id}",
            deadline=time.time() + GIVE_UP_SECONDS,
            headers=auth,
        )
        if answer.status == 200 and answer.json().get("status") in CLOSED:
            ctx.count(f"help closed as {answer.json()['status']}")
            return
        yield time.time() + max(2.0, ctx.timetable.seconds(30))
    ctx.count("help still open at the end of the day")


def upload(
    ctx: Context, http: Http, auth: dict[str, str], person: Person, item: ArtifactPlan
) -> Actor:
    """One artifact's events: started, progress, (failed, started, progress,) completed."""
    if not ctx.has("/upload-events"):
        return
    total = item.bytes_total
    video = item.artifact == "evidence_video"
    # Answer data is small (seconds to send); a video reports progress every few minutes.
    middle = [("progress", total * k // 4, None) for k in ((1, 2, 3) if video else (2,))]
    steps: list[tuple[str, int, str | None]] = [("started", 0, None), *middle]
    if item.fails_first:
        steps += [("failed", total // 2, "E_NETWORK"), ("started", 0, None), *middle]
    steps.append(("completed", total, None))
    gap = 2.5 if video else 0.3  # notice minutes between events
    for state, sent, error in steps:
        event_id = str(uuid.uuid4())
        body = {
            "event_id": event_id,
            "exam_session": ctx.code,
            "artifact": item.artifact,
            "artifact_id": item.artifact_id,
            "state": state,
            "bytes_total": total,
            "bytes_sent": sent,
            "error_code": error,
            "occurred_at": iso_now(),
        }
        answer = _with_twin(
            ctx,
            http,
            "upload_event",
            person,
            event_id,
            lambda d: None,
            0.02,
            "POST",
            "/api/v1/upload-events",
            endpoint="POST /upload-events",
            deadline=time.time() + GIVE_UP_SECONDS,
            json_body=body,
            headers=auth,
        )
        if answer.status not in (200, 201):
            ctx.count(f"upload event refused: {answer.status}")
            ctx.note(f"upload event refused {answer.status}: {answer.text[:200]}")
            return
        _accepted(ctx, "upload_event", event_id, person, None)
        ctx.count(f"upload event {answer.json().get('status')}")
        if state == "failed":
            # The candidate presses 重试 after a while.
            yield time.time() + ctx.timetable.seconds(60 * 2)
        else:
            yield time.time() + ctx.timetable.seconds(60 * gap * ctx.rng.uniform(0.5, 1.5))
    if item.fails_first and ctx.has("/uploads"):
        # A candidate whose upload failed once reads the guidance afterwards.
        answer = http.call(
            "GET",
            f"/api/v1/uploads?exam_session={ctx.code}",
            endpoint="GET /uploads",
            deadline=time.time() + GIVE_UP_SECONDS,
            headers=auth,
        )
        ctx.count(f"uploads page {answer.status}")


def ticket(ctx: Context, http: Http, auth: dict[str, str], person: Person) -> Actor:
    """File a ticket after the exam (e.g. the answer data would not upload)."""
    key = uuid.uuid4().hex
    body = {
        "exam_session": ctx.code,
        "category": "answer_upload",
        "description": "交卷后答题数据上传失败：点击重试后仍然提示上传失败，请帮忙查看。",
    }
    answer = _with_twin(
        ctx,
        http,
        "ticket",
        person,
        key,
        lambda d: str(d.get("number") or d.get("id") or "") or None,
        0.5,
        "POST",
        "/api/v1/tickets",
        endpoint="POST /tickets",
        deadline=time.time() + GIVE_UP_SECONDS,
        json_body=body,
        headers={**auth, "Idempotency-Key": key},
    )
    if answer.status not in (200, 201):
        ctx.count(f"ticket refused: {answer.status}")
        ctx.note(f"POST /api/v1/tickets answered {answer.status}: {answer.text[:300]}")
        return
    data = answer.json() or {}
    _accepted(ctx, "ticket", key, person, str(data.get("number") or data.get("id") or "") or None)
    ctx.count("ticket filed")
    yield time.time()


def _diagnostic(ctx: Context, http: Http, auth: dict[str, str], person: Person) -> None:
    profile = http.call(
        "GET",
        f"/api/v1/diagnostics/profile?exam_session={ctx.code}",
        endpoint="GET /diagnostics/profile",
        deadline=time.time() + GIVE_UP_SECONDS,
        headers=auth,
    )
    version = (
        (profile.json() or {}).get("version", "unknown") if profile.status == 200 else "unknown"
    )
    key = uuid.uuid4().hex
    body = {
        "agent_version": "1.0.0",
        "profile_version": version,
        "platform": "windows",
        "collected_at": iso_now(),
        "facts": PASSING_FACTS,
    }
    answer = http.call(
        "POST",
        "/api/v1/diagnostics/reports",
        endpoint="POST /diagnostics/reports",
        deadline=time.time() + GIVE_UP_SECONDS,
        json_body=body,
        headers={**auth, "Idempotency-Key": key},
    )
    if answer.status not in (200, 201):
        ctx.count(f"diagnostic report refused: {answer.status}")
        ctx.note(f"POST /api/v1/diagnostics/reports answered {answer.status}: {answer.text[:300]}")
        return
    _accepted(ctx, "diagnostic_report", key, person, (answer.json() or {}).get("report_code"))
    ctx.count("diagnostic report sent")


def plan_agents(count: int, rng: random.Random) -> list[Agent]:
    import secrets

    agents = [
        Agent(f"rehearsal-agent-{n:02d}", secrets.token_urlsafe(18)) for n in range(1, count + 1)
    ]
    agents.append(Agent("rehearsal-supervisor", secrets.token_urlsafe(18), "supervisor"))
    return agents


def _csrf(page: str) -> str | None:
    from bench.rehearsal.html import parse

    forms, _ = parse(page)
    for form in forms:
        if form.fields.get("csrf_token"):
            return form.fields["csrf_token"]
    return None


def agent(
    ctx: Context, staff: Agent, *, resolve_share: float = 0.95, phone: str | None = None
) -> Actor:
    """A technician at the queue console: sign in, claim the next request, call, record
    the outcome; the same pages and forms a person uses (CSRF tokens included)."""
    http = Http(ctx.base, ctx.recorder, "staff", retry_on=STAFF_RETRYABLE)
    tt = ctx.timetable
    page = http.call(
        "GET", "/staff/signin", endpoint="GET /staff/signin", deadline=time.time() + GIVE_UP_SECONDS
    )
    token = _csrf(page.text)
    answer = http.call(
        "POST",
        "/staff/signin",
        endpoint="POST /staff/signin",
        deadline=time.time() + GIVE_UP_SECONDS,
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
    console = http.call(
        "GET",
        "/staff/callbacks",
        endpoint="GET /staff/callbacks",
        deadline=time.time() + GIVE_UP_SECONDS,
    )
    token = _csrf(console.text)
    if console.status != 200 or token is None:
        ctx.count(f"agent console unavailable: {console.status}")
        return
    fields = {"csrf_token": token, "available": "y"}
    if phone:
        fields["phone"] = phone
    http.call(
        "POST",
        "/staff/callbacks/me",
        endpoint="POST /staff/callbacks/me",
        deadline=time.time() + GIVE_UP_SECONDS,
        form=fields,
    )
    while time.time() < tt.day_ends and not ctx.agents_stop.is_set():
        answer = http.call(
            "POST",
            "/staff/callbacks/claim",
            endpoint="POST /staff/callbacks/claim",
            deadline=time.time() + GIVE_UP_SECONDS,
            form={"csrf_token": token},
        )
        location = answer.headers.get("location", "")
        if answer.status != 302 or "/staff/callbacks/r/" not in location:
            if answer.status not in (302, 200):
                ctx.count(f"agent claim answered {answer.status}")
            # Nothing to claim: glance at the queue again shortly.
            yield time.time() + max(1.0, tt.seconds(15))
            continue
        request_id = location.rsplit("/staff/callbacks/r/", 1)[1].split("?")[0].strip("/")
        ctx.count("agent claimed a request")
        http.call(
            "GET",
            f"/staff/callbacks/r/{request_id}",
            endpoint="GET /staff/callbacks/r/{id}",
            deadline=time.time() + GIVE_UP_SECONDS,
        )
        # Reading the request and dialling takes a moment.
        yield time.time() + tt.seconds(ctx.rng.uniform(10, 30))
        called = http.call(
            "POST",
            f"/staff/callbacks/r/{request_id}/call",
            endpoint="POST /staff/callbacks/r/{id}/call",
            deadline=time.time() + GIVE_UP_SECONDS,
            form={"csrf_token": token},
        )
        ctx.count(f"agent call answered {called.status}")
        yield time.time() + tt.seconds(ctx.rng.uniform(90, 240))
        # One candidate in ten never picks up, whoever calls; the rest mostly answer.
        silent = int(hashlib.sha256(request_id.encode()).hexdigest(), 16) % 10 == 0
        outcome = "resolved" if not silent and ctx.rng.random() < resolve_share else "no_answer"
        recorded = http.call(
            "POST",
            f"/staff/callbacks/r/{request_id}/outcome",
            endpoint="POST /staff/callbacks/r/{id}/outcome",
            deadline=time.time() + GIVE_UP_SECONDS,
            form={"csrf_token": token, "outcome": outcome, "note": "rehearsal call"},
        )
        ctx.count(f"agent outcome {outcome}: {recorded.status}")
        yield time.time() + tt.seconds(10)
