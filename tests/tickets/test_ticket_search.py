"""Staff search ticket text in Chinese without spaces from the inbox's search box: subjects,
the candidate's messages, replies and notes, best match first; candidates search articles
the same way."""

from __future__ import annotations

from helpdesk.tickets import handling, services


def test_the_inbox_finds_tickets_by_words_inside_their_messages(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    login = open_ticket(owner, description="输入准考证号后提示考生不存在")
    camera = open_ticket(owner, description="摄像头黑屏，看不到画面")
    sign_in_staff(make_staff())

    found = client.get("/staff/tickets", query_string={"q": "考生不存在"}).text
    black = client.get("/staff/tickets", query_string={"q": "黑屏"}).text

    assert login.number in found
    assert camera.number not in found
    assert camera.number in black
    assert login.number not in black


def test_replies_notes_and_later_messages_are_searchable_too(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, now
):
    ticket = open_ticket(owner, description="智考云打不开")
    agent = make_staff()
    handling.add_note(db_session, ticket=ticket, staff=agent, body="考生电脑是双系统", now=now)
    handling.reply(db_session, ticket=ticket, staff=agent, body="请卸载鲁大师后重启", now=now)
    services.reply_as_candidate(db_session, ticket=ticket, body="还是闪退", now=now)
    sign_in_staff(agent)

    pages = [
        client.get("/staff/tickets", query_string={"q": q}).text
        for q in ("双系统", "鲁大师", "闪退")
    ]

    for page in pages:
        assert ticket.number in page


def test_a_ticket_whose_subject_matches_comes_before_one_that_mentions_it_later(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, now
):
    mention = open_ticket(owner, description="无法登录\n之后佐证视频也没有上传")
    subject = open_ticket(owner, description="佐证视频上传失败")
    sign_in_staff(make_staff())

    page = client.get("/staff/tickets", query_string={"q": "佐证视频"}).text

    assert page.index(subject.number) < page.index(mention.number)


def test_a_candidate_finds_an_article_with_a_query_without_spaces(client, db_session, now):
    from helpdesk.knowledge import content

    content.seed(db_session, now)

    page = client.get("/articles", query_string={"q": "无法登录"}).text

    assert "无法登录智考云怎么办" in page
