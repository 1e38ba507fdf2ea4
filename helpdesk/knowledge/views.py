"""Self-help pages for candidates: readable without signing in; "this solved it" counts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from helpdesk import nav, web
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.forms import PlainForm
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.knowledge import facts, services

bp = Blueprint("knowledge", __name__)
nav.add("knowledge.index", _l("Help articles"), order=20, audience="candidate")


@bp.get("/articles")
def index() -> ResponseReturnValue:
    q = request.args.get("q", "")[:100]
    session = get_session()
    articles = services.search(session, q) if q.strip() else services.all_articles(session)
    return render_template(
        "knowledge/index.html", articles=articles, q=q, category_labels=CATEGORY_LABELS
    )


@bp.get("/articles/suggest")
def suggest() -> ResponseReturnValue:
    """The articles for a category, as a fragment for the ticket form."""
    articles = services.for_category(get_session(), request.args.get("category", "")[:30])
    return render_template("knowledge/_suggestions.html", articles=articles)


def _facts() -> dict[str, Markup]:
    """What the articles' placeholders say now (helpdesk/knowledge/facts.py)."""
    return facts.notice_facts(
        exams.list_sessions(get_session()),
        zone=ZoneInfo(str(current_app.config["TIMEZONE"])),
        platform_url=str(current_app.config.get("CANDIDATE_PLATFORM_URL", "")),
        caller_ids=web.caller_ids(),
        hotline=str(current_app.config["HOTLINE"]),
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    found = services.get_article(get_session(), slug[:80])
    return render_template(
        "knowledge/article.html",
        article=found,
        body=facts.fill(found.body_html, _facts()),
        next=request.args.get("next", ""),
        form=PlainForm(),
    )


@bp.post("/articles/<slug>/solved")
def solved(slug: str) -> ResponseReturnValue:
    form = PlainForm()
    if not form.validate_on_submit():
        raise DomainError(
            _("This form has expired. Reload the page and try again."),
            code="csrf_failed",
            status=400,
        )
    session = get_session()
    services.mark_solved(session, slug=slug[:80])
    session.commit()
    return redirect(url_for("knowledge.article", slug=slug, solved=1))
