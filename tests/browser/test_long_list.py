"""1,000 to-dos (issue #15): the list is windowed (py/todo_app/ui/row_list.py: only rows near the
viewport are in the DOM). These check that it stays right, not how fast it is (that is
`build.py bench --soak --questions 0`): the rows drawn cover the viewport, in order, with the right
titles and positions for screen readers, after scrolls, filters and searches; the page is as tall
as the whole list; focus survives scrolling; Tab walks past the first window; a row far down can be
ticked, edited and deleted (and undone)."""
from tools.soak_driver import run_python

from .conftest import focused, wait_booted, wait_saved

SIZE = 1000
SEED = f"""
todos = app["todos"]
for i in range({SIZE}):  # every 4th has a due date (a taller row), every 10th a dentist, 1 in 100 done
    t = todos.add(f"Task {{i:04d}}" + (" call the dentist" if i % 10 == 0 else ""),
                  "2099-12-%02d" % (1 + i % 28) if i % 4 == 0 else None)
    if i % 100 == 50:
        todos.set_done(t.id, True)
app["view"].changed()"""
# Every <li> in the <ul>: [aria-posinset, title, top, bottom] (px, viewport), in DOM order.
DRAWN = """() => [...document.querySelectorAll("#todo-list > li")].map((li) => {
    const box = li.getBoundingClientRect();
    const title = li.querySelector(".todo-title, [data-field=title]");
    return [Number(li.getAttribute("aria-posinset")), title.textContent || title.value, box.top, box.bottom,
            li.getAttribute("aria-setsize")];
})"""
SETTLE = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r))))"


def title(i):
    return f"Task {i:04d}" + (" call the dentist" if i % 10 == 0 else "")


def settle(page):
    """Let the scroll events of a scroll, and the redraw they cause, happen."""
    page.evaluate(SETTLE)
    page.evaluate(SETTLE)


def scroll_list_to(page, fraction):
    page.evaluate("""(f) => { const ul = document.querySelector("#todo-list");
        scrollTo(0, ul.getBoundingClientRect().top + scrollY + (ul.offsetHeight - innerHeight) * f); }""", fraction)
    settle(page)


def check_window(page, expected, size):
    """The rows drawn hold one contiguous run that covers the part of the list in the viewport;
    each row says its place (posinset of size) and shows that to-do. Returns the run's posinsets."""
    drawn = page.evaluate(DRAWN)
    height = page.evaluate("innerHeight")
    ul_top, ul_bottom = page.evaluate("""() => { const b = document.querySelector("#todo-list")
        .getBoundingClientRect(); return [b.top, b.bottom]; }""")
    assert len(drawn) < 120, f"{len(drawn)} rows in the DOM: not windowed"
    for position, text, _, _, setsize in drawn:
        assert text == expected[position - 1] and setsize == str(size), (position, text, setsize)
    positions = [d[0] for d in drawn]
    assert positions == sorted(positions)
    # the run of consecutive rows that meets the viewport
    visible = [d for d in drawn if d[3] > max(0, ul_top) and d[2] < min(height, ul_bottom)]
    assert visible, "no row in the viewport"
    run = [d[0] for d in visible]
    assert run == list(range(run[0], run[0] + len(run))), run
    assert visible[0][2] <= max(0, ul_top) + 1 or run[0] == 1
    assert visible[-1][3] >= min(height, ul_bottom) - 1 or run[-1] == size
    return run


def test_a_thousand_todos_scroll_filter_search_and_stay_usable(recorded_page, server):
    page = recorded_page.page
    page.set_default_timeout(120_000)
    page.goto(server + "?testhooks")
    assert wait_booted(page) == "ready"
    run_python(page, SEED)
    wait_saved(page)
    settle(page)
    expected = [title(i) for i in range(SIZE)]

    # the page is as tall as the whole list; the top of it is drawn first
    assert page.evaluate("document.querySelector('#todo-list').offsetHeight") > SIZE * 40
    assert check_window(page, expected, SIZE)[0] == 1

    # the middle, then the end: the rows there, the last one at the list's very bottom
    scroll_list_to(page, 0.5)
    middle = check_window(page, expected, SIZE)
    assert 300 < middle[0] < 700, middle
    # a jump draws the viewport's rows in its frame, the rows above and below when idle
    page.wait_for_function("""() => { const rows = document.querySelectorAll("#todo-list > li");
        return rows[0].getBoundingClientRect().top < -100
            && rows[rows.length - 1].getBoundingClientRect().bottom > innerHeight + 100; }""")
    check_window(page, expected, SIZE)
    scroll_list_to(page, 1.0)
    end = check_window(page, expected, SIZE)
    assert end[-1] == SIZE
    last = page.locator('#todo-list > li[aria-posinset="1000"]')
    assert page.evaluate("""() => { const ul = document.querySelector("#todo-list");
        return Math.abs(ul.lastElementChild.getBoundingClientRect().bottom - ul.getBoundingClientRect().bottom); }""") < 2

    # tick the last to-do with a click: stored, the row redrawn, the focus stays on it
    last.locator("[data-action=toggle]").click()
    wait_saved(page)
    assert last.get_attribute("data-done") == "true"
    assert run_python(page, "app['todos'].items[-1].done") == "True"
    assert focused(page, "data-action") == "toggle"
    assert page.evaluate("document.activeElement.closest('li').getAttribute('aria-posinset')") == "1000"

    # the focused row stays in the DOM while scrolled far away; Space still unticks it
    scroll_list_to(page, 0.0)
    check_window(page, expected, SIZE)
    assert page.evaluate("document.activeElement.closest('li').getAttribute('aria-posinset')") == "1000"
    page.keyboard.press("Space")
    wait_saved(page)
    assert run_python(page, "app['todos'].items[-1].done") == "False"

    # Tab walks the rows in order, past the rows first drawn (each row: checkbox, Edit, Delete)
    scroll_list_to(page, 0.0)  # the redrawn checkbox took the focus, so the page went to it
    page.locator('#todo-list > li[aria-posinset="1"] [data-action=toggle]').focus()
    settle(page)
    walked = []
    for _ in range(3 * 60):
        page.keyboard.press("Tab")
        settle(page)
        walked.append(page.evaluate("""() => { const a = document.activeElement, li = a.closest("li");
            return (li ? li.getAttribute("aria-posinset") : a.id) + ":" + a.getAttribute("data-action"); }"""))
    assert walked == [f"{1 + (i + 1) // 3}:{('toggle', 'edit', 'delete')[(i + 1) % 3]}" for i in range(180)], walked
    assert focused(page, "data-action") == "toggle"
    assert page.evaluate("document.activeElement.closest('li').getAttribute('aria-posinset')") == "61"
    check_window(page, expected, SIZE)

    # filter "Done": the 10 done ones; "Open": 990, each row numbered within the filter
    page.click("[data-testid=filter-done]")
    settle(page)
    done = [t for i, t in enumerate(expected) if i % 100 == 50]
    check_window(page, done, len(done))
    assert [d[0] for d in page.evaluate(DRAWN)] == list(range(1, 11))  # a short list: all drawn
    page.click("[data-testid=filter-open]")
    settle(page)
    still_open = [t for i, t in enumerate(expected) if i % 100 != 50]
    scroll_list_to(page, 0.75)
    check_window(page, still_open, len(still_open))
    page.click("[data-testid=filter-all]")

    # search: the 100 dentists, to the last one
    page.fill("#todo-search", "dentist")
    settle(page)
    dentists = [t for t in expected if "dentist" in t]
    scroll_list_to(page, 1.0)
    assert check_window(page, dentists, len(dentists))[-1] == 100
    page.fill("#todo-search", "")
    settle(page)
    check_window(page, expected, SIZE)
    assert not recorded_page.errors, recorded_page.errors


def test_far_down_edit_survives_scrolling_and_delete_undoes_in_place(recorded_page, server):
    page = recorded_page.page
    page.set_default_timeout(120_000)
    page.goto(server + "?testhooks")
    assert wait_booted(page) == "ready"
    run_python(page, SEED)
    wait_saved(page)
    expected = [title(i) for i in range(SIZE)]
    scroll_list_to(page, 0.8)
    row_at = check_window(page, expected, SIZE)[2]
    row = page.locator(f'#todo-list > li[aria-posinset="{row_at}"]')
    todo_id = row.get_attribute("data-id")
    row = page.locator(f'#todo-list > li[data-id="{todo_id}"]')

    # edit far down, scroll away and back: the text typed is still there, Enter saves it
    row.locator("[data-action=edit]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Renamed far down")
    scroll_list_to(page, 0.0)
    assert row.count() == 1 and row.locator("[data-field=title]").input_value() == "Renamed far down"
    scroll_list_to(page, 0.8)
    row.locator("[data-field=title]").press("Enter")
    wait_saved(page)
    expected[row_at - 1] = "Renamed far down"
    assert row.locator(".todo-title").text_content() == "Renamed far down"
    check_window(page, expected, SIZE)

    # delete it: the next one takes its place and the focus; Undo puts it back where it was
    row.locator("[data-action=delete]").click()
    wait_saved(page)
    settle(page)
    del expected[row_at - 1]
    check_window(page, expected, SIZE - 1)
    assert page.evaluate("document.activeElement.closest('li').getAttribute('aria-posinset')") == str(row_at)
    page.click("#toast-undo")
    wait_saved(page)
    settle(page)
    expected.insert(row_at - 1, "Renamed far down")
    check_window(page, expected, SIZE)
    assert page.evaluate("document.activeElement.closest('li').dataset.id") == todo_id
    assert not recorded_page.errors, recorded_page.errors
