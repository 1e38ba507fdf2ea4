"""Words for statuses and urgency levels, shown to candidates and staff."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.categories import LABELS as CATEGORY_LABELS

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


#: One call in words: its outcome when recorded, else where it stands.
CALL_LABELS = {
    "resolved": _l("Connected and resolved"),
    "escalated": _l("Connected, escalated to a ticket"),
    "no_answer": _l("No answer"),
    "busy": _l("Busy"),
    "wrong_number": _l("Wrong number"),
    "failed": _l("Call failed"),
    "manual": _l("Dialled by hand on the desk phone"),
    "unknown": _l("Not known yet"),
    "queued": _l("Being placed"),
    "ringing": _l("Ringing"),
    "in_progress": _l("Talking"),
    "ended": _l("Ended"),
}


def template_labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "call_labels": CALL_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "category_labels": {str(k): v for k, v in CATEGORY_LABELS.items()},
    }
