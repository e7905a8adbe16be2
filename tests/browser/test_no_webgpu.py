"""Without WebGPU (Chromium started without --enable-unsafe-webgpu: no adapter) the assistant panel
explains what is needed, and the to-do list still works fully."""
import json

import pytest

from .conftest import CHROMIUM, QUIET, add_todo, boot, item, reload_after_saves, states, titles


@pytest.fixture(scope="module")
def browser_without_webgpu(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=QUIET)
    yield b
    b.close()


def test_no_webgpu_message_and_the_list_still_works(browser_without_webgpu, server):
    context = browser_without_webgpu.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        boot(page, server)
        page.wait_for_selector("#model-state[data-state=unsupported]")
        message = page.text_content("#model-state-text")
        assert "needs WebGPU" in message
        assert "Chrome or Edge, version 113 or newer" in message
        assert "--enable-unsafe-webgpu" in message
        assert "to-do list works fully without it" in message
        assert page.is_disabled("#chat-input") and page.is_hidden("#model-download")
        report = json.loads(page.get_attribute("#gpu-check", "data-report"))
        assert report["ok"] is False and report["unsupported"] is True

        add_todo(page, "Works offline")
        add_todo(page, "Without a GPU")
        item(page, "Works offline").locator("[data-action=toggle]").click()
        item(page, "Without a GPU").locator("[data-action=delete]").click()
        page.click("#toast-undo")
        assert states(page) == {"Works offline": "true", "Without a GPU": "false"}
        reload_after_saves(page)
        assert titles(page) == ["Works offline", "Without a GPU"]
        assert not errors, errors
    finally:
        context.close()
