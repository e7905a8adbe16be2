"""The model picker's pure parts (assistant/catalog.py, protocol ids): which model the app starts
with, user model ids, what the picker says of a model, and which limits the fit check uses."""
import pytest

from todo_app.assistant import catalog as C
from todo_app.assistant import protocol as P

BUILD = {"models": ["models/tuned/manifest.json", "models/original/manifest.json"]}


def test_user_models_get_stable_ids_and_their_own_folder():
    a = C.user_model_id("file", C.file_key("m.gguf", 10, 1700))
    assert a == C.user_model_id("file", C.file_key("m.gguf", 10, 1700)) and a.startswith("file-")
    assert a != C.user_model_id("file", C.file_key("m.gguf", 11, 1700))
    url = C.user_model_id("url", "https://example.org/x.gguf")
    assert url.startswith("url-") and len(url) == 20 and P.is_user_model(url) and P.valid_model_id(url)
    assert P.manifest_url("https://a/", url) == f"https://a/models/user/{url}/manifest.json"
    assert P.manifest_url("https://a/", "tuned") == "https://a/models/tuned/manifest.json"
    with pytest.raises(ValueError):
        C.user_model_id("disk", "x")
    for bad in ("", "../x", "a/b", "a b", None):
        assert not P.valid_model_id(bad)
    with pytest.raises(ValueError):
        P.manifest_url("https://a/", "../secrets")


def test_the_start_model_is_the_url_s_then_the_saved_choice_then_the_default():
    shipped = C.shipped_ids(BUILD)
    assert shipped == ["tuned", "original"]
    assert C.pick_model(shipped) == "tuned"
    assert C.pick_model(shipped, saved="original") == "original"
    assert C.pick_model(shipped, wanted="tiny", saved="original") == "tiny"
    assert C.pick_model(shipped, wanted="<bad>", saved="file-0123456789abcdef") == "file-0123456789abcdef"
    # a saved user model that is gone (deleted in another tab) falls back to the default
    assert C.pick_model(shipped, saved="file-0123456789abcdef", known={"tuned"}) == "tuned"
    assert C.pick_model(shipped, saved="x/../y") == "tuned"
    assert C.pick_model([]) == ""


def test_entries_and_their_facts_come_from_the_manifest():
    info = {"name": "Tiny", "architecture": "qwen2", "parameters": 494_032_768,
            "quantization": "Q5_0 60%, Q8_0 40%", "size": 491_400_064, "plan": {}}
    mine = C.entry_from_manifest({"model_id": "url-0123456789abcdef", "size": 491_400_064, "info": info,
                                  "name": "Qwen <b>", "file_name": "q.gguf", "source_url": "https://h/q.gguf"},
                                 stored=True)
    assert (mine.origin, mine.name, mine.is_user, mine.source_url) == ("url", "Qwen <b>", True, "https://h/q.gguf")
    assert C.facts_text(mine) == "qwen2 · 494M parameters · Q5_0 60%, Q8_0 40% · 491.4 MB on disk"
    shipped = C.entry_from_manifest({"model_id": "smollm2-135m-instruct-q4-1", "size": 98_362_432,
                                     "file_name": "S.gguf"}, stored=False)
    assert shipped.origin == "shipped" and shipped.name == P.MODEL_NAMES["smollm2-135m-instruct-q4-1"]
    assert C.facts_text(shipped) == "98.4 MB to download"  # no header facts: only the size


def test_limits_follow_the_device_the_app_would_load_on():
    gpu = {"ok": True, "cpu_backed": False, "max_binding_size": 2 << 30}
    emulated = {"ok": True, "cpu_backed": True, "max_binding_size": 1 << 30}
    assert C.load_limits(gpu, "auto")["backend"] == "webgpu"
    assert C.load_limits(gpu, "auto")["max_binding"] == 2 << 30 and C.load_limits(gpu, "auto")["budget"] is None
    assert C.load_limits(gpu, "wasm")["backend"] == "wasm"
    assert C.load_limits(emulated, "auto")["backend"] == "wasm"
    assert C.load_limits(emulated, "webgpu")["backend"] == "webgpu"
    assert C.load_limits({"unsupported": True}, "auto") == {
        "backend": "wasm", "max_buffer": 1 << 30, "max_binding": 1 << 30, "budget": 1 << 31}
