"""Translations: every message has a Chinese text; pages are Chinese by default and English on
request."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import i18n


def test_every_message_has_a_chinese_translation():
    missing = i18n.missing()

    assert missing == {}, "run `python scripts/i18n.py add helpdesk/<package>` and translate"


def test_pages_are_chinese_by_default_and_english_on_request(client):
    default = client.get("/signin")
    english = client.get("/signin", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert "考生登录" in default.text
    assert 'lang="zh-CN"' in default.text
    assert "Candidate sign-in" in english.text


def test_the_language_switch_keeps_english_for_the_visitor(client):
    client.post("/lang", data={"locale": "en", "next": "/signin"})

    assert "Candidate sign-in" in client.get("/signin").text


def test_the_language_switch_never_redirects_off_site(client):
    response = client.post("/lang", data={"locale": "en", "next": "https://evil.example/"})

    assert response.headers["Location"] == "/"
