
import numpy as np
import pytest
from conftest import TOLERANCE

from llmiso import LLMEmbedder, mean_abs_scale
from llmiso.embedding import PromptFormat

RNG = np.random.default_rng(0)


SERIES = 10 + np.cumsum(RNG.normal(size=40))


def test_prompts_are_mean_scaled_llmtime_text():
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-2.0, 2.0, -2.0]])
    prompts = PromptFormat(trailing=False).write(X, mean_abs_scale(X))
    assert prompts == ["0.50, 1.00, 1.50", "0.00, 0.00, 0.00", "-1.00, 1.00, -1.00"]
    raw = PromptFormat(decimals=1, separator="|", trailing=False, scaling=None).write(X[:1])
    assert raw == ["1.0|2.0|3.0"]


def test_prompts_end_where_the_next_value_begins(dtype, tiny_llama):
    X = np.array([[1.0, 2.0, 3.0]])
    assert PromptFormat(scaling=None).write(X) == ["1.00, 2.00, 3.00,"]
    assert PromptFormat(decimals=1, separator=" | ", scaling=None).write(X) == ["1.0 | 2.0 | 3.0 |"]
    # The embedding is the state at that separator: the same text as a longer window's
    # prefix, and not the state at the last digit.
    emb = LLMEmbedder(tiny_llama, dtype=dtype, scaling=None).fit(X)
    digit = LLMEmbedder(tiny_llama, dtype=dtype, scaling=None, trailing_separator=False)
    assert not np.allclose(emb.transform(X), digit.fit(X).transform(X))
    Z, _ = emb.embed_series([np.r_[X[0], 4.0]], 3, stride=2)[0]
    np.testing.assert_allclose(Z[0], emb.transform(X)[0], atol=TOLERANCE[dtype])


def test_level_does_not_change_the_prompt(dtype, tiny_llama):
    X = RNG.random((3, 6)) + 1
    emb = LLMEmbedder(tiny_llama, dtype=dtype).fit(X)
    np.testing.assert_array_equal(emb.transform(X), emb.transform(1000 * X))


def test_too_long_windows_keep_the_most_recent_values_in_the_window_scale(tiny_llama):
    """A cut window is its most recent values that fit, in the whole window's scale."""
    X = RNG.random((2, 50)) + np.linspace(0, 5, 50)  # a trend: the tail's own scale differs
    emb = LLMEmbedder(tiny_llama, max_length=40, dtype="float32").fit(X)
    with pytest.warns(UserWarning, match="lost their oldest values") as caught:
        Z = emb.transform(X)
    assert caught[0].filename == __file__  # the warning points at the user's call
    # How many recent values fit, found independently by tokenizing longer and longer tails.
    from llmiso.embedding import load_model

    tokenizer = load_model(tiny_llama, dtype="float32").tokenizer
    scales = mean_abs_scale(X)
    wide = LLMEmbedder(tiny_llama, dtype="float32", scaling=None)  # no cut, no rescaling
    for i in range(2):
        keep = max(
            k for k in range(1, 50)
            if len(tokenizer(PromptFormat().write(X[i : i + 1, -k:], scales[i : i + 1])[0])
                   ["input_ids"]) <= 40
        )
        tail = X[i : i + 1, -keep:] / scales[i]
        np.testing.assert_allclose(Z[i], wide.fit(tail).transform(tail)[0], rtol=1e-5, atol=1e-5)


def test_cutting_from_the_left_keeps_the_start_token(tiny_bert, tiny_llama):
    """[CLS] (BERT) and <s> (Llama) stay first, so pooling="first" still reads them.

    The tiny tokenizers give one token per character, so the kept text is known.
    """
    text = "abcdefghijklmnopqrstuvwxyz"
    for model, n_special in ((tiny_bert, 2), (tiny_llama, 1)):  # [CLS] .. [SEP]; <s> ..
        for pooling in ("first", "last"):
            emb = LLMEmbedder(model, max_length=10, pooling=pooling, dtype="float32").fit([text])
            with pytest.warns(UserWarning, match="lost their first tokens"):
                Z = emb.transform([text])
            tail = text[-(10 - n_special) :]
            reference = LLMEmbedder(model, pooling=pooling, dtype="float32").fit([tail])
            np.testing.assert_allclose(Z, reference.transform([tail]), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("separator", ["", "-", ".", "0", " 1 ", "-, ", " ."])
def test_separators_that_read_as_numbers_are_rejected(tiny_llama, separator):
    with pytest.raises(ValueError, match="can be read as part of a number"):
        LLMEmbedder(tiny_llama, separator=separator).fit(RNG.random((2, 3)))


@pytest.mark.parametrize("separator", [" - ", " | ", ";", "\n"])
def test_other_separators_locate_every_value(tiny_llama, separator):
    emb = LLMEmbedder(tiny_llama, separator=separator, dtype="float32").fit(np.zeros((1, 6)))
    windows = np.lib.stride_tricks.sliding_window_view(-SERIES, 6)  # negative values too
    Z, _ = emb.embed_series([-SERIES], 6, stride=1)[0]
    np.testing.assert_array_equal(Z, emb.transform(windows))




def test_the_digit_form_drops_the_point_and_locates_every_value(tiny_llama):
    """LLMTime's form: the value times 10 ** decimals, as an integer (``1.07`` -> ``107``)."""
    X = np.array([[1.07, 0.98, -0.05, 0.0]])
    digits = PromptFormat(separator=",", number_format="digits", scaling=None)
    assert digits.write(X) == ["107,98,-5,0,"]
    emb = LLMEmbedder(tiny_llama, number_format="digits", separator=",",
                      dtype="float32").fit(np.zeros((1, 6)))
    decimal = LLMEmbedder(tiny_llama, separator=",", dtype="float32").fit(np.zeros((1, 6)))
    windows = np.lib.stride_tricks.sliding_window_view(SERIES, 6)
    assert not np.allclose(emb.transform(windows[:2]), decimal.transform(windows[:2]))
    # One pass reads the state after each value of the same text.
    Z, _ = emb.embed_series([SERIES], 6, stride=1)[0]
    np.testing.assert_array_equal(Z, emb.transform(windows))
    with pytest.raises(ValueError, match="'number_format' parameter"):
        LLMEmbedder(tiny_llama, number_format="points").fit(np.zeros((1, 6)))
