"""Upload codes to words: the two kinds of artifact, as candidates and staff know them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.uploads.models import ArtifactKind

ARTIFACT_LABELS = {
    ArtifactKind.EVIDENCE_VIDEO: _l("Evidence video (phone, 智考通)"),
    ArtifactKind.ANSWER_DATA: _l("Answer data (PC, 智考云, after 交卷)"),
}
