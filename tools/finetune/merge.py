"""Pinned base GGUF + committed LoRA delta -> the tuned GGUF (CPU, numpy only), byte for byte.

    PYTHONPATH=py:. python3 -m tools.finetune.merge BASE.gguf DELTA.npz CONFIG.json OUT.gguf

The output is the base file with only the delta's tensors rewritten: each Q4_1 matrix is
dequantized, W + scale * (B @ A) is added in a fixed order (quant.merged) and re-quantized with
llama.cpp's reference rounding (quant.quantize_q4_1). Q4_1 keeps its size, so the header, the
metadata, the tensor table and every other tensor stay byte-identical.
"""
import argparse
import json
import shutil
import sys

import numpy as np

from webgpu_llm.byte_sources import FileSource
from webgpu_llm.gguf import read_gguf

from tools.vendor import sha256_of

from . import quant


def delta_tensors(delta):
    """{tensor name: (a, b)} from the npz's "<name>.a" / "<name>.b" arrays."""
    names = sorted({k.rsplit(".", 1)[0] for k in delta.files})
    return {n: (delta[n + ".a"], delta[n + ".b"]) for n in names}


def merge(base_path, delta_path, config_path, out_path):
    gguf = read_gguf(FileSource(str(base_path)))
    scale = float(json.load(open(config_path))["scale"])
    with np.load(delta_path) as delta:
        pairs = delta_tensors(delta)
    shutil.copyfile(base_path, out_path)
    with open(out_path, "r+b") as out:
        for name, (a, b) in pairs.items():
            info = gguf.tensors[name]
            if info.type_name != "Q4_1":
                raise SystemExit(f"{name}: only Q4_1 matrices can take a delta, not {info.type_name}")
            cols, rows = info.shape
            if a.shape != (a.shape[0], cols) or b.shape != (rows, a.shape[0]):
                raise SystemExit(f"{name}: delta shapes {a.shape} {b.shape} do not fit {rows}x{cols}")
            w0 = quant.dequantize(gguf.tensor_bytes(name), "Q4_1", rows, cols)
            raw = quant.quantize_q4_1(quant.merged(w0, a, b, scale))
            assert len(raw) == info.nbytes
            out.seek(info.offset)
            out.write(raw)
    return sorted(pairs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base")
    parser.add_argument("delta")
    parser.add_argument("config")
    parser.add_argument("out")
    parser.add_argument("--sha256", help="fail unless the result has this sha256")
    args = parser.parse_args(argv)
    names = merge(args.base, args.delta, args.config, args.out)
    got = sha256_of(args.out)
    print(f"{len(names)} tensors merged -> {args.out} (sha256 {got})")
    if args.sha256 and got != args.sha256:
        print(f"sha256 mismatch: expected {args.sha256}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
