"""Runs many simulated people at once: each is a generator that does its requests and
yields the wall-clock time at which it wants to continue; a pool of threads steps them."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import traceback
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor

Actor = Generator[float, None, None]


class Runner:
    def __init__(self, workers: int = 128) -> None:
        self._heap: list[tuple[float, int, Actor]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="actor")
        self._active = 0
        self.errors: list[str] = []

    def spawn(self, actor: Actor, at: float | None = None) -> None:
        with self._cond:
            self._active += 1
            heapq.heappush(self._heap, (at or time.time(), next(self._seq), actor))
            self._cond.notify()

    def _reschedule(self, actor: Actor, at: float) -> None:
        with self._cond:
            heapq.heappush(self._heap, (at, next(self._seq), actor))
            self._cond.notify()

    def _step(self, actor: Actor) -> None:
        try:
            at = next(actor)
        except StopIteration:
            self._finish()
            return
        except Exception:  # noqa: BLE001 - a bug in the tool, not the desk: keep going
            self.errors.append(traceback.format_exc(limit=6))
            self._finish()
            return
        self._reschedule(actor, at)

    def _finish(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    @property
    def active(self) -> int:
        with self._cond:
            return self._active

    def run(self, deadline: float) -> bool:
        """Step actors until all are done (True) or the deadline passes (False)."""
        while True:
            with self._cond:
                if self._active == 0:
                    return True
                now = time.time()
                if now >= deadline:
                    return False
                if self._heap and self._heap[0][0] <= now:
                    _, _, actor = heapq.heappop(self._heap)
                else:
                    wait = (self._heap[0][0] - now) if self._heap else 0.5
                    self._cond.wait(min(0.5, max(0.0, wait), deadline - now))
                    continue
            self._pool.submit(self._step, actor)

    def shutdown(self) -> None:
        with self._cond:
            for _, _, actor in self._heap:
                actor.close()
            self._heap.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
