"""GGUF reader: the real SmolLM2 file, files written by the `gguf` package, and
hand-crafted broken files that must fail with a clear GGUFError."""

import struct

import gguf as gguf_pkg
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webgpu_llm.gguf import (GGML_TYPES, GGML_TYPES_BY_NAME, BytesSource, FileSource, GGUFError,
                             TensorInfo, check_supported, read_gguf)
from webgpu_llm.model_config import model_config

# ------------------------------------------------------------ byte helpers


def gstr(text) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str, type_id: int, payload: bytes) -> bytes:
    return gstr(key) + struct.pack("<I", type_id) + payload


def kv_u32(key, value):
    return kv(key, 4, struct.pack("<I", value))


def tensor_entry(name, shape, type_id, offset) -> bytes:
    return (gstr(name) + struct.pack("<I", len(shape)) + struct.pack(f"<{len(shape)}Q", *shape)
            + struct.pack("<IQ", type_id, offset))


def gguf_bytes(kvs=(), tensors=(), data=b"", version=3, n_tensors=None, n_kv=None,
               alignment=32) -> bytes:
    head = (b"GGUF" + struct.pack("<IQQ", version, len(tensors) if n_tensors is None else n_tensors,
                                  len(kvs) if n_kv is None else n_kv)
            + b"".join(kvs) + b"".join(tensors))
    head += b"\0" * (-len(head) % alignment)
    return head + data


def small_valid_file() -> bytes:
    """Two F32 tensors and a few metadata values of different types."""
    kvs = [kv("general.architecture", 8, gstr("llama")), kv_u32("llama.block_count", 2),
           kv("names", 9, struct.pack("<IQ", 8, 2) + gstr("a") + gstr("bc")),
           kv("flag", 7, b"\x01")]
    tensors = [tensor_entry("w", (4, 2), 0, 0), tensor_entry("b", (4,), 0, 32)]
    return gguf_bytes(kvs, tensors, data=bytes(64))


def parse(data: bytes):
    return read_gguf(BytesSource(data))


def expect_error(data: bytes, *words: str):
    with pytest.raises(GGUFError) as info:
        parse(data)
    message = str(info.value)
    for word in words:
        assert word in message, message
    return message


# ----------------------------------------------------------- the real model


def test_smollm_header_and_config(smollm_gguf):
    g = smollm_gguf
    assert g.version == 3 and g.alignment == 32 and g.data_offset % 32 == 0
    meta = g.metadata
    assert meta["general.architecture"] == "llama"
    assert meta["tokenizer.ggml.model"] == "gpt2" and meta["tokenizer.ggml.pre"] == "smollm"
    assert len(meta["tokenizer.ggml.tokens"]) == 49152
    assert len(meta["tokenizer.ggml.merges"]) == 48900
    assert meta["tokenizer.ggml.add_bos_token"] is False
    assert "<|im_start|>" in meta["tokenizer.chat_template"]
    c = model_config(g)
    assert (c.arch, c.n_layers, c.hidden, c.n_heads, c.n_kv_heads) == ("llama", 30, 576, 9, 3)
    assert (c.head_dim, c.ffn, c.vocab, c.context, c.rope_dim) == (64, 1536, 49152, 8192, 64)
    assert c.rope_theta == 100000.0 and c.rms_eps == pytest.approx(1e-5)
    assert c.tied_embeddings and not c.qkv_bias and (c.bos_id, c.eos_id) == (1, 2)


def test_smollm_tensor_table(smollm_gguf, smollm_path):
    tensors = smollm_gguf.tensors
    assert len(tensors) == 272 and "output.weight" not in tensors
    embd = tensors["token_embd.weight"]
    assert (embd.shape, embd.type_name, embd.n_elements) == ((576, 49152), "Q8_0", 576 * 49152)
    assert embd.nbytes == 576 * 49152 // 32 * 34
    assert tensors["blk.0.attn_q.weight"].type_name == "Q4_1"
    assert tensors["blk.0.attn_norm.weight"].type_name == "F32"
    # Offsets, sizes and shapes agree with the reference reader from the gguf package.
    reference = gguf_pkg.GGUFReader(smollm_path)
    for t in reference.tensors:
        mine = tensors[t.name]
        assert (mine.offset, mine.nbytes, list(mine.shape)) == (t.data_offset, t.n_bytes, list(t.shape))
    for t in tensors.values():
        check_supported(t)


def test_header_is_read_in_few_windows_and_no_tensor_data(smollm_path):
    class CountingSource(FileSource):
        calls, total = 0, 0

        def read(self, offset, size):
            self.calls += 1
            self.total += size
            return super().read(offset, size)

    with CountingSource(smollm_path) as source:
        g = read_gguf(source)
        assert source.calls <= 8, "each read crosses JS->Python in the browser: keep them few"
        assert source.total < g.data_offset + (1 << 20)
        norm = g.tensors["output_norm.weight"]
        values = struct.unpack(f"<{norm.n_elements}f", g.tensor_bytes(norm.name))
        assert all(v == v for v in values) and max(map(abs, values)) > 0


def test_type_table_matches_gguf_package():
    for quant_type, (block, size) in gguf_pkg.GGML_QUANT_SIZES.items():
        if quant_type.name == "Q8_1":  # the package still has the old 40-byte layout
            continue
        mine = GGML_TYPES[quant_type.value]
        assert (mine.name, mine.block_size, mine.block_bytes) == (quant_type.name, block, size)
    supported = {t.name for t in GGML_TYPES.values() if t.supported}
    assert supported == {"F32", "F16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"}


def test_check_supported_names_type_and_tensor():
    q3k = GGML_TYPES_BY_NAME["Q3_K"]
    tensor = TensorInfo("blk.3.ffn_down.weight", (256, 4), q3k.type_id, "Q3_K", 0, 440, 1024)
    with pytest.raises(GGUFError, match=r"blk\.3\.ffn_down\.weight.*Q3_K"):
        check_supported(tensor)


# -------------------------------------------- files from the gguf package


def test_all_value_types_written_by_gguf_package(tmp_path):
    path = tmp_path / "all.gguf"
    w = gguf_pkg.GGUFWriter(str(path), "qwen2")
    w.add_uint8("u8", 200)
    w.add_int8("i8", -5)
    w.add_uint16("u16", 65000)
    w.add_int16("i16", -300)
    w.add_uint32("u32", 4_000_000_000)
    w.add_int32("i32", -7)
    w.add_float32("f32", 0.5)
    w.add_uint64("u64", 1 << 60)
    w.add_int64("i64", -(1 << 60))
    w.add_float64("f64", 1e-300)
    w.add_bool("yes", True)
    w.add_string("text", "héllo ✓")
    w.add_array("strs", ["a", "", "日本"])
    w.add_array("ints", [1, 2, 3])
    w.add_array("floats", [1.5, -2.0])
    w.add_uint32("general.alignment", 64)
    w.add_tensor("f16", np.arange(64, dtype=np.float16).reshape(2, 32))
    w.add_tensor("q8", np.zeros((2, 34), dtype=np.uint8), raw_dtype=gguf_pkg.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    with FileSource(path) as source:
        g = read_gguf(source)
        m = g.metadata
        expected = {"u8": 200, "i8": -5, "u16": 65000, "i16": -300, "u32": 4_000_000_000, "i32": -7,
                    "f32": 0.5, "u64": 1 << 60, "i64": -(1 << 60), "f64": 1e-300, "yes": True,
                    "text": "héllo ✓", "strs": ["a", "", "日本"], "ints": [1, 2, 3],
                    "floats": [1.5, -2.0], "general.architecture": "qwen2"}
        assert {k: m[k] for k in expected} == expected
        assert g.alignment == 64 and g.data_offset % 64 == 0
        f16, q8 = g.tensors["f16"], g.tensors["q8"]
        assert (f16.shape, f16.type_name, f16.nbytes) == ((32, 2), "F16", 128)
        assert (q8.shape, q8.type_name, q8.nbytes) == ((32, 2), "Q8_0", 68)
        assert q8.offset % 64 == 0
        assert np.frombuffer(g.tensor_bytes("f16"), np.float16).tolist() == list(range(64))


def test_model_config_follows_architecture_prefix():
    kvs = [kv("general.architecture", 8, gstr("qwen2")), kv_u32("qwen2.block_count", 2),
           kv_u32("qwen2.embedding_length", 64), kv_u32("qwen2.attention.head_count", 4),
           kv_u32("qwen2.attention.head_count_kv", 2), kv_u32("qwen2.feed_forward_length", 128),
           kv_u32("qwen2.context_length", 256), kv("qwen2.rope.freq_base", 6, struct.pack("<f", 1e6)),
           kv("qwen2.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-6)),
           kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("a") + gstr("b") + gstr("c"))]
    tensors = [tensor_entry("output.weight", (64, 3), 0, 0),
               tensor_entry("blk.0.attn_q.bias", (64,), 0, 768)]
    c = model_config(parse(gguf_bytes(kvs, tensors, data=bytes(1024))))
    assert (c.arch, c.hidden, c.n_heads, c.n_kv_heads, c.head_dim, c.vocab) == ("qwen2", 64, 4, 2, 16, 3)
    assert c.rope_theta == 1e6 and not c.tied_embeddings and c.qkv_bias and c.bos_id is None
    with pytest.raises(GGUFError, match="qwen2.block_count"):
        model_config(parse(gguf_bytes(kvs[:1] + kvs[2:], tensors, data=bytes(1024))))


# ---------------------------------------------------------- broken files


def test_small_valid_file_parses():
    g = parse(small_valid_file())
    assert g.metadata["names"] == ["a", "bc"] and g.metadata["flag"] is True
    assert g.tensors["b"].offset == g.data_offset + 32 and g.tensors["w"].nbytes == 32


def test_every_truncation_is_a_clear_error():
    data = small_valid_file()
    for cut in range(len(data) - 1):  # the last 32 bytes are tensor "b"'s data
        try:
            parse(data[:cut])
        except GGUFError:
            continue
        assert cut >= len(data) - 32 + 16, f"cut at {cut} was accepted"


def case(name, data, *words):
    return pytest.param(data, words, id=name)


def one_tensor(shape, type_id=0, offset=0, data_bytes=64):
    return gguf_bytes(tensors=[tensor_entry("t", shape, type_id, offset)], data=bytes(data_bytes))


def array_kv(item_type, count):
    return gguf_bytes([gstr("k") + struct.pack("<IIQ", 9, item_type, count)])


@pytest.mark.parametrize("data, words", [
    case("empty", b"", "magic"),
    case("bad_magic", b"GGML" + bytes(20), "magic"),
    case("unknown_version", b"GGUF" + struct.pack("<I", 7) + bytes(16), "version 7"),
    case("version_1", b"GGUF" + struct.pack("<I", 1) + bytes(16), "version 1"),
    case("big_endian", b"GGUF" + struct.pack(">I", 3) + bytes(16), "big-endian"),
    case("absurd_tensor_count", gguf_bytes(n_tensors=10**12), "tensor count"),
    case("absurd_kv_count", gguf_bytes(n_kv=2**62), "metadata count"),
    case("absurd_u32_array", array_kv(4, 2**40), "'k'", "claims"),
    case("absurd_string_array", array_kv(8, 2**40), "'k'", "claims"),
    case("string_past_end", gguf_bytes([kv("k", 8, struct.pack("<Q", 2**63) + b"x")]),
         "truncated", "'k'"),
    case("key_past_end", gguf_bytes([struct.pack("<Q", 10**15) + b"key"]), "truncated", "key #0"),
    case("unknown_value_type", gguf_bytes([kv("k", 13, b"")]), "unknown value type 13"),
    case("bad_bool", gguf_bytes([kv("k", 7, b"\x02")]), "bool"),
    case("invalid_utf8", gguf_bytes([kv("k", 8, gstr(b"\xff\xfe"))]), "UTF-8"),
    case("duplicate_key", gguf_bytes([kv_u32("k", 1), kv_u32("k", 2)]), "duplicate", "'k'"),
    case("alignment_not_power_of_two", gguf_bytes([kv_u32("general.alignment", 24)]), "alignment"),
    case("tensor_offset_past_end", one_tensor((8,), offset=1 << 40), "'t'", "outside"),
    case("tensor_data_past_end", one_tensor((8,), data_bytes=16), "'t'", "outside"),
    case("huge_tensor", one_tensor((2**20, 2**20)), "'t'", "outside"),
    case("too_many_elements", one_tensor((2**40, 2**40)), "'t'", "too many elements"),
    case("unaligned_tensor_offset", one_tensor((8,), offset=8), "'t'", "multiple"),
    case("unknown_ggml_type", one_tensor((8,), type_id=99), "'t'", "type id 99"),
    case("partial_quant_block", one_tensor((16,), type_id=2), "'t'", "block size"),
    case("too_many_dims", one_tensor((1,) * 5), "'t'", "5 dimensions"),
    case("duplicate_tensor", gguf_bytes(tensors=[tensor_entry("t", (8,), 0, 0)] * 2, data=bytes(64)),
         "duplicate"),
])
def test_broken_file_raises_clear_error(data, words):
    expect_error(data, *words)


def test_deeply_nested_arrays_are_refused():
    payload = struct.pack("<IQ", 9, 1) * 20 + struct.pack("<IQ", 4, 0)
    expect_error(gguf_bytes([kv("deep", 9, payload)]), "nests")


def test_empty_file_on_disk(tmp_path):
    (tmp_path / "empty.gguf").write_bytes(b"")
    with FileSource(tmp_path / "empty.gguf") as source, pytest.raises(GGUFError):
        read_gguf(source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_corrupted_bytes_never_crash_or_hang(data):
    original = bytearray(small_valid_file())
    for _ in range(data.draw(st.integers(1, 6))):
        index = data.draw(st.integers(0, len(original) - 1))
        original[index] = data.draw(st.integers(0, 255))
    try:
        parse(bytes(original))
    except GGUFError:
        pass
