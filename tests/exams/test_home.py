"""The candidate's home says what to do now, with the way in to the right capability."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk import clock


@pytest.mark.parametrize(
    ("moment", "expected_link", "expected_text"),
    [
        (datetime(2023, 1, 4, 1, 0, tzinfo=UTC), None, "下载通道将于"),
        (datetime(2023, 1, 4, 6, 0, tzinfo=UTC), "/readiness", "请立即下载并安装两个客户端"),
        (datetime(2023, 1, 10, 2, 30, tzinfo=UTC), None, "请立即登录"),
        (datetime(2023, 1, 10, 3, 5, tzinfo=UTC), "/help", "考试进行中"),
        (datetime(2023, 1, 10, 4, 0, tzinfo=UTC), "/uploads/help", "交卷完成"),
    ],
)
def test_the_home_page_follows_the_formal_exam_through_the_notice(
    client, make_exam, make_candidate, sign_in_candidate, moment, expected_link, expected_text
):
    identity = make_candidate(sessions=[make_exam("FORMAL")])
    sign_in_candidate(identity)
    clock.freeze(moment)

    page = client.get("/").text

    assert expected_text in page
    if expected_link:
        assert f'href="{expected_link}"' in page


def test_the_landing_page_offers_self_help_without_signing_in(client):
    page = client.get("/").text

    assert 'href="/articles"' in page
    assert 'href="/uploads/help"' in page


def test_on_mock_day_the_home_page_says_where_to_download_and_that_the_mock_counts(
    client, make_exam, make_candidate, sign_in_candidate
):
    mock = make_exam(
        "MOCK-D1",
        kind="mock",
        starts=datetime(2023, 1, 4, 2, 0, tzinfo=UTC),
        ends=datetime(2023, 1, 4, 16, 0, tzinfo=UTC),  # 24:00 Beijing time
    )
    sign_in_candidate(make_candidate(sessions=[mock]))
    clock.freeze(datetime(2023, 1, 4, 6, 0, tzinfo=UTC))

    page = client.get("/").text

    assert "模拟考试开放至 2023-01-04 24:00" in page
    assert "2023-01-05 00:00" not in page
    assert "未参加模拟考试的考生不能参加正式考试" in page
    assert "下载通道关闭（2023-01-05 23:00）前下载并安装两个客户端" in page
    assert 'href="https://vict.zhikaocn.com"' in page
