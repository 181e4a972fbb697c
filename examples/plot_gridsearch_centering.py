"""
Grid search over the centering, scored by error and by isotropy
================================================================

An sklearn :class:`~sklearn.pipeline.Pipeline` of :class:`~llmiso.LLMEmbedder`,
:class:`~llmiso.IsotropyCenterer` and :class:`~llmiso.SoftmaxHeadForecaster`, wrapped
in :class:`~llmiso.MeanScaledRegressor` so each window and its target are divided by
the window's level. :class:`~sklearn.model_selection.GridSearchCV` tries each way of
removing the embeddings' common directions, and scores every candidate twice on the
same folds: by its mean absolute error, and by the isotropy of the features the head
reads (:data:`~llmiso.metrics.isotropy_scorer`).
"""

# %%
# Windows of one series
# ---------------------
# Each row of ``X`` is 24 months of the airline series; the target is the month after.
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_airline

from llmiso import IsotropyCenterer, LLMEmbedder, MeanScaledRegressor, SoftmaxHeadForecaster
from llmiso.metrics import isotropy_scorer, make_isotropy_scorer

# The embedded default model (the test suite runs the examples on a tiny one).
MODEL = os.environ.get("LLMISO_EXAMPLE_MODEL", "smollm2-135m")
CACHE = Path(tempfile.gettempdir()) / "llmiso-examples-cache"

y = load_airline().to_numpy(dtype=float)
X = np.lib.stride_tricks.sliding_window_view(y[:-1], 24)
target = y[24:]
print(f"{len(X)} windows of 24 months")

# %%
# The pipeline and the grid
# -------------------------
# The embedder caches its embeddings on disk, so the model reads each window once
# for every fold and candidate. The isotropy scorer reads the features the head
# sees, after the candidate's centering: 1 is isotropic.
model = MeanScaledRegressor(make_pipeline(
    # 0.4 of the depth (SmolLM2's layer 12 of 30): the forward pass stops there.
    LLMEmbedder(MODEL, layer=0.4, cache_dir=CACHE),
    IsotropyCenterer(),
    SoftmaxHeadForecaster(),
))
search = GridSearchCV(
    model,
    {"regressor__isotropycenterer__method": ["none", "center", "abtt", "whiten"]},
    scoring={
        "mae": "neg_mean_absolute_error",
        "isoscore": isotropy_scorer,
        "average_cosine": make_isotropy_scorer("average_cosine"),
    },
    refit="mae",
    cv=TimeSeriesSplit(n_splits=3, test_size=12),
).fit(X, target)

results = pd.DataFrame(search.cv_results_)
table = pd.DataFrame({
    "method": results["param_regressor__isotropycenterer__method"],
    "MAE": -results["mean_test_mae"],
    # Each isotropy score is adjusted to what isotropic data of the same size scores:
    # the IsoScore is 1 there, the average cosine 0.
    "IsoScore (isotropic: 1)": results["mean_test_isoscore"],
    "average cosine (isotropic: 0)": -results["mean_test_average_cosine"],
}).set_index("method")
print(table.round(3).to_string())
print("chosen by MAE:", search.best_params_)

# %%
# Error and isotropy side by side
# -------------------------------
# Whitening makes the features the most isotropic; whether that lowers the error on
# three folds of one series is what the left panel shows. The benchmarks page has
# the same question on many series.
fig = Figure(figsize=(8, 3), layout="constrained")
left, right = fig.subplots(1, 2)
left.bar(table.index, table["MAE"], color="C0")
left.set_title("mean absolute error (3 folds)")
right.bar(table.index, table["IsoScore (isotropic: 1)"], color="C1")
right.axhline(1.0, color="black", lw=0.8, ls="--")  # isotropic data of the same size
right.set_title("IsoScore of the head's features, adjusted (1: isotropic)")
