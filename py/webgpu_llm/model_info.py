"""What a GGUF is and whether it can run here, from its header alone (#14: the model picker).

Before a model is copied or downloaded, the app reads only the first bytes of the file (the
header: metadata + tensor table, usually 1–8 MB), never the weights:

    gguf = await read_header(read_prefix, file_size)   # read_prefix(n) -> the first n bytes
    info = inspect_model(gguf, file_size)               # ModelInfo, or GGUFError naming the problem
    problem = fit_problem(info, limits, storage_free)   # a sentence, or None when it fits

`inspect_model` runs the same checks `Model.load` runs (architecture, tensor types and shapes, a
truncated file) plus the tokenizer's and the chat template's, so an unsupported file is named
before any byte is stored. Pure Python: natively, in the page and in the worker.
"""
from dataclasses import asdict, dataclass

from .gguf import GGUFError, read_gguf
from .model_config import model_config
from .memory_plan import MemoryPlan, check_fits, plan_memory
from .tokenizer import PRE_TOKENIZERS
from .weights import check_model

HEADER_FIRST_READ = 1 << 20   # most headers (SmolLM2: ~1.6 MB) need one or two reads
HEADER_MAX = 128 << 20        # a header beyond this is not a model we could run in a browser
DEFAULT_CONTEXT = 2048        # engine.DEFAULT_CONTEXT (not imported: engine pulls in jinja2)
MIB = 1 << 20


class PrefixSource:
    """A byte source over the first bytes of a file of `size` bytes. `cut_short` says whether the
    last read was cut by the end of the prefix (not of the file): then a parse error there may
    only mean "read more"."""

    def __init__(self, prefix, size):
        self.prefix, self.size, self.cut_short = bytes(prefix), size, False

    def read(self, offset, size):
        data = self.prefix[offset:offset + size]
        self.cut_short = len(data) < size and offset + size <= self.size and len(self.prefix) < self.size
        return data


async def read_header(read_prefix, size, first=HEADER_FIRST_READ, limit=HEADER_MAX):
    """The parsed header (gguf.GGUFFile over a PrefixSource) of a file of `size` bytes.
    `read_prefix(n)` is async and returns the file's first n bytes; it is called with growing n
    until the header parses. Raises GGUFError for a file that is not a GGUF we can read."""
    n = min(size, first)
    while True:
        source = PrefixSource(await read_prefix(n), size)
        if len(source.prefix) < n:
            raise GGUFError(f"could read only {len(source.prefix)} of the first {n} bytes of the file")
        try:
            return read_gguf(source)
        except GGUFError:
            if not source.cut_short or n >= size:
                raise
            if n >= limit:
                raise GGUFError(f"the header (metadata and tensor table) is larger than "
                                f"{limit // MIB} MiB") from None
            n = min(size, n * 4, limit)


@dataclass(frozen=True)
class ModelInfo:
    name: str            # general.name, else "" (the caller falls back to the file name)
    architecture: str    # general.architecture, e.g. "llama", "qwen2"
    parameters: int      # elements of every tensor
    quantization: str    # tensor types by share of the parameters, e.g. "Q4_1 86%, Q8_0 14%"
    size: int            # bytes of the file (what it takes on disk)
    plan: dict           # memory_plan.MemoryPlan's fields (GPU / wasm memory at its context)

    @property
    def memory_plan(self):
        return MemoryPlan(**{**self.plan, "largest_row": tuple(self.plan["largest_row"])})

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def inspect_model(gguf, size, context=DEFAULT_CONTEXT):
    """ModelInfo of a parsed header, or GGUFError naming the first thing this engine cannot run
    (architecture, tensor type, missing/odd tensor, truncated file, tokenizer, chat template)."""
    config = model_config(gguf)
    check_model(gguf, config, size)
    check_tokenizer(gguf.metadata)
    plan = plan_memory(gguf, config, context)
    name = gguf.metadata.get("general.name")
    return ModelInfo(name=name if isinstance(name, str) else "", architecture=config.arch,
                     parameters=sum(t.n_elements for t in gguf.tensors.values()),
                     quantization=quantization_text(gguf.tensors.values()), size=size,
                     plan=asdict(plan))


def check_tokenizer(meta):
    """The checks Tokenizer.from_metadata and ChatTemplate.from_gguf make, without building them."""
    model = meta.get("tokenizer.ggml.model")
    if model != "gpt2":
        raise GGUFError(f"unsupported tokenizer {model!r} (tokenizer.ggml.model): this engine runs "
                        "byte-level BPE ('gpt2') tokenizers only")
    pre = meta.get("tokenizer.ggml.pre", "smollm")
    if pre not in PRE_TOKENIZERS:
        raise GGUFError(f"unsupported pre-tokenizer {pre!r} (tokenizer.ggml.pre): this engine "
                        f"knows {', '.join(PRE_TOKENIZERS)}")
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.chat_template"):
        if key not in meta:
            raise GGUFError(f"metadata {key!r} is missing")


def quantization_text(tensors):
    """Tensor types by their share of the parameters, largest first; shares under 1% left out."""
    counts = {}
    for tensor in tensors:
        counts[tensor.type_name] = counts.get(tensor.type_name, 0) + tensor.n_elements
    total = sum(counts.values()) or 1
    shares = sorted(((n / total, name) for name, n in counts.items()), reverse=True)
    if len(shares) == 1:
        return shares[0][1]
    return ", ".join(f"{name} {share:.0%}" for share, name in shares if share >= 0.01)


def parameters_text(n):
    """135,000,000 -> "135M"; 1,540,000,000 -> "1.5B"."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)


def bytes_text(n):
    """1_234_567 -> "1.2 MB" (decimal units, as browsers and disks show sizes)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


# The CPU kernels' linear memory: kernels-mt.wasm declares 2 GiB (tools/wasm_build.MAX_MEMORY).
WASM_MEMORY = 1 << 31


def fit_problem(info, limits, storage_free=None):
    """Why the model cannot be used here (a sentence for the user), or None.

    limits: {"backend": "webgpu"|"wasm", "max_buffer": bytes, "max_binding": bytes,
    "budget": bytes or None} for the device the app would load it on; storage_free: bytes this
    site may still store (None: unknown, not checked)."""
    if storage_free is not None and info.size > storage_free:
        return (f"Not enough storage space: the model needs {bytes_text(info.size)} on disk, "
                f"but only {bytes_text(storage_free)} are free for this site. Delete a stored "
                "model or free disk space, then try again.")
    where = "the CPU's WebAssembly memory" if limits.get("backend") == "wasm" else "this GPU"
    try:
        check_fits(info.memory_plan, limits["max_buffer"], limits["max_binding"], limits.get("budget"),
                   device="CPU" if limits.get("backend") == "wasm" else "GPU")
    except GGUFError as error:
        return f"This model cannot run on {where}: {error}."
    return None
