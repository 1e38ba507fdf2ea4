"""Reminder codes to words."""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.reminders.models import Origin, Segment

SEGMENT_LABELS = {
    Segment.NEVER_RAN_AGENT: _l("Never ran the agent"),
    Segment.AGENT_FAILED: _l("PC not ready (agent verdict fail)"),
    Segment.NEVER_RAN_PHONE: _l("Never ran the phone check"),
    Segment.UPLOADS_INCOMPLETE: _l("Uploads incomplete after the exam"),
}
#: What "acted afterwards" means for each segment, in the effect figures.
ACTED_LABELS = {
    Segment.NEVER_RAN_AGENT: _l("ran the agent"),
    Segment.AGENT_FAILED: _l("passed"),
    Segment.NEVER_RAN_PHONE: _l("checked the phone"),
    Segment.UPLOADS_INCOMPLETE: _l("finished the uploads"),
}
ORIGIN_LABELS = {Origin.MANUAL: _l("by a supervisor"), Origin.AUTOMATIC: _l("automatic")}
