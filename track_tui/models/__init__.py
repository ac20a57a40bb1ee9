"""Pydantic models of the Track domain, one module per area. Never imports Textual."""

from .automation import Automation, AutomationRun
from .base import Row, WorkspaceRow, new_id, utc_now
from .boards import Board, BoardCard, BoardStage
from .custom_fields import CustomField, CustomFieldError
from .enums import CustomFieldType, EntryType, MemberRole, RecordType, RunStatus, StageType, TaskStatus
from .money import Money, MoneyTotals, UnknownCurrency
from .platform import AuditLogEntry, Profile, Workspace, WorkspaceMember
from .records import RECORD_MODELS, Company, Contact, Deal, DealContact, Record
from .timeline import Task, TimelineEntry

SYNCED_MODELS: tuple[type[Row], ...] = (
    Profile, Workspace, WorkspaceMember, Board, BoardStage, BoardCard, Company, Contact, Deal,
    DealContact, TimelineEntry, Task, CustomField, Automation, AutomationRun,
)

__all__ = [
    "AuditLogEntry", "Automation", "AutomationRun", "Board", "BoardCard", "BoardStage", "Company",
    "Contact", "CustomField", "CustomFieldError", "CustomFieldType", "Deal", "DealContact",
    "EntryType", "MemberRole", "Money", "MoneyTotals", "Profile", "RECORD_MODELS", "Record",
    "RecordType", "Row", "RunStatus", "SYNCED_MODELS", "StageType", "Task", "TaskStatus",
    "TimelineEntry", "UnknownCurrency", "Workspace", "WorkspaceMember", "WorkspaceRow", "new_id",
    "utc_now",
]
