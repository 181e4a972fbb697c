"""Series to the head's features: one row per window, by either encoding, on any workers.

Row ``i`` of a series ends at value ``i + window_length - 1``. Every row is divided
by one scale, the mean absolute value of its window, whatever the encoding and
whatever the embedder writes in its prompts: the head's targets and the scaled
values beside the embedding are in that unit, so the encoding changes only how the
embedding is read, never what the head is asked.

The two encodings are parts of the forecaster (``encoding=``), each an estimator
with its own settings:

- :class:`WindowPrompts`: every window written as its own prompt;
- :class:`SeriesPass`: each series written once, in chunks of ``stride`` states.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from .._scale import mean_abs_scale
from ._parallel import SERIES_PER_TASK, run_groups
from ._windows import sliding_windows

#: ``encoding="auto"`` reads panels of more series than this in one pass per series: one
#: prompt per window is a little more accurate (docs/benchmarks.md) and costs about
#: window_length / 2 times the tokens, which a few series can afford and many cannot.
ONE_PASS_ABOVE = 10


class WindowPrompts(BaseEstimator):
    """Every window written as its own prompt: each embedding sees exactly
    ``window_length`` values (:meth:`~llmiso.LLMEmbedder.transform`)."""

    def stride_for(self, window_length):
        """States read per prompt: one (a chunk of one window)."""
        return 1

    def embed(self, embedder, many, windows, window_length):
        """The embeddings of each series of ``many`` (its ``windows``), one row per window."""
        embeddings = embedder.transform(np.vstack(windows))
        return np.split(embeddings, np.cumsum([len(w) for w in windows])[:-1])


class SeriesPass(BaseEstimator):
    """Each series written once, reading the state after every value.

    :meth:`~llmiso.LLMEmbedder.embed_series` (causal models only). With ``stride=None``
    each series is one prompt that holds exactly the values the head reads (or
    the longest stretch the model's context surely holds); with an int, chunks of
    ``window_length + stride - 1`` values, ``stride`` states each. Each state sees
    at least ``window_length`` values.

    Parameters
    ----------
    stride : int or None, default=None
        States read per chunk (None: one prompt per series).
    """

    _parameter_constraints = {"stride": [Interval(Integral, 1, None, closed="left"), None]}

    def __init__(self, stride=None):
        self.stride = stride

    def stride_for(self, window_length):
        """States read per chunk (None: as many as the series has windows)."""
        return self.stride

    def chunk_stride(self, embedder, many, window_length):
        """The stride the series ``many`` are embedded with: ``stride``, or the one that
        writes each as one prompt within the model's context."""
        if self.stride:
            return self.stride
        fits = embedder.prompt_format_.values_within(embedder.max_length_) - window_length + 1
        return max(1, min(max(len(v) for v in many) - window_length + 1, fits))

    def embed(self, embedder, many, windows, window_length):
        stride = self.chunk_stride(embedder, many, window_length)
        return [e for e, _ in embedder.embed_series(many, window_length, stride=stride)]


ENCODINGS = {"window": WindowPrompts, "series": SeriesPass}


#: What LLMForecaster's default embedder reads and writes, chosen on M3 and Tourism as the
#: cheapest settings whose accuracy held (docs/benchmarks.md): 12 of SmolLM2's 30 layers
#: (the pass stops there: 0.4 of its cost), LLMTime's digit form (3.5 tokens a value
#: instead of 6). The head alone was 1.7-3.3% ahead of the last layer's, decimal form.
FORECASTING_EMBEDDER = {"layer": 0.4, "number_format": "digits", "separator": ","}


def forecasting_embedder(model=None, **settings):
    """An :class:`~llmiso.LLMEmbedder` with LLMForecaster's defaults (``settings`` win).

    ``layer=0.4`` (12 of SmolLM2's 30 layers), ``number_format="digits"`` and
    ``separator=","``: the cheapest settings whose accuracy held on M3 and Tourism
    (docs/benchmarks.md); ``dtype="auto"`` as always.

    Examples
    --------
    >>> from llmiso.forecasting import forecasting_embedder
    >>> forecasting_embedder().get_params()["layer"]
    0.4
    """
    from ..embedding import DEFAULT_MODEL, LLMEmbedder

    return LLMEmbedder(DEFAULT_MODEL if model is None else model,
                       **{**FORECASTING_EMBEDDER, **settings})


def embedder_part(embedder):
    """The embedder ``embedder`` stands for: a clone, or for None
    :func:`forecasting_embedder`; ``"passthrough"`` (no LLM) as it is."""
    from sklearn.base import clone

    if isinstance(embedder, str):  # "passthrough"
        return embedder
    return forecasting_embedder() if embedder is None else clone(embedder)


def fitted_embedder(embedder, window_length):
    """The forecaster's fitted embedder (:func:`embedder_part`'s), or None without an
    LLM (``"passthrough"``)."""
    embedder = embedder_part(embedder)
    if isinstance(embedder, str):
        return None
    return embedder.set_params(input_type="numeric").fit(np.zeros((1, window_length)))


def choose_encoding(encoding, n_series, embedder):
    """The fitted encoding part for ``encoding`` ("auto", a name or a part)."""
    from sklearn.base import clone

    if isinstance(encoding, str) and encoding != "auto":
        return ENCODINGS[encoding]()
    if encoding != "auto":
        part = clone(encoding)
        validate_parameter_constraints(getattr(part, "_parameter_constraints", {}),
                                       part.get_params(deep=False),
                                       caller_name=type(part).__name__)
        return part
    # One pass reads each value's last-token state: a causal model, pooling="last".
    one_pass = embedder is None or (embedder.is_causal_ and embedder.pooling == "last")
    return SeriesPass() if one_pass and n_series > ONE_PASS_ABOVE else WindowPrompts()


def encode(embedder, many, window_length, *, encoding, include_values=True, n_jobs=None,
           verbose=False, group_size=None):
    """``[(features, scales)]`` per series of ``many``: one row per window.

    What :class:`LLMForecaster` embeds, usable alone (on a Dask cluster under
    ``joblib.parallel_backend("dask")``). ``embedder`` (fitted) None: the features
    are the scaled window itself (no LLM). Else the embedding of each window as
    ``encoding`` (:class:`WindowPrompts` or :class:`SeriesPass`) reads it, with the
    scaled window beside it when ``include_values``. The series go to the workers
    in groups of ``group_size`` (None: 64); ``scales`` are each window's mean absolute
    value.
    """
    windows = [sliding_windows(values, window_length) for values in many]
    scales = [mean_abs_scale(w) for w in windows]
    scaled = [w / s[:, None] for w, s in zip(windows, scales, strict=True)]
    if embedder is None:
        return list(zip(scaled, scales, strict=True))
    size = group_size or SERIES_PER_TASK
    groups = [slice(i, i + size) for i in range(0, len(many), size)]
    calls = [(encoding, embedder, many[g], windows[g], window_length) for g in groups]
    embeddings = []
    for part in run_groups(_embed_group, calls, n_jobs, verbose and len(groups) > 1, len(many)):
        embeddings.extend(part)
    if include_values:  # each row beside the window it ends, in that row's scale
        embeddings = [np.hstack([e, v]) for e, v in zip(embeddings, scaled, strict=True)]
    return list(zip(embeddings, scales, strict=True))


def _embed_group(encoding, embedder, many, windows, window_length):
    """The embeddings of each series of one group: a task for a joblib or Dask worker."""
    return encoding.embed(embedder, many, windows, window_length)
