"""The whole model on tiny random-weight GGUFs (tools/tiny_model.py) against the numpy reference:
every matrix type, batched prefill, split weight buffers, greedy decoding, load-time errors.
Both kernel sets run here: the CPU-adapter set lavapipe would pick, and the real-GPU set
(kernel_set="gpu": fused decode kernels (fused.py), parallel top-k, GPU attention for prefill,
8-token lookahead)."""
import numpy as np
import pytest

from reference.model import ReferenceLlama
from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, GGUFError, read_gguf

from .helpers import assert_same_greedy, gpu_greedy, load, logits

PROMPT = [1, 200, 5, 77, 299, 3, 41, 41, 180, 2, 9]


@pytest.fixture(scope="module", params=["Q4_1", "Q4_0", "Q8_0", "F16", "F32"])
def tiny(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / f"tiny-{request.param}.gguf"
    return write_tiny_model(path, seed=3, matrix_type=request.param)


def check_logits(gpu, tiny, **options):
    model, _ = load(gpu, tiny, max_context=64, **options)
    ref = ReferenceLlama(tiny, kv_f16=model.kv_f16)
    top = gpu.run(model.prefill(PROMPT))
    want = ref.forward(PROMPT)
    np.testing.assert_allclose(logits(gpu, model), want, atol=1e-3 * np.abs(want).max())
    assert top.ids[:5] == list(np.lexsort((np.arange(len(want)), -want))[:5])
    for token in [7, 250, 7]:
        gpu.run(model.decode_one_token(token))
        want = ref.forward([token])
        np.testing.assert_allclose(logits(gpu, model), want, atol=1e-3 * np.abs(want).max())
    return model


@pytest.mark.parametrize("batch", [64, 4])
def test_logits_match_reference(gpu, tiny, batch):
    assert check_logits(gpu, tiny, batch=batch).cpu_kernels  # what lavapipe picks


@pytest.mark.parametrize("kv_cache", ["f32", "f16"])  # f16: real GPUs with shader-f16 (lavapipe has it)
@pytest.mark.parametrize("matrix_type", ["Q4_1", "Q4_0"])  # the real model's set runs in test_model_real
def test_real_gpu_kernel_set_logits_match_reference(gpu, tmp_path, matrix_type, kv_cache):
    path = write_tiny_model(tmp_path / "tiny.gguf", seed=3, matrix_type=matrix_type)
    model = check_logits(gpu, path, batch=4, kernel_set="gpu", kv_cache=kv_cache)
    assert not model.cpu_kernels and model.fused and model.kv_f16 == (kv_cache == "f16")


def test_f16_kv_cache_holds_f16_rows(gpu, tmp_path):
    """kv_cache="f16" halves the cache and really rounds keys and values: the logits follow the
    reference that rounds them the same way to float precision (measured 1.3e-5), and stand off
    the f32 reference by the rounding (8e-3, logits spanning +-26)."""
    from webgpu_llm.kv_cache import layer_bytes
    path = write_tiny_model(tmp_path / "tiny.gguf", seed=3, matrix_type="Q4_1")
    model, _ = load(gpu, path, max_context=64, kernel_set="gpu", kv_cache="f16")
    assert model.k_cache[0].size == layer_bytes(model.config, 64, None) // 2
    gpu.run(model.prefill(PROMPT))
    got = logits(gpu, model)
    near = np.abs(got - ReferenceLlama(path, kv_f16=True).forward(PROMPT)).max()
    far = np.abs(got - ReferenceLlama(path).forward(PROMPT)).max()
    assert near < 1e-4 * np.abs(got).max() and far > 20 * near


def test_kv_cache_choice(gpu, tiny_model_path):
    """auto: f16 rows on the real-GPU set when the adapter has shader-f16 (lavapipe has), never on
    the CPU set; asking for what cannot run is refused by name."""
    gpu_set, _ = load(gpu, tiny_model_path, max_context=16, kernel_set="gpu")
    assert gpu_set.kv_f16 == gpu.device.has_f16
    assert not load(gpu, tiny_model_path, max_context=16, kernel_set="cpu")[0].kv_f16
    with pytest.raises(ValueError, match="needs the real-GPU kernel set"):
        load(gpu, tiny_model_path, max_context=16, kernel_set="cpu", kv_cache="f16")
    with pytest.raises(ValueError, match="kv_cache must be one of"):
        load(gpu, tiny_model_path, max_context=16, kv_cache="int4")


def test_split_weight_buffers_compute_the_same(gpu, tiny_model_path):
    whole, _ = load(gpu, tiny_model_path, max_context=32)
    split, _ = load(gpu, tiny_model_path, max_context=32, max_part_bytes=1000)
    assert len(split.weights["token_embd.weight"].parts) > 10
    gpu.run(whole.prefill(PROMPT))
    gpu.run(split.prefill(PROMPT))
    np.testing.assert_allclose(logits(gpu, split), logits(gpu, whole), atol=1e-4)


@pytest.fixture(scope="module")
def tiny_reference_greedy(tiny_model_path):
    return ReferenceLlama(tiny_model_path).greedy(PROMPT, 32)


@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
def test_greedy_32_tokens_match_reference(gpu, tiny_model_path, tiny_reference_greedy, kernel_set):
    model, _ = load(gpu, tiny_model_path, max_context=64, kernel_set=kernel_set)
    want, margins = tiny_reference_greedy
    got = gpu_greedy(gpu, model, PROMPT, 32)
    assert assert_same_greedy(got, want, margins) >= 16


def test_kernel_set_is_checked(gpu, tiny_model_path):
    with pytest.raises(ValueError, match="kernel_set must be one of"):
        load(gpu, tiny_model_path, max_context=16, kernel_set="fast")


@pytest.mark.parametrize("kernel_set,per_layer", [("cpu", 4), ("gpu", 4)])
def test_one_submit_per_decoded_token(gpu, tiny_model_path, kernel_set, per_layer):
    model, _ = load(gpu, tiny_model_path, max_context=64, kernel_set=kernel_set)
    assert model.fused == (kernel_set == "gpu")
    gpu.run(model.prefill(PROMPT))
    before = gpu.device.submits
    gpu.run(model.decode_one_token(5))
    assert gpu.device.submits - before == 1
    layers = model.config.n_layers
    # embed, layers, norm + logits, one top-k pass (300 ids)
    assert model.dispatches_per_token == 1 + per_layer * layers + 2 + 1


def test_context_full_and_bad_ids_are_refused(gpu, tiny_model_path):
    from webgpu_llm.model import ContextFull
    model, _ = load(gpu, tiny_model_path, max_context=8)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        gpu.run(model.prefill([1, 300]))
    gpu.run(model.prefill([1] * 8))
    with pytest.raises(ContextFull):
        gpu.run(model.decode_one_token(1))
    model.reset(4)
    gpu.run(model.decode_one_token(1))
    assert model.pos == 5


# ---------------------------------------------------------------- bad model files

def tiny_bytes(change):
    """The tiny model's bytes after `change(meta, tensors)` edits its metadata/tensor list."""
    import random
    from tools import tiny_model as tm
    tokens, types = tm.vocabulary()
    meta, tensors = tm.metadata(tokens, types), tm.tensors(random.Random(0), len(tokens), "Q4_1")
    change(meta, tensors)
    return tm.gguf_bytes(meta, tensors)


def replace_tensor(tensors, name, **fields):
    for i, (n, shape, type_name, values) in enumerate(tensors):
        if n == name:
            new = dict(name=n, shape=shape, type_name=type_name, values=values) | fields
            tensors[i] = (new["name"], new["shape"], new["type_name"], new["values"])


def rename_arch(meta, tensors):
    for key in [k for k in meta if k.startswith("llama.")]:
        meta["qwen3" + key[5:]] = meta.pop(key)
    meta["general.architecture"] = "qwen3"


BAD_FILES = {
    "architecture": (rename_arch, "unsupported architecture 'qwen3'"),
    "missing tensor": (lambda m, t: t.pop(5), "tensor 'blk.0.attn_output.weight' is missing"),
    "unsupported type": (lambda m, t: replace_tensor(t, "blk.1.ffn_up.weight", type_name=20,
                                                    values=bytes(18 * 64 * 128 // 32)),
                         "blk.1.ffn_up.weight.*IQ4_NL.*not supported"),
    "wrong shape": (lambda m, t: replace_tensor(t, "blk.0.attn_k.weight", shape=(32, 64)),
                    r"'blk.0.attn_k.weight' has shape \(32, 64\), expected \(64, 32\)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_model_files_give_clear_errors(gpu, tmp_path, case):
    change, message = BAD_FILES[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(tiny_bytes(change))
    with pytest.raises(GGUFError, match=message):
        load(gpu, path)


def test_truncated_model_file(gpu, tmp_path, tiny_model_path):
    from webgpu_llm.gguf import BytesSource, read_gguf
    from webgpu_llm.model import Model
    data = tiny_model_path.read_bytes()
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[:len(data) - 1000])
    with pytest.raises(GGUFError, match="outside the file"):
        load(gpu, path)
    # A source shorter than the file its header was read from (e.g. an interrupted download).
    gguf = read_gguf(BytesSource(data))
    with pytest.raises(GGUFError, match="truncated"):
        gpu.run(Model.load(gpu.device, gguf, BytesSource(data[:-1000])))


@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
def test_destroy_frees_every_buffer_load_made(gpu, tiny_model_path, kernel_set, monkeypatch):
    """Model.destroy() pairs with Model.load: loading again and again does not leak GPU memory."""
    created, destroyed = {}, set()
    create = gpu.device.create_buffer
    buffer_class = type(create(4))
    destroy = buffer_class.destroy

    def counting_create(*args, **kwargs):
        buffer = create(*args, **kwargs)
        created[id(buffer)] = buffer  # kept alive, so ids stay unique
        return buffer

    def counting_destroy(buffer):
        destroyed.add(id(buffer))
        destroy(buffer)
    monkeypatch.setattr(gpu.device, "create_buffer", counting_create)
    monkeypatch.setattr(buffer_class, "destroy", counting_destroy)
    for _ in range(2):
        model, _ = load(gpu, tiny_model_path, max_context=32, kernel_set=kernel_set)
        gpu.run(model.prefill(PROMPT))
        gpu.run(model.decode_ahead(5, 3))
        model.destroy()
    leaked = [created[i].label for i in set(created) - destroyed]
    assert len(created) > 20 and not leaked, leaked


def test_real_gpu_set_falls_back_to_one_op_per_kernel_when_weights_are_split(gpu, tiny_model_path):
    """The fused kernels need each fused group in one buffer pair; split weights keep the
    one-op-per-kernel path (with the real-GPU set's constants and top-k) and compute the same."""
    fused, _ = load(gpu, tiny_model_path, max_context=32, kernel_set="gpu")
    split, _ = load(gpu, tiny_model_path, max_context=32, kernel_set="gpu", max_part_bytes=1000)
    assert fused.fused and not split.fused
    for model in (fused, split):
        gpu.run(model.prefill(PROMPT))
        gpu.run(model.decode_one_token(7))
    np.testing.assert_allclose(logits(gpu, split), logits(gpu, fused), atol=1e-4)
    assert split.dispatches_per_token > fused.dispatches_per_token


def test_fused_kernels_only_where_they_apply(gpu, tiny_model_path):
    """fused.fusable: plain llama attention in the 32-value block formats; anything else (biases,
    other rope pairings or scalings, other formats) keeps one op per kernel on GPUs."""
    from dataclasses import asdict, replace
    from types import SimpleNamespace

    from webgpu_llm.fused import fusable
    from webgpu_llm.weights import expected_shapes
    model, _ = load(gpu, tiny_model_path, max_context=32, kernel_set="gpu")
    config = model.config
    assert model.fused and sorted(model.fused_rows) == sorted(f"blk.{i}.{group}" for i in range(config.n_layers)
                                                              for group in ("qkv", "ffn"))
    tensors = {name: info for name, info in read_gguf(FileSource(tiny_model_path)).tensors.items()
               if name in expected_shapes(config)}  # decided from the file, before the upload
    assert fusable(config, tensors, 1 << 30)
    assert not fusable(replace(config, qkv_bias=True), tensors, 1 << 30)
    assert not fusable(SimpleNamespace(**{**asdict(config), "rope_neox": True}), tensors, 1 << 30)
    assert not fusable(SimpleNamespace(**{**asdict(config), "rope_scale": 2.0}), tensors, 1 << 30)
    odd = dict(tensors)
    odd["blk.1.ffn_down.weight"] = replace(tensors["blk.1.ffn_down.weight"], type_name="Q6_K")
    assert not fusable(config, odd, 1 << 30)
    # a matrix split over two buffers (each part a row range) has no single slice to fuse
    assert not fusable(config, tensors, tensors["blk.0.ffn_up.weight"].nbytes // 2)


@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
def test_the_head_computes_one_row_after_a_batch(gpu, tiny_model_path, kernel_set):
    """After a prefill batch only the last token's logits are computed: the logits and top-k
    dispatches are the decode step's (a regression once ran the batched matmul over the vocab)."""
    from tools.kernel_profile import ListRecorder
    model, _ = load(gpu, tiny_model_path, max_context=64, kernel_set=kernel_set)

    def head(n, decode):
        rec = ListRecorder()
        model.forward(rec, n, decode=decode)
        tail = [e for e in rec.entries if e[0] == "dispatch"][-2:]  # logits, top-k (300 ids: one pass)
        return [(e[1].name, e[3]) for e in tail]
    assert head(20, False) == head(1, True) and head(20, False)[0][0] == "matvec"
