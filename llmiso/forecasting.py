"""LLMForecaster: the llmiso pipeline as an sktime forecaster (imports sktime)."""

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster

from ._models import DEFAULT_MODEL


class LLMForecaster(BaseForecaster):
    """Forecast a series from LLM embeddings of its recent windows.

    The forecaster composes llmiso's pieces: windows of ``window_length`` past
    values, each scaled by its mean absolute value (:class:`MeanScaledRegressor`),
    written as text and embedded by a pretrained LLM (:class:`LLMEmbedder`), with
    the common directions removed (:class:`IsotropyCenterer`, learned on the
    training windows), and a softmax over value bins (:class:`SoftmaxHeadForecaster`)
    that gives the forecast distribution.

    Strategies:

    - ``"direct"`` (default): one softmax head per horizon step, trained on the
      targets that many steps after each training window (a multi-output head).
      The last window is embedded once, so the whole horizon costs one forward
      pass, and every step's quantiles are exact. Needs ``fh`` in ``fit``, and
      predicts for that ``fh``.
    - ``"recursive"``: one head for the next step; each step's median is appended
      to the window and the new window is embedded again. Quantiles of steps after
      the first are those of the next-step distribution along the median path, so
      they understate the uncertainty. Any ``fh``, given in ``fit`` or later.

    Panel and hierarchical ``y`` are fitted as one global model: the windows of
    every series train one head, and each series is forecast from its own last
    window (all series are assumed to end at the same time).

    Parameters
    ----------
    window_length : int, default=24
        Past values per window (the LLM's context).
    model : str, default="smollm2-135m"
        See :class:`LLMEmbedder`.
    layer : int or list of int, default=-1
        Hidden state(s) to read; see :class:`LLMEmbedder`.
    pooling : {"last", "mean", "first"}, default="last"
    centering : {"center", "abtt", "whiten", "cluster", "none"}, default="center"
        :class:`IsotropyCenterer` method. Plain centering changes the head's fit
        little (its bias absorbs a common offset); whitening changes it most, and
        was better on some series and worse on others in our backtests
        (docs/benchmarks.md): tune it.
    n_bins : int, default=100
    alpha : float, default=1.0
        L2 penalty of the softmax head.
    strategy : {"direct", "recursive"}, default="direct"
    decimals : int, default=2
    batch_size : int, default=32
    dtype : str, default="auto"
    device : str, default="auto"
    cache_dir : str or None, default=None
        On-disk embedding cache (see :class:`LLMEmbedder`); speeds up refits in
        backtests and tuning.
    verbose : bool, default=False
        Progress bar while embedding.

    Attributes
    ----------
    regressor_ : MeanScaledRegressor
        The fitted window-to-future regressor.
    horizon_ : int
        Steps ahead the direct heads were trained for.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from llmiso.forecasting import LLMForecaster
    >>> y = load_airline()
    >>> forecaster = LLMForecaster(window_length=12).fit(y, fh=[1, 2, 3])
    >>> forecaster.predict().round(-1).tolist()  # doctest: +SKIP
    [460.0, 430.0, 460.0]
    >>> forecaster.predict_interval(coverage=0.8).shape
    (3, 2)
    """

    _tags = {
        "authors": ["llmiso developers"],
        "maintainers": ["llmiso developers"],
        "python_dependencies": ["torch", "transformers"],
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": "pd.DataFrame",
        "capability:exogenous": False,
        "capability:multivariate": False,
        "capability:missing_values": False,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "requires-fh-in-fit": True,
        "capability:random_state": False,
        "property:randomness": "deterministic",
    }

    # The forecaster keeps the last window of each series itself (_update), so sktime
    # need not store every value seen.
    _config = {"remember_data": False}

    def __init__(
        self,
        window_length=24,
        model=DEFAULT_MODEL,
        layer=-1,
        pooling="last",
        centering="center",
        n_bins=100,
        alpha=1.0,
        strategy="direct",
        decimals=2,
        batch_size=32,
        dtype="auto",
        device="auto",
        cache_dir=None,
        verbose=False,
    ):
        self.window_length = window_length
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.centering = centering
        self.n_bins = n_bins
        self.alpha = alpha
        self.strategy = strategy
        self.decimals = decimals
        self.batch_size = batch_size
        self.dtype = dtype
        self.device = device
        self.cache_dir = cache_dir
        self.verbose = verbose
        super().__init__()
        self._y = self._X = None  # sktime's data memory, empty as with remember_data
        if strategy == "recursive":  # one next-step head serves any horizon
            self.set_tags(**{"requires-fh-in-fit": False})

    # -- building blocks ---------------------------------------------------------------

    def _make_regressor(self):
        from sklearn.pipeline import make_pipeline

        from .centerer import IsotropyCenterer
        from .embedder import LLMEmbedder
        from .scaling import MeanScaledRegressor
        from .softmax_head import SoftmaxHeadForecaster

        embedder = LLMEmbedder(
            self.model,
            layer=self.layer,
            pooling=self.pooling,
            input_type="numeric",
            decimals=self.decimals,
            batch_size=self.batch_size,
            dtype=self.dtype,
            device=self.device,
            cache_dir=self.cache_dir,
            verbose=self.verbose,
        )
        head = SoftmaxHeadForecaster(n_bins=self.n_bins, alpha=self.alpha)
        return MeanScaledRegressor(
            make_pipeline(embedder, IsotropyCenterer(self.centering), head)
        )

    def _series(self, y):
        """The values of each series of ``y`` (one for a plain series), in order."""
        if isinstance(y.index, pd.MultiIndex):
            levels = list(range(y.index.nlevels - 1))
            groups = y.iloc[:, 0].groupby(level=levels, sort=False)
            return [(key, group.to_numpy(dtype=float)) for key, group in groups]
        return [(None, y.iloc[:, 0].to_numpy(dtype=float))]

    def _steps(self, fh):
        """Steps ahead of the cutoff (sktime rejects in-sample fh: capability:insample)."""
        return fh.to_relative(self.cutoff).to_numpy().astype(int)

    # -- sktime interface ----------------------------------------------------------------

    def _fit(self, y, X=None, fh=None):
        if self.strategy not in ("direct", "recursive"):
            raise ValueError(f"strategy must be 'direct' or 'recursive', got {self.strategy!r}.")
        self.horizon_ = 1 if self.strategy == "recursive" else int(self._steps(fh).max())
        windows, targets = [], []
        for key, values in self._series(y):
            needed = self.window_length + self.horizon_
            if len(values) < needed:
                name = "" if key is None else f" {key}"
                raise ValueError(
                    f"The series{name} has {len(values)} values, but a window of "
                    f"{self.window_length} plus a horizon of {self.horizon_} needs at "
                    f"least {needed}. Use a smaller window_length or a shorter fh."
                )
            view = np.lib.stride_tricks.sliding_window_view(values, needed)
            windows.append(view[:, : self.window_length])
            targets.append(view[:, self.window_length :])
        self.regressor_ = self._make_regressor().fit(np.vstack(windows), np.vstack(targets))
        self._remember_tails(y)
        return self

    def _remember_tails(self, y):
        """Keep each series' last window: what the next forecast starts from."""
        self._tails = {key: values[-self.window_length :] for key, values in self._series(y)}
        self._y_names, self._y_columns = y.index.names, y.columns

    def _update(self, y, X=None, update_params=True):
        """Move each series' last window forward with the new values; the heads stay.

        Refitting the heads needs the whole history: call ``fit`` for that.
        """
        for key, values in self._series(y):
            self._tails[key] = np.concatenate([self._tails.get(key, []), values])[
                -self.window_length :
            ]
        return self

    def _last_windows(self):
        return np.vstack(list(self._tails.values()))

    def _paths(self, levels, horizon):
        """(n_series, horizon, n_levels) quantiles of the steps 1..horizon."""
        windows = self._last_windows()
        if self.strategy == "direct":
            q = self.regressor_.predict_quantiles(windows, levels)
            return q.reshape(len(windows), self.horizon_, len(levels))[:, :horizon]
        grid = sorted({0.5, *levels})
        out = np.empty((len(windows), horizon, len(levels)))
        for step in range(horizon):
            q = self.regressor_.predict_quantiles(windows, grid).reshape(len(windows), len(grid))
            out[:, step] = q[:, [grid.index(level) for level in levels]]
            # Feed the median back: the next window ends with this step's forecast.
            windows = np.column_stack([windows[:, 1:], q[:, grid.index(0.5)]])
        return out

    def _quantiles(self, fh, levels):
        steps = self._steps(fh)  # direct: sktime guarantees fh is the one of fit
        return self._paths(levels, int(steps.max()))[:, steps - 1, :]

    def _frame(self, fh, values, columns):
        """Rows of fh (per series for panels) from (n_series, len(fh), n_columns)."""
        index = fh.to_absolute_index(self.cutoff)
        keys = list(self._tails)
        if keys == [None]:
            return pd.DataFrame(values[0], index=index, columns=columns)
        names = self._y_names
        rows = [
            (*(key if isinstance(key, tuple) else (key,)), t) for key in keys for t in index
        ]
        return pd.DataFrame(
            values.reshape(-1, values.shape[-1]),
            index=pd.MultiIndex.from_tuples(rows, names=names),
            columns=columns,
        )

    def _predict(self, fh, X=None):
        median = self._quantiles(fh, [0.5])
        return self._frame(fh, median, self._y_columns)

    def _predict_quantiles(self, fh, X=None, alpha=None):
        levels = list(alpha)
        q = self._quantiles(fh, levels)
        columns = pd.MultiIndex.from_product([self._get_varnames(), levels])
        return self._frame(fh, q, columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Cheap settings for sktime's tests: a tiny random model built locally."""
        base = {"model": "tiny-random-llama", "window_length": 6, "dtype": "float32", "n_bins": 20}
        return [
            base,
            {**base, "strategy": "recursive", "centering": "abtt", "pooling": "mean"},
        ]
