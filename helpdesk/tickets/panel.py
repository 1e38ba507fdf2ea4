"""The candidate panel: roster data, exam sessions and phases, then every registered section."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import panel
from helpdesk.identity.models import Candidate
from helpdesk.tickets.models import Ticket


def _tickets(session: Session, candidate: Candidate) -> dict[str, Any]:
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.candidate_id == candidate.id)
            .order_by(Ticket.created_at.desc())
            .limit(20)
        )
    )
    return {"tickets": tickets}


panel.add_section("tickets", _l("Tickets"), "tickets/_panel_tickets.html", _tickets, order=10)


def render_panel(
    session: Session, candidate: Candidate, *, now: datetime, current: Ticket | None = None
) -> Markup:
    """The whole panel as HTML: the header, then each section in its own template."""
    rendered = [
        (
            section,
            Markup(  # noqa: S704 - autoescaped template output
                render_template(
                    section.template, **{"candidate": candidate, "current": current, **context}
                )
            ),
        )
        for section, context in panel.sections(session, candidate)
    ]
    sessions = sorted((e.exam_session for e in candidate.enrollments), key=lambda s: s.starts)
    return Markup(  # noqa: S704 - autoescaped template output
        render_template(
            "tickets/_panel.html",
            candidate=candidate,
            now=now,
            sessions=sessions,
            sections=rendered,
        )
    )
