"""Processes the benches start: free local ports, and programs run in their own process
group, so that stopping one stops everything it started (gunicorn's workers included)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path | None = None

    @property
    def running(self) -> bool:
        return self.popen.poll() is None


def spawn(
    name: str,
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    user: tuple[str, str] | None = None,
) -> Process:
    """Start argv in the project root, in a new process group; output appended to log
    (stdout and stderr together), or to this terminal without one; as `user` (name, group)
    when given (the caller is root)."""
    handle = log.open("ab") if log is not None else None
    try:
        popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT if handle is not None else None,
            start_new_session=True,
            user=user[0] if user else None,
            group=user[1] if user else None,
            extra_groups=[] if user else None,
        )
    finally:
        if handle is not None:
            handle.close()
    return Process(name, popen, log)


def terminate(process: Process, grace: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL it after `grace` seconds. Safe to call twice."""
    if process.popen.poll() is not None:
        return
    try:
        os.killpg(process.popen.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.popen.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(5)
