"""Fast start (issue #15): on a return visit the last saved list is painted from the snapshot
(site/snapshot.js) before Python runs, marked "Starting…"; what is typed meanwhile survives the
takeover and an Enter pressed meanwhile adds its to-do exactly once."""
import pytest

from .conftest import add_todo, boot, item, titles, wait_booted, wait_saved


@pytest.fixture
def page_without_sw(browser):
    # No service worker, so page.route sees every request (the server sends COOP/COEP itself).
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, errors
    context.close()


def hold_app_start(page):
    """Hold the request the app's Python makes first once Pyodide runs: until released, Python
    cannot show the list. Returns the list the held routes are put in."""
    held = []
    page.route("**/build-info.json", lambda route: held.append(route))
    return held


def test_return_visit_paints_snapshot_and_keeps_what_was_typed(page_without_sw, server):
    page, errors = page_without_sw
    boot(page, server)
    add_todo(page, "Alpha")
    add_todo(page, "Beta", due="2099-05-01")
    item(page, "Alpha").locator("[data-action=toggle]").click()
    wait_saved(page)

    held = hold_app_start(page)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("#todo-root[data-owner=snapshot]", timeout=10_000)
    assert titles(page) == ["Alpha", "Beta"]
    assert "Starting" in page.text_content("#todo-snapshot-note")
    assert page.get_attribute("#boot-status", "data-state") == "booting"
    assert item(page, "Alpha").get_attribute("data-done") == "true"
    assert "Fri 1 May 2099" in item(page, "Beta").locator(".todo-due").text_content()
    assert page.locator("#todo-list [data-action=delete]").count() == 0  # read-only
    assert page.is_disabled("#todo-list input[type=checkbox] >> nth=0")

    # typing works before Python: one queued add, then a half-typed title
    page.click("#todo-new-title")
    page.keyboard.type("Gamma")
    page.keyboard.press("Enter")
    page.keyboard.type("half typ")
    assert titles(page) == ["Alpha", "Beta", "Gamma"]  # shown as pending
    assert page.get_attribute("#todo-root", "data-owner") == "snapshot"
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "Python never asked for build-info.json"
    assert page.get_attribute("#todo-root", "data-owner") == "snapshot"  # Python still held back
    for route in held:
        route.continue_()
    page.unroute("**/build-info.json")

    assert wait_booted(page) == "ready"
    assert page.get_attribute("#todo-root", "data-owner") == "python"
    assert page.locator("#todo-snapshot-note").count() == 0
    assert titles(page) == ["Alpha", "Beta", "Gamma"]
    assert page.input_value("#todo-new-title") == "half typ"
    assert page.evaluate("document.activeElement.id") == "todo-new-title"
    page.keyboard.type("ed")  # the caret stayed at the end
    assert page.input_value("#todo-new-title") == "half typed"

    wait_saved(page)
    page.reload()
    assert wait_booted(page) == "ready"
    assert titles(page) == ["Alpha", "Beta", "Gamma"]  # the queued add happened once
    assert page.input_value("#todo-new-title") == ""
    assert errors == []


def test_a_long_list_paints_its_first_rows_and_says_how_many_more(page_without_sw, server):
    page, errors = page_without_sw
    page.goto(server + "?testhooks")
    assert wait_booted(page) == "ready"
    page.evaluate("code => window.todoAppTest.run(code)", """
for i in range(250):
    app["todos"].add(f"Long list {i}")
app["view"].changed()""")
    wait_saved(page)

    held = hold_app_start(page)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("#todo-root[data-owner=snapshot]", timeout=10_000)
    assert titles(page) == [f"Long list {i}" for i in range(100)]
    assert page.text_content("#todo-list > li.snapshot-more") == "… and 150 more"
    assert page.text_content("#todo-counts") == "250 open · 0 done"
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(100)
    for route in held:
        route.continue_()
    page.unroute("**/build-info.json")
    assert wait_booted(page) == "ready"
    assert page.locator("#todo-list > li.snapshot-more").count() == 0
    assert page.get_attribute("#todo-list > li >> nth=0", "aria-setsize") == "250"
    assert errors == []
