"""Helpers shared by the export/import tests: an emptied copy of the demo workspace."""

from __future__ import annotations

from track_tui.store import Store

RECORD_TABLES = ("board_cards", "deal_contacts", "tasks", "timeline_entries", "deals", "contacts", "companies")


def empty_records(store: Store) -> None:
    """Keep the workspace (people, boards, stages, custom fields), drop every record."""
    with store.transaction() as tx:
        tx.conn.execute("UPDATE companies SET parent_id = NULL")
        for table in RECORD_TABLES:
            tx.conn.execute(f"DELETE FROM {table}")
        tx.conn.execute("DELETE FROM search_docs")
        tx.conn.execute("DELETE FROM outbox")


def counts(store: Store) -> dict[str, int]:
    with store.reading() as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in (*RECORD_TABLES, "outbox", "search_docs")}
