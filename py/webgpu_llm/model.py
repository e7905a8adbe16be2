"""The transformer: a llama forward pass, each step a WGSL kernel, weights quantized on the GPU.

    model = await Model.load(device, gguf, source, max_context=2048)
    top = await model.prefill(prompt_ids)          # TopK of the token after the prompt
    top = await model.decode_one_token(token_id)   # one submit, one 8*top_k-byte readback

Everything the GPU needs (buffers, the KV cache, pipelines, bind groups) is made once in `load`;
a step only writes the token ids and the step buffer (position, token count), records the
prebuilt dispatches top to bottom (`forward`) and submits them.
"""
import math
import struct
from dataclasses import dataclass

from .gguf import model_config
from .memory_plan import check_fits, plan_memory
from .weights import check_model, grid, load_kernel, load_weights

TOP_K = 40            # candidates read back per token; sampling happens among them
PREFILL_BATCH = 64    # tokens per prefill submit
TOPK_SLICE = 512      # values one topk invocation reduces to top_k (topk.wgsl SLICE)
MAX_ALLOWED = 1024    # token ids a mask may allow (constrained decoding; gather_logits.wgsl CAP)
MATVEC_ROWS = 4       # rows per invocation (matvec.wgsl ROWS) on GPUs
MATVEC_ROWS_CPU = 16  # on CPU-backed adapters: each x load serves 16 rows (measured best there)
MATMUL_ROWS, MATMUL_TOKENS = 4, 8  # tile per invocation (matmul.wgsl ROWS, TOKENS) on GPUs
MATMUL_ROWS_CPU = 8   # on CPU-backed adapters: fewer loads of x per weight
ATTENTION_CPU_MAX_DIM = 64   # attention_cpu.wgsl's limit (used on CPU-backed adapters)
ATTENTION_CPU_WORKGROUP = 4  # its invocations (token, head) per workgroup


class ContextFull(ValueError):
    """The tokens would not fit in the KV cache (max_context)."""


@dataclass
class TopK:
    ids: list      # most likely first
    logits: list   # raw logits of those ids


def parse_top(raw, vocab):
    """(id u32, logit f32) pairs, best first → TopK (padding slots have ids ≥ vocab)."""
    pairs = struct.unpack("<" + "If" * (len(raw) // 8), raw)
    keep = [i for i in range(0, len(pairs), 2) if pairs[i] < vocab]
    return TopK([pairs[i] for i in keep], [pairs[i + 1] for i in keep])


def ceil_div(a, b):
    return -(-a // b)


def rope_factors(gguf, config):
    """#14: rope_freqs.weight (F32, one divisor per rotated pair; Llama 3.1+), or None."""
    if not config.rope_freqs:
        return None
    half = config.head_dim // 2
    return list(struct.unpack(f"<{half}f", gguf.tensor_bytes("rope_freqs.weight")))


def heads_per_workgroup(n_heads, n_kv_heads, head_dim):
    """Query heads one attention workgroup serves (they share a KV head, so K/V loads are shared):
    the largest divisor of the group size within attention.wgsl's limits."""
    group = n_heads // n_kv_heads
    return max(h for h in range(1, min(group, 4) + 1) if group % h == 0 and h * head_dim <= 256)


KERNEL_SETS = ("cpu", "gpu")


def is_cpu_adapter(device):
    """WebGPU run by the CPU: SwiftShader (browsers' fallback adapter) or Mesa's lavapipe."""
    name = device.name.lower()
    return bool(getattr(device, "is_fallback", False)) or "llvmpipe" in name or "swiftshader" in name


def uses_cpu_kernels(device, kernel_set=None):
    """Whether to build the CPU-adapter kernel set: kernel_set "cpu"/"gpu" forces one (tests run
    the GPU set on lavapipe that way), None picks by the adapter."""
    if kernel_set is None:
        return is_cpu_adapter(device)
    if kernel_set not in KERNEL_SETS:
        raise ValueError(f"kernel_set must be one of {KERNEL_SETS} or None, not {kernel_set!r}")
    return kernel_set == "cpu"


class Op:
    """One step of the forward pass, as prebuilt (kernel, bind group, workgroups(n)) dispatches:
    `decode` for one token, `prefill` for a batch (they differ only for matrix products)."""

    def __init__(self, decode=None, prefill=None):
        self.decode = decode or []
        self.prefill = prefill if prefill is not None else self.decode

    def record(self, rec, n_tokens, decode=True):
        for kernel, group, workgroups in (self.decode if decode else self.prefill):
            rec.dispatch(kernel, group, *workgroups(n_tokens))


class Builder:
    """Makes Ops: compiles each (kernel, constants) once and binds buffers."""

    def __init__(self, device, step, cpu=None):
        """cpu: build the CPU-adapter kernel set (default: if the adapter is one)."""
        cpu = is_cpu_adapter(device) if cpu is None else cpu
        self.device = device
        self.step = step
        self.kernels = {}
        # CPU-backed adapters pay per load and per barrier: there one invocation per row group,
        # and small workgroups so that even 192-row matrices spread over the CPU cores.
        self.threads_per_row, self.matvec_workgroup = (1, 8) if cpu else (8, 64)
        self.matvec_rows = MATVEC_ROWS_CPU if cpu else MATVEC_ROWS
        self.matmul_rows = MATMUL_ROWS_CPU if cpu else MATMUL_ROWS
        self.cpu = cpu

    async def kernel(self, name, **constants):
        key = (name, tuple(sorted(constants.items())))
        if key not in self.kernels:
            self.kernels[key] = await load_kernel(self.device, name, constants)
        return self.kernels[key]

    async def simple(self, name, buffers, workgroups, **constants):
        """An Op of one kernel, the same for decode and prefill."""
        kernel = await self.kernel(name, **constants)
        return Op([(kernel, self.device.bind(kernel, buffers), workgroups)])

    async def linear(self, weight, x, y, accumulate=False, at_pos=False):
        """y = x W^T (or y += ...; rows pos0.. of y when at_pos): matvec to decode, matmul to
        prefill, one dispatch per buffer the weight is split into."""
        op = Op([], [])
        for part in weight.parts:
            constants = dict(FMT=weight.fmt, K=weight.cols, N=part.rows, N_OUT=weight.rows,
                             ROW0=part.row0, ACCUMULATE=accumulate, OUT_AT_POS=at_pos)
            buffers = [self.step, part.quants, part.scales, x, y]
            vec = await self.kernel("matvec", THREADS_PER_ROW=self.threads_per_row,
                                    WORKGROUP=self.matvec_workgroup, ROWS=self.matvec_rows, **constants)
            mat = await self.kernel("matmul", ROWS=self.matmul_rows, **constants)
            groups = ceil_div(part.rows, self.matvec_rows * self.matvec_workgroup // self.threads_per_row)
            op.decode.append((vec, self.device.bind(vec, buffers), lambda n, g=groups: grid(g)))
            op.prefill.append((mat, self.device.bind(mat, buffers), lambda n, rows=part.rows, r=self.matmul_rows: (
                ceil_div(rows, r * 64), ceil_div(n, MATMUL_TOKENS))))
        return op


@dataclass
class Layer:
    attn_norm: Op
    q: Op
    k: Op
    v: Op
    rope_q: Op
    rope_k: Op
    attention: Op
    out: Op
    ffn_norm: Op
    gate: Op
    up: Op
    swiglu: Op
    down: Op


class Model:
    def __init__(self, device, config, weights, max_context, batch, top_k, cpu_kernels=False):
        self.device = device
        self.cpu_kernels = cpu_kernels  # the CPU-adapter kernel set is built (see uses_cpu_kernels)
        self.config = config
        self.weights = weights
        self.max_context = max_context
        self.batch = batch
        self.top_k = top_k
        self.tokens = []               # ids whose keys/values are in the cache, in order
        self.dispatches_per_token = 0  # of the last decode step
        self._decode_step = None       # the decode step's commands, captured at its first use

    @classmethod
    async def load(cls, device, gguf, source, max_context=2048, batch=PREFILL_BATCH, top_k=TOP_K,
                   max_part_bytes=None, kernel_set=None, memory_budget=None):
        """Check and upload the weights, allocate the KV cache and activations, build every Op.
        max_part_bytes: split weights into buffers of at most this size (default: the device's
        largest binding). kernel_set: "cpu" or "gpu" forces that kernel set (default: by adapter).
        memory_budget: bytes of GPU memory the model may take (None: only per-buffer limits)."""
        cpu_kernels = uses_cpu_kernels(device, kernel_set)
        config = model_config(gguf)
        check_model(gguf, config, source.size)  # #14: names an unsupported arch/type first
        plan = plan_memory(gguf, config, max_context, batch)  # #14: before any upload
        check_fits(plan, getattr(device, "max_buffer_size", device.max_binding_size),
                   device.max_binding_size, memory_budget)
        weights = await load_weights(device, gguf, config, source, max_part_bytes)
        max_context = min(max_context, config.context)
        scores_per_token = 16 * config.n_heads * max_context  # at most one vec4 a head
        batch = max(1, min(batch, device.max_binding_size // scores_per_token))
        model = cls(device, config, weights, max_context, batch, min(top_k, 64), cpu_kernels)
        model.memory_plan = plan  # #14: what the UI can show (plan.describe())
        model.rope_factors = rope_factors(gguf, config)  # #14: Llama 3 rope_freqs (else all 1)
        model._allocate()
        await model._build(Builder(device, model.step, cpu_kernels))
        return model

    # -- the network ---------------------------------------------------------------------------
    def forward(self, rec, n, decode, logits=True, masked=False):
        """Record the network over n tokens (ids buffer) at positions pos .. pos+n-1; the top-k of
        the last token's logits, among the allowed ids only when masked."""
        run = lambda op: op.record(rec, n, decode)  # noqa: E731
        run(self.embed)                 # x = token_embd[ids]
        for layer in self.layers:
            run(layer.attn_norm)        # xn = rmsnorm(x) * attn_norm
            run(layer.q)                # q = xn Wq^T
            run(layer.k)                # k, v go straight into cache rows pos ..
            run(layer.v)
            run(layer.rope_q)
            run(layer.rope_k)
            run(layer.attention)        # attn = softmax(q K^T / sqrt(d)) V, causal, grouped heads
            run(layer.out)              # x += attn Wo^T
            run(layer.ffn_norm)         # xn = rmsnorm(x) * ffn_norm
            run(layer.gate)
            run(layer.up)
            run(layer.swiglu)           # gate = silu(gate) * up
            run(layer.down)             # x += gate Wdown^T
        if logits:                      # only the last token's
            row = 4 * self.config.hidden
            rec.copy(self.x, (n - 1) * row, self.last, 0, row)
            for op in self.head:        # final norm, logits
                op.record(rec, 1)
            for op in self.masked_top_k_ops if masked else self.top_k_ops:
                op.record(rec, 1)

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
        raw = await self.device.read(self.logits, 0, 4 * self.config.vocab)
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

    # -- load ------------------------------------------------------------------------------------
    def _allocate(self):
        c, b, ctx = self.config, self.batch, self.max_context
        q_dim, kv_dim = c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim

        def floats(n, label):
            return self.device.create_buffer(4 * n, label=label)

        self.step = floats(4, "step: pos0, n_tokens")
        self.ids = floats(b, "token ids")
        self.x, self.xn = floats(b * c.hidden, "x (residual)"), floats(b * c.hidden, "xn (normed)")
        self.q, self.attn = floats(b * q_dim, "q"), floats(b * q_dim, "attention out")
        self.gate, self.up = floats(b * c.ffn, "ffn gate"), floats(b * c.ffn, "ffn up")
        groups = c.n_heads // heads_per_workgroup(c.n_heads, c.n_kv_heads, c.head_dim)
        self.scores = floats(4 * b * groups * ctx, "attention scores")
        self.k_cache = [floats(ctx * kv_dim, f"k cache {i}") for i in range(c.n_layers)]
        self.v_cache = [floats(ctx * kv_dim, f"v cache {i}") for i in range(c.n_layers)]
        self.last, self.last_norm = floats(c.hidden, "last x"), floats(c.hidden, "last xn")
        self.logits = floats(c.vocab, "logits")
        self.allowed = floats(1 + MAX_ALLOWED, "allowed token ids: count, ids")
        self.allowed_logits = floats(2 * MAX_ALLOWED, "allowed (id, logit) pairs")
        half = c.head_dim // 2
        self.turns = floats(half, "rope turns per position")
        # theta_i / 2pi in double precision on the CPU; the kernel reduces the angle itself.
        # #14: Llama 3's rope_freqs divide each pair's frequency, linear scaling every position.
        factors = getattr(self, "rope_factors", None) or [1.0] * half
        turns = [c.rope_theta ** (-2 * i / c.head_dim) / (2 * math.pi) / factors[i] / c.rope_scale
                 for i in range(half)]
        self.device.write(self.turns, struct.pack(f"<{half}f", *turns))

    async def _build(self, b):
        c, w = self.config, self.weights
        embed = w["token_embd.weight"]
        self.embed = Op([])
        for part in embed.parts:
            kernel = await b.kernel("embed", FMT=embed.fmt, H=c.hidden, N=part.rows, ROW0=part.row0)
            buffers = [self.step, part.quants, part.scales, self.ids, self.x]
            self.embed.decode.append((kernel, self.device.bind(kernel, buffers),
                                      lambda n: (ceil_div(n * c.hidden // 32, 64),)))
        self.layers = [await self._layer(b, i) for i in range(c.n_layers)]
        output = w["token_embd.weight" if c.tied_embeddings else "output.weight"]
        self.head = [await self._norm(b, "output_norm.weight", self.last, self.last_norm),
                     await b.linear(output, self.last_norm, self.logits)]
        self.top_k_ops, self.top = await self._top_k(b, self.logits, c.vocab, pairs=False)
        gather = await b.simple("gather_logits", [self.logits, self.allowed, self.allowed_logits],
                                lambda n: (ceil_div(MAX_ALLOWED, 64),), CAP=MAX_ALLOWED)
        top_k, self.masked_top = await self._top_k(b, self.allowed_logits, MAX_ALLOWED, pairs=True)
        self.masked_top_k_ops = [gather] + top_k

    async def _norm(self, b, name, x, out):
        weight = self.weights[name].parts[0].quants
        return await b.simple("rmsnorm", [x, weight, out], lambda n: (n,),
                              H=self.config.hidden, EPS=self.config.rms_eps)

    async def _rope(self, b, buffer, heads, at_pos):
        pairs = heads * self.config.head_dim // 2
        return await b.simple("rope", [self.step, buffer, self.turns], lambda n: (ceil_div(n * pairs, 64),),
                              N_HEADS=heads, HEAD_DIM=self.config.head_dim, AT_POS=at_pos,
                              NEOX=self.config.rope_neox)  # #14: qwen2 rotates (i, i + d/2)

    async def _layer(self, b, i):
        c = self.config
        w = lambda part: self.weights[f"blk.{i}.{part}.weight"]  # noqa: E731
        k_cache, v_cache = self.k_cache[i], self.v_cache[i]
        heads = heads_per_workgroup(c.n_heads, c.n_kv_heads, c.head_dim)
        if b.cpu and c.head_dim <= ATTENTION_CPU_MAX_DIM:  # barrier-free, one invocation a head
            attention = await b.simple(
                "attention_cpu", [self.step, self.q, k_cache, v_cache, self.attn],
                lambda n: grid(ceil_div(n * c.n_heads, ATTENTION_CPU_WORKGROUP)), N_HEADS=c.n_heads,
                N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, WORKGROUP=ATTENTION_CPU_WORKGROUP)
        else:
            attention = await b.simple(
                "attention", [self.step, self.q, k_cache, v_cache, self.attn, self.scores],
                lambda n: (c.n_heads // heads, n), N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads,
                HEAD_DIM=c.head_dim, MAX_CTX=self.max_context, HEADS=heads)
        swiglu = await b.simple("swiglu", [self.step, self.gate, self.up],
                                lambda n: grid(ceil_div(n * c.ffn, 64)), FFN=c.ffn)
        return Layer(
            attn_norm=await self._norm(b, f"blk.{i}.attn_norm.weight", self.x, self.xn),
            q=await self._biased(b, i, "attn_q", await b.linear(w("attn_q"), self.xn, self.q), self.q),
            k=await self._biased(b, i, "attn_k", await b.linear(w("attn_k"), self.xn, k_cache, at_pos=True),
                                 k_cache, at_pos=True),
            v=await self._biased(b, i, "attn_v", await b.linear(w("attn_v"), self.xn, v_cache, at_pos=True),
                                 v_cache, at_pos=True),
            rope_q=await self._rope(b, self.q, c.n_heads, at_pos=False),
            rope_k=await self._rope(b, k_cache, c.n_kv_heads, at_pos=True),
            attention=attention,
            out=await b.linear(w("attn_output"), self.attn, self.x, accumulate=True),
            ffn_norm=await self._norm(b, f"blk.{i}.ffn_norm.weight", self.x, self.xn),
            gate=await b.linear(w("ffn_gate"), self.xn, self.gate),
            up=await b.linear(w("ffn_up"), self.xn, self.up),
            swiglu=swiglu,
            down=await b.linear(w("ffn_down"), self.gate, self.x, accumulate=True))

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
        """Passes of topk.wgsl from n values (logits, or (id, logit) pairs) down to one slice's
        top_k pairs: (the ops, the buffer holding the result)."""
        ops = []
        while True:
            slices = ceil_div(n, TOPK_SLICE)
            out = self.device.create_buffer(8 * slices * self.top_k, label="top-k pairs")
            ops.append(await b.simple("topk", [source, out], lambda _n, g=ceil_div(slices, 64): (g,),
                                      N=n, K=self.top_k, SLICE=TOPK_SLICE, PAIRS=pairs))
            n, source, pairs = slices * self.top_k, out, True
            if slices == 1:
                return ops, out
