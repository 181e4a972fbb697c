"""Pipeline + GridSearchCV on the airline series: MAE and isotropy, side by side.

    python examples/quickstart.py [--quick]      # --quick: a smoke test on a tiny random model

Embeddings are computed once (cache_dir) and shared by every fold and candidate.
"""

import argparse

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_airline

from llmiso import IsotropyCenterer, LLMEmbedder, MeanScaledRegressor, SoftmaxHeadForecaster
from llmiso.metrics import isotropy_scorer, make_isotropy_scorer

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true",
                    help="two methods, one alpha, the tiny random model (a smoke test)")
args = parser.parse_args()
# --quick checks that the code runs, not what the LLM is worth: a tiny random model.
model = "tiny-random-llama" if args.quick else "smollm2-135m"

y = load_airline().to_numpy(dtype=float)
X = np.lib.stride_tricks.sliding_window_view(y[:-1], 24)
target = y[24:]

model = MeanScaledRegressor(
    make_pipeline(
        LLMEmbedder(model, layer=-1, cache_dir="llmiso-output/embedding-cache"),
        IsotropyCenterer(),
        SoftmaxHeadForecaster(),
    )
)
search = GridSearchCV(
    model,
    {
        "regressor__isotropycenterer__method": (
            ["none", "whiten"] if args.quick else ["none", "center", "abtt", "whiten"]
        ),
        "regressor__softmaxheadforecaster__alpha": [1.0] if args.quick else [0.1, 10.0],
    },
    scoring={
        "mae": "neg_mean_absolute_error",
        "isoscore": isotropy_scorer,
        "cluster_cosine": make_isotropy_scorer("cluster_cosine", random_state=0),
    },
    refit="mae",
    cv=TimeSeriesSplit(n_splits=3, test_size=12),
).fit(X, target)

results = pd.DataFrame(search.cv_results_)
columns = {
    "param_regressor__isotropycenterer__method": "method",
    "param_regressor__softmaxheadforecaster__alpha": "alpha",
    "mean_test_mae": "-MAE",
    "mean_test_isoscore": "IsoScore",
    "mean_test_cluster_cosine": "-cluster cosine",
}
print(results[list(columns)].rename(columns=columns).round(3).to_string(index=False))
print("best:", search.best_params_)
