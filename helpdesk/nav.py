"""Navigation entries, registered by each capability next to its views."""

from __future__ import annotations

from collections.abc import Mapping
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


def items() -> tuple[NavItem, ...]:
    """The entries the current visitor may open, in order."""
    staff = current_staff()
    if staff is not None:
        audience = str(staff.role)
    elif current_candidate() is not None:
        audience = "candidate"
    else:
        return ()
    # The same for everyone of an audience: worked out once per app (every capability
    # registers its entries when its views are imported, before the app serves a request).
    menus: dict[str, tuple[NavItem, ...]] = current_app.extensions.setdefault("nav_menus", {})
    menu = menus.get(audience)
    if menu is None:
        menu = menus[audience] = _menu(audience, current_app.view_functions)
    return menu


def _menu(audience: str, views: Mapping[str, object]) -> tuple[NavItem, ...]:
    """The entries of audience ("candidate" or a staff role) whose views the app has."""

    def shown(item: NavItem) -> bool:
        if item.endpoint not in views:
            return False
        if audience == "candidate" or item.audience == "candidate":
            return item.audience == audience
        return Role(audience).includes(Role(item.audience))

    return tuple(item for item in sorted(_ITEMS, key=lambda i: i.order) if shown(item))
