"""The desk under real gunicorn with gunicorn.conf.py and two workers: /metrics adds up the
counts of both workers, every request leaves one redacted JSON access line and one request
line carrying the same request id as the response header."""

from __future__ import annotations

import contextlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.harness.desk import GUNICORN, desk_environment
from bench.harness.http import request as send
from bench.harness.http import wait_until_ok
from bench.harness.processes import free_port, spawn, terminate

pytestmark = pytest.mark.timeout(120)

BATCH = 40


def _count(text: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "helpdesk_http_requests_total" and sample.labels["route"] == route
    )


def _json_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("{"):
            with contextlib.suppress(ValueError):  # a line still being written
                lines.append(json.loads(raw))
    return lines


def _served(log: Path) -> list[dict]:
    return [
        line
        for line in _json_lines(log)
        if line.get("logger") == "helpdesk.request" and line.get("route") == "/readyz"
    ]


@pytest.fixture
def gunicorn(request, fresh_database, tmp_path):
    """gunicorn -c gunicorn.conf.py with two workers; settings from an indirect parameter."""
    yield from _gunicorn(fresh_database, tmp_path, getattr(request, "param", {}))


def _gunicorn(fresh_database, tmp_path, extra):
    port = free_port()
    env = desk_environment(
        fresh_database("gunicorn"),
        settings={
            "HELPDESK_BIND": f"127.0.0.1:{port}",
            "HELPDESK_WORKERS": "2",
            "HELPDESK_THREADS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "HELPDESK_UPLOAD_DIR": str(tmp_path / "uploads"),
            **extra,
        },
    )
    log = tmp_path / "gunicorn.log"
    process = spawn("gunicorn", [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"], env=env, log=log)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/livez", 60)
        yield f"http://127.0.0.1:{port}", log
    finally:
        terminate(process)


def test_two_workers_counts_add_up_in_every_scrape(gunicorn):
    base, log = gunicorn

    def one(index: int) -> tuple[int, str]:
        answer = send("GET", f"{base}/readyz?phone=1380013{index:04d}", timeout=10)
        return answer.status, answer.headers.get("x-request-id", "")

    answers: list[tuple[int, str]] = []
    # Until both workers have served some (which one accepts is the kernel's choice).
    with ThreadPoolExecutor(8) as pool:
        for _batch in range(20):
            answers += pool.map(one, range(len(answers), len(answers) + BATCH))
            time.sleep(0.2)
            if len({line["pid"] for line in _served(log)}) == 2:
                break
    scrapes = [send("GET", f"{base}/metrics", timeout=10) for _ in range(6)]
    time.sleep(0.5)  # the last lines reach the log file

    assert {status for status, _ in answers} == {200}
    assert all(len(request_id) == 32 for _, request_id in answers)
    assert [s.status for s in scrapes] == [200] * 6
    assert [_count(s.text, "/readyz") for s in scrapes] == [len(answers)] * 6
    served = _served(log)
    lines = _json_lines(log)
    assert len({line["pid"] for line in served}) == 2, "both workers served requests"
    access = [line for line in lines if line.get("logger") == "gunicorn.access"]
    ids = {request_id for _, request_id in answers}
    assert ids <= {line.get("request_id") for line in access}
    assert ids <= {line["request_id"] for line in served}
    assert all(line["status"] == 200 for line in access if line["path"] == "/readyz")
    text = log.read_text(encoding="utf-8")
    assert "phone=138****" in text
    assert "13800130001" not in text


@pytest.mark.parametrize(
    "gunicorn",
    [{"HELPDESK_PROXY_HOPS": "1", "HELPDESK_TRUSTED_PROXIES": "127.0.0.1"}],
    indirect=True,
)
def test_a_public_client_forwarded_by_the_proxy_cannot_scrape(gunicorn):
    base, _log = gunicorn

    public = send("GET", f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.4"})
    internal = send("GET", f"{base}/metrics", headers={"X-Forwarded-For": "127.0.0.1"})

    assert public.status == 404
    assert internal.status == 200


def test_a_restart_starts_from_zero(fresh_database, tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_999.db").write_bytes(b"left over")
    port = free_port()
    env = desk_environment(
        fresh_database("gunicorn"),
        settings={
            "HELPDESK_BIND": f"127.0.0.1:{port}",
            "HELPDESK_WORKERS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        },
    )
    process = spawn("gunicorn", [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"], env=env)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/livez", 60)
        assert not (metrics / "counter_999.db").exists()
        assert send("GET", f"http://127.0.0.1:{port}/metrics").status == 200
    finally:
        terminate(process)


def test_the_server_settings_have_documented_defaults_and_refuse_nonsense():
    import config

    defaults = config.server_from_env({})
    assert defaults["workers"] == 4
    assert defaults["threads"] == 1  # sync workers, measured best (docs/deploy.md)
    assert defaults["timeout"] == 30
    assert defaults["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert defaults["access_log"] == "-"
    assert config.server_from_env({"HELPDESK_ACCESS_LOG": "off"})["access_log"] is None
    trusted = config.server_from_env({"HELPDESK_TRUSTED_PROXIES": "10.0.0.5"})
    assert trusted["forwarded_allow_ips"] == "10.0.0.5"
    with pytest.raises(config.ConfigError):
        config.server_from_env({"HELPDESK_WORKERS": "0"})
    with pytest.raises(config.ConfigError):
        config.from_env({"HELPDESK_LOG_FORMAT": "xml"})
