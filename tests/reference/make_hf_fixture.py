"""Write tests/fixtures/hf_top20_logits.json: Hugging Face transformers' top-20 next-token logits
for a few prompts on the real GGUF (transformers dequantizes it to float32 and runs its own llama
code, with its own RoPE on un-permuted Q/K), so the numpy reference and the GPU engine can be
checked against an implementation we did not write.

Needs torch + transformers (not test dependencies): run once in a scratch venv,
    python -m venv hf && hf/bin/pip install torch transformers gguf numpy
    hf/bin/python tests/reference/make_hf_fixture.py [MODEL.gguf]
"""
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "py"))
OUT = ROOT / "tests/fixtures/hf_top20_logits.json"
MODEL = Path.home() / ".cache/todo-assistant/models/SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPTS = ["What is the capital of France?",
           "Add 'buy milk' to my to-do list and remind me at 5 pm.",
           "List three ways to stay focused while working from home."]


def prompt_ids(path):
    from webgpu_llm.chat_template import ChatTemplate
    from webgpu_llm.gguf import FileSource, read_gguf
    from webgpu_llm.tokenizer import Tokenizer
    gguf = read_gguf(FileSource(path))
    tokenizer, template = Tokenizer.from_gguf(gguf), ChatTemplate.from_gguf(gguf)
    return [template.prompt_ids([{"role": "user", "content": p}], tokenizer) for p in PROMPTS]


def main(path=MODEL):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    path = Path(path)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, torch_dtype=torch.float32)
    model.eval()
    cases = []
    for text, ids in zip(PROMPTS, prompt_ids(path)):
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1]
        top = torch.topk(logits, 20)
        cases.append({"prompt": text, "ids": ids, "top_ids": top.indices.tolist(),
                      "top_logits": [round(v, 5) for v in top.values.tolist()]})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    write({"model": {"file": path.name, "sha256": digest},
           "made_with": f"transformers {transformers.__version__}, torch {torch.__version__}, float32",
           "cases": cases})
    print(f"wrote {OUT}")


def write(fixture):
    """One line per field of a case: short enough to read, diff and review."""
    cases = ",\n".join("  {" + ",\n   ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in case.items()) + "}"
                       for case in fixture["cases"])
    head = {k: v for k, v in fixture.items() if k != "cases"}
    OUT.write_text(json.dumps(head)[:-1] + ',\n "cases": [\n' + cases + "\n ]}\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
