"""The QR code on the device-check page: a single-use, short-lived link that signs the phone in
as the same candidate and opens the phone check; anything else signs nobody in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.readiness import settings as readiness_settings
from helpdesk.readiness.models import PhoneLink
from tests.readiness.qrcodes import read_svg

LINK = re.compile(r"^http://127\.0\.0\.1:5000/readiness/phone/link/([A-Za-z0-9_-]{24})$")


def qr_link(page_html: str) -> str:
    """The URL of the page's QR code, read from its SVG as a phone's camera would."""
    svgs = re.findall(r"<svg\b.*?</svg>", page_html, flags=re.S)
    assert len(svgs) == 1, "expected one QR code on the page"
    return read_svg(svgs[0])


@pytest.fixture
def pc(client, make_candidate, sign_in_candidate, now):
    """A candidate signed in on the PC; .show() loads the device-check page, returns the link."""

    class PC:
        identity = make_candidate(name="李雷")

        def show(self) -> str:
            page = client.get("/readiness")
            assert page.status_code == 200
            return qr_link(page.text)

    sign_in_candidate(PC.identity)
    return PC()


@pytest.fixture
def phone(app):
    """Another browser: its own cookies, nobody signed in."""
    return app.test_client()


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:5000")


def signed_in_name(test_client) -> str | None:
    page = test_client.get("/readiness/phone")
    if page.status_code != 200:
        return None
    found = re.search(r'<span class="who"[^>]*>([^<]*)</span>', page.text)
    return found.group(1) if found else None


def test_the_qr_code_signs_the_phone_in_and_opens_the_phone_check(pc, phone):
    url = pc.show()

    landed = phone.get(path_of(url))

    assert LINK.match(url), url
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/readiness/phone"
    assert signed_in_name(phone) == "李雷"
    assert "开始手机检测" in phone.get("/readiness/phone").text


def test_the_link_carries_no_personal_data(pc):
    url = pc.show()

    assert LINK.match(url)
    for value in pc.identity.values():
        assert value not in url


def test_only_a_hash_of_the_token_is_stored(pc, db_session):
    token = LINK.match(pc.show()).group(1)

    row = db_session.scalar(select(PhoneLink))

    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(row, c.key) for c in PhoneLink.__table__.columns])


def test_a_link_works_once(pc, phone, app):
    url = pc.show()
    assert phone.get(path_of(url)).status_code == 302
    other = app.test_client()

    second = other.get(path_of(url))

    assert second.status_code == 410
    assert "已经使用过" in second.text
    assert 'href="/signin?next=/readiness/phone"' in second.text
    assert signed_in_name(other) is None


def test_an_expired_link_signs_nobody_in(pc, phone, now):
    url = pc.show()

    clock.freeze(now + timedelta(minutes=10))
    refused = phone.get(path_of(url))

    assert refused.status_code == 410
    assert "已过期" in refused.text
    assert signed_in_name(phone) is None


def test_a_link_still_works_just_before_it_expires(pc, phone, now):
    url = pc.show()

    clock.freeze(now + timedelta(minutes=9, seconds=59))

    assert phone.get(path_of(url)).status_code == 302
    assert signed_in_name(phone) == "李雷"


def test_a_reload_or_a_second_tab_leaves_the_earlier_qr_code_working(pc, phone, app):
    earlier = pc.show()
    later = pc.show()

    assert earlier != later
    assert phone.get(path_of(earlier)).status_code == 302
    assert app.test_client().get(path_of(later)).status_code == 302


@pytest.mark.parametrize(
    "token", ["x", "A" * 24, "A" * 65, "A-_" * 8, "'; DROP TABLE phone_links;--"]
)
def test_an_unknown_or_malformed_link_is_a_page_in_words_not_an_error(phone, token):
    refused = phone.get(f"/readiness/phone/link/{token}")

    assert refused.status_code == 404
    assert "链接无效" in refused.text
    assert signed_in_name(phone) is None


def test_a_refused_link_leaves_whoever_is_signed_in_on_the_phone_alone(
    pc, phone, make_candidate, sign_in_candidate
):
    url = pc.show()
    assert phone.get(path_of(url)).status_code == 302
    sign_in_candidate(make_candidate(name="韩梅梅"), test_client=phone)

    again = phone.get(path_of(url))

    assert again.status_code == 410
    assert signed_in_name(phone) == "韩梅梅"


def test_the_qr_code_is_plain_svg_inside_the_csp(client, make_candidate, sign_in_candidate, now):
    sign_in_candidate(make_candidate())

    page = client.get("/readiness")
    svg = re.search(r"<svg\b.*?</svg>", page.text, flags=re.S).group(0)

    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"\sstyle=|<style|<script|\son\w+=|href=", svg)
    assert "<title>" in svg


def test_the_qr_code_pauses_after_too_many_in_an_hour(
    app, client, make_candidate, sign_in_candidate, now, monkeypatch
):
    key = readiness_settings.EXTENSION
    monkeypatch.setitem(app.extensions, key, replace(app.extensions[key], phone_links_per_hour=3))
    sign_in_candidate(make_candidate())
    for _ in range(3):
        assert "<svg" in client.get("/readiness").text

    paused = client.get("/readiness")
    clock.freeze(now + timedelta(minutes=61))
    back = client.get("/readiness")

    assert paused.status_code == 200
    assert "<svg" not in paused.text
    assert "60 分钟" in paused.text
    assert "http://127.0.0.1:5000/readiness/phone" in paused.text
    assert "<svg" in back.text


def test_each_candidate_has_their_own_limit(
    app, client, make_candidate, sign_in_candidate, now, monkeypatch
):
    key = readiness_settings.EXTENSION
    monkeypatch.setitem(app.extensions, key, replace(app.extensions[key], phone_links_per_hour=1))
    sign_in_candidate(make_candidate())
    client.get("/readiness")
    other = app.test_client()
    sign_in_candidate(make_candidate(), test_client=other)

    assert "<svg" in other.get("/readiness").text


def test_an_anonymous_visitor_gets_no_qr_code(client):
    page = client.get("/readiness")

    assert page.status_code == 302
    assert "/signin" in page.headers["Location"]


WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/111.0 Mobile Safari/537.36 MicroMessenger/8.0.40.2420"
)


def test_scanned_in_wechat_the_link_stays_unused_for_the_system_browser(pc, phone, app):
    url = pc.show()
    wechat = app.test_client()

    inside = wechat.get(path_of(url), headers={"User-Agent": WECHAT})
    browser = phone.get(path_of(url))

    assert inside.status_code == 200
    assert "在浏览器中打开" in inside.text
    assert signed_in_name(wechat) is None
    assert browser.status_code == 302
    assert signed_in_name(phone) == "李雷"


def test_a_used_link_opened_in_wechat_says_it_was_used(pc, phone, app):
    url = pc.show()
    phone.get(path_of(url))

    inside = app.test_client().get(path_of(url), headers={"User-Agent": WECHAT})

    assert inside.status_code == 410
    assert "已经使用过" in inside.text


def test_a_link_preview_head_request_does_not_use_the_link(pc, phone, app):
    url = pc.show()

    preview = app.test_client().head(path_of(url))

    assert preview.status_code == 200
    assert phone.get(path_of(url)).status_code == 302
