"""One pass over each series against one prompt per window, in the same run.

    python benchmarks/bench_series.py [--quick]

Both embed every window of 24 values of sktime's airline, lynx and PBS series with
the default model (last layer, last token):
- per window: ``LLMEmbedder.transform`` on the sliding windows (each window its own
  prompt, scaled by its own mean absolute value);
- one pass: ``LLMEmbedder.embed_series`` with several strides (chunks of
  ``24 + stride - 1`` values, the state after each of the last ``stride`` values
  read; the largest stride writes each series as one prompt).
It prints the tokens each way reads, the seconds, the speed-up, and how close the
states are (cosine per window, both centered on the per-window mean): they differ
because a state of the one-pass mode has read more context and a per-chunk scale.
"""

import argparse
import sys
import time

import numpy as np


def series(quick):
    from sktime.datasets import load_airline, load_lynx, load_PBS_dataset

    loads = [load_airline] if quick else [load_airline, load_lynx, load_PBS_dataset]
    return [np.asarray(load(), dtype=float).ravel() for load in loads]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny model, airline only")
    args = parser.parse_args()
    from tqdm.auto import tqdm

    from llmiso import LLMEmbedder
    from llmiso.embedding import load_model

    model = "tiny-random-llama" if args.quick else "smollm2-135m"
    window = 24
    embedder = LLMEmbedder(model).fit(np.zeros((1, window)))
    tokenizer = load_model(model).tokenizer
    data = series(args.quick)
    windows = [np.lib.stride_tricks.sliding_window_view(y, window) for y in data]
    n_windows = sum(len(w) for w in windows)

    embedder.transform(windows[0][:4])  # warm-up: first-call allocations
    start = time.perf_counter()
    per_window = np.vstack([embedder.transform(w) for w in windows])
    per_window_s = time.perf_counter() - start
    prompts = [p for w in windows for p in embedder.prompts(w)]
    per_window_tokens = sum(map(len, tokenizer(prompts)["input_ids"]))
    print(f"{len(data)} series, {n_windows} windows of {window} values, model {model}")
    print(f"{'encoding':28s} {'tokens':>8s} {'seconds':>8s} {'speed-up':>9s} "
          f"{'centered cosine min':>19s} {'mean':>6s}")
    print(f"{'per window (transform)':28s} {per_window_tokens:8d} {per_window_s:8.2f} "
          f"{1:8.2f}x {1:19.4f} {1:6.3f}")

    mean = per_window.mean(axis=0)
    longest = max(map(len, data))
    # The tiny model's context (512 characters) holds no whole series.
    strides = [window, 2 * window] if args.quick else [window, 2 * window, 4 * window, longest]
    for stride in tqdm(strides, desc="strides", file=sys.stderr):
        start = time.perf_counter()
        one_pass = np.vstack([e for e, _ in embedder.embed_series(data, window, stride=stride)])
        seconds = time.perf_counter() - start
        prompts = embedder.series_prompts(data, window, stride=stride)
        tokens = sum(map(len, tokenizer(prompts)["input_ids"]))
        # Centered on the per-window mean: raw LLM states share one dominant direction,
        # which would make any two look alike (cosine near 1).
        a, b = one_pass - mean, per_window - mean
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        label = "one pass, whole series" if stride == longest else f"one pass, stride {stride}"
        print(f"{label:28s} {tokens:8d} {seconds:8.2f} {per_window_s / seconds:8.2f}x "
              f"{cos.min():19.4f} {cos.mean():6.3f}")


if __name__ == "__main__":
    main()
