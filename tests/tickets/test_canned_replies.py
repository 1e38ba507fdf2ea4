"""Canned replies: a fresh desk ships a Chinese set; supervisors create, edit and retire them;
the staff ticket page offers those in use, and its forms never share an element id."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from helpdesk.tickets.canned import services as canned
from helpdesk.tickets.models import CannedReply


def test_a_fresh_desk_ships_the_chinese_canned_replies_from_its_migration(db_session):
    titles = {r.title for r in canned.offered(db_session)}

    assert {"卸载杀毒软件", "重新上传佐证视频", "回拨号码说明"} <= titles
    assert len(titles) >= 10


def test_a_supervisor_creates_edits_and_retires_a_canned_reply(
    client, db_session, make_staff, sign_in_staff
):
    sign_in_staff(make_staff("supervisor"))

    created = client.post(
        "/staff/canned-replies/new",
        data={"title": "摄像头被占用", "category": "cannot_answer", "body": "请关闭微信视频。"},
    )
    reply = db_session.scalar(select(CannedReply).where(CannedReply.title == "摄像头被占用"))
    edited = client.post(
        f"/staff/canned-replies/{reply.id}/edit",
        data={"title": "摄像头被占用", "category": "", "body": "请关闭微信和QQ的视频通话。"},
    )
    listed = client.get("/staff/canned-replies").text
    retired = client.post(f"/staff/canned-replies/{reply.id}/retire", data={"retire": "1"})

    assert created.status_code == edited.status_code == retired.status_code == 302
    assert "摄像头被占用" in listed
    assert "请关闭微信和QQ的视频通话。" in listed
    db_session.refresh(reply)
    assert reply.category is None
    assert reply.retired_at is not None
    assert reply not in canned.offered(db_session)
    client.post(f"/staff/canned-replies/{reply.id}/retire", data={"retire": "0"})
    db_session.refresh(reply)
    assert reply in canned.offered(db_session)


def test_a_canned_reply_without_text_or_with_an_unknown_category_is_refused_in_words(
    client, make_staff, sign_in_staff
):
    sign_in_staff(make_staff("supervisor"))

    empty = client.post("/staff/canned-replies/new", data={"title": "空", "body": "  "})
    odd = client.post(
        "/staff/canned-replies/new", data={"title": "x", "category": "nope", "body": "好"}
    )
    missing = client.get("/staff/canned-replies/999999/edit")

    assert empty.status_code == 422
    assert "不能为空" in empty.text
    assert odd.status_code == 422
    assert missing.status_code == 404


def test_agents_cannot_manage_canned_replies(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff("agent"))

    assert client.get("/staff/canned-replies").status_code == 403


def test_the_staff_ticket_page_has_unique_ids_and_each_label_names_its_own_box(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    ticket = open_ticket(owner)
    sign_in_staff(make_staff())

    page = client.get(f"/staff/tickets/{ticket.number}").text

    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    note = re.search(r'<label for="([^"]+)">内部备注（考生看不到）</label>', page)
    assert note is not None
    assert note.group(1) == "note-body"
    assert re.search(r'<textarea[^>]*id="note-body"[^>]*name="body"', page)
    assert 'class="card note-card"' in page


def test_the_ticket_page_offers_only_replies_in_use_with_their_text_for_the_script(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, now
):
    ticket = open_ticket(owner)
    gone = canned.save_reply(
        db_session, reply=None, title="旧回复", body="过时", category=None, now=now
    )
    canned.retire_reply(db_session, reply=gone, now=now)
    sign_in_staff(make_staff())

    page = client.get(f"/staff/tickets/{ticket.number}").text

    assert "旧回复" not in page
    assert 'data-body="您好，请先卸载 360安全卫士' in page
