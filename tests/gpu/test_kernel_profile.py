"""tools/kernel_profile.py (`build.py bench --profile`) on lavapipe: every dispatch of a decode step
and a prefill is timed, by timestamp queries and by the wall-time fallback, and the model's
cache is left as it was."""
import numpy as np
import pytest

from tools.kernel_profile import format_profile, profile

from .helpers import load, logits

PROMPT = [1, 200, 5, 77, 299]


@pytest.mark.parametrize("timestamps", [True, False])
@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
def test_profile_times_every_dispatch(gpu, tiny_model_path, kernel_set, timestamps, monkeypatch):
    model, _ = load(gpu, tiny_model_path, max_context=32, kernel_set=kernel_set)
    gpu.run(model.prefill(PROMPT))
    gpu.run(model.decode_one_token(7))
    want = logits(gpu, model)
    if not timestamps:
        monkeypatch.setattr(gpu.device, "timestamps", lambda count: None)
    result = gpu.run(profile(model, prefill_tokens=4))
    assert result["method"] == ("timestamp-query" if timestamps else "wall time of isolated repeats")
    decode, prefill = result["decode"], result["prefill"]
    assert sum(d for d, _ in decode["kernels"].values()) == model.dispatches_per_token
    assert ("qkv_attention" in decode["kernels"]) == (kernel_set == "gpu") and "matmul" in prefill["kernels"]
    assert prefill["tokens"] == 4 and decode["total_us"] > 0 and prefill["total_us"] > 0
    assert all(us >= 0 for _, us in decode["kernels"].values())
    assert "decode (1 token)" in format_profile(result)
    model.reset(len(PROMPT))  # the profile wrote only past the cached tokens
    gpu.run(model.decode_one_token(7))
    np.testing.assert_array_equal(logits(gpu, model), want)
