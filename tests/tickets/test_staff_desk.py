"""Staff work tickets: inbox search and filters, replies with SMS, notes, merge, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpdesk.audit.models import AuditEntry
from helpdesk.notify.adapters import TwilioNotifier
from helpdesk.notify.jobs import send_pending
from helpdesk.notify.models import OutboundSms
from helpdesk.tickets import handling
from helpdesk.tickets.models import Ticket, TicketStatus
from tests.twilio_http import RecordingHttpClient


def test_staff_find_a_ticket_by_admission_number_name_phone_or_number(
    client, owner, make_candidate, open_ticket, make_staff, sign_in_staff
):
    mine = open_ticket(owner, phone="13912345678")
    someone_else = open_ticket(make_candidate(name="李雷", phone="+8613700000000"))
    sign_in_staff(make_staff())

    pages = [
        client.get("/staff/tickets", query_string={"q": q}).text
        for q in (owner["admission_number"].lower(), "王小明", "139-1234-5678", mine.number.lower())
    ]

    for page in pages:
        assert mine.number in page
        assert someone_else.number not in page


def test_the_inbox_filters_by_category_and_counts_per_status(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff
):
    login = open_ticket(owner, category="login")
    install = open_ticket(owner, category="install")
    install.status = TicketStatus.RESOLVED
    db_session.flush()
    sign_in_staff(make_staff())

    active_login = client.get("/staff/tickets?category=login").text
    solved = client.get("/staff/tickets?status=resolved").text

    assert login.number in active_login
    assert install.number not in active_login
    assert install.number in solved
    assert login.number not in solved
    assert "待处理 (1)" in active_login
    assert "已解决 (1)" in active_login


def test_the_inbox_pages_through_many_tickets(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    for n in range(30):
        open_ticket(owner, description=f"问题 {n}")
    sign_in_staff(make_staff())

    first = client.get("/staff/tickets").text
    second = client.get("/staff/tickets?page=2").text

    assert "共 30 个工单" in first
    assert first.count("/staff/tickets/T-") == 25
    assert second.count("/staff/tickets/T-") == 5
    assert "这里只列出前" not in second  # every ticket is listed: nothing to narrow


def test_a_staff_reply_with_a_canned_text_reaches_the_candidate_and_queues_one_sms(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, sign_in_candidate, app
):
    from helpdesk.tickets.demo import seed

    seed(db_session, open_ticket(owner).created_at)
    ticket = open_ticket(owner)
    sign_in_staff(make_staff())
    canned = client.get(f"/staff/tickets/{ticket.number}?canned=antivirus").text
    assert "请先卸载 360安全卫士" in canned

    client.post(
        f"/staff/tickets/{ticket.number}/reply",
        data={"body": "您好，请先卸载 360安全卫士。", "status": "waiting_candidate"},
    )
    client.post("/signout")
    sign_in_candidate(owner)
    page = client.get(f"/tickets/{ticket.number}").text

    assert "您好，请先卸载 360安全卫士。" in page
    assert "等待您的回复" in page
    sms = db_session.scalars(select(OutboundSms)).all()
    assert [(m.to, m.kind) for m in sms] == [(owner.candidate.phone, "ticket_reply")]
    assert ticket.number in sms[0].body
    assert "400-088-0028" in sms[0].body


def _sms(number: str) -> str:
    return (
        f"您在客服平台提交的问题（工单号 {number}）有新的回复，请登录客服平台查看。"
        "技术服务热线：400-088-0028"
    )


def test_the_reply_sms_is_the_exact_twilio_request(db_session, owner, open_ticket, make_staff, now):
    ticket = open_ticket(owner)
    handling.reply(
        db_session,
        ticket=ticket,
        staff=make_staff(),
        body="已处理",
        now=now,
        sms_params=handling.reply_sms_params(ticket.number, hotline="400-088-0028"),
        allowed_numbers=["400-088-0028"],
    )
    http = RecordingHttpClient()

    sent = send_pending(
        db_session,
        notifier=TwilioNotifier("AC42", "tok", "+15005550006", http_client=http),
        now=now,
    )

    assert sent == 1
    assert http.requests == [
        {
            "method": "POST",
            "uri": "https://api.twilio.com/2010-04-01/Accounts/AC42/Messages.json",
            "auth": ("AC42", "tok"),
            "params": None,
            "data": {"To": "+8613800138000", "From": "+15005550006", "Body": _sms(ticket.number)},
        }
    ]


def test_the_reply_sms_text_is_chinese_and_names_only_the_hotline(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff
):
    ticket = open_ticket(owner)
    sign_in_staff(make_staff())

    client.post(
        f"/staff/tickets/{ticket.number}/reply",
        data={"body": "您好", "status": "open"},
        headers={"Accept-Language": "en"},
    )

    body = db_session.scalar(select(OutboundSms.body))
    assert body == _sms(ticket.number)
    assert owner["id_number"] not in body


def test_internal_notes_are_never_shown_to_the_candidate(
    client, db_session, owner, open_ticket, make_staff, sign_in_candidate, api_token, now
):
    ticket = open_ticket(owner)
    handling.add_note(db_session, ticket=ticket, staff=make_staff(), body="疑似重复考生", now=now)
    token = api_token(owner)

    api = client.get(
        f"/api/v1/tickets/{ticket.number}", headers={"Authorization": f"Bearer {token}"}
    ).json
    sign_in_candidate(owner)
    page = client.get(f"/tickets/{ticket.number}").text

    assert "疑似重复考生" not in page
    assert all("疑似重复考生" not in m["body"] for m in api["messages"])


def test_merging_a_duplicate_closes_it_and_points_to_the_kept_ticket(
    client, db_session, owner, make_candidate, open_ticket, make_staff, sign_in_staff
):
    kept, duplicate = open_ticket(owner), open_ticket(owner, description="同一个问题")
    stranger = open_ticket(make_candidate(name="李雷"))
    sign_in_staff(make_staff())

    refused = client.post(
        f"/staff/tickets/{duplicate.number}/merge", data={"into": stranger.number}
    )
    merged = client.post(f"/staff/tickets/{duplicate.number}/merge", data={"into": kept.number})

    db_session.expire_all()
    assert refused.status_code == 422
    assert merged.headers["Location"].endswith(kept.number)
    assert db_session.get(Ticket, duplicate.id).status == TicketStatus.CLOSED
    assert db_session.get(Ticket, duplicate.id).merged_into_id == kept.id


def test_automatic_assignment_picks_the_available_agent_with_the_fewest_tickets(
    db_session, owner, open_ticket, make_staff, now
):
    busy, free = make_staff(), make_staff()
    for _ in range(2):
        handling.assign(db_session, ticket=open_ticket(owner), assignee=busy, staff=busy, now=now)

    ticket = handling.auto_assign(db_session, ticket=open_ticket(owner), staff=busy, now=now)

    assert ticket.assignee_id == free.id
    assert ticket.status == TicketStatus.OPEN


def test_every_staff_action_is_audited(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff
):
    ticket, other = open_ticket(owner), open_ticket(owner)
    agent = make_staff()
    sign_in_staff(agent)

    for path, data in [
        ("claim", {}),
        ("note", {"body": "n"}),
        ("status", {"status": "open"}),
        ("reply", {"body": "r", "status": "open"}),
        ("assign", {"assignee": ""}),
        ("merge", {"into": other.number}),
    ]:
        client.post(f"/staff/tickets/{ticket.number}/{path}", data=data)

    actions = db_session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.staff_id == agent.id, AuditEntry.target_id == ticket.number
        )
    ).all()
    assert sorted(actions) == sorted(
        [
            "ticket.assign",
            "ticket.note",
            "ticket.status",
            "ticket.reply",
            "ticket.assign",
            "ticket.merge",
        ]
    )


def test_the_candidate_panel_shows_masked_roster_data_sessions_and_other_tickets(
    client, owner, open_ticket, make_staff, sign_in_staff, mock_exam
):
    current, older = open_ticket(owner, exam=mock_exam), open_ticket(owner, description="旧问题")
    sign_in_staff(make_staff())

    page = client.get(f"/staff/tickets/{current.number}").text

    panel = page[page.index('id="candidate-panel"') :]
    assert owner.candidate.id_number_masked in panel
    assert owner["id_number"] not in page
    assert owner["admission_number"] in panel
    assert "模拟" in panel or mock_exam.name in panel
    assert older.number in panel


def test_a_solved_ticket_reopened_by_the_candidate_is_owed_an_answer_again(
    client, db_session, owner, open_ticket, make_staff, sign_in_candidate, now
):
    ticket = open_ticket(owner)
    handling.reply(
        db_session,
        ticket=ticket,
        staff=make_staff(),
        body="已解决",
        now=now,
        status=TicketStatus.RESOLVED,
    )
    sign_in_candidate(owner)

    client.post(f"/tickets/{ticket.number}/reopen")

    db_session.expire_all()
    reopened = db_session.get(Ticket, ticket.id)
    assert reopened.status == TicketStatus.OPEN
    assert reopened.due_at is not None
    assert reopened.due_at > now - timedelta(minutes=1)


def test_inbox_counts_stop_at_the_cap_and_say_so(
    client, owner, open_ticket, make_staff, sign_in_staff, monkeypatch
):
    from helpdesk.tickets import inbox

    monkeypatch.setattr(inbox, "COUNT_CAP", 3)
    for _ in range(5):
        open_ticket(owner)
    sign_in_staff(make_staff())

    page = client.get("/staff/tickets").text

    assert "共 3+ 个工单" in page
    assert "待处理 (3+)" in page
    last = client.get("/staff/tickets?page=9").text  # past the last page: shows the last
    assert "这里只列出前 3 个工单。请选择筛选条件或搜索，以找到其余的工单。" in last


def test_a_tabs_total_is_exact_under_the_cap_and_capped_when_its_statuses_pass_it(
    client, db_session, owner, open_ticket, make_staff, sign_in_staff, monkeypatch
):
    from helpdesk.tickets import inbox

    monkeypatch.setattr(inbox, "COUNT_CAP", 3)
    statuses = [TicketStatus.NEW, TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.OPEN]
    statuses += [TicketStatus.CLOSED]
    for status in statuses:
        open_ticket(owner).status = status
    db_session.flush()
    sign_in_staff(make_staff())

    # two new and two open: each tab under the cap, the default inbox's four over it
    assert "共 3+ 个工单" in client.get("/staff/tickets").text
    assert "共 2 个工单" in client.get("/staff/tickets?status=new").text
    assert "共 1 个工单" in client.get("/staff/tickets?status=closed").text
    assert "共 0 个工单" in client.get("/staff/tickets?status=resolved").text
    assert "共 3+ 个工单" in client.get("/staff/tickets?status=all").text
    # with another condition the page counts its own rows
    assert "共 0 个工单" in client.get("/staff/tickets?category=install").text

    monkeypatch.setattr(inbox, "COUNT_CAP", 10)
    assert "共 4 个工单" in client.get("/staff/tickets").text
    assert "共 5 个工单" in client.get("/staff/tickets?status=all").text
