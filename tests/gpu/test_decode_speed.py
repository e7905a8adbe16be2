"""tools/shaped_model.py writes a loadable random GGUF of any llama shape; tools/decode_speed.py
measures it (what runs on the lent GPU machine, where the real model is too big to carry)."""
import asyncio

import pytest

from tools.decode_speed import measure
from tools.shaped_model import write_shaped_model


@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
def test_decode_speed_on_a_shaped_random_model(tmp_path, kernel_set):
    path = write_shaped_model(tmp_path / "shaped.gguf", layers=2, hidden=64, heads=4, kv_heads=2, ffn=128,
                              vocab=1000)
    result = asyncio.run(measure(path, [5, 40], tokens=6, lookahead=4, kernel_set=kernel_set,
                                 with_profile=True))
    assert result["kernel_set"] == kernel_set and result["fused"] == (kernel_set == "gpu")
    assert set(result["runs"]) == {"5", "40"}
    for run in result["runs"].values():
        assert run["decode_tok_s"] > 0 and run["prefill_tok_s"] > 0
        assert run["dispatches_per_token"] == 4 * 2 + 5  # both sets: 4 a layer
        assert run["profile"]["decode"]["total_us"] > 0
