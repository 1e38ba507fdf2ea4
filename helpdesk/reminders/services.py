"""Preview and send a reminder to a segment: the quiet hours, the once-a-day rule, the outbox.

Sending is set-based: one INSERT ... SELECT adds the recipients (every candidate in the
segment not reminded of this kind on the day the message goes, a UNIQUE constraint backing
the rule), and one INSERT ... SELECT per distinct message puts their SMS in the outbox,
held until the quiet hours end. The caller commits; the notify job sends what is committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, Integer, String, cast, literal, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk import csvexport
from helpdesk.audit import services as audit
from helpdesk.db import UTCDateTime, is_postgres
from helpdesk.errors import DomainError
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.inserts import dialect_insert
from helpdesk.notify import registry
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.reminders import segments
from helpdesk.reminders.kinds import KIND_OF
from helpdesk.reminders.models import Origin, Reminder, ReminderRecipient, Segment
from helpdesk.reminders.settings import Settings

if TYPE_CHECKING:
    from helpdesk.identity.models import Staff

SAMPLE_SIZE = 5


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def is_quiet(moment: datetime, settings: Settings) -> bool:
    """Whether moment falls in the quiet hours (Beijing time; they may span midnight)."""
    hour = moment.astimezone(_zone(settings)).hour
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    return start <= hour or hour < end if start > end else start <= hour < end


def send_time(now: datetime, settings: Settings) -> datetime:
    """When a message queued at now may go: now, or the end of the quiet hours."""
    if not is_quiet(now, settings):
        return now
    local = now.astimezone(_zone(settings))
    opening = datetime.combine(local.date(), time(settings.quiet_end), tzinfo=local.tzinfo)
    if opening <= local:
        opening += timedelta(days=1)
    return opening.astimezone(now.tzinfo)


def local_day(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(_zone(settings)).date()


def deadline(exam: ExamSession, segment: Segment, *, now: datetime, settings: Settings) -> datetime:
    """The moment the message asks the candidate to act by."""
    if segment == Segment.UPLOADS_INCOMPLETE:
        return exam.ends + settings.upload_deadline
    if exam.download_closes is not None and now < exam.download_closes:
        return exam.download_closes
    return exam.login_opens if now < exam.login_opens else exam.ends


def deadline_words(moment: datetime, settings: Settings) -> str:
    """1月5日23:00, as the candidate reads it (Beijing time)."""
    local = moment.astimezone(_zone(settings))
    return f"{local.month}月{local.day}日{local:%H:%M}"


def params_for(
    segment: Segment, *, deadline_at: datetime, check_id: str | None, settings: Settings
) -> dict[str, str]:
    """The template parameters of the segment's kind (kinds.py)."""
    url = settings.uploads_url if segment == Segment.UPLOADS_INCOMPLETE else settings.check_url
    params = {
        "deadline": deadline_words(deadline_at, settings),
        "url": url,
        "hotline": settings.hotline,
    }
    if segment == Segment.AGENT_FAILED:
        params["check"] = segments.check_title(check_id) if check_id else "设备检测未通过"
    return params


@dataclass(frozen=True)
class Preview:
    exam: ExamSession
    segment: Segment
    check_id: str | None
    kind: str
    #: In the segment now; of them, already reminded of this kind on the sending day.
    in_segment: int
    skipped: int
    sample: list[str]
    params: dict[str, str]
    send_at: datetime
    #: Whether the quiet hours hold the messages until send_at.
    held: bool = False

    @property
    def count(self) -> int:
        return self.in_segment - self.skipped

    def text(self, locale: str = "zh_CN") -> str:
        return registry.render(self.kind, self.params, locale=locale)


def _reminded(kind: str, day: date) -> Any:
    return select(ReminderRecipient.candidate_id).where(
        ReminderRecipient.kind == kind, ReminderRecipient.day == day
    )


def preview(
    session: Session,
    *,
    exam: ExamSession,
    segment: Segment,
    check_id: str | None,
    now: datetime,
    settings: Settings,
    allowed_numbers: list[str],
    deadline_at: datetime | None = None,
) -> Preview:
    """Who would be reminded, with what words, when; nothing is written."""
    kind = KIND_OF[segment]
    send_at = send_time(now, settings)
    ids = segments.members(session, exam=exam, segment=segment, check_id=check_id, now=now)
    already = set(session.scalars(_reminded(kind, local_day(send_at, settings))))
    fresh = [i for i in ids if i not in already]
    names = session.scalars(
        select(Candidate.name).where(Candidate.id.in_(fresh[:SAMPLE_SIZE])).order_by(Candidate.id)
    )
    at = deadline_at or deadline(exam, segment, now=now, settings=settings)
    params = params_for(segment, deadline_at=at, check_id=check_id, settings=settings)
    try:
        registry.check_params(kind, params, allowed_numbers=allowed_numbers)
    except registry.UnsafeSms as exc:
        raise DomainError(
            str(
                _l(
                    "This message breaks a carrier's rule (%(rule)s); see docs/reminders.md.",
                    rule=str(exc),
                )
            )
        ) from None
    return Preview(
        exam=exam,
        segment=segment,
        check_id=check_id,
        kind=kind,
        in_segment=len(ids),
        skipped=len(ids) - len(fresh),
        sample=[csvexport.mask_name(n) for n in names],
        params=params,
        send_at=send_at,
        held=send_at > now,
    )


def send(
    session: Session,
    *,
    preview: Preview,
    staff: Staff | None,
    now: datetime,
    settings: Settings,
    allowed_numbers: list[str],
    trigger: str | None = None,
) -> Reminder | None:
    """Queue the preview's reminder; None if an automatic one of this trigger exists."""
    reminder = Reminder(
        exam_session_id=preview.exam.id,
        segment=preview.segment,
        check_id=preview.check_id,
        kind=preview.kind,
        origin=Origin.MANUAL if trigger is None else Origin.AUTOMATIC,
        trigger=trigger,
        staff_id=staff.id if staff else None,
        created_at=now,
        send_at=preview.send_at,
    )
    try:
        with session.begin_nested():
            session.add(reminder)
    except IntegrityError:
        return None  # another scheduler sent this automatic reminder a moment ago
    ids = segments.members(
        session, exam=preview.exam, segment=preview.segment, check_id=preview.check_id, now=now
    )
    day = local_day(preview.send_at, settings)
    _add_recipients(session, reminder, ids, day)
    recipients = list(
        session.scalars(
            select(ReminderRecipient.candidate_id).where(
                ReminderRecipient.reminder_id == reminder.id
            )
        )
    )
    for params, group in _messages(session, preview, recipients, settings).items():
        checked = registry.check_params(preview.kind, dict(params), allowed_numbers=allowed_numbers)
        _queue(session, reminder, group, checked, now=now)
    reminder.recipients, reminder.skipped = len(recipients), len(ids) - len(recipients)
    session.flush()
    audit.record(
        session,
        staff=staff,
        action="reminder.send",
        now=now,
        target_type="exam_session",
        target_id=preview.exam.code,
        detail={
            "segment": str(preview.segment),
            "check": preview.check_id,
            "kind": preview.kind,
            "recipients": reminder.recipients,
            "skipped": reminder.skipped,
            "origin": str(reminder.origin),
            "trigger": trigger,
            "send_at": preview.send_at.isoformat(),
        },
    )
    return reminder


def _insert(session: Session, table: Any) -> Any:
    return dialect_insert("postgresql" if is_postgres(session) else "sqlite", table)


def _add_recipients(session: Session, reminder: Reminder, ids: list[int], day: date) -> None:
    if not ids:
        return
    chosen = select(
        literal(reminder.id, Integer),
        Candidate.id,
        literal(reminder.kind, String),
        literal(day, Date),
    ).where(Candidate.id.in_(ids), Candidate.id.not_in(_reminded(reminder.kind, day)))
    statement = _insert(session, ReminderRecipient).from_select(
        ["reminder_id", "candidate_id", "kind", "day"], chosen
    )
    session.execute(statement.on_conflict_do_nothing())


def _messages(
    session: Session, preview: Preview, recipients: list[int], settings: Settings
) -> dict[tuple[tuple[str, str], ...], list[int]]:
    """Recipients grouped by their message's parameters (one group unless the failed check
    differs from candidate to candidate)."""
    if not recipients:
        return {}
    if preview.segment != Segment.AGENT_FAILED or preview.check_id is not None:
        return {tuple(sorted(preview.params.items())): recipients}
    firsts = segments.first_failed_check(session, recipients)
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for candidate_id in recipients:
        check = firsts.get(candidate_id)
        params = {**preview.params, "check": segments.check_title(check) if check else ""}
        if not params["check"]:
            params["check"] = preview.params["check"]
        groups.setdefault(tuple(sorted(params.items())), []).append(candidate_id)
    return groups


def _queue(
    session: Session, reminder: Reminder, ids: list[int], params: dict[str, str], *, now: datetime
) -> None:
    body = registry.render(reminder.kind, params)
    if is_postgres(session):
        params_value: Any = cast(literal(json.dumps(params, ensure_ascii=False)), JSON)
    else:
        params_value = type_coerce(params, JSON)
    chosen = select(
        Candidate.phone,
        literal(reminder.kind, String),
        params_value,
        literal(body, String),
        literal(f"reminder:{reminder.id}:", String) + cast(Candidate.id, String),
        literal(SmsStatus.PENDING.value, String),
        literal(0, Integer),
        literal(reminder.send_at, UTCDateTime()),
        literal(now, UTCDateTime()),
    ).where(Candidate.id.in_(ids))
    session.execute(
        _insert(session, OutboundSms).from_select(
            [
                "to",
                "kind",
                "params",
                "body",
                "dedupe_key",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
            ],
            chosen,
        )
    )
