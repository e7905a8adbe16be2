"""Two tabs of one browser profile (issue #15): an edit in one shows in the other without reload;
edits of different to-dos made while each tab was stale both survive; the same to-do edited in
both keeps, per field, the later change (never a whole-list overwrite); a to-do deleted in one
tab stays deleted when a stale tab edits it, and comes back in both with an undo."""
import time

from .conftest import add_todo, boot, item, states, titles, wait_saved


def run(page, code):
    return page.evaluate("code => window.todoAppTest.run(code)", code)


def due_of(page, title):
    return item(page, title).locator(".todo-due").get_attribute("data-due")


def test_two_tabs_stay_in_sync_and_merge_per_field(recorded_page, server):
    a = recorded_page.page
    boot(a, server + "?testhooks")
    add_todo(a, "One")
    add_todo(a, "Two")
    wait_saved(a)
    b = a.context.new_page()
    boot(b, server + "?testhooks")
    assert titles(b) == ["One", "Two"]

    # an edit in one tab shows in the other, no reload
    started = time.monotonic()
    add_todo(a, "Three")
    b.wait_for_function("() => document.querySelectorAll('#todo-list > li').length === 3", timeout=3000)
    shown_after = time.monotonic() - started
    assert titles(b) == ["One", "Two", "Three"]
    item(b, "One").locator("[data-action=toggle]").click()
    a.wait_for_function("() => document.querySelector('#todo-list > li[data-done=true]') !== null", timeout=3000)
    assert states(a)["One"] == "true"
    assert shown_after < 3, shown_after

    # both tabs stale: A renames "Two" and sets a due date on "Three", then B (later) renames
    # "Three" and reopens "One"; each tab saves its whole view of the list
    for page in (a, b):
        run(page, "app['sync'].paused = True")
    edit_title(a, "Two", "Two (A)")
    edit_due(a, "Three", "2099-05-01")
    wait_saved(a)
    edit_title(b, "Three", "Three (B)")
    item(b, "One").locator("[data-action=toggle]").click()
    wait_saved(b)
    assert titles(b) == ["One", "Two", "Three (B)"]  # B really was stale
    for page in (a, b):
        run(page, "app['sync'].paused = False")
        run(page, "await app['sync'].refresh()")
    for page in (a, b):
        assert titles(page) == ["One", "Two (A)", "Three (B)"]
        assert states(page)["One"] == "false"
        assert due_of(page, "Three (B)") == "2099-05-01"

    # A deletes "Two (A)"; B, stale, edits it afterwards: it stays deleted (a tombstone)
    for page in (a, b):
        run(page, "app['sync'].paused = True")
    item(a, "Two (A)").locator("[data-action=delete]").click()
    wait_saved(a)
    edit_title(b, "Two (A)", "Two (edited in B)")
    wait_saved(b)
    for page in (a, b):
        run(page, "app['sync'].paused = False")
        run(page, "await app['sync'].refresh()")
        assert titles(page) == ["One", "Three (B)"]
    b.reload()
    assert b.wait_for_selector("#boot-status[data-state=ready]")
    assert titles(b) == ["One", "Three (B)"]
    assert due_of(b, "Three (B)") == "2099-05-01"

    # the undo in A (its toast's Undo) brings it back, in B too
    run(a, "app['view'].undo()")
    b.wait_for_function("() => document.querySelectorAll('#todo-list > li').length === 3", timeout=3000)
    assert titles(b) == titles(a) == ["One", "Two (A)", "Three (B)"]
    assert recorded_page.errors == []


def edit_title(page, old, new):
    li = item(page, old)
    li.locator("[data-action=edit]").click()
    li.locator("[data-field=title]").fill(new)
    li.locator("[data-action=save]").click()
    page.wait_for_selector(f'#todo-list > li[data-id="{li.get_attribute("data-id")}"] .todo-title')


def edit_due(page, title, due):
    li = item(page, title)
    li.locator("[data-action=edit]").click()
    li.locator("[data-field=due]").fill(due)
    li.locator("[data-action=save]").click()
    page.wait_for_selector(f'#todo-list > li[data-id="{li.get_attribute("data-id")}"] .todo-due')
