"""The desk as the benches run it: production settings on a throwaway database, served by
gunicorn on a free local port, started and stopped here."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.http import wait_until_ok
from bench.harness.processes import BIN, Process, free_port, spawn, terminate

GUNICORN = str(BIN / "gunicorn")
FLASK = [str(BIN / "flask"), "--app", "wsgi"]


def desk_environment(
    database_url: str,
    *,
    id_hash_key: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """This process's environment without its HELPDESK_* settings (a developer's own must
    not leak into a bench), plus production settings on database_url and `settings`.
    Redis is off unless a setting names it (rate limits in memory). Python runs as
    docs/deploy.md's unit runs it, without docstrings and asserts (PYTHONOPTIMIZE=2)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(
        {
            "HELPDESK_ENV": "production",
            "HELPDESK_SECRET_KEY": secrets.token_urlsafe(32),
            "HELPDESK_ID_HASH_KEY": id_hash_key or secrets.token_urlsafe(32),
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_REDIS_URL": "",
            "PYTHONUNBUFFERED": "1",
            "PYTHONOPTIMIZE": "2",
        }
    )
    env.update(settings or {})
    return env


def gunicorn_command(
    port: int,
    *,
    workers: int,
    threads: int = 1,
    timeout: int = 60,
    extra: Sequence[str] = (),
    app: str = "wsgi:app",
) -> list[str]:
    """gunicorn serving app (the desk unless named) on 127.0.0.1:port: gthread workers when
    threads > 1, else sync (named, so gunicorn.conf.py's default cannot choose otherwise)."""
    return [
        GUNICORN,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(timeout),
        *extra,
        app,
    ]


@dataclass
class AppServer:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, path: str = "/livez", seconds: float = 30.0) -> None:
        """Return once path answers 200; stop the server and raise if it never does."""
        try:
            wait_until_ok(self.url + path, seconds)
        except RuntimeError:
            terminate(self.process)
            raise

    def stop(self) -> None:
        terminate(self.process)


def start_app_server(
    env: dict[str, str],
    *,
    name: str = "app",
    port: int | None = None,
    workers: int = 2,
    threads: int = 1,
    timeout: int = 60,
    extra: Sequence[str] = ("--log-level", "warning"),
    log: Path | None = None,
    app: str = "wsgi:app",
) -> AppServer:
    """Spawn gunicorn with env; call wait() before sending it requests."""
    port = port or free_port()
    command = gunicorn_command(
        port, workers=workers, threads=threads, timeout=timeout, extra=extra, app=app
    )
    return AppServer(spawn(name, command, env=env, log=log), port)


@contextmanager
def serving(env: dict[str, str], **options: Any) -> Iterator[AppServer]:
    """A started app server whose /livez answers 200, stopped when the block ends;
    `options` are start_app_server()'s."""
    server = start_app_server(env, **options)
    try:
        server.wait()
        yield server
    finally:
        server.stop()
