"""Closed-loop load: a fixed set of clients, each sending its next request as soon as the
last one answered, until a number of requests is done."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

C = TypeVar("C")


def closed_loop(clients: Sequence[C], total: int, work: Callable[[C, int], None]) -> float:
    """Each client does work(client, i) for the next i until `total` are done, all at once;
    returns the seconds from the first request to the last answer."""
    lock, counter = threading.Lock(), iter(range(total))

    def run(client: C) -> None:
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            work(client, index)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
