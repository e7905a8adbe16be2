"""The list's <ul>, updated in place (issue #15: 1,000 to-dos).

Rebuilding every row at each render cost ~250 ms of Python for 1,000 to-dos, and replacing all
of the <ul>'s children made the browser restyle every row (~100 ms more) for a filter click.
So a row is kept while its to-do's title, due date and done flag (and the day) are unchanged,
and a render only removes, inserts or swaps the rows that differ: switching "All" to "Open"
touches the done rows only. Rows being edited are always built afresh (the form starts from the
to-do). The list never reorders to-dos it shows (it only inserts and removes), so rows kept on
screen are already in order; if that ever fails (another tab's order), all rows are put anew.
"""
from .todo_item import todo_row


class RowList:
    def __init__(self, ul):
        self.ul = ul
        self._rows = {}       # id -> (signature, li): the cache, also of rows not on screen
        self._on_screen = []  # [(id, li)] in the <ul>'s order

    def show(self, shown, today, editing, alive):
        """Make the <ul> hold the rows of the to-dos `shown`; forget rows of ids not in `alive`."""
        if len(self._rows) > len(alive):
            self._rows = {k: v for k, v in self._rows.items() if k in alive}
        wanted = [(t.id, self._row(t, today, editing)) for t in shown]
        wanted_ids = {todo_id for todo_id, _ in wanted}
        kept = {}
        for todo_id, li in self._on_screen:
            if todo_id in wanted_ids:
                kept[todo_id] = li
            else:
                li.remove()
        if [i for i, _ in self._on_screen if i in kept] != [i for i, _ in wanted if i in kept]:
            self.ul.replaceChildren(*[li for _, li in wanted])
        else:
            self._patch(wanted, kept)
        self._on_screen = wanted

    def _patch(self, wanted, kept):
        anchor = None  # the row after the current one, already in place (None: the end)
        for todo_id, li in reversed(wanted):
            old = kept.get(todo_id)
            if old is None:
                if anchor is None:
                    self.ul.appendChild(li)
                else:
                    self.ul.insertBefore(li, anchor)
            elif old is not li:
                old.replaceWith(li)
            anchor = li

    def _row(self, todo, today, editing):
        if todo.id == editing:
            self._rows.pop(todo.id, None)
            return todo_row(todo, today, True)
        signature = (todo.title, todo.done, todo.due, today)
        cached = self._rows.get(todo.id)
        if not cached or cached[0] != signature:
            cached = self._rows[todo.id] = (signature, todo_row(todo, today))
        return cached[1]
