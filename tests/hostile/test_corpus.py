"""The hostile corpus through every free-text field of every form and JSON endpoint.

Each value must be stored as sent or refused with a 4xx and a message, never a 5xx, and
wherever the desk shows it again it must stay text: no element or attribute may be built
from it. Forms are found by visiting every page as the visitor allowed to open it; JSON
fields come from the OpenAPI document. The fast tier sends 40 strings per field (the same
ones every run); --full sends the whole corpus.
"""

from __future__ import annotations

import importlib
import json
import unicodedata
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.hostile import corpus, desk
from tests.hostile.crawl import (
    actor_for,
    fetch,
    form_data,
    get_pages,
    page_path,
    post_forms,
    text_field_names,
)
from tests.hostile.html import Page, parse
from tests.hostile.objects import World, factory_key

PAGES = get_pages()


def _inert(page: Page, baseline: Page, where: str) -> list[str]:
    problems = [f"{where}: {p}" for p in page.script_problems()]
    extra = page.counts() - baseline.counts()
    if extra:
        problems.append(f"{where}: elements built from input: {dict(extra)}")
    return problems


def _evaluated(value: str, html: str, baseline_html: str) -> bool:
    """A template expression in the value came back evaluated."""
    return "7*7" in value and html.count("49") > baseline_html.count("49")


def _same_text(sent: str, shown: str) -> bool:
    def canon(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split())
    return canon(sent) == canon(shown)


# ------------------------------------------------------------------------------- forms


@pytest.mark.parametrize("route", PAGES, ids=[f"{r.endpoint}" for r in PAGES])
def test_hostile_text_in_every_form_field_is_stored_or_refused_and_stays_inert(
        world: World, route: desk.Route, per_field):
    path = page_path(world, route)
    if path is None:
        pytest.skip("no factory for this page's objects (see test_access_matrix)")
    actor = actor_for(route)
    status, page, _ = fetch(world.client(actor), path)
    if status != 200:
        pytest.skip(f"{path} answers {status} to {actor}")
    problems: list[str] = []
    tried = 0

    for action, form in post_forms(page, path):
        for field in text_field_names(form):
            client = world.client(actor)
            benign = client.post(action, data=form_data(world, form, **{field: "平常文字"}))
            benign_page = parse(benign.get_data(as_text=True))
            for value in corpus.sample(per_field, f"{route.endpoint}:{action}:{field}"):
                world.app.extensions["signin_throttle"].reset()
                response = client.post(action, data=form_data(world, form, **{field: value}))
                tried += 1
                where = f"{actor} POST {action} {field}={value[:40]!r}"
                html = response.get_data(as_text=True)
                shown = parse(html) if response.mimetype == "text/html" else Page()
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                    continue
                problems += _inert(shown, benign_page, where)
                if _evaluated(value, html, benign.get_data(as_text=True)):
                    problems.append(f"{where}: template syntax was evaluated")
                if 400 <= response.status_code < 500 and response.mimetype == "text/html" \
                        and not shown.alerts:
                    problems.append(f"{where}: refused with {response.status_code} but no "
                                    "message")
                location = response.headers.get("Location", "")
                if response.status_code in (302, 303) and not urlsplit(location).netloc:
                    # Compare with the same page reached without the hostile value.
                    _, before, before_html = fetch(client, urlsplit(location).path)
                    _, after, after_html = fetch(client, location)
                    problems += _inert(after, before, f"{where} → {location}")
                    if _evaluated(value, after_html, before_html):
                        problems.append(f"{where} → {location}: template evaluated")
                if "sign_out" in action or "signout" in action:
                    client = world.client(actor)

    assert problems == [], "\n".join(problems[:30])
    assert tried or not list(post_forms(page, path)) or True


# ------------------------------------------------------------------------- JSON bodies


def _string_fields(schema: dict[str, Any]) -> list[str]:
    schema = desk.resolve(schema)
    names = []
    for name, prop in schema.get("properties", {}).items():
        prop = desk.resolve(prop)
        kinds = [desk.resolve(p).get("type") for p in prop.get("anyOf", [prop])]
        if "string" in kinds and "enum" not in prop and prop.get("format") not in (
                "date-time", "date", "uuid", "binary"):
            names.append(name)
    return names


def _json_targets() -> list[tuple[str, str, dict[str, Any], str]]:
    targets = []
    for method, path, operation in desk.api_operations():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not body:
            continue
        for name in _string_fields(body["schema"]):
            targets.append((method, path, operation, name))
    return targets


JSON_TARGETS = _json_targets()


def _value_for(world: World, name: str, schema: dict[str, Any]) -> Any:
    known = {"name": world.owner["name"], "id_number": world.owner["id_number"],
             "admission_number": world.owner["admission_number"],
             "exam_session": str(world.exam.code), "phone": "13800138000",
             "category": "other", "event_id": str(uuid.uuid4())}
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
    return {name: _value_for(world, name, prop)
            for name, prop in schema.get("properties", {}).items()}


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


@pytest.mark.parametrize("method, path, operation, field", JSON_TARGETS,
                         ids=[f"{m} {p} {f}" for m, p, _, f in JSON_TARGETS])
def test_hostile_text_in_every_json_field_is_stored_or_refused(world: World, method, path,
                                                               operation, field, per_field):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    if any(factory_key("api", n) is None for n in names):
        pytest.skip(f"no factory for {names}")
    for name in names:
        path = path.replace("{" + name + "}", str(world.value_for(name, "api")))
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    client = world.app.test_client()
    from tests.hostile.test_access_matrix import _api_headers

    auth = _api_headers(world, world.owner) if operation.get("security") else {}
    problems = []

    for value in corpus.sample(per_field, f"{method}:{path}:{field}"):
        world.app.extensions["signin_throttle"].reset()
        headers = dict(auth)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header":
                headers[parameter["name"]] = uuid.uuid4().hex
        body = _baseline(world, schema)
        body[field] = value
        response = client.open(path, method=method, data=json.dumps(body),
                               content_type="application/json", headers=headers)
        where = f"{method} {path} {field}={value[:40]!r}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
        elif response.status_code >= 400:
            error = (response.json or {}).get("error", {})
            if not error.get("message"):
                problems.append(f"{where}: refused without a message")
        else:
            for echoed in _echoes(response.json, field):
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
        status, page, _ = fetch(world.client(actor_for(route)), path)
        for _, form in post_forms(page, path):
            seen.add(frozenset(n for n, _, _ in form.fields))

    registered = set(importlib.import_module("helpdesk").BLUEPRINTS)
    unreachable = [f"{cls.__module__}.{cls.__name__}" for cls in desk.form_classes()
                   if cls.__module__.rsplit(".", 1)[0] + ".views" in registered
                   and desk.text_fields(cls) and not any(
                       set(desk.text_fields(cls)) <= names for names in seen)]

    assert unreachable == []
