"""The rehearsal's own deployment on this machine, built on the bench harness: a fresh
PostgreSQL database, a private Redis, two gunicorn app servers (gunicorn.conf.py) behind
Debian's nginx, the scheduler, and (for the Twilio faults) a fake Twilio API. Everything
started here is stopped by stop(), also after a failure or Ctrl-C, and the database is
dropped."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.harness import database
from bench.harness.desk import FLASK, GUNICORN, desk_environment
from bench.harness.http import wait_until_ok
from bench.harness.processes import PYTHON, ROOT, Process, free_port, spawn, terminate
from bench.rehearsal import nginx
from bench.rehearsal.people import Agent, Person, write_roster


@dataclass
class Deployment:
    out: Path
    pg_server: str = database.PG_SERVER
    servers: int = 2
    workers: int = 2
    threads: int = 4
    pool_size: int = 3
    telephony: str = "desk"
    schedulers: int = 1
    database: str = field(default_factory=lambda: f"rehearsal_{os.getpid()}_{int(time.time())}")
    processes: list[Process] = field(default_factory=list)
    app_ports: list[int] = field(default_factory=list)
    proxy_port: int = 0
    redis_port: int = 0
    twilio_port: int = 0
    twilio_token: str = field(default_factory=lambda: secrets.token_hex(16))
    env: dict[str, str] = field(default_factory=dict)
    front: nginx.Front | None = None
    _db_created: bool = False

    # -- addresses ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def database_url(self) -> str:
        return database.database_url(self.pg_server, self.database)

    @property
    def twilio_url(self) -> str:
        return f"http://127.0.0.1:{self.twilio_port}"

    def log_path(self, name: str) -> Path:
        return self.out / f"{name}.log"

    # -- lifecycle -----------------------------------------------------------------------
    def prepare(self) -> None:
        """Database, Redis, fake Twilio, migrations; no app server yet."""
        self.out.mkdir(parents=True, exist_ok=True)
        database.create_database(self.pg_server, self.database)
        self._db_created = True
        self.redis_port = free_port()
        self.start_redis()
        self.twilio_port = free_port()
        self.env = self._environment()
        if self.telephony == "twilio":
            self.spawn(
                "twilio",
                [
                    PYTHON,
                    "-m",
                    "bench.fakes.twilio",
                    "--port",
                    str(self.twilio_port),
                    "--auth-token",
                    self.twilio_token,
                ],
            )
            wait_until_ok(f"{self.twilio_url}/_fake/state", 20)
        if self.telephony == "aliyun":  # SMS and the contact center, on the same port
            self.spawn(
                "aliyun", [PYTHON, "-m", "bench.fakes.aliyun", "--port", str(self.twilio_port)]
            )
            wait_until_ok(f"{self.twilio_url}/_fake/state", 20)
        self.flask("db", "upgrade")

    def start_redis(self) -> None:
        self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop_redis(self) -> None:
        for process in list(self.processes):
            if process.name == "redis":
                terminate(process)
                self.processes.remove(process)

    def _environment(self) -> dict[str, str]:
        env = desk_environment(
            self.database_url,
            settings={
                "HELPDESK_DATABASE_POOL_SIZE": str(self.pool_size),
                "HELPDESK_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/2",
                "HELPDESK_NOTIFIER": "log",
                "HELPDESK_TELEPHONY": self.telephony,
                "HELPDESK_PROXY_HOPS": "1",
                "HELPDESK_TRUSTED_PROXIES": "127.0.0.1",
                "HELPDESK_UPLOAD_DIR": str(self.out / "uploads"),
            },
        )
        if self.telephony == "twilio":
            env.update(
                {
                    "HELPDESK_TWILIO_API_BASE": self.twilio_url,
                    "HELPDESK_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                    "HELPDESK_TWILIO_AUTH_TOKEN": self.twilio_token,
                }
            )
        if self.telephony == "aliyun":
            env.update(aliyun_environment(self.twilio_url))
        return env

    def set_public_url(self) -> None:
        self.proxy_port = self.proxy_port or free_port()
        self.env["HELPDESK_PUBLIC_URL"] = self.url

    def import_exams(self, exams_json: str) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(exams_json)
        try:
            self.flask("exams", "import", handle.name)
        finally:
            os.unlink(handle.name)

    def import_roster(self, code: str, people: list[Person]) -> None:
        """Import through `flask roster import`; the CSV with ID numbers lives only in a
        private temporary directory removed right after."""
        folder = tempfile.mkdtemp(prefix="rehearsal-roster-")
        try:
            path = Path(folder) / "roster.csv"
            path.touch(mode=0o600)
            write_roster(path, code, people)
            self.flask("roster", "import", str(path), quiet=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def create_staff(self, agents: list[Agent]) -> None:
        for agent in agents:
            self.flask(
                "staff",
                "create",
                agent.username,
                "--role",
                agent.role,
                "--password-stdin",
                stdin=agent.password + "\n",
            )

    def start_servers(self, schedulers: int | None = None) -> None:
        """The app servers (gunicorn with gunicorn.conf.py, one per simulated host, each with
        its own Prometheus folder), nginx in front of them, then the scheduler(s)."""
        self.set_public_url()
        for index in range(1, self.servers + 1):
            port = free_port()
            env = dict(
                self.env,
                HELPDESK_BIND=f"127.0.0.1:{port}",
                HELPDESK_WORKERS=str(self.workers),
                HELPDESK_THREADS=str(self.threads),
                HELPDESK_GRACEFUL_TIMEOUT="5",
                PROMETHEUS_MULTIPROC_DIR=str(self.out / f"metrics-app{index}"),
            )
            self.processes.append(
                spawn(
                    f"app{index}",
                    [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
                    env=env,
                    log=self.log_path(f"app{index}"),
                )
            )
            self.app_ports.append(port)
        self.front = nginx.prepare(
            f"127.0.0.1:{self.proxy_port}",
            [f"127.0.0.1:{p}" for p in self.app_ports],
        )
        self.processes.append(
            spawn("nginx", self.front.command(), log=self.log_path("nginx"), user=self.front.user())
        )
        for port in self.app_ports:
            wait_until_ok(f"http://127.0.0.1:{port}/readyz", 60)
        wait_until_ok(f"{self.url}/readyz", 20)
        for index in range(1, (schedulers or self.schedulers) + 1):
            self.spawn(f"jobs{index}", [*FLASK, "jobs", "run"])

    def stop(self) -> None:
        """Stop every process started here, then drop the database. Safe to call twice."""
        for process in reversed(self.processes):
            terminate(process)
        self.processes.clear()
        if self.front is not None:
            self.front.keep(self.out / "nginx")
            self.front.remove()
            self.front = None
        if self._db_created:
            try:
                database.drop_database(self.pg_server, self.database)
            except psycopg.Error as exc:
                print(f"could not drop {self.database}: {exc}", file=sys.stderr)
            self._db_created = False

    # -- helpers -------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str]) -> Process:
        process = spawn(name, argv, env=self.env or None, log=self.log_path(name))
        self.processes.append(process)
        return process

    def flask(self, *args: str, stdin: str | None = None, quiet: bool = False) -> str:
        result = subprocess.run(
            [*FLASK, *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            # Never echo a roster import's per-row output: it is masked, but keep it short.
            raise RuntimeError(
                f"flask {args[0]} {args[1] if len(args) > 1 else ''} failed: "
                f"{result.stderr.strip()[-800:]}"
            )
        if not quiet:
            with self.log_path("setup").open("a") as handle:
                handle.write(result.stdout)
        return result.stdout

    def describe(self) -> dict[str, object]:
        return {
            "url": self.url,
            "database": self.database,
            "app_servers": [f"127.0.0.1:{p}" for p in self.app_ports],
            "proxy": f"nginx ({self.front.conf})" if self.front else None,
            "redis": f"127.0.0.1:{self.redis_port}/2",
            "telephony": self.telephony,
            "schedulers": self.schedulers,
            "workers_per_server": self.workers,
            "threads_per_worker": self.threads,
        }


def aliyun_environment(fake_url: str) -> dict[str, str]:
    """The desk on Aliyun SMS and the cloud contact center, both at the fake's address.
    The compressed clock has no carrier behind it: the callee gap is 1 s, not 60."""
    return {
        "HELPDESK_NOTIFIER": "aliyun",
        "HELPDESK_ALIYUN_ACCESS_KEY_ID": "LTAI-rehearsal",
        "HELPDESK_ALIYUN_ACCESS_KEY_SECRET": secrets.token_hex(16),
        "HELPDESK_ALIYUN_TIMEOUT_SECONDS": "3",
        "HELPDESK_ALIYUN_SMS_SIGN_NAME": "考试技术支持",
        "HELPDESK_ALIYUN_SMS_ENDPOINT": fake_url,
        "HELPDESK_SMS_TEMPLATE_CODES": (
            "unreachable=SMS_900001,ticket_reply=SMS_900002,upload_followup=SMS_900003"
        ),
        "HELPDESK_ALIYUN_CCC_INSTANCE_ID": "ccc-rehearsal",
        "HELPDESK_ALIYUN_CCC_ENDPOINT": fake_url,
        "HELPDESK_ALIYUN_CCC_RING_SECONDS": "1",
        "HELPDESK_ALIYUN_CCC_CALLEE_GAP_SECONDS": "1",
    }
