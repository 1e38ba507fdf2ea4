"""The wait a candidate is promised, and the staff a session needs, from one model.

- Agents **on duty**: active, not paused (`Staff.available`) and with a console seen in
  the last CALLBACK_PRESENCE_SECONDS (presence.py keeps the heartbeat).
- **Call length**: a prior of CALLBACK_DEFAULT_CALL_SECONDS that counts for
  CALLBACK_PRIOR_CALLS calls, shrunk towards the recent calls as they accumulate (one 3-second
  test call moves it by a few seconds, two hundred real calls decide it).
- **The wait** of a request with `ahead` requests before it (its urgency and above): the
  free agents take the first ones; the rest wait for calls to end, which with `agents` on duty
  happen at a rate of agents / (call + pickup). The time to the k-th ending is a gamma
  variable; the range shown is its 5th to 95th percentile widened by the uncertainty of the
  call length, plus the pickup (claim and dial). Nobody on duty: no number at all.

The pure functions (`call_length`, `wait_range`) take no session, so a simulated queue can
check them (tests/callbacks/test_estimate.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, literal, select, tuple_
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import AgentPresence, CallAttempt, HelpRequest, HelpStatus
from helpdesk.callbacks.settings import Settings
from helpdesk.db import in_fixed, seconds_of
from helpdesk.identity.models import Staff

#: The spread assumed for call lengths before any call (coefficient of variation).
PRIOR_CV = 0.6
#: Recent calls the call length learns from.
HISTORY = timedelta(hours=6)
HISTORY_LIMIT = 300
#: A call length outside these bounds is a mistake (a test click, a forgotten outcome).
SHORTEST, LONGEST = 5.0, 3600.0
#: z of the 5th and 95th percentiles, widened for the uncertainty of the model itself.
Z_LOW, Z_HIGH = -1.8, 1.8


@dataclass(frozen=True)
class CallLength:
    """The call length the desk plans with: mean, spread, and how many calls taught it."""

    mean: float
    sd: float
    calls: int
    #: The calls the mean stands on: the prior's weight plus the calls seen.
    weight: int = 1

    @property
    def standard_error(self) -> float:
        return self.sd / math.sqrt(max(1, self.weight))


@dataclass(frozen=True)
class WaitRange:
    """Seconds from now until the first call, low to high, and the point in between."""

    low: int
    high: int
    point: int


def call_length(lengths: list[float], *, prior: float, prior_calls: int) -> CallLength:
    """Shrink the recent call lengths towards the prior, which counts for prior_calls calls."""
    seen = [min(LONGEST, max(SHORTEST, x)) for x in lengths if x > 0]
    return call_length_of_sums(
        len(seen), sum(seen), sum(x * x for x in seen), prior=prior, prior_calls=prior_calls
    )


def call_length_of_sums(
    n: int, total: float, squares: float, *, prior: float, prior_calls: int
) -> CallLength:
    """call_length() from the count, sum and sum of squares of the clamped lengths (what
    one SQL statement returns)."""
    w = max(1, prior_calls)
    prior_var = (PRIOR_CV * prior) ** 2
    if n == 0:
        return CallLength(float(prior), math.sqrt(prior_var), 0, w)
    sample_mean = total / n
    sample_var = max(0.0, squares - n * sample_mean**2) / max(1, n - 1)
    mean = (w * prior + n * sample_mean) / (w + n)
    var = (w * prior_var + (n - 1) * sample_var) / (w + n - 1)
    return CallLength(mean, math.sqrt(var), n, w + n)


def _gamma_quantile(shape: float, z: float) -> float:
    """The quantile of a Gamma(shape, 1) variable at standard-normal z (Wilson-Hilferty)."""
    c = 1.0 / (9.0 * shape)
    return shape * max(0.0, 1.0 - c + z * math.sqrt(c)) ** 3


def wait_range(
    *,
    ahead: int,
    agents: int,
    busy: int,
    length: CallLength,
    pickup: float,
    not_before: float = 0.0,
) -> WaitRange | None:
    """How long until a request with `ahead` before it is called; None with nobody on duty.

    `busy` agents on duty hold a request now; `not_before` is the seconds until the request
    may be called at all (a retry's delay).
    """
    if agents <= 0:
        return None
    free = max(0, agents - max(0, busy))
    endings = ahead + 1 - free
    cycle = length.mean + pickup
    if endings <= 0:
        low, point, high = 0.0, pickup * 0.5, pickup * 2
    else:
        # Endings among `agents` busy agents: one agent's come as regularly as its calls
        # (their CV), many agents' merge into a Poisson stream (CV 1).
        cv2 = min(1.0, (length.sd / max(1.0, length.mean)) ** 2)
        cv2 = (cv2 + agents - 1) / agents
        shape, scale = endings / cv2, cycle / agents * cv2
        # The uncertainty of the mean call length scales the whole wait.
        rel = length.standard_error / max(1.0, length.mean)
        low = _gamma_quantile(shape, Z_LOW) * scale * max(0.0, 1 - 1.8 * rel)
        high = _gamma_quantile(shape, Z_HIGH) * scale * (1 + 1.8 * rel) + pickup
        point = _gamma_quantile(shape, 0.0) * scale + pickup * 0.5
    if not_before > 0:
        low, point = max(low, not_before), max(point, not_before + pickup * 0.5)
        high = max(high, not_before + pickup * 2)
    return WaitRange(round(low), round(max(high, point)), round(point))


# --- what the database says ------------------------------------------------------------------


@cache
def _on_duty() -> Any:
    """Agents on duty: active, not paused, console seen since the bound `seen_since`."""
    return (
        select(Staff.id)
        .join(AgentPresence, AgentPresence.staff_id == Staff.id)
        .where(
            Staff.active.is_(True),
            Staff.available.is_(True),
            AgentPresence.seen_at >= bindparam("seen_since"),
        )
    )


def _seen_since(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.presence_seconds)


def on_duty_ids(session: Session, *, settings: Settings, now: datetime) -> list[int]:
    """Agents on duty: active, not paused, console seen lately."""
    return list(session.scalars(_on_duty(), {"seen_since": _seen_since(settings, now)}))


def busy_count(session: Session, staff_ids: list[int]) -> int:
    """How many of these agents hold a request now (claimed or calling)."""
    if not staff_ids:
        return 0
    return int(
        session.scalar(
            select(func.count(func.distinct(HelpRequest.claimed_by_id))).where(
                HelpRequest.claimed_by_id.in_(staff_ids),
                HelpRequest.status.in_([HelpStatus.CLAIMED, HelpStatus.CALLING]),
            )
        )
        or 0
    )


def learned_length(session: Session, *, settings: Settings, now: datetime) -> CallLength:
    """The call length from the prior and the calls that ended in the last six hours."""
    rows = session.execute(
        select(CallAttempt.started_at, CallAttempt.ended_at)
        .where(CallAttempt.ended_at.is_not(None), CallAttempt.started_at >= now - HISTORY)
        .order_by(CallAttempt.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    lengths = [(end - start).total_seconds() for start, end in rows if end is not None]
    return call_length(
        lengths, prior=float(settings.default_call_seconds), prior_calls=settings.prior_calls
    )


@dataclass(frozen=True)
class Desk:
    """The desk as the estimate sees it at one moment."""

    agents: int
    busy: int
    length: CallLength


def desk_now(session: Session, *, settings: Settings, now: datetime) -> Desk:
    return desk_and_ahead(session, settings=settings, now=now)[0]


@cache
def queue_ahead() -> Any:
    """The count of waiting requests called before the one whose `priority`, `created_at`
    and `request_id` are bound (its place in the queue minus one): the queue's order."""
    # A row comparison, not the same order spelled out with OR: PostgreSQL reads it as one
    # range of ix_help_requests_queue, an index-only scan (EXPLAIN ANALYZE with 3,000
    # waiting: 0.7 ms, against 1.0-1.4 ms for the OR form's bitmap scan).
    return (
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.status == HelpStatus.WAITING,
            tuple_(HelpRequest.priority, HelpRequest.created_at, HelpRequest.id)
            < tuple_(
                bindparam("priority", type_=HelpRequest.priority.type),
                bindparam("created_at", type_=HelpRequest.created_at.type),
                bindparam("request_id", type_=HelpRequest.id.type),
            ),
        )
    )


def ahead_params(request: HelpRequest) -> dict[str, Any]:
    """What queue_ahead() binds for request."""
    return {
        "priority": request.priority,
        "created_at": request.created_at,
        "request_id": request.id,
    }


@cache
def _desk_statement(dialect: str, with_ahead: bool) -> Any:
    """The desk statement, built once per process (building and keying it cost more than
    running it): every moment-dependent value is a bound parameter."""
    on_duty = _on_duty().subquery()
    seconds = seconds_of(dialect, CallAttempt.started_at, CallAttempt.ended_at)
    recent = (
        select(seconds.label("s"))
        .where(
            CallAttempt.ended_at.is_not(None), CallAttempt.started_at >= bindparam("history_since")
        )
        .order_by(CallAttempt.id.desc())
        .limit(HISTORY_LIMIT)
        .subquery()
    )
    clamped = case(
        (recent.c.s > LONGEST, LONGEST), (recent.c.s < SHORTEST, SHORTEST), else_=recent.c.s
    )
    sums = (
        select(
            func.count(clamped).label("n"),
            func.sum(clamped).label("total"),
            func.sum(clamped * clamped).label("squares"),
        )
        .where(recent.c.s > 0)
        .subquery()
    )
    return select(
        select(func.count()).select_from(on_duty).scalar_subquery(),
        select(func.count(func.distinct(HelpRequest.claimed_by_id)))
        .where(
            HelpRequest.claimed_by_id.in_(select(on_duty.c.id)),
            in_fixed(HelpRequest.status, (HelpStatus.CLAIMED, HelpStatus.CALLING)),
        )
        .scalar_subquery(),
        sums.c.n,
        sums.c.total,
        sums.c.squares,
        queue_ahead().scalar_subquery() if with_ahead else literal(0),
    ).select_from(sums)


def desk_params(settings: Settings, now: datetime) -> dict[str, Any]:
    """What the desk statement binds besides the place in the queue."""
    return {"seen_since": _seen_since(settings, now), "history_since": now - HISTORY}


def desk_subquery(dialect: str) -> Any:
    """The desk and the place in the queue as a subquery, for a statement that reads them
    beside something else (a press's INSERT): its columns are agents, busy, n, total,
    squares and ahead, bound by desk_params() and queue_ahead()'s parameters."""
    return _desk_statement(dialect, True).subquery("desk")


#: session.info key of the desk and place a press read with its INSERT (remember()).
_READ_WITH_INSERT = "callbacks.desk_read_with_insert"


def remember(
    session: Session, request: HelpRequest, row: tuple[Any, ...], *, settings: Settings
) -> None:
    """Keep the desk and place that were read with request's INSERT (agents, busy, n,
    total, squares, ahead) for desk_and_ahead(behind=request) in the same transaction."""
    session.info[_READ_WITH_INSERT] = (request.id, _desk_of(row, settings))


def _desk_of(row: Any, settings: Settings) -> tuple[Desk, int]:
    agents, busy, n, total, squares, before = row
    length = call_length_of_sums(
        int(n or 0),
        float(total or 0),
        float(squares or 0),
        prior=float(settings.default_call_seconds),
        prior_calls=settings.prior_calls,
    )
    return Desk(agents=int(agents or 0), busy=int(busy or 0), length=length), int(before or 0)


def desk_and_ahead(
    session: Session, *, settings: Settings, now: datetime, behind: HelpRequest | None = None
) -> tuple[Desk, int]:
    """The desk and, for a waiting request `behind`, how many wait before it, in one
    statement: the agents on duty, how many of them hold a request, and the sums
    call_length_of_sums() takes over the calls that ended in the last six hours. For a
    request just stored with remember(), no statement: what its INSERT read."""
    if behind is not None:
        known = session.info.pop(_READ_WITH_INSERT, None)
        if known is not None and known[0] == behind.id:
            return known[1]
    params = desk_params(settings, now)
    if behind is not None:
        params.update(ahead_params(behind))
    statement = _desk_statement(session.get_bind().dialect.name, behind is not None)
    # Plain rows of numbers: the connection runs it without the ORM's result machinery.
    return _desk_of(session.connection().execute(statement, params).one(), settings)


def for_request(
    session: Session,
    request: HelpRequest,
    *,
    place: int,
    settings: Settings,
    now: datetime,
    desk: Desk | None = None,
) -> WaitRange | None:
    """The wait of a waiting request at queue position `place` (1 is next)."""
    desk = desk or desk_now(session, settings=settings, now=now)
    return wait_range(
        ahead=max(0, place - 1),
        agents=desk.agents,
        busy=desk.busy,
        length=desk.length,
        pickup=float(settings.pickup_seconds),
        not_before=max(0.0, (request.due_at - now).total_seconds()),
    )
