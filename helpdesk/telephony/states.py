"""The port's words for where a call stands, and Twilio's status words translated into them.

A call's state only moves forward along RANK (a late "ringing" never undoes "ended"); the
capability that stores calls (callbacks) uses CallState as its column's vocabulary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CallState(enum.StrEnum):
    """Where a call stands; it only moves forward."""

    MANUAL = "manual"  # desk phone: the agent dials by hand
    UNKNOWN = "unknown"  # the provider did not answer in time; settled later
    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"


#: Forward order: a state may only be replaced by one of higher rank.
RANK = {
    CallState.MANUAL: 0,
    CallState.UNKNOWN: 0,
    CallState.QUEUED: 1,
    CallState.RINGING: 2,
    CallState.IN_PROGRESS: 3,
    CallState.ENDED: 4,
}


def lower_than(state: CallState) -> list[CallState]:
    """The states a call may leave for `state`."""
    return [s for s, rank in RANK.items() if rank < RANK[state]]


@dataclass(frozen=True)
class LegStatus:
    """A provider's report on the leg the desk placed (the agent's phone)."""

    state: CallState
    #: The leg ended without connecting (busy, no answer, failed, cancelled): the
    #: candidate was never called.
    failed: bool = False


class DialOutcome(enum.StrEnum):
    """How the candidate's leg (the <Dial> from the agent's call) ended."""

    CONNECTED = "connected"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


_ENDED_UNCONNECTED = LegStatus(CallState.ENDED, failed=True)

#: Twilio CallStatus -> the port's status of the agent's leg.
TWILIO_CALL_STATUS = {
    "queued": LegStatus(CallState.QUEUED),
    "initiated": LegStatus(CallState.QUEUED),
    "ringing": LegStatus(CallState.RINGING),
    "in-progress": LegStatus(CallState.IN_PROGRESS),
    "answered": LegStatus(CallState.IN_PROGRESS),
    "completed": LegStatus(CallState.ENDED),
    "busy": _ENDED_UNCONNECTED,
    "no-answer": _ENDED_UNCONNECTED,
    "failed": _ENDED_UNCONNECTED,
    "canceled": _ENDED_UNCONNECTED,
}

#: Twilio DialCallStatus (the <Dial> action) -> how the candidate's leg ended.
TWILIO_DIAL_STATUS = {
    "completed": DialOutcome.CONNECTED,
    "answered": DialOutcome.CONNECTED,
    "busy": DialOutcome.BUSY,
    "no-answer": DialOutcome.NO_ANSWER,
    "failed": DialOutcome.FAILED,
    "canceled": DialOutcome.FAILED,
}


def twilio_call_status(status: str) -> LegStatus | None:
    """Twilio's CallStatus in the port's words; None for a word we do not know."""
    return TWILIO_CALL_STATUS.get(status)


def twilio_dial_outcome(status: str) -> DialOutcome | None:
    """Twilio's DialCallStatus in the port's words; None for a word we do not know."""
    return TWILIO_DIAL_STATUS.get(status)
