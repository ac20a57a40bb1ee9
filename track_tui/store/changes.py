"""What a committed transaction changed: table → ids. Screens refresh just those parts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChangeSet:
    tables: dict[str, set[str]] = field(default_factory=dict)
    remote: bool = False  # True when the rows came from the server (someone else's change)

    def add(self, table: str, row_id: str) -> None:
        self.tables.setdefault(table, set()).add(row_id)

    def ids(self, table: str) -> set[str]:
        return self.tables.get(table, set())

    def touches(self, *tables: str) -> bool:
        return any(table in self.tables for table in tables)

    def __bool__(self) -> bool:
        return bool(self.tables)
