"""Forms of the retry flow and of the guidance editor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from helpdesk.i18n import lazy_gettext as _l


class StartFlowForm(FlaskForm):
    error_code = RadioField(
        _l("What does the screen show?"),
        validate_choice=True,
        validators=[InputRequired(_l("Choose what the screen shows."))],
    )
    #: "<exam session code>|<artifact id>" of a signed-in candidate's own artifact, or "".
    target = RadioField(_l("Which upload?"), validate_choice=True, validators=[Optional()])


class AnswerForm(FlaskForm):
    step = HiddenField(validators=[InputRequired(), Length(max=40)])
    seq = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    worked = RadioField(
        choices=[SelectChoice("yes"), SelectChoice("no")], validators=[InputRequired()]
    )


class TicketOfferForm(FlaskForm):
    description = TextAreaField(
        _l("What happened"),
        validators=[InputRequired(_l("Describe what happened.")), Length(max=4000)],
    )


class GuidanceEntryForm(FlaskForm):
    title_zh = StringField(
        _l("Title (Chinese)"), validators=[InputRequired(_l("Enter a title.")), Length(max=200)]
    )
    title_en = StringField(
        _l("Title (English)"), validators=[InputRequired(_l("Enter a title.")), Length(max=200)]
    )
    body_zh = TextAreaField(
        _l("Text (Chinese)"), validators=[InputRequired(_l("Enter the text.")), Length(max=4000)]
    )
    body_en = TextAreaField(
        _l("Text (English)"), validators=[InputRequired(_l("Enter the text.")), Length(max=4000)]
    )
    position = IntegerField(
        _l("Order"),
        default=100,
        validators=[InputRequired(_l("Enter a whole number.")), NumberRange(min=0, max=10_000)],
    )
    is_retry = BooleanField(_l("This step is a retry of the upload"))
    active = BooleanField(_l("Shown to candidates"), default=True)


class NewFailureForm(GuidanceEntryForm):
    artifact = RadioField(_l("Upload"), validators=[InputRequired(_l("Choose the upload."))])
    code = StringField(
        _l("Failure code as the client shows it"),
        validators=[
            InputRequired(_l("Enter the code.")),
            Length(max=40),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                message=_l("Letters, digits, dot, dash, underscore and colon only."),
            ),
        ],
    )
