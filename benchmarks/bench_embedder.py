"""LLMEmbedder against a plain transformers loop, and load times of the default model.

    python benchmarks/bench_embedder.py [--windows 256] [--quick]

Both embed the same prompts (the same text, so the same tokens) in one run:
- plain: AutoModelForCausalLM in float32, batches of 32 in input order, padded to
  the longest prompt of each batch, last layer, last token;
- llmiso: LLMEmbedder's defaults (dtype="auto", length-sorted batches of 32, the
  base model without its LM head).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _data import real_windows  # noqa: E402


def plain_loop(folder, prompts, batch_size=32, layer=-1):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    out = []
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(prompts), batch_size):
            batch = tokenizer(prompts[i : i + batch_size], return_tensors="pt", padding=True)
            states = model(**batch, output_hidden_states=True).hidden_states[layer]
            last = batch["attention_mask"].sum(dim=1) - 1
            out.append(states[torch.arange(len(last)), last].numpy())
    return np.vstack(out), time.perf_counter() - start


def matmul_gflops(dtype, n=2048, repeats=10, rounds=5):
    """This machine's ceiling: the best rate of a large square matrix product.

    The best of several rounds, since a noisy neighbour only ever slows a round.
    """
    import torch

    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b  # warm-up
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = max(best, 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9)
    return best


def load_seconds(code, env=None):
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if run.returncode:
        raise RuntimeError(run.stderr)
    return [float(x) for x in run.stdout.split()[-2:]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=256)
    parser.add_argument("--quick", action="store_true",
                        help="8 windows; no ceilings, no loads in fresh processes")
    args = parser.parse_args()
    n = 8 if args.quick else args.windows

    from llmiso import LLMEmbedder
    from llmiso.embedding import load_model, resolve_model_path

    X = real_windows(n)
    embedder = LLMEmbedder().fit(X)  # loads (and if needed converts) the model
    loaded = load_model("smollm2-135m")
    prompts = embedder.prompts(X)
    tokens = sum(len(ids) for ids in loaded.tokenizer(prompts)["input_ids"])

    embedder.transform(X[:4])  # warm-up: first-call allocations
    start = time.perf_counter()
    ours = embedder.transform(X)
    ours_s = time.perf_counter() - start
    plain, plain_s = plain_loop(resolve_model_path("smollm2-135m"), prompts)
    cos = (
        np.sum(ours * plain, axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(plain, axis=1)
    )

    print(f"windows: {n} x 24 values, {tokens} tokens, dtype of llmiso: {loaded.dtype}")
    print(f"plain loop (fp32, input order): {plain_s:7.2f} s  {tokens / plain_s:8.0f} tokens/s")
    print(f"LLMEmbedder                   : {ours_s:7.2f} s  {tokens / ours_s:8.0f} tokens/s")
    print(f"speed-up                      : {plain_s / ours_s:7.2f}x")
    print(f"cosine(llmiso, plain) per window: min {cos.min():.4f}, mean {cos.mean():.4f}")
    # The plain loop is an independent reference: a speed-up with other states is no speed-up.
    if cos.min() < 0.999:
        sys.exit(
            f"FAILED: llmiso's embeddings differ from the plain loop's (min cosine {cos.min():.4f})"
        )

    # Below the last layer the forward pass stops after the deepest requested block.
    middle = LLMEmbedder(layer=24).fit(X)
    start = time.perf_counter()
    middle.transform(X)
    middle_s = time.perf_counter() - start
    print(f"layer 24 of 30 (the pass stops there): {middle_s:7.2f} s = "
          f"{middle_s / ours_s:.2f} of the last layer's time")
    forecasting(X, n)
    if args.quick:
        return

    import torch

    # The yardstick: 2 x 135M FLOPs per token. The token-embedding matrix is
    # a lookup, not a product, so 2 x (parameters - embeddings) is the real cost.
    total = sum(p.numel() for p in loaded.model.parameters())
    lookup = loaded.model.get_input_embeddings().weight.numel()
    ceilings = {dtype: matmul_gflops(dtype) for dtype in {loaded.dtype, torch.float32}}
    for convention, per_token in [
        ("2 x 135M", 2 * 135e6),
        ("2 x non-embedding", 2 * (total - lookup)),
    ]:
        for label, dtype, seconds in [
            ("LLMEmbedder", loaded.dtype, ours_s),
            ("plain loop", torch.float32, plain_s),
        ]:
            ceiling = ceilings[dtype]
            achieved = tokens * per_token / seconds / 1e9
            print(f"[{convention} FLOPs/token] {label:11s}: {achieved:6.1f} GFLOP/s; "
                  f"{str(dtype).split('.')[-1]} matmul ceiling here {ceiling:6.1f} GFLOP/s "
                  f"-> {achieved / ceiling:.0%}")

    # A fresh process: the first load pays transformers' lazy imports; the second,
    # after the process-wide cache is cleared, is the load of the weights alone.
    load_twice = (
        "import time; import llmiso.embedding as m; t = time.perf_counter(); "
        "m.load_model('smollm2-135m'); first = time.perf_counter() - t; "
        "m.clear_model_cache(); t = time.perf_counter(); m.load_model('smollm2-135m'); "
        "print(first, time.perf_counter() - t)"
    )
    first_s, warm_s = load_seconds(load_twice)
    print(f"first load in a fresh process (imports included): {first_s:.2f} s")
    print(f"warm load (converted cache, weights only): {warm_s:.2f} s")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, LLMISO_HOME=home)
        cold_s, _ = load_seconds(load_twice, env)
        print(f"cold load (GGUF conversion, fresh process): {cold_s:.2f} s")


def forecasting(X, n):
    """The forecaster's default embedder (digits, layer 12 of 30, dtype auto) on its own
    prompts, against the plain float32 loop on the same prompts, at the same layer."""
    from llmiso.embedding import resolve_model_path
    from llmiso.forecasting import forecasting_embedder

    embedder = forecasting_embedder().fit(X)
    prompts = embedder.prompts(X)
    embedder.transform(X[:4])
    start = time.perf_counter()
    ours = embedder.transform(X)
    ours_s = time.perf_counter() - start
    layer = embedder.layers_[0]  # 1..n_layers: hidden_states[layer] is that block's output
    plain, plain_s = plain_loop(resolve_model_path("smollm2-135m"), prompts, layer=layer)
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(plain, axis=1)
    cos = np.sum(ours * plain, axis=1) / norms
    print(f"forecasting_embedder() on its {n} prompts: {ours_s:7.2f} s; the plain fp32 loop on "
          f"the same prompts, hidden state {layer}: {plain_s:7.2f} s; speed-up "
          f"{plain_s / ours_s:.2f}x; cosine min {cos.min():.4f}, mean {cos.mean():.4f}")


if __name__ == "__main__":
    main()
