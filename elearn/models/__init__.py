"""The typed SQLAlchemy models, one module per aggregate."""

from elearn.models.audit import AuditEvent
from elearn.models.certificate import (
    ArchiveStatus,
    Certificate,
    CertificateArchive,
    CertificateArchiveChunk,
    CertificateStatus,
)
from elearn.models.external import ExternalRecord, ExternalStatus
from elearn.models.face_to_face import (
    Attendance,
    Audience,
    Booking,
    BookingStatus,
    Facilitator,
    SessionStatus,
    TrainingSession,
    session_facilitator,
)
from elearn.models.hub import (
    Finding,
    FindingEvent,
    FindingKind,
    FindingPhoto,
    FindingStatus,
    FindingStep,
    Strand,
)
from elearn.models.learning import (
    AttemptStatus,
    Completion,
    CompletionMethod,
    CourseStanding,
    ModuleView,
    QuizAttempt,
    completion_organisation,
)
from elearn.models.organisation import (
    SECTORS,
    WHOLE_ORGANISATION,
    Assignment,
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
)
from elearn.models.reminder import ReminderLog
from elearn.models.report import ReportFigures
from elearn.models.types import utcnow
from elearn.models.user import User, normalise_email

__all__ = [
    "SECTORS",
    "WHOLE_ORGANISATION",
    "ArchiveStatus",
    "Assignment",
    "AttemptStatus",
    "Attendance",
    "Audience",
    "AuditEvent",
    "Booking",
    "BookingStatus",
    "Certificate",
    "CertificateArchive",
    "CertificateArchiveChunk",
    "CertificateStatus",
    "Completion",
    "CompletionMethod",
    "CourseStanding",
    "ExternalRecord",
    "ExternalStatus",
    "Facilitator",
    "Finding",
    "FindingEvent",
    "FindingKind",
    "FindingPhoto",
    "FindingStatus",
    "FindingStep",
    "Invitation",
    "InvitationBatch",
    "Membership",
    "ModuleView",
    "Organisation",
    "OrganisationDomain",
    "OrganisationStatus",
    "QuizAttempt",
    "ReminderLog",
    "ReportFigures",
    "Role",
    "SessionStatus",
    "Strand",
    "TrainingSession",
    "User",
    "completion_organisation",
    "normalise_email",
    "session_facilitator",
    "utcnow",
]
