"""Fixtures of the hostile-input tests: the --full switch, people with known secrets, and
the leak sweep that watches logs, error responses and the audit log for the whole run."""

from __future__ import annotations

import logging
import os
import random
import re
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
from helpdesk.logs import RedactingFilter
from tests.conftest import use_cheap_password_hashing

#: Strings per free-text field in the fast tier; --full sends the whole corpus.
FAST_SAMPLE = 40


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="hostile tests: the whole corpus and many more fuzzing examples "
        "(also HELPDESK_HOSTILE_FULL=1)",
    )


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


_ID_SHAPE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# 13812345678, +8613812345678, 138 1234 5678, 138-1234-5678, +86 138 1234 5678
_PHONE_SHAPE = re.compile(
    r"(?<![0-9])(?:\+?86[ \-]?)?1[3-9][0-9][ \-]?[0-9]{4}[ \-]?[0-9]{4}(?![0-9])"
)


@dataclass
class Sweep:
    """Every full ID number and phone number the tests made, and every place the desk let
    one out where it promises masking. Texts are scanned as they are recorded (a secret is
    remembered when its candidate is made, before any request can carry it)."""

    id_numbers: set[str] = field(default_factory=set)
    #: National form, 11 digits.
    phones: set[str] = field(default_factory=set)
    #: "secret-kind in where", one per finding.
    found: list[str] = field(default_factory=list)
    #: How many texts of each kind were read (to show the sweep saw something).
    read: dict[str, int] = field(default_factory=dict)

    def remember(self, *, id_number: str | None = None, phone: str | None = None) -> None:
        if id_number:
            self.id_numbers.add(id_number.upper())
        if phone:
            digits = re.sub(r"[^0-9]", "", phone)
            self.phones.add(digits[2:] if digits.startswith("86") else digits)

    def record(self, where: str, text: str, *, phones: bool = True) -> list[str]:
        """Scan text for full ID numbers (always) and full phone numbers (when the place
        promises masked phones); returns and keeps what it found."""
        kind = where.split(" ", 1)[0]
        self.read[kind] = self.read.get(kind, 0) + 1
        hits = [
            f"ID {m[:6]}… in {where}"
            for m in _ID_SHAPE.findall(text or "")
            if m.upper() in self.id_numbers
        ]
        if phones:
            for match in _PHONE_SHAPE.findall(text or ""):
                digits = re.sub(r"[^0-9]", "", match)[-11:]
                if digits in self.phones:
                    hits.append(f"phone {digits[:3]}… in {where}")
        self.found += hits
        return hits


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
        if response.status_code < 400 or response.direct_passthrough or response.is_streamed:
            return
        from flask import request

        body = response.get_data(as_text=True)
        # Phones are masked in error pages and API errors; a staff page re-rendered with
        # a form error may show the candidate's number to the agent who calls them.
        error_page = response.is_json or 'class="card error-page"' in body
        _SWEEP.record(
            f"error {response.status_code} {request.method} {request.path}", body, phones=error_page
        )

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
        _SWEEP.record(
            f"audit {entry.action}", f"{entry.target_type} {entry.target_id} {entry.detail!r}"
        )


# ----------------------------------------------------------------------------- people


@pytest.fixture
def person(make_candidate, sweep: Sweep) -> Callable[..., Any]:
    """A roster candidate with their own phone number; both secrets go into the sweep."""
    rng = random.Random()

    def make(**kwargs: Any) -> Any:
        number = fake_id_number(rng)
        phone = kwargs.pop("phone", None) or phones.normalise(
            "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        )
        sweep.remember(id_number=number, phone=phone)
        return make_candidate(id_number=number, phone=phone, **kwargs)

    return make


@pytest.fixture
def world(app, db_session, make_exam, person, now, monkeypatch):
    """Two candidates enrolled in one exam, and one staff member of each role; agents dial
    from the desk phone but are asked for a phone and a seat, so those fields are sent too."""
    from helpdesk.telephony.dialer import DeskDialer
    from tests.hostile.objects import World, make_staff_row

    class SeatedDeskDialer(DeskDialer):
        needs_agent_phone = True
        uses_seat = True

    monkeypatch.setitem(app.extensions, "dialer", SeatedDeskDialer())
    exam = make_exam()
    return World(
        app=app,
        session=db_session,
        exam=exam,
        owner=person(sessions=[exam]),
        other=person(sessions=[exam]),
        staff={
            role: make_staff_row(db_session, role, totp_key=str(app.config["TOTP_KEY"]))
            for role in ("agent", "supervisor", "admin")
        },
        make_exam=make_exam,
        person=person,
    )


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff sign-in verifies an argon2 hash even for unknown users (constant time); these
    tests send it hundreds of values, so they use the cheapest argon2 parameters."""
    use_cheap_password_hashing(monkeypatch)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long run sends the whole corpus to a form: allow it an hour, not the suite's
    five minutes per test."""
    if not full_mode(config):
        return
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.timeout(3600))
