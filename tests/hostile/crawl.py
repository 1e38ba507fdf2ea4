"""Visit every page a kind of visitor can open, and submit forms the way a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from helpdesk.identity.models import Role
from tests.hostile import desk
from tests.hostile.html import TEXT_INPUTS, Form, Page, parse
from tests.hostile.objects import World, factory_key


def actor_for(route: desk.Route) -> str:
    """The visitor who may open route: anonymous, the owner candidate, or staff of its role."""
    if route.required is None:
        return "anonymous"
    if route.required == "candidate":
        return "owner"
    return Role(route.required).value


def actors_for(route: desk.Route) -> list[str]:
    """Public pages are visited signed out and signed in (some forms show only then)."""
    actor = actor_for(route)
    return [actor, "owner"] if actor == "anonymous" else [actor]


def get_pages() -> list[desk.Route]:
    return [r for r in desk.page_routes() if "GET" in r.methods]


def page_path(world: World, route: desk.Route) -> str | None:
    """The route's address with the owner's objects, or None when an argument has no factory."""
    if any(factory_key(route.endpoint, arg) is None for arg in route.arguments):
        return None
    return route.path({arg: world.value_for(arg, route.endpoint) for arg in route.arguments})


def post_forms(page: Page, page_url: str) -> Iterator[tuple[str, Form]]:
    """(action path, form) for every POST form on the page."""
    for action, form in all_forms(page, page_url):
        if form.method == "POST":
            yield action, form


def all_forms(page: Page, page_url: str) -> Iterator[tuple[str, Form]]:
    """(action path, form) for every form on the page, searches (GET) included."""
    for form in page.forms:
        action = form.action or page_url
        parts = urlsplit(action)
        if parts.netloc:
            continue
        yield (
            (parts.path or urlsplit(page_url).path) + (f"?{parts.query}" if parts.query else ""),
            form,
        )


def file_field_names(form: Form) -> list[str]:
    return [name for name, kind, _ in form.fields if kind == "file"]


def text_field_names(form: Form) -> list[str]:
    return [
        name
        for name, kind, _ in form.fields
        if (kind in TEXT_INPUTS or kind == "textarea") and name != "csrf_token"
    ]


#: Plausible values for fields the test is not attacking, by name.
def defaults(world: World) -> dict[str, str]:
    owner = world.owner
    return {
        "name": owner["name"],
        "id_number": owner["id_number"],
        "admission_number": owner["admission_number"],
        "phone": "13800138000",
        "username": "nobody-here",
        "password": "not the password",
        "email": "someone@example.org",
        "exam_session": str(world.exam.code),
    }


def form_data(world: World, form: Form, **overrides: str) -> dict[str, Any]:
    known = defaults(world)
    data: dict[str, Any] = {}
    for name, kind, value in form.fields:
        if kind == "file":
            continue
        if not value and kind in TEXT_INPUTS | {"textarea"} and kind != "hidden":
            value = known.get(name, "测试内容 test")
        data[name] = value
    data.update(overrides)
    return data


def fetch(client: FlaskClient, path: str) -> tuple[int, Page, str]:
    response = client.get(path)
    # Read every answer to the end and close it, as a browser does: a streamed export left
    # half-read would hold its database cursor open.
    body = response.get_data()
    response.close()
    html = body.decode("utf-8") if response.mimetype == "text/html" else ""
    return response.status_code, parse(html), html
