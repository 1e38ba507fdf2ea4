"""The client-side ledger: everything a simulated client considered accepted, and its
comparison with what the database holds."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Accepted:
    """One thing a client was told the desk kept (a 2xx it believed)."""

    kind: str  # help_request, upload_event, ticket, diagnostic_report
    key: str  # the client's idempotency key or event id
    candidate: str  # admission number
    server_id: str | None  # the id the desk answered with, when it gives one
    at: float  # wall-clock time the client saw the answer


@dataclass(frozen=True)
class Stored:
    """One row the database holds for a rehearsal candidate."""

    kind: str
    key: str | None
    candidate: str
    server_id: str


@dataclass
class Comparison:
    kind: str
    accepted: int = 0
    stored: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    #: Stored rows no client was ever told about (a request the client gave up on).
    unaccounted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicated


class Ledger:
    """Thread-safe list of Accepted entries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Accepted] = []

    def add(self, item: Accepted) -> None:
        with self._lock:
            self._items.append(item)

    def items(self, kind: str | None = None) -> list[Accepted]:
        with self._lock:
            return [i for i in self._items if kind is None or i.kind == kind]


def compare(kind: str, accepted: Iterable[Accepted], stored: Iterable[Stored]) -> Comparison:
    """Lost: accepted but not stored. Duplicated: one client key kept more than once, or
    answered with two different ids. Unaccounted: stored, never confirmed to a client.

    A stored row matches an accepted entry by server id when the desk gave one, else by key.
    """
    result = Comparison(kind)
    accepted = [a for a in accepted if a.kind == kind]
    stored = [s for s in stored if s.kind == kind]
    result.stored = len(stored)
    by_key: dict[str, set[str | None]] = defaultdict(set)
    for item in accepted:
        by_key[item.key].add(item.server_id)
    result.accepted = len(by_key)
    stored_ids = {s.server_id for s in stored}
    stored_keys = Counter(s.key for s in stored if s.key is not None)
    for key, ids in sorted(by_key.items()):
        known = {i for i in ids if i is not None}
        if len(known) > 1:
            result.duplicated.append(f"{key}: answered with ids {sorted(known)}")
        if known:
            if not known & stored_ids:
                result.lost.append(key)
        elif stored_keys[key] == 0:
            result.lost.append(key)
    for key, count in sorted(stored_keys.items()):
        if count > 1:
            result.duplicated.append(f"{key}: stored {count} times")
    confirmed_ids = {i for ids in by_key.values() for i in ids if i is not None}
    for row in stored:
        if row.server_id in confirmed_ids or (row.key is not None and row.key in by_key):
            continue
        result.unaccounted.append(f"{row.server_id} ({row.candidate})")
    return result
