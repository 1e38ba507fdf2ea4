"""Every staff page refuses anonymous visitors and staff whose role is too low."""

from __future__ import annotations

import re

import pytest

from helpdesk import create_app
from helpdesk.identity.models import Role
from tests.conftest import app_config

ROLES = [Role.AGENT, Role.SUPERVISOR, Role.ADMIN]


def _staff_pages() -> list[tuple[str, str, Role]]:
    app = create_app(app_config("sqlite://", "/tmp"))
    pages = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        if isinstance(role, Role):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<{argument}>", "1").replace(f"<int:{argument}>", "1")
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                pages.append((method, path, role))
    return pages


STAFF_PAGES = _staff_pages()


def test_the_staff_page_list_is_not_empty():
    assert len(STAFF_PAGES) >= 4


@pytest.mark.parametrize(("method", "path", "role"), STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, method, path, role):
    response = client.open(path, method=method)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/signin")


@pytest.mark.parametrize(("method", "path", "role"), STAFF_PAGES)
def test_a_signed_in_candidate_is_not_staff(
    client, make_candidate, sign_in_candidate, method, path, role
):
    sign_in_candidate(make_candidate())

    response = client.open(path, method=method)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/signin")


@pytest.mark.parametrize(("method", "path", "role"), [p for p in STAFF_PAGES if p[2] != Role.AGENT])
def test_staff_below_the_pages_role_are_refused(
    client, make_staff, sign_in_staff, method, path, role
):
    lower = [r for r in ROLES if not r.includes(role)]
    sign_in_staff(make_staff(lower[-1].value))

    response = client.open(path, method=method)

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path", "role"), [p for p in STAFF_PAGES if p[0] == "GET"])
def test_staff_with_the_role_open_the_page(client, make_staff, sign_in_staff, method, path, role):
    sign_in_staff(make_staff(role.value))

    response = client.open(path, method=method)

    assert response.status_code in (200, 404)  # 404 only for a made-up object id


def _menu(page: str) -> list[str]:
    """The addresses of the main menu's links, in order."""
    nav = page.split('id="site-menu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_each_audience_sees_its_own_menu_from_one_app(
    app, client, make_staff, make_candidate, sign_in_staff, sign_in_candidate
):
    menus = {}
    for role in ROLES:
        browser = app.test_client()
        sign_in_staff(make_staff(role.value), test_client=browser)
        menus[role] = _menu(browser.get("/staff/account").text)
    sign_in_candidate(make_candidate())
    candidate_menu = _menu(client.get("/").text)
    anonymous_menu = _menu(app.test_client().get("/signin").text)

    assert "/staff/tickets" in menus[Role.AGENT]
    assert "/staff/callbacks/wallboard" not in menus[Role.AGENT]
    assert "/staff/callbacks/wallboard" in menus[Role.SUPERVISOR]
    assert "/admin/staff" not in menus[Role.SUPERVISOR]
    assert "/admin/staff" in menus[Role.ADMIN]
    # each role's menu holds everything the one below it has, in the same order
    assert [url for url in menus[Role.SUPERVISOR] if url in menus[Role.AGENT]] == menus[Role.AGENT]
    assert set(menus[Role.SUPERVISOR]) <= set(menus[Role.ADMIN])
    assert "/tickets" in candidate_menu
    assert not [url for url in candidate_menu if url.startswith(("/staff", "/admin"))]
    assert anonymous_menu == []
