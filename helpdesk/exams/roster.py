"""Roster import: every row validated and reported, never silently dropped."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import ValidationFailed
from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import idnumber, phone
from helpdesk.identity.models import Candidate
from helpdesk.identity.services import normalise_admission, normalise_name

HEADER = ("exam_session", "name", "id_number", "admission_number", "phone")
MAX_ROWS = 100_000
ADMISSION_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


@dataclass
class RosterRow:
    line: int
    exam_session: str
    name: str
    id_number: str
    admission_number: str
    phone: str


@dataclass
class RowResult:
    """What happened to one line of the file. Only the hash and masked ID number are kept.

    status: pending (checked so far, not applied) | new | enrolled | updated | unchanged |
    invalid.
    """

    line: int
    status: str
    name: str
    admission_number: str
    id_number_masked: str
    errors: dict[str, str] = field(default_factory=dict)
    exam_session: str = ""
    id_number_hash: str = field(default="", repr=False)
    #: E.164; empty when the phone was invalid.
    phone: str = ""

    def refuse(self, column: str, message: str) -> None:
        self.errors[column] = message
        self.status = "invalid"


@dataclass
class RosterReport:
    rows: list[RowResult]
    applied: bool

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def invalid(self) -> int:
        return self.count("invalid")


def _cells(values: list[object]) -> list[str]:
    return ["" if v is None else str(v).strip() for v in values]


def _iter_csv(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(str(_l("The file is not UTF-8 or GB18030 text.")))
    if "\x00" in text:
        raise ValidationFailed(str(_l("The file is not a CSV text file.")))
    yield from (_cells(list(r)) for r in csv.reader(io.StringIO(text)))


def _iter_xlsx(data: bytes) -> Iterator[list[str]]:
    # openpyxl parses through defusedxml when it is installed (requirements.txt): an XLSX
    # is XML, and a roster with entity declarations (a "billion laughs") is refused. Loaded
    # here, with the first workbook read: a web worker that never reads one does not carry
    # them (ElementTree only for its ParseError).
    from xml.etree import ElementTree  # nosec B405 - parsing is defusedxml's

    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed to read XLSX rosters safely")
    unreadable = str(_l("The file is not a readable XLSX workbook."))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise ValidationFailed(unreadable) from None
    sheet = book.worksheets[0]
    try:
        # Read-only sheets are parsed row by row: a bad sheet fails here, not on opening.
        for values in sheet.iter_rows(values_only=True):
            yield _cells(list(values))
    except (DefusedXmlException, ElementTree.ParseError):
        raise ValidationFailed(unreadable) from None


def parse_roster(filename: str, data: bytes) -> list[RosterRow]:
    """Read a CSV or XLSX roster; the header must be exactly the contract's."""
    is_xlsx = data[:4] == b"PK\x03\x04"
    if filename.lower().endswith(".xlsx") and not is_xlsx:
        raise ValidationFailed(str(_l("The file is not a readable XLSX workbook.")))
    lines = _iter_xlsx(data) if is_xlsx else _iter_csv(data)
    header = next(lines, None)
    if header is None or tuple(h.lower() for h in header[:5]) != HEADER:
        raise ValidationFailed(
            str(_l("The first line must be: %(header)s", header=",".join(HEADER)))
        )
    rows = []
    for number, cells in enumerate(lines, start=2):
        if not any(cells):
            continue
        cells = (cells + [""] * 5)[:5]
        rows.append(RosterRow(number, *cells))
        if len(rows) > MAX_ROWS:
            raise ValidationFailed(str(_l("A roster file holds at most %(n)d rows.", n=MAX_ROWS)))
    return rows


def _clean_name(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or len(text) > 100:
        return None
    if any(unicodedata.category(c).startswith("C") for c in text):
        return None
    return text


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_roster(
    session: Session,
    rows: list[RosterRow],
    *,
    id_hash_key: str,
    now: datetime,
    skip_invalid: bool = False,
) -> RosterReport:
    """Validate every row, then apply them all, or the valid ones with skip_invalid.

    Duplicates within the file and conflicts with the database are row errors; a row
    that is already on the roster is reported as unchanged. (The upload page runs the
    same steps in a job: helpdesk.exams.roster_imports.)
    """
    sessions = exam_sessions(session)
    results = check_rows(rows, exam_codes=set(sessions), id_hash_key=id_hash_key)
    known = check_against_roster(session, results)
    report = RosterReport(results, applied=False)
    if report.invalid and not skip_invalid:
        for result in results:
            if result.status == "pending":
                result.status = "new"
        return report
    apply_rows(session, results, known=known, sessions=sessions, now=now)
    report.applied = True
    return report


def exam_sessions(session: Session) -> dict[str, ExamSession]:
    return {s.code: s for s in session.scalars(select(ExamSession))}


def check_rows(rows: list[RosterRow], *, exam_codes: set[str], id_hash_key: str) -> list[RowResult]:
    """The checks that need nothing stored but the session codes: every field, and
    duplicates within the file. Valid rows come back pending."""
    results: list[RowResult] = []
    seen_pair: dict[tuple[str, str], int] = {}
    person_of_admission: dict[str, tuple[str, str, int]] = {}
    admission_of_person: dict[str, tuple[str, int]] = {}
    for row in rows:
        errors: dict[str, str] = {}
        admission = normalise_admission(row.admission_number)
        name = _clean_name(row.name)
        masked, digest = "", ""
        code = row.exam_session.strip()
        if code not in exam_codes:
            errors["exam_session"] = str(
                _l("No exam session has the code %(code)s.", code=row.exam_session[:40])
            )
        if name is None:
            errors["name"] = str(_l("A name is required (at most 100 characters)."))
        try:
            canonical = idnumber.normalise(row.id_number)
            masked, digest = idnumber.mask(canonical), idnumber.keyed_hash(canonical, id_hash_key)
        except idnumber.InvalidIdNumber as exc:
            errors["id_number"] = str(exc.message)
        if not 4 <= len(admission) <= 32 or not set(admission) <= ADMISSION_CHARS:
            errors["admission_number"] = str(
                _l("An admission number has 4-32 letters, digits or dashes.")
            )
        try:
            e164 = phone.normalise(row.phone)
        except phone.InvalidPhone as exc:
            errors["phone"], e164 = str(exc.message), ""
        if not errors:
            _check_duplicates(
                row,
                admission,
                digest,
                name or "",
                errors,
                seen_pair,
                person_of_admission,
                admission_of_person,
            )
        results.append(
            RowResult(
                row.line,
                "invalid" if errors else "pending",
                name or row.name[:100],
                admission[:32],
                masked,
                errors,
                exam_session=code[:40],
                id_number_hash=digest,
                phone=e164,
            )
        )
    return results


def check_against_roster(session: Session, results: list[RowResult]) -> dict[str, Candidate]:
    """Refuse the pending rows that conflict with candidates already stored (an admission
    number of another person, an ID number under another admission number); returns the
    stored candidates of these rows' admission numbers, for apply_rows."""
    pending = [r for r in results if r.status == "pending"]
    known: dict[str, Candidate] = {}
    admission_of_hash: dict[str, str] = {}
    for chunk in _chunks(sorted({r.admission_number for r in pending})):
        known.update(
            (c.admission_number, c)
            for c in session.scalars(select(Candidate).where(Candidate.admission_number.in_(chunk)))
        )
    for chunk in _chunks(sorted({r.id_number_hash for r in pending})):
        stored = select(Candidate.id_number_hash, Candidate.admission_number).where(
            Candidate.id_number_hash.in_(chunk)
        )
        admission_of_hash.update(
            (digest, admission) for digest, admission in session.execute(stored)
        )
    for result in pending:
        existing = known.get(result.admission_number)
        if existing is not None and (
            existing.id_number_hash != result.id_number_hash
            or normalise_name(existing.name) != normalise_name(result.name)
        ):
            result.refuse(
                "admission_number",
                str(_l("This admission number is already on the roster for another person.")),
            )
        elif existing is None and result.id_number_hash in admission_of_hash:
            result.refuse(
                "id_number",
                str(_l("This ID number is already on the roster with another admission number.")),
            )
    return known


def apply_rows(
    session: Session,
    results: list[RowResult],
    *,
    known: dict[str, Candidate],
    sessions: dict[str, ExamSession],
    now: datetime,
) -> None:
    """Put the pending rows on the roster; each gets its outcome as status."""
    for result in results:
        if result.status != "pending":
            continue
        exam = sessions.get(result.exam_session)
        if exam is None:
            result.refuse(
                "exam_session",
                str(_l("No exam session has the code %(code)s.", code=result.exam_session)),
            )
            continue
        result.status = _apply(session, known, exam, result, now)
    session.flush()


def _check_duplicates(
    row: RosterRow,
    admission: str,
    digest: str,
    name: str,
    errors: dict[str, str],
    seen_pair: dict[tuple[str, str], int],
    person_of_admission: dict[str, tuple[str, str, int]],
    admission_of_person: dict[str, tuple[str, int]],
) -> None:
    pair = (row.exam_session.strip(), admission)
    if pair in seen_pair:
        errors["admission_number"] = str(_l("Duplicate of line %(line)d.", line=seen_pair[pair]))
        return
    person = person_of_admission.get(admission)
    if person is not None and (person[0] != digest or person[1] != normalise_name(name)):
        errors["admission_number"] = str(
            _l("Line %(line)d has this admission number for another person.", line=person[2])
        )
        return
    other = admission_of_person.get(digest)
    if other is not None and other[0] != admission:
        errors["id_number"] = str(
            _l("Line %(line)d has this ID number with another admission number.", line=other[1])
        )
        return
    seen_pair[pair] = row.line
    person_of_admission.setdefault(admission, (digest, normalise_name(name), row.line))
    admission_of_person.setdefault(digest, (admission, row.line))


def _apply(
    session: Session,
    known: dict[str, Candidate],
    exam: ExamSession,
    row: RowResult,
    now: datetime,
) -> str:
    candidate = known.get(row.admission_number)
    status = "enrolled"
    if candidate is None:
        candidate = Candidate(
            name=row.name,
            id_number_hash=row.id_number_hash,
            id_number_masked=row.id_number_masked,
            admission_number=row.admission_number,
            phone=row.phone,
            created_at=now,
        )
        session.add(candidate)
        known[row.admission_number] = candidate
        status = "new"
    elif candidate.phone != row.phone:
        candidate.phone = row.phone
        status = "updated"
    # A candidate made earlier in this flush has enrollments without ids yet.
    enrolled = any(
        e.exam_session_id == exam.id or e.exam_session is exam for e in candidate.enrollments
    )
    if not enrolled:
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
    elif status == "enrolled":
        status = "unchanged"
    return status
