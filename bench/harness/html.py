"""Just enough HTML reading for benches that use staff pages: the forms of a page, their
fields, and the CSRF token a form must send back."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    #: Submit buttons: name -> value (a form may carry several, e.g. outcomes).
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, label)
    #: Choices of <select> and radio inputs: name -> values.
    choices: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._button: tuple[str, str] | None = None
        self._label: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", ""), a.get("value", "")))
            elif kind in ("radio", "checkbox"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            else:
                form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form.choices.setdefault(name, [])
        elif tag == "option" and self._select:
            form.choices[self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in form.fields:
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form.fields[name] = ""
        elif tag == "button":
            self._button = (name, a.get("value", ""))
            self._label = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "button" and self._form is not None and self._button is not None:
            name, value = self._button
            self._form.buttons.append((name, value, "".join(self._label).strip()))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._label.append(data)
        if self._form is not None:
            self._form.text += data


def parse(page: str) -> tuple[list[Form], list[str]]:
    """The forms and link targets of page."""
    parser = _Parser()
    parser.feed(page)
    parser.close()
    return parser.forms, parser.links


def csrf_token(page: str) -> str | None:
    """The CSRF token of the first form on page that carries one."""
    forms, _links = parse(page)
    return next((f.fields["csrf_token"] for f in forms if f.fields.get("csrf_token")), None)
