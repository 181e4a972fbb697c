"""What the forecaster fits on its features: the isotropy step and the head."""

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from .._pipeline import final_step, last_step
from ..head import SoftmaxHeadForecaster, SoftmaxHeadForecasterCV
from ..isotropy import IsotropyCenterer


def make_regressor(head, centerer, *, with_llm, n_features, n_values, n_jobs=None):
    """``Pipeline([("isotropy", ...), ("head", ...)])`` for ``n_features`` features
    whose last ``n_values`` are the scaled window (all of them without an LLM).

    ``head`` None: ``SoftmaxHeadForecaster(shift_alpha=None, n_jobs=n_jobs)``: the head
    learns a correction of the baseline, which its penalty shrinks toward it, and a
    free shift would undo that shrinkage (docs/benchmarks.md). ``centerer`` None:
    ``IsotropyCenterer("center", normalize=True)``.
    """
    # The default head fits its steps in the forecaster's n_jobs threads: the same
    # coefficients for any n_jobs (SoftmaxHeadForecaster), in less time.
    head = head_part(None).set_params(n_jobs=n_jobs) if is_default_head(head) else head_part(head)
    values = centerer_part(None)
    if not with_llm:
        return Pipeline([("isotropy", values), ("head", head)])
    centerer = centerer_part(centerer)
    if n_values:
        # Scaled jointly, the embedding's norm would dwarf the window's values and the
        # penalty would silence them: each block gets unit mean norm.
        split = n_features - n_values
        centerer = ColumnTransformer([
            ("embedding", centerer, np.arange(split)),
            ("values", values, np.arange(split, n_features)),
        ])
    return Pipeline([("isotropy", centerer), ("head", head)])


def is_default_head(head):
    """Whether ``head`` asks for the default fitted head: None, or ``"auto"`` where its
    rule fits one."""
    return head is None or isinstance(head, str) and head == "auto"


def head_part(head):
    """The head ``head`` stands for: a clone, or for None (and ``"auto"``, where its rule
    fits a head) the default ``SoftmaxHeadForecaster(shift_alpha=None)``; anything
    else (``"pretrained"``) as it is."""
    if is_default_head(head):
        return SoftmaxHeadForecaster(shift_alpha=None)
    return clone(head) if hasattr(head, "get_params") else head


def centerer_part(centerer):
    """The isotropy step ``centerer`` stands for: a clone, or for None
    ``IsotropyCenterer("center", normalize=True)``."""
    return IsotropyCenterer("center", normalize=True) if centerer is None else clone(centerer)


def takes_missing_targets(head):
    """Whether ``head`` learns each step from the rows where that step is known (NaN
    elsewhere): the softmax heads do; any other regressor gets complete rows."""
    return is_default_head(head) or isinstance(last_step(head), (SoftmaxHeadForecaster,
                                                                 SoftmaxHeadForecasterCV))


def quantile_paths(regressor, rows, scales, start, levels, horizon):
    """(n_rows, horizon, n_levels) values: the head's quantiles of each row's scaled
    change, in its window's ``scales``, added to the baseline's forecasts ``start``
    (n_rows, horizon) from the same origins. A pretrained head may forecast more steps
    than asked: the first ``horizon`` are read."""
    features, head = final_step(regressor, rows)
    q = head.predict_quantiles(features, levels).reshape(len(rows), -1, len(levels))
    return start[:, :, None] + q[:, :horizon] * np.asarray(scales)[:, None, None]
