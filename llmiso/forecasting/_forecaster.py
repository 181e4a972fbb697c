"""LLMForecaster: the llmiso pipeline as an sktime forecaster (imports sktime)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sktime.forecasting.base import BaseForecaster

from .._pipeline import final_step
from ._baselines import NAMES as BASELINES
from ._baselines import Statistical, make_baseline
from ._statistical import NAMES as STATISTICAL
from ._statistical import make_models
from ._encoding import encode
from ._windows import sliding_windows

STRATEGIES = ("direct", "recursive")
ENCODINGS = ("auto", "window", "series")
# encoding="auto" reads panels of more series than this in one pass per series: one
# prompt per window is a little more accurate (docs/benchmarks.md) and costs about
# window_length / 2 times the tokens, which a few series can afford and many cannot.
ONE_PASS_ABOVE = 10
# Training rows kept for head_isotropy() without y: every measure samples at most
# this many (the cluster cosine's 2,000), so no second pass over the series is needed.
ISOTROPY_ROWS = 2000


class LLMForecaster(BaseForecaster):
    """Forecast a series from LLM embeddings of its recent windows.

    A composite of llmiso's estimators over the windows of a series or a panel:
    each window of ``window_length`` past values is embedded by ``embedder`` (an
    :class:`~llmiso.LLMEmbedder`, which writes it as text divided by its mean
    absolute value and reads the state where the next value begins); ``centerer``
    (an :class:`~llmiso.IsotropyCenterer`, learned on the training windows) removes
    the common directions and scales the embedding to unit mean norm; ``head`` (a
    :class:`~llmiso.SoftmaxBinRegressor`) learns each step's change from the
    ``baseline`` forecast, divided by the window's mean absolute value, and gives
    the forecast distribution, whose quantiles are multiplied back by the last
    window's scale and added to the baseline's forecast from the cutoff. By default
    that forecast is then averaged, level by level, with statsforecast's AutoETS
    and AutoTheta (``combine``): the errors differ enough that the plain average
    beats each of the three on M3 and Tourism (docs/benchmarks.md).

    ``embedder="passthrough"`` runs the same flow without the LLM, the head reading
    the scaled window itself: the null the LLM must beat.

    Strategies:

    - ``"direct"`` (default): one softmax per horizon step, each trained on every
      window with a value that many steps after it (a multi-output head whose
      missing targets are left out), so the first steps learn from the latest
      windows. The last window is embedded once for the whole horizon, and every
      step's quantiles are exact. Needs ``fh`` in ``fit``.
    - ``"recursive"``: one head for the next step; each step's median is appended
      to the window and the new window is embedded again. Quantiles of steps after
      the first are those of the next-step distribution along the median path, so
      they understate the uncertainty. Any ``fh``, given in ``fit`` or later.

    Encodings:

    - ``"window"``: every window is written as its own prompt, so each embedding
      sees exactly ``window_length`` values.
    - ``"series"``: each series is written once, in chunks, and the state after
      every value is read (:meth:`LLMEmbedder.embed_series`; causal models only),
      about ``window_length / 2`` times fewer tokens with the default ``stride``;
      each state sees ``window_length`` to ``window_length + stride - 1`` values.
    - ``"auto"`` (default): ``"series"`` for panels of more than 10 series (with
      a causal model), ``"window"`` otherwise (``encoding_`` says which): one prompt per window
      scored a little better on sktime's bundled series, at a cost that a few
      series afford and thousands do not (docs/benchmarks.md).

    Either way the head's targets and the scaled values beside the embedding are
    divided by the mean absolute value of each row's own window, so the encoding
    changes only the embedding, and the no-LLM null is the same for both.

    Panel and hierarchical ``y`` are fitted as one global model: the windows of
    every series train one head, and each series is forecast from its own end (all
    series are assumed to end at the same time).

    Parameters
    ----------
    embedder : LLMEmbedder, "passthrough" or None, default=None
        Cloned and fitted on numeric windows. None: ``LLMEmbedder()``, the embedded
        SmolLM2-135M, last layer. ``"passthrough"``: no LLM.
    centerer : transformer or None, default=None
        Cloned and fitted on the training windows' embeddings. None:
        ``IsotropyCenterer("center", normalize=True)``. Unused without an LLM.
    head : regressor with ``predict_quantiles``, default=None
        Cloned and fitted on the features and the scaled targets (one column per
        step). None: ``SoftmaxBinRegressor(shift_alpha=None)``, whose penalty
        shrinks the correction toward the baseline. Only a :class:`SoftmaxBinRegressor`
        (or a Pipeline ending in one) learns from windows with missing later steps;
        any other head gets the windows with a whole horizon.
    baseline : str, statsforecast model, sktime forecaster, list or None, default="seasonal_naive"
        The forecast the head learns to correct, so the head's penalty shrinks the
        forecast toward it. ``"seasonal_naive"``: the value ``sp`` steps before each
        step; ``"naive"``: the last value; ``"auto"``: per series, seasonal naive
        where its training values pass the 90% autocorrelation test of a season of
        ``sp`` (the M4 Theta benchmark's test), else naive (``seasonal_`` says
        which); ``"ets"``, ``"theta"``, a statsforecast model object (``AutoETS()``,
        ...) or a list of them: the mean of those models' forecasts (a statistical
        backbone), fitted on each whole series at once by statsforecast, its
        forecasts from the training origins by ``cross_validation`` (one fit per
        series at its first origin, run forward: ``refit=False``); an sktime
        forecaster: its forecasts from ``update_predict``, a loop in sktime, far
        slower for many series; None: the head learns the scaled value itself.
    combine : str, statsforecast model, tuple, list or None, default=("ets", "theta")
        Statistical models (as for ``baseline``) whose forecasts are averaged with
        the head's: the plain mean of the points and of each quantile level (a
        model's quantile q is the end of its central interval of level
        ``|200 q - 100|``%), each model fitted on the whole history at predict.
        The default, the head's forecast averaged with AutoETS's and AutoTheta's,
        was the most accurate forecast on M3 and Tourism, ahead of each model
        alone and of a head learning the correction of their mean
        (docs/benchmarks.md). None: the head's forecast alone.
    window_length : int, default=24
        Past values per window (the LLM's context).
    n_origins : int or None, default=None
        The head learns from each series' latest ``n_origins`` windows (None: all
        of them). Only those windows' values are embedded, so the LLM's cost no
        longer grows with the history, while a statistical backbone reads every
        value. A statistical backbone's first origin also has 40 values before it
        where a series has them (a model fitted on fewer forecasts worse at the
        origins than from the cutoff; docs/benchmarks.md), but every series keeps
        at least a horizon of origins; where a model cannot be fitted on so few
        values, statsforecast's naive forecast stands in.
    strategy : {"direct", "recursive"}, default="direct"
    encoding : {"auto", "window", "series"}, default="auto"
    stride : int or None, default=None
        With ``encoding="series"``: states read per chunk (None: ``window_length``).
    include_values : bool, default=True
        Give the head the scaled window beside the embedding. Each block is centered
        and scaled to unit mean norm on its own, so the head's penalty weighs the
        window's values as much as the embedding's hundreds of dimensions. False:
        the paper's model, the embedding alone.
    sp : int or None, default=None
        Season length of the seasonal naive baseline, at most ``window_length``.
        None: from the time index's frequency (12 monthly, 4 quarterly, 52 weekly,
        7 daily, 24 hourly, else 1), or 1 when that season is longer than the window.
    n_jobs : int or None, default=None
        Groups of series embedded at once, in joblib workers (None: 1 unless in a
        ``joblib.parallel_backend`` context; -1: all). Under
        ``joblib.parallel_backend("dask")`` the groups run on a Dask cluster, each
        worker loading the model once, and the head is fitted once on the gathered
        embeddings. The groups are the same for any ``n_jobs``, so the result is
        identical to a single process.

    Attributes
    ----------
    embedder_ : LLMEmbedder or None
        The fitted embedder; None without an LLM.
    regressor_ : Pipeline
        The fitted isotropy step (the centerer, beside the values' own centering
        with ``include_values``) and head.
    baseline_ : object
        The fitted baseline strategy (for a statistical backbone, its statsforecast
        models in ``baseline_.models_``).
    combiner_ : object or None
        The statistical models averaged with the head's forecast (``combine``).
    n_embedding_features_ : int
        How many of the features the head sees (:meth:`head_features`, the first
        ones) come from the LLM: all, all but the ``window_length`` scaled values
        with ``include_values``, or none without an LLM.
    horizon_ : int
        Steps ahead the direct heads were trained for.
    encoding_ : str
        The encoding used, ``"window"`` or ``"series"``.
    sp_ : int
        The season length the seasonal naive baseline reads.
    seasonal_ : dict
        With ``baseline="auto"``: for each series (keyed as in the panel, None for
        a single series), whether it passed the seasonality test.

    See Also
    --------
    llmiso.LLMEmbedder, llmiso.IsotropyCenterer, llmiso.SoftmaxBinRegressor
    sktime.forecasting.compose.make_reduction : The same reduction with any regressor.

    Notes
    -----
    What each choice is worth on real data is measured in docs/benchmarks.md.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from llmiso import LLMEmbedder, SoftmaxBinRegressor
    >>> from llmiso.forecasting import LLMForecaster
    >>> y = load_airline()
    >>> forecaster = LLMForecaster(window_length=12).fit(y, fh=[1, 2, 3])
    >>> pred = forecaster.predict()  # 1960 ended at 432; 1961 began 417, 391, 419
    >>> bool(pred.between(380, 520).all())
    True
    >>> interval = forecaster.predict_interval(coverage=0.8)
    >>> bool((interval.iloc[:, 0] < pred).all() and (pred < interval.iloc[:, 1]).all())
    True
    >>> null = LLMForecaster("passthrough", head=SoftmaxBinRegressor(alpha=0.1),
    ...                      window_length=12).fit(y, fh=[1, 2, 3])
    """

    _tags = {
        "authors": ["llmiso developers"],
        "maintainers": ["llmiso developers"],
        "python_dependencies": ["torch", "transformers", "statsforecast"],
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
        # sktime 1.2's test sets remember_data=True on a clone and reads _y, which
        # BaseForecaster creates only for a class constructed with it True; this
        # forecaster keeps the end of each series itself and never stores y.
        "tests:skip_by_name": ["test__y_remember_data"],
    }

    # The forecaster keeps the end of each series itself (_update), so sktime need not
    # store every value seen.
    _config = {"remember_data": False}

    _parameter_constraints = {
        "embedder": [HasMethods(["fit", "transform"]), StrOptions({"passthrough"}), None],
        "centerer": [HasMethods(["fit", "transform"]), None],
        "head": [HasMethods(["fit", "predict_quantiles"]), None],
        "baseline": [StrOptions(set(BASELINES)), HasMethods(["forecast", "forward"]),
                     HasMethods(["fit", "update_predict"]), list, tuple, None],
        "combine": [StrOptions(set(STATISTICAL)), HasMethods(["forecast", "forward"]), list,
                    tuple, None],
        "window_length": [Interval(Integral, 1, None, closed="left")],
        "n_origins": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions(set(STRATEGIES))],
        "encoding": [StrOptions(set(ENCODINGS))],
        "stride": [Interval(Integral, 1, None, closed="left"), None],
        "include_values": ["boolean"],
        "sp": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        embedder=None,
        centerer=None,
        head=None,
        baseline="seasonal_naive",
        combine=("ets", "theta"),
        *,
        window_length=24,
        n_origins=None,
        strategy="direct",
        encoding="auto",
        stride=None,
        include_values=True,
        sp=None,
        n_jobs=None,
    ):
        self.embedder = embedder
        self.centerer = centerer
        self.head = head
        self.baseline = baseline
        self.combine = combine
        self.window_length = window_length
        self.n_origins = n_origins
        self.strategy = strategy
        self.encoding = encoding
        self.stride = stride
        self.include_values = include_values
        self.sp = sp
        self.n_jobs = n_jobs
        super().__init__()
        if strategy == "recursive":  # one next-step head serves any horizon
            self.set_tags(**{"requires-fh-in-fit": False})

    # -- the one data flow: series -> features -> head on scaled targets ---------------

    def _fit(self, y, X=None, fh=None):
        self._check_parameters()
        self.horizon_ = 1 if self.strategy == "recursive" else int(self._steps(fh).max())
        keys, series = self._series(y)
        needed = self.window_length + self.horizon_
        for key, values in zip(keys, series):
            if len(values) < needed:
                name = "" if key is None else f" {key}"
                raise ValueError(
                    f"The series{name} has {len(values)} values, but a window of "
                    f"{self.window_length} plus a horizon of {self.horizon_} needs at "
                    f"least {needed}. Use a smaller window_length or a shorter fh."
                )
        self.sp_ = self._season_length(y)
        W = self.window_length
        baseline = make_baseline(self.baseline)
        counts = self._origin_counts(series, baseline.min_history, baseline.min_fit)
        if not sum(counts):
            raise ValueError(f"No series is long enough for a training window: the baseline "
                             f"needs {baseline.min_fit} values before its first origin. "
                             "Use a longer series or a simpler baseline.")
        self.baseline_ = baseline.fit(series, self.horizon_, self.sp_, counts, n_jobs=self.n_jobs)
        if self.baseline == "auto":
            self.seasonal_ = dict(zip(keys, self.baseline_.seasonal_))
        self.combiner_ = self._make_combiner()
        self.embedder_ = self._make_embedder()
        self.encoding_ = self._choose_encoding(len(series))
        features, targets = [], []
        # Only the values the training windows read are embedded.
        tails = [values[len(values) - count - W:] for values, count in zip(series, counts)]
        for i, (values, count, (rows, scales)) in enumerate(zip(series, counts,
                                                                self._encode(tails))):
            future = self._targets(values)[len(values) - W - count:]
            ends = np.arange(len(values) - 1 - count, len(values) - 1)
            features.append(rows[:count])
            targets.append((future - self.baseline_.origins(i, values, ends))
                           / scales[:count, None])
        features, targets = np.vstack(features), np.vstack(targets)
        if not self._takes_missing_targets():
            whole = np.isfinite(targets).all(axis=1)
            features, targets = features[whole], targets[whole]
        self.regressor_ = self._make_regressor(features.shape[1]).fit(features, targets)
        # Counted after the transform: whitening, say, keeps fewer dimensions than it gets.
        width = final_step(self.regressor_, features[:1])[0].shape[1]
        self.n_embedding_features_ = 0 if self.embedder_ is None else width - (
            self.window_length if self.include_values else 0)
        pick = np.random.default_rng(0).permutation(len(features))[:ISOTROPY_ROWS]
        self._isotropy_rows = features[np.sort(pick)]
        self._keys, self._ends = keys, [self._keep(values) for values in series]
        self._y_names, self._y_columns = y.index.names, y.columns
        return self

    def _origin_counts(self, series, history, fit):
        """Training origins per series: its latest windows with a value after them, at
        most ``n_origins``, each with ``history`` values up to it, but never fewer than
        a horizon's worth while the baseline's fit has the ``fit`` values it needs."""
        counts = []
        for values in series:
            T = len(values)
            count = max(T - history, min(T - fit, self.horizon_))
            counts.append(max(0, min(T - self.window_length, count, self.n_origins or T)))
        return counts

    def _check_parameters(self):
        validate_parameter_constraints(self._parameter_constraints, self.get_params(deep=False),
                                       caller_name=type(self).__name__)
        if self.sp is not None and self.sp > self.window_length:
            raise ValueError(f"sp must be a season length from 1 to window_length="
                             f"{self.window_length} (the baseline reads it inside each window), "
                             f"got {self.sp!r}. Use a longer window_length or sp=None.")

    def _make_combiner(self):
        """The statistical models averaged with the head's forecast, or None."""
        if self.combine is None:
            return None
        if isinstance(self.baseline_, Statistical) and self.combine == self.baseline:
            return self.baseline_  # the same models: their forecasts serve both
        combiner = Statistical(self.combine)
        combiner.horizon, combiner.n_jobs = self.horizon_, self.n_jobs
        combiner.models_ = make_models(self.combine, self.sp_)
        return combiner

    def _make_embedder(self):
        """The fitted embedder (a clone of ``embedder``), or None without an LLM."""
        if isinstance(self.embedder, str):  # "passthrough"
            return None
        from sklearn.base import clone

        from ..embedding import LLMEmbedder

        embedder = LLMEmbedder() if self.embedder is None else clone(self.embedder)
        return embedder.set_params(input_type="numeric").fit(np.zeros((1, self.window_length)))

    def _make_regressor(self, n_features):
        """The isotropy step and the head: what is fitted on the features."""
        from sklearn.base import clone
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import Pipeline

        from ..head import SoftmaxBinRegressor
        from ..isotropy import IsotropyCenterer

        # The forecaster's head learns a correction of the baseline, which its penalty
        # shrinks toward it; a free shift would undo that shrinkage (docs/benchmarks.md).
        head = SoftmaxBinRegressor(shift_alpha=None) if self.head is None else clone(self.head)
        values = IsotropyCenterer("center", normalize=True)
        if self.embedder_ is None:
            return Pipeline([("isotropy", values), ("head", head)])
        centerer = (IsotropyCenterer("center", normalize=True) if self.centerer is None
                    else clone(self.centerer))
        if self.include_values:
            # Scaled jointly, the embedding's norm would dwarf the window's values and
            # the penalty would silence them: each block gets unit mean norm.
            split = n_features - self.window_length
            centerer = ColumnTransformer([
                ("embedding", centerer, np.arange(split)),
                ("values", values, np.arange(split, n_features)),
            ])
        return Pipeline([("isotropy", centerer), ("head", head)])

    def _encode(self, many):
        """``[(features, scales)]`` per series: row i ends at value i + window_length - 1."""
        return encode(self.embedder_, many, self.window_length, stride=self._stride(),
                      include_values=self.include_values, n_jobs=self.n_jobs,
                      verbose=bool(getattr(self.embedder_, "verbose", False)))

    def _choose_encoding(self, n_series):
        if self.encoding != "auto":
            return self.encoding
        causal = self.embedder_ is None or self.embedder_._load().is_causal
        return "series" if causal and n_series > ONE_PASS_ABOVE else "window"

    def _stride(self):
        """States read per chunk; one prompt per window is a chunk of one window."""
        if self.encoding_ == "series":
            return self.stride or self.window_length
        return 1

    def _context_length(self):
        """Values of each series that the next forecast reads (None: all of them)."""
        if self.baseline_.context is None or self.combine is not None:
            return None  # statistical models are fitted on the whole history
        return max(self.window_length + self._stride() - 1, self.baseline_.context)

    def _keep(self, values):
        """The end of a series that later forecasts read."""
        context = self._context_length()
        return values if context is None else values[-context:]

    def _targets(self, values):
        """The values 1..horizon_ steps after each training window, one row per window.

        Steps past the end are NaN. A softmax head learns each step from every
        window with a value that many steps after it, so the nearest steps see the
        latest windows; any other ``head`` gets only the windows with a whole
        horizon (:meth:`_takes_missing_targets`).
        """
        padded = np.concatenate([values[self.window_length:], np.full(self.horizon_ - 1, np.nan)])
        return sliding_windows(padded, self.horizon_)

    def _takes_missing_targets(self):
        from sklearn.pipeline import Pipeline

        from ..head import SoftmaxBinRegressor

        final = self.head[-1] if isinstance(self.head, Pipeline) else self.head
        return final is None or isinstance(final, SoftmaxBinRegressor)

    def _series(self, y):
        """The keys and values of each series of ``y`` (one, keyed None, for a plain series)."""
        if isinstance(y.index, pd.MultiIndex):
            levels = list(range(y.index.nlevels - 1))
            groups = y.iloc[:, 0].groupby(level=levels if len(levels) > 1 else 0, sort=False)
            return [key for key, _ in groups], [g.to_numpy(dtype=float) for _, g in groups]
        return [None], [y.iloc[:, 0].to_numpy(dtype=float)]

    def _steps(self, fh):
        """Steps ahead of the cutoff (sktime rejects in-sample fh: capability:insample)."""
        return fh.to_relative(self.cutoff).to_numpy().astype(int)

    def _season_length(self, y):
        """``sp``, or the season of the time index's frequency if it fits a window."""
        if self.sp is not None:
            return self.sp
        from ._seasons import seasonal_period

        index = y.index.levels[-1] if isinstance(y.index, pd.MultiIndex) else y.index
        season = seasonal_period(index)
        return season if season <= self.window_length else 1

    # -- what the head sees ---------------------------------------------------------------

    def head_features(self, y):
        """The features the head sees for each window of ``y``, after the isotropy step.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            A series at least ``window_length`` long (each column of a DataFrame
            is one series), or a panel (MultiIndex: series, time).

        Returns
        -------
        ndarray of shape (n_windows, n_features)
            The LLM's part is the first ``n_embedding_features_`` columns.
        """
        self.check_is_fitted()
        frame = y.to_frame() if isinstance(y, pd.Series) else y
        if isinstance(frame.index, pd.MultiIndex):  # a panel: each instance is a series
            columns = self._series(frame)[1]
        else:  # each column is a series; leading NaN: it starts later than the others
            columns = [frame[c].dropna().to_numpy(dtype=float) for c in frame.columns]
        return self._transformed(np.vstack([rows for rows, _ in self._encode(columns)]))

    def _transformed(self, features):
        return final_step(self.regressor_, features)[0]

    def head_isotropy(self, y=None):
        """:func:`llmiso.metrics.isotropy_report` of the LLM's part of the head's features.

        Each measure beside the band isotropic data of the same size falls in.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame or None, default=None
            Series to embed (as :meth:`head_features`). None: the training windows
            (a seeded sample of up to 2,000 of them), kept by ``fit``, so nothing
            is embedded again.

        Returns
        -------
        pandas.DataFrame or None
            None without an LLM, or when every window's features are the same (a
            constant series): isotropy is undefined there.
        """
        import warnings

        from ..isotropy import isotropy_report

        self.check_is_fitted()
        features = self._transformed(self._isotropy_rows) if y is None else self.head_features(y)
        features = features[:, : self.n_embedding_features_]
        if not features.shape[1] or len(features) < 2 or not np.ptp(features, axis=0).any():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # few windows: the null accounts for it
            return isotropy_report(features, random_state=0)

    # -- sktime interface -----------------------------------------------------------------

    def _update(self, y, X=None, update_params=True):
        """Move each series' end forward with the new values; the head stays.

        Refitting the head needs the whole history: call ``fit`` for that.
        """
        position = {key: i for i, key in enumerate(self._keys)}
        keys, series = self._series(y)
        for key, values in zip(keys, series):
            if key not in position:
                raise ValueError(
                    f"update got the series {key!r}, which fit did not see; a fitted "
                    "forecaster only moves known series forward. Fit again to add series."
                )
            i = position[key]
            self._ends[i] = self._keep(np.concatenate([self._ends[i], values]))
        return self

    def _next_quantiles(self, ends, levels):
        """(n_series, horizon_, n_levels) quantiles from the end of each series."""
        # Only the last window is read: cut each end to what embedding it needs.
        reading = self.window_length + self._stride() - 1
        last = [(rows[-1], scales[-1]) for rows, scales in
                self._encode([end[-reading:] for end in ends])]
        features, head = final_step(self.regressor_, np.vstack([row for row, _ in last]))
        q = head.predict_quantiles(features, levels).reshape(len(ends), self.horizon_, len(levels))
        start = self.baseline_.forecasts(ends)
        return start[:, :, None] + q * np.array([scale for _, scale in last])[:, None, None]

    def _paths(self, levels, horizon):
        """(n_series, horizon, n_levels) quantiles of the steps 1..horizon."""
        ends = list(self._ends)
        if self.combiner_ is not None:
            return self._combined(ends, levels, horizon)
        if self.strategy == "direct":
            return self._next_quantiles(ends, levels)[:, :horizon]
        return self._recursive(ends, levels, horizon)

    def _combined(self, ends, levels, horizon):
        """The plain average of the head's quantiles and each statistical model's."""
        grid = sorted({0.5, *levels})
        paths = self.combiner_.paths(ends, grid, horizon)  # (models, series, steps, levels)
        if self.strategy == "direct":
            head = self._next_quantiles(ends, grid)[:, :horizon]
        else:
            head = self._recursive(ends, grid, horizon)
        mean = (head + paths.sum(axis=0)) / (1 + len(paths))
        return mean[..., [grid.index(level) for level in levels]]

    def _recursive(self, ends, levels, horizon):
        grid = sorted({0.5, *levels})
        out = np.empty((len(ends), horizon, len(levels)))
        for step in range(horizon):
            q = self._next_quantiles(ends, grid)[:, 0]
            out[:, step] = q[:, [grid.index(level) for level in levels]]
            # Feed the median back: the next window ends with this step's forecast.
            median = q[:, grid.index(0.5)]
            ends = [self._keep(np.append(end, m)) for end, m in zip(ends, median)]
        return out

    def _quantiles(self, fh, levels):
        steps = self._steps(fh)  # direct: sktime guarantees fh is the one of fit
        return self._paths(levels, int(steps.max()))[:, steps - 1, :]

    def _frame(self, fh, values, columns):
        """Rows of fh (per series for panels) from (n_series, len(fh), n_columns)."""
        index = fh.to_absolute_index(self.cutoff)
        if self._keys == [None]:
            return pd.DataFrame(values[0], index=index, columns=columns)
        rows = [(*(key if isinstance(key, tuple) else (key,)), t)
                for key in self._keys for t in index]
        return pd.DataFrame(values.reshape(-1, values.shape[-1]),
                            index=pd.MultiIndex.from_tuples(rows, names=self._y_names),
                            columns=columns)

    def _predict(self, fh, X=None):
        return self._frame(fh, self._quantiles(fh, [0.5]), self._y_columns)

    def _predict_quantiles(self, fh, X=None, alpha=None):
        levels = list(alpha)
        columns = pd.MultiIndex.from_product([self._get_varnames(), levels])
        return self._frame(fh, self._quantiles(fh, levels), columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Cheap settings for sktime's tests: a tiny random model built locally."""
        from ..embedding import LLMEmbedder
        from ..head import SoftmaxBinRegressor
        from ..isotropy import IsotropyCenterer

        tiny = LLMEmbedder("tiny-random-llama", dtype="float32")
        head = SoftmaxBinRegressor(n_bins=20)
        # Two sets cover both encodings, both strategies, a second centering and a
        # statistical backbone with a combination; each set runs sktime's whole
        # battery (hundreds of fits), so there are no more.
        return [
            {"embedder": tiny.set_params(pooling="mean"), "centerer": IsotropyCenterer("abtt"),
             "head": head, "window_length": 6, "baseline": "theta", "combine": "ets"},
            {"embedder": LLMEmbedder("tiny-random-llama", dtype="float32"), "head": head,
             "window_length": 6, "encoding": "series", "stride": 3, "strategy": "recursive"},
        ]
