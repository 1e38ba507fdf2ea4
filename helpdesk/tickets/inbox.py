"""The staff inbox: filters, search and counts, each answered from an index."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from helpdesk.db import IdList, UTCDateTime, among, in_fixed, place_among
from helpdesk.exams.models import ExamSession
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Candidate, Staff
from helpdesk.tickets import textsearch, unread
from helpdesk.tickets.models import ACTIVE_STATUSES, Ticket, TicketStatus
from helpdesk.tickets.services import normalise_number

PAGE_SIZE = 25
#: Counts stop here (the inbox shows "1000+", and 40 pages), so they cost the same at any
#: size: counting to 10,000 read 10,000 index entries on every page, the costliest part of
#: its statements, to tell an agent what "1000+" tells them (filter or search instead).
COUNT_CAP = 1_000
#: The status tabs stop sooner ("1000+"): six of them on every inbox page, each read from its
#: index up to the cap, cost more than the page itself at 10,000 each.
TAB_CAP = 1_000
SLA_STATES = ("overdue", "breached", "running", "paused")
_STATUSES = frozenset(s.value for s in TicketStatus)


@dataclass
class InboxFilter:
    """What the inbox shows; every field optional ("active" is the default status)."""

    status: str = "active"
    category: str | None = None
    exam_session_id: int | None = None
    priority: int | None = None
    #: a staff id, or "none" for unassigned tickets
    assignee: str | None = None
    sla: str | None = None
    q: str = ""
    page: int = 1


@dataclass
class InboxPage:
    #: The page's rows: the columns the inbox shows (_ROW), not loaded entities.
    tickets: list[Any]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int] = field(default_factory=dict)
    #: A text search matched more tickets than it ranks: the best of them are shown.
    best_only: bool = False
    #: Where the status counts stop (shown(count, tab_cap) says "1000+").
    tab_cap: int = TAB_CAP
    #: The shown tickets the reader has not opened since the candidate last wrote.
    unread: set[int] = field(default_factory=set)
    #: More tickets match than the pages reach: how many they list (COUNT_CAP), else 0;
    #: the last page then says to narrow the list.
    listed_at_most: int = 0


def _matching_candidates(session: Session, q: str) -> list[int]:
    conditions: list[Any] = [Candidate.admission_number == q.upper(), Candidate.name == q]
    with contextlib.suppress(phones.InvalidPhone):
        conditions.append(Candidate.phone == phones.normalise(q))
    return list(session.scalars(select(Candidate.id).where(or_(*conditions)).limit(200)))


@dataclass
class _Search:
    """What a query found: the ticket number it names, or the candidates and text matches."""

    number: str | None = None
    candidate_ids: list[int] = field(default_factory=list)
    phone: str | None = None
    #: Tickets whose text contains the query, best match first.
    ranked: list[int] = field(default_factory=list)


def _look_up(session: Session, q: str) -> _Search:
    number = normalise_number(q) if q.upper().startswith("T") else None
    if number is not None:
        return _Search(number=number)
    found = _Search(candidate_ids=_matching_candidates(session, q))
    with contextlib.suppress(phones.InvalidPhone):
        found.phone = phones.normalise(q)
    found.ranked = textsearch.matching(session, q)
    return found


def _search(query: Select[Any], searching: str | None) -> Select[Any]:
    """The search's condition, its values bound: the ticket number named, or the
    candidates' tickets, the phone's and the text matches (empty lists match nothing)."""
    if searching == "number":
        return query.where(Ticket.number == bindparam("number"))
    return query.where(
        or_(
            among(Ticket.candidate_id, bindparam("candidate_ids", type_=IdList())),
            Ticket.phone == bindparam("phone"),
            among(Ticket.id, bindparam("ranked", type_=IdList())),
        )
    )


def _order(searching: str | None) -> list[Any]:
    """Most urgent and oldest first; for a search, the candidate's own tickets first and
    then the best text matches."""
    usual = [Ticket.priority, Ticket.created_at, Ticket.id]
    if searching != "words":
        return usual
    return [func.coalesce(place_among(Ticket.id, bindparam("ranked", type_=IdList())), 0), *usual]


def _searching(found: _Search | None) -> str | None:
    """Which search condition the statements carry: none, a ticket number, or words."""
    if found is None:
        return None
    return "number" if found.number is not None else "words"


def _search_params(found: _Search | None) -> dict[str, Any]:
    if found is None:
        return {}
    if found.number is not None:
        return {"number": found.number}
    return {"candidate_ids": found.candidate_ids, "phone": found.phone, "ranked": found.ranked}


def _shape(f: InboxFilter) -> tuple[Any, ...]:
    """Which conditions a filter adds, whatever their values: statements are built once per
    shape and the values bound (building and keying the inbox's statements cost more than
    running them)."""
    status = "active" if f.status == "active" else ("one" if f.status in _STATUSES else None)
    assignee = None
    if f.assignee == "none":
        assignee = "none"
    elif f.assignee and f.assignee.isdigit():
        assignee = "one"
    return (
        status,
        bool(f.category),
        f.exam_session_id is not None,
        f.priority is not None,
        assignee,
        f.sla if f.sla in SLA_STATES else None,
    )


def _params(f: InboxFilter, now: datetime) -> dict[str, Any]:
    """The values _filtered's bound parameters take for f."""
    return {
        "status": f.status,
        "category": f.category,
        "exam_session_id": f.exam_session_id,
        "priority": f.priority,
        "assignee_id": int(f.assignee) if f.assignee and f.assignee.isdigit() else None,
        "now": now,
    }


def _filtered(shape: tuple[Any, ...], query: Select[Any], searching: str | None) -> Select[Any]:
    status, category, exam, priority, assignee, sla = shape
    if status == "active":
        query = query.where(in_fixed(Ticket.status, ACTIVE_STATUSES))
    elif status == "one":
        query = query.where(Ticket.status == bindparam("status"))
    if category:
        query = query.where(Ticket.category == bindparam("category"))
    if exam:
        query = query.where(Ticket.exam_session_id == bindparam("exam_session_id"))
    if priority:
        query = query.where(Ticket.priority == bindparam("priority"))
    if assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee == "one":
        query = query.where(Ticket.assignee_id == bindparam("assignee_id"))
    if sla == "overdue":
        query = query.where(Ticket.due_at <= bindparam("now"))
    elif sla == "breached":
        query = query.where(Ticket.breached_at.is_not(None))
    elif sla == "running":
        query = query.where(Ticket.due_at > bindparam("now"))
    elif sla == "paused":
        query = query.where(Ticket.sla_paused_seconds.is_not(None))
    if searching is not None:
        query = _search(query, searching)
    return query


def _capped_count(query: Select[Any], cap: int | None = None) -> Select[Any]:
    """Count at most cap + 1 rows (COUNT_CAP unless given): beyond that the page says "1000+"."""
    limit = (COUNT_CAP if cap is None else cap) + 1
    return select(func.count()).select_from(query.limit(limit).subquery())


def _tab_cap() -> int:
    return min(COUNT_CAP, TAB_CAP)


def inbox(
    session: Session, f: InboxFilter, *, now: datetime, reader_id: int | None = None
) -> InboxPage:
    """One page of tickets, most urgent and oldest first, with the counts per status and, for
    reader_id, which of them are unread: two statements (four with a search: its candidates
    and its text matches), each built once per filter shape and answered from indexes."""
    found = _look_up(session, f.q.strip()[:64]) if f.q.strip() else None
    shape, searching = _shape(f), _searching(found)
    params = {**_params(f, now), **_search_params(found)}
    statuses = list(TicketStatus)
    summed = _tabs_summed(shape, searching, f.status)
    counts = _counts_statement(shape, COUNT_CAP, _tab_cap(), searching, summed is None)
    row = session.execute(counts, params).one()
    if summed is None:
        total, *per_status = row
        total = int(total or 0)
    else:
        per_status = list(row)
        total = sum(int(n) for s, n in zip(statuses, per_status, strict=True) if s in summed)
    pages = max(1, math.ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = min(max(1, f.page), pages)
    rows = session.execute(
        _page_statement(shape, reader_id is not None, searching),
        {**params, "reader_id": reader_id, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
    ).all()
    tickets = list(rows)
    best_only = found is not None and len(found.ranked) >= textsearch.LIMIT
    by_status = _with_totals({s.value: int(n) for s, n in zip(statuses, per_status, strict=True)})
    marked = {row.id for row in rows if row.unread}
    listed = COUNT_CAP if total > COUNT_CAP and not best_only else 0
    return InboxPage(tickets, total, page, pages, by_status, best_only, _tab_cap(), marked, listed)


def _tabs_summed(
    shape: tuple[Any, ...], searching: str | None, status: str
) -> frozenset[TicketStatus] | None:
    """The statuses whose tab counts add up to the page's total, when the filter is a tab
    alone (the default inbox, one status, all tickets; no other condition, no search), else
    None. Each tab counts to the cap and one more, so their sum passes the cap exactly when
    the total does: the page's own count of the same rows (for the default inbox the
    costliest of its counts, about 6,000 index entries read for 1,001 counted) is not sent."""
    if searching is not None or any(shape[1:]) or _tab_cap() < COUNT_CAP:
        return None
    if shape[0] == "active":
        return frozenset(ACTIVE_STATUSES)
    if shape[0] == "one":
        return frozenset({TicketStatus(status)})
    return frozenset(TicketStatus)


@cache
def _counts_statement(
    shape: tuple[Any, ...],
    count_cap: int,
    tab_cap: int,
    searching: str | None,
    with_total: bool = True,
) -> Select[Any]:
    """The filtered total (unless with_total is False: _tabs_summed) and the capped status
    counts, in one statement."""
    tabs = _status_counts(list(TicketStatus), tab_cap)
    if not with_total:
        return select(*tabs)
    filtered = _filtered(shape, select(Ticket.id), searching)
    return select(_capped_count(filtered, count_cap).scalar_subquery(), *tabs)


#: What a row of the inbox shows: no more is read, and no entity is loaded for it.
_ROW = (
    Ticket.id,
    Ticket.number,
    Ticket.category,
    Ticket.status,
    Ticket.priority,
    Ticket.subject,
    Ticket.due_at,
    Ticket.breached_at,
    Ticket.sla_paused_seconds,
    Candidate.name.label("candidate_name"),
    Candidate.admission_number,
    Staff.display_name.label("assignee_name"),
)


@cache
def _page_statement(shape: tuple[Any, ...], with_reader: bool, searching: str | None) -> Any:
    """The page's ids from the indexes alone, joined to the columns a row shows (its
    candidate's and assignee's names), with each one's unread mark for the bound reader."""
    ids = (
        _filtered(shape, select(Ticket.id), searching)
        .order_by(*_order(searching))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    unread_column = unread.is_unread(bindparam("reader_id")) if with_reader else literal(False)
    return (
        select(*_ROW, unread_column.label("unread"))
        .join(ids, ids.c.id == Ticket.id)
        .join(Candidate, Candidate.id == Ticket.candidate_id)
        .outerjoin(Staff, Staff.id == Ticket.assignee_id)
        .order_by(*_order(searching))
    )


def _status_counts(statuses: list[TicketStatus], tab_cap: int) -> list[Any]:
    """Each status's count up to TAB_CAP + 1 from its index (scalar subqueries).

    Counting every row of a large status costs a scan proportional to its size; nobody
    needs to know whether there are 4,000 or 41,000 closed tickets, so each stops early.
    """
    return [
        _capped_count(select(Ticket.id).where(Ticket.status == s), tab_cap).scalar_subquery()
        for s in statuses
    ]


def _with_totals(counts: dict[str, int]) -> dict[str, int]:
    counts["active"] = sum(counts[s.value] for s in ACTIVE_STATUSES)
    counts["all"] = sum(counts[s.value] for s in TicketStatus)
    return counts


def status_counts(session: Session) -> dict[str, int]:
    """How many tickets each status has, each counted up to TAB_CAP + 1."""
    statuses = list(TicketStatus)
    row = session.execute(select(*_status_counts(statuses, _tab_cap()))).one()
    return _with_totals({s.value: int(n) for s, n in zip(statuses, row, strict=True)})


@dataclass(frozen=True)
class Choice:
    """An option of the inbox's filters: an exam session (its code) or an agent."""

    id: int
    code: str
    display_name: str


def filter_choices(session: Session) -> tuple[list[Choice], list[Choice]]:
    """(exam sessions by start, active staff by username) in one statement."""
    rows = session.execute(_choices_statement()).all()
    return (
        [Choice(r.id, r.label, r.label) for r in rows if r.kind == "s"],
        [Choice(r.id, "", r.label) for r in rows if r.kind == "a"],
    )


@cache
def _choices_statement() -> Select[Any]:
    sessions = select(
        literal("s").label("kind"),
        ExamSession.id,
        ExamSession.code.label("label"),
        ExamSession.starts.label("starts"),
        literal(None, String).label("username"),
    )
    agents = select(
        literal("a"),
        Staff.id,
        Staff.display_name,
        literal(None, UTCDateTime()),
        Staff.username,
    ).where(Staff.active.is_(True))
    both = union_all(sessions, agents).subquery()
    return select(both).order_by(both.c.kind.desc(), both.c.starts, both.c.username, both.c.id)


def shown(count: int, cap: int | None = None) -> str:
    """A count as the inbox shows it: exact up to cap (COUNT_CAP), then "1000+"."""
    cap = COUNT_CAP if cap is None else cap
    return f"{cap}+" if count > cap else str(count)
