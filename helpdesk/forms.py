"""What every page form shares: a domain error shown beside the fields it names."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField

from helpdesk.errors import DomainError


class PlainForm(FlaskForm):
    """A form with only the CSRF token: sign-out, language switch and other buttons."""

    next = HiddenField()


def form_errors(form: Any, exc: DomainError, *, summary_for: Collection[str] = ()) -> str:
    """Show exc's field messages beside their fields; return the message for the form's top.

    A message for a field the form does not have goes to the top too, so nothing the
    service said is lost. Fields in summary_for show the whole message (an attachment
    refused for its size says so, not only "this file").
    """
    top = [exc.message]
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            top.append(message)
            continue
        shown = exc.message if name in summary_for else message
        field.errors = [*list(field.errors or []), shown]
    if hasattr(form, "form_errors"):
        form.form_errors = list(dict.fromkeys([*list(form.form_errors or []), *top]))
    return " ".join(dict.fromkeys(top))
