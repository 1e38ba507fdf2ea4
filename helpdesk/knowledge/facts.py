"""The facts an article quotes, filled in when it is shown: the mock exam's dates and the
download deadline from the exam sessions, the candidate platform, hotline and callback
numbers from configuration. An article says {模拟考试日期} and stays right when the
sessions move; supervisors see the placeholders listed beside the editor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from helpdesk.exams.models import ExamKind, ExamSession

MOCK_DAYS = "模拟考试日期"
DOWNLOAD_CLOSES = "下载截止时间"
PLATFORM = "考生平台"
CALLERS = "来电号码"
HOTLINE = "技术服务热线"
PLACEHOLDERS = (MOCK_DAYS, DOWNLOAD_CLOSES, PLATFORM, CALLERS, HOTLINE)


def _day(moment: datetime, *, month: bool = True) -> str:
    return f"{moment.month} 月 {moment.day} 日" if month else f"{moment.day} 日"


def _days(moments: list[datetime]) -> str:
    """1 月 4 日和 5 日; 1 月 31 日和 2 月 1 日; 1 月 4 日、5 日和 6 日."""
    if not moments:
        return ""
    words = [_day(moments[0])] + [
        _day(m, month=m.month != moments[i].month) for i, m in enumerate(moments[1:])
    ]
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "和 " + words[-1]


def _end(moment: datetime) -> str:
    """An end time as the notice writes it: midnight is 24:00 of the day before."""
    if (moment.hour, moment.minute) == (0, 0):
        return f"{_day(moment - timedelta(days=1))} 24:00"
    return f"{_day(moment)} {moment:%H:%M}"


def _nowrap(text: str) -> Markup:
    return Markup('<span class="nowrap">%s</span>') % text


def notice_facts(
    sessions: Iterable[ExamSession],
    *,
    zone: ZoneInfo,
    platform_url: str,
    caller_ids: list[str],
    hotline: str,
) -> dict[str, Markup]:
    """Each placeholder's text (HTML-safe), from the sessions and the configuration."""
    ordered = sorted(sessions, key=lambda s: s.starts)
    mock_days: dict[date, datetime] = {}
    for s in ordered:
        if s.kind == ExamKind.MOCK:
            mock_days.setdefault(s.starts.astimezone(zone).date(), s.starts.astimezone(zone))
    closes = [s.download_closes for s in ordered if s.download_closes is not None]
    platform = (
        Markup('<a href="%s" rel="noopener" class="nowrap">%s</a>') % (platform_url, platform_url)
        if platform_url
        else Markup("")
    )
    return {
        MOCK_DAYS: escape(_days(list(mock_days.values())) or "（见“我的考试”中的考试日程）"),
        DOWNLOAD_CLOSES: escape(_end(min(closes).astimezone(zone)) if closes else "下载截止前"),
        PLATFORM: platform,
        CALLERS: Markup("、").join(_nowrap(n) for n in caller_ids),
        HOTLINE: _nowrap(hotline),
    }


def fill(html: str, facts: Mapping[str, Markup]) -> Markup:
    """The article's sanitised HTML with each {placeholder} replaced by its fact."""
    for name, value in facts.items():
        html = html.replace("{" + name + "}", str(value))
    return Markup(html)  # noqa: S704 - body_html was sanitised by nh3; facts are escaped
