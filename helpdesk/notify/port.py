"""The Notifier port: what a message is, what an adapter does with it, how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Sms:
    """One message to send: the E.164 number, the kind, its parameters and its text."""

    to: str
    kind: str
    params: dict[str, str] = field(default_factory=dict)
    #: The zh-CN text the kind's template makes with params (what the candidate reads).
    text: str = ""
    #: Our reference for the message (the outbox row), given to providers that keep one
    #: (Aliyun's OutId), so a send whose answer was lost can be found again.
    ref: str = ""


class NotifierError(Exception):
    """The provider refused or could not be reached.

    permanent: trying again cannot help (an invalid number, a template not approved); the
    message fails at once. Otherwise it is tried again later, with backoff.
    """

    def __init__(self, reason: str, *, permanent: bool = False, unsure: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        #: No answer (a timeout): the provider may have accepted the message.
        self.unsure = unsure


class Notifier(Protocol):
    def send(self, sms: Sms) -> str:
        """Send one message; return the provider's message id."""
        ...


@dataclass(frozen=True)
class Receipt:
    """The carrier's word on one sent message: delivered or not, its code, and when."""

    delivered: bool
    code: str
    at: datetime


@runtime_checkable
class SentLookup(Protocol):
    """A notifier that can tell whether a message whose send timed out was accepted."""

    def find_sent(self, sms: Sms, *, since: datetime) -> str | None:
        """The provider's id of the message with our reference sms.ref, if it has one."""
        ...


@runtime_checkable
class ReceiptSource(Protocol):
    """A notifier that can look up delivery receipts (Aliyun's QuerySendDetails)."""

    def receipt(self, *, provider_id: str, to: str, sent_at: datetime) -> Receipt | None:
        """The receipt of one sent message; None while the carrier has none."""
        ...
