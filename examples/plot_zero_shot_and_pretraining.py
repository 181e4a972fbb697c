"""
Zero-shot with the shipped head, and pretraining your own
=========================================================

llmiso ships a softmax head pretrained once, on a corpus of synthetic series and the
training parts of M3 and Tourism, for its default embedder: with it,
:class:`~llmiso.forecasting.LLMForecaster` forecasts a series without fitting any
head (``head="pretrained"``; the default takes it for one series, where too few
windows would train a head). ``llmiso pretrain`` (or
:func:`~llmiso.forecasting.pretrain_head`) makes such a head from your own corpus,
and ``head=`` takes the file it writes.
"""

# %%
# Zero-shot on a series no corpus saw
# -----------------------------------
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sktime.datasets import load_airline

from llmiso.app import comparison_models, plot_fan_chart
from llmiso.app.cli import main as llmiso_command
from llmiso.forecasting import LLMForecaster, PretrainedHead, forecasting_embedder
from llmiso.metrics import mean_absolute_scaled_error

warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices of new defaults
MODEL = os.environ.get("LLMISO_EXAMPLE_MODEL", "smollm2-135m")
OUT = Path(tempfile.mkdtemp())

y = load_airline()
train, test = y.iloc[:-12], y.iloc[-12:]
embedder = forecasting_embedder(MODEL)


def score(forecaster):
    point = forecaster.predict().to_numpy()
    return mean_absolute_scaled_error(test.to_numpy(), point, y_train=train.to_numpy(), sp=12)


fh = list(range(1, 13))
rows = {}
if MODEL == "smollm2-135m":  # a head ships for the default embedder only
    shipped = LLMForecaster(embedder, head="pretrained", combine=None, sp=12).fit(train, fh=fh)
    rows["the shipped head, zero-shot"] = score(shipped)

# %%
# Pretraining a head with ``llmiso pretrain``
# -------------------------------------------
# A small corpus here, for time: 16 synthetic series, the latest 15 origins of each;
# the shipped head read 2,000 synthetic series and every M3 and Tourism training
# part. ``--data`` adds your own series from a long CSV (one row per series and time).
llmiso_command(["pretrain", "--output", str(OUT / "my_head.npz"), "--synthetic", "16",
                "--max-origins", "15", "--model", MODEL, "--window-length", "24",
                "--horizon", "12", "--quiet"])
mine = PretrainedHead.load(OUT / "my_head.npz")
print(f"pretrained on {mine.config['rows']:,} windows")
own = LLMForecaster(embedder, head=mine, combine=None, sp=12).fit(train, fh=fh)
rows["a head pretrained here (16 synthetic series)"] = score(own)
fitted = LLMForecaster(embedder, head=None, combine=None, sp=12).fit(train, fh=fh)
rows["a head fitted on airline alone"] = score(fitted)
# Beside the heads alone: the default forecaster (its head mixed with the statistical
# members) and what every accuracy table of llmiso shows.
default = LLMForecaster(embedder, sp=12)
for name, model in comparison_models(default, sp=12, name="the default").items():
    rows[name] = score(model.fit(train, fh=fh))
print(pd.Series(rows, name="MASE, airline's last year").round(3).to_string())

# %%
# The forecasts
# -------------
fig = Figure(figsize=(10, 3.4), layout="constrained")
heads = [("pretrained here", own), ("fitted on airline", fitted)]
if MODEL == "smollm2-135m":
    heads.insert(0, ("shipped", shipped))
for ax, (name, forecaster) in zip(np.atleast_1d(fig.subplots(1, len(heads))), heads,
                                  strict=True):
    plot_fan_chart(y, forecaster, history=36, ax=ax, title=f"the {name} head")
