"""Phone sign-in links: the QR code on the PC's device-check page opens the phone check on the
phone already signed in as the same candidate, so nobody types an 18-digit ID number on a phone.

A link is a random token and nothing else (no ID number, name or admission number). Only its
SHA-256 is stored. It works once, for a few minutes. Every view of the device-check page shows
a new one (older ones keep working until used or expired, so a second tab or the phone itself
opening the page does not break the code on the PC's screen); links are limited per candidate
per hour, and the caller decides what the page says instead.
"""

from __future__ import annotations

import enum
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.readiness.models import PhoneLink

#: 18 random bytes are 24 URL-safe characters (144 bits): unguessable, and a small QR code.
TOKEN_BYTES = 18
#: Longer than any token we make: refused before it is hashed or looked up.
TOKEN_MAX_LENGTH = 64
#: The window the per-candidate limit counts in; rows older than it (and expired) are purged.
WINDOW = timedelta(hours=1)


class Refusal(enum.StrEnum):
    """Why a link did not sign anyone in."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


REFUSALS = {
    Refusal.UNKNOWN: _l("This link is not valid. Check that the whole QR code was scanned."),
    Refusal.USED: _l("This link has already been used: each QR code signs a phone in only once."),
    Refusal.EXPIRED: _l("This link has expired: a QR code works only for a few minutes."),
}


class LinkRefused(DomainError):
    """The link signs nobody in; the reason is worded for the person holding the phone."""

    code = "phone_link_refused"

    def __init__(self, reason: Refusal) -> None:
        super().__init__(str(REFUSALS[reason]), status=404 if reason is Refusal.UNKNOWN else 410)
        self.reason = reason


@dataclass(frozen=True)
class IssuedLink:
    #: The secret for the link's URL: shown once in the QR code, never stored.
    token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(
    session: Session, *, candidate: Candidate, now: datetime, ttl: timedelta, per_hour: int
) -> IssuedLink:
    """Make a new phone link for candidate.

    Raises TooManyRequests (with the seconds until the next one) past per_hour links.
    """
    mine = PhoneLink.candidate_id == candidate.id
    session.execute(
        delete(PhoneLink).where(
            mine, PhoneLink.created_at <= now - WINDOW, PhoneLink.expires_at <= now
        )
    )
    recent = PhoneLink.created_at > now - WINDOW
    count, oldest = session.execute(
        select(func.count(PhoneLink.id), func.min(PhoneLink.created_at)).where(mine, recent)
    ).one()
    if count >= per_hour and oldest is not None:
        wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        raise TooManyRequests(
            str(
                _l(
                    "The QR code has been shown many times in the last hour. A new one shows "
                    "in %(minutes)d minutes.",
                    minutes=math.ceil(wait / 60),
                )
            ),
            retry_after=wait,
            code="too_many_phone_links",
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        PhoneLink(
            token_hash=_digest(token), candidate=candidate, created_at=now, expires_at=now + ttl
        )
    )
    session.flush()
    return IssuedLink(token=token, expires_at=now + ttl)


def _refusal(row: PhoneLink | None, now: datetime) -> Refusal | None:
    """Why the link cannot sign anyone in now, or None when it can."""
    if row is None:
        return Refusal.UNKNOWN
    if row.used_at is not None:
        return Refusal.USED
    if row.expires_at <= now:
        return Refusal.EXPIRED
    return None


def _find(session: Session, token: str) -> PhoneLink | None:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return session.scalar(
        select(PhoneLink)
        .where(PhoneLink.token_hash == _digest(token))
        .execution_options(populate_existing=True)
    )


def check_link(session: Session, *, token: str, now: datetime) -> None:
    """Raise LinkRefused unless the link would sign a phone in now; it stays unused."""
    reason = _refusal(_find(session, token), now)
    if reason is not None:
        raise LinkRefused(reason)


def redeem_link(session: Session, *, token: str, now: datetime) -> Candidate:
    """The candidate the link belongs to, marking it used; LinkRefused when it signs nobody in.

    One conditional UPDATE both checks and uses the link, so two phones racing with the same
    link cannot both win: the database lets only one of them change the row.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise LinkRefused(Refusal.UNKNOWN)
    claimed = session.execute(
        update(PhoneLink)
        .where(
            PhoneLink.token_hash == _digest(token),
            PhoneLink.used_at.is_(None),
            PhoneLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    row = _find(session, token)
    if row is not None and claimed.rowcount == 1:  # type: ignore[attr-defined]
        return row.candidate
    raise LinkRefused(_refusal(row, now) or Refusal.USED)
