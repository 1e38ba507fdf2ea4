"""Counting failures per key (sign-in throttling) on the limiter's shared storage.

Flask-Limiter counts requests; sign-in must count only failed attempts, keyed by the
identity tried rather than the address, so candidates behind one school NAT do not lock
each other out. When Redis is unreachable, counting falls back to this process's memory
and a warning is logged: the desk keeps serving.
"""

from __future__ import annotations

import logging
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage as AsyncStorage
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class FailureCounter:
    """At most `limit` failures per key within `window_minutes`."""

    def __init__(
        self, storage_uri: str, *, limit: int, window_minutes: int, namespace: str
    ) -> None:
        self.item = RateLimitItemPerMinute(limit, window_minutes, namespace=namespace)
        self._uri = storage_uri
        self._primary: Storage | AsyncStorage | None = None
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._warned_at = 0.0

    def _limiter(self) -> MovingWindowRateLimiter:
        if self._primary is None:
            self._primary = storage_from_string(self._uri)
        return MovingWindowRateLimiter(self._primary)

    def _call(self, method: str, key: str) -> object:
        try:
            return getattr(self._limiter(), method)(self.item, key)
        except Exception as exc:  # noqa: BLE001 - any storage failure means "use memory"
            now = time.monotonic()
            if now - self._warned_at > 60:
                log.warning(
                    "rate-limit storage unreachable (%s); counting in memory", type(exc).__name__
                )
                self._warned_at = now
            return getattr(self._fallback, method)(self.item, key)

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when key has used up its failures, else None."""
        if self._call("test", key):
            return None
        stats = self._call("get_window_stats", key)
        reset_at = float(stats.reset_time)  # type: ignore[attr-defined]
        return max(1, int(reset_at - time.time()) + 1)

    def fail(self, key: str) -> None:
        self._call("hit", key)

    def reset(self) -> None:
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        if self._primary is not None:
            try:
                self._primary.reset()
            except Exception:  # noqa: BLE001 - best effort in tests only
                log.warning("could not reset rate-limit storage")
