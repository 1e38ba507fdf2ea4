"""Self-help pages (no sign-in needed) and the supervisors' article editor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav
from helpdesk.audit import services as audit
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import choices as category_choices
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.forms import PlainForm
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role
from helpdesk.knowledge import services
from helpdesk.knowledge.forms import ArticleForm
from helpdesk.security import safe_next

bp = Blueprint("knowledge", __name__)
nav.add("knowledge.index", _l("Help articles"), order=20, audience="candidate")
nav.add("knowledge.manage", _l("Help articles"), order=70, audience="supervisor")


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


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    return render_template(
        "knowledge/article.html",
        article=services.get_article(get_session(), slug[:80]),
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


@bp.get("/staff/knowledge")
@staff_required(Role.SUPERVISOR)
def manage() -> ResponseReturnValue:
    return render_template(
        "knowledge/manage.html",
        category_labels=CATEGORY_LABELS,
        articles=services.all_articles(get_session(), include_drafts=True),
    )


def _form(**data: object) -> ArticleForm:
    form = ArticleForm(**data)
    form.category.choices = [SelectChoice("", _("General"))] + [
        SelectChoice(v, str(label)) for v, label in category_choices()
    ]
    return form


@bp.route("/staff/knowledge/new", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/staff/knowledge/<slug>/edit", methods=["GET", "POST"])
@staff_required(Role.SUPERVISOR)
def edit(slug: str | None) -> ResponseReturnValue:
    session = get_session()
    existing = services.get_article(session, slug, include_drafts=True) if slug else None
    form = _form(obj=existing) if request.method == "GET" and existing else _form()
    if request.method == "GET" and existing:
        form.published.data = "1" if existing.published else "0"
        form.category.data = existing.category or ""
    if not form.validate_on_submit():
        return render_template(
            "knowledge/edit.html", form=form, article=existing
        ), 422 if form.errors else 200
    try:
        saved = services.save_article(
            session,
            slug=form.slug.data or "",
            title=form.title.data or "",
            body_markdown=form.body_markdown.data or "",
            category=form.category.data or None,
            now=clock.utcnow(),
            published=form.published.data == "1",
        )
    except DomainError as exc:
        for name, message in exc.fields.items():
            getattr(form, name).errors = [message]
        return render_template("knowledge/edit.html", form=form, article=existing), exc.status
    audit.record(
        session,
        staff=current_staff(),
        action="article.save",
        now=clock.utcnow(),
        target_type="article",
        target_id=saved.slug,
    )
    session.commit()
    flash(_("Article saved."), "success")
    return redirect(safe_next(None, url_for("knowledge.manage")))
