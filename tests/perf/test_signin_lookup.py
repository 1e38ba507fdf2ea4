"""The sign-in lookup every signed-in page starts with joins only the owner its kind can
have: a staff page reads no candidate, enrollment or exam session columns, a candidate page
no staff or policy columns. A browser cookie from before the kind was kept still signs in,
and a cookie whose kind is not its session's kind does not."""

from __future__ import annotations

import re

from helpdesk.identity.auth import KIND_KEY

_FROM = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)", re.IGNORECASE)


def _lookup_tables(seen) -> set[str]:
    """The tables the first statement (the sign-in lookup) reads."""
    assert "auth_sessions" in seen[0], seen.show()
    return set(_FROM.findall(seen[0]))


def test_a_staff_page_looks_up_the_session_without_the_candidate_tables(
    agent_client, count_statements
):
    agent_client.get("/staff/tickets")  # a warm process

    with count_statements() as seen:
        page = agent_client.get("/staff/tickets")

    assert page.status_code == 200
    tables = _lookup_tables(seen)
    assert {"auth_sessions", "staff", "security_policies"} <= tables
    assert not {"candidates", "enrollments", "exam_sessions"} & tables


def test_a_candidate_page_looks_up_the_session_without_staff_or_policy(
    candidate_client, count_statements, formal_exam
):
    browser = candidate_client()
    browser.get("/tickets/new")

    with count_statements() as seen:
        page = browser.get("/tickets/new")

    assert page.status_code == 200
    assert formal_exam in page.text  # the enrollments came with the lookup
    tables = _lookup_tables(seen)
    assert {"auth_sessions", "candidates", "enrollments", "exam_sessions"} <= tables
    assert not {"staff", "security_policies"} & tables


def test_a_cookie_without_the_kind_still_signs_in_both_kinds(
    agent_client, candidate_client, formal_exam
):
    candidate = candidate_client()
    for browser in (agent_client, candidate):
        with browser.session_transaction() as cookie:
            cookie.pop(KIND_KEY)

    assert agent_client.get("/staff/tickets").status_code == 200
    page = candidate.get("/tickets/new")
    assert page.status_code == 200
    assert formal_exam in page.text


def test_a_cookie_whose_kind_is_not_its_sessions_is_signed_out(agent_client, candidate_client):
    candidate = candidate_client()
    with agent_client.session_transaction() as cookie:
        cookie[KIND_KEY] = "candidate_web"
    with candidate.session_transaction() as cookie:
        cookie[KIND_KEY] = "staff_web"

    assert "/staff/signin" in agent_client.get("/staff/tickets").headers["Location"]
    assert "/signin" in candidate.get("/tickets/new").headers["Location"]
