"""Upload codes to words: the two kinds of artifact, as candidates and staff know them."""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.uploads.models import ArtifactKind

ARTIFACT_LABELS = {
    ArtifactKind.EVIDENCE_VIDEO: _l("Evidence video (phone, 智考通)"),
    ArtifactKind.ANSWER_DATA: _l("Answer data (PC, 智考云, after 交卷)"),
}

#: What staff read for one kind of upload of one candidate. "Still uploading", not "In
#: progress": that one is the exam's phase (考试进行中).
VERDICT_LABELS = {
    "completed": _l("Completed"),
    "in_progress": _l("Still uploading"),
    "failed": _l("Failed"),
    "never_reported": _l("Never reported"),
    "complete": _l("All complete"),
    "incomplete": _l("Not all complete"),
}
