"""Shared test settings: where the built site and the real model are."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
DEFAULT_MODEL = Path.home() / ".cache" / "todo-assistant" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def real_model_path():
    """The real SmolLM2 GGUF (build.py test provides it; missing means a broken setup, not a skip)."""
    path = Path(os.environ.get("TODO_MODEL_GGUF", DEFAULT_MODEL))
    assert path.exists(), f"model file missing: {path} (run through `python3 build.py test`)"
    return path


@pytest.fixture(scope="session")
def tuned_model_path():
    """The to-do-tuned GGUF the build merges (build.py test sets TODO_TUNED_GGUF)."""
    assert os.environ.get("TODO_TUNED_GGUF"), "TODO_TUNED_GGUF unset (run through `python3 build.py test`)"
    path = Path(os.environ["TODO_TUNED_GGUF"])
    assert path.exists(), f"tuned model missing: {path}"
    return path


@pytest.fixture(scope="session")
def dist_dir():
    assert (DIST / "index.html").exists(), "dist/ not built (run through `python3 build.py test`)"
    return DIST


TIER_ORDER = {"unit": 0, "gpu": 1, "browser": 2}


def pytest_collection_modifyitems(items):
    """Run the tiers fast to slow: unit, gpu, browser. (Playwright's sync API keeps an event loop
    running once it starts, so the browser tier also has to come after tests that use asyncio.run.)"""
    def tier(item):
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        return TIER_ORDER.get(parts[0], 1)
    items.sort(key=tier)
