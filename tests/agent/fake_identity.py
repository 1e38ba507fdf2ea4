"""A fictitious candidate for the agent's tests, and what the fake desk was asked."""

from __future__ import annotations

import functools

from diagnostics.client import DeskClient


def fictitious_id_number(first17: str) -> str:
    """A made-up number with a valid GB 11643 check character: no real one lives in code."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights))  # noqa: B905 - runs on 3.8
    return first17 + "10X98765432"[total % 11]


ID_NUMBER = fictitious_id_number("11010519491231" + "002")
OTHER_ID_NUMBER = fictitious_id_number("11010519491231" + "003")
EXIT = {"pass": 0, "warn": 1, "fail": 2}
IDENTITY = ["--name", "张三", "--id-number", ID_NUMBER, "--admission-number", "2023010400123"]


def no_wait_client(sleeps):
    """A DeskClient factory that records backoff instead of sleeping."""
    return functools.partial(DeskClient, sleep=sleeps.append)


def api_requests(desk):
    return [r for r in desk.requests if "/speedtest/" not in r["path"]]
