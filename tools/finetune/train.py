"""Quantization-aware LoRA fine-tune of SmolLM2-135M on the generated data (one CUDA GPU, < 10 min).

    PYTHONPATH=py:. python3 -m tools.finetune.train MODEL.gguf DATA.npz OUTDIR SPOT.json

1. The base = the pinned GGUF, dequantized (Q4_1 matrices, Q8_0 embedding), as a transformers
   LlamaForCausalLM (Q/K rows un-permuted from llama.cpp's order; qlora.py, the model side).
2. Self-distillation: the base's own greedy replies to the general-chat prompts become their targets.
3. LoRA on q/k/v/o/gate/up/down; the forward pass uses fake-quant Q4_1 of (W0 + scale * B A) with a
   straight-through estimator, so what is learned survives re-quantization. Loss only on targets,
   plus KL(base || tuned) over every token of the general-chat rows and of plain text the base
   samples itself from everyday openings: what keeps general text as likely as it was.
4. Eval on the held-out split, base vs the *re-quantized* merged model (quant.py, as merge.py):
   constrained-greedy tool choice and whole call, phase-2 target choice, chat spot checks.
Writes OUTDIR/lora.npz (fp16, B rows in GGUF order), config.json, metrics.json, loss.png.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from webgpu_llm.byte_sources import FileSource
from webgpu_llm.gguf import read_gguf

from . import quant
from .qlora import DEV, PERMUTED, TARGETS, QLoRA, load_base, requantized_copy, set_plain, wrap

CFG = {"rank": 12, "alpha": 24, "lr": 2e-3, "epochs": 2, "batch_tokens": 16384, "seed": 11,
       "warmup": 30, "chat_new_tokens": 96, "weight_decay": 0.0, "kl": 2.0, "plain_texts": 4400,
       "plain_tokens": 128}
SPOT = ["What is the capital of France?", "Write a haiku about the sea.", "What is 12 plus 7?",
        "Who are you?", "Give me two tips for sleeping better.", "Explain gravity in one sentence."]
# Openings of the plain texts the base continues (sampled): everyday prose of many kinds.
PLAIN_SEEDS = ["The", "In", "A", "When", "It was", "My", "Our", "This", "There are", "Many people", "One of the",
               "After", "Before the", "If you", "Although", "Today", "Last year", "Scientists", "The history of",
               "How to", "Once upon a time", "Dear", "According to", "Researchers", "The city of", "Most",
               "Children", "In 19", "Chapter", "Introduction", "The first", "She", "He", "We", "They", "I think",
               "Why do", "What is", "Step 1", "The best way to", "During the", "For example,", "Some",
               "Every morning", "The weather", "Music", "The company", "Water", "On the other hand,", "Yes,"]


def general_kl(model, logits, x, mask, rows):
    """KL(base || tuned) of the next-token distributions over every token of the given rows
    (general chat, plain text): a greedy reply alone pins one token a position, the base's whole
    distribution keeps the model's general language where it was."""
    with torch.no_grad():
        QLoRA.base_only = True
        with torch.autocast("cuda", torch.bfloat16):
            teacher = model(input_ids=x[rows], attention_mask=mask[rows]).logits[:, :-1].float()
        QLoRA.base_only = False
        teacher = F.log_softmax(teacher, -1)
    student = F.log_softmax(logits[rows, :-1].float(), -1)
    per_pos = (teacher.exp() * (teacher - student)).sum(-1)
    keep = mask[rows, 1:].float()
    return (per_pos * keep).sum() / keep.sum()


def plain_texts(model, model_path, n, new_tokens):
    """n texts the base writes on its own (sampled) after PLAIN_SEEDS, as token ids."""
    from webgpu_llm.tokenizer import Tokenizer
    tokenizer = Tokenizer.from_gguf(read_gguf(FileSource(model_path)))
    seeds = [np.array(tokenizer.encode(PLAIN_SEEDS[k % len(PLAIN_SEEDS)]), np.int64) for k in range(n)]
    return [np.concatenate([s, np.array(r, np.int64)]) for s, r in zip(seeds, distill(model, seeds, new_tokens, True))]


def with_plain(data, seqs, tl, texts, held):
    """The plain texts appended as rows of kind 4: no target (KL only), the first `held` held out."""
    n = len(texts)
    data["kind"] = np.concatenate([data["kind"], np.full(n, 4, np.int8)])
    data["held"] = np.concatenate([data["held"], np.arange(n) < held])
    return seqs + texts, np.concatenate([tl, np.zeros(n, np.int64)])


@torch.no_grad()
def mean_nll(model, seqs, tl, idx):
    """Mean NLL (nats a token) of the rows' last tl tokens."""
    tot, cnt = 0.0, 0
    for s in range(0, len(idx), 64):
        x, y, mask = collate(seqs, tl, idx[s:s + 64])
        with torch.autocast("cuda", torch.bfloat16):
            lg = model(input_ids=x, attention_mask=mask).logits.float()
        tot += float(F.cross_entropy(lg[:, :-1].reshape(-1, lg.shape[-1]), y[:, 1:].reshape(-1), reduction="sum"))
        cnt += int((y[:, 1:] != -100).sum())
    return tot / max(cnt, 1)


def examples(data):
    off, ids = data["offsets"], data["ids"]
    return [ids[off[i]:off[i + 1]].astype(np.int64) for i in range(len(off) - 1)]


@torch.no_grad()
def distill(model, prompts, new_tokens, sample=False):
    """The base model's greedy (or sampled) replies (ids, ending with <|im_end|> when it ended)."""
    out = []
    for s in range(0, len(prompts), 256):
        chunk = prompts[s:s + 256]
        n = max(len(p) for p in chunk)
        x = torch.full((len(chunk), n), 2, dtype=torch.long)
        mask = torch.zeros_like(x)
        for j, p in enumerate(chunk):
            x[j, n - len(p):], mask[j, n - len(p):] = torch.from_numpy(p), 1
        with torch.autocast("cuda", torch.bfloat16):
            g = model.generate(input_ids=x.to(DEV), attention_mask=mask.to(DEV), do_sample=sample,
                               max_new_tokens=new_tokens, eos_token_id=2, pad_token_id=2,
                               **({"temperature": 1.0, "top_p": 0.95, "top_k": 0} if sample else {}))
        for row in g[:, n:].tolist():
            out.append(row[:row.index(2) + 1] if 2 in row else row)
    return out


def batches(seqs, tlens, budget, rng):
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    groups, cur, longest = [], [], 0
    for i in order:
        longest2 = max(longest, len(seqs[i]))
        if cur and longest2 * (len(cur) + 1) > budget:
            groups.append(cur)
            cur, longest2 = [], len(seqs[i])
        cur.append(i)
        longest = longest2
    groups.append(cur)
    rng.shuffle(groups)
    return groups


def collate(seqs, tlens, idx):
    n = max(len(seqs[i]) for i in idx)
    x = torch.full((len(idx), n), 2, dtype=torch.long)
    y = torch.full((len(idx), n), -100, dtype=torch.long)
    mask = torch.zeros((len(idx), n), dtype=torch.long)
    for j, i in enumerate(idx):
        s = torch.from_numpy(seqs[i])
        x[j, :len(s)], mask[j, :len(s)] = s, 1
        y[j, len(s) - tlens[i]:len(s)] = s[len(s) - tlens[i]:]
    return x.to(DEV), y.to(DEV), mask.to(DEV)


@torch.no_grad()
def evaluate(model, data, seqs, which):
    """Per held example: tool right, whole target right (constrained greedy, teacher-forced)."""
    allowed, aoff, tl, tt = data["allowed"], data["allowed_off"], data["target_len"], data["tool_tokens"]
    starts = np.concatenate([[0], np.cumsum(data["target_len0"])])   # allowed sets: original lengths
    res = {}
    for s in range(0, len(which), 64):
        idx = which[s:s + 64]
        x, _, mask = collate(seqs, tl, idx)
        with torch.autocast("cuda", torch.bfloat16):
            logits = model(input_ids=x, attention_mask=mask).logits.float()
        for j, i in enumerate(idx):
            L = len(seqs[i])
            ok_tool, ok_all = True, True
            for k in range(tl[i]):
                a = allowed[aoff[starts[i] + k]:aoff[starts[i] + k + 1]]
                if len(a) == 1 and a[0] >= 0:
                    continue
                row = logits[j, L - tl[i] + k - 1]
                pick = int(row.argmax()) if a[0] < 0 else int(a[int(row[torch.from_numpy(a).long().to(DEV)].argmax())])
                if pick != seqs[i][L - tl[i] + k]:
                    ok_all = False
                    ok_tool = ok_tool and k >= tt[i]
            res[int(i)] = (ok_tool, ok_all)
    return res


def summarize(res, data):
    names = [str(n) for n in data["tool_names"]]
    out = {}
    for kind, label in ((0, "tool"), (1, "target")):
        rows = [(i, r) for i, r in res.items() if data["kind"][i] == kind]
        per = {}
        for i, (t, a) in rows:
            per.setdefault(names[data["tool"][i]], []).append((t, a))
        out[label] = {"n": len(rows), "tool_acc": float(np.mean([t for _, (t, _) in rows])),
                      "exact_acc": float(np.mean([a for _, (_, a) in rows])),
                      "per_tool": {k: round(float(np.mean([t for t, _ in v])), 3) for k, v in sorted(per.items())}}
    return out


@torch.no_grad()
def spot(model, prompts_ids):
    return [r for r in distill(model, prompts_ids, 60)]


def main(model_path, data_path, out_dir, spot_path):
    t0 = time.time()
    torch.manual_seed(CFG["seed"])
    torch.backends.cuda.matmul.allow_tf32 = False
    data = dict(np.load(data_path))
    spot_ids = [np.array(x, np.int64) for x in json.load(open(spot_path))]
    model, w = load_base(model_path)
    seqs, tl = examples(data), data["target_len"].astype(np.int64).copy()
    data["target_len0"] = data["target_len"].copy()
    chat = np.flatnonzero(data["kind"] == 3)
    replies = distill(model, [seqs[i] for i in chat], CFG["chat_new_tokens"])
    for i, r in zip(chat, replies):
        seqs[i] = np.concatenate([seqs[i], np.array(r, np.int64)])
        tl[i] = len(r)
    plain = plain_texts(model, model_path, CFG["plain_texts"], CFG["plain_tokens"])
    seqs, tl = with_plain(data, seqs, tl, plain, held=400)
    held_plain = [int(i) for i in np.flatnonzero(data["kind"] == 4)[:400]]
    data["target_len"] = tl
    t_distill = time.time() - t0
    held = [int(i) for i in np.flatnonzero(data["held"] & (data["kind"] <= 1))]
    before = summarize(evaluate(model, data, seqs, held), data)
    spot_before = spot(model, spot_ids)
    held_chat = [int(i) for i in chat if data["held"][i]][:200]
    train_idx = [int(i) for i in np.flatnonzero(~data["held"])]
    scale = CFG["alpha"] / CFG["rank"]
    for p in model.parameters():
        p.requires_grad_(False)
    mods = wrap(model, CFG["rank"], scale)
    params = [p for m in mods.values() for p in (m.a, m.b)]
    opt = torch.optim.AdamW(params, lr=CFG["lr"], weight_decay=CFG["weight_decay"])
    pyrng = __import__("random").Random(CFG["seed"])
    plan = [g for _ in range(CFG["epochs"]) for g in
            batches([seqs[i] for i in train_idx], None, CFG["batch_tokens"], pyrng)]
    total, losses = len(plan), []
    model.train()
    t_train = time.time()
    for step, g in enumerate(plan):
        lr = CFG["lr"] * min(1, (step + 1) / CFG["warmup"]) * 0.5 * (1 + math.cos(math.pi * step / total))
        for group in opt.param_groups:
            group["lr"] = lr
        idx = [train_idx[j] for j in g]
        x, y, mask = collate(seqs, tl, idx)
        with torch.autocast("cuda", torch.bfloat16):
            logits = model(input_ids=x, attention_mask=mask).logits
        targets = y[:, 1:].reshape(-1)  # a batch of plain texts only has none
        loss = F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]), targets,
                               reduction="sum") / (targets != -100).sum().clamp(min=1)
        rows = [j for j, i in enumerate(idx) if data["kind"][i] >= 3]
        if rows and CFG["kl"]:
            loss = loss + CFG["kl"] * general_kl(model, logits, x, mask, torch.tensor(rows, device=DEV))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(loss))
        if step % 50 == 0:
            print(f"step {step}/{total} loss {losses[-1]:.4f} {time.time() - t0:.0f}s", flush=True)
    t_train = time.time() - t_train
    model.eval()
    set_plain(model, mods, requantized_copy(model, mods, w, scale))
    after = summarize(evaluate(model, data, seqs, held), data)
    spot_after = spot(model, spot_ids)
    # held-out general text, NLL under the tuned (re-quantized) model and the base: the base's own
    # greedy chat replies, and its own sampled plain texts (each after its opening)
    whole = tl.copy()
    whole[held_plain] = [len(seqs[i]) - 1 for i in held_plain]
    nll, plain_nll = {}, {}
    for name in ("tuned", "base"):
        if name == "base":
            set_plain(model, mods, None)
        nll[name], plain_nll[name] = mean_nll(model, seqs, tl, held_chat), mean_nll(model, seqs, whole, held_plain)
    save(out_dir, mods, scale, losses)
    metrics = {"config": CFG, "before": before, "after": after, "chat_nll": nll,
               "chat_ppl_ratio": math.exp(nll["tuned"] - nll["base"]), "plain_nll": plain_nll,
               "plain_ppl_ratio": math.exp(plain_nll["tuned"] - plain_nll["base"]),
               "spot_before": spot_before, "spot_after": spot_after, "losses": losses,
               "seconds": {"distill": t_distill, "train": t_train, "total": time.time() - t0},
               "distilled_sample": replies[:20]}
    json.dump(metrics, open(f"{out_dir}/metrics.json", "w"))
    print(json.dumps({k: metrics[k] for k in ("before", "after", "chat_nll", "chat_ppl_ratio", "plain_ppl_ratio",
                                              "seconds")}, indent=1))


def save(out_dir, mods, scale, losses):
    arrays = {}
    for (i, hf), m in mods.items():
        b = m.b.detach().float().cpu().numpy()
        if hf in PERMUTED:
            b = quant.permute_rows(b, PERMUTED[hf])
        arrays[f"blk.{i}.{TARGETS[hf]}.weight.a"] = m.a.detach().cpu().numpy().astype(np.float16)
        arrays[f"blk.{i}.{TARGETS[hf]}.weight.b"] = b.astype(np.float16)
    np.savez(f"{out_dir}/lora.npz", **arrays)
    json.dump({"rank": CFG["rank"], "alpha": CFG["alpha"], "scale": scale, "train": CFG},
              open(f"{out_dir}/config.json", "w"), indent=1)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure(figsize=(7, 3.5))
    plt.plot(losses, lw=0.6, alpha=0.5, label="batch loss")
    k = 20
    if len(losses) > k:
        plt.plot(range(k - 1, len(losses)), np.convolve(losses, np.ones(k) / k, "valid"), label=f"mean of {k}")
    plt.xlabel("step")
    plt.ylabel("loss (target tokens)")
    plt.title("QAT LoRA fine-tune of SmolLM2-135M (Q4_1) on to-do tool calls")
    plt.legend()
    plt.tight_layout()
    plt.savefig(f"{out_dir}/finetune-loss.png", dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:5])
