"""One JSON log line per request (method, route, status, duration, request id), the request
id sent back as X-Request-ID (the proxy's kept when well formed), and personal numbers masked
in those lines."""

from __future__ import annotations

import json
import logging
import random

import pytest

from helpdesk.demo import fake_id_number
from helpdesk.logs import REQUEST_LOGGER, JsonFormatter, request_id_from


def _lines(caplog: pytest.LogCaptureFixture, logger: str = REQUEST_LOGGER) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


def test_each_request_writes_one_json_line_with_its_route_status_duration_and_id(client, caplog):
    caplog.set_level(logging.INFO)

    response = client.get("/livez")
    missing = client.get("/no/such/page")

    first, second = _lines(caplog)
    assert first["method"] == "GET"
    assert first["route"] == "/livez"
    assert first["status"] == 200
    assert first["duration_ms"] >= 0
    assert first["request_id"] == response.headers["X-Request-ID"]
    assert len(first["request_id"]) == 32
    assert second["route"] == "<unmatched>"
    assert second["status"] == 404
    assert second["request_id"] == missing.headers["X-Request-ID"]
    assert second["request_id"] != first["request_id"]


def test_a_route_with_a_variable_is_logged_as_its_rule_not_its_path(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/api/v1/help-requests/hr_doesnotexist")

    (line,) = _lines(caplog)
    assert "<" in line["route"]
    assert line["path"] == "/api/v1/help-requests/hr_doesnotexist"


def test_the_proxys_request_id_is_kept_when_well_formed(client, caplog):
    caplog.set_level(logging.INFO)
    given = "0f3c2a9e5b7d4c1a8e6f2b3d4c5a6b7c"

    response = client.get("/livez", headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] == given
    assert _lines(caplog)[0]["request_id"] == given


@pytest.mark.parametrize(
    "given",
    ["short", "has space inside it", "x" * 200, "id;DROP TABLE x--", '"}{"level":"x', ""],
)
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/livez", headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] != given
    assert len(response.headers["X-Request-ID"]) == 32


def test_request_ids_are_new_each_time():
    assert request_id_from(None) != request_id_from(None)
    assert request_id_from("abc") != "abc"


def test_lines_written_during_a_request_carry_its_id(app):
    given = "req-1234567890abcdef"
    record = logging.LogRecord("helpdesk.tickets", logging.WARNING, __file__, 1, "x", None, None)

    with app.test_request_context("/livez", headers={"X-Request-ID": given}):
        app.preprocess_request()
        inside = json.loads(JsonFormatter().format(record))
    outside = json.loads(JsonFormatter().format(record))

    assert inside["request_id"] == given
    assert "request_id" not in outside


def test_id_numbers_and_phone_numbers_in_a_path_are_masked_in_the_request_line(client, caplog):
    caplog.set_level(logging.INFO)
    number = fake_id_number(random.Random(12))

    client.get(f"/lookup/{number}/13800138000")

    (line,) = _lines(caplog)
    text = json.dumps(line, ensure_ascii=False)
    assert number not in text
    assert "13800138000" not in text
    assert "138****8000" in line["path"]
    assert number[:6] + "********" + number[-4:] in line["path"]


def test_a_streamed_response_is_logged_once_it_has_been_read(
    client, caplog, make_staff, sign_in_staff
):
    caplog.set_level(logging.INFO)
    sign_in_staff(make_staff("admin"))
    caplog.clear()

    response = client.get("/admin/audit.csv")
    assert _lines(caplog) == []
    body = response.get_data()
    response.close()

    lines = _lines(caplog)
    assert len(body) > 0
    assert len(lines) == 1
    assert lines[0]["status"] == 200


def test_gunicorns_access_line_is_json_with_personal_numbers_masked(capsys):
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from helpdesk.accesslog import JsonLogger

    config = Config()
    config.set("accesslog", "-")
    logger = JsonLogger(config)
    number = fake_id_number(random.Random(4))
    response = SimpleNamespace(
        status="404 NOT FOUND", sent=12, headers=[("X-Request-ID", "r" * 32)]
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/x/{number}",
        "QUERY_STRING": "phone=13800138000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://desk.example.org/?id={number}",
    }

    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=7))

    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["status"] == 404
    assert line["request_id"] == "r" * 32
    assert line["duration_ms"] == 7.0
    assert line["query"] == "phone=138****8000"
    assert number not in json.dumps(line)
    assert line["path"] == f"/x/{number[:6]}********{number[-4:]}"
