"""After everything else: no full resident ID number and no full phone number in the logs,
the error responses, the audit log or any CSV export, where the desk promises masking.

The session-wide sweep (tests/hostile/conftest.py) has been collecting every log line,
every 4xx/5xx body and every audit row written during the run, and every ID number and
phone number the tests generated. This module runs last in the package (its name sorts
last) and checks them all.
"""

from __future__ import annotations

import pytest

from tests.hostile import desk
from tests.hostile.crawl import actor_for
from tests.hostile.objects import FACTORIES, World, factory_key


def _exports() -> list[desk.Route]:
    return [
        r
        for r in desk.page_routes()
        if "GET" in r.methods and (r.rule.endswith(".csv") or "export" in r.endpoint)
    ]


EXPORTS = _exports()
#: Exports of what staff did rather than of candidates (the audit log): they need not list
#: the candidate, and are swept all the same.
STAFF_EXPORTS = {"audit_staff.export_csv"}


def _populate(world: World) -> None:
    """Give the owner one of every object the desk knows how to make."""
    for key, kind in FACTORIES.items():
        if kind.candidate_owned and ":" not in key:
            world.value_for(key)
    world.value_for("code", "readiness.report")


def test_the_desk_offers_csv_exports_to_sweep():
    assert len(EXPORTS) >= 1


@pytest.mark.parametrize("route", EXPORTS, ids=[r.endpoint for r in EXPORTS])
def test_csv_exports_show_ids_and_phones_masked(world: World, sweep, route):
    _populate(world)
    values = {
        arg: world.value_for(arg, route.endpoint)
        for arg in route.arguments
        if factory_key(route.endpoint, arg)
    }
    if len(values) < len(route.arguments):
        pytest.skip("no factory for this export's arguments")
    client = world.client(actor_for(route))

    response = client.get(route.path(values))
    text = response.get_data(as_text=True)
    response.close()
    leaks = sweep.record(f"export {route.rule}", text)

    assert response.status_code == 200
    if route.endpoint in STAFF_EXPORTS:
        assert len(text.splitlines()) >= 2, "the export should list what staff did"
    else:
        assert world.owner["admission_number"] in text, "the export should list the candidate"
    assert leaks == []


def test_the_whole_run_leaked_no_full_id_number_or_phone_number(world: World, sweep, client):
    # One more failure path on purpose: a sign-in attempt with a real ID number that fails.
    client.post("/signin", data={**world.owner, "admission_number": "WRONG-1"})
    client.post("/api/v1/candidate-tokens", json={**world.owner, "admission_number": "WRONG"})

    leaks = sorted(set(sweep.found))

    assert sweep.id_numbers
    assert sweep.phones
    assert sweep.read.get("log")
    assert sweep.read.get("error")
    assert leaks == []
