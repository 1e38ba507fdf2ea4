"""Read pages the way a browser would build them, with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements that markup in a field value would create to run script or load content.
DANGEROUS_TAGS = frozenset(
    {
        "script",
        "svg",
        "img",
        "iframe",
        "object",
        "embed",
        "math",
        "base",
        "meta",
        "link",
        "style",
        "marquee",
        "details",
        "video",
        "audio",
        "source",
        "noscript",
        "animate",
        "foreignobject",
        "use",
        "image",
        "x",
        "body",
        "html",
        "head",
        "title",
        "frame",
        "frameset",
        "applet",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "a",
        "mglyph",
        "mtext",
        "table",
    }
)
#: Elements that do harm even without attributes.
BARE_DANGEROUS = frozenset(
    {
        "script",
        "style",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "noscript",
        "marquee",
        "mglyph",
        "mtext",
        "x",
        "base",
        "meta",
    }
)
TEXT_INPUTS = frozenset(
    {"text", "search", "email", "tel", "url", "password", "hidden", "number", ""}
)


@dataclass
class Form:
    method: str
    action: str | None
    #: (name, kind, value): kind is the input type, "textarea" or "select".
    fields: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Page:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    #: Text of elements that show an error (role=alert or an *error* class).
    alerts: list[str] = field(default_factory=list)
    text: str = ""

    def built_from(self, value: str) -> list[str]:
        """Elements of this page that are exactly the markup in value: what a browser
        would have built had the value not been escaped."""
        planted = []
        for tag, attrs in parse(value).tags:
            if attrs or tag in BARE_DANGEROUS:
                planted.append((tag, attrs))
        return [f"<{tag} {' '.join(attrs)}>" for tag, attrs in planted if (tag, attrs) in self.tags]

    def script_problems(self) -> list[str]:
        """Anything in the page that would run script: handlers, javascript: URLs, inline
        or foreign scripts."""
        problems = []
        for tag, attrs in self.tags:
            for name, value in attrs.items():
                lowered = (value or "").strip().lower().replace("\t", "").replace("\n", "")
                if name.startswith("on"):
                    problems.append(f"<{tag} {name}=…>")
                if name in ("href", "src", "action", "formaction", "data", "xlink:href") and (
                    lowered.startswith(("javascript:", "vbscript:", "data:text/html"))
                ):
                    problems.append(f"<{tag} {name}={value!r}>")
            if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
                problems.append(f"<script src={attrs.get('src')!r}>")
        return problems


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[str], str | None] | None = None
        self._alert_depth: list[tuple[str, list[str]]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.page.tags.append((tag, values))
        classes = (values.get("class") or "").split()
        if values.get("role") == "alert" or any("error" in c for c in classes):
            self._alert_depth.append((tag, []))
        if tag == "form":
            self._form = Form((values.get("method") or "get").upper(), values.get("action"))
            self.page.forms.append(self._form)
        elif self._form is not None and tag == "input" and values.get("name"):
            kind = (values.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in values:
                if kind == "radio" and not any(
                    n == values["name"] for n, _, _ in self._form.fields
                ):
                    self._form.fields.append((values["name"], kind, values.get("value") or ""))
                return
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form.fields.append((values["name"] or "", kind, values.get("value") or ""))
        elif self._form is not None and tag == "textarea" and values.get("name"):
            self._textarea = (values["name"] or "", [])
        elif self._form is not None and tag == "select" and values.get("name"):
            self._select = (values["name"] or "", [], None)
        elif self._select is not None and tag == "option":
            name, options, chosen = self._select
            value = values.get("value") or ""
            if "selected" in values:
                chosen = value
            self._select = (name, [*options, value], chosen)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._alert_depth and self._alert_depth[-1][0] == tag:
            _, parts = self._alert_depth.pop()
            text = " ".join("".join(parts).split())
            if text:
                self.page.alerts.append(text)
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "textarea", "".join(parts)))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            # The first option with a value: an empty placeholder would only be refused.
            value = chosen if chosen is not None else next((o for o in options if o), "")
            self._form.fields.append((name, "select", value))
            self._select = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)
        for _, parts in self._alert_depth:
            parts.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = "".join(self._text)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page
