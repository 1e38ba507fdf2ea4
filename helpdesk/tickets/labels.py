"""Translated words for statuses, sources and the first message's details."""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.tickets.models import TicketStatus

#: What candidates read: plain words.
STATUS_LABELS = {
    TicketStatus.NEW: _l("Submitted"),
    TicketStatus.OPEN: _l("Being handled"),
    TicketStatus.WAITING_CANDIDATE: _l("Waiting for your reply"),
    TicketStatus.RESOLVED: _l("Solved"),
    TicketStatus.CLOSED: _l("Closed by you or the desk"),
}

#: What staff read in the inbox.
STAFF_STATUS_LABELS = {
    TicketStatus.NEW: _l("New"),
    TicketStatus.OPEN: _l("Open"),
    TicketStatus.WAITING_CANDIDATE: _l("Waiting for candidate"),
    TicketStatus.RESOLVED: _l("Solved"),
    TicketStatus.CLOSED: _l("Closed ticket"),
}

PRIORITY_LABELS = {
    0: _l("Formal exam in progress"),
    1: _l("Formal exam waiting"),
    2: _l("Mock exam day"),
    3: _l("Normal"),
}

SLA_LABELS = {
    "overdue": _l("Overdue now"),
    "breached": _l("Breached at least once"),
    "running": _l("Clock running"),
    "paused": _l("Clock paused"),
}

DETAIL_LABELS = {
    "old_computer": _l("Old computer"),
    "new_computer": _l("New computer"),
    "client_message": _l("What the client showed"),
    "help_request_id": _l("Help request"),
    "help_request": _l("Help request"),
    "artifact_id": _l("Upload id"),
    "failed_retries": _l("Failed retries"),
    "artifact": _l("Upload"),
    "error_codes": _l("Error codes"),
    "report_code": _l("Diagnostic report"),
}

#: Coded values of details, in words (the codes stay in the stored details and the API).
DETAIL_VALUES = {
    "artifact": {
        "evidence_video": _l("Evidence video (phone, 智考通)"),
        "answer_data": _l("Answer data (PC, 智考云, after 交卷)"),
    },
}


def detail_value(key: str, value: object) -> object:
    """A detail's value as a person reads it: words for a known code, else the value."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return DETAIL_VALUES.get(key, {}).get(str(value), value)


SYSTEM_MESSAGES = {
    "closed_by_candidate": _l("The candidate closed the ticket."),
    "reopened_by_candidate": _l("The candidate reopened the ticket."),
}


def system_message(body: str) -> str:
    """The translated text of a system event stored as a code."""
    if body.startswith("merged_into:"):
        return str(_l("Merged into ticket %(number)s.", number=body.partition(":")[2]))
    return str(SYSTEM_MESSAGES.get(body, body))
