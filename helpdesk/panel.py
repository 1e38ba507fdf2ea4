"""The candidate panel staff see beside a ticket or a help request.

Each capability registers a section (its own template and loader) so the panel grows with
the desk without one module knowing them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.identity.models import Candidate


@dataclass(frozen=True)
class Section:
    key: str
    title: object  # lazy translated string
    #: Rendered with the loader's mapping as context, e.g. "tickets/_panel.html".
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
