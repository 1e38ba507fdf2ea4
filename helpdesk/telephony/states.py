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


#: Aliyun CCC EarlyMediaState (why the candidate's leg was not answered) -> the outcome.
#: A number that does not exist or is out of service is a failed call; the agent may still
#: record it as a wrong number.
CCC_EARLY_MEDIA = {
    "Busy": DialOutcome.BUSY,
    "NoAnswer": DialOutcome.NO_ANSWER,
    "PowerOff": DialOutcome.NO_ANSWER,
    "NotConnected": DialOutcome.NO_ANSWER,
    "OutOfService": DialOutcome.FAILED,
    "NotExist": DialOutcome.FAILED,
    "Restricted": DialOutcome.FAILED,
}
#: Aliyun CCC ContactDisposition of an unanswered call, when no early-media state says more.
CCC_DISPOSITION = {"NoAnswer": DialOutcome.NO_ANSWER, "Busy": DialOutcome.BUSY}


def ccc_record(
    *, established: bool, early_media_state: str, disposition: str, candidate_dialled: bool
) -> tuple[LegStatus, DialOutcome | None]:
    """An Aliyun call detail record (the call has ended) in the port's words.

    Established: the candidate answered (the agent closes the call). Not established and
    the candidate never dialled: the agent's own leg failed, like Twilio's busy agent leg.
    Otherwise the early-media state, then the disposition, says how the candidate's leg
    ended; a word we do not know is a failed call.
    """
    if established:
        return LegStatus(CallState.ENDED), DialOutcome.CONNECTED
    if not candidate_dialled:
        return _ENDED_UNCONNECTED, None
    outcome = CCC_EARLY_MEDIA.get(early_media_state) or CCC_DISPOSITION.get(disposition)
    return LegStatus(CallState.ENDED), outcome or DialOutcome.FAILED
