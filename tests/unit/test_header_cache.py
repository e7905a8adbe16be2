"""The parsed GGUF header kept as JSON (py/webgpu_llm/header_cache.py): it gives back exactly what
read_gguf parsed, is refused when it describes another file, and a cache that fails or lies about
its format only costs a parse. (The browser's Cache API behind it: tests/browser/test_model_cache.py.)"""
import asyncio
import json

import pytest

from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.header_cache import from_json, read_gguf_remembered, to_json


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp("header") / "tiny.gguf", seed=5, matrix_type="Q4_1")


class CountingSource(FileSource):
    """A file source that counts its reads (a remembered header needs none)."""
    reads = 0

    def read(self, offset, size):
        self.reads += 1
        return super().read(offset, size)


class DictCache:
    """A header cache in a dict (the browser's keeps it in the Cache API)."""

    def __init__(self, fail_get=False, fail_put=False):
        self.text, self.fail_get, self.fail_put, self.puts = None, fail_get, fail_put, 0

    async def get(self):
        if self.fail_get:
            raise OSError("storage unreadable")
        return self.text

    async def put(self, text):
        self.puts += 1
        if self.fail_put:
            raise OSError("quota exceeded")
        self.text = text


def same_file(a, b):
    return (a.version, a.metadata, a.tensors, a.alignment, a.data_offset) == \
           (b.version, b.metadata, b.tensors, b.alignment, b.data_offset)


def test_json_gives_back_what_was_parsed(tiny_path):
    source = FileSource(tiny_path)
    parsed = read_gguf(source)
    again = from_json(to_json(parsed), source)
    assert same_file(again, parsed) and again.source is source
    assert any(isinstance(v, list) for v in parsed.metadata.values())  # the tokenizer's arrays too
    assert any(isinstance(v, float) for v in parsed.metadata.values())


def test_json_of_another_file_or_format_is_refused(tiny_path):
    source = FileSource(tiny_path)
    header = json.loads(to_json(read_gguf(source)))
    for change in ({"size": source.size + 1}, {"format": 0}):
        with pytest.raises(ValueError):
            from_json(json.dumps({**header, **change}), source)
    for text in ("[1, 2]", '{"format": 1}', "not json"):
        with pytest.raises(ValueError):
            from_json(text, source)


def test_the_first_load_parses_and_stores_the_next_reads_no_header_bytes(tiny_path):
    source, cache = CountingSource(tiny_path), DictCache()
    source.header_cache = cache
    first = asyncio.run(read_gguf_remembered(source))
    assert cache.puts == 1 and source.reads > 0 and same_file(from_json(cache.text, source), first)
    source.reads = 0
    second = asyncio.run(read_gguf_remembered(source))
    assert same_file(second, first) and source.reads == 0 and cache.puts == 1


def test_a_failing_or_stale_cache_costs_only_a_parse(tiny_path):
    want = read_gguf(FileSource(tiny_path))
    for cache in (DictCache(fail_get=True), DictCache(fail_put=True)):
        source = FileSource(tiny_path)
        source.header_cache = cache
        assert same_file(asyncio.run(read_gguf_remembered(source)), want)
    source, cache = FileSource(tiny_path), DictCache()
    source.header_cache = cache
    cache.text = json.dumps({**json.loads(to_json(want)), "size": 7})  # another file's header
    assert same_file(asyncio.run(read_gguf_remembered(source)), want)
    assert json.loads(cache.text)["size"] == source.size  # replaced by this file's


def test_sources_without_a_cache_are_parsed(tiny_path):
    assert same_file(asyncio.run(read_gguf_remembered(FileSource(tiny_path))), read_gguf(FileSource(tiny_path)))
