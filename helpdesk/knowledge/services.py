"""Articles: render Markdown to sanitised HTML, find them by category or words."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from helpdesk import search as search_index
from helpdesk.categories import Category
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.knowledge.models import Article

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}


def render(text: str) -> str:
    """Markdown to HTML with nothing executable left (no script, no handlers, no js: links)."""
    # Only saving an article renders it (pages show the stored HTML): markdown and nh3 are
    # about 3 MiB of every web worker that imports them, so they load here, on first use.
    import markdown
    import nh3

    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def save_article(
    session: Session,
    *,
    slug: str,
    title: str,
    body_markdown: str,
    category: str | None,
    now: datetime,
    published: bool = True,
) -> Article:
    """Create or update the article slug."""
    if not _SLUG.fullmatch(slug or ""):
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"slug": str(_l("Lower-case letters, digits and dashes only."))},
        )
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"title": str(_l("Between 1 and 200 characters."))},
        )
    if len(body_markdown or "") > 50_000:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"body_markdown": str(_l("At most %(n)s characters.", n=50_000))},
        )
    if category:
        category = Category(category).value
    article = session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        article = Article(slug=slug, solved_count=0, created_at=now)
        session.add(article)
    article.title, article.category, article.published = title, category or None, published
    article.body_markdown = body_markdown or ""
    article.body_html = render(article.body_markdown)
    article.updated_at = now
    session.flush()
    search_index.put(session, "articles", article.id, head=title, body=article.body_markdown)
    return article


def get_article(session: Session, slug: str, *, include_drafts: bool = False) -> Article:
    article = session.scalar(select(Article).where(Article.slug == slug))
    if article is None or (not article.published and not include_drafts):
        raise NotFound(str(_l("No such article.")), code="article_not_found")
    return article


def for_category(session: Session, category: str | None, *, limit: int = 5) -> list[Article]:
    """Published articles that answer category, most helpful first."""
    if not category:
        return []
    return list(
        session.scalars(
            select(Article)
            .where(Article.published.is_(True), Article.category == category)
            .order_by(Article.solved_count.desc(), Article.title)
            .limit(limit)
        )
    )


def search(session: Session, q: str, *, limit: int = 30) -> list[Article]:
    """Published articles whose title or text contains every word of q, best match first
    (Chinese needs no spaces: 无法登录 finds 无法登录智考云怎么办)."""
    ranked = search_index.find(session, "articles", q, limit=200)
    if not ranked:
        return []
    rows = session.scalars(
        select(Article).where(Article.published.is_(True), Article.id.in_(ranked))
    )
    position = {article_id: n for n, article_id in enumerate(ranked)}
    return sorted(rows, key=lambda a: position[a.id])[:limit]


def all_articles(session: Session, *, include_drafts: bool = False) -> list[Article]:
    query = select(Article)
    if not include_drafts:
        query = query.where(Article.published.is_(True))
    return list(session.scalars(query.order_by(Article.category, Article.title)))


def mark_solved(session: Session, *, slug: str) -> None:
    """Count one "this solved it" (an atomic increment, so concurrent clicks all count)."""
    # An UPDATE answers with a CursorResult: it knows how many rows changed.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Article)
            .where(Article.slug == slug, Article.published.is_(True))
            .values(solved_count=Article.solved_count + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    if not result.rowcount:
        raise NotFound(str(_l("No such article.")), code="article_not_found")
