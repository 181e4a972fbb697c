"""The shipped head fine-tuned on one series (its weights the prior), validation windows.

    python benchmarks/bench_fine_tune.py "M3 monthly,M3 quarterly"

Issue 38's lever "the pretrained head as the prior of a head fitted on one series":
per series (the validation part of bench_per_series.py's 100 seeded series), the
shipped head continued on the series' own windows (``pretrain_head(prior=...)``,
penalty 1, 10, 100 toward the prior), alone and inside the default combination.
Rows go to ``results/per-series/fine-tune-validation-100.csv`` as they come; the
embeddings come from bench_per_series.py's cache.
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).parent))
from _competitions import mase  # noqa: E402
from bench_per_series import CACHE, _y, series_of  # noqa: E402

from llmiso import SoftmaxHeadForecaster  # noqa: E402
from llmiso.forecasting import (  # noqa: E402
    SHIPPED_HEADS,
    LLMForecaster,
    PretrainedHead,
    forecasting_embedder,
    pretrain_head,
)

OUT = Path(__file__).parent / "results" / "per-series" / "fine-tune-validation-100.csv"


def main():
    shipped = PretrainedHead.load(SHIPPED_HEADS / "smollm2-135m")
    embedder = forecasting_embedder(cache_dir=str(CACHE)).fit(np.zeros((1, 24)))
    rows = []
    for dataset in sys.argv[1].split(","):
        for s in series_of(dataset, 100, True):
            for alpha in [1.0, 10.0, 100.0]:
                try:
                    head = pretrain_head([(s.train, s.period)], embedder, window_length=24,
                                         horizon=24, prior=shipped,
                                         head=SoftmaxHeadForecaster(shift_alpha=None,
                                                                    alpha=alpha))
                except ValueError:  # no window with a value after it
                    continue
                for row, combine in {"default": {}, "alone": {"combine": None}}.items():
                    forecaster = LLMForecaster(embedder, head=head, sp=s.period, **combine)
                    forecaster.fit(_y(s), fh=list(range(1, s.h + 1)))
                    rows.append({"dataset": dataset, "series": s.name, "alpha": alpha,
                                 "row": row,
                                 "MASE": mase(s, forecaster.predict().to_numpy().ravel())})
            pd.DataFrame(rows).to_csv(OUT, index=False)
        print(dataset, flush=True)


if __name__ == "__main__":
    main()
