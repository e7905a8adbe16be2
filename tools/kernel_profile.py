"""Per-kernel GPU time of one decode step and one prefill batch (`build.py bench --profile`).

    table = await profile(model)      # a loaded webgpu_llm Model, its prompt already prefilled
    print(format_profile(table))

The dispatches are the model's own (Model.forward recorded into a list). With `timestamp-query`
each dispatch runs alone in a compute pass whose start and end are timestamped: its GPU time,
summed per kernel (the gaps between passes are not in the sum; `span` is first start to last
end). Without it: per kernel, the wall time of many repeats of just that kernel's dispatches in
one submit, minus an empty submit's, divided by the repeats (isolated, so caches may flatter it).
Only the uses the GPU interface (record/dispatch/submit/read): runs natively and in Pyodide.
Writes only activations and the KV cache rows after the model's tokens, which it leaves alone.
"""
import struct
import time

TRIALS = 5
MIN_WALL_S = 0.05


class ListRecorder:
    """A recorder that keeps what Model.forward records: ("dispatch", kernel, group, xyz) / ("copy", args)."""

    def __init__(self):
        self.entries = []

    def dispatch(self, kernel, group, x, y=1, z=1):
        self.entries.append(("dispatch", kernel, group, (x, y, z)))

    def copy(self, *args):
        self.entries.append(("copy", args))


def recorded(model, n, decode):
    """Model.forward over n tokens at the model's position, as a list (ids and step written)."""
    model.device.write(model.ids, struct.pack(f"<{n}I", *([model.tokens[-1] if model.tokens else 1] * n)))
    model.device.write(model.step, struct.pack("<II", model.pos, n))
    rec = ListRecorder()
    model.forward(rec, n, decode=decode)
    return rec.entries


def replay(rec, entries, timestamps=None):
    i = 0
    for entry in entries:
        if entry[0] == "copy":
            rec.copy(*entry[1])
            continue
        _, kernel, group, xyz = entry
        if timestamps is None:
            rec.dispatch(kernel, group, *xyz)
        else:
            rec.dispatch(kernel, group, *xyz, timestamps=(timestamps.query_set, 2 * i))
        i += 1
    return i


async def by_timestamps(device, entries, timestamps):
    """{kernel: (dispatches, ns)} (best of TRIALS per kernel) and the span in ns."""
    best, span = {}, None
    for _ in range(TRIALS):
        rec = device.record()
        count = replay(rec, entries, timestamps)
        rec.resolve(timestamps, 2 * count)
        device.submit(rec)
        ticks = struct.unpack(f"<{2 * count}Q", await device.read(timestamps.buffer, 0, 16 * count))
        sums = {}
        names = [e[1].name for e in entries if e[0] == "dispatch"]
        for k, name in enumerate(names):
            n, ns = sums.get(name, (0, 0))
            sums[name] = (n + 1, ns + ticks[2 * k + 1] - ticks[2 * k])
        for name, (n, ns) in sums.items():
            best[name] = (n, min(ns, best.get(name, (0, ns))[1]))
        span = min(span or ticks[-1] - ticks[0], ticks[-1] - ticks[0])
    return best, span


async def _wall(device, entries, repeats, probe):
    rec = device.record()
    for _ in range(repeats):
        replay(rec, entries)
    start = time.perf_counter()
    device.submit(rec)
    await device.read(probe, 0, 4)
    return time.perf_counter() - start


async def by_wall_time(device, entries, probe):
    """{kernel: (dispatches, ns)}: each kernel's dispatches alone, repeated, timed on the wall."""
    empty = min([await _wall(device, [], 1, probe) for _ in range(3)])
    result = {}
    for name in dict.fromkeys(e[1].name for e in entries if e[0] == "dispatch"):
        mine = [e for e in entries if e[0] == "dispatch" and e[1].name == name]
        repeats = 1
        while (elapsed := await _wall(device, mine, repeats, probe) - empty) < MIN_WALL_S and repeats < 4096:
            repeats *= 4
        result[name] = (len(mine), max(0.0, elapsed) / repeats * 1e9)
    return result, None


async def profile(model, prefill_tokens=64):
    """{"method", "decode": {...}, "prefill": {...}}: per phase {"kernels": {name: [dispatches, µs]},
    "total_us", "span_us" (timestamps only), "tokens"}."""
    device = model.device
    n = max(1, min(prefill_tokens, model.batch, model.max_context - model.pos))
    most = max(len(recorded(model, 1, True)), len(recorded(model, n, False)))
    timestamps = device.timestamps(2 * most) if hasattr(device, "timestamps") else None
    result = {"method": "timestamp-query" if timestamps else "wall time of isolated repeats"}
    for phase, tokens, decode in (("decode", 1, True), ("prefill", n, False)):
        entries = recorded(model, tokens, decode)
        if timestamps:
            kernels, span = await by_timestamps(device, entries, timestamps)
        else:
            kernels, span = await by_wall_time(device, entries, model.step)
        result[phase] = {"tokens": tokens,
                         "kernels": {k: [d, round(ns / 1000, 2)] for k, (d, ns) in kernels.items()},
                         "total_us": round(sum(ns for _, ns in kernels.values()) / 1000, 2),
                         "span_us": round(span / 1000, 2) if span is not None else None}
    return result


def format_profile(result):
    """The profile as text tables, one per phase, kernels by time."""
    lines = [f"GPU time per kernel ({result['method']})"]
    for phase in ("decode", "prefill"):
        p = result[phase]
        span = f", first start to last end {p['span_us']:.0f} µs" if p.get("span_us") else ""
        lines.append(f"\n{phase} ({p['tokens']} token{'s' if p['tokens'] > 1 else ''}): "
                     f"{p['total_us']:.0f} µs in kernels{span}")
        lines.append(f"  {'kernel':<18}{'dispatches':>11}{'µs':>11}{'share':>8}")
        for name, (count, us) in sorted(p["kernels"].items(), key=lambda kv: -kv[1][1]):
            lines.append(f"  {name:<18}{count:>11}{us:>11.1f}{us / max(p['total_us'], 1e-9):>8.1%}")
    return "\n".join(lines)
