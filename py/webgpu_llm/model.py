"""The transformer: a llama forward pass, each step a WGSL kernel, weights quantized on the GPU.

    model = await Model.load(device, gguf, source, max_context=2048)
    top = await model.prefill(prompt_ids)          # TopK of the token after the prompt
    top = await model.decode_one_token(token_id)   # one submit, one 8*top_k-byte readback

Everything the GPU needs (buffers, the KV cache, pipelines, bind groups) is made once in `load`;
a step only writes the token ids and the step buffer (position, token count), records the
prebuilt dispatches top to bottom (`forward`) and submits them.
"""
import asyncio
import struct
from dataclasses import dataclass

from .fused import CpuFusedDecode, FusedDecode, Layout, cpu_fusable, fusable, splits_for
from .model_config import model_config, rope_factors, rope_turns
from .kv_cache import KvCache, f16_rows, int8_block
from .memory_plan import check_fits, plan_memory
from .sample import parse_top
from .ops import Builder, LastRow, Op, ceil_div, heads_per_workgroup, uses_cpu_kernels
from .weights import check_model, expected_shapes, grid, load_weights

TOP_K = 40            # candidates read back per token; sampling happens among them
PREFILL_BATCH = 64    # tokens per prefill submit (CPU set: shorter waits between streamed pieces)
PREFILL_BATCH_GPU = 256  # real GPUs: wider dispatches, one submit for most prompts
TOPK_SLICE = 512      # values one topk workgroup/invocation reduces to top_k (topk*.wgsl)
MAX_ALLOWED = 1024    # token ids a mask may allow (constrained decoding; gather_logits.wgsl CAP)
MAX_AHEAD = 16        # greedy steps per submit at most (decode_ahead)


class ContextFull(ValueError):
    """The tokens would not fit in the KV cache (max_context)."""


@dataclass
class AheadBatch:
    """Greedy steps submitted together (Model.submit_ahead); `Model.ahead_tops` reads them back."""
    base: int         # the position of the first step
    n: int
    token: object     # the first step's input, None: the GPU's pick after the previous batch
    reading: object   # the readback, already started: awaiting it gives the bytes
    end: int = 1 << 62  # tokens from here on were dropped (reset) while the batch was in flight


@dataclass
class Layer:
    qkv: Op
    attention: Op
    out: Op
    ffn: Op


class Model:
    def __init__(self, device, config, weights, max_context, batch, top_k, cpu_kernels=False):
        self.device = device
        self.cpu_kernels = cpu_kernels  # the CPU-adapter kernel set is built (see uses_cpu_kernels)
        self.fused = False             # the real-GPU set's fused decode kernels are (fused.py)
        self.cpu_fused = False         # the CPU-adapter set's fused decode kernels are (fused.py)
        self.config = config
        self.weights = weights
        self.max_context = max_context
        self.batch = batch
        self.top_k = top_k
        self.tokens = []               # ids whose keys/values are in the cache, in order
        self.dispatches_per_token = 0  # of the last decode step
        self._decode_step = None       # the decode step's commands, captured at its first use
        self._in_flight = []           # AheadBatches submitted and not yet read back
        self._buffers = []             # what destroy() frees besides the weights
        self._ahead = 0                # batches submitted so far (their history buffers alternate)

    @classmethod
    async def load(cls, device, gguf, source, max_context=2048, batch=None, top_k=TOP_K,
                   max_part_bytes=None, kernel_set=None, memory_budget=None, progress=None, kv_cache="auto"):
        """Check and upload the weights, allocate the KV cache and activations, build every Op.
        max_part_bytes: split weights into buffers of at most this size (default: the device's
        largest binding). kernel_set: "cpu" or "gpu" forces that kernel set (default: by adapter).
        memory_budget: bytes of GPU memory the model may take (None: only per-buffer limits).
        kv_cache: "auto", "f32" or "f16" rows (kv_cache.f16_rows). progress(stage: str) is told
        when the kernels start compiling, after the upload."""
        cpu_kernels = uses_cpu_kernels(device, kernel_set)
        config = model_config(gguf)
        check_model(gguf, config, source.size)  # #14: names an unsupported arch/type first
        batch = batch or (PREFILL_BATCH if cpu_kernels else PREFILL_BATCH_GPU)
        kv_block = int8_block(device, config) if cpu_kernels else None  # the KV cache's rows (kv_cache.py)
        kv_f16 = f16_rows(device, cpu_kernels, kv_cache)
        plan = plan_memory(gguf, config, max_context, batch, kv_block, kv_f16)  # #14: before any upload
        check_fits(plan, getattr(device, "max_buffer_size", device.max_binding_size),
                   device.max_binding_size, memory_budget)
        # The fused kernels know neither biases nor neox rope (qwen2): such models run one op a kernel.
        # CPU adapters on WebGPU (not the wasm kernels, whose ops have no fused twins) fuse too.
        tensors = {name: gguf.tensors[name] for name in expected_shapes(config)}
        max_part = max_part_bytes or device.max_binding_size
        fused = not cpu_kernels and fusable(config, tensors, max_part)
        cpu_fused = cpu_kernels and kv_block is None and cpu_fusable(config, tensors, max_part, device)
        weights, fused_rows = await load_weights(device, gguf, config, source, max_part, fuse=fused or cpu_fused)
        max_context = min(max_context, config.context)
        scores_per_token = 16 * config.n_heads * max_context  # at most one vec4 a head
        batch = max(1, min(batch, device.max_binding_size // scores_per_token))
        model = cls(device, config, weights, max_context, batch, min(top_k, 64), cpu_kernels)
        model.kv_block, model.kv_f16, model.fused, model.cpu_fused = kv_block, kv_f16, fused, cpu_fused
        model.fused_rows = fused_rows  # layer groups' weights in one buffer pair (weights.Uploader.fuse)
        model.memory_plan = plan  # #14: what the UI can show (plan.describe())
        model.rope_factors = rope_factors(gguf, config)  # #14: Llama 3 rope_freqs (else all 1)
        model._allocate()
        (progress or (lambda stage: None))("compiling kernels")
        await model._build(Builder(device, model.step, cpu_kernels))
        return model

    # -- the network ---------------------------------------------------------------------------
    def forward(self, rec, n, decode, logits=True, masked=False):
        """Record the network over n tokens (ids buffer) at positions pos .. pos+n-1; the top-k of
        the last token's logits, among the allowed ids only when masked."""
        run = lambda op: op.record(rec, n, decode)  # noqa: E731
        run(self.embed)                 # x = token_embd[ids]
        for layer in self.layers:
            run(layer.qkv)              # xn = rmsnorm(x); q, k, v = xn W^T with rope; k, v -> cache rows pos ..
            run(layer.attention)        # attn = softmax(q K^T / sqrt(d)) V, causal, grouped heads
            run(layer.out)              # x += attn Wo^T
            run(layer.ffn)              # x += (silu(xn Wg^T) * xn Wu^T) Wd^T, xn = rmsnorm(x)
        if logits:                      # only the last token's: one row from here on
            run(self.final_norm)        # rmsnorm(x[n-1]) * output_norm
            self.logits.record(rec, 1)
            (self.masked_top_k_op if masked else self.top_k_op).record(rec, 1)

    # -- steps ---------------------------------------------------------------------------------
    async def prefill(self, tokens, allowed=None):
        """Run the prompt through the network in batches; the TopK of the next token, or with
        `allowed` (token ids) the TopK among those only: a token mask applied on the GPU."""
        tokens = list(tokens)
        self._check(tokens)
        if allowed is not None:
            self._write_allowed(allowed)
        for start in range(0, len(tokens), self.batch):
            chunk = tokens[start:start + self.batch]
            self._submit(chunk, last=start + len(chunk) == len(tokens), masked=allowed is not None)
        return await self.read_top(masked=allowed is not None)

    def _write_allowed(self, allowed):
        allowed = sorted(set(allowed))
        if not allowed or len(allowed) > MAX_ALLOWED:
            raise ValueError(f"a token mask allows 1 to {MAX_ALLOWED} ids, not {len(allowed)}")
        if not 0 <= allowed[0] <= allowed[-1] < self.config.vocab:
            raise ValueError("a token mask names ids outside the vocabulary")
        self.device.write(self.allowed, struct.pack(f"<{len(allowed) + 1}I", len(allowed), *allowed))

    async def decode_one_token(self, token):
        """Append one token: all its dispatches in one recorder, one submit, one small read."""
        self._check([token])
        self.dispatches_per_token = self._submit([token], last=True)
        return await self.read_top()

    @property
    def pos(self):
        """Tokens already in the KV cache: the position of the next one."""
        return len(self.tokens)

    def reset(self, pos=0):
        """Forget the cache after `pos` tokens (0: start a new sequence)."""
        del self.tokens[max(0, pos):]
        for batch in self._in_flight:
            batch.end = min(batch.end, len(self.tokens))

    # -- greedy steps, several per submit -----------------------------------------------------
    # A readback (mapAsync) costs 2-3 ms in Chrome and ~12 ms in Deno on a real GPU, more than a
    # whole decode step there. So for greedy decoding the GPU feeds itself: each step's best token
    # (slot 0 of the top-k) is copied into the next step's input, positions come from a prepared
    # list of step records, and every step's top-k is kept for one readback. The caller checks
    # each pick (a repetition penalty may choose another) and rewinds with reset() where it
    # differs. A batch's readback starts at submit, so the next batch can be submitted (chained
    # to this one's last pick) before this one is awaited: the GPU never waits for the CPU.
    def submit_ahead(self, token, n):
        """Submit n greedy steps (fewer where the context ends): the first input is `token`, or
        with None the GPU's own pick after the last step submitted before."""
        n = max(1, min(n, MAX_AHEAD, self.max_context - self.pos))
        self._check([0 if token is None else token])
        if token is not None:
            self.device.write(self.ids, struct.pack("<I", token))
        row, history = 8 * self.top_k, self._history[self._ahead % 2]
        self.device.write(self._steps, b"".join(struct.pack("<II", self.pos + k, 1) for k in range(n)))
        step, rec = self.decode_step(), self.device.record()
        for k in range(n):
            rec.copy(self._steps, 8 * k, self.step, 0, 8)
            if k or token is None:
                rec.copy(self.top, 0, self.ids, 0, 4)  # the last step's best token is the input
            rec.replay(step)
            rec.copy(self.top, 0, history, row * k, row)
        self.device.submit(rec)
        self.dispatches_per_token = step.dispatches
        batch = AheadBatch(self.pos, n, token, self.device.read_start(history, 0, row * n))
        self._ahead += 1
        self._in_flight.append(batch)
        self.tokens.extend([token] + [None] * (n - 1))  # picks not known yet: filled by ahead_tops
        return batch

    async def ahead_tops(self, batch):
        """The TopK after each of a submitted batch's inputs (batches are read in submit order)."""
        raw = await batch.reading
        self._in_flight.remove(batch)
        row = 8 * self.top_k
        tops = [parse_top(raw[row * k:row * (k + 1)], self.config.vocab) for k in range(batch.n)]
        for k, top in enumerate(tops):  # step k's pick is step k+1's input (or the next batch's)
            if batch.base + k + 1 < min(batch.end, len(self.tokens)):
                self.tokens[batch.base + k + 1] = top.ids[0]
        return tops

    async def decode_ahead(self, token, n):
        """Feed `token`, then n-1 of the GPU's own greedy picks; the TopK after each input."""
        return await self.ahead_tops(self.submit_ahead(token, n))

    def decode_step(self):
        """The commands of one decode step (the same every token), captured once for replay."""
        if self._decode_step is None:
            self._decode_step = self.device.capture(lambda r: self.forward(r, 1, decode=True))
        return self._decode_step

    async def read_top(self, masked=False):
        top = self.masked_top if masked else self.top
        return parse_top(await self.device.read(top, 0, 8 * self.top_k), self.config.vocab)

    async def read_logits(self):
        """All logits of the last step (a list of floats; for tests and debugging)."""
        raw = await self.device.read(self.logits_buffer, 0, 4 * self.config.vocab)
        return list(struct.unpack(f"<{self.config.vocab}f", raw))

    def _check(self, tokens):
        if not tokens:
            raise ValueError("no tokens to process")
        bad = [t for t in tokens if not 0 <= t < self.config.vocab]
        if bad:
            raise ValueError(f"token ids {bad[:5]} are outside the vocabulary (0..{self.config.vocab - 1})")
        if self.pos + len(tokens) > self.max_context:
            raise ContextFull(f"{self.pos} + {len(tokens)} tokens exceed the context of {self.max_context}")

    def _submit(self, chunk, last, masked=False):
        n = len(chunk)
        self.device.write(self.ids, struct.pack(f"<{n}I", *chunk))
        self.device.write(self.step, struct.pack("<II", self.pos, n))
        rec = self.device.record()
        if n == 1 and last and not masked:  # a decode step: always the same commands, captured once
            rec.replay(self.decode_step())
        else:
            self.forward(rec, n, decode=n == 1, logits=last, masked=masked)
        self.device.submit(rec)
        self.tokens.extend(chunk)
        return rec.dispatches

    # -- load and free -------------------------------------------------------------------------
    def _buffer(self, size, label):
        buffer = self.device.create_buffer(size, label=label)
        self._buffers.append(buffer)
        return buffer

    def destroy(self):
        """Free every GPU buffer load() made: weights, KV cache, activations. Unusable after."""
        owned = {id(b): b for b in self._buffers}
        for tensor in self.weights.values():
            for part in tensor.parts:
                for b in (part.quants, part.scales):
                    b = b[0] if isinstance(b, tuple) else b  # a slice of a fused buffer
                    owned[id(b)] = b
        for buffer in owned.values():
            buffer.destroy()
        self._buffers, self.weights, self._decode_step = [], {}, None

    def _allocate(self):
        c, b, ctx = self.config, self.batch, self.max_context
        q_dim = c.n_heads * c.head_dim

        def floats(n, label):
            return self._buffer(4 * n, label)

        self.step = floats(4, "step: pos0, n_tokens")
        self.ids = floats(b, "token ids")
        self.x, self.xn = floats(b * c.hidden, "x (residual)"), floats(b * c.hidden, "xn (normed)")
        self.q, self.attn = floats(b * q_dim, "q"), floats(b * q_dim, "attention out")
        self.gate, self.up = floats(b * c.ffn, "ffn gate"), floats(b * c.ffn, "ffn up")
        groups = c.n_heads // heads_per_workgroup(c.n_heads, c.n_kv_heads, c.head_dim)
        self.kv = KvCache(c, ctx, b, getattr(self, "kv_block", None), self._buffer, getattr(self, "kv_f16", False))
        self.k_cache, self.v_cache = self.kv.k, self.kv.v  # f32 rows unless kv.f16 or kv.block (the CPU kernels)
        self.scores = floats(4 * b * groups * ctx if self.kv.block is None else 1, "attention scores")
        self.last, self.last_norm = floats(c.hidden, "last x"), floats(c.hidden, "last xn")
        self.logits_buffer = floats(c.vocab, "logits")
        self.allowed = floats(1 + MAX_ALLOWED, "allowed token ids: count, ids")
        self.allowed_logits = floats(2 * MAX_ALLOWED, "allowed (id, logit) pairs")
        half = c.head_dim // 2
        self._steps = floats(2 * MAX_AHEAD, "decode_ahead: (pos, 1) per step")
        self._history = [floats(2 * self.top_k * MAX_AHEAD, f"decode_ahead: top-k per step {i}") for i in (0, 1)]
        self.turns = floats(half, "rope turns per position")
        # The fused decode kernels' activations, at fused.Layout's offsets (a dummy otherwise).
        self.act = floats(Layout.of(c, splits_for(ctx)).size if self.fused else 4, "decode activations")
        turns = rope_turns(c, getattr(self, "rope_factors", None))
        self.device.write(self.turns, struct.pack(f"<{half}f", *turns))

    async def _build(self, b):
        c, w = self.config, self.weights
        fused = FusedDecode(b, self) if self.fused else None
        cpu_fused = CpuFusedDecode(b, self) if self.cpu_fused else None
        embed = w["token_embd.weight"]
        self.embed = Op([], [])
        for part in embed.parts:
            kernel = await b.kernel("embed", FMT=embed.fmt, H=c.hidden, N=part.rows, ROW0=part.row0)
            size = lambda n: (ceil_div(n * c.hidden // 32, 64),)  # noqa: E731
            self.embed.prefill.append((kernel, self.device.bind(kernel, [self.step, part.quants, part.scales,
                                                                         self.ids, self.x]), size))
            x0 = (self.act, 4 * fused.layout.x, 4 * c.hidden) if fused else self.x
            self.embed.decode.append((kernel, self.device.bind(kernel, [self.step, part.quants, part.scales,
                                                                        self.ids, x0]), size))
        # All layers at once: their pipelines compile concurrently (Builder.kernel).
        self.layers = list(await asyncio.gather(*(self._layer(b, i, fused, cpu_fused) for i in range(c.n_layers))))
        norm = self.weights["output_norm.weight"].parts[0].quants
        self.final_norm = LastRow(self.x, self.last, 4 * c.hidden, await self._norm(b, norm, self.last, self.last_norm),
                                  await fused.final_norm(norm, self.last_norm) if fused else None)
        self.logits = await b.linear(w["token_embd.weight" if c.tied_embeddings else "output.weight"],
                                     self.last_norm, self.logits_buffer)
        self.top_k_op, self.top = await self._top_k(b, self.logits_buffer, c.vocab, pairs=False)
        gather = await b.simple("gather_logits", [self.logits_buffer, self.allowed, self.allowed_logits],
                                lambda n: (ceil_div(MAX_ALLOWED, 64),), CAP=MAX_ALLOWED)
        top_k, self.masked_top = await self._top_k(b, self.allowed_logits, MAX_ALLOWED, pairs=True)
        self.masked_top_k_op = Op.chain(gather, top_k)

    async def _norm(self, b, weight, x, out):
        return await b.simple("rmsnorm", [x, weight, out], lambda n: (n,),
                              H=self.config.hidden, EPS=self.config.rms_eps)

    async def _rope(self, b, buffer, heads, at_pos):
        pairs = heads * self.config.head_dim // 2
        return await b.simple("rope", [self.step, buffer, self.turns], lambda n: (ceil_div(n * pairs, 64),),
                              N_HEADS=heads, HEAD_DIM=self.config.head_dim, AT_POS=at_pos,
                              NEOX=self.config.rope_neox)  # #14: qwen2 rotates (i, i + d/2)

    async def _layer(self, b, i, fused, cpu_fused=None):
        """One layer's four Ops: one kernel per op (both paths on CPU adapters, prefill on GPUs),
        with fused kernels for decoding on GPUs (fused.py)."""
        c = self.config
        bo = b.prefill_linears() if fused else b  # fused kernels replace the layer's matvecs
        b = b.prefill_linears() if fused or cpu_fused else b  # (the CPU set's keep W_o's and W_down's)
        w = lambda part: self.weights[f"blk.{i}.{part}.weight"]  # noqa: E731
        norm = lambda part: w(part).parts[0].quants  # noqa: E731
        k_out, v_out, at_pos = self.kv.targets(i)  # the cache rows, or the step's rows to store
        layer = Layer(
            qkv=Op.chain(await self._norm(b, norm("attn_norm"), self.x, self.xn),
                         await self._biased(b, i, "attn_q", await b.linear(w("attn_q"), self.xn, self.q), self.q),
                         await self._biased(b, i, "attn_k", await b.linear(w("attn_k"), self.xn, k_out, at_pos=at_pos),
                                            k_out, at_pos=at_pos),
                         await self._biased(b, i, "attn_v", await b.linear(w("attn_v"), self.xn, v_out, at_pos=at_pos),
                                            v_out, at_pos=at_pos),
                         await self._rope(b, self.q, c.n_heads, at_pos=False),
                         await self._rope(b, k_out, c.n_kv_heads, at_pos=at_pos),
                         await self.kv.store(b, i, self.step)),
            attention=await self.kv.attention(b, i, self.max_context, self.step, self.q, self.attn, self.scores),
            out=await bo.linear(w("attn_output"), self.attn, self.x, accumulate=True),
            ffn=Op.chain(await self._norm(b, norm("ffn_norm"), self.x, self.xn),
                         await b.linear(w("ffn_gate"), self.xn, self.gate),
                         await b.linear(w("ffn_up"), self.xn, self.up),
                         await b.simple("swiglu", [self.step, self.gate, self.up],
                                        lambda n: grid(ceil_div(n * c.ffn, 64)), FFN=c.ffn),
                         await bo.linear(w("ffn_down"), self.gate, self.x, accumulate=True)))
        if fused:  # the same prefill; the attention block up to W_o in one dispatch, the rest one an op
            layer.qkv.decode = [await fused.qkv_attention(i, norm("attn_norm"))]
            layer.attention.decode = []  # in qkv_attention (the new key's own term: in out_proj)
            layer.out.decode = [await fused.out(i)]
            layer.ffn.decode = await fused.ffn(i, norm("ffn_norm"))
        elif cpu_fused:  # the same prefill; the attention block in one dispatch, the ffn in two
            layer.qkv.decode = [await cpu_fused.qkv_attention(i, norm("attn_norm"))]
            layer.attention.decode = []  # in qkv_attention_cpu
            layer.ffn.decode = [await cpu_fused.ffn(i, norm("ffn_norm")), layer.ffn.decode[-1]]  # + W_down's
        return layer

    async def _biased(self, b, i, part, op, y, at_pos=False):
        """#14 (qwen2): the projection Op `op`, followed by adding blk.i.PART.bias to its output
        rows (both its decode and its prefill dispatches); unchanged when the model has no biases."""
        bias = self.weights.get(f"blk.{i}.{part}.bias")
        if bias is None:
            return op
        n = bias.cols
        kernel = await b.kernel("bias", N=n, AT_POS=at_pos)
        add = (kernel, self.device.bind(kernel, [self.step, y, bias.parts[0].quants]),
               lambda tokens: grid(ceil_div(tokens * n, 64)))
        op.decode.append(add)
        if op.prefill is not op.decode:
            op.prefill.append(add)
        return op

    async def _top_k(self, b, source, n, pairs):
        """Passes of top-k from n values (logits, or (id, logit) pairs) down to one slice's top_k
        pairs: (the Op, the buffer holding the result). The CPU set's topk.wgsl runs one invocation
        a slice without barriers; GPUs run topk_wide.wgsl, a workgroup a slice."""
        op = Op([])
        while True:
            slices = ceil_div(n, TOPK_SLICE)
            out = self._buffer(8 * slices * self.top_k, "top-k pairs")
            if b.cpu:
                op = Op.chain(op, await b.simple("topk", [source, out], lambda _n, g=ceil_div(slices, 64): (g,),
                                                 N=n, K=self.top_k, SLICE=TOPK_SLICE, PAIRS=pairs))
            else:
                op = Op.chain(op, await b.simple("topk_wide", [source, out], lambda _n, g=slices: (g,),
                                                 N=n, K=self.top_k, PAIRS=pairs))
            n, source, pairs = slices * self.top_k, out, True
            if slices == 1:
                return op, out
