"""The candidate panel staff see beside a ticket or a help request.

Each capability registers a section (its own template and loader, in its staff views) so
the panel grows with the desk without one module knowing them all; render() draws the
roster data, the exam sessions and their phases, then every section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import Session

from helpdesk.identity.models import Candidate


@dataclass(frozen=True)
class Section:
    key: str
    title: object  # lazy translated string
    #: Rendered with the loader's mapping as context, e.g. "tickets/_panel_tickets.html".
    template: str
    loader: Callable[[Session, Candidate], dict[str, Any]]
    order: int


_SECTIONS: dict[str, Section] = {}


def add_section(
    key: str,
    title: object,
    template: str,
    loader: Callable[[Session, Candidate], dict[str, Any]],
    *,
    order: int,
) -> None:
    """Register (or replace) the panel section key."""
    _SECTIONS[key] = Section(key, title, template, loader, order)


def sections(session: Session, candidate: Candidate) -> list[tuple[Section, dict[str, Any]]]:
    """Every section with its loaded context, in order."""
    return [
        (s, s.loader(session, candidate)) for s in sorted(_SECTIONS.values(), key=lambda s: s.order)
    ]


def render(
    session: Session, candidate: Candidate, *, now: datetime, current: object | None = None
) -> Markup:
    """The whole panel as HTML: the header, then each section in its own template.

    `current` is the object the page is about (the ticket being answered), passed to every
    section's template so it can mark or leave it out.
    """
    rendered = [
        (
            section,
            Markup(  # noqa: S704 - autoescaped template output
                render_template(
                    section.template, **{"candidate": candidate, "current": current, **context}
                )
            ),
        )
        for section, context in sections(session, candidate)
    ]
    exam_sessions = sorted((e.exam_session for e in candidate.enrollments), key=lambda s: s.starts)
    return Markup(  # noqa: S704 - autoescaped template output
        render_template(
            "panel/_panel.html",
            candidate=candidate,
            now=now,
            sessions=exam_sessions,
            sections=rendered,
        )
    )
