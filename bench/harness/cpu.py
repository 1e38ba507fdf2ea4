"""CPU time spent so far by a bench's app server and by PostgreSQL: divided by the requests
of a measurement, the work per request, which the machine's other load moves much less
than requests per second or latency."""

from __future__ import annotations

from typing import Any


def worker_cpu_seconds(server: Any) -> float:
    """CPU (user + system) that server's gunicorn workers (a desk.AppServer) have used so far."""
    import psutil

    master = psutil.Process(server.process.popen.pid)
    total = 0.0
    for child in master.children():
        times = child.cpu_times()
        total += times.user + times.system
    return total


def postgres_cpu_seconds() -> float:
    """CPU (user + system) that this machine's PostgreSQL processes have used so far (every
    database's: run on a quiet server). Backends that end in between are not counted; the
    servers' pools keep theirs open through a measurement."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("postgres", "postmaster"):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total
