"""The inbox updates without a reload: a small endpoint gives its rows for the same filters,
each technician sees their own unread marks, and a candidate's new message makes a ticket
unread again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from helpdesk.tickets import services
from helpdesk.tickets.models import TicketRead


def _unread_on_the_inbox(browser, ticket) -> bool:
    """Whether the technician signed in on browser sees ticket marked unread."""
    live = browser.get("/staff/tickets/live").text
    return f'{ticket.number}</a> <span class="tag unread-tag">' in live


def test_a_ticket_is_unread_until_the_technician_opens_it_and_for_others_after(
    app, client, db_session, owner, open_ticket, make_staff, sign_in_staff
):
    ticket = open_ticket(owner)
    li, wang = make_staff(), make_staff()
    sign_in_staff(li)
    other = app.test_client()
    sign_in_staff(wang, test_client=other)

    before = client.get("/staff/tickets/live").text
    client.get(f"/staff/tickets/{ticket.number}")
    after = client.get("/staff/tickets/live").text

    assert 'class=" unread"' in before
    assert "未读" in before
    assert "未读" not in after
    assert _unread_on_the_inbox(other, ticket)  # wang has not opened it
    assert not _unread_on_the_inbox(client, ticket)


def test_a_new_candidate_message_makes_an_opened_ticket_unread_again(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, now
):
    ticket = open_ticket(owner)
    sign_in_staff(make_staff())
    client.get(f"/staff/tickets/{ticket.number}")
    client.get(f"/staff/tickets/{ticket.number}")  # twice (two tabs): still one mark

    read = _unread_on_the_inbox(client, ticket)
    services.reply_as_candidate(
        db_session, ticket=ticket, body="还是不行", now=now + timedelta(minutes=3)
    )
    again = _unread_on_the_inbox(client, ticket)

    assert (read, again) == (False, True)
    marks = select(func.count()).where(TicketRead.ticket_id == ticket.id)
    assert db_session.scalar(marks) == 1


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
