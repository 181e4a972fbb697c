"""One pass over a whole series: chunks written once, a state read after each value.

A causal model reads left to right, so its state after a value already embeds the
window that ends there. Each series is cut into chunks laid back from its end,
each written once as text, and the state after each of a chunk's last ``stride``
values is read, instead of writing every overlapping window as its own prompt.
"""

from numbers import Integral

import numpy as np

from . import _forward
from ._cache import through_cache


def embed_series(reading, series, window_length, stride, *, model_name=""):
    """``[(X_emb, scales)]`` per series, as :meth:`LLMEmbedder.embed_series` documents."""
    _check_reading(reading, model_name)
    chunks, scales = _chunks(reading.prompt_format, series, window_length, stride)
    results = [(np.empty((len(s), reading.width), np.float32), s) for s in scales]
    states = iter(_chunk_states(reading, chunks))
    for out, _ in results:  # chunks come back in order: fill each series in turn
        row = 0
        while row < len(out):
            block = next(states)
            out[row : row + len(block)] = block
            row += len(block)
    return results


def series_prompts(prompt_format, series, window_length, stride):
    """The prompt of every chunk :func:`embed_series` writes, series by series."""
    chunks, _ = _chunks(prompt_format, series, window_length, stride)
    return [prompt_format.write_with_reads(chunk / scale)[0] for chunk, scale, _ in chunks]


def _chunks(prompt_format, series, window_length, stride):
    """``[(values written, scale, rows read)]`` over every chunk of every series, and
    each series' scale per row (its chunk's, the mean |value| of its first window)."""
    window_length, stride = _check_lengths(window_length, stride)
    chunks, all_scales = [], []
    for values in _check_series_list(series, window_length):
        scales = np.empty(len(values) - window_length + 1)
        for start, first_read, last_read in series_chunks(len(values), window_length, stride):
            chunk = values[start : last_read + 1]
            scale = prompt_format.scales(chunk[None, :window_length])[0]
            chunks.append((chunk, scale, range(first_read - start, last_read - start + 1)))
            scales[first_read - window_length + 1 : last_read - window_length + 2] = scale
        all_scales.append(scales)
    return chunks, all_scales


def _chunk_states(reading, chunks):
    """For each chunk, the states after the values numbered in its reads."""
    written = [reading.prompt_format.write_with_reads(chunk / scale) for chunk, scale, _ in chunks]
    prompts = [text for text, _ in written]
    states = [None] * len(chunks)

    def compute(part, progress):
        encoded = reading.loaded.tokenizer(
            [prompts[i] for i in part], add_special_tokens=True, return_offsets_mapping=True
        )
        ids, positions = [], []
        for j, i in enumerate(part):
            row = encoded["input_ids"][j]
            if len(row) > reading.max_length:
                raise ValueError(
                    f"A chunk of the series takes {len(row)} tokens, more than the "
                    f"model's {reading.max_length}; use a smaller stride or window_length."
                )
            tokens = tokens_ending_at(encoded["offset_mapping"][j], written[i][1])
            ids.append(row)
            positions.append([tokens[k] for k in chunks[i][2]])
        return _forward.states_at(reading, ids, positions, progress=progress)

    def store(i, result):
        states[i] = result

    def keys_of(i):
        reads = chunks[i][2]
        return reading.keys(prompts[i], ("series", reads.start, reads.stop))

    through_cache(len(chunks), keys_of, compute, store, width=reading.width,
                  cache_dir=reading.cache_dir, unit="chunk", verbose=reading.verbose)
    return states


def _check_reading(reading, model_name):
    loaded = reading.loaded
    if not loaded.is_causal:
        raise ValueError(
            f"embed_series needs a causal (left-to-right) model; {model_name!r} reads "
            "both ways, so a state would see values after its window. Use transform "
            "on the windows instead."
        )
    if reading.pooling != "last":
        raise ValueError(
            f"embed_series reads the state after each value (pooling='last'); this "
            f"embedder has pooling={reading.pooling!r}."
        )
    if not getattr(loaded.tokenizer, "is_fast", False):
        raise ValueError(
            f"embed_series maps values to tokens with a fast tokenizer's offsets, "
            f"which {model_name!r}'s tokenizer lacks; use transform on the windows."
        )


def _check_lengths(window_length, stride):
    stride = window_length if stride is None else stride
    for name, value in (("window_length", window_length), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(window_length), int(stride)


def _check_series_list(series, window_length):
    if getattr(series, "ndim", None) == 1 or (
        isinstance(series, (list, tuple)) and len(series) and np.isscalar(series[0])
    ):
        raise ValueError(
            "embed_series takes a list of series; wrap one series in a list: "
            "embed_series([y], window_length)."
        )
    checked = []
    for i, one in enumerate(series):
        values = np.asarray(one, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(
                f"Series {i} has shape {values.shape}; each series must be 1-D."
            )
        if not np.isfinite(values).all():
            raise ValueError(
                f"Series {i} contains NaN or infinite values; fill or drop them first."
            )
        if len(values) < window_length:
            raise ValueError(
                f"Series {i} has {len(values)} values, fewer than window_length="
                f"{window_length}; use a shorter window."
            )
        checked.append(values)
    return checked


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


def tokens_ending_at(offsets, ends):
    """Index of the token that holds the character just before each offset in ``ends``.

    ``offsets`` are a fast tokenizer's (start, end) character spans per token;
    special tokens have empty spans and hold no character.
    """
    tokens, k = [], 0
    for end in ends:
        while k < len(offsets) and not offsets[k][0] < end <= offsets[k][1]:
            k += 1
        if k == len(offsets):
            raise ValueError(
                f"No token holds the character at offset {end - 1} of the prompt; the "
                "tokenizer's offsets do not cover the text, so values cannot be located. "
                "Use transform on the windows instead of embed_series."
            )
        tokens.append(k)
    return tokens
