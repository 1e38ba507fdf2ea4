"""Security headers and cookie flags on every page (error pages too), CSRF on every
state-changing form route, and no redirect that leaves the desk, whatever `next` says."""

from __future__ import annotations

from functools import cache
from urllib.parse import quote, urlsplit

import pytest
from argon2 import PasswordHasher

from helpdesk.extensions import csrf
from tests.hostile import desk
from tests.hostile.crawl import actor_for, fetch, get_pages, page_path, post_forms
from tests.hostile.html import parse
from tests.hostile.objects import World

PAGES = get_pages()
POST_ROUTES = [(r, m) for r in desk.page_routes() for m in r.methods if m in desk.STATE_CHANGING]
EVIL_TARGETS = [
    "https://evil.example/x",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    "\thttps://evil.example",
    "///evil.example",
    " //evil.example",
    "/%2F%2Fevil.example",
    "http://localhost.evil.example/",
    "data:text/html,x",
    "/\r\nLocation: https://evil.example",
    "／／evil.example",
]
REDIRECT_FIELDS = ("next", "return_to", "redirect", "redirect_to", "back", "url", "target")


def _header_problems(response, where: str) -> list[str]:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    problems = []
    if (
        "script-src 'self'" not in csp
        or "unsafe-inline" in csp
        or "frame-ancestors 'none'" not in csp
        or "object-src 'none'" not in csp
    ):
        problems.append(f"{where}: CSP {csp!r}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{where}: {name}={headers.get(name)!r}")
    if response.mimetype == "text/html" and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"{where}: HTML without Cache-Control no-store")
    for cookie in headers.getlist("Set-Cookie"):
        lowered = cookie.lower()
        if "httponly" not in lowered or not (
            "samesite=lax" in lowered or "samesite=strict" in lowered
        ):
            problems.append(f"{where}: cookie {cookie.split('=')[0]} lacks HttpOnly/SameSite")
    return problems


@pytest.mark.parametrize("route", PAGES, ids=[r.endpoint for r in PAGES])
def test_every_page_carries_the_security_headers(world: World, route):
    path = page_path(world, route)
    if path is None:
        pytest.skip("no factory for this page's objects (see test_access_matrix)")

    response = world.client(actor_for(route)).get(path)
    response.get_data()
    response.close()

    assert _header_problems(response, f"GET {path}") == []


def test_error_pages_carry_the_security_headers(world: World, monkeypatch):
    client = world.client("anonymous")
    monkeypatch.setitem(world.app.config, "MAX_CONTENT_LENGTH", 4096)
    answers = {
        404: client.get("/no-such-page"),
        405: client.put("/livez"),
        413: client.post("/signin", data={"name": "x" * 10_000}),
        "api 404": client.get("/api/v1/no-such-thing"),
        "api 405": client.delete("/api/v1/candidate-tokens"),
        "api 413": client.post(
            "/api/v1/candidate-tokens",
            data="[" + "1," * 10_000 + "1]",
            content_type="application/json",
        ),
    }
    for _ in range(8):
        throttled = client.post("/signin", data={**world.owner, "admission_number": "NOBODY"})
    answers[429] = throttled
    monkeypatch.setitem(world.app.config, "WTF_CSRF_ENABLED", True)
    answers[400] = client.post("/signin", data={"name": "x"})

    statuses = {key: response.status_code for key, response in answers.items()}
    problems = [p for key, r in answers.items() for p in _header_problems(r, str(key))]

    assert statuses == {
        404: 404,
        405: 405,
        413: 413,
        "api 404": 404,
        "api 405": 405,
        "api 413": 413,
        429: 429,
        400: 400,
    }
    assert problems == []
    assert all("Traceback" not in r.get_data(as_text=True) for r in answers.values())


def test_every_cookie_the_desk_sets_is_httponly_and_same_site(world: World, client):
    owner = world.owner
    signed_in = client.post("/signin", data=dict(owner))
    language = client.post("/lang", data={"locale": "en", "next": "/"})

    cookies = signed_in.headers.getlist("Set-Cookie") + language.headers.getlist("Set-Cookie")

    assert {c.split("=")[0] for c in cookies} >= {"session", "lang"}
    assert [c for c in cookies if "HttpOnly" not in c or "SameSite=Lax" not in c] == []


def _exempt(route: desk.Route) -> bool:
    view = desk.discovery_app().view_functions[route.endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = route.endpoint.split(".")[0]
    exempt_blueprints = {getattr(b, "name", b) for b in csrf._exempt_blueprints}
    return name in csrf._exempt_views or blueprint in exempt_blueprints


@pytest.mark.parametrize(
    ("route", "method"), POST_ROUTES, ids=[f"{m} {r.rule}" for r, m in POST_ROUTES]
)
def test_a_form_post_without_a_valid_csrf_token_is_refused(
    world: World, monkeypatch, route, method
):
    path = page_path(world, route)
    if path is None:
        pytest.skip("no factory for this route's objects (see test_access_matrix)")
    client = world.client(actor_for(route))
    monkeypatch.setitem(world.app.config, "WTF_CSRF_ENABLED", True)

    missing = client.open(path, method=method, data={"next": "/"})
    forged = client.open(path, method=method, data={"csrf_token": "forged", "next": "/"})

    if route.is_api or _exempt(route):
        # Exempt routes (signed webhooks) must refuse an unsigned request by other means.
        assert missing.status_code in (401, 403, 404, 415, 422), missing.status_code
    else:
        assert (missing.status_code, forged.status_code) == (400, 400)
        assert (
            "csrf" in missing.get_data(as_text=True).lower()
            or parse(missing.get_data(as_text=True)).text.strip()
        )


def _safe(location: str) -> bool:
    parts = urlsplit(location)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
        return False
    return not location.startswith(("//", "/\\")) and "\n" not in location


def _redirect_forms(world: World) -> list[tuple[str, str, str, dict[str, str]]]:
    """(actor, action, field, data) for every POST form that carries a redirect target."""
    found: dict[tuple[str, str, str], dict[str, str]] = {}
    for route in PAGES:
        path = page_path(world, route)
        if path is None:
            continue
        actor = actor_for(route)
        _, page, _ = fetch(world.client(actor), path + "?next=/x")
        for action, form in post_forms(page, path):
            for name, _, _ in form.fields:
                if name in REDIRECT_FIELDS:
                    data = {n: v for n, _, v in form.fields}
                    found.setdefault((actor, action.split("?")[0], name), data)
    return [(a, act, f, d) for (a, act, f), d in sorted(found.items())]


def test_no_next_parameter_anywhere_redirects_outside_the_desk(world: World):
    forms = _redirect_forms(world)
    escaped = []

    for actor, action, field, data in forms:
        for evil in EVIL_TARGETS:
            client = world.client(actor)
            for attempt in (
                {**data, field: evil},
                {**data, **_good_credentials(world, action), field: evil},
            ):
                response = client.post(f"{action}?{field}={quote(evil)}", data=attempt)
                location = response.headers.get("Location", "")
                if response.status_code in (301, 302, 303, 307, 308) and not _safe(location):
                    escaped.append(f"{actor} {action} {field}={evil!r} → {location!r}")
    for route in PAGES:
        path = page_path(world, route)
        if path is None:
            continue
        for evil in EVIL_TARGETS[:6]:
            response = world.client("anonymous").get(f"{path}?next={quote(evil)}")
            response.get_data()
            response.close()
            location = response.headers.get("Location", "")
            if response.status_code in (301, 302, 303, 307, 308) and not _safe(location):
                escaped.append(f"GET {path}?next={evil!r} → {location!r}")

    assert {a for _, a, _, _ in forms} >= {"/signin", "/staff/signin", "/lang"}
    assert escaped == []


def _good_credentials(world: World, action: str) -> dict[str, str]:
    """What a successful submission needs, for the forms whose success redirects."""
    if action.startswith("/signin"):
        return dict(world.owner)
    if action.startswith("/staff/signin"):
        admin = world.staff["admin"]
        admin.password_hash = _known_hash()
        world.session.flush()
        return {"username": admin.username, "password": STAFF_PASSWORD}
    return {}


STAFF_PASSWORD = "hostile test pass"


@cache
def _known_hash() -> str:
    return PasswordHasher().hash(STAFF_PASSWORD)
