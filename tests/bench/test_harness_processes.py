"""What the benches start: free ports, process groups stopped with every child, the desk's
production environment (a developer's own HELPDESK_* settings left out) and gunicorn's
command line."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest

from bench.harness.desk import desk_environment, gunicorn_command
from bench.harness.processes import free_port, spawn, terminate


def test_a_free_port_can_be_bound():
    port = free_port()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_stopping_a_process_stops_the_children_it_started(tmp_path):
    log = tmp_path / "group.log"
    script = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(child.pid, flush=True); time.sleep(60)"
    )
    process = spawn("group", [sys.executable, "-c", script], log=log)
    deadline = time.time() + 10
    while not log.read_text().strip() and time.time() < deadline:
        time.sleep(0.05)
    child = int(log.read_text().split()[0])

    terminate(process, grace=5)

    assert not process.running
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child outlived its process group")
    terminate(process)  # a second stop is harmless


def test_the_desk_environment_drops_inherited_settings_and_adds_production_ones(monkeypatch):
    monkeypatch.setenv("HELPDESK_REDIS_URL", "redis://someones-redis/0")
    monkeypatch.setenv("HELPDESK_TELEPHONY", "twilio")

    env = desk_environment(
        "sqlite:////tmp/x.db",
        id_hash_key="k",
        settings={"HELPDESK_DATABASE_POOL_SIZE": "3"},
    )

    assert env["HELPDESK_ENV"] == "production"
    assert env["HELPDESK_DATABASE_URL"] == "sqlite:////tmp/x.db"
    assert env["HELPDESK_ID_HASH_KEY"] == "k"
    assert env["HELPDESK_REDIS_URL"] == ""
    assert env["HELPDESK_DATABASE_POOL_SIZE"] == "3"
    assert "HELPDESK_TELEPHONY" not in env
    assert len(env["HELPDESK_SECRET_KEY"]) >= 32
    assert env["PATH"] == os.environ["PATH"]


def test_each_desk_gets_its_own_secret_key():
    first, second = desk_environment("sqlite://"), desk_environment("sqlite://")

    assert first["HELPDESK_SECRET_KEY"] != second["HELPDESK_SECRET_KEY"]


def test_gunicorn_serves_the_app_on_loopback_with_the_workers_and_threads_asked_for():
    command = gunicorn_command(8123, workers=2, threads=4, extra=["--log-level", "warning"])

    assert command[0].endswith("/gunicorn")
    assert command[-1] == "wsgi:app"
    joined = " ".join(command)
    assert "--workers 2 --threads 4 --worker-class gthread --bind 127.0.0.1:8123" in joined
    assert "--log-level warning wsgi:app" in joined


def test_one_thread_means_sync_workers_whatever_gunicorn_conf_says():
    command = gunicorn_command(8123, workers=2, threads=1, app="bench.harness.bare:app")

    joined = " ".join(command)
    assert "--threads 1 --worker-class sync" in joined
    assert command[-1] == "bench.harness.bare:app"
