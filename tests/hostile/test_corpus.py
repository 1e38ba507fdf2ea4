"""The hostile corpus through every free-text field of every form and JSON endpoint.

Each value must be stored as sent or refused with a 4xx and a message, never a 5xx, and
wherever the desk shows it again it must stay text: no element or attribute may be built
from it. Forms are found by visiting every page as the visitor allowed to open it; JSON
fields come from the OpenAPI document. The fast tier sends 40 strings per field (the same
ones every run); --full sends the whole corpus.
"""

from __future__ import annotations

import importlib
import io
import json
import unicodedata
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.hostile import corpus, desk
from tests.hostile.crawl import (
    actors_for,
    all_forms,
    fetch,
    file_field_names,
    form_data,
    get_pages,
    page_path,
    post_forms,
    text_field_names,
)
from tests.hostile.html import Page, parse
from tests.hostile.objects import World, factory_key

PAGES = get_pages()
VISITS = [(route, actor) for route in PAGES for actor in actors_for(route)]


def _inert(page: Page, value: str, where: str) -> list[str]:
    problems = [f"{where}: {p}" for p in page.script_problems()]
    built = page.built_from(value)
    if built:
        problems.append(f"{where}: elements built from input: {built[:3]}")
    return problems


def _evaluated(value: str, page: Page) -> bool:
    """A template expression in the value came back evaluated ({{7*7}} shown as 49)."""
    if "{{7*7}}" not in value and "{{ 7*'7' }}" not in value:
        return False
    result = value.replace("{{7*7}}", "49").replace("{{ 7*'7' }}", "7777777")
    if len(_canon(result)) < 4:
        return False  # "49" alone is in too many ids and times to mean anything
    text = _canon(page.text)
    return _canon(result)[:60] in text and _canon(value)[:60] not in text


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00"
    b"\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _submit(client, world: World, form, action: str, field: str, kind: str, value: str):
    """Send the form with value in field: as a query for searches, as a file's name for file
    inputs (a small real PNG), as text otherwise."""
    if form.method == "GET":
        return client.get(
            action.split("?")[0], query_string=form_data(world, form, **{field: value})
        )
    if kind == "file":
        data = form_data(world, form)
        data[field] = (io.BytesIO(PNG), value)
        try:
            return client.post(action, data=data, content_type="multipart/form-data")
        except (ValueError, UnicodeError):
            return None
    return client.post(action, data=form_data(world, form, **{field: value}))


def _canon(text: str) -> str:
    """Text as a reader sees it: NFKC, whitespace collapsed, invisible characters (controls,
    bidi and zero-width marks) left out, since a desk may rightly strip those."""
    visible = "".join(
        c
        for c in unicodedata.normalize("NFKC", text)
        if unicodedata.category(c) not in ("Cc", "Cf") or c.isspace()
    )
    return " ".join(visible.split())


def _read_back(kind: str, field: str, value: str, page: Page) -> bool:
    """A free-text area accepted on a form is shown on the page the desk goes to next
    (the ticket with its new reply, the request with its note), as it was sent."""
    if kind != "textarea" or "markdown" in field or not _canon(value) or len(value) > 5000:
        return True
    shown = _canon(page.text)
    return _canon(value) in shown


def _same_text(sent: str, shown: str) -> bool:
    return _canon(sent) == _canon(shown)


# ------------------------------------------------------------------------------- forms


@pytest.mark.parametrize(("route", "actor"), VISITS, ids=[f"{r.endpoint}-{a}" for r, a in VISITS])
def test_hostile_text_in_every_form_field_is_stored_or_refused_and_stays_inert(
    world: World, route: desk.Route, actor: str, per_field
):
    path = page_path(world, route)
    if path is None:
        pytest.skip("no factory for this page's objects (see test_access_matrix)")
    status, page, _ = fetch(world.client(actor), path)
    if status != 200:
        pytest.skip(f"{path} answers {status} to {actor}")
    problems: list[str] = []

    for action, form in all_forms(page, path):
        kinds = {name: kind for name, kind, _ in form.fields}
        targets = [(f, kinds[f]) for f in text_field_names(form)]
        if form.method == "POST":
            targets += [(f, "file") for f in file_field_names(form)]
        for field, kind in targets:
            client = world.client(actor)
            for value in corpus.sample(per_field, f"{route.endpoint}:{action}:{field}"):
                world.app.extensions["signin_throttle"].reset()
                response = _submit(client, world, form, action, field, kind, value)
                if response is None:
                    continue  # the test client itself cannot encode this file name
                where = f"{actor} {form.method} {action} {field}={value[:40]!r}"
                html = response.get_data(as_text=True)
                shown = parse(html) if response.mimetype == "text/html" else Page()
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                    continue
                problems += _inert(shown, value, where)
                if not 300 <= response.status_code < 400 and _evaluated(value, shown):
                    problems.append(f"{where}: template syntax was evaluated")
                # A hidden field is not typed by a person: tampering needs no explanation;
                # a search answers whatever it finds.
                if (
                    400 <= response.status_code < 500
                    and response.mimetype == "text/html"
                    and not shown.alerts
                    and kind != "hidden"
                    and form.method == "POST"
                ):
                    problems.append(f"{where}: refused with {response.status_code} but no message")
                location = response.headers.get("Location", "")
                if response.status_code in (302, 303) and not urlsplit(location).netloc:
                    _, after, _ = fetch(client, location)
                    problems += _inert(after, value, f"{where} → {location}")
                    # Adding to an object (a reply, a note) comes back to that object.
                    head, _, verb = action.split("?")[0].rpartition("/")
                    back_home = head == urlsplit(location).path and verb.isalpha()
                    if back_home and not _read_back(kind, field, value, after):
                        problems.append(f"{where} → {location}: accepted but not shown as sent")
                if "sign_out" in action or "signout" in action:
                    client = world.client(actor)

    assert problems == [], "\n".join(problems[:30])


# ------------------------------------------------------------------------- JSON bodies


def _string_fields(schema: dict[str, Any]) -> list[str]:
    schema = desk.resolve(schema)
    names = []
    for name, prop in schema.get("properties", {}).items():
        prop = desk.resolve(prop)
        kinds = [desk.resolve(p).get("type") for p in prop.get("anyOf", [prop])]
        if (
            "string" in kinds
            and "enum" not in prop
            and prop.get("format") not in ("date-time", "date", "uuid", "binary")
        ):
            names.append(name)
    return names


def _json_targets() -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(method, path, operation, where the field goes: body or query, field)."""
    targets = []
    for method, path, operation in desk.api_operations():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            targets += [
                (method, path, operation, "body", name) for name in _string_fields(body["schema"])
            ]
        query = {
            "type": "object",
            "properties": {
                p["name"]: p["schema"]
                for p in operation.get("parameters", [])
                if p["in"] == "query"
            },
        }
        targets += [(method, path, operation, "query", name) for name in _string_fields(query)]
    return targets


JSON_TARGETS = _json_targets()


def _value_for(world: World, name: str, schema: dict[str, Any]) -> Any:
    known = {
        "name": world.owner["name"],
        "id_number": world.owner["id_number"],
        "admission_number": world.owner["admission_number"],
        "exam_session": str(world.exam.code),
        "phone": "13800138000",
        "category": "other",
        "event_id": str(uuid.uuid4()),
    }
    if name in known:
        return known[name]
    schema = desk.resolve(schema)
    options = [desk.resolve(s) for s in schema.get("anyOf", [schema])]
    chosen = next((o for o in options if o.get("type") != "null"), options[0])
    if "enum" in chosen:
        return chosen["enum"][0]
    if "const" in chosen:
        return chosen["const"]
    kind = chosen.get("type")
    if kind == "string":
        if chosen.get("format") == "date-time":
            return "2023-01-10T11:05:00+08:00"
        return "x" * max(1, int(chosen.get("minLength", 1)))
    if kind in ("integer", "number"):
        return chosen.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return None


def _baseline(world: World, schema: dict[str, Any]) -> dict[str, Any]:
    schema = desk.resolve(schema)
    return {
        name: _value_for(world, name, prop) for name, prop in schema.get("properties", {}).items()
    }


def _echoes(payload: Any, field: str) -> list[Any]:
    found = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == field and isinstance(value, str):
                found.append(value)
            found += _echoes(value, field)
    elif isinstance(payload, list):
        for item in payload:
            found += _echoes(item, field)
    return found


def _read_back_path(method: str, path: str, payload: Any) -> str | None:
    """Where the API shows what a POST created: GET {path}/{its id}, when documented."""
    if method != "POST" or not isinstance(payload, dict):
        return None
    for template_path, item in desk.openapi()["paths"].items():
        head, _, last = template_path.rpartition("/")
        if head == path and last.startswith("{") and "get" in item:
            for key in ("id", "number", "code", "report_code", last[1:-1]):
                if isinstance(payload.get(key), str | int):
                    return f"{head}/{payload[key]}"
    return None


@pytest.mark.parametrize(
    ("method", "path", "operation", "place", "field"),
    JSON_TARGETS,
    ids=[f"{m} {p} {pl}.{f}" for m, p, _, pl, f in JSON_TARGETS],
)
def test_hostile_text_in_every_json_field_is_stored_or_refused(
    world: World, method, path, operation, place, field, per_field
):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    if any(factory_key("api", n) is None for n in names):
        pytest.skip(f"no factory for {names}")
    for name in names:
        path = path.replace("{" + name + "}", str(world.value_for(name, "api")))
    schema = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {"type": "object"})
    )
    query_schema = {
        "type": "object",
        "properties": {
            p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"
        },
    }
    client = world.app.test_client()
    auth = world.api_headers("owner") if operation.get("security") else {}
    problems = []

    for value in corpus.sample(per_field, f"{method}:{path}:{field}"):
        world.app.extensions["signin_throttle"].reset()
        headers = dict(auth)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header":
                headers[parameter["name"]] = uuid.uuid4().hex
        body = _baseline(world, schema) if "requestBody" in operation else None
        query = _baseline(world, query_schema)
        (body if place == "body" else query)[field] = value
        response = client.open(
            path,
            method=method,
            query_string=query,
            headers=headers,
            **(
                {"data": json.dumps(body), "content_type": "application/json"}
                if body is not None
                else {}
            ),
        )
        where = f"{method} {path} {field}={value[:40]!r}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
        elif response.status_code >= 400:
            error = (response.json or {}).get("error", {})
            if not error.get("message"):
                problems.append(f"{where}: refused without a message")
        elif response.is_json:
            answers = [response.json]
            read = _read_back_path(method, path, response.json)
            if read is not None:
                answers.append(client.get(read, headers=auth).json)
            for answer in answers:
                for echoed in _echoes(answer, field):
                    if not _same_text(value, echoed):
                        problems.append(f"{where}: stored as {echoed[:40]!r}")

    assert problems == [], "\n".join(problems[:30])


# ------------------------------------------------------------------------- coverage


def test_every_form_class_with_free_text_is_reachable_from_some_page(world: World):
    seen: set[frozenset[str]] = set()
    for route in PAGES:
        path = page_path(world, route)
        if path is None:
            continue
        for actor in actors_for(route):
            _status, page, _ = fetch(world.client(actor), path)
            for _, form in post_forms(page, path):
                seen.add(frozenset(n for n, _, _ in form.fields))

    registered = set(importlib.import_module("helpdesk").BLUEPRINTS)
    unreachable = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in desk.form_classes()
        if cls.__module__.rsplit(".", 1)[0] + ".views" in registered
        and desk.text_fields(cls)
        and not any(set(desk.text_fields(cls)) <= names for names in seen)
    ]

    assert unreachable == []


def test_the_inertness_check_catches_markup_that_was_not_escaped():
    from markupsafe import escape

    value = '名字<img src=x onerror="alert(1)"><base href="//evil.example/">'

    raw = _inert(parse(f"<p>{value}</p>"), value, "raw")
    escaped = _inert(parse(f"<p>{escape(value)}</p>"), value, "escaped")

    assert len(raw) == 2
    assert escaped == []


def test_the_template_check_catches_an_evaluated_expression():
    value = "{{7*7}} 考生"

    evaluated = _evaluated(value, parse("<p>49 考生</p>"))
    shown = _evaluated(value, parse("<p>{{7*7}} 考生</p>"))

    assert (evaluated, shown) == (True, False)
