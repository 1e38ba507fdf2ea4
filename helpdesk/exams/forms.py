"""The roster import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class RosterImportForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV or XLSX)"), validators=[FileRequired(_l("Choose a roster file."))]
    )
    skip_invalid = BooleanField(_l("Import the valid rows even if some rows are invalid"))
