"""Words for statuses and urgency levels, shown to candidates and staff."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.callbacks.models import HelpRequest, HelpStatus, Outcome
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.i18n import gettext
from helpdesk.i18n import lazy_gettext as _l

STATUS_LABELS = {
    "waiting": _l("Waiting for a technician"),
    "claimed": _l("A technician is about to call"),
    "calling": _l("Calling you now"),
    "completed": _l("Call finished"),
    "unreachable": _l("We could not reach you"),
    "cancelled": _l("Closed"),
}

URGENCY_LABELS = {
    0: _l("Formal exam in progress"),
    1: _l("Formal exam, login and waiting"),
    2: _l("Mock exam day"),
    3: _l("Other"),
    9: _l("Follow-up"),
}


#: How a call ended, in the desk's words (console, panel).
OUTCOME_LABELS = {
    "resolved": _l("Connected and resolved"),
    "escalated": _l("Connected, escalated to a ticket"),
    "no_answer": _l("No answer"),
    "busy": _l("Busy"),
    "wrong_number": _l("Wrong number"),
    "failed": _l("Call failed"),
    "session_ended": _l("Exam session ended"),
    "cancelled": _l("Cancelled by the candidate"),
}

#: How a call ended, told to the candidate.
CALL_OUTCOMES = {
    "no_answer": _l("nobody answered"),
    "busy": _l("your line was busy"),
    "failed": _l("the call did not get through"),
    "wrong_number": _l("the number was wrong"),
    "resolved": _l("we spoke"),
    "escalated": _l("we spoke"),
}

#: Where a call stands (telephony's CallState), for the console.
STATE_LABELS = {
    "manual": _l("Dialled by hand from the desk phone"),
    "unknown": _l("Placing the call (no word from the provider yet)"),
    "queued": _l("Placing the call"),
    "ringing": _l("Ringing"),
    "in_progress": _l("Connected"),
    "ended": _l("Ended"),
}


#: Why the desk itself queued a call (follow-ups).
REASON_LABELS = {"upload_incomplete": _l("Uploads incomplete after the exam")}


def elapsed(span: timedelta) -> str:
    """A wait in words: '3 min 05 s', '45 s'."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return str(_l("%(s)d s", s=seconds))
    if seconds < 3600:
        return str(_l("%(m)d min %(s)02d s", m=seconds // 60, s=seconds % 60))
    return str(_l("%(h)d h %(m)02d min", h=seconds // 3600, m=seconds % 3600 // 60))


def template_labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "category_labels": {str(k): v for k, v in CATEGORY_LABELS.items()},
        "outcome_labels": OUTCOME_LABELS,
        "call_outcomes": CALL_OUTCOMES,
        "state_labels": STATE_LABELS,
        "reason_labels": REASON_LABELS,
        "elapsed": elapsed,
    }


def confirmation(request: HelpRequest, outcome: Outcome, *, again_at: str, most: int) -> str:
    """What the agent just recorded and what happens to the request now (again_at: when
    it is called again, as shown; most: the attempts a request gets)."""
    said = str(OUTCOME_LABELS[outcome])
    name = request.candidate.name
    if request.status == HelpStatus.WAITING:
        return gettext(
            "Recorded: %(outcome)s. %(name)s will be called again from %(time)s "
            "(attempt %(n)d of %(most)d).",
            outcome=said,
            name=name,
            time=again_at,
            n=request.attempts + 1,
            most=most,
        )
    if request.status == HelpStatus.UNREACHABLE:
        return gettext(
            "Recorded: %(outcome)s. %(name)s could not be reached after %(n)d calls; the "
            "request is closed and they are sent a text message.",
            outcome=said,
            name=name,
            n=request.attempts,
        )
    return gettext(
        "Recorded: %(outcome)s. The request of %(name)s is closed.", outcome=said, name=name
    )
