"""Self-help articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class Article(Base):
    """A knowledge-base article in Markdown; body_html is its sanitised rendering."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: A helpdesk.categories.Category value, or NULL for general guidance.
    category: Mapped[str | None] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    #: Rendered from body_markdown and cleaned by nh3 on every save.
    body_html: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(default=True)
    #: How often a candidate said "this solved it" instead of filing a ticket.
    solved_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
