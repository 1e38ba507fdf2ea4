"""Translated names of kinds and phases, for pages."""

from __future__ import annotations

from helpdesk.exams.models import ExamKind, Phase
from helpdesk.i18n import lazy_gettext as _l

KIND_LABELS = {ExamKind.MOCK: _l("Mock exam"), ExamKind.FORMAL: _l("Formal exam")}

PHASE_LABELS = {
    Phase.UPCOMING: _l("Not open yet"),
    Phase.DOWNLOAD: _l("Download window open"),
    Phase.BEFORE_LOGIN: _l("Waiting for the exam day"),
    Phase.WAITING: _l("Login open, waiting for the start"),
    Phase.IN_PROGRESS: _l("In progress"),
    Phase.ENDED: _l("Ended"),
}

#: What happened to one line of an imported roster file.
ROW_LABELS = {
    "pending": _l("valid, not imported"),
    "new": _l("new"),
    "enrolled": _l("added to session"),
    "updated": _l("phone updated"),
    "unchanged": _l("already on roster"),
    "invalid": _l("invalid"),
}

#: The columns of a roster file, as a row's problems name them.
COLUMN_LABELS = {
    "exam_session": _l("Exam session"),
    "name": _l("Name"),
    "id_number": _l("ID number"),
    "admission_number": _l("Admission number"),
    "phone": _l("Phone"),
}

IMPORT_LABELS = {
    "pending": _l("waiting to start"),
    "running": _l("importing"),
    "applied": _l("imported"),
    "refused": _l("not imported"),
}
