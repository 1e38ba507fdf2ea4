"""Discover the desk instead of listing it: routes, roles, forms and the OpenAPI document.

Everything here reads a throwaway app built at collection time (an in-memory SQLite URL
that is never connected to), so a route, form or API operation that any capability adds
is covered by these tests without anyone editing them.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import helpdesk
from helpdesk import create_app
from helpdesk.identity.models import Role
from tests.conftest import app_config

ROLES = [Role.AGENT, Role.SUPERVISOR, Role.ADMIN]
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: tuple[str, ...]
    arguments: tuple[str, ...]
    #: "candidate", a Role, or None for public routes.
    required: Any
    #: argument -> "int", "string", "uuid", "path", "float" or "any".
    converters: tuple[tuple[str, str], ...] = ()

    def converter(self, argument: str) -> str:
        return dict(self.converters).get(argument, "string")

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    def path(self, values: dict[str, Any]) -> str:
        """The rule with each <converter:argument> replaced by values[argument]."""
        path = self.rule
        for argument in self.arguments:
            for converter in ("", "int:", "string:", "path:", "uuid:"):
                path = path.replace(f"<{converter}{argument}>", str(values[argument]))
        return path


_CONVERTER_NAMES = {
    "IntegerConverter": "int",
    "UnicodeConverter": "string",
    "UUIDConverter": "uuid",
    "PathConverter": "path",
    "FloatConverter": "float",
    "AnyConverter": "any",
}


@cache
def discovery_app() -> Flask:
    return create_app(app_config("sqlite://", "/tmp"))


@cache
def routes() -> tuple[Route, ...]:
    app = discovery_app()
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        methods = tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        converters = tuple(
            sorted(
                (name, _CONVERTER_NAMES.get(type(conv).__name__, "string"))
                for name, conv in rule._converters.items()
            )
        )
        found.append(
            Route(
                rule.endpoint,
                rule.rule,
                methods,
                tuple(sorted(rule.arguments)),
                getattr(view, "required_role", None),
                converters,
            )
        )
    return tuple(sorted(found, key=lambda r: (r.rule, r.endpoint)))


def page_routes() -> list[Route]:
    return [r for r in routes() if not r.is_api]


@cache
def form_classes() -> tuple[type[FlaskForm], ...]:
    """Every FlaskForm subclass defined in a helpdesk.*.forms module."""
    found: dict[str, type[FlaskForm]] = {}
    for module_info in pkgutil.walk_packages(helpdesk.__path__, "helpdesk."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, FlaskForm)
                and value is not FlaskForm
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return tuple(found[k] for k in sorted(found))


def text_fields(form_class: type[FlaskForm]) -> list[str]:
    """Names of the fields a person types into (hidden ones count: attackers type too)."""
    names = []
    for name, unbound in vars_fields(form_class):
        field_class = unbound.field_class
        if issubclass(field_class, (StringField, TextAreaField, HiddenField, PasswordField)):
            names.append(name)
    return names


def vars_fields(form_class: type[FlaskForm]) -> list[tuple[str, Any]]:
    fields = []
    for klass in reversed(form_class.__mro__):
        for name, value in vars(klass).items():
            if hasattr(value, "field_class") and not name.startswith("_"):
                fields.append((name, value))
    seen: dict[str, Any] = {}
    for name, value in fields:
        seen[name] = value
    return [(n, v) for n, v in seen.items() if n != "csrf_token"]


@cache
def openapi() -> dict[str, Any]:
    client = discovery_app().test_client()
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json)


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every documented operation."""
    ops = []
    for path, item in openapi()["paths"].items():
        for method, operation in item.items():
            ops.append((method.upper(), path, operation))
    return sorted(ops, key=lambda o: (o[1], o[0]))


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (and a single-entry anyOf/allOf) in the OpenAPI document."""
    components = openapi()["components"]["schemas"]
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema
