"""GPU tier: tools/bandwidth.py on lavapipe: the copy kernel copies exactly, the
measurements come back positive, and timing a loaded model's matvecs leaves its KV cache intact."""
import numpy as np

from tools import bandwidth

from .helpers import load, logits

FAST = dict(min_seconds=0.01, trials=1)


def test_copy_kernel_copies_every_byte(gpu):
    nbytes = 16 * 1000 + 16 * 37  # not a multiple of a workgroup's ITEMS * 64 vec4s
    batch, src, dst = gpu.run(bandwidth.copy_batch(gpu.device, nbytes))
    assert batch.nbytes == 2 * nbytes
    kernel, group, workgroups = batch.dispatches[0]
    gpu.dispatch(kernel, [src, dst], *workgroups)
    want = gpu.run(gpu.device.read(src, 0, nbytes))
    assert want == bandwidth._pattern(nbytes) and len(set(want)) > 200
    assert gpu.run(gpu.device.read(dst, 0, nbytes)) == want
    assert gpu.run(bandwidth.verify_copy(gpu.device, src, dst, nbytes))


def test_measure_synthetic_gives_positive_bandwidth(gpu):
    shapes = {"attn_q": (576, 576), "ffn_down": (1536, 576)}
    result = gpu.run(bandwidth.measure(gpu.device, copy_bytes=4 << 20, layers=2, shapes=shapes, **FAST))
    assert result["source"] == "synthetic"
    assert result["copy"]["verified"] and result["copy"]["gbps"] > 0
    assert set(result["matvec"]) == {"attn_q", "ffn_down", "decode"}
    for name, r in result["matvec"].items():
        assert r["gbps"] > 0 and r["seconds"] > 0 and r["repeats"] >= 1
        assert result["efficiency"][name] == r["gbps"] / result["copy"]["gbps"]
    assert result["matvec"]["decode"]["bytes"] == (result["matvec"]["attn_q"]["bytes"] +
                                                   result["matvec"]["ffn_down"]["bytes"])
    assert result["adapter"]


def test_measure_on_a_loaded_model_keeps_its_cache(gpu, tiny_model_path):
    model, _ = load(gpu, tiny_model_path, max_context=32)
    prompt = [1, 200, 5, 77, 299]
    gpu.run(model.prefill(prompt))
    gpu.run(model.decode_one_token(7))
    want = logits(gpu, model)

    model.reset()
    gpu.run(model.prefill(prompt))
    result = gpu.run(bandwidth.measure(gpu.device, model, copy_bytes=1 << 20, **FAST,
                                       kinds={"attn_k", "output", "decode"}))
    assert result["source"] == "model" and result["copy"]["verified"]
    assert set(result["matvec"]) == {"attn_k", "output", "decode"}
    assert all(r["gbps"] > 0 for r in result["matvec"].values())
    per_layer = model.config.n_kv_heads * model.config.head_dim
    assert result["matvec"]["attn_k"]["dispatches"] == model.config.n_layers
    assert result["matvec"]["attn_k"]["bytes"] >= model.config.n_layers * per_layer * model.config.hidden // 2
    gpu.run(model.decode_one_token(7))  # the K/V matvecs wrote only the free slot after the prompt
    np.testing.assert_array_equal(logits(gpu, model), want)
