"""Navigation entries, registered by each capability next to its views."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from helpdesk.identity.auth import current_candidate, current_staff
from helpdesk.identity.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    order: int
    #: "candidate", or the least staff role that sees the entry.
    audience: str


_ITEMS: list[NavItem] = []


def add(endpoint: str, label: object, *, order: int, audience: str) -> None:
    """Show a link to endpoint in the menu of audience (idempotent)."""
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, order, audience))


def items() -> list[NavItem]:
    """The entries the current visitor may open, in order."""
    staff = current_staff()
    visible = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.endpoint not in current_app.view_functions:
            continue
        if item.audience == "candidate":
            if current_candidate() is not None:
                visible.append(item)
        elif staff is not None and Role(staff.role).includes(Role(item.audience)):
            visible.append(item)
    return visible
