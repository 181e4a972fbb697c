"""Peak memory of embedding many windows: it grows with the output, not the hidden states.

    python benchmarks/bench_memory.py [--model tiny-random-llama] [--quick]

Each size runs in a fresh process; the peak resident set size (ru_maxrss) is
reported beside the size of the returned embeddings. LLMEmbedder tokenizes and
embeds 4,096 windows at a time and keeps only the pooled state of the requested
layer(s), so the rest of the peak is the model and one chunk's work.
"""

import argparse
import subprocess
import sys

CODE = """
import resource, sys, time
import numpy as np
from llmiso import LLMEmbedder
n, model = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
X = 100 + np.cumsum(rng.normal(size=(n, 24)), axis=1)
emb = LLMEmbedder(model).fit(X[:1])
emb.transform(X[:8])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
Z = emb.transform(X)
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, Z.nbytes / 2**20,
      time.perf_counter() - t)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny-random-llama")
    parser.add_argument("--quick", action="store_true", help="1,000 windows")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [1000, 10_000, 100_000]
    print(f"model {args.model}; windows of 24 values")
    for n in sizes:
        run = subprocess.run([sys.executable, "-c", CODE, str(n), args.model],
                             capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(run.stderr)
        base, peak, output, seconds = map(float, run.stdout.split())
        print(f"{n:7d} windows: peak RSS {peak:7.0f} MiB (model loaded: {base:5.0f} MiB), "
              f"embeddings returned {output:6.1f} MiB, {seconds:6.1f} s")


if __name__ == "__main__":
    main()
