"""Storing a new help request: one INSERT that the unique indexes keep to one request per
key and one open request per candidate and exam session; on PostgreSQL the same statement
also reads the desk and the new request's place in the queue."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from helpdesk.callbacks import estimate
from helpdesk.callbacks.models import HelpRequest
from helpdesk.callbacks.settings import Settings
from helpdesk.db import is_postgres
from helpdesk.inserts import insert_cte, insert_returning_or_nothing, stored_entity

#: No id is larger: the column is a 32-bit INTEGER on PostgreSQL.
_ANY_ID = 2**31 - 1


def stored_request(
    session: Session, values: dict[str, Any], *, settings: Settings | None, now: datetime
) -> HelpRequest | None:
    """The new request stored (None when the unique indexes refused it). On PostgreSQL with
    settings, in the same statement: the desk and how many wait before it (a CTE), one
    round trip less per press."""
    if settings is None or not is_postgres(session):
        stored: HelpRequest | None = insert_returning_or_nothing(session, HelpRequest, values)
        return stored
    statement, returned = _insert_with_desk(frozenset(values))
    params = {f"new_{key}": value for key, value in values.items()}
    params |= estimate.desk_params(settings, now)
    # The new row is not in the statement's snapshot, and every row it could see has a
    # smaller id: whatever waits with the same priority and time is ahead of it.
    params |= {"priority": values["priority"], "created_at": values["created_at"]}
    params["request_id"] = _ANY_ID
    row = session.connection().execute(statement, params).first()
    if row is None:
        return None
    request: HelpRequest = stored_entity(session, HelpRequest, values, returned, row)
    estimate.remember(session, request, tuple(row[len(returned) :]), settings=settings)
    return request


@cache
def _insert_with_desk(keys: frozenset[str]) -> tuple[Any, list[str]]:
    """The INSERT (a CTE) with the desk and the place in the queue beside its row."""
    stored, returned = insert_cte(HelpRequest, keys)
    desk = estimate.desk_subquery("postgresql")
    return select(stored, desk).select_from(stored.join(desk, true())), returned
