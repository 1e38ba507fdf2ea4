"""Error pages a person can act on: a 503 or 500 keeps the desk's layout (candidate or staff)
without touching the database, offers a way back, makes the hotline a tel: link, and says
"nothing was saved" only when something was submitted."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from helpdesk.db import database


@contextmanager
def database_locked(app):
    """Every statement fails as it does while another connection holds SQLite's lock."""
    queries: list[str] = []

    def refuse(_conn, _cursor, statement, *_args):
        queries.append(statement)
        raise OperationalError(statement, {}, Exception("database is locked"))

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def _a_bug(*_args, **_kwargs):
    raise RuntimeError("a bug")


def _layout(html: str) -> bool:
    return '<header class="topbar">' in html and '<footer class="footer">' in html


def test_a_candidates_page_during_a_lock_keeps_the_layout_and_a_way_back(
    client, make_candidate, sign_in_candidate, app
):
    sign_in_candidate(make_candidate())

    with database_locked(app):
        response = client.get("/tickets/new")

    html = response.text
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert _layout(html)
    assert "系统暂时繁忙，请几秒钟后再试。" in html
    assert "未被保存" not in html
    assert 'href="tel:4000880028"' in html
    assert 'href="/tickets/new">重试</a>' in html
    assert 'href="/">返回首页' in html or ">返回" in html


def test_a_form_sent_during_a_lock_says_nothing_was_saved_and_leads_back_to_it(
    client, make_candidate, app
):
    identity = make_candidate()

    with database_locked(app):
        response = client.post(
            "/signin", data=dict(identity), headers={"Referer": "http://localhost/signin"}
        )

    html = response.text
    assert response.status_code == 503
    assert _layout(html)
    assert "您提交的内容未被保存" in html
    assert 'href="http://localhost/signin">返回填写页面</a>' in html
    assert 'href="tel:4000880028"' in html


def test_a_staff_page_during_a_lock_leads_back_to_the_staff_desk(
    client, make_staff, sign_in_staff, app
):
    sign_in_staff(make_staff("agent"))

    with database_locked(app) as queries:
        response = client.get("/staff/tickets")

    html = response.text
    assert response.status_code == 503
    assert _layout(html)
    assert 'href="/staff/">返回工作台</a>' in html
    assert len(queries) == 1  # the page itself asked the database nothing more


def test_a_referrer_from_another_site_is_not_offered_as_the_way_back(client, app):
    with database_locked(app):
        response = client.post(
            "/signin",
            data={"name": "张三", "id_number": "x", "admission_number": "A1"},
            headers={"Referer": "https://evil.example/"},
        )

    assert response.status_code == 503
    assert "evil.example" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "endpoint", "saved_note"),
    [
        ("GET", "/", "exams.home", False),
        ("POST", "/signin", "identity.sign_in", True),
        ("GET", "/staff/", "exams_staff.staff_home", False),
        ("POST", "/staff/signin", "identity.staff_sign_in", True),
    ],
)
def test_an_unexpected_error_page_keeps_the_layout_and_the_hotline(
    app, client, monkeypatch, method, path, endpoint, saved_note
):
    monkeypatch.setitem(app.view_functions, endpoint, _a_bug)

    response = client.open(path, method=method)

    html = response.text
    assert response.status_code == 500
    assert _layout(html)
    assert 'href="tel:4000880028"' in html
    assert ("可能未被保存" in html) is saved_note
    assert ("返回工作台" in html) is path.startswith("/staff")
    assert "a bug" not in html
    assert "Traceback" not in html


def test_the_api_says_nothing_was_saved_only_for_a_write(client, app, make_candidate):
    identity = make_candidate()

    with database_locked(app):
        read = client.get("/api/v1/tickets", headers={"Authorization": "Bearer x"})
        write = client.post("/api/v1/candidate-tokens", json=dict(identity))

    assert read.status_code == 503
    assert "保存" not in read.json["error"]["message"]
    assert write.status_code == 503
    assert "未被保存" in write.json["error"]["message"]
