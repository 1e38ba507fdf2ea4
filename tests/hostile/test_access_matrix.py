"""Every route × every kind of visitor × every method answers by the rule.

Routes are read from app.url_map (their `required_role` set by `staff_required` or
`candidate_required`) and from the OpenAPI document; objects come from the factories in
tests/hostile/objects.py. The rule: anonymous visitors are sent to the sign-in page (401
on the API); candidates are not staff; staff below the page's role get 403; another
candidate's object answers exactly like one that does not exist.
"""

from __future__ import annotations

import difflib
import re

import pytest

from helpdesk.identity.models import Role
from tests.hostile import desk
from tests.hostile.objects import FACTORIES, World, factory_key, missing_value

STAFF_ROLES = ("agent", "supervisor", "admin")
#: A malformed request may be refused before the object is looked up: then foreign and
#: missing objects still answer identically, with that status.
REFUSED_BEFORE_LOOKUP = {400, 415, 422}


def _guarded_routes() -> list[tuple[desk.Route, str]]:
    cells = []
    for route in desk.page_routes():
        if route.required is None:
            continue
        for method in route.methods:
            cells.append((route, method))
    return cells


def _api_operations() -> list[tuple[str, str, dict]]:
    return [op for op in desk.api_operations() if op[2].get("security")]


GUARDED = _guarded_routes()
API_GUARDED = _api_operations()


def _unfactoried(route_args: list[tuple[str, str, tuple[str, ...]]]) -> list[str]:
    return [
        f"{name} <{arg}>"
        for endpoint, name, args in route_args
        for arg in args
        if factory_key(endpoint, arg) is None
    ]


def test_every_object_route_has_a_way_to_make_its_object():
    """A new object route needs an entry in tests/hostile/objects.py FACTORIES."""
    page_args = [
        (r.endpoint, f"{r.endpoint} {r.rule}", r.arguments)
        for r in desk.page_routes()
        if r.arguments
    ]
    api_args = [
        (
            "api",
            f"{m} {p}",
            tuple(prm["name"] for prm in op.get("parameters", []) if prm["in"] == "path"),
        )
        for m, p, op in desk.api_operations()
    ]

    assert _unfactoried(page_args + api_args) == []


def test_the_matrix_covers_staff_and_candidate_pages():
    requirements = {
        type(r.required).__name__ if isinstance(r.required, Role) else r.required
        for r, _ in GUARDED
    }

    assert "Role" in requirements


def _open(client, path: str, method: str, **kwargs):
    """Make the request and read the whole answer (streamed exports included)."""
    if method in ("POST", "PUT", "PATCH") and path.startswith("/api/"):
        kwargs.setdefault("json", {})
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


#: A CSRF token carries the second it was signed in: two answers a second apart differ there
#: whoever owns the object, so it is no sign of one.
CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]*"')


def _normalised(response, paths: list[str]) -> tuple[int, str]:
    body = CSRF_VALUE.sub(r'\1<TOKEN>"', response.get_data(as_text=True))
    for path in sorted(paths, key=len, reverse=True):
        body = body.replace(path, "<PATH>")
    return response.status_code, body


def _paths(world: World, route: desk.Route) -> tuple[str, str | None]:
    """The route with the owner's objects, and with a missing candidate-owned object."""
    keys = {arg: factory_key(route.endpoint, arg) for arg in route.arguments}
    if None in keys.values():
        pytest.skip(f"no factory for {route.arguments} (see the factory test)")
    values = {arg: world.value_for(arg, route.endpoint) for arg in route.arguments}
    owned = route.path(values)
    candidate_args = [a for a in route.arguments if FACTORIES[str(keys[a])].candidate_owned]
    if not candidate_args:
        return owned, None
    missing = dict(values)
    for arg in candidate_args:
        missing[arg] = missing_value(route.converter(arg))
    return owned, route.path(missing)


def _difference(foreign, absent, owned: str, missing: str) -> str:
    a = _normalised(foreign, [owned])
    b = _normalised(absent, [missing])
    lines = difflib.unified_diff(
        f"{a[0]}\n{a[1]}".splitlines(),
        f"{b[0]}\n{b[1]}".splitlines(),
        "foreign",
        "missing",
        lineterm="",
        n=1,
    )
    return "\n".join(list(lines)[:40])


def _signin_redirect(response, prefix: str) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith(prefix)


@pytest.mark.parametrize(("route", "method"), GUARDED, ids=[f"{m} {r.rule}" for r, m in GUARDED])
def test_each_visitor_gets_what_the_pages_rule_says(world, route, method):
    owned, missing = _paths(world, route)
    is_staff_page = isinstance(route.required, Role)
    signin = "/staff/signin" if is_staff_page else "/signin"
    answers = {}

    answers["anonymous"] = _open(world.client("anonymous"), owned, method)
    for actor in STAFF_ROLES if not is_staff_page else ("owner", "other"):
        answers[actor] = _open(world.client(actor), owned, method)
    if missing is not None and not is_staff_page:
        other = world.client("other")
        foreign = _open(other, owned, method)
        absent = _open(other, missing, method)
        assert _normalised(foreign, [owned]) == _normalised(absent, [missing]), (
            "another candidate's object must answer exactly like a missing one:\n"
            + _difference(foreign, absent, owned, missing)
        )
        assert foreign.status_code in REFUSED_BEFORE_LOOKUP | {404}
    if is_staff_page:
        for role in STAFF_ROLES:
            answer = _open(world.client(role), owned, method)
            allowed = Role(role).includes(route.required)
            if allowed:
                assert answer.status_code not in (401, 403, 404), (
                    f"{role} must be able to use {method} {owned}: {answer.status_code}"
                )
                assert answer.status_code < 500, f"{method} {owned} as {role}: server error"
            else:
                assert answer.status_code == 403, f"{role} must get 403 on {method} {owned}"
    else:
        answer = _open(world.client("owner"), owned, method)
        assert answer.status_code not in (401, 403, 404), (
            f"the owner must be able to use {method} {owned}: {answer.status_code}"
        )
        assert answer.status_code < 500, f"{method} {owned} as the owner: server error"

    refused = {
        actor: response.status_code
        for actor, response in answers.items()
        if not _signin_redirect(response, signin)
    }
    assert refused == {}, f"these visitors were not sent to {signin}"


def _api_paths(world: World, path: str, operation: dict) -> tuple[str, str | None]:
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    if any(factory_key("api", n) is None for n in names):
        pytest.skip(f"no factory for {names} (see the factory test)")
    owned, missing = path, path
    for name in names:
        owned = owned.replace("{" + name + "}", str(world.value_for(name, "api")))
        value = (
            missing_value("string")
            if FACTORIES[str(factory_key("api", name))].candidate_owned
            else str(world.value_for(name, "api"))
        )
        missing = missing.replace("{" + name + "}", value)
    return owned, (missing if missing != owned else None)


@pytest.mark.parametrize(
    ("method", "path", "operation"), API_GUARDED, ids=[f"{m} {p}" for m, p, _ in API_GUARDED]
)
def test_each_api_caller_gets_what_the_operations_rule_says(world, method, path, operation):
    owned, missing = _api_paths(world, path, operation)
    client = world.app.test_client()

    anonymous = _open(client, owned, method)
    forged = _open(client, owned, method, headers={"Authorization": "Bearer forged"})
    if missing is not None:
        other = world.api_headers("other")
        foreign = _open(client, owned, method, headers=other)
        absent = _open(client, missing, method, headers=other)
        assert _normalised(foreign, [owned]) == _normalised(absent, [missing]), _difference(
            foreign, absent, owned, missing
        )
        assert foreign.status_code in REFUSED_BEFORE_LOOKUP | {404}
    owner = _open(client, owned, method, headers=world.api_headers("owner"))

    assert anonymous.status_code == 401
    assert anonymous.json["error"]["message"]
    assert forged.status_code == 401
    assert owner.status_code not in (401, 403, 404)
    assert owner.status_code < 500


def _public_owned() -> list[tuple[desk.Route, str]]:
    cells = []
    for route in desk.page_routes():
        keys = [factory_key(route.endpoint, a) for a in route.arguments]
        if (
            route.required is None
            and keys
            and None not in keys
            and any(FACTORIES[str(k)].candidate_owned for k in keys)
        ):
            cells += [(route, method) for method in route.methods]
    return cells


PUBLIC_OWNED = _public_owned()


@pytest.mark.parametrize(
    ("route", "method"), PUBLIC_OWNED, ids=[f"{m} {r.rule}" for r, m in PUBLIC_OWNED]
)
def test_a_candidates_object_behind_an_open_door_is_still_theirs_alone(world, route, method):
    owned, missing = _paths(world, route)
    assert missing is not None

    anonymous = _open(world.client("anonymous"), owned, method)
    other = world.client("other")
    foreign = _open(other, owned, method)
    absent = _open(other, missing, method)
    owner = _open(world.client("owner"), owned, method)

    assert anonymous.status_code >= 300
    assert _normalised(foreign, [owned]) == _normalised(absent, [missing]), _difference(
        foreign, absent, owned, missing
    )
    assert foreign.status_code in REFUSED_BEFORE_LOOKUP | {404}
    assert owner.status_code < 400


STAFF_GUARDED = [(r, m) for r, m in GUARDED if isinstance(r.required, Role)]
#: Pages a staff member may open while a setup step is left (setup_step in identity.auth).
SETUP_PAGES = {
    "identity_staff.change_password",
    "identity_staff.two_factor",
    "identity_staff.sign_out_everywhere",
}


def test_the_matrix_covers_the_staff_account_and_administration_pages():
    endpoints = {r.endpoint for r, _ in STAFF_GUARDED}

    assert endpoints >= SETUP_PAGES
    assert {
        "identity_staff.account",
        "identity_staff.staff_list",
        "identity_staff.staff_detail",
        "identity_staff.set_active",
        "identity_staff.reset_two_factor",
        "audit_staff.entries",
        "audit_staff.export_csv",
    } <= endpoints


@pytest.mark.parametrize(
    ("route", "method"), STAFF_GUARDED, ids=[f"{m} {r.rule}" for r, m in STAFF_GUARDED]
)
def test_every_staff_page_waits_for_two_factor_enrolment(world, route, method):
    """An admin (whose role opens every staff page) who has not enrolled yet is sent to
    enrolment from every page but the setup pages themselves."""
    owned, _ = _paths(world, route)
    world.staff["admin"].totp_secret = None
    world.session.flush()

    answer = _open(world.client("admin"), owned, method)

    if route.endpoint in SETUP_PAGES:
        assert not _signin_redirect(answer, "/staff/account/two-factor")
        assert answer.status_code < 500
    else:
        assert _signin_redirect(answer, "/staff/account/two-factor"), (
            f"{method} {owned} answered {answer.status_code} to an admin without two factors"
        )
