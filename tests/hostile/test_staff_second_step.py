"""The second step of staff sign-in shows its form only after a right password, so the
page crawl never reaches it: the corpus goes to its code field here, with the half-done
sign-in set in the browser's session as the password step would."""

from __future__ import annotations

from helpdesk import clock
from helpdesk.identity import views
from tests.hostile import corpus
from tests.hostile.html import parse
from tests.hostile.test_corpus import _inert


def _halfway(world, staff):
    client = world.app.test_client()
    with client.session_transaction() as session:
        session[views.PENDING] = {
            "staff": staff.id,
            "at": int(clock.utcnow().timestamp()),
            "next": "/staff/",
            "password": views._fingerprint(staff),
        }
    return client


def test_hostile_codes_are_refused_with_a_message_and_stay_inert(world, per_field):
    supervisor = world.staff["supervisor"]
    problems = []

    for value in corpus.sample(per_field, "identity.staff_sign_in_code:code"):
        world.app.extensions["signin_throttle"].reset()
        response = _halfway(world, supervisor).post("/staff/signin/code", data={"code": value})
        page = parse(response.get_data(as_text=True))
        where = f"code={value[:40]!r}"
        if not 400 <= response.status_code < 500:
            problems.append(f"{where}: {response.status_code}")
            continue
        if not page.alerts:
            problems.append(f"{where}: refused without a message")
        problems += _inert(page, value, where)

    assert problems == [], "\n".join(problems[:30])


def test_the_form_is_there_for_a_half_done_sign_in(world):
    page = _halfway(world, world.staff["supervisor"]).get("/staff/signin/code")

    assert page.status_code == 200
    assert 'name="code"' in page.text
