"""The list's <ul>, windowed (issue #15: 1,000 to-dos within one frame).

Only the rows near the viewport are in the DOM: the window is the viewport's part of the list
plus half a viewport above and below it. The rows outside it take their place as space: the first
row drawn has a top margin as tall as the rows before it, and the <ul> a bottom padding as tall as
the rows after the last one, so the page's height and scrollbar are those of the whole list.
Heights are measured once a row was laid out (read at the start of the next draw: for a scroll
the layout is then clean, so reading costs nothing) and guessed from the mean of those measured for
the others. A draw that would put more than NEW_ROWS_PER_FRAME rows into the DOM draws only the
viewport's rows and the rest when the browser is idle. With all of the list in the DOM a filter
"All" of 1,000 rows took ~100-340 ms to the next frame; `content-visibility: auto` on the rows did
not help enough (each row is still inserted and styled).

A row is kept while its to-do's title, due date and done flag (and the day) are unchanged; a draw
only removes, inserts or swaps the rows that differ. The row being edited is built afresh at each
show() (its form starts from the to-do) but kept as is while scrolling. The focused row and the
row being edited stay in the DOM when scrolled out of the window (with the space of the rows
between as their margin), so scrolling never drops the focus or the text being typed. Every row
says where it is in the list for screen readers (aria-posinset / aria-setsize).
"""
import bisect
from itertools import accumulate

from js import Object, document, window
from pyodide.ffi import create_proxy, to_js

from .dom import closest_data, listen
from .todo_item import todo_row

ESTIMATE = (55.0, 62.0)  # px of a row without / with a due date (Chromium, default font) until measured
OVERSCAN = 0.5  # of the viewport's height, drawn above and below it
# More rows new to the DOM than this in one draw (a jump, a search, the first draw): only the
# viewport's rows are drawn in that frame, the rows above and below it when the browser is idle.
NEW_ROWS_PER_FRAME = 14


class Row:
    """A built <li> and what was last written to its style and aria attributes."""
    __slots__ = ("signature", "li", "margin", "position", "measured")

    def __init__(self, signature, li):
        self.signature, self.li, self.margin, self.position = signature, li, 0.0, None
        self.measured = False  # its height is in RowList._heights (read once; again after a resize)


class RowList:
    def __init__(self, ul):
        self.ul = ul
        self._rows = {}        # id -> Row: built rows, also those not in the DOM
        self._on_screen = []   # [(id, li)] in the <ul>'s order
        self._heights = {}     # id -> px measured (border included, margin not)
        self._measured = [[0.0, 0], [0.0, 0]]  # [sum of heights, rows] without / with a due date
        self._todos = []       # the to-dos shown, in order
        self._offsets = [0.0]  # _offsets[i]: top of row i in the list; _offsets[-1]: its height
        self._window = (0, 0)  # rows [a, b) drawn for the viewport
        self._padding = 0.0
        self._stale = True     # _offsets must be computed again (other rows or new heights)
        self._today = self._editing = None
        self._idle = create_proxy(self._on_idle)  # lives as long as the page, like the listeners
        self._idle_due = False
        listen(window, "scroll", self._on_scroll)
        listen(window, "resize", self._on_resize)

    def forget(self):
        """Drop every row (the next show() builds them anew, as at start-up)."""
        self._rows, self._on_screen, self._heights, self._window = {}, [], {}, (0, 0)
        self._measured = [[0.0, 0], [0.0, 0]]
        self.ul.replaceChildren()

    def show(self, shown, today, editing, alive, keep=None):
        """Show the to-dos `shown` (those near the viewport in the DOM, and the row of id `keep`);
        forget rows of ids not in `alive`."""
        if len(self._rows) > len(alive):
            self._rows = {k: v for k, v in self._rows.items() if k in alive}
            self._heights = {k: v for k, v in self._heights.items() if k in alive}
        self._rows.pop(editing, None)  # its form starts again from the to-do
        self._todos, self._today, self._editing = list(shown), today, editing
        self._stale = True
        self._draw(keep)

    def index_of(self, todo_id):
        for i, todo in enumerate(self._todos):
            if todo.id == todo_id:
                return i
        return None

    # -- drawing ---------------------------------------------------------------------------------
    def _draw(self, keep=None):
        self._measure()
        self._offsets = self._layout()
        a, b = self._rows_for(*self._viewport(OVERSCAN))
        on_screen = {todo_id for todo_id, _ in self._on_screen}
        if sum(1 for todo in self._todos[a:b] if todo.id not in on_screen) > NEW_ROWS_PER_FRAME:
            a, b = self._rows_for(*self._viewport(0.0))
            self._draw_when_idle()
        self._window = a, b
        indices = set(range(a, b))
        for todo_id in (keep, self._editing, self._focused_id()):
            index = self.index_of(todo_id) if todo_id else None
            if index is not None:
                indices.add(index)
        drawn = sorted(indices)
        wanted = [(self._todos[i].id, self._row(self._todos[i]).li) for i in drawn]
        self._put(wanted)
        self._place(drawn)

    def _draw_when_idle(self):
        if not self._idle_due:
            self._idle_due = True
            window.requestIdleCallback(self._idle, to_js({"timeout": 100}, dict_converter=Object.fromEntries))

    def _on_idle(self, *_):
        self._idle_due = False
        if self._todos:
            self._draw()

    def _on_scroll(self, ev=None):
        if not self._todos:
            return
        # redrawn before fewer than a quarter viewport of rows are left beyond an edge of the
        # viewport: a row that Tab focuses at the edge then has rows after it to go on to
        view_top, view_bottom = self._viewport(OVERSCAN / 2)
        (a, b), offsets = self._window, self._offsets
        if offsets[a] > max(0.0, view_top) or offsets[b] < min(offsets[-1], view_bottom):
            self._draw()

    def _on_resize(self, ev=None):
        for row in self._rows.values():
            row.measured = False  # rows wrap anew at another width
        self._stale = True
        if self._todos:
            self._draw()

    def _viewport(self, margin):
        """The viewport grown by `margin` viewports above and below, in px from the list's top."""
        top = -float(self.ul.getBoundingClientRect().top)
        height = float(window.innerHeight)
        return top - margin * height, top + (1 + margin) * height

    def _rows_for(self, y0, y1):
        """The rows [a, b) within y0..y1 px of the list, the range moved inside the list so that
        the window is full at both ends."""
        total = self._offsets[-1]
        if y1 > total:
            y0, y1 = y0 - (y1 - total), total
        if y0 < 0:
            y0, y1 = 0.0, y1 - y0
        count = len(self._todos)
        a = max(0, bisect.bisect_right(self._offsets, y0) - 1)
        b = min(count, bisect.bisect_left(self._offsets, y1))
        return min(a, count), max(b, min(a + 1, count))

    def _layout(self):
        if not self._stale:
            return self._offsets
        self._stale = False
        guess = [total / rows if rows else ESTIMATE[due] for due, (total, rows) in enumerate(self._measured)]
        heights = self._heights
        return [0.0, *accumulate(heights.get(t.id) or guess[t.due is not None] for t in self._todos)]

    def _measure(self):
        """Heights of the rows in the DOM (laid out since the last draw: reading costs nothing),
        and the mean height of a row with / without a due date: the guess for the others."""
        for todo_id, li in self._on_screen:
            row = self._rows.get(todo_id)
            if row is None or row.measured or todo_id == self._editing:
                continue  # forgotten, known, or an edit form (taller than the row it replaces)
            height = float(li.getBoundingClientRect().height)
            if height <= 0:
                continue  # not laid out (the list hidden)
            row.measured = self._stale = True
            if todo_id not in self._heights:
                kind = self._measured[row.signature[2] is not None]
                kind[0] += height
                kind[1] += 1
            self._heights[todo_id] = height

    def _focused_id(self):
        active = document.activeElement
        if active and self.ul.contains(active):
            return closest_data(active, "id")
        return None

    # -- the DOM ---------------------------------------------------------------------------------
    def _put(self, wanted):
        """Make the <ul>'s rows those of `wanted` ([(id, li)] in order), touching only those that differ."""
        wanted_ids = {todo_id for todo_id, _ in wanted}
        kept = {}
        for todo_id, li in self._on_screen:
            if todo_id in wanted_ids:
                kept[todo_id] = li
            else:
                li.remove()
        if [i for i, _ in self._on_screen if i in kept] != [i for i, _ in wanted if i in kept]:
            self.ul.replaceChildren(*[li for _, li in wanted])  # another tab reordered: put all anew
        else:
            _patch(self.ul, wanted, kept)
        self._on_screen = wanted

    def _place(self, drawn):
        """Each drawn row's top margin (the space of the rows skipped before it), its position for
        screen readers, and the <ul>'s bottom padding (the rows after the last one drawn)."""
        offsets, size, end = self._offsets, len(self._todos), 0.0
        for index in drawn:
            row = self._rows[self._todos[index].id]
            margin = round(offsets[index] - end, 1)
            if margin != row.margin:
                row.li.style.marginTop = f"{margin}px" if margin else ""
                row.margin = margin
            if row.position != (index, size):
                row.li.setAttribute("aria-posinset", str(index + 1))
                row.li.setAttribute("aria-setsize", str(size))
                row.position = (index, size)
            end = offsets[index + 1]
        padding = round(offsets[-1] - end, 1)
        if padding != self._padding:
            self.ul.style.paddingBottom = f"{padding}px" if padding else ""
            self._padding = padding

    def _row(self, todo):
        editing = todo.id == self._editing
        signature = (todo.title, todo.done, todo.due, self._today, editing)
        row = self._rows.get(todo.id)
        if not row or row.signature != signature:
            row = self._rows[todo.id] = Row(signature, todo_row(todo, self._today, editing))
        return row


def _patch(ul, wanted, kept):
    anchor = None  # the row after the current one, already in place (None: the end)
    for todo_id, li in reversed(wanted):
        old = kept.get(todo_id)
        if old is None:
            if anchor is None:
                ul.appendChild(li)
            else:
                ul.insertBefore(li, anchor)
        elif old is not li:
            old.replaceWith(li)
        anchor = li
