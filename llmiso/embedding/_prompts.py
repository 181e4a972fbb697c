"""Stage 1 of embedding: numbers to text, text to token ids, and where each value ends.

Windows are written LLMTime-style (fixed decimals, a separator), each divided by
one scale (Chronos-style mean absolute value) that is applied once: truncation and
series chunks never rescale what they keep. :class:`PromptFormat` holds those
settings, built once per embedder. No torch here.
"""

from dataclasses import dataclass

import numpy as np

from .._scale import mean_abs_scale

# Characters a number written by format_windows can contain.
_NUMBER_CHARACTERS = set("0123456789.-")


#: How a :class:`PromptFormat` writes numbers: ``"decimal"`` (``1.07``) or ``"digits"``
#: (LLMTime's form: the value times ``10 ** decimals`` as an integer, ``107``).
NUMBER_FORMATS = ("decimal", "digits")


@dataclass(frozen=True)
class PromptFormat:
    """How numeric windows are written as text: built once from an embedder's settings.

    Each window is divided by one scale (its mean absolute value with
    ``scaling="mean_abs"``, else 1), written LLMTime-style with ``decimals`` and
    ``separator`` (``"decimal"``: ``1.07``; ``"digits"``: the value times
    ``10 ** decimals`` as an integer, ``107``), and with ``trailing`` ends with
    :meth:`next_value_mark`, so its last token is where the next value begins.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.embedding import PromptFormat
    >>> PromptFormat().write(np.array([[1.0, 2.0, 3.0]]))
    ['0.50, 1.00, 1.50,']
    >>> PromptFormat(separator=",", number_format="digits", scaling=None).write([[1.07, 0.98]])
    ['107,98,']
    """

    decimals: int = 2
    separator: str = ", "
    number_format: str = "decimal"
    trailing: bool = True
    scaling: str | None = "mean_abs"

    def check(self):
        """Reject a separator that could be read as part of a number."""
        separator = self.separator
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
        return self

    def scales(self, X):
        """The scale each row is divided by before it is written (1 without scaling)."""
        X = np.asarray(X, dtype=np.float64)
        return mean_abs_scale(X) if self.scaling == "mean_abs" else np.ones(len(X))

    def next_value_mark(self):
        """What ends a prompt so that its last token is where the next value begins.

        The separator without trailing spaces (``", "`` gives ``","``): the model's
        state there is the one from which it writes the next number, whereas the
        state at a value's last digit mostly predicts the separator.
        """
        return self.separator.rstrip() or self.separator

    def values_within(self, max_tokens):
        """How many values surely fit in ``max_tokens`` tokens (a bound: every character
        a token, and values up to 9999 times their window's scale)."""
        per_value = self.decimals + 7 + len(self.separator)
        return max(1, (max_tokens - 4) // per_value)  # 4: special tokens and the mark

    def write(self, X, scales=None):
        """One prompt per row of ``X``, each divided by its scale (None: :meth:`scales`)."""
        X = np.asarray(X, dtype=np.float64)
        scales = self.scales(X) if scales is None else np.asarray(scales, dtype=np.float64)
        end = self.next_value_mark() if self.trailing else ""
        return [self._text(row)[0] + end for row in X / scales[:, None]]

    def write_with_reads(self, values):
        """One prompt of ``values`` (already scaled), and the offset just past what each
        value's state is read at: its last character, or with ``trailing`` the
        :meth:`next_value_mark` after it."""
        text, ends = self._text(np.asarray(values, dtype=np.float64))
        mark = self.next_value_mark() if self.trailing else ""
        return text + mark, (np.asarray(ends) + len(mark)).tolist()

    def _text(self, row):
        """One row as text, and the character offset just past each value."""
        row = (np.round(row, self.decimals) + 0.0).tolist()  # + 0.0: -0.00 becomes 0.00
        if self.number_format == "digits":
            texts = [str(int(round(value * 10**self.decimals))) for value in row]
        else:
            texts = [f"{value:.{self.decimals}f}" for value in row]
        ends = np.cumsum([len(t) for t in texts]) + len(self.separator) * np.arange(len(texts))
        return self.separator.join(texts), ends.tolist()

    def token_ids(self, tokenizer, X, scales, prompts, limit):
        """Token ids of ``prompts`` (written from ``X`` and ``scales``), dropping the
        oldest values of windows over ``limit`` tokens; and how many were cut.

        A cut window keeps as many of its most recent values as fit, still divided
        by the whole window's scale; only cut windows are written again.
        """
        ids = tokenizer(list(prompts), add_special_tokens=True)["input_ids"]
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
                text = self.write(X[i : i + 1, -keep:], scales[i : i + 1])[0]
                candidate = tokenizer(text, add_special_tokens=True)["input_ids"]
                if len(candidate) <= limit:
                    best, low = candidate, keep + 1
                else:
                    high = keep - 1
            # Even one value is too long: keep its last tokens (and the special ones).
            ids[i] = best if best is not None else cut_left(row, limit, specials)
        return ids, cut


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


def check_windows(estimator, X, *, reset):
    """``validate_data`` of numeric windows, with a message that says what is wrong."""
    from sklearn.utils.validation import validate_data

    try:
        return validate_data(estimator, X, reset=reset, dtype=np.float64)
    except ValueError as error:
        message = str(error)
        if "could not convert" in message or "inhomogeneous" in message:
            raise ValueError(
                "LLMEmbedder's numeric mode needs a rectangular table of numbers "
                "(n_samples, window_length), one window per row, all of the same "
                f"length ({message}). For texts pass a 1-D list of strings."
            ) from error
        raise


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
