"""Every table of the desk, imported in one place for Alembic and the schema test."""

import helpdesk.audit.models
import helpdesk.callbacks.models
import helpdesk.exams.models
import helpdesk.identity.models
import helpdesk.jobruns
import helpdesk.knowledge.models
import helpdesk.notify.models
import helpdesk.readiness.models
import helpdesk.reminders.models
import helpdesk.telephony.models
import helpdesk.tickets.models
import helpdesk.uploads.models  # noqa: F401 - imported for their tables
from helpdesk.db import Base

__all__ = ["Base"]
