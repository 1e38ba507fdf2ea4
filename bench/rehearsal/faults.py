"""Faults injected during the day, each recording what it did and when, so the report can
check the expected outcome against the same time window."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

import psutil
from psycopg import sql

from bench.harness import database
from bench.harness.http import request
from bench.rehearsal.deploy import Deployment


@dataclass
class Window:
    name: str
    start: float
    end: float | None = None
    detail: dict[str, object] = field(default_factory=dict)


@dataclass
class Probe:
    at: float
    target: str
    path: str
    status: int


class Faults:
    """Runs the chosen faults on their own threads against a Deployment."""

    def __init__(self, deployment: Deployment, stop: threading.Event) -> None:
        self.deployment = deployment
        self.stop = stop
        self.windows: list[Window] = []
        self.probes: list[Probe] = []
        self.kills: list[tuple[float, str, int]] = []
        self.errors: list[str] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _thread(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        def guarded() -> None:
            try:
                target(*args)
            except Exception as exc:  # noqa: BLE001 - report, never kill the rehearsal
                self.errors.append(f"{target.__name__}: {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=guarded, name=target.__name__, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _sleep_until(self, at: float) -> bool:
        while time.time() < at:
            if self.stop.wait(min(0.5, at - time.time())):
                return False
        return True

    # -- PostgreSQL ----------------------------------------------------------------------
    def database_outage(self, at: float, seconds: float, full_restart: bool) -> None:
        self._thread(self._database_outage, at, seconds, full_restart)

    def _admin(self, statement: sql.Composable, params: tuple[object, ...] = ()) -> None:
        database.admin(self.deployment.pg_server, statement, params)

    def _database_outage(self, at: float, seconds: float, full_restart: bool) -> None:
        if not self._sleep_until(at):
            return
        name = self.deployment.database
        window = Window(
            "database outage",
            time.time(),
            detail={
                "kind": "pg_ctlcluster restart"
                if full_restart
                else "own database: connections refused and all killed"
            },
        )
        self.windows.append(window)
        prober = threading.Thread(target=self._probe_health, args=(window,), daemon=True)
        prober.start()
        if full_restart:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
                check=True,
                timeout=120,
                capture_output=True,
            )
            window.end = time.time()
        else:
            self._admin(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name))
            )
            try:
                self._admin(
                    sql.SQL(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()"
                    ),
                    (name,),
                )
                self.stop.wait(seconds)
            finally:
                self._admin(
                    sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name))
                )
                window.end = time.time()
        # Keep probing until every app server is ready again (or 30 s).
        prober.join(40)

    def _probe_health(self, window: Window) -> None:
        ports = list(self.deployment.app_ports)
        ready_since: dict[int, float] = {}
        deadline = window.start + 120
        while time.time() < deadline and not self.stop.is_set():
            for port in ports:
                for path in ("/readyz", "/livez"):
                    status = request("GET", f"http://127.0.0.1:{port}{path}", timeout=2).status
                    now = time.time()
                    with self._lock:
                        self.probes.append(Probe(now, f"app:{port}", path, status))
                    if path == "/readyz" and status == 200 and window.end is not None:
                        ready_since.setdefault(port, now)
            if window.end is not None and len(ready_since) == len(ports):
                window.detail["ready_again_after_s"] = round(
                    max(ready_since.values()) - window.end, 2
                )
                return
            time.sleep(0.2)

    # -- gunicorn workers ----------------------------------------------------------------
    def kill_workers(self, start: float, end: float, every: float) -> None:
        self._thread(self._kill_workers, start, end, every)

    def _kill_workers(self, start: float, end: float, every: float) -> None:
        rng = random.Random()
        window = Window(f"gunicorn worker killed every {every:.0f} s", start)
        self.windows.append(window)
        at = start
        while self._sleep_until(at) and time.time() < end:
            servers = [p for p in self.deployment.processes if p.name.startswith("app")]
            server = rng.choice(servers)
            workers = psutil.Process(server.popen.pid).children()
            if workers:
                victim = rng.choice(workers)
                victim.send_signal(signal.SIGKILL)
                self.kills.append((time.time(), server.name, victim.pid))
            at += every
        window.end = time.time()
        window.detail["workers_killed"] = len(self.kills)

    # -- Redis ---------------------------------------------------------------------------
    def stop_redis(self, at: float) -> None:
        self._thread(self._stop_redis, at)

    def _stop_redis(self, at: float) -> None:
        if not self._sleep_until(at):
            return
        self.deployment.stop_redis()
        self.windows.append(Window("redis stopped", time.time(), None))

    # -- Twilio --------------------------------------------------------------------------
    def twilio_modes(self, schedule: list[tuple[float, str]]) -> None:
        self._thread(self._twilio_modes, schedule)

    def _twilio_modes(self, schedule: list[tuple[float, str]]) -> None:
        current: Window | None = None
        for at, mode in schedule:
            if not self._sleep_until(at):
                return
            set_twilio_mode(self.deployment.twilio_port, mode)
            if current is not None:
                current.end = time.time()
            current = Window(f"twilio {mode}", time.time()) if mode in ("error", "hang") else None
            if current is not None:
                self.windows.append(current)

    def join(self, timeout: float = 5) -> None:
        for thread in self._threads:
            thread.join(timeout)


def set_twilio_mode(port: int, mode: str) -> None:
    answer = request("POST", f"http://127.0.0.1:{port}/_fake/mode?mode={mode}")
    if answer.status != 200:
        raise RuntimeError(f"the fake Twilio refused mode {mode}: {answer.status}")
