"""`flask serve` (what `make run` starts): the whole desk on one machine.

The web server runs here and the scheduler beside it as a second process, the very
`flask jobs run` that production runs on its own: started with the web server, stopped with
it (on Ctrl-C, SIGTERM, a failed start, or this process dying without cleaning up), so SMS
leave the outbox, expired claims are released, SLA breaches are marked and upload follow-ups
run on the desk a newcomer opens. A second process rather than a scheduler thread inside
the web server: jobs never run inside web workers (docs/architecture.md), a job that hangs or
crashes never takes the pages down, and what runs in development is what runs in production.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess  # nosec B404 - starts our own scheduler: fixed argv, no shell
import sys
import threading
import time
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

#: Seconds the scheduler has to finish its current job when the desk stops.
STOP_GRACE = 10


def scheduler_command(app_path: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flask",
        "--app",
        app_path,
        "jobs",
        "run",
        "--with-parent",
        str(os.getpid()),
    ]


def serve(app: Flask, *, app_path: str, host: str, port: int, scheduler: bool) -> None:
    """Serve app on host:port with the scheduler beside it until interrupted."""
    from werkzeug.serving import run_simple

    command = scheduler_command(app_path)
    child = subprocess.Popen(command) if scheduler else None  # noqa: S603 - fixed argv, no shell
    stopping = threading.Event()
    if child is not None:
        log.info("scheduler started beside the web server (pid %s)", child.pid)
        threading.Thread(target=_watch, args=(child, stopping), daemon=True).start()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stopping.set()
        signal.signal(signal.SIGTERM, previous)
        if child is not None:
            _stop(child)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _watch(child: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    code = child.wait()
    if not stopping.is_set():
        log.error(
            "the scheduler stopped (exit %s): SMS, claim releases and SLA marks wait until "
            "the desk is restarted",
            code,
        )


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    log.info("scheduler stopped")


def stop_with_parent(parent: int) -> None:
    """End this process (the scheduler) once parent is gone, even if it was killed."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        log.warning("the web server (pid %s) is gone: the scheduler stops too", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
