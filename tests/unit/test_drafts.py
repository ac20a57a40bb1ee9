"""The drafts file: what was typed in a dialog and not saved survives the dialog, the app and a
damaged file, and never costs the dialog an exception."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone

from track_tui import drafts as drafts_module
from track_tui.drafts import MAX_DRAFTS, Drafts, draft_key, drafts_file
from track_tui.models import RecordType

WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)


def test_a_draft_is_kept_read_back_and_dropped(tmp_path):
    path = tmp_path / "drafts.json"
    key = draft_key(RecordType.DEAL, "d1", "note")
    assert key == "deal:d1:note"
    Drafts(path).put(key, {"body": "five\nlines\nof\na\nnote"}, WHEN)
    again = Drafts(path).get(key)  # a new instance: read from the file, as the next run would
    assert again is not None and again.values == {"body": "five\nlines\nof\na\nnote"} and again.saved_at == WHEN
    assert Drafts(path).get("deal:d2:note") is None
    Drafts(path).drop(key)
    assert Drafts(path).get(key) is None


def test_the_file_is_private_and_lives_in_the_state_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACK_STATE_DIR", str(tmp_path / "state"))
    assert drafts_file() == tmp_path / "state" / "drafts.json"
    Drafts().put("k", {"body": "secret plans"}, WHEN)
    assert stat.S_IMODE(os.stat(drafts_file()).st_mode) == 0o600


def test_text_nothing_else_could_store_is_kept_exactly(tmp_path):
    odd = "NUL \x00, escape \x1b[31m, lone surrogate \udcff, emoji 🙂, RTL \u202e"
    Drafts(tmp_path / "d.json").put("k", {"body": odd}, WHEN)
    assert Drafts(tmp_path / "d.json").get("k").values["body"] == odd


def test_a_damaged_file_is_set_aside_and_drafting_carries_on(tmp_path):
    path = tmp_path / "drafts.json"
    path.write_text("{ not json")
    drafts = Drafts(path)
    assert drafts.get("k") is None
    assert (tmp_path / "drafts.damaged.json").read_text() == "{ not json"
    drafts.put("k", {"body": "new"}, WHEN)
    assert Drafts(path).get("k").values == {"body": "new"}
    path.write_text(json.dumps({"k": "not an entry", "j": {"values": {"body": 3}}}))
    assert Drafts(path).get("k") is None and Drafts(path).get("j") is None


def test_a_file_that_cannot_be_written_costs_the_draft_not_the_dialog(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    drafts = Drafts(blocker / "drafts.json")
    drafts.put("k", {"body": "text"}, WHEN)  # no exception
    assert drafts.problem and "could not be kept" in drafts.problem
    assert drafts.get("k") is None


def test_only_the_newest_drafts_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(drafts_module, "MAX_DRAFTS", 3)
    drafts = Drafts(tmp_path / "d.json")
    for n in range(5):
        drafts.put(f"k{n}", {"body": str(n)}, WHEN)
    drafts.put("k2", {"body": "again"}, WHEN)  # writing one again makes it the newest
    assert [k for k in (f"k{n}" for n in range(5)) if drafts.get(k)] == ["k2", "k3", "k4"]
    assert MAX_DRAFTS >= 100
