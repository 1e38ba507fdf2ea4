"""The inbox updates without a reload: a small endpoint gives its rows for the same filters,
each technician sees their own unread marks, and a candidate's new message makes a ticket
unread again."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.tickets import services, unread


def test_a_ticket_is_unread_until_the_technician_opens_it_and_for_others_after(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff
):
    ticket = open_ticket(owner)
    li, wang = make_staff(), make_staff()
    sign_in_staff(li)

    before = client.get("/staff/tickets/live").text
    client.get(f"/staff/tickets/{ticket.number}")
    after = client.get("/staff/tickets/live").text

    assert 'class=" unread"' in before
    assert "未读" in before
    assert "未读" not in after
    assert unread.unread_ids(db_session, staff=wang, ticket_ids=[ticket.id]) == {ticket.id}
    assert unread.unread_ids(db_session, staff=li, ticket_ids=[ticket.id]) == set()


def test_a_new_candidate_message_makes_an_opened_ticket_unread_again(
    db_session, owner, open_ticket, make_staff, now
):
    ticket = open_ticket(owner)
    agent = make_staff()
    unread.mark_read(db_session, staff=agent, ticket=ticket, now=now)
    unread.mark_read(db_session, staff=agent, ticket=ticket, now=now)  # twice: one row

    read = unread.unread_ids(db_session, staff=agent, ticket_ids=[ticket.id])
    services.reply_as_candidate(
        db_session, ticket=ticket, body="还是不行", now=now + timedelta(minutes=3)
    )
    again = unread.unread_ids(db_session, staff=agent, ticket_ids=[ticket.id])

    assert read == set()
    assert again == {ticket.id}


def test_the_live_rows_follow_the_filters_and_are_never_cached(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    login = open_ticket(owner, category="login")
    install = open_ticket(owner, category="install")
    sign_in_staff(make_staff())

    response = client.get("/staff/tickets/live?category=install")

    assert response.status_code == 200
    assert install.number in response.text
    assert login.number not in response.text
    assert "<html" not in response.text
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_inbox_page_points_its_script_at_the_live_rows_for_its_filters(
    client, make_staff, sign_in_staff
):
    sign_in_staff(make_staff())

    page = client.get("/staff/tickets?category=login").text

    assert 'data-live="/staff/tickets/live?category=login"' in page
    assert 'src="/static/inbox.js"' in page
