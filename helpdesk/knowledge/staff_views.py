"""The supervisors' article editor: every article with its drafts, new and edited ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav
from helpdesk.audit import services as audit
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import choices as category_choices
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role
from helpdesk.knowledge import services
from helpdesk.knowledge.facts import PLACEHOLDERS as NAMES
from helpdesk.knowledge.forms import ArticleForm
from helpdesk.security import safe_next

#: The placeholders an article may use, as the editor shows them.
PLACEHOLDERS = " ".join("{" + name + "}" for name in NAMES)

bp = Blueprint("knowledge_staff", __name__, url_prefix="/staff/knowledge")
nav.add("knowledge_staff.manage", _l("Help articles"), order=70, audience="supervisor")


@bp.get("")
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


@bp.route("/new", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/<slug>/edit", methods=["GET", "POST"])
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
            "knowledge/edit.html", form=form, article=existing, placeholders=PLACEHOLDERS
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
        form_errors(form, exc)
        return render_template(
            "knowledge/edit.html", form=form, article=existing, placeholders=PLACEHOLDERS
        ), exc.status
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
    return redirect(safe_next(None, url_for("knowledge_staff.manage")))
