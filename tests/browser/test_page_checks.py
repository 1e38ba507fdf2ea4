"""The page checks every browser test runs catch what they are for: an axe-core serious or
critical violation at either size, and a code or an English word left in a zh-CN page."""

from __future__ import annotations

import pytest

from tests.browser.checks import DESKTOP, PageChecks, foreign_words

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html><html lang="zh-CN"><head><title>坏页面</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>@media (max-width: 400px) { .phone-only { display: block !important; } }</style></head>
<body><main><h1>坏页面</h1><p>状态：no_answer，请 Submit。</p><img src="x.png">
<p class="phone-only" style="display:none"><button></button></p></main></body></html>"""


def test_the_checks_fail_a_page_with_violations_at_either_size_and_english_words(browser):
    checks = PageChecks("test_page_checks_bad_page")
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    checks.install(context)
    context.route(
        "http://desk.invalid/bad",
        lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=BAD_PAGE),
    )
    page = context.new_page()
    page.goto("http://desk.invalid/bad")
    checks.settle([page])
    checks.close()
    context.close()

    problems = "\n".join(checks.problems)
    assert "/bad at 1366x768: axe critical image-alt" in problems
    assert "/bad at 360x740: axe critical button-name" in problems
    assert "1366x768: axe critical button-name" not in problems  # hidden on a desktop
    assert "not in Chinese: 'no_answer'" in problems
    assert "not in Chinese: 'Submit'" in problems


def test_names_data_and_acronyms_are_not_taken_for_english():
    text = "请用 Windows 10 的智考云，CSV 文件的 SHA-256；准考证号 ZK20230077，文件 video-0110-1"

    assert foreign_words(text) == []
    assert foreign_words("问题类别 evidence_upload，点 Retry") == ["evidence_upload", "Retry"]
