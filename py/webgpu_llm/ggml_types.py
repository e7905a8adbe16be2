"""ggml's tensor types: id, name, block size (elements) and block bytes, and which ones this engine
runs. Pure data and arithmetic, no I/O (gguf.py re-exports these names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GGMLType:
    type_id: int
    name: str
    block_size: int  # elements per block
    block_bytes: int  # bytes per block
    supported: bool  # whether this engine can run tensors of this type


# (id, name, block size, block bytes) for every type ggml currently knows.
# Q8_1 is 2 halves + 32 int8 = 36 bytes in today's ggml (older code said 40);
# it only exists as a runtime type, never in files.
GGML_TYPE_ROWS = [
    (0, "F32", 1, 4), (1, "F16", 1, 2), (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22), (7, "Q5_1", 32, 24), (8, "Q8_0", 32, 34), (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84), (11, "Q3_K", 256, 110), (12, "Q4_K", 256, 144),
    (13, "Q5_K", 256, 176), (14, "Q6_K", 256, 210), (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66), (17, "IQ2_XS", 256, 74), (18, "IQ3_XXS", 256, 98),
    (19, "IQ1_S", 256, 50), (20, "IQ4_NL", 32, 18), (21, "IQ3_S", 256, 110),
    (22, "IQ2_S", 256, 82), (23, "IQ4_XS", 256, 136), (24, "I8", 1, 1), (25, "I16", 1, 2),
    (26, "I32", 1, 4), (27, "I64", 1, 8), (28, "F64", 1, 8), (29, "IQ1_M", 256, 56),
    (30, "BF16", 1, 2), (34, "TQ1_0", 256, 54), (35, "TQ2_0", 256, 66),
    (39, "MXFP4", 32, 17), (40, "NVFP4", 64, 36), (41, "Q1_0", 128, 18),
]
SUPPORTED_TYPE_NAMES = frozenset({"F32", "F16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                  "Q4_K", "Q5_K", "Q6_K"})
GGML_TYPES = {
    row[0]: GGMLType(*row, supported=row[1] in SUPPORTED_TYPE_NAMES) for row in GGML_TYPE_ROWS
}
GGML_TYPES_BY_NAME = {t.name: t for t in GGML_TYPES.values()}


def is_whole_blocks(ggml_type: GGMLType, n_elements: int) -> bool:
    """Whether ``n_elements`` (a row: ggml blocks never straddle rows) fills whole blocks."""
    return n_elements % ggml_type.block_size == 0


def tensor_nbytes(ggml_type: GGMLType, n_elements: int) -> int:
    """Bytes of ``n_elements`` stored as ``ggml_type`` (whole blocks)."""
    return n_elements // ggml_type.block_size * ggml_type.block_bytes
