"""What the benchmark scripts share: a throwaway PostgreSQL database and the desk under
gunicorn on a free local port."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent


def admin_engine(server: str) -> Engine:
    return create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def create_database(server: str, label: str) -> tuple[str, str]:
    """Create an empty database next to server's; returns (name, url)."""
    name = f"helpdesk_bench_{label}_{uuid.uuid4().hex[:8]}"
    engine = admin_engine(server)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    engine = admin_engine(server)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    *, url: str, port: int, id_hash_key: str, options: list[str], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """Serve the desk on port with gunicorn `options`; returns once /livez answers 200."""
    environment = {
        **os.environ,
        "HELPDESK_DATABASE_URL": url,
        "HELPDESK_ENV": "production",
        "HELPDESK_SECRET_KEY": uuid.uuid4().hex,
        "HELPDESK_ID_HASH_KEY": id_hash_key,
        "HELPDESK_REDIS_URL": "",
        **env,
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            *options,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/livez")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
