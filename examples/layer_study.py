"""Which layer? Isotropy and one-step accuracy of every layer of SmolLM2 on airline.

    python examples/layer_study.py [--quick]     # --quick: a smoke test on a tiny random model

The model runs once over all windows (every hidden state from one forward pass);
then, per layer, the isotropy of the embeddings and the MASE of a centered softmax
head on the last 24 months, one step ahead. Saves layer_study.csv and .png.
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sktime.datasets import load_airline

from llmiso import IsotropyCenterer, LLMEmbedder, SoftmaxHeadForecaster, mean_abs_scale
from llmiso.metrics import cluster_cosine, effective_dimension, isoscore

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true",
                    help="the tiny random model's two layers (a smoke test)")
parser.add_argument("--output-dir", default="llmiso-output")
args = parser.parse_args()
out = Path(args.output_dir)
out.mkdir(parents=True, exist_ok=True)

y = load_airline().to_numpy(dtype=float)
X = np.lib.stride_tricks.sliding_window_view(y[:-1], 24)
target = y[24:]
scale = mean_abs_scale(X)  # Chronos-style: learn targets in units of the window level
train, test = slice(0, -24), slice(-24, None)
history = y[:-24]
naive_mae = np.mean(np.abs(history[12:] - history[:-12]))  # MASE's scale: in-sample seasonal naive

# Layer 0 is left out: every prompt ends on the same token (the separator), so the
# token-embedding layer gives every window the same last-token state.
# --quick checks that the code runs, not what the layers are worth: a tiny random model.
if args.quick:
    model, layers = "tiny-random-llama", [1, 2]
else:
    model, layers = "smollm2-135m", list(range(1, 31))
embedder = LLMEmbedder(model, layer=layers, cache_dir=out / "embedding-cache").fit(X)
Z = np.split(embedder.transform(X), len(layers), axis=1)

rows = []
for layer, E in zip(layers, Z, strict=True):
    centerer = IsotropyCenterer("center").fit(E[train])
    head = SoftmaxHeadForecaster().fit(centerer.transform(E[train]), target[train] / scale[train])
    pred = head.predict(centerer.transform(E[test])) * scale[test]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fewer windows than dimensions
        rows.append({
            "layer": layer,
            "isoscore": isoscore(E[train]),
            "cluster_cosine": cluster_cosine(E[train], random_state=0),
            "effective_dimension": effective_dimension(E[train]),
            "MASE": np.mean(np.abs(pred - target[test])) / naive_mae,
        })
table = pd.DataFrame(rows).set_index("layer")
table.to_csv(out / "layer_study.csv")
print(table.round(3).to_string())
for measure in ("isoscore", "cluster_cosine", "effective_dimension"):
    r = np.corrcoef(table[measure], table["MASE"])[0, 1]
    print(f"correlation of {measure} with MASE across layers: {r:+.2f}")

from matplotlib.figure import Figure  # noqa: E402

fig = Figure(figsize=(10, 3.5), layout="constrained")
for ax, column in zip(fig.subplots(1, 3), ["isoscore", "cluster_cosine", "MASE"], strict=True):
    ax.plot(table.index, table[column], marker="o")
    ax.set_title(column)
    ax.set_xlabel("layer")
fig.savefig(out / "layer_study.png", dpi=110)
print(f"saved {out / 'layer_study.csv'} and {out / 'layer_study.png'}")
