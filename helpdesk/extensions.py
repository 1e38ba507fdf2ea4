"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from babel import Locale
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from helpdesk.i18n import locale_of

LOCALES = ("zh_CN", "en")

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(
    key_func=get_remote_address,
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def request_locale() -> Locale:
    """select_locale() as the Locale flask-babel wants: one object per language and process
    (babel parses the selector's answer on every request otherwise)."""
    return locale_of(select_locale())


def select_locale() -> str:
    """The visitor's chosen language, else Accept-Language, else Chinese."""
    from flask import has_request_context, session

    if not has_request_context():
        return "zh_CN"  # CLI commands and jobs speak the default language
    chosen = request.cookies.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best is None or best.startswith("zh"):
        return "zh_CN"
    return "en"
