"""Where a help request stands: its place in the queue, the honest wait (estimate.py), every
call made so far and what the candidate should do now; standing()["body"] is the body API.md
gives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from sqlalchemy.orm import Session

from helpdesk.callbacks import estimate
from helpdesk.callbacks.labels import CALL_OUTCOMES
from helpdesk.callbacks.models import CallAttempt, HelpRequest, HelpStatus, Outcome
from helpdesk.callbacks.settings import Settings
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones

NEVER_CALL_BACK = _l("Answer only these numbers, and never call back.")

#: How often a candidate's open status page asks for news, in seconds (refresh_seconds).
REFRESH_FASTEST = 3
REFRESH_SLOWEST = 15


def standing(
    session: Session, request: HelpRequest, *, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The API body plus what the status page shows beside it (range, calls, number)."""
    place, wait = 0, None
    if request.status == HelpStatus.WAITING:
        # One statement: the place in the queue and the desk the estimate needs.
        desk, ahead = estimate.desk_and_ahead(session, settings=settings, now=now, behind=request)
        place = ahead + 1
        wait = estimate.for_request(
            session, request, place=place, settings=settings, now=now, desk=desk
        )
    message = status_message(request, settings=settings, place=place, wait=wait, now=now)
    return {
        "body": {
            "id": request.public_id,
            "status": str(request.status),
            "position": place,
            "estimated_wait_seconds": wait.point if wait else 0,
            "caller_ids": settings.caller_ids_display,
            "message": message,
        },
        "wait": wait,
        "minutes": minutes(wait) if wait else None,
        "next_call_at": now + timedelta(seconds=wait.point) if wait else None,
        "calls": [c for c in _calls(request) if c.outcome is not None],
        "phone_masked": phones.mask(request.phone),
        "on_duty": wait is not None or request.status != HelpStatus.WAITING,
        "refresh_seconds": refresh_seconds(request.status, place=place, wait=wait),
    }


def refresh_seconds(status: str, *, place: int, wait: estimate.WaitRange | None) -> int:
    """How long the status page waits before it asks again: every 3 s once a technician has
    the request, for the first three in the queue and when the first call may come within half
    a minute; slower the further off the call is (a tenth of the soonest wait, or the place
    in seconds, whichever is sooner), never slower than every 15 s. Far back in a long queue
    what the page shows changes seldom (only a technician taking a request ahead moves it),
    and every ask costs the desk as much as a press."""
    if status != HelpStatus.WAITING:
        return REFRESH_FASTEST
    soonest = min(place, wait.low // 10) if wait is not None else place
    return max(REFRESH_FASTEST, min(REFRESH_SLOWEST, soonest))


def minutes(wait: estimate.WaitRange) -> tuple[int, int]:
    """The range in whole minutes, never empty: (0, 1) reads 'within a minute'."""
    low = wait.low // 60
    high = max(low + 1, -(-wait.high // 60))
    return low, high


def position(session: Session, request: HelpRequest) -> int:
    """1 for the next to be called; 0 once a technician has it or it is closed."""
    if request.status != HelpStatus.WAITING:
        return 0
    ahead = session.scalar(estimate.queue_ahead(), estimate.ahead_params(request))
    return int(ahead or 0) + 1


def _calls(request: HelpRequest) -> list[CallAttempt]:
    """The request's calls; none to load while it waits with no outcome recorded yet
    (every outcome counts in `attempts`, so a fresh press costs no statement here)."""
    if request.status == HelpStatus.WAITING and request.attempts == 0:
        return []
    return list(request.calls)


def _clock(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def call_summary(call: CallAttempt) -> str:
    """'16:07 from 028-63201710: nobody answered'."""
    outcome = CALL_OUTCOMES.get(call.outcome) if call.outcome else None
    return str(
        _l(
            "%(time)s from %(line)s: %(outcome)s",
            time=_clock(call.started_at),
            line=phones.display(call.caller_id),
            outcome=outcome or "—",
        )
    )


def _wait_words(wait: estimate.WaitRange) -> str:
    low, high = minutes(wait)
    if high <= 1:
        return str(_l("within a minute"))
    return str(_l("in about %(low)d–%(high)d minutes", low=low, high=high))


def _waiting(
    request: HelpRequest,
    *,
    settings: Settings,
    place: int,
    wait: estimate.WaitRange | None,
    now: datetime,
) -> str:
    numbers = " / ".join(settings.caller_ids_display)
    next_line = phones.display(settings.line_for(request.attempts))
    calls = _calls(request)
    last = calls[-1] if calls else None
    parts = []
    if last is not None and last.outcome is not None:
        parts.append(
            str(
                _l(
                    "We called you at %(time)s from %(line)s: %(outcome)s.",
                    time=_clock(last.started_at),
                    line=phones.display(last.caller_id),
                    outcome=CALL_OUTCOMES.get(last.outcome, "—"),
                )
            )
        )
        if last.outcome == Outcome.WRONG_NUMBER:
            parts.append(
                str(
                    _l(
                        "We will call your roster number %(number)s.",
                        number=phones.mask(request.phone),
                    )
                )
            )
        if wait is not None:
            parts.append(
                str(
                    _l(
                        "We will call again at about %(time)s from %(line)s.",
                        time=_clock(now + timedelta(seconds=wait.point)),
                        line=next_line,
                    )
                )
            )
    else:
        parts.append(str(_l("You are number %(n)d in the queue.", n=place)))
        if wait is not None:
            parts.append(
                str(
                    _l(
                        "A technician will call you %(when)s from %(line)s.",
                        when=_wait_words(wait),
                        line=next_line,
                    )
                )
            )
    if wait is None:
        parts.append(
            str(
                _l(
                    "No technician is at the desk right now; the duty supervisor has been "
                    "alerted, and you will be called from %(numbers)s as soon as one is free.",
                    numbers=numbers,
                )
            )
        )
    parts.append(str(NEVER_CALL_BACK))
    return _sentences(parts)


def _sentences(parts: list[str]) -> str:
    """Sentences joined as the language writes them: no space after a Chinese full stop."""
    return " ".join(parts).replace("。 ", "。").replace("； ", "；")


def status_message(
    request: HelpRequest,
    *,
    settings: Settings,
    place: int,
    wait: estimate.WaitRange | None = None,
    now: datetime | None = None,
) -> str:
    """What the candidate should do now, in their language."""
    numbers = " / ".join(settings.caller_ids_display)
    if request.status == HelpStatus.WAITING:
        return _waiting(
            request, settings=settings, place=place, wait=wait, now=now or request.created_at
        )
    if request.status == HelpStatus.CLAIMED:
        line = phones.display(settings.line_for(request.attempts))
        claimed = _l(
            "A technician has your request and will call you in a moment from %(line)s.",
            line=line,
        )
        return _sentences([str(claimed), str(NEVER_CALL_BACK)])
    if request.status == HelpStatus.CALLING:
        line = phones.display(
            request.calls[-1].caller_id if request.calls else settings.line_for(0)
        )
        calling = _l("A technician is calling you now from %(line)s.", line=line)
        return _sentences([str(calling), str(NEVER_CALL_BACK)])
    if request.status == HelpStatus.COMPLETED:
        parts = [
            str(
                _l(
                    "The call is finished. If you used your phone for the evidence video, put "
                    "it back in its recording position now."
                )
            )
        ]
        if request.ticket_number:
            parts.append(
                str(
                    _l(
                        "Your problem continues as ticket %(number)s on the support platform.",
                        number=request.ticket_number,
                    )
                )
            )
        return _sentences(parts)
    if request.status == HelpStatus.UNREACHABLE:
        tried = str(_l("; ")).join(call_summary(c) for c in request.calls if c.outcome)
        return str(
            _l(
                "We called you %(n)d times (%(calls)s) but could not reach you, and we will "
                "not call again on this request. We have sent you a text message. If you "
                "still need help, press Ask again, or file a problem on the support platform "
                "and we will answer there.",
                n=request.attempts,
                calls=tried or numbers,
            )
        )
    if request.ticket_number:
        return str(
            _l(
                "The exam session ended before a technician could call you. Your request "
                "became ticket %(number)s on the support platform; follow it there.",
                number=request.ticket_number,
            )
        )
    return str(_l("This help request was cancelled."))
