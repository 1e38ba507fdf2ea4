"""The reminder settings refuse, at start, what would break every message later: offsets that
are not whole hours above 0, quiet hours off the clock, a link that is not a web address; a
link longer than a carrier allows is refused in words when a reminder is previewed."""

from __future__ import annotations

from datetime import timedelta

import pytest

import config as config_module
from config import ConfigError
from helpdesk.reminders import settings


def _config(**env: str) -> dict[str, object]:
    return config_module.from_env({"HELPDESK_SECRET_KEY": "x", "HELPDESK_ID_HASH_KEY": "y", **env})


def test_the_defaults_are_24_and_3_hours_and_quiet_from_21_to_8():
    built = settings.from_config(_config())

    assert built.download_offsets == (timedelta(hours=24), timedelta(hours=3))
    assert built.mock_offsets == (timedelta(hours=24), timedelta(hours=3))
    assert (built.quiet_start, built.quiet_end) == (21, 8)
    assert built.check_url == "http://127.0.0.1:5000/readiness"


@pytest.mark.parametrize(
    "env",
    [
        {"HELPDESK_REMINDER_DOWNLOAD_OFFSETS_HOURS": "24,three"},
        {"HELPDESK_REMINDER_MOCK_OFFSETS_HOURS": "0"},
        {"HELPDESK_REMINDER_QUIET_START_HOUR": "24"},
        {"HELPDESK_REMINDER_UPLOADS_URL": "ftp://x.cn/u"},
    ],
)
def test_settings_that_would_break_the_messages_stop_the_start(env):
    with pytest.raises(ConfigError):
        settings.from_config(_config(**env))


def test_a_link_longer_than_a_carrier_allows_is_refused_in_words_on_preview(
    client, db_session, make_exam, make_staff, sign_in_staff, app, now, monkeypatch
):
    exam = make_exam()
    long = settings.Settings(check_url="https://exam-support.example.edu.cn/readiness")
    monkeypatch.setitem(app.extensions, settings.EXTENSION, long)
    from helpdesk.identity.models import Role

    sign_in_staff(make_staff(role=Role.SUPERVISOR))

    page = client.get(f"/staff/reminders/{exam.code}/new?segment=never_ran_agent")

    assert page.status_code == 422
    assert "运营商" in page.get_data(as_text=True)
