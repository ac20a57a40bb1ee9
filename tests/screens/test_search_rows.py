"""Search rows at 80 columns: two long names that differ only at the end still look different."""

from __future__ import annotations

from rich.text import Text

from track_tui.models import Deal, RecordType
from track_tui.screens.search import SearchScreen
from track_tui.widgets.search_results import fit

from .test_search import settle, type_text


def test_fit_keeps_the_start_and_the_end_of_a_cut_name() -> None:
    assert fit(Text("Harborspring Education — Team expansion (2)"), 34).plain == "Harborspring Education…pansion (2)"
    assert fit(Text("Short"), 8).plain == "Short   "
    wide = fit(Text("日本語の会社 — チーム拡大 (2)"), 13)
    assert wide.cell_len == 13 and wide.plain.endswith("(2)")


async def test_long_names_that_differ_at_the_end_are_told_apart_at_80_columns(demo_app, demo_store):
    company = demo_store.conn.execute("SELECT id FROM companies WHERE deleted_at IS NULL LIMIT 1").fetchone()[0]
    stage = demo_store.conn.execute("SELECT stage_id FROM board_cards WHERE record_type = 'deal' LIMIT 1").fetchone()[0]
    base = "Quillfeather Holdings International — Team expansion for the northern region"
    for suffix in ("(phase 1)", "(phase 2)"):
        deal = Deal(workspace_id=demo_store.workspace_id, name=f"{base} {suffix}", company_id=company,
                    stage_id=stage, currency="EUR")
        demo_store.create_record(deal)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("ctrl+f")
        await settle(demo_app, pilot)
        panel = demo_app.screen
        assert isinstance(panel, SearchScreen)
        await type_text(demo_app, pilot, "quillfeather")
        results = panel.results_list
        lines = [results.render_line(y).text for y in range(results.size.height)]
        ours = [line for line in lines if "Quillfeather" in line]
        assert len(ours) == 2 and ours[0] != ours[1]
        assert any("(phase 1)" in line for line in ours) and any("(phase 2)" in line for line in ours)
        assert all(hit.record_type == RecordType.DEAL for hit in results.hits)
