"""What `track export` and `track import` accept: the kinds of record and the file formats.

In a module of their own, without the code that reads and writes the files, so the command
line can offer them as choices without loading that code each time `track` starts.
"""

from __future__ import annotations

from ..models.enums import RecordType

KINDS = ("deals", "contacts", "companies", "tasks")  # what can be exported
IMPORTABLE = {"contacts": RecordType.CONTACT, "companies": RecordType.COMPANY, "deals": RecordType.DEAL}
FORMATS = ("csv", "json", "markdown")
