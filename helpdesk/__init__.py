"""The support desk for remote-exam candidates: create_app() wires the capabilities."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask

import config as config_module

ROOT = Path(__file__).resolve().parent.parent

#: Modules that define a blueprint `bp`, registered in this order.
BLUEPRINTS = [
    "helpdesk.health",
    "helpdesk.metrics",
    "helpdesk.identity.views",
    "helpdesk.identity.staff_views",
    "helpdesk.exams.views",
    "helpdesk.exams.staff_views",
    "helpdesk.audit.staff_views",
    "helpdesk.notify.staff_views",
    "helpdesk.callbacks.views",
    "helpdesk.callbacks.staff_views",
    "helpdesk.callbacks.webhooks",
    "helpdesk.readiness.views",
    "helpdesk.readiness.staff_views",
    "helpdesk.uploads.views",
    "helpdesk.uploads.staff_views",
    "helpdesk.reminders.staff_views",
    "helpdesk.tickets.views",
    "helpdesk.tickets.staff_views",
    "helpdesk.tickets.canned.staff_views",
    "helpdesk.knowledge.views",
    "helpdesk.knowledge.staff_views",
]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Create the desk's Flask app from the environment, plus overrides (tests)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_module.from_env())
    app.config.update(overrides or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(p) for p in sorted(ROOT.glob("helpdesk/**/translations"))
    )

    from helpdesk import db, i18n, logs, security, template_cache, web
    from helpdesk.extensions import babel, csrf, limiter, login_manager, request_locale

    logs.init_app(app)
    db.init_app(app)
    babel.init_app(app, locale_selector=request_locale)
    i18n.install(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    web.init_app(app)
    template_cache.init_app(app)

    from helpdesk.identity import auth

    auth.init_app(app)

    from helpdesk.callbacks import settings as callbacks_settings
    from helpdesk.notify import settings as notify_settings
    from helpdesk.privacy import settings as privacy_settings
    from helpdesk.readiness import settings as readiness_settings
    from helpdesk.reminders import kinds as reminder_kinds  # noqa: F401 - registers SMS kinds
    from helpdesk.reminders import settings as reminders_settings
    from helpdesk.tickets import settings as tickets_settings
    from helpdesk.uploads import settings as uploads_settings

    notify_settings.init_app(app)
    tickets_settings.init_app(app)
    callbacks_settings.init_app(app)
    readiness_settings.init_app(app)
    uploads_settings.init_app(app)
    reminders_settings.init_app(app)
    privacy_settings.init_app(app)

    from helpdesk import api, cli, metrics

    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    api.init_app(app)
    cli.init_app(app)
    metrics.init_app(app)
    security.trust_proxies(app)
    logging.getLogger(__name__).debug("desk created")
    return app
