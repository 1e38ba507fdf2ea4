"""Who may open which ticket route: owner, another candidate, an agent, an anonymous visitor."""

from __future__ import annotations

import io

import pytest

from helpdesk.tickets import files
from tests.tickets.conftest import PNG

OK, MISSING, SIGN_IN, STAFF_SIGN_IN = "ok", "404", "candidate sign-in", "staff sign-in"
ACTORS = ["owner", "other candidate", "agent", "anonymous"]

#: (method, path, form data, expected outcome per actor in ACTORS order)
ROUTES = [
    ("GET", "/tickets/{n}", {}, (OK, MISSING, SIGN_IN, SIGN_IN)),
    ("POST", "/tickets/{n}/reply", {"body": "补充说明"}, (OK, MISSING, SIGN_IN, SIGN_IN)),
    ("POST", "/tickets/{n}/close", {}, (OK, MISSING, SIGN_IN, SIGN_IN)),
    ("POST", "/tickets/{n}/reopen", {}, (OK, MISSING, SIGN_IN, SIGN_IN)),
    ("GET", "/tickets/{n}/attachments/{a}", {}, (OK, MISSING, OK, SIGN_IN)),
    ("GET", "/staff/tickets/{n}", {}, (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN)),
    ("POST", "/staff/tickets/{n}/claim", {}, (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN)),
    (
        "POST",
        "/staff/tickets/{n}/assign",
        {"assignee": ""},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    (
        "POST",
        "/staff/tickets/{n}/auto-assign",
        {},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    (
        "POST",
        "/staff/tickets/{n}/reply",
        {"body": "您好", "status": "waiting_candidate"},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    (
        "POST",
        "/staff/tickets/{n}/note",
        {"body": "备注"},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    (
        "POST",
        "/staff/tickets/{n}/status",
        {"status": "open"},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    (
        "POST",
        "/staff/tickets/{n}/merge",
        {"into": "{m}"},
        (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN),
    ),
    ("GET", "/staff/candidates/{c}/panel", {}, (STAFF_SIGN_IN, STAFF_SIGN_IN, OK, STAFF_SIGN_IN)),
]

CASES = [
    pytest.param(method, path, data, actor, expected[i], id=f"{method} {path} {actor}")
    for method, path, data, expected in ROUTES
    for i, actor in enumerate(ACTORS)
]


@pytest.fixture
def arranged(owner, make_candidate, make_staff, open_ticket, app, mock_exam):
    stored = files.store_all(
        app.config["UPLOAD_DIR"], [files.IncomingFile("截图.png", io.BytesIO(PNG))]
    )
    ticket = open_ticket(owner, exam=mock_exam, attachments=stored)
    other_ticket = open_ticket(owner, description="重复提交")
    return {
        "ticket": ticket,
        "second": other_ticket,
        "other": make_candidate(name="李雷"),
        "agent": make_staff("agent"),
    }


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _outcome(response) -> str:
    if response.status_code == 404:
        return MISSING
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith("/staff/signin"):
            return STAFF_SIGN_IN
        if location.startswith("/signin"):
            return SIGN_IN
        return OK
    return OK if response.status_code == 200 else str(response.status_code)


@pytest.mark.parametrize(("method", "path", "data", "actor", "expected"), CASES)
def test_each_ticket_route_answers_each_kind_of_visitor(
    client, arranged, owner, sign_in_candidate, sign_in_staff, method, path, data, actor, expected
):
    ticket = arranged["ticket"]
    if actor == "owner":
        sign_in_candidate(owner)
    elif actor == "other candidate":
        sign_in_candidate(arranged["other"])
    elif actor == "agent":
        sign_in_staff(arranged["agent"])
    url = path.format(n=ticket.number, a=ticket.attachments[0].public_id, c=ticket.candidate_id)
    form = {k: v.format(m=arranged["second"].number) for k, v in data.items()}

    response = client.open(url, method=method, data=form)

    assert _outcome(response) == expected


def test_another_candidates_ticket_answers_exactly_like_a_missing_one(
    client, arranged, sign_in_candidate
):
    sign_in_candidate(arranged["other"])

    theirs = client.get(f"/tickets/{arranged['ticket'].number}")
    missing = client.get("/tickets/T-0000-0000")

    assert theirs.status_code == missing.status_code == 404
    assert _main(theirs.text) == _main(missing.text)


def test_another_candidates_attachment_answers_like_a_missing_one(
    client, arranged, sign_in_candidate
):
    ticket = arranged["ticket"]
    sign_in_candidate(arranged["other"])

    theirs = client.get(f"/tickets/{ticket.number}/attachments/{ticket.attachments[0].public_id}")
    missing = client.get(f"/tickets/{ticket.number}/attachments/nope")

    assert theirs.status_code == missing.status_code == 404
    assert _main(theirs.text) == _main(missing.text)


def test_ticket_numbers_are_random_not_sequential(owner, open_ticket):
    numbers = [open_ticket(owner).number for _ in range(20)]

    assert len(set(numbers)) == 20
    assert len({n[2:6] for n in numbers}) > 10  # a counter would share its leading digits
