"""The rehearsal and the reminders: a template code for every registered SMS kind on Aliyun, so
the desk it starts does not refuse to (a capability that registers a kind updates it)."""

from __future__ import annotations

from datetime import timedelta

from bench.rehearsal.deploy import aliyun_environment
from helpdesk.notify import adapters, registry
from helpdesk.notify.aliyun import AliyunSmsNotifier


def test_the_rehearsal_has_a_template_code_for_every_sms_kind(app):
    env = aliyun_environment("http://127.0.0.1:1")
    config = {key.removeprefix("HELPDESK_"): value for key, value in env.items()}

    notifier = adapters.from_config(config, kinds=registry.kinds())

    assert isinstance(notifier, AliyunSmsNotifier)
    assert set(notifier.template_codes) == set(registry.kinds())


def test_the_reminders_fall_inside_the_login_window_and_the_check_counts_them():
    from bench.examday import reminder_env
    from bench.rehearsal.dbcheck import Stores
    from bench.rehearsal.reminder_checks import reminder_check
    from bench.rehearsal.timetable import Timetable
    from helpdesk.reminders.settings import parse_offsets

    timetable = Timetable.compressed(1000.0, 180)
    env = reminder_env(timetable)
    offsets = parse_offsets("X", env["HELPDESK_REMINDER_DOWNLOAD_OFFSETS_HOURS"])
    window = timetable.starts - timetable.login_opens
    sent = {("27s", "never_ran_agent"), ("27s", "never_ran_phone")}
    rows = [
        {
            "id": i,
            "trigger": f"download-{t}:{s}",
            "segment": s,
            "origin": "automatic",
            "recipients": 2 if (t, s) in sent else 0,
            "skipped": 0 if t == "27s" else 2,
        }
        for i, (t, s) in enumerate(
            (t, s)
            for t in ("27s", "9s")
            for s in ("never_ran_agent", "agent_failed", "never_ran_phone")
        )
    ]
    sms = [{"dedupe_key": f"reminder:0:{n}", "status": "sent"} for n in (1, 2)]
    sms += [{"dedupe_key": f"reminder:2:{n}", "status": "sent"} for n in (1, 2)]

    check = reminder_check(Stores([], [], [], [], [], sms, rows))

    assert all(timedelta(0) < o < timedelta(seconds=window) for o in offsets)
    assert env["HELPDESK_REMINDER_QUIET_START_HOUR"] == env["HELPDESK_REMINDER_QUIET_END_HOUR"]
    assert check.passed is True
    assert "reached 2" in check.detail
