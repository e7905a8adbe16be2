"""Browser tier: a damaged model file (cut short, yet served with matching checksums) gives the
assistant panel a clear error naming the problem; the page and the list keep working."""
import pytest

from tools.tiny_model import write_tiny_model

from .conftest import RecordedPage, add_todo, wait_booted
from .test_pwa import build_site, serve  # noqa: F401


def native_error(dist):
    """What the native reader says of the same cut file (the message names the tensor)."""
    from webgpu_llm.gguf import FileSource, GGUFError, read_gguf
    with pytest.raises(GGUFError) as error:
        read_gguf(FileSource(dist.parent / "tiny.gguf"))
    message = str(error.value)
    size = (dist.parent / "tiny.gguf").stat().st_size
    assert message.startswith("tensor 'blk.") and message.endswith(f"lies outside the file ({size} bytes)")
    return message


@pytest.fixture(scope="module")
def truncated_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-model")
    whole = root / "whole.gguf"
    write_tiny_model(whole, seed=1)
    data = whole.read_bytes()
    cut = root / "tiny.gguf"
    cut.write_bytes(data[: len(data) - 5000])  # the last tensors' bytes are missing
    build_site(root / "dist", cut)
    return root / "dist"


def test_truncated_model_is_reported_and_nothing_breaks(browser, truncated_site, serve):
    server = serve(truncated_site)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    page.goto(server.url)
    assert wait_booted(page) == "ready"
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=error]")
    reason = page.text_content("#model-state-text")
    print(f"\nshown: {reason!r}")
    assert reason == f"The assistant is unavailable: {native_error(truncated_site)}"
    assert page.is_visible("#model-retry")
    add_todo(page, "Still works")
    assert "Still works" in page.locator("#todo-list .todo-title").all_text_contents()
    assert not recorded.errors or all("GGUF" in e or "truncated" in e.lower() for e in recorded.errors), recorded.errors
    context.close()
