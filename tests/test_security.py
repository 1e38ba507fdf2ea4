"""Security headers, no inline script, and session cookies that are HttpOnly, Lax, and Secure under
https."""

from __future__ import annotations

import pytest

from helpdesk import create_app
from helpdesk.db import database
from helpdesk.security import safe_next
from tests.conftest import app_config, csrf_token


@pytest.mark.parametrize(
    "path", ["/", "/signin", "/staff/signin", "/livez", "/nope", "/api/v1/openapi.json"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)

    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client):
    for path in ("/", "/signin", "/staff/signin"):
        html = client.get(path).text
        assert "<script>" not in html
        assert " on" + "click=" not in html


def test_the_session_cookie_is_httponly_and_lax(client, make_candidate):
    response = client.post("/signin", data=dict(make_candidate()))

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_when_served_over_https(fresh_database, tmp_path):
    import os

    os.environ["HELPDESK_PUBLIC_URL"] = "https://desk.example.org"
    try:
        secure_app = create_app(app_config("sqlite://", str(tmp_path)))
    finally:
        del os.environ["HELPDESK_PUBLIC_URL"]

    assert secure_app.config["SESSION_COOKIE_SECURE"] is True


def test_signing_out_really_ends_a_staff_session(client, app, make_staff, sign_in_staff):
    staff = make_staff("admin")
    sign_in_staff(staff)
    stolen = client.get_cookie("session").value
    client.post("/signout")

    thief = app.test_client()
    thief.set_cookie("session", stolen)

    assert thief.get("/admin/roster").status_code == 302


def test_forms_refuse_a_post_without_the_csrf_token(app):
    strict = create_app(dict(app_config(app.config["DATABASE_URL"], "/tmp"), WTF_CSRF_ENABLED=True))
    client = strict.test_client()
    identity = {"name": "甲", "id_number": "x", "admission_number": "ZK1"}

    try:
        refused = client.post("/signin", data=dict(identity))
        page = client.get("/signin")
        accepted = client.post("/signin", data=dict(identity, csrf_token=csrf_token(page.text)))
    finally:
        database(strict).engine.dispose()

    assert refused.status_code == 400
    assert accepted.status_code == 422


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tickets/5", "/tickets/5"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        ("/ok\r\nX: y", "/"),
    ],
)
def test_next_parameters_stay_inside_the_desk(target, expected):
    assert safe_next(target, "/") == expected


def test_sign_in_redirects_only_inside_the_desk(client, make_candidate):
    response = client.post(
        "/signin?next=https://evil.example",
        data=dict(make_candidate(), next="https://evil.example/x"),
    )

    assert response.headers["Location"] == "/"


def test_error_pages_never_show_a_stack_trace(client):
    response = client.get("/api/v1/candidate-tokens")

    assert "Traceback" not in response.text
