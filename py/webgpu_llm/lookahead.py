"""Greedy decoding several tokens per submit, to amortise the GPU→CPU readback.

A readback (`mapAsync`) costs 2–3 ms in Chrome and ~12–18 ms in Deno on a real GPU — more than a
whole decode step of this model there. So for greedy decoding the GPU feeds itself: each step's
best token (slot 0 of the top-k buffer) is copied into the next step's token id, the position
advances from a prepared list of step records, and every step's top-k is kept. One submit, one
readback for `n` tokens. The caller checks each step's pick on the CPU (a repetition penalty may
choose another candidate) and rewinds the KV cache where it diverges.
"""
import struct

from .model import parse_top

MAX_AHEAD = 16


class Lookahead:
    def __init__(self, model):
        self.model = model
        device = model.device
        self.row = 8 * model.top_k                      # one step's (id, logit) pairs
        self.steps = device.create_buffer(8 * MAX_AHEAD)  # (pos, n_tokens=1) per step
        self.history = device.create_buffer(self.row * MAX_AHEAD)

    async def decode(self, token, n):
        """Feed `token`, then n-1 of the GPU's own argmax picks; the TopK after each of the n inputs."""
        model, device = self.model, self.model.device
        n = max(1, min(n, MAX_AHEAD, model.max_context - model.pos))
        model._check([token])
        device.write(model.ids, struct.pack("<I", token))
        device.write(self.steps, b"".join(struct.pack("<II", model.pos + k, 1) for k in range(n)))
        step = model.decode_step()
        rec = device.record()
        for k in range(n):
            rec.copy(self.steps, 8 * k, model.step, 0, 8)
            if k:
                rec.copy(model.top, 0, model.ids, 0, 4)   # the last step's best token is the input
            rec.replay(step)
            rec.copy(model.top, 0, self.history, self.row * k, self.row)
        device.submit(rec)
        model.dispatches_per_token = step.dispatches
        raw = await device.read(self.history, 0, self.row * n)
        tops = [parse_top(raw[self.row * k:self.row * (k + 1)], model.config.vocab) for k in range(n)]
        model.tokens.extend([token] + [top.ids[0] for top in tops[:-1]])
        return tops


def lookahead_tokens(model):
    """How many tokens to decode per submit: with the CPU-adapter kernel set (lavapipe, SwiftShader)
    the readback is cheap next to a step and smaller batches stream more smoothly, so 1; else 8.
    `model.lookahead`, when set, overrides (tests)."""
    fixed = getattr(model, "lookahead", None)
    return fixed if fixed is not None else (1 if model.cpu_kernels else 8)


class Stepper:
    """The TopK after each token fed: one step at a time, or from a batch the GPU decoded ahead
    greedily; where the caller's pick differs from the GPU's, the cache is rewound to match."""

    def __init__(self, model, greedy):
        self.model = model
        self.n = lookahead_tokens(model) if greedy else 1
        self.batch, self.base, self.k = [], 0, 0
        if self.n > 1 and getattr(model, "lookahead_buffers", None) is None:
            model.lookahead_buffers = Lookahead(model)

    @property
    def pos(self):
        """Tokens in the cache that belong to the sequence (lookahead beyond it excluded)."""
        return self.base + self.k + 1 if self.batch else self.model.pos

    async def next(self, token):
        if self.batch and self.k + 1 < len(self.batch) and self.batch[self.k].ids[0] == token:
            self.k += 1
            return self.batch[self.k]
        self.settle()
        if self.n == 1:
            return await self.model.decode_one_token(token)
        self.base, self.k = self.model.pos, 0
        self.batch = await self.model.lookahead_buffers.decode(token, self.n)
        return self.batch[0]

    def settle(self):
        """Drop tokens the GPU decoded ahead that the sequence did not take."""
        if self.batch:
            self.model.reset(self.base + self.k + 1)
            self.batch = []
