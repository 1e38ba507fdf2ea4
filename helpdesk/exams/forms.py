"""The roster import form and the exam session editor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from helpdesk.i18n import lazy_gettext as _l


class RosterImportForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV or XLSX)"), validators=[FileRequired(_l("Choose a roster file."))]
    )
    skip_invalid = BooleanField(_l("Import the valid rows even if some rows are invalid"))


#: How a datetime-local input sends its value (and shows it back).
LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class ExamSessionForm(FlaskForm):
    """An exam session; times are the desk's local time (Beijing time)."""

    code = StringField(_l("Code (letters and digits, e.g. MOCK-D1)"), validators=[Optional()])
    name = StringField(_l("Session name"), validators=[Optional()])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("mock", _l("Mock exam")), SelectChoice("formal", _l("Formal exam"))],
        validate_choice=False,
    )
    download_opens = DateTimeLocalField(
        _l("Download window opens"), validators=[Optional()], format=LOCAL
    )
    download_closes = DateTimeLocalField(
        _l("Download window closes"), validators=[Optional()], format=LOCAL
    )
    login_opens = DateTimeLocalField(_l("Login opens"), validators=[Optional()], format=LOCAL)
    starts = DateTimeLocalField(_l("Starts"), validators=[Optional()], format=LOCAL)
    login_closes = DateTimeLocalField(_l("Login closes"), validators=[Optional()], format=LOCAL)
    ends = DateTimeLocalField(_l("Ends"), validators=[Optional()], format=LOCAL)

    TIMES = ("download_opens", "download_closes", "login_opens", "starts", "login_closes", "ends")
