"""The Dialer port: placing a call, finding a call we lost, and what the provider said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from helpdesk.telephony.states import CallState, DialOutcome, LegStatus

if TYPE_CHECKING:
    from helpdesk.identity.models import Staff


@dataclass(frozen=True)
class DialResult:
    """What placing a call gave: manual (the agent dials), queued (with the provider's id),
    or unknown (no answer in time: the call may or may not exist)."""

    state: CallState
    sid: str | None = None


@dataclass(frozen=True)
class ProviderCall:
    """The provider's record of a call: its id and, in the port's words, where it stands
    (None when the provider used a word we do not know)."""

    sid: str
    status: LegStatus | None


class DialerRefused(Exception):
    """The provider answered and refused the call: it was not placed."""


class Dialer(Protocol):
    kind: str

    def agent_of(self, staff: Staff) -> str | None:
        """What the provider rings first for staff: their phone, or their contact-center
        seat (None: the desk phone needs neither)."""
        ...

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        """Start a call to `to` from `caller_id` (both E.164, already checked)."""
        ...

    def lookup(
        self,
        *,
        sid: str | None,
        agent_phone: str | None,
        caller_id: str,
        since: datetime,
        to: str | None = None,
    ) -> ProviderCall | None:
        """The provider's record of a call whose outcome we lost, if it exists (`to`, the
        candidate's number, narrows the search where the provider allows)."""
        ...


@dataclass(frozen=True)
class CallRecord:
    """A provider's record of a whole call (Aliyun's call detail record): the agent's leg
    in the port's words, how the candidate's leg ended (None: never dialled), and the
    provider's own word, kept on the attempt."""

    sid: str
    leg: LegStatus | None
    outcome: DialOutcome | None
    provider_status: str


@runtime_checkable
class CallRecords(Protocol):
    """A dialer whose provider is asked, rather than pushing events, how calls went."""

    kind: str

    def record(self, sid: str) -> CallRecord | None:
        """The record of call sid; None while the provider has none (the call goes on)."""
        ...
