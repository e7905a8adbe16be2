"""A captured command sequence replays exactly what direct recording does (native backend)."""
import asyncio

import numpy as np

from webgpu_llm.gpu import open_device


def test_replayed_sequence_equals_direct_recording():
    async def run():
        device = await open_device()
        n = 300
        rng = np.random.default_rng(1)
        x0, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
        kernel = await device.kernel("add")
        x, yb, out = (device.create_buffer(4 * n) for _ in range(3))
        device.write(yb, y.tobytes())
        group = device.bind(kernel, [x, yb])

        def step(rec):  # x += y twice, then copy x into out
            rec.dispatch(kernel, group, (n + 63) // 64)
            rec.dispatch(kernel, group, (n + 63) // 64)
            rec.copy(x, 0, out, 0, 4 * n)

        sequence = device.capture(step)
        results = []
        for replays in (1, 3):
            device.write(x, x0.tobytes())
            rec = device.record()
            for _ in range(replays):
                rec.replay(sequence)
            device.submit(rec)
            results.append(np.frombuffer(await device.read(out, 0, 4 * n), np.float32))
            assert rec.dispatches == 2 * replays
        return x0, y, results

    x0, y, (once, thrice) = asyncio.run(run())
    np.testing.assert_allclose(once, x0 + 2 * y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(thrice, x0 + 6 * y, rtol=1e-5, atol=1e-5)
