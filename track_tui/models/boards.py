"""Boards (pipelines), their stages (columns) and cards (a record placed on a board)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from .base import Row, WorkspaceRow, utc_now
from .enums import RecordType, StageType
from .numbers import INT_MAX, INT_MIN


class Board(WorkspaceRow):
    TABLE: ClassVar[str] = "boards"

    name: str
    record_type: RecordType
    is_archived: bool = False
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utc_now)


class BoardStage(Row):
    TABLE: ClassVar[str] = "board_stages"

    board_id: str
    name: str
    position: int = Field(ge=INT_MIN, le=INT_MAX)  # the server's `int`
    stage_type: StageType = StageType.OPEN
    probability: Decimal | None = Field(default=None, ge=0, le=100)
    workspace_id: str | None = None


class BoardCard(Row):
    TABLE: ClassVar[str] = "board_cards"

    board_id: str
    stage_id: str
    record_type: RecordType
    record_id: str
    position: int = Field(ge=INT_MIN, le=INT_MAX)  # the server's `int`
    workspace_id: str | None = None
