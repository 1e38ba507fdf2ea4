"""The facts articles quote are filled in from the exam sessions and the settings when an
article is shown: the mock days, the download deadline (midnight as 24:00), the candidate
platform and the callback numbers, escaped; an article without sessions still reads."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from helpdesk.knowledge import facts

ZONE = ZoneInfo("Asia/Shanghai")


def test_the_mock_days_and_the_deadline_come_from_the_sessions(make_exam):
    first = make_exam(kind="mock", starts=datetime(2023, 1, 4, 2, tzinfo=UTC))
    second = make_exam(
        kind="mock",
        starts=datetime(2023, 1, 5, 2, tzinfo=UTC),
        download_closes=datetime(2023, 1, 5, 16, tzinfo=UTC),  # 24:00 Beijing time
    )
    formal = make_exam(kind="formal", starts=datetime(2023, 1, 10, 3, tzinfo=UTC))

    said = facts.notice_facts(
        [formal, second, first],
        zone=ZONE,
        platform_url="https://vict.zhikaocn.com",
        caller_ids=["028-63201710", "028-62093080"],
        hotline="400-088-0028",
    )

    assert said["模拟考试日期"] == "1 月 4 日和 5 日"
    assert said["下载截止时间"] == "1 月 5 日 23:00"  # the earliest of the sessions' deadlines
    assert 'href="https://vict.zhikaocn.com"' in said["考生平台"]
    assert said["来电号码"].count('class="nowrap"') == 2


def test_days_across_a_month_name_both_months():
    days = [datetime(2023, 1, 31, 10, tzinfo=ZONE), datetime(2023, 2, 1, 10, tzinfo=ZONE)]

    assert facts._days(days) == "1 月 31 日和 2 月 1 日"
    assert facts._end(datetime(2023, 1, 6, 0, 0, tzinfo=ZONE)) == "1 月 5 日 24:00"


def test_placeholders_are_filled_and_what_they_say_is_escaped():
    html = "<p>请在 {下载截止时间} 前登录 {考生平台}。{未知}</p>"

    filled = facts.fill(
        html,
        facts.notice_facts(
            [], zone=ZONE, platform_url='https://x.example/"><script>', caller_ids=[], hotline="4"
        ),
    )

    assert "<script>" not in filled
    assert "&lt;script&gt;" in filled
    assert "{未知}" in filled  # an unknown name is left for the supervisor to see
    assert "下载截止前" in filled  # no session yet: still a sentence
