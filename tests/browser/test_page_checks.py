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


NARROW_PAGE = """<!doctype html><html lang="zh-CN"><head><title>设备检测</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>设备检测</h1><p>请检测电脑。</p></main></body></html>"""
WIDE_PAGE = """<!doctype html><html lang="zh-CN"><head><title>准备情况</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>准备情况</h1><table><tr><td style="min-width:532px">考生</td></tr></table>
</main></body></html>"""


def test_two_pages_checked_at_once_are_each_measured_on_their_own_copy(browser):
    """The check of one page waits on the browser while Playwright calls back for another
    page's check (the reminders journey: the candidate's /readiness still being checked when
    the supervisor opens the readiness view). Here the staff page's check is made to run in
    the middle of the candidate page's, between laying out its phone-sized copy and measuring
    it: the candidate page must still be measured on its own copy."""
    from tests.browser.checks import AXE

    checks = PageChecks("test_page_checks_interleaved")
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    checks.install(context)

    def serve(body):
        return lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=body)

    context.route("http://desk.invalid/readiness", serve(NARROW_PAGE))
    context.route("http://desk.invalid/staff/readiness/X", serve(WIDE_PAGE))
    staff = context.new_page()
    staff.goto("http://desk.invalid/staff/readiness/X")
    candidate = context.new_page()
    run = checks._run
    interleaved = []

    def run_with_another_check(page, path, size):
        if path == "/readiness" and page is not candidate and not interleaved:
            interleaved.append(path)
            checks._check(staff, AXE.read_text(encoding="utf-8"))
        run(page, path, size)

    checks._run = run_with_another_check
    candidate.goto("http://desk.invalid/readiness")
    checks.settle([staff, candidate])
    checks.close()
    context.close()

    assert interleaved == ["/readiness"]
    assert [p for p in checks.problems if "wide" in p] == []
