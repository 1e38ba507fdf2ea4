"""Provider events already applied: a webhook delivered twice changes nothing the second time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.telephony.models import TelephonyEvent


def remember_event(session: Session, *, url: str, params: Mapping[str, str], now: datetime) -> bool:
    """Record a webhook delivery; False if this exact delivery was applied already."""
    canonical = url + "\n" + "\n".join(f"{k}={params[k]}" for k in sorted(params))
    key = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    event = TelephonyEvent(
        event_key=key,
        call_sid=(params.get("CallSid") or "")[:64] or None,
        status=(params.get("CallStatus") or params.get("DialCallStatus") or "")[:20] or None,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        return False
    return True
