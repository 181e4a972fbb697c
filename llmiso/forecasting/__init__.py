"""Stage 4: LLMForecaster, the composite sktime forecaster (importing it imports sktime).

The forecaster (``_forecaster``) composes its parts over windows of each series
(``_windows``): the embedder, the encoding (``_encoding``: :class:`WindowPrompts`,
:class:`SeriesPass`), the isotropy step and the head (``_regressor``), the baseline
the head corrects (``_baselines``; seasons in ``_seasons``), the strategy
(``_strategies``), and the combination with statistical models (``_combination``,
``_statistical``).
"""

from ._combination import (
    Combination,
    evidence_weights,
    interval_scale,
    mix_quantiles,
    stretch_intervals,
)
from ._corpus import synthetic_series
from ._encoding import (
    FORECASTING_EMBEDDER,
    ONE_PASS_ABOVE,
    SeriesPass,
    WindowPrompts,
    encode,
    forecasting_embedder,
)
from ._forecaster import FIT_HEAD_FROM, LLMForecaster
from ._pretrained import (
    SHIPPED_HEADS,
    IncompatibleHeadError,
    PretrainedHead,
    pretrain_head,
    pretrain_rows,
)
from ._seasons import is_seasonal, seasonal_period
from ._statistical import StatisticalModels
from ._strategies import STRATEGIES
from ._windows import season_window, sliding_windows, training_windows

#: The values of :class:`LLMForecaster`'s ``encoding``: ``"window"`` (one prompt per
#: window), ``"series"`` (one pass over each series, every window's state read from it)
#: or ``"auto"`` (one pass per series above :data:`ONE_PASS_ABOVE` series).
ENCODINGS = ("auto", "window", "series")

__all__ = [
    "Combination",
    "FIT_HEAD_FROM",
    "FORECASTING_EMBEDDER",
    "IncompatibleHeadError",
    "ENCODINGS",
    "LLMForecaster",
    "ONE_PASS_ABOVE",
    "PretrainedHead",
    "STRATEGIES",
    "SeriesPass",
    "WindowPrompts",
    "encode",
    "evidence_weights",
    "forecasting_embedder",
    "interval_scale",
    "mix_quantiles",
    "stretch_intervals",
    "pretrain_head",
    "pretrain_rows",
    "SHIPPED_HEADS",
    "StatisticalModels",
    "is_seasonal",
    "seasonal_period",
    "season_window",
    "sliding_windows",
    "synthetic_series",
    "training_windows",
]
