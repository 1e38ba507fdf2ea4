"""Fixtures of the hostile-input tests: the --full switch, people with known secrets, and
the leak sweep that watches logs, error responses and the audit log for the whole run."""

from __future__ import annotations

import logging
import os
import random
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import request_finished
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEntry
from helpdesk.demo import fake_id_number
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Staff
from helpdesk.logs import RedactingFilter

#: Strings per free-text field in the fast tier; --full sends the whole corpus.
FAST_SAMPLE = 40


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="hostile tests: the whole corpus and many more fuzzing examples "
                          "(also HELPDESK_HOSTILE_FULL=1)")


def full_mode(config: pytest.Config) -> bool:
    try:
        option = bool(config.getoption("--full"))
    except ValueError:  # the option is registered only when this conftest loads early
        option = False
    return option or os.environ.get("HELPDESK_HOSTILE_FULL", "") not in ("", "0")


@pytest.fixture(scope="session")
def full(pytestconfig: pytest.Config) -> bool:
    return full_mode(pytestconfig)


@pytest.fixture(scope="session")
def per_field(full: bool) -> int | None:
    """How many corpus strings each field gets (None: all of them)."""
    return None if full else FAST_SAMPLE


# ---------------------------------------------------------------------------- the sweep


@dataclass
class Sweep:
    """Every full ID number and phone number the tests made, and every text the desk let
    out where they must never appear in full."""

    id_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    #: (where, text): log lines, error bodies, audit rows, CSV exports.
    seen: list[tuple[str, str]] = field(default_factory=list)

    def remember(self, *, id_number: str | None = None, phone: str | None = None) -> None:
        if id_number:
            self.id_numbers.add(id_number.upper())
        if phone:
            self.phones.add(phone)

    def record(self, where: str, text: str) -> None:
        if text:
            self.seen.append((where, text))

    def needles(self) -> list[tuple[str, re.Pattern[str]]]:
        """What a leak looks like: the full ID number, and each written form of a phone."""
        out = [(f"ID {n[:6]}…", re.compile(re.escape(n), re.IGNORECASE))
               for n in sorted(self.id_numbers)]
        for e164 in sorted(self.phones):
            national = e164[3:] if e164.startswith("+86") else e164
            # 13812345678, +8613812345678, 138 1234 5678, 138-1234-5678
            spaced = r"[ \-]?".join(re.escape(part) for part in
                                    (national[:3], national[3:7], national[7:]))
            out.append((f"phone {national[:3]}…", re.compile(rf"(?<![0-9]){spaced}(?![0-9])")))
        return out

    def leaks(self) -> list[str]:
        found = []
        needles = self.needles()
        for where, text in self.seen:
            for label, pattern in needles:
                if pattern.search(text):
                    found.append(f"{label} in {where}")
        return found


_SWEEP = Sweep()


class _SweepHandler(logging.Handler):
    """Sees each log line as the desk's own handlers would write it (redacting filter on)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _SWEEP.record(f"log {record.name}", self.format(record))
        except Exception:  # noqa: BLE001 - a formatting failure must not break the test
            self.handleError(record)


@pytest.fixture(scope="session", autouse=True)
def sweep(app) -> Iterator[Sweep]:
    """The run's sweep: logs (every level), error responses of the unit app."""
    handler = _SweepHandler()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def on_response(sender: Any, response: Any, **_: Any) -> None:
        if response.status_code >= 400 and not response.direct_passthrough:
            from flask import request

            _SWEEP.record(f"{response.status_code} {request.method} {request.path}",
                          response.get_data(as_text=True))

    request_finished.connect(on_response, app)
    yield _SWEEP
    request_finished.disconnect(on_response, app)
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(autouse=True)
def _audit_rows_into_the_sweep(request: pytest.FixtureRequest) -> Iterator[None]:
    """Before each test's transaction is rolled back, read what it wrote to the audit log."""
    if "db_session" not in request.fixturenames:
        yield
        return
    # Asking for it here makes it outlive this fixture: read first, roll back after.
    session: Session = request.getfixturevalue("db_session")
    yield
    for entry in session.scalars(select(AuditEntry)):
        _SWEEP.record(f"audit {entry.action}",
                      f"{entry.target_type} {entry.target_id} {entry.detail!r}")


# ----------------------------------------------------------------------------- people


@pytest.fixture
def person(make_candidate, sweep: Sweep) -> Callable[..., Any]:
    """A roster candidate with their own phone number; both secrets go into the sweep."""
    rng = random.Random()  # noqa: S311 - test data

    def make(**kwargs: Any) -> Any:
        number = fake_id_number(rng)
        phone = kwargs.pop("phone", None) or phones.normalise(
            "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9)))
        sweep.remember(id_number=number, phone=phone)
        return make_candidate(id_number=number, phone=phone, **kwargs)

    return make


@pytest.fixture
def staff_member(make_staff) -> Callable[[str], Staff]:
    def make(role: str) -> Staff:
        return make_staff(role, username=f"{role}-{uuid.uuid4().hex[:8]}")

    return make


@pytest.fixture
def world(app, db_session, make_exam, person, now):
    """Two candidates enrolled in one exam, and one staff member of each role."""
    from tests.hostile.objects import World, make_staff_row

    exam = make_exam()
    return World(app=app, session=db_session, exam=exam, owner=person(sessions=[exam]),
                 other=person(sessions=[exam]),
                 staff={role: make_staff_row(db_session, role)
                        for role in ("agent", "supervisor", "admin")},
                 make_exam=make_exam, person=person)
