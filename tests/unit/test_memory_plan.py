"""Memory planning before a load (#14): sizes from the header, clear errors naming what does not
fit (checked against the device limits before any upload)."""
import pytest

from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, GGUFError, read_gguf
from webgpu_llm.model_config import model_config
from webgpu_llm.memory_plan import MIB, check_fits, gpu_bytes, plan_memory


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = write_tiny_model(tmp_path_factory.mktemp("plan") / "m.gguf", matrix_type="mix", arch="qwen2")
    gguf = read_gguf(FileSource(str(path)))
    return gguf, model_config(gguf)


def test_gpu_bytes_per_format():
    assert gpu_bytes("Q4_K", 256) == 144 and gpu_bytes("Q5_K", 256) == 176  # read in place
    assert gpu_bytes("Q6_K", 256) == 208 + 4 and gpu_bytes("Q5_0", 32) == 16 + 8
    assert gpu_bytes("Q8_0", 32) == 32 + 4 and gpu_bytes("F32", 32) == 128


def test_plan_adds_up(tiny):
    gguf, config = tiny
    plan = plan_memory(gguf, config, max_context=1024)
    kv = 2 * config.n_layers * 1024 * config.n_kv_heads * config.head_dim * 4
    assert plan.kv_cache == kv and plan.kv_buffer == kv // (2 * config.n_layers)
    assert plan.total == plan.weights + plan.kv_cache + plan.activations
    assert plan_memory(gguf, config, max_context=10**6).max_context == config.context  # clamped
    assert "KV cache" in plan.describe()


def test_errors_name_what_does_not_fit(tiny):
    gguf, config = tiny
    plan = plan_memory(gguf, config, max_context=2048)
    check_fits(plan, 1 << 30, 1 << 30, budget=plan.total)  # fits exactly: no error
    with pytest.raises(GGUFError, match=r"KV cache of one layer at 2048 tokens.*at most 1024 tokens"):
        check_fits(plan, 1 << 30, plan.kv_buffer // 2)
    short = plan_memory(gguf, config, max_context=1)  # a KV cache smaller than the widest row
    name, row = short.largest_row
    assert short.kv_buffer < row and name == "output_norm.weight"  # 256 floats in one row
    with pytest.raises(GGUFError, match=rf"one row of tensor '{name}'.*buffer limit"):
        check_fits(short, row - 1, 1 << 30)
    with pytest.raises(GGUFError, match=r"does not fit: it needs .* MiB on the GPU.*1 MiB are available"):
        check_fits(plan, 1 << 30, 1 << 30, budget=MIB)
    with pytest.raises(GGUFError, match=r"does not fit: it needs .* MiB in WebAssembly memory"):
        check_fits(plan, 1 << 30, 1 << 30, budget=MIB, device="CPU")   # the CPU kernels' memory
    with pytest.raises(GGUFError, match=r"over this CPU's"):
        check_fits(plan, 1 << 30, plan.kv_buffer // 2, device="CPU")


def test_the_int8_kv_cache_plans_a_byte_a_value_plus_its_scales(tiny):
    """The CPU kernels' cache (webgpu_llm/kv_cache.py): int8 rows and an f32 scale per block."""
    gguf, config = tiny
    values = 1024 * config.n_kv_heads * config.head_dim
    plan = plan_memory(gguf, config, max_context=1024, kv_block=8)
    assert plan.kv_buffer == values + 4 * values // 8
    assert plan.kv_cache == 2 * config.n_layers * plan.kv_buffer


def test_the_f16_kv_cache_plans_two_bytes_a_value(tiny):
    """Real GPUs with shader-f16 (webgpu_llm/kv_cache.py): half the f32 cache, nothing else changes."""
    gguf, config = tiny
    f32, f16 = (plan_memory(gguf, config, max_context=1024, kv_f16=h) for h in (False, True))
    assert f16.kv_buffer == 2 * 1024 * config.n_kv_heads * config.head_dim == f32.kv_buffer // 2
    assert f16.kv_cache == f32.kv_cache // 2 and f16.weights == f32.weights
