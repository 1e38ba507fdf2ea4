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


def test_one_english_message_has_one_chinese_text_in_every_catalogue():
    # Flask-Babel merges the packages' catalogues and the first one wins, so a message that two
    # packages translate differently shows one package's words on the other's pages (the outbox's
    # "Sent" status once read 发送时间, a reminder table's column header).
    from babel.messages import pofile

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    root = Path(__file__).resolve().parent.parent / "helpdesk"
    for path in sorted(root.glob("**/translations/zh_Hans_CN/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            for message in pofile.read_po(handle):
                if not message.id or message.context:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else message.string[0]
                first = seen.setdefault(key, (str(path), text))
                if first[1] != text:
                    clashes.append(f"{key!r}: {first[0]} {first[1]!r} != {path} {text!r}")

    assert clashes == []
