"""Translations looked up once per request, not once per message.

flask-babel's `gettext` finds the request's context, domain and locale again on every call
(nine werkzeug context-local lookups and a locale turned into a string): about 8 µs, and a
staff page makes several hundred calls. These functions keep the request's merged
catalogue on flask-babel's own per-request namespace, next to the locale it was loaded for,
so each later call is one context lookup and a dictionary read. `force_locale` still works:
it swaps the namespace's locale, and a catalogue is only reused for the very locale object it
was loaded for. Outside an application context the text comes back untranslated, as
flask-babel does.

Code and templates use these (`from helpdesk.i18n import gettext as _, lazy_gettext as _l`);
`install` hands them to Jinja in place of flask-babel's.
"""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path
from typing import Any

import flask
import flask_babel
from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask, g, has_app_context
from flask_babel.speaklater import LazyString  # type: ignore[import-untyped]
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms.i18n import messages_path

_NULL = NullTranslations()
#: The attribute of flask-babel's per-request namespace (g._flask_babel) that holds
#: (locale, translations).
_SLOT = "helpdesk_translations"
#: Every capability's catalogue folder, in the order create_app gives them to flask-babel.
_FOLDERS = sorted(Path(__file__).resolve().parent.glob("**/translations"))


#: The desk's languages as babel Locales, built from their parts: Locale.parse("zh_CN") finds
#: no zh_CN data and resolves the missing script through babel's table of likely subtags,
#: which loads babel's global data (2 MiB, kept for the life of the process) only to arrive
#: at zh_Hans_CN, the locale whose data and catalogues the desk uses.
_LOCALES = {"zh_CN": Locale("zh", "CN", script="Hans"), "en": Locale("en")}


def locale_of(code: str) -> Locale:
    """The babel Locale of a language code of the desk (LOCALES), one object per process."""
    found = _LOCALES.get(code)
    return found if found is not None else Locale.parse(code)


@cache
def catalogue(locale: str) -> NullTranslations:
    """The desk's catalogues merged for locale (a canonical identifier: `str(Locale)`), read
    once per process, as flask-babel merges them: requests and the SMS registry (which
    renders the same in a job, a request or a shell) share this one copy."""
    merged = Translations()
    for folder in _FOLDERS:
        found = Translations.load(str(folder), [locale])
        if isinstance(found, Translations):
            merged.merge(found)
        if hasattr(found, "plural"):
            merged.plural = found.plural
    return merged


def translations() -> NullTranslations:
    """The request's (or application context's) catalogue in its current locale."""
    if not has_app_context():
        return _NULL
    namespace = g._get_current_object().__dict__.get("_flask_babel")
    if namespace is not None:
        held = namespace.__dict__.get(_SLOT)
        locale = namespace.__dict__.get("babel_locale")
        if held is not None and locale is not None and held[0] is locale:
            return held[1]
    locale = flask_babel.get_locale()
    found = catalogue(str(locale)) if locale is not None else _NULL
    namespace = g._get_current_object().__dict__.get("_flask_babel")
    if namespace is not None and locale is not None:
        setattr(namespace, _SLOT, (locale, found))
    return found


def gettext(string: str, **variables: Any) -> str:
    text = translations().ugettext(string)
    return text if not variables else text % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return text if not variables else text % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """A text translated each time it is used, in the language of that moment."""
    return LazyString(gettext, string, **variables)


def _formatted(context: Context, text: str, variables: dict[str, Any]) -> str:
    """What Jinja's new-style gettext returns: Markup when autoescaping, then `% variables`
    (skipped only where it changes nothing: no variables and no % in the text)."""
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja itself does
    if variables or "%" in text:
        return text % variables
    return text


@pass_context
def _jinja_gettext(context: Context, string: str, **variables: Any) -> str:
    return _formatted(context, translations().ugettext(string), variables)


@pass_context
def _jinja_ngettext(
    context: Context, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _formatted(context, translations().ungettext(singular, plural, num), variables)


@cache
def _wtforms_catalogue(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Request(flask.Request):
    """Flask-WTF reads WTForms' own messages from disk again on every request unless the
    request already holds them (`request.wtforms_translations`): this request hands it the
    process's copy for its language, when a form first asks."""

    @cached_property
    def wtforms_translations(self) -> NullTranslations | None:
        locale = flask_babel.get_locale()
        return _wtforms_catalogue(str(locale)) if locale is not None else None


def install(app: Flask) -> None:
    """Jinja's `_`, `gettext` and `ngettext` through these lookups, with Jinja's new-style
    semantics (after babel.init_app, which added the i18n extension); WTForms' messages
    loaded once per process and language."""
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext, ngettext=_jinja_ngettext)
    app.request_class = Request
