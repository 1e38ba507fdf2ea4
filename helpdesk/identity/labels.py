"""Staff roles and account states in words."""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Role

ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Admin"),
}
