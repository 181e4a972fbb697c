"""LLMForecaster: the llmiso pipeline as an sktime forecaster (imports sktime)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster

from ._models import DEFAULT_MODEL
from ._windows import sliding_windows

# Series per embedding task: small enough to spread a panel over workers, large
# enough that each task fills the model's batches.
SERIES_PER_TASK = 64
STRATEGIES = ("direct", "recursive")
ENCODINGS = ("window", "series")
BASELINES = ("seasonal_naive", "naive", "auto", None)


class LLMForecaster(BaseForecaster):
    """Forecast a series from LLM embeddings of its recent windows.

    The forecaster composes llmiso's pieces in one data flow: each window of
    ``window_length`` past values is divided by its mean absolute value, written as
    text ending where the next value begins, and embedded by a pretrained LLM
    (:class:`LLMEmbedder`); the common directions are removed and the features
    scaled to unit mean norm (:class:`IsotropyCenterer`, learned on the training
    windows); a softmax over value bins (:class:`SoftmaxBinRegressor`), fitted on
    each target's change from the seasonal naive forecast divided by its window's
    scale, gives the forecast distribution, whose quantiles are multiplied back by
    the last window's scale and added to that forecast.
    ``model=None`` runs the same flow without the LLM, on the scaled window itself.

    Strategies:

    - ``"direct"`` (default): one softmax head per horizon step, trained on every
      window with a value that many steps after it (a multi-output head whose
      missing targets are left out), so the first steps learn from the latest windows.
      The last window is embedded once, so the whole horizon costs one forward
      pass, and every step's quantiles are exact. Needs ``fh`` in ``fit``, and
      predicts for that ``fh``.
    - ``"recursive"``: one head for the next step; each step's median is appended
      to the window and the new window is embedded again. Quantiles of steps after
      the first are those of the next-step distribution along the median path, so
      they understate the uncertainty. Any ``fh``, given in ``fit`` or later.

    Encodings:

    - ``"window"`` (default): every window is written as its own prompt, scaled by
      its own mean absolute value, so each embedding sees exactly
      ``window_length`` values.
    - ``"series"``: each series is written once, in chunks, and the state after
      every value is read (:meth:`LLMEmbedder.embed_series`; causal models only).
      About ``window_length / 2`` times fewer tokens, so the embedding pass is
      about that much faster; each state sees ``window_length`` to ``window_length + stride - 1``
      values, scaled by one scale per chunk. See docs/benchmarks.md for its
      effect on accuracy.

    Panel and hierarchical ``y`` are fitted as one global model: the windows of
    every series train one head, and each series is forecast from its own last
    window (all series are assumed to end at the same time).

    Parameters
    ----------
    window_length : int, default=24
        Past values per window (the LLM's context).
    model : str or None, default="smollm2-135m"
        See :class:`LLMEmbedder`. None: no LLM at all, the same head on the scaled
        raw window (the baseline the LLM must beat).
    include_values : bool, default=True
        Give the head the scaled raw window beside the embedding (a hybrid). Each
        block is centered and scaled to unit mean norm on its own, so the penalty
        weighs the window's values as much as the embedding's hundreds of
        dimensions. The default because, without a baseline, the embedding alone
        lost what the raw values carry on seasonal series (M3 and Tourism: 1.26
        against 1.01 relative MASE); with the seasonal naive baseline the two are
        close (0.927 against 0.918, docs/benchmarks.md). False: the paper's model,
        the embedding alone.
    baseline : {"seasonal_naive", "naive", "auto"} or None, default="seasonal_naive"
        The forecast the head learns to correct: its targets are each step's
        change from that forecast, in units of the window's scale, so the penalty
        shrinks toward it. ``"seasonal_naive"``: the value ``sp`` steps before
        each step (the last value when ``sp`` is 1); ``"naive"``: the last value;
        ``"auto"``: per series, seasonal naive where its training values pass the
        90% autocorrelation test of a season of ``sp`` (the M4 Theta benchmark's
        test), else naive (``seasonal_`` says which; measured, not the default:
        better on some series, worse on M3/Tourism); None: no baseline, the head
        learns the scaled value itself (which its penalty shrinks toward the
        training windows' average level). On M3 and
        Tourism the seasonal naive baseline took relative MASE from 1.006 to 0.932
        (docs/benchmarks.md).
    sp : int or None, default=None
        Season length for ``baseline="seasonal_naive"``, at most ``window_length``.
        None: from the time index's frequency (12 monthly, 4 quarterly, 52 weekly,
        7 daily, 24 hourly, else 1), or 1 when that season is longer than the window.
    layer : int or list of int, default=-1
        Hidden state(s) to read; see :class:`LLMEmbedder`.
    pooling : {"last", "mean", "first"}, default="last"
    centering : {"center", "abtt", "whiten", "cluster", "none"}, default="center"
        :class:`IsotropyCenterer` method. Plain centering changes the head's fit
        little (its bias absorbs a common offset); whitening changes it most, and
        was better on some series and worse on others in our backtests
        (docs/benchmarks.md): tune it.
    n_bins : int, default=100
    bin_range : "auto", tuple of float or None, default=None
        Where the head's uniform bins lie, in units of each window's mean |value|
        (the scaled targets the head learns), the two open-ended edge bins taking
        the rest. A tuple such as ``(0, 3)``: fixed there. ``"auto"``: ``(0, 3)``
        when every training target is non-negative (positive values and no
        baseline), else ``(-3, 3)``. None: the
        training targets' median +- 4 robust scales.
    alpha : float or "auto", default=1.0
        L2 penalty of the softmax head (on features of unit mean norm). With the
        seasonal naive baseline it shrinks the forecast toward that baseline, and
        1 beat 0.1 on M3/Tourism (0.918 against 0.932 relative MASE) and on the
        bundled series (docs/benchmarks.md); without a baseline 0.1 was better.
        ``"auto"`` chooses it among 0.01, 0.1, 1
        and 10 by time-ordered cross-validation on the training windows
        (:class:`SoftmaxBinRegressorCV`; the embeddings are computed once).
    strategy : {"direct", "recursive"}, default="direct"
    encoding : {"window", "series"}, default="window"
    stride : int, default=None
        With ``encoding="series"``: states read per chunk (None: ``window_length``).
    decimals : int, default=2
    batch_size : int, default=32
    dtype : str, default="auto"
    device : str, default="auto"
    cache_dir : str or None, default=None
        On-disk embedding cache (see :class:`LLMEmbedder`); speeds up refits in
        backtests and tuning.
    verbose : bool, default=False
        Progress bar while embedding.
    n_jobs : int, default=None
        Groups of ``SERIES_PER_TASK`` series embedded at once, in joblib workers
        (None: 1 unless in a ``joblib.parallel_backend`` context; -1: all). Under
        ``joblib.parallel_backend("dask")`` the groups run on a Dask cluster, each
        worker loading the model once, and the head is fitted once on the gathered
        embeddings. The groups are the same for any ``n_jobs``, so the result is
        identical to a single process.
    embedder : LLMEmbedder, default=None
        Used (cloned) instead of the embedder built from ``model``, ``layer``,
        ``pooling``, ``decimals``, ``batch_size``, ``dtype``, ``device``,
        ``cache_dir`` and ``verbose``, for settings those do not reach.
    head : regressor with ``predict_quantiles``, default=None
        Fitted (a clone) on the features and the scaled targets instead of the
        default ``make_pipeline(IsotropyCenterer(centering, normalize=True),
        SoftmaxBinRegressor(n_bins=n_bins, alpha=alpha))`` (with ``bin_range``);
        ``centering``, ``n_bins``, ``bin_range`` and ``alpha`` then do nothing.

    Attributes
    ----------
    regressor_ : Pipeline or regressor
        The isotropy transform and head (or ``head``), fitted on the features of
        every training window and its targets divided by the window's scale.
    embedder_ : LLMEmbedder or None
        The fitted embedder; None with ``model=None``.
    n_embedding_features_ : int
        How many of the features the head sees (:meth:`head_features`, the first
        ones) come from the LLM: all of them, all but the ``window_length`` scaled
        values with ``include_values``, none with ``model=None``.
    horizon_ : int
        Steps ahead the direct heads were trained for.
    sp_ : int
        The season length the seasonal naive baseline reads.
    seasonal_ : dict
        With ``baseline="auto"``: for each series (keyed as in the panel, None for
        a single series), whether it passed the seasonality test.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from llmiso.forecasting import LLMForecaster
    >>> y = load_airline()
    >>> forecaster = LLMForecaster(window_length=12).fit(y, fh=[1, 2, 3])
    >>> pred = forecaster.predict()  # about 440, 415, 470 (1960: 417, 391, 419)
    >>> bool(pred.between(400, 520).all())
    True
    >>> interval = forecaster.predict_interval(coverage=0.8)
    >>> bool((interval.iloc[:, 0] < pred).all() and (pred < interval.iloc[:, 1]).all())
    True
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
        bin_range=None,
        alpha=1.0,
        strategy="direct",
        encoding="window",
        stride=None,
        decimals=2,
        batch_size=32,
        dtype="auto",
        device="auto",
        cache_dir=None,
        verbose=False,
        include_values=True,
        baseline="seasonal_naive",
        sp=None,
        embedder=None,
        head=None,
        n_jobs=None,
    ):
        self.window_length = window_length
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.centering = centering
        self.n_bins = n_bins
        self.bin_range = bin_range
        self.alpha = alpha
        self.strategy = strategy
        self.encoding = encoding
        self.stride = stride
        self.decimals = decimals
        self.batch_size = batch_size
        self.dtype = dtype
        self.device = device
        self.cache_dir = cache_dir
        self.verbose = verbose
        self.include_values = include_values
        self.baseline = baseline
        self.sp = sp
        self.embedder = embedder
        self.head = head
        self.n_jobs = n_jobs
        super().__init__()
        self._y = self._X = None  # sktime's data memory, empty as with remember_data
        if strategy == "recursive":  # one next-step head serves any horizon
            self.set_tags(**{"requires-fh-in-fit": False})

    # -- the one data flow: series -> (embeddings, scales) -> head on scaled targets ----

    def _make_embedder(self):
        from sklearn.base import clone

        from .embedder import LLMEmbedder

        if self.embedder is not None:
            return clone(self.embedder).set_params(input_type="numeric")
        return LLMEmbedder(
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

    def _make_head(self, targets, n_features):
        """Isotropy transform and softmax head: what is fitted on the embeddings."""
        from sklearn.base import clone
        from sklearn.pipeline import make_pipeline

        from .centerer import IsotropyCenterer
        from .softmax_head import SoftmaxBinRegressor, SoftmaxBinRegressorCV

        if self.head is not None:
            return clone(self.head)
        bins = dict(n_bins=self.n_bins)
        if self.bin_range is not None:
            span = self.bin_range
            if isinstance(span, str):  # "auto"; the targets are in units of their window's level
                span = (0.0, 3.0) if np.nanmin(targets) >= 0 else (-3.0, 3.0)
            bins.update(bin_range=tuple(span), bin_placement="fixed")
        if isinstance(self.alpha, str):  # "auto": chosen by time-series CV in fit
            softmax = SoftmaxBinRegressorCV(**bins)
        else:
            softmax = SoftmaxBinRegressor(alpha=self.alpha, **bins)
        isotropy = IsotropyCenterer(self.centering, normalize=True)
        if self.include_values and self.embedder_ is not None:
            from sklearn.compose import ColumnTransformer

            # Scaled jointly, the embedding's norm would dwarf the window's values and
            # the penalty would silence them: each block gets unit mean norm.
            split = n_features - self.window_length
            isotropy = ColumnTransformer([
                ("embedding", isotropy, np.arange(split)),
                ("values", IsotropyCenterer("center", normalize=True),
                 np.arange(split, n_features)),
            ])
        return make_pipeline(isotropy, softmax)

    def _context_length(self):
        """Values of each series that the next forecast reads."""
        return self.window_length + self._stride() - 1

    def _stride(self):
        """States read per chunk; one prompt per window is a chunk of one window."""
        if self.encoding == "series":
            return self.stride or self.window_length
        return 1

    def _encode(self, many):
        """(embeddings, scales) of every window of each series: row i ends at value i + W - 1.

        ``scales`` are what each row's prompt was divided by; targets divided by them
        are in the units the model read.
        """
        from .scaling import mean_abs_scale

        windows = [sliding_windows(values, self.window_length) for values in many]
        scales = [mean_abs_scale(w) for w in windows]
        if self.embedder_ is None:  # no LLM: the head reads the scaled window itself
            return [(w / s[:, None], s) for w, s in zip(windows, scales)]
        from joblib import Parallel, delayed
        from tqdm.auto import tqdm

        # Fixed groups, whatever n_jobs: the model sees the same batches either way.
        groups = [slice(i, i + SERIES_PER_TASK) for i in range(0, len(many), SERIES_PER_TASK)]
        calls = [(self.embedder_, many[g], windows[g], scales[g], self.window_length,
                  self._stride()) for g in groups]
        client = None if self.n_jobs == 1 else _dask_client()
        if client is not None:
            # Submitted to the cluster directly: joblib runs the work of a cluster with a
            # single worker thread here in the client (its shortcut for one job).
            futures = [client.submit(_embed_group, *call, pure=False) for call in calls]
            tasks = (future.result() for future in futures)
        else:
            tasks = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(_embed_group)(*call) for call in calls)
        encoded = []
        # Over series, wherever the groups run (the embedder's own bar is per group).
        with tqdm(total=len(many), desc="Series", unit="series",
                  disable=not self.verbose or len(groups) < 2) as progress:
            for part in tasks:
                encoded.extend(part)
                progress.update(len(part))
        if self.include_values:  # each row beside the window it ends, in that row's scale
            encoded = [(np.hstack([e, w / s[:, None]]), s) for (e, s), w in zip(encoded, windows)]
        return encoded

    def _series(self, y):
        """The values of each series of ``y`` (one for a plain series), in order."""
        if isinstance(y.index, pd.MultiIndex):
            levels = list(range(y.index.nlevels - 1))
            groups = y.iloc[:, 0].groupby(level=levels if len(levels) > 1 else 0, sort=False)
            return [(key, group.to_numpy(dtype=float)) for key, group in groups]
        return [(None, y.iloc[:, 0].to_numpy(dtype=float))]

    def _steps(self, fh):
        """Steps ahead of the cutoff (sktime rejects in-sample fh: capability:insample)."""
        return fh.to_relative(self.cutoff).to_numpy().astype(int)

    # -- sktime interface ----------------------------------------------------------------

    def _fit(self, y, X=None, fh=None):
        self._check_parameters()
        self.horizon_ = 1 if self.strategy == "recursive" else int(self._steps(fh).max())
        series = self._series(y)
        needed = self.window_length + self.horizon_
        for key, values in series:
            if len(values) < needed:
                name = "" if key is None else f" {key}"
                raise ValueError(
                    f"The series{name} has {len(values)} values, but a window of "
                    f"{self.window_length} plus a horizon of {self.horizon_} needs at "
                    f"least {needed}. Use a smaller window_length or a shorter fh."
                )
        self.sp_ = self._season_length(y)
        if self.baseline == "auto":
            from ._seasons import is_seasonal

            self.seasonal_ = {key: is_seasonal(values, self.sp_) for key, values in series}
        self.embedder_ = None
        if self.model is not None or self.embedder is not None:
            self.embedder_ = self._make_embedder().fit(np.zeros((1, self.window_length)))
        features, targets = [], []
        encoded = self._encode([v for _, v in series])
        for (key, values), (embeddings, scales) in zip(series, encoded):
            future = self._targets(values)
            features.append(embeddings[: len(future)])
            ends = np.arange(len(future)) + self.window_length - 1
            baseline = self._baseline(values, ends, self._baseline_season(key))
            targets.append((future - baseline) / scales[: len(future), None])
        features, targets = np.vstack(features), np.vstack(targets)
        self.regressor_ = self._make_head(targets, features.shape[1]).fit(features, targets)
        # Counted after the transform: whitening, say, keeps fewer dimensions than it gets.
        from ._pipeline import final_step

        width = final_step(self.regressor_, features[:1])[0].shape[1]
        self.n_embedding_features_ = 0 if self.embedder_ is None else width - (
            self.window_length if self.include_values else 0)
        self._remember_tails(y)
        return self

    def _targets(self, values):
        """The values 1..horizon_ steps after each training window, one row per window.

        A softmax head learns each step from every window with a value that many
        steps after it (missing steps are NaN), so the nearest steps see the latest
        windows; any other ``head`` gets only the windows with a whole horizon.
        """
        from sklearn.pipeline import Pipeline

        from .softmax_head import SoftmaxBinRegressor

        W, H = self.window_length, self.horizon_
        final = self.head[-1] if isinstance(self.head, Pipeline) else self.head
        if final is not None and not isinstance(final, SoftmaxBinRegressor):
            return sliding_windows(values[W:], H)
        padded = np.concatenate([values[W:], np.full(H - 1, np.nan)])
        return sliding_windows(padded, H)

    def _check_parameters(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}.")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}.")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {BASELINES}, got {self.baseline!r}.")
        if self.sp is not None and (isinstance(self.sp, bool) or not isinstance(self.sp, Integral)
                                    or not 1 <= self.sp <= self.window_length):
            raise ValueError(f"sp must be a season length from 1 to window_length="
                             f"{self.window_length} (the baseline reads it inside each window), "
                             f"got {self.sp!r}. Use a longer window_length or sp=None.")
        if isinstance(self.bin_range, str) and self.bin_range != "auto":
            raise ValueError(f"bin_range must be 'auto', (low, high) or None, got {self.bin_range!r}.")
        if isinstance(self.window_length, bool) or not isinstance(self.window_length, Integral) \
                or self.window_length < 1:
            raise ValueError(f"window_length must be a positive integer, got {self.window_length!r}.")

    def head_features(self, y):
        """The features the softmax head sees for each window of ``y``.

        Embeddings after the fitted isotropy transform: measure their isotropy
        with :mod:`llmiso.metrics`.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            A series at least ``window_length`` long (each column of a DataFrame
            is one series), or a panel (MultiIndex: series, time).

        Returns
        -------
        ndarray of shape (n_windows, n_features)
        """
        from ._pipeline import final_step

        self.check_is_fitted()
        frame = y.to_frame() if isinstance(y, pd.Series) else y
        if isinstance(frame.index, pd.MultiIndex):  # a panel: each instance is a series
            columns = [values for _, values in self._series(frame)]
        else:  # each column is a series; leading NaN: it starts later than the others
            columns = [frame[c].dropna().to_numpy(dtype=float) for c in frame.columns]
        embeddings = np.vstack([e for e, _ in self._encode(columns)])
        return final_step(self.regressor_, embeddings)[0]

    def head_isotropy(self, y):
        """:func:`llmiso.metrics.isotropy_summary` of the LLM's part of :meth:`head_features`.

        The embeddings after the isotropy transform (the scaled values of
        ``include_values`` left out). None when every window's features are the
        same (a constant series), or without an LLM, where isotropy is undefined.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame

        Returns
        -------
        dict or None
        """
        import warnings

        from .metrics import isotropy_summary

        features = self.head_features(y)[:, : self.n_embedding_features_]
        if not np.ptp(features, axis=0).any():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # few windows: said in the docs
            return isotropy_summary(features, random_state=0)

    def _remember_tails(self, y):
        """Keep the end of each series: what the next forecast starts from."""
        self._tails = {key: values[-self._context_length() :] for key, values in self._series(y)}
        self._y_names, self._y_columns = y.index.names, y.columns

    def _update(self, y, X=None, update_params=True):
        """Move each series' last window forward with the new values; the heads stay.

        Refitting the heads needs the whole history: call ``fit`` for that.
        """
        for key, values in self._series(y):
            if key not in self._tails:
                raise ValueError(
                    f"update got the series {key!r}, which fit did not see; a fitted "
                    "forecaster only moves known series forward. Fit again to add series."
                )
            self._tails[key] = np.concatenate([self._tails[key], values])[
                -self._context_length() :
            ]
        return self

    def _next_quantiles(self, tails, levels):
        """(n_series, horizon_, n_levels) quantiles from the end of each series."""
        from ._pipeline import final_step

        last = [(e[-1], s[-1]) for e, s in self._encode(tails)]
        features, head = final_step(self.regressor_, np.vstack([e for e, _ in last]))
        q = head.predict_quantiles(features, levels).reshape(len(tails), self.horizon_, len(levels))
        seasons = [self._baseline_season(key) for key in self._tails]  # tails' order
        start = np.vstack([self._baseline(tail, [len(tail) - 1], season)
                           for tail, season in zip(tails, seasons)])
        return start[:, :, None] + q * np.array([s for _, s in last])[:, None, None]

    def _baseline_season(self, key):
        """The season the baseline of series ``key`` reads: 1 is the naive forecast."""
        if self.baseline == "naive" or (self.baseline == "auto" and not self.seasonal_[key]):
            return 1
        return self.sp_

    def _baseline(self, values, ends, sp):
        """(len(ends), horizon_) forecasts the head's targets are measured from.

        Row i is for the window ending at ``values[ends[i]]``: zeros, or its
        seasonal naive forecast with season ``sp`` (the value ``sp`` steps before
        each step, inside the window since ``sp <= window_length``; 1: the last value).
        """
        ends = np.asarray(ends)
        if self.baseline is None:
            return np.zeros((len(ends), self.horizon_))
        steps = np.arange(1, self.horizon_ + 1)
        offsets = steps - sp * np.ceil(steps / sp).astype(int)  # in (-sp, 0]
        return np.asarray(values, dtype=np.float64)[ends[:, None] + offsets]

    def _season_length(self, y):
        """``sp``, or the season of the time index's frequency if it fits a window."""
        if self.sp is not None:
            return self.sp
        from ._seasons import seasonal_period

        index = y.index.levels[-1] if isinstance(y.index, pd.MultiIndex) else y.index
        season = seasonal_period(index)
        return season if season <= self.window_length else 1

    def _paths(self, levels, horizon):
        """(n_series, horizon, n_levels) quantiles of the steps 1..horizon."""
        tails = list(self._tails.values())
        if self.strategy == "direct":
            return self._next_quantiles(tails, levels)[:, :horizon]
        grid = sorted({0.5, *levels})
        out = np.empty((len(tails), horizon, len(levels)))
        context = self._context_length()
        for step in range(horizon):
            q = self._next_quantiles(tails, grid)[:, 0]
            out[:, step] = q[:, [grid.index(level) for level in levels]]
            # Feed the median back: the next window ends with this step's forecast.
            median = q[:, grid.index(0.5)]
            tails = [np.append(tail, m)[-context:] for tail, m in zip(tails, median)]
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
            {**base, "encoding": "series", "stride": 3},
        ]


def _dask_client():
    """The Dask client of an active ``joblib.parallel_backend("dask")``, or None.

    None inside a Dask task too: there joblib's nested backend knows how to wait for
    tasks without holding the worker's thread.
    """
    from joblib.parallel import get_active_backend

    client = getattr(get_active_backend()[0], "client", None)
    if client is None:
        return None
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:  # not in a worker: the client's own process
        return client
    return None


def _embed_group(embedder, many, windows, scales, window_length, stride):
    """(embeddings, scales) of each series of one group: a task for a joblib or Dask worker."""
    if stride > 1:
        return embedder.embed_series(many, window_length, stride=stride)
    embeddings = np.split(embedder.transform(np.vstack(windows)),
                          np.cumsum([len(w) for w in windows])[:-1])
    return list(zip(embeddings, scales))
