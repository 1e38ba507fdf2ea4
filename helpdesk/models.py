"""Every table of the desk, imported in one place for Alembic and the schema test."""

from helpdesk.audit.models import AuditEntry
from helpdesk.callbacks.models import CallAttempt, HelpRequest  # noqa: F401
from helpdesk.db import Base
from helpdesk.exams.models import ExamSession
from helpdesk.identity.models import AuthSession, Candidate, Enrollment, Staff
from helpdesk.knowledge.models import Article  # noqa: F401
from helpdesk.notify.models import OutboundSms
from helpdesk.readiness.models import AgentBuild, DeviceReport, ReadinessProfile  # noqa: F401
from helpdesk.telephony.models import TelephonyEvent  # noqa: F401
from helpdesk.uploads.models import FollowUp, GuidanceEntry, HelpFlow, UploadArtifact, UploadEvent  # noqa: F401,E501
from helpdesk.tickets.models import CannedReply, Ticket, TicketAttachment, TicketMessage  # noqa: F401,E501

__all__ = ["AuditEntry", "AuthSession", "Base", "Candidate", "Enrollment", "ExamSession",
           "OutboundSms", "Staff"]
