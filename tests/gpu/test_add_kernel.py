"""GPU tier: the add kernel the browser self-check uses, on wgpu-py/lavapipe, against numpy."""
import asyncio

import numpy as np
import pytest

from webgpu_llm.gpu import open_device


@pytest.mark.parametrize("n", [1, 63, 64, 1000, 4097])
def test_add_matches_numpy(n):
    async def run():
        device = await open_device()
        rng = np.random.default_rng(n)
        x = rng.standard_normal(n).astype(np.float32)
        y = rng.standard_normal(n).astype(np.float32)
        xb, yb = device.create_buffer(x.nbytes), device.create_buffer(y.nbytes)
        device.write(xb, x.tobytes())
        device.write(yb, y.tobytes())
        kernel = await device.kernel("add")
        rec = device.record()
        rec.dispatch(kernel, device.bind(kernel, [xb, yb]), (n + 63) // 64)
        device.submit(rec)
        return np.frombuffer(await device.read(xb, 0, x.nbytes), np.float32)

    np.testing.assert_array_equal(asyncio.run(run()), x_plus_y(n))


def x_plus_y(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    return x + y
