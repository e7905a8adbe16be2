"""Fuzzing the GGUF reader (issue #15) with hypothesis: mutations of the valid tiny model
(tools/tiny_model.py) give a parsed file or GGUFError, never another exception and never a hang.
Mutations aim at the header (metadata, tensor table), where the parser's decisions are."""
import random
import signal
import struct
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.tiny_model import gguf_bytes, metadata, tensors, vocabulary
from webgpu_llm.byte_sources import BytesSource
from webgpu_llm.gguf import GGUFError, read_gguf
from webgpu_llm.model_config import model_config

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECONDS_PER_FILE = 5  # parsing the valid file takes < 1 ms


def tiny_file():
    vocab_tokens, token_types = vocabulary()
    return gguf_bytes(metadata(vocab_tokens, token_types), tensors(random.Random(0), len(vocab_tokens), "Q4_1"))


VALID = tiny_file()
HEADER_END = read_gguf(BytesSource(VALID)).data_offset

EXTREMES = [0, 1, 2, 7, 255, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**62, 2**63 - 1, 2**64 - 1]


@contextmanager
def time_limit(seconds):
    def stop(signum, frame):
        raise TimeoutError(f"parsing took over {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def parse_or_gguf_error(data):
    """The only two allowed outcomes; anything else fails the test."""
    with time_limit(SECONDS_PER_FILE):
        try:
            g = read_gguf(BytesSource(data))
            model_config(g)  # what a load does next with the header
            for tensor in g.tensors.values():
                assert g.data_offset <= tensor.offset and tensor.offset + tensor.nbytes <= len(data)
        except GGUFError:
            pass


mutation = st.one_of(
    st.tuples(st.just("byte"), st.integers(0, HEADER_END - 1), st.integers(0, 255)),
    st.tuples(st.just("u32"), st.integers(0, HEADER_END - 4), st.sampled_from(EXTREMES)),
    st.tuples(st.just("u64"), st.integers(0, HEADER_END - 8), st.sampled_from(EXTREMES)),
    st.tuples(st.just("insert"), st.integers(0, HEADER_END), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.integers(0, HEADER_END - 1), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID) - 1), st.just(0)),
)


def apply(data, step):
    kind, at, arg = step
    if kind != "insert" and at >= len(data):  # an earlier step made the file shorter
        return data
    if kind == "byte":
        data[at] = arg
    elif kind == "u32":
        data[at:at + 4] = struct.pack("<I", arg & 0xFFFFFFFF)[:len(data) - at]
    elif kind == "u64":
        data[at:at + 8] = struct.pack("<Q", arg)[:len(data) - at]
    elif kind == "insert":
        data[min(at, len(data)):min(at, len(data))] = arg
    elif kind == "delete":
        del data[at:at + arg]
    else:
        del data[at:]
    return data


def test_the_valid_tiny_file_parses():
    parse_or_gguf_error(VALID)
    assert model_config(read_gguf(BytesSource(VALID))).n_layers == 2


def test_the_time_limit_works():
    with pytest.raises(TimeoutError):
        with time_limit(1):
            while True:
                pass


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_tiny_model_parses_or_raises_gguf_error(steps):
    data = bytearray(VALID)
    for step in steps:
        data = apply(data, step)
    parse_or_gguf_error(bytes(data))


@FUZZ
@given(st.integers(0, HEADER_END - 8), st.integers(0, HEADER_END - 8), st.integers(1, 64))
def test_spliced_header_parses_or_raises_gguf_error(source, target, length):
    """A piece of the header copied over another place (a length lands on a string, etc.)."""
    data = bytearray(VALID)
    data[target:target + length] = VALID[source:source + length]
    parse_or_gguf_error(bytes(data))
