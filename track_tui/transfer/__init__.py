"""Data in and out of a workspace: CSV/JSON/Markdown export and CSV import.

Never imports Textual: the `track export` / `track import` commands and the TUI's screens share
it. What a cell holds is decided in one place (:mod:`.cells`) for both directions, so a file
this package writes is a file it reads back to the same records.
"""
