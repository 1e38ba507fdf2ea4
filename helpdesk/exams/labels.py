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
