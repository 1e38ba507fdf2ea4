"""Measure bandwidth against the desk's own speed-test endpoints.

Several parallel streams (threads) download random bytes from
``GET {server}/api/v1/diagnostics/speedtest/download?bytes=N`` and then upload to
``POST {server}/api/v1/diagnostics/speedtest/upload``. Bytes are counted as they move; the total is
sampled every window (250 ms); windows in the warm-up (TCP slow start) are discarded. We report
the 10th percentile of the window rates (how slow the link gets, which is what freezes a video),
the median, and the jitter (mean absolute change between consecutive windows), all in Mbps.
Total time is bounded: streams still running at the deadline are cut off.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import urllib.request
from typing import Any, Callable

DOWNLOAD_PATH = "/api/v1/diagnostics/speedtest/download"
UPLOAD_PATH = "/api/v1/diagnostics/speedtest/upload"
DOWNLOAD_REQUEST_BYTES = 25_000_000
UPLOAD_REQUEST_BYTES = 8_000_000
BLOCK = 64 * 1024


class _Stopped(Exception):
    """Raised inside an upload body to cut a stream off at the deadline."""


class _Counter:
    def __init__(self) -> None:
        self.total = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def add(self, count: int) -> None:
        with self.lock:
            self.total += count


class _CountingBody:
    """A request body that counts bytes as http.client reads them, and stops at the deadline."""

    def __init__(self, size: int, counter: _Counter, stop: threading.Event) -> None:
        self.remaining, self.counter, self.stop = size, counter, stop
        self.block = os.urandom(BLOCK)

    def read(self, size: int = -1) -> bytes:
        if self.stop.is_set():
            raise _Stopped()
        size = BLOCK if size is None or size < 0 else min(size, BLOCK)
        size = min(size, self.remaining)
        self.remaining -= size
        self.counter.add(size)
        return self.block[:size]


def _download(
    url: str, counter: _Counter, stop: threading.Event, timeout: float, opener: Callable[..., Any]
) -> None:
    while not stop.is_set():
        request = urllib.request.Request(
            "%s?bytes=%d" % (url, DOWNLOAD_REQUEST_BYTES), headers={"Cache-Control": "no-cache"}
        )
        with opener(request, timeout=timeout) as response:
            while not stop.is_set():
                block = response.read(BLOCK)
                if not block:
                    break
                counter.add(len(block))


def _upload(
    url: str, counter: _Counter, stop: threading.Event, timeout: float, opener: Callable[..., Any]
) -> None:
    while not stop.is_set():
        request = urllib.request.Request(
            url,
            data=_CountingBody(UPLOAD_REQUEST_BYTES, counter, stop),
            method="POST",
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(UPLOAD_REQUEST_BYTES),
            },
        )
        with opener(request, timeout=timeout) as response:
            response.read()


def _worker(job: Callable[..., None], *args: Any) -> None:
    counter, stop = args[1], args[2]
    try:
        job(*args)
    except _Stopped:
        pass
    except Exception as exc:  # noqa: BLE001 - a broken stream is reported, not raised
        if not stop.is_set():
            counter.errors.append(type(exc).__name__)


def _phase(
    job: Callable[..., None],
    url: str,
    seconds: float,
    streams: int,
    window: float,
    warmup: float,
    opener: Callable[..., Any],
) -> dict[str, Any]:
    counter, stop = _Counter(), threading.Event()
    threads = [
        threading.Thread(
            target=_worker, args=(job, url, counter, stop, seconds + 5, opener), daemon=True
        )
        for _ in range(streams)
    ]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    rates: list[float] = []
    last_bytes, last_time = 0, start
    while True:
        now = time.monotonic()
        if now - start >= seconds or (counter.errors and len(counter.errors) >= streams):
            break
        time.sleep(max(0.0, min(window - (now - last_time), start + seconds - now)))
        now = time.monotonic()
        total = counter.total
        if now - start > warmup and now > last_time:
            rates.append((total - last_bytes) * 8 / (now - last_time) / 1e6)
        last_bytes, last_time = total, now
    stop.set()
    for thread in threads:
        thread.join(0.5)
    return {"rates": rates, "bytes": counter.total, "errors": counter.errors}


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile of a non-empty list."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(rates: list[float]) -> dict[str, float] | None:
    """p10, median and jitter (mean absolute change between windows) of window rates, in Mbps."""
    if not rates:
        return None
    jitter = (
        statistics.mean(abs(b - a) for a, b in zip(rates, rates[1:])) if len(rates) > 1 else 0.0
    )
    return {
        "p10": round(percentile(rates, 0.10), 2),
        "median": round(statistics.median(rates), 2),
        "jitter": round(jitter, 2),
    }


def measure(
    server: str,
    seconds: float = 8.0,
    streams: int = 4,
    window: float = 0.25,
    warmup: float | None = None,
    opener: Callable[..., Any] = urllib.request.urlopen,
) -> dict[str, Any]:
    """Measure download then upload, ``seconds`` in all; raise RuntimeError if nothing moved."""
    base = server.rstrip("/")
    half = max(seconds / 2.0, window * 2)
    warmup = half / 4.0 if warmup is None else warmup
    started = time.monotonic()
    fact: dict[str, Any] = {"streams": streams, "window_seconds": window}
    for name, job, path in (
        ("download", _download, DOWNLOAD_PATH),
        ("upload", _upload, UPLOAD_PATH),
    ):
        result = _phase(job, base + path, half, streams, window, warmup, opener)
        summary = summarize(result["rates"]) if result["bytes"] else None
        if summary is None:
            raise RuntimeError(
                "%s failed: %s" % (name, ",".join(sorted(set(result["errors"]))) or "no data")
            )
        fact.update(
            {
                name + "_mbps_p10": summary["p10"],
                name + "_mbps_median": summary["median"],
                name + "_jitter_mbps": summary["jitter"],
                name + "_bytes": result["bytes"],
            }
        )
    fact["seconds"] = round(time.monotonic() - started, 2)
    return fact
