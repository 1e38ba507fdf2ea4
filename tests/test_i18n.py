"""Translations looked up once per request still follow the visitor's language: the same
text in Chinese and English within one process, `force_locale` switching it inside a
request, lazy texts translated when used, and WTForms' own messages in Chinese from the
process's one copy of their catalogue."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired

from helpdesk import i18n


def test_a_text_follows_each_requests_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = i18n.gettext("Sent")
        in_template = render_template_string("{{ _('Sent') }}")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = i18n.gettext("Sent")

    assert (chinese, in_template, english) == ("已发送", "已发送", "Sent")


def test_force_locale_switches_the_language_inside_a_request_and_back(app):
    lazy = i18n.lazy_gettext("Sent")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        before = str(lazy)
        with force_locale("zh_CN"):
            forced = str(lazy)
        after = str(lazy)

    assert (before, forced, after) == ("Sent", "已发送", "Sent")


def test_a_template_text_with_a_percent_sign_and_no_variables_reads_as_jinja_gives_it(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        shown = render_template_string("{{ _('100%% sure') }}")

    assert shown == "100% sure"


class _Age(FlaskForm):
    age = IntegerField(validators=[InputRequired()])


def test_wtforms_own_messages_are_in_the_visitors_language(app):
    shown = {}
    for language in ("zh-CN", "en"):
        with app.test_request_context("/", method="POST", headers={"Accept-Language": language}):
            app.preprocess_request()
            form = _Age(formdata=None, meta={"csrf": False})
            form.validate()
            shown[language] = form.age.errors

    assert shown == {"zh-CN": ["该字段是必填字段。"], "en": ["This field is required."]}
