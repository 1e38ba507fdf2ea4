"""Ticket forms for candidates and staff."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from helpdesk.categories import choices as category_choices
from helpdesk.i18n import lazy_gettext as _l


class TicketForm(FlaskForm):
    category = SelectField(
        _l("What is the problem?"),
        choices=lambda: [SelectChoice(v, str(label)) for v, label in category_choices()],
        validators=[InputRequired(_l("Choose what the problem is about."))],
    )
    exam_session = SelectField(_l("Exam session"), choices=[], validate_choice=True)
    description = TextAreaField(
        _l("Describe the problem"),
        validators=[InputRequired(_l("Describe the problem in a few words.")), Length(max=5000)],
    )
    old_computer = StringField(
        _l("Old computer (model and Windows version)"), validators=[Optional(), Length(max=200)]
    )
    new_computer = StringField(
        _l("New computer (model and Windows version)"), validators=[Optional(), Length(max=200)]
    )
    client_message = StringField(
        _l("What did the client show? (the message text)"), validators=[Optional(), Length(max=500)]
    )
    phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=25)])
    attachments = MultipleFileField(_l("Screenshots or logs (up to 5 files, 10 MB each)"))
    #: One key per rendered form: submitting twice files one ticket.
    key = HiddenField(validators=[Optional(), Length(max=64)])


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[InputRequired(_l("Write a message first.")), Length(max=5000)],
    )
    attachments = MultipleFileField(_l("Screenshots or logs (up to 5 files, 10 MB each)"))


class StaffReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Reply to the candidate"),
        validators=[InputRequired(_l("Write a message first.")), Length(max=5000)],
    )
    status = SelectField(
        _l("Then"),
        choices=[
            SelectChoice("waiting_candidate", _l("Wait for the candidate")),
            SelectChoice("open", _l("Keep it open")),
            SelectChoice("resolved", _l("Mark it solved")),
        ],
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Internal note (the candidate never sees it)"),
        validators=[InputRequired(_l("Write a message first.")), Length(max=5000)],
    )


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), choices=[])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])


class MergeForm(FlaskForm):
    into = StringField(
        _l("Merge into ticket number"),
        validators=[InputRequired(_l("Enter a ticket number.")), Length(max=20)],
    )


class CannedReplyForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("This field is required.")), Length(max=120)]
    )
    #: Checked by the service, which names the field in its own words.
    category = SelectField(_l("For problems about"), choices=[], validate_choice=False)
    body = TextAreaField(
        _l("Text inserted into the reply"),
        validators=[InputRequired(_l("This field is required.")), Length(max=5000)],
    )
