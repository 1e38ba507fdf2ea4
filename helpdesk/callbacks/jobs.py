"""The callback queue's scheduled jobs (rows in helpdesk/jobs.py JOBS)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.callbacks import calls, placing, provider_calls, queue
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.models import CallAttempt
from helpdesk.callbacks.settings import Settings
from helpdesk.db import database
from helpdesk.telephony.dialer import Dialer
from helpdesk.tickets import settings as tickets_settings


def release_expired_claims(session: Session, now: datetime) -> int:
    return queue.release_expired_claims(session, now=now)


def refresh_urgency(session: Session, now: datetime) -> int:
    return queue.refresh_urgency(session, now=now)


def close_ended_sessions(session: Session, now: datetime) -> int:
    return queue.close_ended_sessions(
        session,
        settings=callbacks_settings.current(),
        now=now,
        sla_policy=tickets_settings.current().sla,
    )


def follow_provider_calls(
    session: Session,
    now: datetime,
    *,
    dialer: Dialer | None = None,
    settings: Settings | None = None,
) -> int:
    """Apply the records of placed calls that have none yet; returns how many. The provider
    is asked with no transaction open (an agent's click on the same attempt never waits for
    it, nor, on SQLite, does any write)."""
    dialer = dialer or callbacks_settings.dialer()
    settings = settings or callbacks_settings.current()
    listed = provider_calls.to_follow(session, dialer=dialer, now=now)
    session.commit()
    applied = 0
    for attempt_id, sid in listed:
        record = provider_calls.ask_record(dialer, sid)
        if record is None:
            continue
        applied += provider_calls.apply_record(
            session,
            attempt_id=attempt_id,
            sid=sid,
            record=record,
            dialer_kind=dialer.kind,
            settings=settings,
            now=now,
        )
        session.commit()
    return applied


def settle_unknown_calls(
    session: Session,
    now: datetime,
    *,
    dialer: Dialer | None = None,
    settings: Settings | None = None,
) -> int:
    """Ask the provider about calls whose placing timed out (with no transaction open) and
    settle them; returns how many were settled."""
    dialer = dialer or callbacks_settings.dialer()
    settings = settings or callbacks_settings.current()
    listed = calls.unknown_calls(session, dialer=dialer, now=now)
    session.commit()
    settled = 0
    for call in listed:
        answered, found = calls.look_up(dialer, call)
        if not answered:
            continue  # asked again next time
        settled += calls.settle_unknown(session, call, found, settings=settings, now=now)
        session.commit()
    return settled


#: Calls handed to the provider at once: one that takes its whole timeout to answer holds
#: up no other agent's call (each has its own connection; the pool holds 2 x pool size).
PLACING_AT_ONCE = 4


def place_calls(
    session: Session,
    now: datetime,
    *,
    dialer: Dialer | None = None,
    settings: Settings | None = None,
) -> int:
    """Hand the attempts agents started to the provider, each taken and committed first
    (never placed twice), with no transaction open while the provider answers. Several
    are placed at once, each on its own session and thread."""
    dialer = dialer or callbacks_settings.dialer()
    settings = settings or callbacks_settings.current()
    taken = []
    for attempt_id in placing.queued_ids(session):
        attempt = placing.take(session, attempt_id)
        session.commit()  # taken before the provider hears of it: never placed twice
        if attempt is not None:
            taken.append(attempt)
    if not taken:
        return 0
    if len(taken) == 1:  # the usual case: no thread to start
        _place(session, taken[0], dialer, settings)
        return 1
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app, for the threads

    def place_one(attempt_id: int) -> None:
        with app.app_context(), database(app).sessionmaker() as own:
            attempt = placing.taken_attempt(own, attempt_id)
            own.commit()
            if attempt is not None:
                _place(own, attempt, dialer, settings)

    with ThreadPoolExecutor(max_workers=PLACING_AT_ONCE, thread_name_prefix="place") as pool:
        list(pool.map(place_one, [attempt.id for attempt in taken]))
    return len(taken)


def _place(session: Session, attempt: CallAttempt, dialer: Dialer, settings: Settings) -> None:
    placing.place(session, attempt=attempt, dialer=dialer, settings=settings, now=clock.utcnow())
    session.commit()
