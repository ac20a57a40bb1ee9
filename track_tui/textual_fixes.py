"""Work-arounds for known Textual defects, applied once when the app module is imported.

Each one names the upstream issue; remove it when the pinned Textual release fixes it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.drivers import _writer_thread
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widgets import OptionList

_UNCACHED = getattr(StylesCache.get_inner_outer, "__wrapped__", None)


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> Any:
    assert _UNCACHED is not None
    return _UNCACHED(None, base_background, background)  # its first parameter is unused


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> Any:
    return _inner_outer(base_background, background)


def _sigcont_after_a_suspend_only(self: LinuxDriver, *_: Any) -> None:
    # Resume only what a SIGTSTP suspended (that handler sets _must_signal_resume).
    if self._auto_restart and self._must_signal_resume:
        self.resume_application_mode()


def _write_until_the_terminal_goes(self: _writer_thread.WriterThread) -> None:
    """WriterThread.run, except that a failed write (EIO: the terminal hung up) stops the
    writing, not the reading: the queue keeps draining, so a writer never blocks on it."""
    write, flush, get, qsize = self._file.write, self._file.flush, self._queue.get, self._queue.qsize
    gone = False
    while True:
        text = get()
        if text is None:
            break
        if gone:
            continue
        try:
            write(text)
            if qsize() == 0:
                flush()
        except (OSError, ValueError):
            gone = True
    if not gone:
        try:
            flush()
        except (OSError, ValueError):
            pass


_SIZE_UPDATED = ScrollView._size_updated
_LAST_SIZED = "_track_last_sized"  # (size, the view's virtual size, container size) at the last run


def _size_updated_when_it_changed(self: ScrollView, size: Any, virtual_size: Any, container_size: Any,
                                  layout: bool = True) -> bool:
    """ScrollView._size_updated, run only when the size, the view's own virtual size or the
    container size changed since it last ran. Textual's compares the compositor's virtual size
    (the view's children's, for a line-API view never its own) with the view's, so the two
    always differ and every layout of a screen repaints every scrollbar on it."""
    seen = (size, self.virtual_size, container_size)
    if self.__dict__.get(_LAST_SIZED) == seen:
        return self._container_size != container_size
    resized = _SIZE_UPDATED(self, size, virtual_size, container_size, layout)
    self.__dict__[_LAST_SIZED] = (size, self.virtual_size, container_size)
    return resized


def scrollbars_settled(view: ScrollView) -> None:
    """`view` set its own virtual size while it was being sized, and brought its scrollbars
    up to date for it (`_scroll_update`): the next layout at the same sizes has nothing to
    redo. Without this the changed virtual size looks new to the next layout, which repaints
    the scrollbar of a page drawn a moment before (the timeline's, as a record page opens)."""
    last = view.__dict__.get(_LAST_SIZED)
    if last is not None:
        view.__dict__[_LAST_SIZED] = (last[0], view.virtual_size, last[2])


_OPTION_LIST_RESIZED = OptionList._on_resize
_OPTION_LIST_LINES = OptionList._update_lines


def _option_list_lines(self: OptionList) -> None:
    """OptionList._update_lines, noting the width that options are measured and drawn at
    when it starts from empty caches (after `_clear_caches`, or on the first draw)."""
    if not self._line_cache.lines and self.scrollable_content_region:
        self.__dict__["_track_drawn_width"] = self.scrollable_content_region.width
    _OPTION_LIST_LINES(self)


def _option_list_resized(self: OptionList) -> None:
    """OptionList._on_resize, run only when the width the options were drawn at changed.

    Textual's throws away every drawn option (and the line map) on each resize; a list's
    first layout sends it a resize after it drew, so every list drew all its options twice
    before the first frame was out (the record page's fields list: a fifth of opening it).
    Options are drawn at the content width and measured against it, so a change of height
    alone keeps them; nor is there anything to repaint: a list that changed size was marked
    for a repaint when it was sized (ScrollView._size_updated), and one that did not change
    size (the resize after its first layout) was drawn at that size already."""
    if self.__dict__.get("_track_drawn_width") == self.scrollable_content_region.width:
        return
    _OPTION_LIST_RESIZED(self)


_SCREEN_RESIZED = Screen._screen_resized


def _screen_resized_when_it_changed(self: Screen, size: Any) -> None:
    """Screen._screen_resized, skipped when the screen was last laid out at this very size.

    A screen's first layout sends the screen itself a Resize (its size went from nothing to
    the terminal's), and Screen._on_resize answers it with a second full layout and a full
    repaint of a screen drawn a moment before: a third of opening the record page. Whatever
    changed since is drawn by the usual refresh; a real resize (another size) lays out as ever."""
    if self._compositor.size == size and self.is_attached:
        return
    _SCREEN_RESIZED(self, size)


def apply() -> None:
    """Textualize/textual#6665: `StylesCache.get_inner_outer` is an `lru_cache` on an instance
    method, so its cache keeps up to 1,024 dead widgets' style caches (and every strip they
    drew) alive. Here that made each record page opened leave ~6,000 objects behind and full
    garbage collections take 100 ms mid-draw. The result depends only on the two colours, so
    cache on those."""
    if _UNCACHED is not None:
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign]
    ScrollView._size_updated = _size_updated_when_it_changed  # type: ignore[method-assign]
    OptionList._on_resize = _option_list_resized  # type: ignore[method-assign]
    OptionList._update_lines = _option_list_lines  # type: ignore[method-assign]
    Screen._screen_resized = _screen_resized_when_it_changed  # type: ignore[method-assign]
    apply_hang_up_fixes()


def apply_hang_up_fixes() -> None:
    """Two defects that hang the app when its terminal hangs up (an SSH link dropping), where
    the kernel sends SIGHUP *and SIGCONT*:

    * LinuxDriver restarts application mode on every SIGCONT, suspended or not: on a running
      app that starts a second output thread in place of the first, writing to the dead
      terminal;
    * an output thread whose write fails (EIO) dies, and the next writes fill its 30-slot
      queue: the shutdown's own writes (leave the alternate screen, stop the mouse) then block
      the app for ever.

    A SIGCONT now resumes only after a SIGTSTP suspended the app, and the output thread drops
    what it cannot write instead of dying. (Not reported upstream yet; found by
    tests/process/test_signals.py::test_a_dropped_connection_ends_the_app_and_cleans_up.)"""
    LinuxDriver._sigcont_application = _sigcont_after_a_suspend_only  # type: ignore[method-assign]
    _writer_thread.WriterThread.run = _write_until_the_terminal_goes  # type: ignore[method-assign]


apply()
