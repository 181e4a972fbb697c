"""LLMForecaster: the llmiso pipeline as an sktime forecaster, made of parts (imports sktime).

The parts, each with its own settings and fitted state: the embedder, the isotropy
step and the head (``_regressor``), the encoding (``_encoding``), the baseline the
head corrects (``_baselines``), the strategy (``_strategies``) and the combination
with statistical models (``_combination``); the training set is cut in ``_windows``.
"""

import time
from contextlib import contextmanager
from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sktime.forecasting.base import BaseForecaster

from .._pipeline import final_step
from ._baselines import NAMES as BASELINES
from ._baselines import make_baseline
from ._combination import VALIDATION_LEVELS, Combination, make_combination
from ._encoding import (
    ENCODINGS,
    SeriesPass,
    WindowPrompts,
    choose_encoding,
    embedder_part,
    encode,
    fitted_embedder,
)
from ._inspection import HeadFeaturesMixin
from ._prediction import PredictionMixin
from ._pretrained import PRETRAIN_WINDOW as PRETRAINED_WINDOW  # the shipped heads' window
from ._pretrained import (
    IncompatibleHeadError,
    PretrainedHead,
    PretrainingMixin,
    check_pretrained,
)
from ._regressor import centerer_part, head_part, make_regressor, takes_missing_targets
from ._seasons import season_of
from ._statistical import NAMES as STATISTICAL
from ._strategies import STRATEGIES
from ._validation import held_out_origins, held_out_paths, validation_windows
from ._windows import (
    Panel,
    check_lengths,
    origin_counts,
    season_window,
    training_set,
    training_windows,
)

# What a part's shortcut (None, a name, a tuple of models) stands for: the one place
# both fit and set_params (``combine__weights`` on a default forecaster) build it.
PARTS = {"embedder": embedder_part, "centerer": centerer_part, "head": head_part,
         "combine": make_combination}

#: The default head's rule (``head="auto"``): below this many training windows (a whole
#: horizon after each) the shipped pretrained head forecasts; from it on, a head is
#: fitted on the series. One series fitted alone gives a few dozen to a few hundred
#: windows, where the head fitted on it was the weakest member of the combination and
#: the shipped one the strongest (docs/benchmarks.md, "One forecaster per series");
#: panels give thousands, where a fitted head and the shipped one tie in the combination.
FIT_HEAD_FROM = 500

# Training rows kept for head_isotropy() without y: every measure samples at most
# this many (the cluster cosine's 2,000), so no second pass over the series is needed.
ISOTROPY_ROWS = 2000


@contextmanager
def _timed(seconds, part):
    """Add the seconds the block takes to ``seconds[part]``."""
    start = time.perf_counter()
    yield
    seconds[part] = seconds.get(part, 0.0) + time.perf_counter() - start


class LLMForecaster(PredictionMixin, PretrainingMixin, HeadFeaturesMixin, BaseForecaster):
    """Forecast a series from LLM embeddings of its recent windows.

    A composite of llmiso's estimators over the windows of a series or a panel:
    each window of ``window_length`` past values is embedded by ``embedder`` (an
    :class:`~llmiso.LLMEmbedder`, which writes it as text divided by its mean
    absolute value and reads the state where the next value begins); ``centerer``
    (an :class:`~llmiso.IsotropyCenterer`, learned on the training windows) removes
    the common directions and scales the embedding to unit mean norm; ``head`` (a
    :class:`~llmiso.SoftmaxHeadForecaster`) learns each step's change from the
    ``baseline`` forecast, divided by the window's mean absolute value, and gives
    the forecast distribution, whose quantiles are multiplied back by the last
    window's scale and added to the baseline's forecast from the cutoff. By default
    it is then averaged, level by level, with statsforecast's AutoETS, AutoTheta and
    AutoCES (``combine``; docs/benchmarks.md measures what each part is worth).

    ``embedder="passthrough"``: the same flow without the LLM, the null to beat.

    Panel and hierarchical ``y`` are fitted as one global model: the windows of
    every series train one head, and each series is forecast from its own end. In
    a panel whose series end at different times, ``fh`` counts from each series' own
    end, and its forecasts are labelled there (as sktime's per-series forecasters and
    statsforecast do).

    Parameters
    ----------
    embedder : LLMEmbedder, "passthrough" or None, default=None
        Cloned and fitted on numeric windows. None: :func:`forecasting_embedder`, the
        embedded SmolLM2-135M at 12 of its 30 layers, values in LLMTime's digit form
        (chosen on M3 and Tourism, docs/benchmarks.md). ``"passthrough"``: no LLM.
    centerer : transformer or None, default=None
        Cloned and fitted on the training windows' embeddings. None:
        ``IsotropyCenterer("center", normalize=True)``. Unused without an LLM.
    head : "auto", regressor, "pretrained", PretrainedHead or None, default="auto"
        ``"auto"``: the head the package ships for the embedder (pretrained on a
        corpus, see ``"pretrained"``) where the series give fewer than
        ``FIT_HEAD_FROM`` (500) training windows with a whole horizon after them,
        as one series fitted alone does; from there on, or where no head ships for
        the embedder, window, ``centerer`` or horizon (more than 24 steps), a head
        fitted as with None. ``pretrained_head_`` says which it took. A regressor
        is fitted on the features and the scaled targets (a column per step); None:
        ``SoftmaxHeadForecaster(shift_alpha=None)``, whose penalty shrinks toward
        the baseline; any head but a softmax one gets only whole horizons.
        ``"pretrained"`` (the head the package ships for the default embedder) or
        a :class:`PretrainedHead`: no head is fitted, it forecasts zero-shot.
    baseline : str, statsforecast model, sktime forecaster, list or None, default="seasonal_naive"
        The forecast the head learns to correct (its penalty shrinks toward it):
        ``"seasonal_naive"``, the value ``sp`` steps before each step; ``"naive"``,
        the last value; ``"auto"``, per series seasonal naive where it passes the
        M4 Theta benchmark's 90% seasonality test, else naive (``baseline_.seasonal_``);
        ``"ets"``, ``"theta"``, statsforecast models or a list of them: their mean
        forecast (a statistical backbone; from the training origins by
        ``cross_validation``, ``refit=False``); an sktime forecaster (its
        ``update_predict``, slow for many series); None: the scaled value itself.
    combine : Combination, str, statsforecast model, tuple, list or None, \
default=("ets", "theta", "ces")
        The statistical models combined with the head, level by level: by default
        the plain average of the head, AutoETS, AutoTheta and AutoCES
        (:class:`Combination`: a name, model or tuple is its ``models``; tunable as
        ``combine__...``, e.g. ``combine__weights="evidence"``). None: the head's
        forecast alone.
    window_length : int or None, default=None
        Past values per window (the LLM's context). None: 24 for a pretrained head
        (series shorter are left-padded with their first value); for a fitted head
        two seasons of ``sp``, at most 24 values (24 monthly, 8 quarterly; 4 without
        a season), and series shorter than that window are padded likewise and give
        the head no training window. A window given here must fit in every series
        with the horizon.
    n_origins : int or None, default=None
        The head learns from each series' latest ``n_origins`` windows (None: all),
        and only those are embedded, while statistical models read every value. A
        statistical backbone's first origin has 40 values before it where a series
        has them, but every series keeps at least a horizon of origins (where a
        model cannot be fitted on so few values, the naive forecast stands in).
    strategy : {"direct", "recursive"}, default="direct"
        ``"direct"``: one softmax per step, each trained on every window with a
        value that many steps after it, exact quantiles, ``fh`` in ``fit``.
        ``"recursive"``: a next-step head, medians fed back (later quantiles
        understate the uncertainty), any ``fh``.
    encoding : {"auto", "window", "series"}, WindowPrompts or SeriesPass, default="auto"
        How windows are read: ``"window"`` (:class:`WindowPrompts`), each window its
        own prompt; ``"series"`` (:class:`SeriesPass`, whose ``stride`` sets the
        states read per chunk), each series written once in chunks, the state after
        every value read (causal models; about ``window_length / 2`` times fewer
        tokens); ``"auto"``: ``"series"`` for panels of more than 10 series with a
        causal model, else ``"window"`` (docs/benchmarks.md).
    include_values : bool, default=True
        Give the head the scaled window beside the embedding, each block centered and
        of unit mean norm on its own (so the penalty weighs both alike). False: the
        paper's model, the embedding alone. Unused without an LLM.
    sp : int or None, default=None
        Season length of the seasonal naive baseline, at most ``window_length``.
        None: from the time index's frequency (12 monthly, 4 quarterly, 52 weekly,
        7 daily, 24 hourly, else 1), or 1 when that season is longer than the window
        (than 24 values with ``window_length=None``).
    n_jobs : int or None, default=None
        Groups of series embedded and statistical models fitted at once, in joblib
        workers (-1: all), or on a Dask cluster under ``joblib.parallel_backend(
        "dask")``, each worker loading the model once; the default head's steps
        in as many threads. The result is the same for any ``n_jobs``.

    Attributes
    ----------
    embedder_ : LLMEmbedder or None
        The fitted embedder; None without an LLM.
    encoding_ : WindowPrompts or SeriesPass
        The encoding used.
    regressor_ : Pipeline
        The fitted isotropy step (the centerer, beside the values' own centering
        with ``include_values``) and head.
    baseline_ : object
        The fitted baseline (for a statistical backbone, its models in
        ``baseline_.models_``; with ``baseline="auto"``, ``baseline_.seasonal_``).
    combiner_ : Combination or None
        The fitted combination with statistical models (``combine``).
    pretrained_head_ : PretrainedHead or None
        The pretrained head that forecasts zero-shot (its ``config`` says what it was
        trained on), or None when ``fit`` learned the head from the series.
    window_length_ : int
        The window the head read.
    n_embedding_features_ : int
        How many of the features the head sees (:meth:`head_features`, the first
        ones) come from the LLM.
    horizon_ : int
        Steps ahead the heads were trained for.
    sp_ : int
        The season length the seasonal naive baseline and the statistical models read.
    seconds_ : dict
        Seconds ``fit`` spent on the statistical models (a backbone's and the
        combination's), the embedding pass and the head (with its isotropy step).

    Notes
    -----
    ``update`` moves each series' end forward and keeps the head. Statistical models
    (a backbone, the combination) run forward over the new values with their fitted
    parameters (statsforecast's ``forward``) with ``update_params=False``, and are
    refitted on the whole history with ``update_params=True``.

    See Also
    --------
    llmiso.LLMEmbedder, llmiso.IsotropyCenterer, llmiso.SoftmaxHeadForecaster
    sktime.forecasting.compose.make_reduction : The same reduction with any regressor.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from llmiso import SoftmaxHeadForecaster
    >>> from llmiso.forecasting import LLMForecaster
    >>> y = load_airline()
    >>> forecaster = LLMForecaster(window_length=12).fit(y, fh=[1, 2, 3])
    >>> pred = forecaster.predict()  # 1960 ended at 432; 1961 began 417, 391, 419
    >>> bool(pred.between(380, 520).all())
    True
    >>> interval = forecaster.predict_interval(coverage=0.8)
    >>> bool((interval.iloc[:, 0] < pred).all() and (pred < interval.iloc[:, 1]).all())
    True
    >>> null = LLMForecaster("passthrough", head=SoftmaxHeadForecaster(alpha=0.1),
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
        "capability:pretrain": True,
    }

    # The forecaster keeps the end of each series itself (_update), so sktime need not
    # store every value seen.
    _config = {"remember_data": False}

    _parameter_constraints = {
        "embedder": [HasMethods(["fit", "transform"]), StrOptions({"passthrough"}), None],
        "centerer": [HasMethods(["fit", "transform"]), None],
        "head": [HasMethods(["fit", "predict_quantiles"]), StrOptions({"auto", "pretrained"}),
                 PretrainedHead, None],
        "baseline": [StrOptions(set(BASELINES)), HasMethods(["forecast", "forward"]),
                     HasMethods(["fit", "update_predict"]), list, tuple, None],
        "combine": [Combination, StrOptions(set(STATISTICAL)), HasMethods(["forecast", "forward"]),
                    list, tuple, None],
        "window_length": [Interval(Integral, 1, None, closed="left"), None],
        "n_origins": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions(set(STRATEGIES))],
        "encoding": [StrOptions({"auto", *ENCODINGS}), WindowPrompts, SeriesPass],
        "include_values": ["boolean"],
        "sp": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        embedder=None,
        centerer=None,
        head="auto",
        baseline="seasonal_naive",
        combine=("ets", "theta", "ces"),
        *,
        window_length=None,
        n_origins=None,
        strategy="direct",
        encoding="auto",
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
        self.include_values = include_values
        self.sp = sp
        self.n_jobs = n_jobs
        super().__init__()
        if strategy == "recursive":  # one next-step head serves any horizon
            self.set_tags(**{"requires-fh-in-fit": False})

    def set_params(self, **params):
        """Set parameters, a part's own among them (``combine__weights``, ``head__alpha``).

        A part given by a shortcut (the defaults None and ``("ets", "theta", "ces")``,
        a model's name) first becomes the estimator it stands for, as ``fit`` would
        build it, so its parameters can be set and searched over.

        Returns
        -------
        self : LLMForecaster
        """
        for name in {key.split("__", 1)[0] for key in params if "__" in key} & set(PARTS):
            value = params.pop(name, getattr(self, name))
            if not hasattr(value, "set_params"):  # a shortcut; an estimator stays itself
                part = PARTS[name](value)
                if not hasattr(part, "set_params"):
                    raise ValueError(f"{name}={value!r} has no parameters to set: give "
                                     f"{name} an estimator to set its parameters.")
                value = part
            params[name] = value
        return super().set_params(**params)

    # -- fit: series -> features -> head on scaled targets ---------------------------------

    def _fit(self, y, X=None, fh=None):
        self._check_parameters()
        self.horizon_ = STRATEGIES[self.strategy].horizon(fh, self.cutoff)
        self.sp_ = self.sp or season_of(y, self.window_length or PRETRAINED_WINDOW)
        panel = Panel.of(y)
        self.embedder_, self.pretrained_head_, self.window_length_ = self._choose_head(panel)
        baseline = make_baseline(self.baseline)
        combiner = make_combination(self.combine)
        self.seconds_ = {}
        if self.pretrained_head_ is None:
            panel, counts, trained, encoded, features, new_regressor = self._fit_head(
                panel, baseline, combiner)
        else:  # zero-shot: the pretrained head, as it is
            panel, counts, trained, encoded, features = self._fit_zero_shot(panel, baseline,
                                                                            combiner)
            new_regressor = self.regressor_
        self.combiner_ = self._fit_combination(combiner, panel.series, counts, trained,
                                               encoded, new_regressor)
        # Counted after the transform: whitening, say, keeps fewer dimensions than it gets.
        width = final_step(self.regressor_, features[:1])[0].shape[1]
        self.n_embedding_features_ = 0 if self.embedder_ is None else width - self._n_values()
        pick = np.random.default_rng(0).permutation(len(features))[:ISOTROPY_ROWS]
        self._isotropy_rows = features[np.sort(pick)]
        self._panel = replace(panel, series=[self._keep(v) for v in panel.series])
        # Each series' last window, embedded already: predict reads it, not the model.
        self._last_windows = [(rows[-1], scales[-1]) for rows, scales in encoded]
        return self

    def _choose_head(self, panel):
        """The fitted embedder, the pretrained head that forecasts zero-shot (None: a
        head is fitted) and the window. By the default head's rule (``head="auto"``):
        the head the package ships for this embedder where the series give a head
        fewer than ``FIT_HEAD_FROM`` training windows, else a head fitted on them."""
        fitted_window = self.window_length or season_window(self.sp_)
        found = getattr(self, "pretrained_", None)
        if isinstance(self.head, PretrainedHead):
            found = self.head
        wanted = found is not None or self.head == "pretrained" or (
            self.head == "auto" and self._ships_head_for(panel, fitted_window))
        if wanted:
            window = self.window_length or (PRETRAINED_WINDOW if found is None
                                            else found.config["window_length"])
            embedder = fitted_embedder(self.embedder, window)
            try:
                return embedder, check_pretrained(
                    found, embedder, window_length=window,
                    include_values=self.include_values, centerer=self.centerer), window
            except (IncompatibleHeadError, FileNotFoundError):
                if self.head != "auto" or found is not None:
                    raise
                # No head ships for this embedder: the rule fits one.
        return fitted_embedder(self.embedder, fitted_window), None, fitted_window

    def _ships_head_for(self, panel, fitted_window):
        """Whether the rule may take a shipped head here: the layout the shipped heads
        were made for (the default isotropy step, the scaled window beside the state,
        a window of 24, direct steps, at most 24 of them) and fewer training windows
        than ``FIT_HEAD_FROM``."""
        layout = (self.centerer is None and self.include_values
                  and STRATEGIES[self.strategy].scores_windows  # heads of whole windows
                  and self.window_length in (None, PRETRAINED_WINDOW)
                  and self.sp_ <= PRETRAINED_WINDOW and self.horizon_ <= PRETRAINED_WINDOW)
        windows = training_windows([len(v) for v in panel.series], fitted_window,
                                   self.horizon_, self.n_origins)
        return layout and windows < FIT_HEAD_FROM

    def _fit_head(self, panel, baseline, combiner):
        """Learn the head from every series' windows; embed, before the head's own
        origins, the held-out head's (the combination's evidence). Returns the panel,
        origins embedded and trained on per series, the rows, the head's features and
        a function that makes an unfitted isotropy step and head."""
        W, horizon = self.window_length_, self.horizon_
        if self.window_length is not None:  # a window the user chose: every series holds it
            check_lengths(panel, W, horizon)
        # Series shorter than the default window: forecast from their padded last window,
        # without a training window of their own.
        longest = max(map(len, panel.series))
        panel = panel.padded(W)
        extra = held_out_origins(combiner, horizon, self.strategy)
        counts = self._origin_counts(panel, baseline, self.n_origins and self.n_origins + extra)
        if not sum(counts):
            raise ValueError(
                f"No series is long enough to fit a head on: it needs more than a window of "
                f"{W} values, and the baseline needs {baseline.min_fit} before the first "
                f"origin; the longest series has {longest}. Use longer "
                "series, a shorter window_length, a simpler baseline, or the pretrained head "
                "(head='pretrained').")
        trained = [min(c, self.n_origins or c) for c in counts]  # the head's own origins
        encoded = self._fit_baseline_and_encode(panel, baseline, counts)
        with _timed(self.seconds_, "head"):
            latest = [(rows[c - t:], scales[c - t:]) for (rows, scales), c, t
                      in zip(encoded, counts, trained, strict=True)]
            features, targets = training_set(panel.series, trained, latest, self.baseline_,
                                             window_length=W, horizon=horizon)
            if not takes_missing_targets(self.head):
                whole = np.isfinite(targets).all(axis=1)
                features, targets = features[whole], targets[whole]

            def new_regressor():
                return make_regressor(self.head, self.centerer,
                                      with_llm=self.embedder_ is not None,
                                      n_features=features.shape[1], n_values=self._n_values(),
                                      n_jobs=self.n_jobs)

            self.regressor_ = new_regressor().fit(features, targets)
        return panel, counts, trained, encoded, features, new_regressor

    def _fit_zero_shot(self, panel, baseline, combiner):
        """Read only what the pretrained head forecasts from (each series' last window,
        series shorter than a window padded) and the combination's validation windows;
        the regressor is the pretrained one. Returns as :meth:`_fit_head`, without the
        function."""
        pretrained = self.pretrained_head_
        panel = pretrained.padded(panel)
        most = pretrained.rows_needed(self.horizon_, validation_windows(combiner, self.strategy))
        counts = self._origin_counts(panel, baseline, most)
        encoded = self._fit_baseline_and_encode(panel, baseline, counts)
        with _timed(self.seconds_, "head"):
            self.regressor_ = pretrained.regressor()
        return panel, counts, counts, encoded, np.vstack([rows for rows, _ in encoded])

    def _origin_counts(self, panel, baseline, most):
        """Origins to embed per series: its latest ``most`` (None: all) that have a
        window before them and the history ``baseline`` needs."""
        return origin_counts([len(v) for v in panel.series], self.window_length_,
                             self.horizon_, most, history=baseline.min_history,
                             fit=baseline.min_fit)

    def _fit_baseline_and_encode(self, panel, baseline, counts):
        """Fit the baseline on the series, and embed the values that the rows of each
        series' last ``counts`` origins read: ``[(features, scales)]`` per series."""
        with _timed(self.seconds_, "statistical models"):
            self.baseline_ = baseline.fit(panel, self.horizon_, self.sp_, counts,
                                          n_jobs=self.n_jobs)
        with _timed(self.seconds_, "embedding"):
            self.encoding_ = choose_encoding(self.encoding, len(panel.series), self.embedder_)
            W = self.window_length_
            return self._encode([values[len(values) - count - W:]
                                 for values, count in zip(panel.series, counts, strict=True)])

    def _n_values(self):
        """Scaled values the head reads beside (or, without an LLM, instead of) the embedding."""
        return self.window_length_ if self.include_values or self.embedder_ is None else 0

    def _fit_combination(self, combiner, series, counts, trained, encoded, new_regressor):
        """The fitted combination (None without ``combine``): its weights read the
        head's errors at each series' validation origins, from a head fitted without
        them (a pretrained head: as it is; direct strategy only, a recursive head gets
        the equal weight)."""
        if combiner is None:
            return None
        head_validation = None
        if validation_windows(combiner, self.strategy):
            with _timed(self.seconds_, "head"):
                head_validation = held_out_paths(
                    series, counts, trained, encoded, self.baseline_, combiner.n_validation,
                    new_regressor, window_length=self.window_length_, horizon=self.horizon_,
                    levels=list(VALIDATION_LEVELS),
                    complete_rows_only=not takes_missing_targets(self.head))
        with _timed(self.seconds_, "statistical models"):
            shared = self.baseline_.fitted_models(combiner.models)
            return combiner.fit(series, sp=self.sp_, horizon=self.horizon_,
                                head_validation=head_validation, n_jobs=self.n_jobs,
                                fitted=shared)

    def _check_parameters(self):
        validate_parameter_constraints(self._parameter_constraints, self.get_params(deep=False),
                                       caller_name=type(self).__name__)
        if self.sp is not None and self.window_length and self.sp > self.window_length:
            raise ValueError(f"sp must be a season length from 1 to window_length="
                             f"{self.window_length} (the baseline reads it inside each window), "
                             f"got {self.sp!r}. Use a longer window_length or sp=None.")

    def _encode(self, many):
        """``[(features, scales)]`` per series: row i ends at value i + window_length - 1."""
        return encode(self.embedder_, many, self.window_length_, encoding=self.encoding_,
                      include_values=self.include_values, n_jobs=self.n_jobs,
                      verbose=bool(getattr(self.embedder_, "verbose", False)))

    def _reading_length(self):
        """Values of a series' end that its last row reads."""
        stride = self.encoding_.stride_for(self.window_length_)
        if stride is None:  # one prompt per series: as many values as fit read
            stride = None if self.n_origins is None else self.n_origins + 1
        return None if stride is None else self.window_length_ + stride - 1

    def _keep(self, values):
        """The end of a series that later forecasts read (statistical models: all of it)."""
        if self.baseline_.context is None or self.combiner_ is not None:
            return values
        reading = self._reading_length()
        return values if reading is None else values[-max(reading, self.baseline_.context):]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Cheap settings for sktime's tests: a tiny random model built locally."""
        from ..embedding import LLMEmbedder
        from ..head import SoftmaxHeadForecaster

        tiny = LLMEmbedder("tiny-random-llama", dtype="float32")
        head = SoftmaxHeadForecaster(n_bins=20)
        # Two sets cover both encodings, both strategies, mean pooling, a statistical
        # backbone with a combination by evidence, and pretraining (a pretrained head
        # brings its own centering, so no other centerer); each set runs sktime's
        # whole battery (hundreds of fits), so there are no more.
        return [
            {"embedder": tiny.set_params(pooling="mean"), "head": head, "window_length": 6,
             "baseline": "theta", "combine": "ets"},
            {"embedder": LLMEmbedder("tiny-random-llama", dtype="float32"), "head": head,
             "window_length": 6, "encoding": SeriesPass(stride=3), "strategy": "recursive"},
        ]
