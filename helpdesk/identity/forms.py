"""Sign-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length


class UnechoedField(StringField):
    """A text field whose value is never written back into the page (a resident ID number
    must not appear in full in any response, a refused sign-in included)."""

    def _value(self) -> str:
        return ""


class CandidateSignInForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Enter your name.")), Length(max=100)]
    )
    id_number = UnechoedField(
        _l("Resident ID number"),
        validators=[
            InputRequired(_l("Enter your 18-character resident ID number.")),
            Length(max=40),
        ],
    )
    admission_number = StringField(
        _l("Admission ticket number"),
        validators=[InputRequired(_l("Enter your admission ticket number.")), Length(max=40)],
    )
    next = HiddenField()


class StaffSignInForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[InputRequired(_l("Enter your username.")), Length(max=64)]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=256)]
    )
    next = HiddenField()
