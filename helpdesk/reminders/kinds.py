"""The reminder SMS kinds, registered in helpdesk.notify.registry at import.

Each names the deadline in Beijing time and the page to open; the failed-PC one also names
the check that failed, in words. Only the hotline may appear as a number.
"""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.notify.registry import N_, Param, Template, register
from helpdesk.reminders.models import Segment

RUN_AGENT = "reminder_run_agent"
FIX_PC = "reminder_fix_pc"
PHONE_CHECK = "reminder_phone_check"
FINISH_UPLOADS = "reminder_finish_uploads"

#: The kind each segment receives.
KIND_OF = {
    Segment.NEVER_RAN_AGENT: RUN_AGENT,
    Segment.AGENT_FAILED: FIX_PC,
    Segment.NEVER_RAN_PHONE: PHONE_CHECK,
    Segment.UPLOADS_INCOMPLETE: FINISH_UPLOADS,
}

_DEADLINE = Param("deadline", max_length=20)
_URL = Param("url", link=True)
_HOTLINE = Param("hotline", max_length=20)

register(
    Template(
        RUN_AGENT,
        N_(
            "You have not checked your computer for the exam yet. Before %(deadline)s, sign in "
            "at %(url)s, download the device check and run it. Technical service hotline: "
            "%(hotline)s"
        ),
        (_DEADLINE, _URL, _HOTLINE),
        _l("Reminder: run the device check"),
    )
)
register(
    Template(
        FIX_PC,
        N_(
            "Your computer does not meet the exam's requirements yet (%(check)s). Fix it and run "
            "the device check again before %(deadline)s: sign in at %(url)s. Technical service "
            "hotline: %(hotline)s"
        ),
        (Param("check"), _DEADLINE, _URL, _HOTLINE),
        _l("Reminder: fix the computer"),
    )
)
register(
    Template(
        PHONE_CHECK,
        N_(
            "You have not checked your phone for the exam yet. Before %(deadline)s, sign in at "
            "%(url)s on the phone and run the phone check. Technical service hotline: "
            "%(hotline)s"
        ),
        (_DEADLINE, _URL, _HOTLINE),
        _l("Reminder: check the phone"),
    )
)
register(
    Template(
        FINISH_UPLOADS,
        N_(
            "Your exam's answer data or evidence videos are not all uploaded. Before "
            "%(deadline)s, open the clients and upload again; do not uninstall them. Guidance: "
            "%(url)s. Technical service hotline: %(hotline)s"
        ),
        (_DEADLINE, _URL, _HOTLINE),
        _l("Reminder: finish the uploads"),
    )
)
