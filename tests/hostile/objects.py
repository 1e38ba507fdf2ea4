"""Who acts on the desk and which objects they own: the table the access matrix and the
corpus tests read.

`FACTORIES` maps a URL argument name (`ticket_id`, `request_id`, ...) to how to create an
object that a given candidate owns, through the capability's own services. A route whose
arguments all have a factory is covered by the access matrix and the corpus automatically;
a capability that adds an object route adds one entry here (see docs/security.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.identity import services as identity_services
from helpdesk.identity.models import Role, SessionKind, Staff

ACTORS = ("anonymous", "owner", "other", "agent", "supervisor", "admin")


@dataclass
class World:
    """The arranged desk of one test: an exam, two candidates, staff of every role."""

    app: Flask
    session: Session
    exam: Any
    owner: Any
    other: Any
    staff: dict[str, Staff]
    make_exam: Callable[..., Any]
    person: Callable[..., Any]
    #: Objects made so far, by argument name, for the owner.
    made: dict[str, Any] = field(default_factory=dict)

    def client(self, actor: str) -> FlaskClient:
        """A test client signed in as actor (no password hashing: a session row directly)."""
        client = self.app.test_client()
        if actor == "anonymous":
            return client
        if actor in ("owner", "other"):
            identity = self.owner if actor == "owner" else self.other
            token, _ = identity_services.open_session(
                self.session,
                kind=SessionKind.CANDIDATE_WEB,
                now=clock.utcnow(),
                ttl=timedelta(hours=1),
                candidate=identity.candidate,
            )
        else:
            token, _ = identity_services.open_session(
                self.session,
                kind=SessionKind.STAFF_WEB,
                now=clock.utcnow(),
                ttl=timedelta(hours=1),
                staff=self.staff[actor],
            )
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = token
            flask_session["_fresh"] = True
        return client

    def api_headers(self, actor: str) -> dict[str, str]:
        """An Authorization header with a fresh API token of the owner or the other one."""
        identity = self.owner if actor == "owner" else self.other
        token, _ = identity_services.open_session(
            self.session,
            kind=SessionKind.CANDIDATE_API,
            now=clock.utcnow(),
            ttl=timedelta(hours=1),
            candidate=identity.candidate,
        )
        return {"Authorization": f"Bearer {token}"}

    def value_for(self, argument: str, endpoint: str = "") -> Any:
        """The owner's object for a URL argument of endpoint, created once per test."""
        key = factory_key(endpoint, argument) or argument
        if key not in self.made:
            self.made[key] = FACTORIES[key].create(self)
        return self.made[key]


def make_staff_row(session: Session, role: str, *, totp_key: str | None = None) -> Staff:
    """A staff account without an argon2 hash (sign-in is by session row in these tests);
    with totp_key, supervisors and admins come enrolled in two-factor sign-in, as the desk
    requires before they open any page."""
    staff = Staff(
        username=f"{role}-{uuid.uuid4().hex[:8]}",
        display_name=f"{role} 测试",
        password_hash="!",
        role=Role(role),
        active=True,
        available=True,
        created_at=clock.utcnow(),
    )
    if totp_key is not None and role != "agent":
        from tests.conftest import enrol_test_app

        enrol_test_app(staff, totp_key)
    session.add(staff)
    session.flush()
    return staff


@dataclass(frozen=True)
class ObjectKind:
    """How to make the object a URL argument names, owned by world.owner."""

    capability: str
    create: Callable[[World], Any]
    #: False for objects that belong to the desk rather than to a candidate (staff-only).
    candidate_owned: bool = True


def _exam_code(world: World) -> str:
    return str(world.exam.code)


def _candidate_id(world: World) -> int:
    return int(world.owner.candidate.id)


def _help_request(world: World) -> str:
    from helpdesk.callbacks.services import HelpInput, request_help

    request, _ = request_help(
        world.session,
        candidate=world.owner.candidate,
        data=HelpInput(exam_session=str(world.exam.code), note="需要帮助"),
        idempotency_key=uuid.uuid4().hex,
        source="web",
        now=clock.utcnow(),
    )
    return str(request.public_id)


def _ticket(world: World) -> str:
    from helpdesk.tickets.services import open_ticket

    return str(
        open_ticket(
            world.session,
            candidate=world.owner.candidate,
            exam_session=world.exam,
            category="login",
            description="无法登录 cannot sign in",
            now=clock.utcnow(),
        ).number
    )


def _attachment(world: World) -> str:
    import io

    from helpdesk.tickets.files import IncomingFile, store_all
    from helpdesk.tickets.services import find_ticket

    number = world.value_for("number")
    ticket = find_ticket(world.session, number)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
        b"\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00"
        b"\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    from helpdesk.tickets.models import TicketAttachment

    stored = store_all(
        world.app.config["UPLOAD_DIR"], [IncomingFile("screen.png", io.BytesIO(png))]
    )
    item = stored[0]
    attachment = TicketAttachment(
        public_id=uuid.uuid4().hex,
        ticket_id=ticket.id,
        stored_name=item.stored_name,
        original_name=item.original_name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        created_at=clock.utcnow(),
    )
    world.session.add(attachment)
    world.session.flush()
    return attachment.public_id


def _report(world: World) -> str:
    from helpdesk.readiness.models import Device
    from helpdesk.readiness.services import Upload, submit_report

    report, _ = submit_report(
        world.session,
        candidate=world.owner.candidate,
        device=Device.PHONE,
        upload=Upload(facts={}, body_sha256="0" * 64),
        exam=world.exam,
        locale="zh_CN",
        now=clock.utcnow(),
    )
    world.session.flush()
    return str(report.code)


def _article(world: World) -> str:
    from helpdesk.knowledge.services import save_article

    slug = f"hostile-{uuid.uuid4().hex[:8]}"
    save_article(
        world.session,
        slug=slug,
        title="登录问题",
        body_markdown="重启客户端。",
        category="login",
        now=clock.utcnow(),
    )
    return slug


def _staff_account(world: World) -> int:
    """Another agent's account, for the admin pages that manage it."""
    return int(make_staff_row(world.session, "agent").id)


def _guidance_entry(world: World) -> int:
    from sqlalchemy import select

    from helpdesk.uploads.guidance import seed_guidance
    from helpdesk.uploads.models import GuidanceEntry

    seed_guidance(world.session, clock.utcnow())
    return int(world.session.scalar(select(GuidanceEntry.id).limit(1)) or 0)


def _agent_build(world: World) -> int:
    from helpdesk.readiness.models import AgentBuild

    build = AgentBuild(
        platform="zipapp",
        version="1.0.0",
        filename="helpdesk-agent-1.0.0.pyz",
        stored_name=uuid.uuid4().hex,
        size_bytes=0,
        sha256="0" * 64,
        published_at=clock.utcnow(),
    )
    world.session.add(build)
    world.session.flush()
    return int(build.id)


def _phone_link(world: World) -> str:
    from helpdesk.readiness.links import issue_link

    link = issue_link(
        world.session,
        candidate=world.owner.candidate,
        now=clock.utcnow(),
        ttl=timedelta(minutes=10),
        per_hour=1000,
    )
    return link.token


def _upload_flow(world: World) -> str:
    """The evidence-video help flow, started for the owner so its answer form shows."""
    from helpdesk.uploads.guidance import candidate_key, seed_guidance, start_flow
    from helpdesk.uploads.models import ArtifactKind

    seed_guidance(world.session, clock.utcnow())
    start_flow(
        world.session,
        owner_key=candidate_key(world.owner.candidate),
        artifact=ArtifactKind.EVIDENCE_VIDEO,
        error_code="E_NETWORK",
        now=clock.utcnow(),
        candidate=world.owner.candidate,
        exam=world.exam,
    )
    return ArtifactKind.EVIDENCE_VIDEO.value


def _canned_reply(world: World) -> int:
    from helpdesk.tickets.canned.services import save_reply

    reply = save_reply(
        world.session,
        reply=None,
        title=f"常用回复 {uuid.uuid4().hex[:6]}",
        body="请重启客户端后再试。",
        category=None,
        now=clock.utcnow(),
    )
    world.session.flush()
    return int(reply.id)


def _outbound_sms(world: World) -> int:
    """A queued ticket-reply SMS, for the outbox's retry button."""
    from helpdesk.notify.services import queue_sms

    message = queue_sms(
        world.session,
        to="+8613800138000",
        kind="ticket_reply",
        params={"number": "T230110-0001", "hotline": "400-088-0028"},
        dedupe_key=f"hostile-{uuid.uuid4().hex}",
        now=clock.utcnow(),
        allowed_numbers=["400-088-0028"],
    )
    world.session.flush()
    return int(message.id)


def _roster_import(world: World) -> int:
    """A roster import staged by an admin (one row, never applied here)."""
    import random

    from helpdesk.demo import fake_id_number
    from helpdesk.exams.roster import RosterRow
    from helpdesk.exams.roster_imports import stage

    row = RosterRow(2, str(world.exam.code), "测试", fake_id_number(random.Random()), "ZK0001", "")
    job = stage(
        world.session,
        [row],
        filename="roster.csv",
        skip_invalid=False,
        staff=world.staff["admin"],
        locale="zh_CN",
        id_hash_key=str(world.app.config["ID_HASH_KEY"]),
        now=clock.utcnow(),
    )
    world.session.flush()
    return int(job.id)


#: Keys are "endpoint:argument", "blueprint:argument" or a bare argument name; the most
#: specific wins. Entries for capabilities not built yet are added when their routes
#: appear (test_access_matrix lists what is missing).
FACTORIES: dict[str, ObjectKind] = {
    "request_id": ObjectKind("helpdesk.callbacks", _help_request),
    "number": ObjectKind("helpdesk.tickets", _ticket),
    "public_id": ObjectKind("helpdesk.tickets", _attachment),
    "readiness.report:code": ObjectKind("helpdesk.readiness", _report),
    "readiness_staff.staff_report:code": ObjectKind("helpdesk.readiness", _report),
    "readiness_staff:code": ObjectKind("helpdesk.exams", _exam_code, candidate_owned=False),
    "reminders_staff:code": ObjectKind("helpdesk.exams", _exam_code, candidate_owned=False),
    "exams_staff:code": ObjectKind("helpdesk.exams", _exam_code, candidate_owned=False),
    "reply_id": ObjectKind("helpdesk.tickets", _canned_reply, candidate_owned=False),
    "message_id": ObjectKind("helpdesk.notify", _outbound_sms, candidate_owned=False),
    "candidate_id": ObjectKind("helpdesk.identity", _candidate_id, candidate_owned=False),
    "slug": ObjectKind("helpdesk.knowledge", _article, candidate_owned=False),
    "entry_id": ObjectKind("helpdesk.uploads", _guidance_entry, candidate_owned=False),
    "build_id": ObjectKind("helpdesk.readiness", _agent_build, candidate_owned=False),
    "staff_id": ObjectKind("helpdesk.identity", _staff_account, candidate_owned=False),
    "import_id": ObjectKind("helpdesk.exams", _roster_import, candidate_owned=False),
    # The QR code's link is itself the credential (single use, no sign-in needed to open it),
    # so there is no owner's sign-in to compare with another's.
    "readiness.phone_link:token": ObjectKind(
        "helpdesk.readiness", _phone_link, candidate_owned=False
    ),
    # Twilio's webhooks authenticate the caller by signature, not by who owns the call:
    # any attempt id meets the same door.
    "attempt_id": ObjectKind("helpdesk.telephony", lambda world: "1", candidate_owned=False),
    "artifact": ObjectKind(
        "helpdesk.uploads", lambda world: _upload_flow(world), candidate_owned=False
    ),
}


def factory_key(endpoint: str, argument: str) -> str | None:
    """The FACTORIES key for an argument of an endpoint ("api.x" for API operations)."""
    for key in (f"{endpoint}:{argument}", f"{endpoint.split('.')[0]}:{argument}", argument):
        if key in FACTORIES:
            return key
    return None


def missing_value(converter: str) -> str:
    """An id shaped like a real one that names nothing."""
    if converter == "int":
        return "987654321"
    if converter == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    return "NO-SUCH-OBJECT-7f3a"
