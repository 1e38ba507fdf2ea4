"""Sign-in, account and staff administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.labels import ROLE_LABELS
from helpdesk.identity.models import Role


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


class SignInCodeForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        validators=[
            InputRequired(_l("Enter the 6-digit code from your app, or a recovery code.")),
            Length(max=32, message=_l("A code has 6 digits; a recovery code 10 letters.")),
        ],
    )


def _password(label: object, required: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(required),
            Length(max=256, message=_l("A password has at most 128 characters.")),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = _password(_l("Current password"), _l("Enter your current password."))
    new_password = _password(_l("New password"), _l("Enter a new password."))
    confirm_password = _password(
        _l("New password again"), _l("Enter the new password a second time.")
    )


class PasswordCheckForm(FlaskForm):
    """A password typed again before a change that matters (ASVS 5.0 7.5.1)."""

    password = _password(_l("Your password"), _l("Enter your password."))


class EnrolForm(PasswordCheckForm):
    code = StringField(
        _l("6-digit code from the app"),
        validators=[
            InputRequired(_l("Enter the 6-digit code your app shows.")),
            Length(max=32, message=_l("A code has 6 digits.")),
        ],
    )


class SwitchOffForm(EnrolForm):
    pass


ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class NewStaffForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Enter a username.")), Length(max=64)],
    )
    display_name = StringField(
        _l("Name shown to colleagues"),
        validators=[Length(max=100, message=_l("Use at most 100 characters."))],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.AGENT.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["yes", "no"])])


class PolicyForm(FlaskForm):
    two_factor_for_everyone = BooleanField(_l("Require two-factor sign-in for agents too"))
