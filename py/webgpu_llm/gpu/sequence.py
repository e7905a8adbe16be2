"""Captured command sequences: record a fixed list of dispatches and copies once, replay it per step.

A decode step issues the same ~400 dispatches every token; only buffer contents change. Encoding
them one by one costs a Python→JS call each in the browser (several µs apiece), so the model
captures the step once at load and each token replays it: one call for the whole list.
"""
DISPATCH, COPY = 0, 1


class CapturingRecorder:
    """Has a recorder's `dispatch`/`copy` methods; keeps the steps instead of encoding them."""

    def __init__(self):
        self.steps = []
        self.dispatches = 0

    def dispatch(self, kernel, group, x, y=1, z=1):
        self.steps.append((DISPATCH, kernel.pipeline, group, x, y, z))
        self.dispatches += 1

    def copy(self, src, src_offset, dst, dst_offset, size):
        self.steps.append((COPY, src, src_offset, dst, dst_offset, size))


class Sequence:
    """A captured list of steps, in the form the backend replays fastest (`prepared`)."""

    def __init__(self, steps, dispatches, prepared):
        self.steps = steps
        self.dispatches = dispatches
        self.prepared = prepared


def capture(record):
    """Run `record(recorder)` against a CapturingRecorder; returns (steps, dispatch count)."""
    recorder = CapturingRecorder()
    record(recorder)
    return recorder.steps, recorder.dispatches
