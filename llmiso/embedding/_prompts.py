"""Stage 1 of embedding: numbers to text, text to token ids, and where each value ends.

Windows are written LLMTime-style (fixed decimals, a separator), each divided by
one scale (Chronos-style mean absolute value) that is applied once: truncation and
series chunks never rescale what they keep. No torch here.
"""

import numpy as np

from .._scale import mean_abs_scale

# Characters a number written by format_windows can contain.
_NUMBER_CHARACTERS = set("0123456789.-")


def check_separator(separator):
    """Reject a separator that could be read as part of a number."""
    if (
        not separator
        or any(c.isdigit() for c in separator)
        or separator[0] in _NUMBER_CHARACTERS
        or separator[-1] in _NUMBER_CHARACTERS
    ):
        raise ValueError(
            f"separator={separator!r} can be read as part of a number (it is empty, has "
            "a digit, or starts or ends with '.' or '-'), so values could not be told "
            "apart; use one such as ', ', ' | ' or ' - '."
        )


def window_scales(X, scaling):
    """The scale each row is divided by before it is written (1 without scaling)."""
    X = np.asarray(X, dtype=np.float64)
    return mean_abs_scale(X) if scaling == "mean_abs" else np.ones(len(X))


NUMBER_FORMATS = ("decimal", "digits")


def _write(row, decimals, separator, number_format="decimal"):
    """One row as text, and the character offset just past each value.

    ``"decimal"``: ``1.07``; ``"digits"``: LLMTime's form without the point, the
    value times ``10 ** decimals`` as an integer (``107``), a token fewer per value
    and two for values below 1 (``0.85``: ``85``).
    """
    if number_format == "digits":
        texts = [str(int(round(value * 10**decimals))) for value in row]
    else:
        texts = [f"{value:.{decimals}f}" for value in row]
    ends = np.cumsum([len(t) for t in texts]) + len(separator) * np.arange(len(texts))
    return separator.join(texts), ends.tolist()


def next_value_mark(separator):
    """What ends a prompt so that its last token is where the next value begins.

    The separator without trailing spaces (``", "`` gives ``","``): the model's
    state there is the one from which it writes the next number, whereas the state
    at a value's last digit mostly predicts the separator.
    """
    return separator.rstrip() or separator


def format_windows(X, *, decimals, separator, scales=None, trailing=False,
                   number_format="decimal"):
    """One prompt per row: ``X / scales`` with fixed decimals joined by ``separator``.

    ``scales`` is one divisor per row (None: write the values as they are).
    ``trailing`` ends each prompt with :func:`next_value_mark`.
    """
    X = np.asarray(X, dtype=np.float64)
    if scales is not None:
        X = X / np.asarray(scales, dtype=np.float64)[:, None]
    X = np.round(X, decimals) + 0.0  # + 0.0 turns -0.00 into 0.00
    end = next_value_mark(separator) if trailing else ""
    return [_write(row, decimals, separator, number_format)[0] + end for row in X.tolist()]


def write_with_reads(values, *, decimals, separator, trailing, number_format="decimal"):
    """One prompt written from ``values``, and the offset just past what each state is read at.

    As :func:`format_windows` writes one row; each offset is just past a value's
    last character, or with ``trailing`` past the :func:`next_value_mark` after it.
    """
    row = np.round(np.asarray(values, dtype=np.float64), decimals) + 0.0
    text, ends = _write(row.tolist(), decimals, separator, number_format)
    mark = next_value_mark(separator) if trailing else ""
    return text + mark, (np.asarray(ends) + len(mark)).tolist()


def special_token_counts(tokenizer):
    """(leading, trailing) special tokens the tokenizer adds around any text."""
    ids = tokenizer("0", add_special_tokens=True)["input_ids"]
    bare = tokenizer("0", add_special_tokens=False)["input_ids"]
    for lead in range(len(ids) - len(bare) + 1):
        if ids[lead : lead + len(bare)] == bare:
            return lead, len(ids) - lead - len(bare)
    return 0, 0


def cut_left(ids, limit, specials):
    """Keep the last tokens of ``ids`` that fit in ``limit``, and its special tokens.

    The leading special tokens (``[CLS]``, ``<s>``) and trailing ones (``[SEP]``)
    stay where they are: ``pooling="first"`` reads the first, and a model expects them.
    """
    lead, trail = specials
    if len(ids) <= limit:
        return ids
    keep = max(limit - lead - trail, 0)
    body = ids[lead : len(ids) - trail]
    return ids[:lead] + body[len(body) - keep :] + ids[len(ids) - trail :]


def tokenize_windows(tokenizer, X, scales, limit, *, decimals, separator, trailing,
                     number_format="decimal"):
    """Token ids per window, dropping the oldest values of windows over ``limit`` tokens.

    A cut window keeps as many of its most recent values as fit, still divided by
    the whole window's scale. Returns the ids and the number of windows cut.
    """
    write = dict(decimals=decimals, separator=separator, trailing=trailing,
                 number_format=number_format)
    prompts = format_windows(X, scales=scales, **write)
    ids = tokenizer(prompts, add_special_tokens=True)["input_ids"]
    specials = special_token_counts(tokenizer)
    cut = 0
    for i, row in enumerate(ids):
        if len(row) <= limit:
            continue
        cut += 1
        low, high = 1, X.shape[1] - 1  # the largest number of recent values that fits
        best = None
        while low <= high:
            keep = (low + high) // 2
            text = format_windows(X[i : i + 1, -keep:], scales=scales[i : i + 1], **write)[0]
            candidate = tokenizer(text, add_special_tokens=True)["input_ids"]
            if len(candidate) <= limit:
                best, low = candidate, keep + 1
            else:
                high = keep - 1
        # Even one value is too long: keep its last tokens (and the special ones).
        ids[i] = best if best is not None else cut_left(row, limit, specials)
    return ids, cut


def looks_like_texts(X):
    if isinstance(X, str):
        return True  # rejected with a clear message by _check_texts
    if hasattr(X, "ndim") and X.ndim != 1:
        return False
    try:
        return len(X) > 0 and all(isinstance(x, str) for x in X)
    except TypeError:
        return False


def check_texts(X):
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
