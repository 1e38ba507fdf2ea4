"""The audit log in words: what each action code means, and its details' names and values.

A capability that records a new action adds its words here; an action without words is
shown by its code, so nothing recorded is ever hidden.
"""

from __future__ import annotations

from typing import Any

from helpdesk.i18n import lazy_gettext as _l

ACTION_LABELS = {
    # Staff accounts (helpdesk.identity).
    "staff.sign_in": _l("Signed in"),
    "staff.sign_out_everywhere": _l("Signed out everywhere"),
    "staff.password_change": _l("Changed their password"),
    "staff.two_factor_enrol": _l("Switched two-factor sign-in on"),
    "staff.two_factor_off": _l("Switched two-factor sign-in off"),
    "staff.recovery_codes": _l("Made new recovery codes"),
    "staff.create": _l("Created a staff account"),
    "staff.role": _l("Changed a role"),
    "staff.disable": _l("Disabled a staff account"),
    "staff.enable": _l("Enabled a staff account"),
    "staff.password_reset": _l("Reset a password"),
    "staff.two_factor_reset": _l("Reset two-factor sign-in"),
    "staff.sessions_end": _l("Ended someone's sessions"),
    "staff.policy": _l("Changed the sign-in rules"),
    "staff.telephony": _l("Set an agent's phone and seat"),
    "audit.export": _l("Exported the audit log"),
    # Rosters (helpdesk.exams).
    "roster.import": _l("Imported a roster"),
    "exam_session.save": _l("Saved an exam session"),
    # Tickets (helpdesk.tickets).
    "ticket.reply": _l("Replied to a ticket"),
    "ticket.note": _l("Added an internal note"),
    "ticket.status": _l("Changed a ticket's status"),
    "ticket.assign": _l("Assigned a ticket"),
    "ticket.merge": _l("Merged a duplicate ticket"),
    "ticket.export": _l("Exported the tickets"),
    "privacy.erase": _l("Erased an exam session's personal data (retention period over)"),
    "exam.results_published": _l("Recorded that an exam session's results are published"),
    "canned_reply.save": _l("Saved a canned reply"),
    "canned_reply.retire": _l("Retired a canned reply"),
    "canned_reply.restore": _l("Offered a canned reply again"),
    "candidate.panel_view": _l("Opened a candidate's panel"),
    # Knowledge base (helpdesk.knowledge).
    "article.save": _l("Saved a help article"),
    # Uploads (helpdesk.uploads).
    "uploads.export": _l("Exported the upload follow-up list"),
    "uploads.guidance_add": _l("Added upload guidance"),
    "uploads.guidance_edit": _l("Edited upload guidance"),
    # SMS outbox (helpdesk.notify).
    "sms.retry": _l("Sent a failed SMS again"),
    # Reminders (helpdesk.reminders).
    "reminder.send": _l("Sent a reminder to a segment"),
}

TARGET_LABELS = {
    "staff": _l("Staff account"),
    "ticket": _l("Ticket"),
    "candidate": _l("Candidate"),
    "article": _l("Help article"),
    "canned_reply": _l("Canned reply"),
    "exam_session": _l("Exam session"),
    "sms": _l("SMS"),
}

DETAIL_LABELS = {
    "username": _l("Account"),
    "role": _l("Role"),
    "previous": _l("Before"),
    "status": _l("Status"),
    "second_factor": _l("Second step"),
    "sessions": _l("Sessions ended"),
    "two_factor_for_everyone": _l("Two-factor sign-in for agents too"),
    "file": _l("File"),
    "rows": _l("Rows"),
    "invalid": _l("Invalid rows"),
    "exam_session": _l("Exam session"),
    "entry": _l("Guidance entry"),
    "code": _l("Code"),
    "message_id": _l("Message"),
    "into": _l("Merged into"),
    "assignee": _l("Assigned to"),
    "filters": _l("Filters"),
    "staff": _l("Staff member"),
    "action": _l("Action"),
    "since": _l("From"),
    "until": _l("To"),
    "segment": _l("Segment"),
    "check": _l("Check"),
    "kind": _l("Message"),
    "recipients": _l("Candidates texted"),
    "skipped": _l("Skipped (reminded that day)"),
    "origin": _l("Sent by"),
    "trigger": _l("Calendar moment"),
    "send_at": _l("Goes at"),
}

#: Values that are codes (roles, ticket statuses, how a sign-in was finished).
VALUE_LABELS = {
    "agent": _l("Agent"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Admin"),
    "new": _l("New ticket"),
    "open": _l("Being handled"),
    "waiting_candidate": _l("Waiting for the candidate"),
    "resolved": _l("Solved"),
    "closed": _l("Closed ticket"),
    "totp": _l("code from the authenticator app"),
    "recovery_code": _l("recovery code"),
    "none": _l("password only"),
    "never_ran_agent": _l("Never ran the agent"),
    "agent_failed": _l("PC not ready (agent verdict fail)"),
    "never_ran_phone": _l("Never ran the phone check"),
    "uploads_incomplete": _l("Uploads incomplete after the exam"),
    "reminder_run_agent": _l("Reminder: run the device check"),
    "reminder_fix_pc": _l("Reminder: fix the computer"),
    "reminder_phone_check": _l("Reminder: check the phone"),
    "reminder_finish_uploads": _l("Reminder: finish the uploads"),
    "manual": _l("by a supervisor"),
    "automatic": _l("automatic"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target_label(target_type: str | None, target_id: str | None, detail: dict[str, Any]) -> str:
    """E.g. "Staff account li.agent", "Ticket T230104-0001"."""
    if not target_type:
        return ""
    name = detail.get("username") if target_type == "staff" else None
    return f"{TARGET_LABELS.get(target_type, target_type)} {name or target_id or ''}".strip()


def value_label(value: Any) -> str:
    if value is True:
        return str(_l("yes"))
    if value is False:
        return str(_l("no"))
    if value is None:
        return str(_l("nobody"))
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k)}: {value_label(v)}" for k, v in value.items())
    return str(value)


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def describe(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The details as (name, value) in words, in the order they were recorded."""
    return [(detail_label(k), value_label(v)) for k, v in (detail or {}).items()]
