"""The API's error body, statuses, languages and OpenAPI document."""

from __future__ import annotations

import random

import pytest


def error(response) -> dict:
    body = response.json
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/candidate-tokens", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"


def test_a_body_that_is_not_json_is_415(client):
    response = client.post(
        "/api/v1/candidate-tokens", data="name=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"


def test_an_oversized_body_is_413(client):
    response = client.post(
        "/api/v1/candidate-tokens",
        data="[" + "1," * 200_000 + "1]",
        content_type="application/json",
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "id_number", "admission_number"}),
        ({"name": "", "id_number": "1", "admission_number": "x"}, {"name"}),
        ({"name": 5, "id_number": "1", "admission_number": "x"}, {"name"}),
        ([1, 2], {"_body"}),
    ],
)
def test_invalid_fields_are_422_and_named(client, body, fields):
    response = client.post("/api/v1/candidate-tokens", json=body)

    assert response.status_code == 422
    assert set(error(response)["fields"]) == fields


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(client):
    response = client.get("/api/v1/candidate-tokens")

    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


def test_messages_follow_accept_language(client):
    zh = client.post("/api/v1/candidate-tokens", json={}, headers={"Accept-Language": "zh-CN"})
    en = client.post("/api/v1/candidate-tokens", json={}, headers={"Accept-Language": "en"})
    default = client.post("/api/v1/candidate-tokens", json={})

    assert error(en)["message"] == "Some fields need correcting."
    assert error(zh)["message"] != error(en)["message"]
    assert any("\u4e00" <= c <= "\u9fff" for c in error(zh)["message"])
    assert error(default)["message"] == error(zh)["message"]


def test_the_openapi_document_lists_every_json_endpoint(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document":
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<{argument}>", "{" + argument + "}")
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}

    assert document["openapi"].startswith("3.1")
    assert served == documented


def test_the_documented_request_schema_is_the_one_that_validates(client):
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["CandidateTokenIn"]

    assert set(schema["required"]) == {"name", "id_number", "admission_number"}


def test_livez_never_needs_the_database_and_readyz_checks_it(client):
    assert client.get("/livez").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    from helpdesk import create_app
    from tests.conftest import app_config

    app = create_app(app_config(f"sqlite:///{tmp_path}/missing/dir/db.sqlite", str(tmp_path)))
    client = app.test_client()

    assert client.get("/livez").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_a_request_while_the_database_is_down_is_503_with_retry_after(tmp_path):
    from helpdesk import create_app
    from tests.conftest import app_config

    app = create_app(app_config(f"sqlite:///{tmp_path}/missing/dir/db.sqlite", str(tmp_path)))
    from helpdesk.demo import fake_id_number

    response = app.test_client().post(
        "/api/v1/candidate-tokens",
        json={
            "name": "甲",
            "id_number": fake_id_number(random.Random(1)),
            "admission_number": "ZK1",
        },
    )

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in response.text
    assert error(response)["code"] == "unavailable"
