"""The wallboard's day in figures for its charts: how many candidates waited for a first
call at each hour, and how long the first call took for the requests of each hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import HelpRequest, HelpStatus
from helpdesk.callbacks.stats import percentile


@dataclass
class DaySeries:
    hours: list[str]
    #: Waiting for a first call at the end of each hour (now, for the current hour).
    waiting: list[float | None]
    #: Median seconds from the press to the first call, for requests raised in each hour.
    median_to_call: list[float | None]


def today(session: Session, *, now: datetime, timezone: str = "Asia/Shanghai") -> DaySeries:
    """Today's hours so far, in the exam's time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = session.execute(
        select(HelpRequest.created_at, HelpRequest.first_call_at, HelpRequest.status).where(
            HelpRequest.created_at >= start, HelpRequest.reason.is_(None)
        )
    ).all()
    hours = list(range(local.hour + 1))
    waiting: list[float | None] = []
    medians: list[float | None] = []
    for h in hours:
        mark = min(now, start + timedelta(hours=h + 1))
        waiting.append(
            float(
                sum(
                    1
                    for created, first, status in rows
                    if created <= mark and (first > mark if first else status == HelpStatus.WAITING)
                )
            )
        )
        begin, end = start + timedelta(hours=h), start + timedelta(hours=h + 1)
        waits = [
            (first - created).total_seconds()
            for created, first, _status in rows
            if first is not None and begin <= created < end
        ]
        medians.append(percentile(waits, 0.5))
    return DaySeries([f"{h:02d}" for h in hours], waiting, medians)
