"""The article editor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from helpdesk.i18n import lazy_gettext as _l


class ArticleForm(FlaskForm):
    slug = StringField(
        _l("Address (letters, digits, dashes)"),
        validators=[InputRequired(_l("This field is required.")), Length(max=80)],
    )
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("This field is required.")), Length(max=200)]
    )
    category = SelectField(_l("Category"), choices=[])
    body_markdown = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=50_000)])
    published = SelectField(
        _l("Visible to candidates"),
        choices=[SelectChoice("1", _l("Yes")), SelectChoice("0", _l("No"))],
    )
