"""Snapshots of the automations screen, its run log and form, and the audit log with its filter,
at 80x24 and 120x40 on the demo workspace (frozen clock)."""

from __future__ import annotations

import pytest

from track_tui.app import TrackApp
from track_tui.config import Settings

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def keys(*pressed):
    async def run(pilot) -> None:
        await loaded(pilot)
        for key in pressed:
            await pilot.press(key)
            await loaded(pilot)

    return run


@SIZES
def test_automations(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=keys("A", "j"))


@SIZES
def test_automation_run_log(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("A", "j", "enter", "j", "j", "j"))


@SIZES
def test_automation_form(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=keys("A", "e"))


@SIZES
def test_automation_form_refusing_bad_input(snap_compare, demo_store, size):
    """A new rule with a name and no trigger yet: the list says so, saving is refused."""
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("A", "n", *"Rule", "ctrl+s"))


@SIZES
def test_new_automation_form_before_anything_is_typed(snap_compare, demo_store, size):
    """Nothing done yet: the trigger asked for in words as a hint, no error line."""
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=keys("A", "n"))


@SIZES
def test_automation_form_with_a_malformed_part(snap_compare, demo_store, size):
    """Stored actions this client cannot read: shown as such in the list (the part, the field by
    its form label and the rule it breaks, worded as the part form words it), the rest as usual."""
    with demo_store.transaction() as tx:
        tx.conn.execute("""UPDATE automations SET actions = '[{"type": "add_tag", "tag": ""}, {"type": "teleport"},
                        {"type": "add_tag", "tag": "x"}]' WHERE name = 'Close date is near'""")
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("A", "e", "tab", "down", "down", "down"))


@SIZES
def test_rule_part_form_replacing_a_malformed_part(snap_compare, demo_store, size):
    with demo_store.transaction() as tx:
        tx.conn.execute("""UPDATE automations SET actions = '[{"type": "add_tag", "tag": "", "colour": "red"}]'
                        WHERE name = 'Close date is near'""")
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("A", "e", "tab", "down", "down", "down", "enter"))


@SIZES
def test_audit_log(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=keys("ctrl+l", "j"))


@SIZES
def test_audit_filter_refusing_an_unknown_person(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("ctrl+l", "f", *"Zed"))


@SIZES
def test_workspace_admin(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=keys("W", "tab", "j"))


@SIZES
def test_rule_part_form(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size,
                        run_before=keys("A", "n", "tab", "down", "down", "enter", "enter", *["down"] * 4, "enter"))
