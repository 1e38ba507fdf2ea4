"""Simulated candidates: the exam clients' API calls through the day, each answer a client
took as accepted written to the ledger. The context they share with the agents."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.harness.eta import Shown, shown
from bench.harness.http import RETRYABLE, Client, Recorder, Response
from bench.rehearsal.ledger import Accepted, Ledger
from bench.rehearsal.people import Person
from bench.rehearsal.plans import CATEGORIES, ArtifactPlan, CandidatePlan
from bench.rehearsal.runner import Actor, Runner
from bench.rehearsal.timetable import Timetable
from diagnostics.samples import ready_pc

CLOSED = {"completed", "unreachable", "cancelled"}
#: How long a client keeps retrying one request before giving up (real seconds).
GIVE_UP_SECONDS = 90.0


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class HelpTiming:
    server_id: str
    candidate: str
    pressed_at: float
    accepted_at: float
    #: What the first press's answer promised (bench/harness/eta.py), None if unusable.
    shown: Shown | None = None


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
    #: Set when the day ends: agents leave the console.
    agents_stop: threading.Event = field(default_factory=threading.Event)
    #: Set when the rehearsal stops (Ctrl-C, time limit): clients stop retrying at once.
    stop: threading.Event = field(default_factory=threading.Event)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.outcomes[what] += n

    def note(self, text: str) -> None:
        with self.lock:
            if text not in self.notes:
                self.notes.append(text)

    def refused(self, what: str, answer: Response) -> bool:
        """False for a 2xx; otherwise count and note the refusal (body shortened)."""
        if answer.status in (200, 201):
            return False
        self.count(f"{what} refused: {answer.status}")
        self.note(f"{what} refused {answer.status}: {answer.text[:300]}")
        return True

    def has(self, path: str) -> bool:
        return path in self.paths

    def client(self, audience: str, retry_on: frozenset[int] = RETRYABLE) -> Client:
        """A new simulated device: Chinese pages, its own cookies, samples recorded."""
        return Client(
            self.base,
            recorder=self.recorder,
            audience=audience,
            retry_on=retry_on,
            headers={"Accept-Language": "zh-CN"},
            stop=self.stop,
        )


def call(
    http: Client, method: str, path: str, label: str | None = None, **options: Any
) -> Response:
    """A request retried for up to GIVE_UP_SECONDS; its samples are recorded as
    'METHOD path' without /api/v1 and the query (`label` where the path holds an id)."""
    return http.call(
        method,
        path,
        endpoint=label or f"{method} {path.removeprefix('/api/v1').split('?')[0]}",
        deadline=time.time() + GIVE_UP_SECONDS,
        **options,
    )


def api(http: Client, method: str, path: str, label: str | None = None, **options: Any) -> Response:
    """call() on /api/v1 + path."""
    return call(http, method, f"/api/v1{path}", label, **options)


def candidate(ctx: Context, person: Person, plan: CandidatePlan) -> Actor:
    """One exam client: sign in, maybe a diagnostic report, maybe 求助, maybe a ticket,
    then the uploads after submission."""
    tt = ctx.timetable
    http = ctx.client("candidate")
    yield tt.at(plan.signin)
    if plan.mistype_first:
        wrong = api(
            http,
            "POST",
            "/candidate-tokens",
            json_body={
                "name": person.name,
                "id_number": person.id_number,
                "admission_number": person.admission_number + "9",
            },
        )
        ctx.count(f"sign-in with a typo: {wrong.status}")
        yield time.time() + tt.seconds(20)
    answer = api(
        http,
        "POST",
        "/candidate-tokens",
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
    http: Client,
    kind: str,
    person: Person,
    key: str,
    id_of: Callable[[Any], str | None],
    share: float,
    method: str,
    path: str,
    **options: Any,
) -> Response:
    """Send a request; with probability `share` send the very same request (same key, same
    body) at the same moment too, as a client that timed out and retried while the first
    was still running. Both answers count: a twin answered 2xx is accepted as well."""
    if ctx.rng.random() >= share:
        return api(http, method, path, **options)
    twin: list[Response] = []
    thread = threading.Thread(target=lambda: twin.append(api(http.twin(), method, path, **options)))
    thread.start()
    answer = api(http, method, path, **options)
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
    ctx: Context, http: Client, auth: dict[str, str], person: Person, plan: CandidatePlan
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
            "/help-requests",
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
                    HelpTiming(
                        server_id, person.admission_number, pressed, time.time(), shown(data)
                    )
                )
            ctx.count("help pressed")
        else:
            ctx.count(f"second 求助 answered {answer.status}")
        yield time.time() + ctx.timetable.seconds(20)
    while time.time() < ctx.timetable.day_ends:
        answer = api(
            http,
            "GET",
            f"/help-requests/{server_id}",
            label="GET /help-requests/{id}",
            headers=auth,
        )
        if answer.status == 200 and answer.json().get("status") in CLOSED:
            ctx.count(f"help closed as {answer.json()['status']}")
            return
        yield time.time() + max(2.0, ctx.timetable.seconds(30))
    ctx.count("help still open at the end of the day")


def upload(
    ctx: Context, http: Client, auth: dict[str, str], person: Person, item: ArtifactPlan
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
            "/upload-events",
            json_body=body,
            headers=auth,
        )
        if ctx.refused("upload event", answer):
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
        answer = api(
            http,
            "GET",
            f"/uploads?exam_session={ctx.code}",
            headers=auth,
        )
        ctx.count(f"uploads page {answer.status}")


def _ticket_id(data: dict[str, Any]) -> str | None:
    """A ticket's number as the desk answers it (its id when an older desk has none)."""
    return str(data.get("number") or data.get("id") or "") or None


def ticket(ctx: Context, http: Client, auth: dict[str, str], person: Person) -> Actor:
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
        _ticket_id,
        0.5,
        "POST",
        "/tickets",
        json_body=body,
        headers={**auth, "Idempotency-Key": key},
    )
    if ctx.refused("ticket", answer):
        return
    _accepted(ctx, "ticket", key, person, _ticket_id(answer.json() or {}))
    ctx.count("ticket filed")
    yield time.time()


def _diagnostic(ctx: Context, http: Client, auth: dict[str, str], person: Person) -> None:
    profile = api(
        http,
        "GET",
        f"/diagnostics/profile?exam_session={ctx.code}",
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
        "facts": ready_pc(),
    }
    answer = api(
        http,
        "POST",
        "/diagnostics/reports",
        json_body=body,
        headers={**auth, "Idempotency-Key": key},
    )
    if ctx.refused("diagnostic report", answer):
        return
    _accepted(ctx, "diagnostic_report", key, person, (answer.json() or {}).get("report_code"))
    ctx.count("diagnostic report sent")
