"""The audit log's filters (a GET form: bookmarkable, no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from helpdesk.i18n import lazy_gettext as _l

_DATE_MESSAGE = _l("Enter a day like 2023-01-10.")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    staff = SelectField(
        _l("Staff member"),
        choices=[SelectChoice("", _l("Everyone"))],
        default="",
        invalid_choice_message=_l("Choose a staff member from the list."),
    )
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("All actions"))],
        default="",
        invalid_choice_message=_l("Choose an action from the list."),
    )
    since = DateField(
        _l("From (day)"), validators=[Optional()], invalid_value_message=_DATE_MESSAGE
    )
    until = DateField(
        _l("To (day, inclusive)"), validators=[Optional()], invalid_value_message=_DATE_MESSAGE
    )

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.since.data and self.until.data and self.since.data > self.until.data:
            self.until.errors = [str(_l("The last day comes before the first."))]
            return False
        return ok
