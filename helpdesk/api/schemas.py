"""Shared pieces of the API's schemas: the error body and field-message translation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from helpdesk.i18n import lazy_gettext as _l


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return str(_l("This field is required."))
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return str(_l("This field cannot be empty."))
        return str(_l("At least %(n)s characters.", n=ctx.get("min_length")))
    if kind == "string_too_long":
        return str(_l("At most %(n)s characters.", n=ctx.get("max_length")))
    if kind in ("too_long", "too_short"):
        return str(_l("Wrong number of items."))
    if kind == "string_type":
        return str(_l("Must be text."))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return str(_l("Must be a whole number."))
    if kind in ("greater_than_equal", "greater_than"):
        return str(_l("Must be at least %(n)s.", n=ctx.get("ge", ctx.get("gt"))))
    if kind in ("less_than_equal", "less_than"):
        return str(_l("Must be at most %(n)s.", n=ctx.get("le", ctx.get("lt"))))
    if kind in ("enum", "literal_error"):
        return str(_l("Must be one of: %(values)s.", values=ctx.get("expected", "")))
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return str(_l("Must be an RFC 3339 time with an offset, e.g. 2023-01-10T11:00:00+08:00."))
    if kind == "string_pattern_mismatch":
        return str(_l("Contains characters that are not allowed here."))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return str(_l("Must be a JSON object."))
    if kind == "list_type":
        return str(_l("Must be a JSON list."))
    if kind == "bool_type" or kind == "bool_parsing":
        return str(_l("Must be true or false."))
    if kind == "uuid_parsing" or kind == "uuid_type":
        return str(_l("Must be a UUID."))
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind.startswith("helpdesk_"):
        return str(error.get("msg", ""))
    return str(_l("Invalid value."))


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Translated messages keyed by dotted field path (first error per field)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(p) for p in error.get("loc", ())) or "_body"
        fields.setdefault(path, _message(dict(error)))
    return fields
