"""Forms of the help page and the queue console."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from helpdesk.callbacks import labels
from helpdesk.callbacks.models import Outcome
from helpdesk.categories import choices
from helpdesk.i18n import lazy_gettext as _l


class HelpForm(FlaskForm):
    exam_session = SelectField(
        _l("Exam session"), choices=[], validators=[InputRequired(_l("Choose your exam session."))]
    )
    category = SelectField(_l("What is wrong? (optional)"), validators=[Optional()])
    phone = StringField(
        _l("Number to call (optional; your roster number if empty)"),
        validators=[Optional(), Length(max=40)],
    )
    note = TextAreaField(
        _l("A few words about the problem (optional)"), validators=[Optional(), Length(max=500)]
    )
    #: Generated when the page is shown: pressing twice sends the same key.
    key = HiddenField(validators=[InputRequired(), Length(min=8, max=64)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "—"), *choices()]


OUTCOME_LABELS = {Outcome(k): v for k, v in labels.OUTCOME_LABELS.items() if k in set(Outcome)}


class OutcomeForm(FlaskForm):
    outcome = SelectField(validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [
            (o.value, label) for o, label in OUTCOME_LABELS.items() if o != Outcome.ESCALATED
        ]


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note"), validators=[InputRequired(_l("Write a note first.")), Length(max=2000)]
    )


class EscalateForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[InputRequired()])
    description = TextAreaField(
        _l("Ticket description"),
        validators=[InputRequired(_l("Describe the problem in a few words.")), Length(max=5000)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = choices()


class AgentForm(FlaskForm):
    available = BooleanField(_l("I am taking calls"))
    phone = StringField(
        _l("My phone (rung first when I call a candidate)"),
        validators=[Optional(), Length(max=40)],
    )
    seat = StringField(
        _l("My contact-center seat (rung before my phone)"),
        validators=[Optional(), Length(max=64)],
    )


class ButtonForm(FlaskForm):
    """Only the CSRF token: claim, call, release."""


class PhoneForm(FlaskForm):
    """The candidate corrects the number to call while waiting."""

    phone = StringField(_l("Number to call"), validators=[Length(max=40)])
